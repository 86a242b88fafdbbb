/**
 * Data (`data.*`): Fashion-MNIST and MNIST from their IDX files (the
 * library's own reader), synthetic sets from keys (XOR, two spirals, blobs,
 * noisy 1-D functions, random labels), shuffled mini-batches from keys,
 * splits, standardisation and augmentation.
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
export {
  type BlobOptions,
  blobs,
  noisy1d,
  type Noisy1dOptions,
  randomLabels,
  type RandomLabelsOptions,
  type SpiralOptions,
  type SyntheticOptions,
  twoSpirals,
  xor,
  type XorOptions,
  type XY,
} from "./synthetic.ts";
export { IdxError, MissingDataError } from "./errors.ts";
export {
  decodeIdx,
  IDX_MAX_RANK,
  type IdxArray,
  type IdxData,
  type IdxHeader,
  idxTensor,
  type IdxTensorDType,
  type IdxType,
  isGzip,
} from "./idx.ts";
export { gunzipIdx, readIdx, type ReadIdxOptions } from "./idx_read.ts";
export { IDX_IMAGE_FILES, type ImageDataset, type ImageSet, type ImageSetOptions } from "./idx_images.ts";
export { fashionMnist, fashionMnistLabels, mnist } from "./datasets.ts";
