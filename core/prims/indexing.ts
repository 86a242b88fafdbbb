/**
 * Gathering along an axis (`np.take`) and its transpose, scatter-add.
 *
 * @module
 */
import { DTypeError, ShapeError, ValueError } from "../errors.ts";
import { definePrimitive, type Primitive } from "../primitive.ts";
import { formatShape, normalizeAxis, type Shape } from "../shape.ts";
import type { ConcreteTensor, Tensor } from "../tensor.ts";
import { bind, Tracer } from "../trace.ts";
import { arange } from "../creation.ts";
import { add, less, mul, where } from "./binary.ts";
import { type BatchDim, loopBatch, moveToFront } from "./batching.ts";
import { broadcastTo, reshape, transpose } from "./shape.ts";

interface AxisParams {
  readonly axis: number;
  readonly [k: string]: unknown;
}

/**
 * @internal Checks concrete indices against an axis of size `d` before they are
 * combined with others (the batching rules below), with the message the
 * kernels give. The primitives themselves leave the check to the kernel,
 * which runs where the indices are.
 */
export const checkIndices = (op: string, idx: ConcreteTensor, d: number): void => {
  const raw = idx.hostData(op);
  for (let i = 0; i < raw.length; i++) {
    const v = raw[i];
    if (v < -d || v >= d) {
      throw new ValueError(op, `index ${v} (at flat position ${i}) is out of range for an axis of size ${d}`);
    }
  }
};

const requireIndices = (op: string, idx: { dtype: string }): void => {
  if (idx.dtype !== "int32") throw new DTypeError(op, `indices have dtype ${idx.dtype}; expected int32`);
};

/** `x0` (batched at 0) with its batch axis moved to just before per-example axis `axis`. */
const batchBeside = (x0: Tensor, axis: number): Tensor => {
  if (axis === 0) return x0;
  const rest = Array.from({ length: x0.ndim - 1 }, (_, i) => i + 1);
  return transpose(x0, [...rest.slice(0, axis), 0, ...rest.slice(axis)]);
};

/**
 * Per-example indices `idx0` `[B, …]` into an axis of size `d`, range-checked
 * (as the primitive checks them) and turned into indices into the `B·d` rows
 * of all examples side by side: `b·d + (i mod d)`. `null` when the indices
 * are symbolic (inside `trace`), where they cannot be checked before they
 * are combined; the caller then loops over the examples.
 */
const combinedIndices = (op: string, idx0: Tensor, d: BatchDim & number, size: number): Tensor | null => {
  if (idx0 instanceof Tracer) return null;
  requireIndices(op, idx0);
  checkIndices(op, idx0.concrete(), d);
  const wrapped = where(less(idx0, 0), add(idx0, d), idx0);
  const offsets = reshape(mul(arange(size, { dtype: "int32" }), d), [size, ...idx0.shape.slice(1).map(() => 1)]);
  return add(wrapped, offsets);
};

const gatherP: Primitive<AxisParams> = definePrimitive({
  name: "gather",
  abstractEval: ([x, idx], { axis }) => {
    requireIndices("gather", idx);
    return { shape: [...x.shape.slice(0, axis), ...idx.shape, ...x.shape.slice(axis + 1)], dtype: x.dtype };
  },
  impl: (b, [x, idx], { axis }) => b.gather(x.buf, x.shape, idx.buf, idx.shape, axis, x.dtype, "gather"),
  // linear in x: d take(x, i) = take(dx, i); the transpose scatters back
  batch: ([x, idx], [dx, di], { axis }, size) => {
    if (di === null) return [bind(gatherP, [moveToFront(x, dx!), idx], { axis: axis + 1 }), 0];
    // only the indices are batched: their batch axis lands where the indices go
    if (dx === null) return [bind(gatherP, [x, idx], { axis }), axis + di];
    const x0 = moveToFront(x, dx), idx0 = moveToFront(idx, di);
    const d = x0.shape[axis + 1];
    const flat = combinedIndices("gather", idx0, d, size);
    if (flat === null) return loopBatch(gatherP, [x, idx], [dx, di], { axis }, size);
    // [B, …, d, …] → […, B·d, …]: example b's row i is row b·d + i
    const merged = reshape(batchBeside(x0, axis), [
      ...x0.shape.slice(1, axis + 1),
      size * d,
      ...x0.shape.slice(axis + 2),
    ]);
    return [bind(gatherP, [merged, flat], { axis }), axis];
  },
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
    b.scatterAdd(upd.buf, idx.buf, idx.shape, shape, axis, upd.dtype, "scatterAdd"),
  batch: ([upd, idx], [du, di], { axis, shape }, size) => {
    if (di === null) {
      return [bind(scatterAddP, [moveToFront(upd, du!), idx], { axis: axis + 1, shape: [size, ...shape] }), 0];
    }
    const idx0 = moveToFront(idx, di);
    const d = shape[axis];
    const flat = combinedIndices("scatterAdd", idx0, d, size);
    if (flat === null) return loopBatch(scatterAddP, [upd, idx], [du, di], { axis, shape }, size);
    const upd0 = du === null ? broadcastTo(upd, [size, ...upd.shape]) : moveToFront(upd, du);
    const merged = [...shape.slice(0, axis), size * d, ...shape.slice(axis + 1)];
    const y = bind(scatterAddP, [batchBeside(upd0, axis), flat], { axis, shape: merged });
    return [reshape(y, [...shape.slice(0, axis), size, d, ...shape.slice(axis + 1)]), axis];
  },
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
