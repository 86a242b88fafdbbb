/**
 * The embedding layer: a learned vector per token id.
 *
 * @module
 */
import type { FloatDType } from "../core/dtype.ts";
import { DTypeError, TransformError, ValueError } from "../core/errors.ts";
import { gather } from "../core/ops/mod.ts";
import { formatShape } from "../core/shape.ts";
import { Tensor } from "../core/tensor.ts";
import { inputShape, positiveInt } from "./checks.ts";
import { type Initializer, normal } from "./init.ts";
import { type Layer, statelessLayer } from "./layer.ts";

/** Options of `embedding`. */
export interface EmbeddingOptions {
  /** The table's initializer (default N(0, 1), as PyTorch's `Embedding`). */
  readonly init?: Initializer;
  /** The parameters' dtype (default float32; float64 for gradient checks and precise fits). */
  readonly dtype?: FloatDType;
}

/** An embedding's parameters: the table `[vocab, dim]`, one row per id. */
export type EmbeddingParams = {
  readonly table: Tensor;
};

/** The ids' values, or undefined when they are symbolic (inside `trace`) and cannot be read. */
const readIds = (ids: Tensor): Int32Array | undefined => {
  try {
    return ids.toTypedArray() as Int32Array;
  } catch (e) {
    if (e instanceof TransformError) return undefined;
    throw e;
  }
};

/**
 * An embedding of a vocabulary of `vocab` ids into `dim` dimensions: int32
 * ids of any shape `[...]` → `[..., dim]`, row `id` of the table `[vocab,
 * dim]` for each (PyTorch's `Embedding`, Keras's `Embedding`; the table
 * starts N(0, 1), as PyTorch's). An id outside `[0, vocab)` — negatives
 * included — is a `ValueError` naming the id and where it is; ids that are
 * not int32 are a `DTypeError`. The gradient with respect to the table adds
 * up the output gradients of each id's occurrences.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { layers, random, tensor } from "../mod.ts";
 * const emb = layers.embedding(10, 4);
 * const ids = tensor([[1, 2, 3], [3, 0, 9]], { dtype: "int32" });
 * const { params, outputShape } = emb.init(random.key(0), ids.shape);
 * assert.deepEqual([params.table.shape, outputShape], [[10, 4], [2, 3, 4]]);
 * const y = emb.apply(params, ids);
 * assert.deepEqual(y.shape, [2, 3, 4]);
 * assert.throws(() => emb.apply(params, tensor([10], { dtype: "int32" })), /id 10/);
 * ```
 */
export const embedding = (vocab: number, dim: number, opts: EmbeddingOptions = {}): Layer<EmbeddingParams> => {
  const v = positiveInt("embedding", "vocab", vocab);
  const d = positiveInt("embedding", "dim", dim);
  const init = opts.init ?? normal(1);
  return statelessLayer<EmbeddingParams>({
    name: "embedding",
    init: (key, shape) => {
      const s = inputShape("embedding", shape, {});
      return { params: { table: init(key, [v, d], opts.dtype) }, state: {}, outputShape: [...s, d] };
    },
    apply: ({ table }, ids) => {
      if (!(table instanceof Tensor)) throw new ValueError("embedding", "params.table is missing (use init's params)");
      if (!(ids instanceof Tensor) || ids.dtype !== "int32") {
        const got = ids instanceof Tensor ? `dtype ${ids.dtype}` : typeof ids;
        throw new DTypeError("embedding", `ids must be an int32 tensor, got ${got} (cast the ids first)`);
      }
      const rows = table.shape[0];
      const values = readIds(ids);
      if (values !== undefined) {
        const at = values.findIndex((id) => id < 0 || id >= rows);
        if (at >= 0) {
          throw new ValueError(
            "embedding",
            `id ${values[at]} (at flat position ${at} of ids ${formatShape(ids.shape)}) is out of range ` +
              `for a vocabulary of ${rows}; ids must be in [0, ${rows})`,
          );
        }
      }
      return gather(table, ids, 0);
    },
  });
};
