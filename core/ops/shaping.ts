/**
 * Shape helpers composed from primitives: squeeze, expandDims, stack,
 * flatten, clip, oneHot.
 *
 * @module
 */
import { arange } from "../creation.ts";
import type { DType } from "../dtype.ts";
import { DTypeError, ShapeError, ValueError } from "../errors.ts";
import { equal, maximum, minimum } from "../prims/binary.ts";
import type { TensorLike } from "../prims/lift.ts";
import { cast } from "../prims/misc.ts";
import { broadcastTo, concat, reshape, slice } from "../prims/shape.ts";
import { formatShape, normalizeAxes, normalizeAxis } from "../shape.ts";
import type { Tensor } from "../tensor.ts";

/**
 * Removes axes of size 1 (the given ones, or all).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { squeeze, zeros } from "../../mod.ts";
 * assert.deepEqual(squeeze(zeros([1, 3, 1])).shape, [3]);
 * assert.deepEqual(squeeze(zeros([1, 3, 1]), 0).shape, [3, 1]);
 * ```
 */
export const squeeze = (x: Tensor, axis?: number | readonly number[]): Tensor => {
  const axes = axis === undefined
    ? x.shape.flatMap((d, i) => (d === 1 ? [i] : []))
    : normalizeAxes("squeeze", axis, x.ndim);
  for (const a of axes) {
    if (x.shape[a] !== 1) {
      throw new ShapeError("squeeze", `axis ${a} of shape ${formatShape(x.shape)} has size ${x.shape[a]}, not 1`);
    }
  }
  return reshape(x, x.shape.filter((_, i) => !axes.includes(i)));
};

/**
 * Inserts an axis of size 1 at `axis` (of the result; negatives count from the end).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { expandDims, zeros } from "../../mod.ts";
 * assert.deepEqual(expandDims(zeros([3]), 0).shape, [1, 3]);
 * assert.deepEqual(expandDims(zeros([3]), -1).shape, [3, 1]);
 * ```
 */
export const expandDims = (x: Tensor, axis: number): Tensor => {
  const a = normalizeAxis("expandDims", axis, x.ndim + 1);
  return reshape(x, [...x.shape.slice(0, a), 1, ...x.shape.slice(a)]);
};

/**
 * Stacks tensors of equal shape along a new axis.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { stack, tensor } from "../../mod.ts";
 * assert.deepEqual(stack([tensor([1, 2]), tensor([3, 4])], 1).toArray(), [[1, 3], [2, 4]]);
 * ```
 */
export const stack = (xs: readonly Tensor[], axis = 0): Tensor => {
  if (xs.length === 0) throw new ValueError("stack", "needs at least one tensor");
  const shape = xs[0].shape;
  for (const x of xs) {
    if (formatShape(x.shape) !== formatShape(shape)) {
      throw new ShapeError("stack", `shapes differ: ${xs.map((t) => formatShape(t.shape)).join(", ")}`);
    }
  }
  const a = normalizeAxis("stack", axis, shape.length + 1);
  const expanded = xs.map((x) => expandDims(x, a));
  return expanded.length === 1 ? expanded[0] : concat(expanded, a);
};

/**
 * Flattens axes `start..end` (inclusive; all by default) into one.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { flatten, zeros } from "../../mod.ts";
 * assert.deepEqual(flatten(zeros([2, 3, 4])).shape, [24]);
 * assert.deepEqual(flatten(zeros([2, 3, 4]), 1).shape, [2, 12]);
 * ```
 */
export const flatten = (x: Tensor, start = 0, end = -1): Tensor => {
  if (x.ndim === 0) return reshape(x, [1]);
  const s = normalizeAxis("flatten", start, x.ndim);
  const e = normalizeAxis("flatten", end, x.ndim);
  if (e < s) throw new ValueError("flatten", `end axis ${end} comes before start axis ${start}`);
  const mid = x.shape.slice(s, e + 1).reduce((a, b) => a * b, 1);
  return reshape(x, [...x.shape.slice(0, s), mid, ...x.shape.slice(e + 1)]);
};

