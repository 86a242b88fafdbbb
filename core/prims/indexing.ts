/**
 * Gathering along an axis (`np.take`) and its transpose, scatter-add.
 *
 * @module
 */
import { DTypeError, ShapeError, ValueError } from "../errors.ts";
import { definePrimitive, type Primitive } from "../primitive.ts";
import { formatShape, normalizeAxis, type Shape } from "../shape.ts";
import type { ConcreteTensor, Tensor } from "../tensor.ts";
import { bind } from "../trace.ts";

interface AxisParams {
  readonly axis: number;
  readonly [k: string]: unknown;
}

/** Checks the indices against an axis of size `d`, wrapping negatives (as NumPy). */
const indicesFor = (op: string, idx: ConcreteTensor, d: number): Int32Array => {
  const raw = idx.data() as Int32Array;
  let copy: Int32Array | null = null;
  for (let i = 0; i < raw.length; i++) {
    const v = raw[i];
    if (v < -d || v >= d) {
      throw new ValueError(op, `index ${v} (at flat position ${i}) is out of range for an axis of size ${d}`);
    }
    if (v < 0) {
      copy ??= raw.slice();
      copy[i] = v + d;
    }
  }
  return copy ?? raw;
};

const requireIndices = (op: string, idx: { dtype: string }): void => {
  if (idx.dtype !== "int32") throw new DTypeError(op, `indices have dtype ${idx.dtype}; expected int32`);
};

const gatherP: Primitive<AxisParams> = definePrimitive({
  name: "gather",
  abstractEval: ([x, idx], { axis }) => {
    requireIndices("gather", idx);
    return { shape: [...x.shape.slice(0, axis), ...idx.shape, ...x.shape.slice(axis + 1)], dtype: x.dtype };
  },
  impl: (b, [x, idx], { axis }) =>
    b.gather(x.buf, x.shape, indicesFor("gather", idx, x.shape[axis]), idx.shape, axis, x.dtype),
  // linear in x: d take(x, i) = take(dx, i); the transpose scatters back
  jvp: ([, idx], [dx], _o, p) => (dx === null ? null : bind(gatherP, [dx, idx], p)),
  vjp: (g, [x, idx], _o, { axis }) => [bind(scatterAddP, [g, idx], { axis, shape: x.shape }), null],
});

interface ScatterParams extends AxisParams {
  readonly shape: Shape;
}

const scatterAddP: Primitive<ScatterParams> = definePrimitive({
  name: "scatterAdd",
  abstractEval: ([upd, idx], { axis, shape }) => {
    requireIndices("scatterAdd", idx);
    const want = [...shape.slice(0, axis), ...idx.shape, ...shape.slice(axis + 1)];
    if (want.length !== upd.shape.length || want.some((d, i) => d !== upd.shape[i])) {
      throw new ShapeError(
        "scatterAdd",
        `updates have shape ${formatShape(upd.shape)}; expected ${formatShape(want)} for indices ${
          formatShape(idx.shape)
        } into ${formatShape(shape)} along axis ${axis}`,
      );
    }
    return { shape, dtype: upd.dtype };
  },
  impl: (b, [upd, idx], { axis, shape }) =>
    b.scatterAdd(upd.buf, indicesFor("scatterAdd", idx, shape[axis]), idx.shape, shape, axis, upd.dtype),
  jvp: ([, idx], [du], _o, p) => (du === null ? null : bind(scatterAddP, [du, idx], p)),
  vjp: (g, [, idx], _o, { axis }) => [bind(gatherP, [g, idx], { axis }), null],
});

/**
 * Takes the slices at `indices` (int32, any shape; negatives count from the
 * end) along `axis`: the result has shape
 * `x.shape[:axis] + indices.shape + x.shape[axis+1:]`, as `np.take`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { gather, tensor } from "../../mod.ts";
 * const x = tensor([[1, 2], [3, 4], [5, 6]]);
 * assert.deepEqual(gather(x, tensor([2, 0], { dtype: "int32" })).toArray(), [[5, 6], [1, 2]]);
 * assert.deepEqual(gather(x, tensor([1], { dtype: "int32" }), 1).toArray(), [[2], [4], [6]]);
 * ```
 */
export const gather = (x: Tensor, indices: Tensor, axis = 0): Tensor => {
  if (x.ndim === 0) throw new ShapeError("gather", "cannot gather from a scalar");
  return bind(gatherP, [x, indices], { axis: normalizeAxis("gather", axis, x.ndim) });
};

/**
 * Adds the slices of `updates` into a zero tensor of `shape` at `indices`
 * along `axis` (repeated indices accumulate): the transpose of `gather`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { scatterAdd, tensor } from "../../mod.ts";
 * const i = tensor([0, 0, 2], { dtype: "int32" });
 * assert.deepEqual(scatterAdd(tensor([1, 2, 3]), i, [3]).toArray(), [3, 0, 3]);
 * ```
 */
export const scatterAdd = (updates: Tensor, indices: Tensor, shape: Shape, axis = 0): Tensor => {
  if (shape.length === 0) throw new ShapeError("scatterAdd", "cannot scatter into a scalar");
  return bind(scatterAddP, [updates, indices], {
    axis: normalizeAxis("scatterAdd", axis, shape.length),
    shape: [...shape],
  });
};
