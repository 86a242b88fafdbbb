/**
 * Checkpoints in the safetensors format: trees of tensors ↔ bytes ↔ files.
 * A leaf's name is its dotted path (`layers.0.w`); see io/names.ts for the
 * naming rules. Readers validate the whole header before allocating and
 * report problems as `SafetensorsError` (naming file, tensor and field);
 * the `…Either` variants return an fp-ts `Either` instead of throwing.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeSafetensors, encodeSafetensors } from "./mod.ts";
 * import { tensor } from "../mod.ts";
 * const bytes = encodeSafetensors({ layers: [{ w: tensor([[1, 2]]) }] });
 * const back = decodeSafetensors(bytes) as { layers: { w: ReturnType<typeof tensor> }[] };
 * assert.deepEqual(back.layers[0].w.toArray(), [[1, 2]]);
 * ```
 *
 * @module
 */
/** The base class of SafetensorsError, re-exported so the error's type is complete here. */
export type { DendriteError } from "../core/errors.ts";
export { SafetensorsError, type SafetensorsErrorInfo } from "./errors.ts";
export {
  type Decoded,
  type DecodeOptions,
  decodeSafetensors,
  decodeSafetensorsEither,
  encodeSafetensors,
  type Metadata,
} from "./codec.ts";
export {
  loadSafetensors,
  loadSafetensorsEither,
  loadSafetensorsWithMetadata,
  type SaveOptions,
  saveSafetensors,
} from "./file.ts";
export { flattenNamed, unflattenNamed } from "./names.ts";
export {
  checkpointCallback,
  type CheckpointInfo,
  type CheckpointOptions,
  loadCheckpoint,
  saveCheckpoint,
} from "./checkpoint.ts";