/**
 * Limits values to `[lo, hi]`: minimum(maximum(x, lo), hi). At a bound the
 * derivative is ½ (ties split evenly, as JAX).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { clip, tensor } from "../../mod.ts";
 * assert.deepEqual(clip(tensor([-2, 0.5, 3]), 0, 1).toArray(), [0, 0.5, 1]);
 * ```
 */
export const clip = (x: Tensor, lo: TensorLike, hi: TensorLike): Tensor => minimum(maximum(x, lo), hi);

/**
 * One-hot encoding of int32 labels: a new last axis of size `n`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { oneHot, tensor } from "../../mod.ts";
 * assert.deepEqual(oneHot(tensor([2, 0], { dtype: "int32" }), 3).toArray(), [[0, 0, 1], [1, 0, 0]]);
 * ```
 */
export const oneHot = (labels: Tensor, n: number, dtype: DType = "float32"): Tensor => {
  if (labels.dtype !== "int32") throw new DTypeError("oneHot", `labels have dtype ${labels.dtype}; expected int32`);
  if (!Number.isSafeInteger(n) || n < 0) throw new ValueError("oneHot", `n must be a non-negative integer, got ${n}`);
  return cast(equal(expandDims(labels, -1), arange(n, { dtype: "int32" })), dtype);
};

/**
 * Splits `x` along `axis` (default 0) into `sections` equal parts, or at the
 * given indices (as `np.split`: `[2, 5]` gives `x[:2]`, `x[2:5]`, `x[5:]`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { arange, split } from "../../mod.ts";
 * assert.deepEqual(split(arange(6), 3).map((t) => t.toArray()), [[0, 1], [2, 3], [4, 5]]);
 * assert.deepEqual(split(arange(6), [1, 4]).map((t) => t.toArray()), [[0], [1, 2, 3], [4, 5]]);
 * ```
 */
export const split = (x: Tensor, sections: number | readonly number[], axis = 0): Tensor[] => {
  const a = normalizeAxis("split", axis, x.ndim);
  const n = x.shape[a];
  let cuts: number[];
  if (typeof sections === "number") {
    if (!Number.isInteger(sections) || sections < 1 || n % sections !== 0) {
      throw new ValueError(
        "split",
        `cannot split axis ${a} of size ${n} (shape ${formatShape(x.shape)}) into ${sections} equal parts`,
      );
    }
    cuts = Array.from({ length: sections - 1 }, (_, i) => ((i + 1) * n) / sections);
  } else {
    cuts = sections.map((c) => {
      if (!Number.isInteger(c)) throw new ValueError("split", `split indices must be integers, got ${c}`);
      return Math.min(Math.max(c < 0 ? c + n : c, 0), n);
    });
  }
  const bounds = [0, ...cuts, n];
  return bounds.slice(1).map((stop, i) =>
    slice(x, x.shape.map((_, d) => (d === a ? { start: bounds[i], stop: Math.max(stop, bounds[i]) } : null)))
  );
};

/**
 * Repeats `x` `reps[d]` times along each axis (as `np.tile`; `reps` shorter
 * than the rank applies to the last axes, longer adds leading axes).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { tensor, tile } from "../../mod.ts";
 * assert.deepEqual(tile(tensor([[1, 2]]), [2, 2]).toArray(), [[1, 2, 1, 2], [1, 2, 1, 2]]);
 * ```
 */
export const tile = (x: Tensor, reps: number | readonly number[]): Tensor => {
  const r = typeof reps === "number" ? [reps] : [...reps];
  for (const k of r) {
    if (!Number.isInteger(k) || k < 0) {
      throw new ValueError("tile", `repetitions must be non-negative integers, got ${k}`);
    }
  }
  const rank = Math.max(r.length, x.ndim);
  const shape = [...Array(rank - x.ndim).fill(1), ...x.shape];
  const rr = [...Array(rank - r.length).fill(1), ...r];
  // [d0, d1] → [1, d0, 1, d1] → broadcast [r0, d0, r1, d1] → [r0·d0, r1·d1]
  const interleaved = shape.flatMap((d) => [1, d]);
  const target = shape.flatMap((d, i) => [rr[i], d]);
  return reshape(broadcastTo(reshape(x, interleaved), target), shape.map((d, i) => d * rr[i]));
};
