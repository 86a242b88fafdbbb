/**
 * Kernels that move elements without arithmetic (bar `scatterAdd`): strided
 * copies (re-exported from `copy_strided.ts`), padding, concatenation,
 * gathering and its transpose.
 *
 * Each sees its operands as `[outer, axis, inner]` blocks or as rows of a
 * merged walk, so its work is a loop over rows around a contiguous copy.
 *
 * @module
 */
import type { DType, TypedArray } from "../../core/dtype.ts";
import { DTypeError, ValueError } from "../../core/errors.ts";
import { alloc, allocUninitialized } from "./pool.ts";
import { type Shape, sizeOf, stridesOf } from "../../core/shape.ts";
import { copyRange } from "./copy_strided.ts";
import { full } from "./elementwise.ts";
import { planRows } from "./strided.ts";

export { copyStrided } from "./copy_strided.ts";

/** Product of `shape[from..to)`. */
function extent(shape: Shape, from: number, to: number): number {
  let n = 1;
  for (let d = from; d < to; d++) n *= shape[d];
  return n;
}

/**
 * Pads each axis with `lo[d]` elements before, `hi[d]` after and
 * `interior[d]` between neighbours, filling with `value` (as `full` converts
 * it). An axis of extent 0 becomes `lo + hi` long.
 *
 * @example Interior padding, as the transpose of a strided slice needs
 * ```ts
 * import assert from "node:assert/strict";
 * import { pad } from "./layout.ts";
 * const out = pad(Float32Array.of(1, 2, 3), [3], [1], [0], [1], 0, "float32");
 * assert.deepEqual([...out], [0, 1, 0, 2, 0, 3]);
 * ```
 */
export function pad(
  x: TypedArray,
  shape: Shape,
  lo: readonly number[],
  hi: readonly number[],
  interior: readonly number[],
  value: number,
  dtype: DType,
): TypedArray {
  const r = shape.length;
  const outShape = new Array<number>(r);
  for (let d = 0; d < r; d++) {
    const n = shape[d];
    outShape[d] = lo[d] + hi[d] + (n > 0 ? n + (n - 1) * interior[d] : 0);
  }
  const out = full(dtype, sizeOf(outShape), value);
  if (x.length === 0 || out.length === 0) return out;
  // Walk x in memory order; in the output each axis steps over its interior gap.
  const os = stridesOf(outShape);
  const steps = new Array<number>(r);
  let base = 0;
  for (let d = 0; d < r; d++) {
    steps[d] = os[d] * (interior[d] + 1);
    base += lo[d] * os[d];
  }
  const { rows, inner, starts, steps: [step] } = planRows(shape, [steps], [base]);
  const rowStart = starts[0];
  if (step === 1) {
    for (let i = 0; i < rows; i++) copyRange(x, i * inner, out, rowStart[i], inner);
    return out;
  }
  for (let i = 0, j = 0; i < rows; i++) {
    for (let o = rowStart[i], e = j + inner; j < e; j++, o += step) out[o] = x[j];
  }
  return out;
}

/**
 * Joins buffers along `axis`; their shapes agree on every other axis.
 *
 * @example Stacking two rows under one
 * ```ts
 * import assert from "node:assert/strict";
 * import { concat } from "./layout.ts";
 * const out = concat([Int32Array.of(1, 2), Int32Array.of(3, 4, 5, 6)], [[1, 2], [2, 2]], 0, "int32");
 * assert.deepEqual([...out], [1, 2, 3, 4, 5, 6]);
 * ```
 */
export function concat(xs: readonly TypedArray[], shapes: readonly Shape[], axis: number, dtype: DType): TypedArray {
  if (xs.length === 0) return alloc(dtype, 0);
  const ref = shapes[0];
  const outer = extent(ref, 0, axis);
  const inner = extent(ref, axis + 1, ref.length);
  let total = 0;
  for (const s of shapes) total += s[axis];
  const outRow = total * inner;
  // every element is written below
  const out = allocUninitialized(dtype, outer * outRow);
  if (out.length === 0) return out;
  for (let i = 0, at = 0; i < xs.length; i++) {
    const chunk = shapes[i][axis] * inner;
    const x = xs[i];
    for (let o = 0; o < outer && chunk > 0; o++) copyRange(x, o * chunk, out, o * outRow + at, chunk);
    at += chunk;
  }
  return out;
}

/**
 * The indices as positions in `[0, len)`: negative ones wrap (as NumPy), and
 * one outside `[-len, len)` throws a `ValueError` naming `op`. Returns the
 * array itself when nothing wraps.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { wrapIndices } from "./layout.ts";
 * assert.deepEqual([...wrapIndices("take", Int32Array.of(0, -1), 3)], [0, 2]);
 * assert.throws(() => wrapIndices("take", Int32Array.of(3), 3), /take: index 3 \(at flat position 0\) is out of range/);
 * ```
 */
