/**
 * Indexing composed from `gather`: `takeAlongAxis` (as NumPy's
 * `take_along_axis`), whose gradient is gather's (a scatter-add).
 *
 * @module
 */
import { arange, full } from "../creation.ts";
import { DTypeError, ShapeError } from "../errors.ts";
import { add, less, mul, where } from "../prims/binary.ts";
import { checkIndices, gather } from "../prims/indexing.ts";
import { broadcastTo, reshape } from "../prims/shape.ts";
import { formatShape, normalizeAxis, stridesOf } from "../shape.ts";
import { ConcreteTensor, type Tensor } from "../tensor.ts";

/**
 * Picks values of `x` along `axis` at `indices` (int32, same rank as `x`;
 * negatives count from the end): `out[…, i, …] = x[…, indices[…, i, …], …]`.
 * The other axes broadcast against each other, as `np.take_along_axis`. With
 * `argsort` or `argmax(…, keepDims)` indices it sorts or selects per row.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { takeAlongAxis, tensor } from "../../mod.ts";
 * const x = tensor([[10, 20, 30], [40, 50, 60]]);
 * const i = tensor([[2, 0], [1, 1]], { dtype: "int32" });
 * assert.deepEqual(takeAlongAxis(x, i, 1).toArray(), [[30, 10], [50, 50]]);
 * ```
 */
export const takeAlongAxis = (x: Tensor, indices: Tensor, axis: number): Tensor => {
  const op = "takeAlongAxis";
  if (indices.dtype !== "int32") throw new DTypeError(op, `indices have dtype ${indices.dtype}; expected int32`);
  if (indices.ndim !== x.ndim) {
    throw new ShapeError(
      op,
      `indices ${formatShape(indices.shape)} and x ${formatShape(x.shape)} must have the same rank`,
    );
  }
  const a = normalizeAxis(op, axis, x.ndim);
  const n = x.shape[a];
  const outShape = x.shape.map((d, i) => {
    if (i === a) return indices.shape[i];
    const e = indices.shape[i];
    if (d !== e && d !== 1 && e !== 1) {
      throw new ShapeError(
        op,
        `x ${formatShape(x.shape)} and indices ${formatShape(indices.shape)} do not broadcast on axis ${i}`,
      );
    }
    return d === 1 ? e : d;
  });
  if (indices instanceof ConcreteTensor) checkIndices(op, indices, n);
  // Flat positions into x broadcast to outShape (but n along the axis).
  const fullShape = outShape.map((d, i) => (i === a ? n : d));
  const xs = broadcastTo(x, fullShape);
  const st = stridesOf(fullShape);
  let base: Tensor = full([], 0, { dtype: "int32" });
  outShape.forEach((d, i) => {
    if (i === a) return;
    const shape = outShape.map((_, j) => (j === i ? d : 1));
    base = add(base, reshape(mul(arange(d, { dtype: "int32" }), st[i]), shape));
  });
  const idx = broadcastTo(indices, outShape);
  const wrapped = where(less(idx, 0), add(idx, n), idx);
  const flat = add(base, mul(wrapped, st[a]));
  return gather(reshape(xs, [-1]), flat, 0);
};
