/**
 * Helpers of the batching rules (`vmap`): moving a batch axis to the front,
 * giving an unbatched value the batch axis, and aligning the operands of
 * broadcasting ops so that the batch axes meet.
 *
 * @module
 */
import type { Params, Primitive } from "../primitive.ts";
import type { Tensor } from "../tensor.ts";
import { bind } from "../trace.ts";
import { broadcastTo, concat, reshape, slice, transpose } from "./shape.ts";

/** A batch axis: a position, or `null` for a value that is the same for every example. */
export type BatchDim = number | null;

/** `x` with its batch axis `dim` moved to position 0 (a no-op when it is there). */
export const moveToFront = (x: Tensor, dim: number): Tensor => {
  if (dim === 0) return x;
  const perm = [dim, ...Array.from({ length: x.ndim }, (_, i) => i).filter((i) => i !== dim)];
  return transpose(x, perm);
};

/** `x` batched at axis 0: moved there, or repeated `size` times when it is unbatched. */
export const batchedAtFront = (x: Tensor, dim: BatchDim, size: number): Tensor =>
  dim === null ? broadcastTo(x, [size, ...x.shape]) : moveToFront(x, dim);

/**
 * `x0` (batched at 0) with axes of size 1 inserted after the batch axis so
 * that it has `rank` per-example axes: broadcasting, which aligns trailing
 * axes, then lines its batch axis up with the other operands'.
 */
export const padAfterBatch = (x0: Tensor, rank: number): Tensor => {
  const per = x0.shape.slice(1);
  return per.length === rank ? x0 : reshape(x0, [x0.shape[0], ...Array(rank - per.length).fill(1), ...per]);
};

/**
 * The operands of an elementwise (broadcasting) op, arranged so that the
 * op's own broadcasting lines the batch axes up: each batched operand gets
 * its batch axis at 0 followed by axes of size 1 up to the largest
 * per-example rank; unbatched operands stay as they are (they broadcast
 * against the trailing axes). The output is batched at 0.
 */
export const alignElementwise = (args: readonly Tensor[], dims: readonly BatchDim[]): Tensor[] => {
  const rank = Math.max(...args.map((a, i) => a.ndim - (dims[i] === null ? 0 : 1)));
  return args.map((a, i) => {
    const d = dims[i];
    if (d === null) return a;
    return padAfterBatch(moveToFront(a, d), rank);
  });
};

/** The operands' common batch axis when all are batched there with the same shape (no move needed), else null. */
export const sameDims = (args: readonly Tensor[], dims: readonly BatchDim[]): BatchDim => {
  const d = dims[0];
  if (d === null) return null;
  const nd = args[0].ndim;
  return dims.every((x, i) => x === d && args[i].ndim === nd && args[i].shape.every((s, j) => s === args[0].shape[j]))
    ? d
    : null;
};

/**
 * The batching rule of an elementwise primitive of any arity: operands batched
 * at the same axis with the same shape need no move; otherwise they are aligned
 * by `alignElementwise` and the output is batched at 0.
 */
export const elementwiseBatch = <P extends Params>(prim: () => Primitive<P>) =>
(
  args: readonly Tensor[],
  dims: readonly BatchDim[],
  params: P,
): readonly [Tensor, BatchDim] => {
  const d = sameDims(args, dims);
  if (d !== null) return [bind(prim(), args, params), d];
  return [bind(prim(), alignElementwise(args, dims), params), 0];
};

/** The position in the batched value of per-example axis `axis` when the batch axis is `dim`. */
export const shiftAxis = (axis: number, dim: number): number => (axis >= dim ? axis + 1 : axis);

/**
 * The batching rule of last resort: the primitive applied to each example in
 * turn and the results stacked along a new leading axis. Used only where an
 * exact rule would lose a check (indices that cannot be range-checked before
 * they are combined across examples).
 */
export const loopBatch = <P extends Params>(
  prim: Primitive<P>,
  args: readonly Tensor[],
  dims: readonly BatchDim[],
  params: P,
  size: number,
): readonly [Tensor, BatchDim] => {
  const outs: Tensor[] = [];
  for (let b = 0; b < size; b++) {
    const parts = args.map((a, i) => {
      const d = dims[i];
      if (d === null) return a;
      const one = slice(a, a.shape.map((_, j) => (j === d ? { start: b, stop: b + 1 } : null)));
      return reshape(one, a.shape.filter((_, j) => j !== d));
    });
    const y = bind(prim, parts, params);
    outs.push(reshape(y, [1, ...y.shape]));
  }
  return [concat(outs, 0), 0];
};