export function wrapIndices(op: string, indices: Int32Array, len: number): Int32Array {
  let copy: Int32Array | null = null;
  for (let i = 0; i < indices.length; i++) {
    const v = indices[i];
    if (v >= 0 && v < len) continue;
    if (v < -len || v >= len) {
      throw new ValueError(op, `index ${v} (at flat position ${i}) is out of range for an axis of size ${len}`);
    }
    copy ??= indices.slice();
    copy[i] = v + len;
  }
  return copy ?? indices;
}

/** The index buffer as int32 (the core passes int32 tensors' storage). */
const int32Indices = (op: string, indices: TypedArray): Int32Array => {
  if (!(indices instanceof Int32Array)) throw new DTypeError(op, "indices must be int32 storage");
  return indices;
};

/**
 * `np.take(x, indices, axis)`: the output shape is
 * `shape[:axis] + indexShape + shape[axis+1:]`; negative indices wrap, and
 * one out of range throws (see {@link wrapIndices}).
 *
 * @example Picking rows, and picking one element per row
 * ```ts
 * import assert from "node:assert/strict";
 * import { gather } from "./layout.ts";
 * const x = Float32Array.of(1, 2, 3, 4, 5, 6);
 * assert.deepEqual([...gather(x, [3, 2], Int32Array.of(2, 0), [2], 0, "float32", "take")], [5, 6, 1, 2]);
 * assert.deepEqual([...gather(x, [3, 2], Int32Array.of(-1), [], 1, "float32", "take")], [2, 4, 6]);
 * ```
 */
export function gather(
  x: TypedArray,
  shape: Shape,
  rawIndices: TypedArray,
  _indexShape: Shape,
  axis: number,
  dtype: DType,
  op: string,
): TypedArray {
  const outer = extent(shape, 0, axis);
  const len = shape[axis];
  const inner = extent(shape, axis + 1, shape.length);
  const indices = wrapIndices(op, int32Indices(op, rawIndices), len);
  const ni = indices.length;
  // every element is written below
  const out = allocUninitialized(dtype, outer * ni * inner);
  if (out.length === 0) return out;
  if (inner === 1) {
    for (let o = 0, k = 0; o < outer; o++) {
      const xb = o * len;
      for (let j = 0; j < ni; j++, k++) out[k] = x[xb + indices[j]];
    }
    return out;
  }
  for (let o = 0, k = 0; o < outer; o++) {
    for (let j = 0; j < ni; j++, k += inner) copyRange(x, (o * len + indices[j]) * inner, out, k, inner);
  }
  return out;
}

/**
 * The transpose of {@link gather}: zeros of `outShape`, to which each slice of
 * `updates` (shape `outShape[:axis] + indexShape + outShape[axis+1:]`) is
 * added at its index along `axis`. Repeated indices accumulate; float32 sums
 * are kept in doubles and rounded once.
 *
 * @example Summing rows that share an index
 * ```ts
 * import assert from "node:assert/strict";
 * import { scatterAdd } from "./layout.ts";
 * const out = scatterAdd(Float32Array.of(1, 2, 3), Int32Array.of(1, 0, -1), [3], [2], 0, "float32", "take");
 * assert.deepEqual([...out], [2, 4]);
 * ```
 */
export function scatterAdd(
  updates: TypedArray,
  rawIndices: TypedArray,
  _indexShape: Shape,
  outShape: Shape,
  axis: number,
  dtype: DType,
  op: string,
): TypedArray {
  const outer = extent(outShape, 0, axis);
  const len = outShape[axis];
  const inner = extent(outShape, axis + 1, outShape.length);
  const indices = wrapIndices(op, int32Indices(op, rawIndices), len);
  const ni = indices.length;
  const out = alloc(dtype, outer * len * inner);
  if (out.length === 0 || ni === 0) return out;
  const acc = dtype === "float32" ? new Float64Array(out.length) : out;
  for (let o = 0, src = 0; o < outer; o++) {
    const ob = o * len;
    if (inner === 1) {
      for (let j = 0; j < ni; j++, src++) acc[ob + indices[j]] += updates[src];
    } else {
      for (let j = 0; j < ni; j++) {
        for (let dst = (ob + indices[j]) * inner, e = dst + inner; dst < e; dst++, src++) acc[dst] += updates[src];
      }
    }
  }
  if (acc !== out) out.set(acc);
  return out;
}
