/**
 * Data (`data.*`): shuffled mini-batches from keys, splits, standardisation
 * and augmentation.
 *
 * @module
 */
export { type Batches, batches, batchIndices, type BatchOptions } from "./batches.ts";
export { split, splitSizes } from "./split.ts";
export { fitStandardizer, standardize, type Standardizer, type StandardizerOptions } from "./standardize.ts";
export {
  type CropOptions,
  type FlipOptions,
  gaussianNoise,
  type NoiseOptions,
  randomCrop,
  randomFlipHorizontal,
} from "./augment.ts";
export { leadingSize, takeRows } from "./rows.ts";
