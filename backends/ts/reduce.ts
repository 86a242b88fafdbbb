/**
 * Reductions over axes of a contiguous buffer.
 *
 * Axes of extent 1 are dropped and neighbouring axes that are both kept or
 * both reduced are merged, leaving alternating blocks. The buffer is then read
 * once, in memory order, as rows of the innermost block:
 * - innermost block reduced (`sum(x, -1)`, a full reduction): each row folds
 *   into one double, which joins its output element;
 * - innermost block kept (`sum(x, 0)`, the column sums of training): each
 *   row is added elementwise into a vector of outputs, streaming through
 *   memory instead of striding down columns.
 * Accumulators are doubles (float32 rounds once, on the final store).
 *
 * @module
 */
import type { ReduceOp } from "../backend.ts";
import type { DType, TypedArray } from "../../core/dtype.ts";
import { allocUninitialized } from "./pool.ts";
import type { Shape } from "../../core/shape.ts";
import { toInt32 } from "./elementwise.ts";
import { outerStarts } from "./strided.ts";

type FoldOp = "sum" | "prod" | "max" | "min";

/**
 * Reduces `x` (of `shape`) over the sorted, distinct `axes`. `sum`, `prod`,
 * `max`, `min` keep `dtype` (int32 results wrap modulo 2^32); `argmax` and
 * `argmin` take one axis and give int32 indices: the first extreme, or the
 * first NaN if there is one. Empty reductions give the identity (0, 1, −∞,
 * +∞; for int32 max/min the int32 extremes); an empty `argmax` axis gives 0.
 * NaN propagates through `max` and `min`.
 *
 * @example Column sums and the first NaN
 * ```ts
 * import assert from "node:assert/strict";
 * import { reduce } from "./reduce.ts";
 * const x = Float32Array.of(1, 2, 3, 4, 5, 6);
 * assert.deepEqual([...reduce("sum", x, [2, 3], [0], "float32")], [5, 7, 9]);
 * assert.deepEqual([...reduce("max", Float64Array.of(1, NaN, 3), [3], [0], "float64")], [NaN]);
 * assert.deepEqual([...reduce("argmax", Float64Array.of(1, 7, 7, NaN), [4], [0], "float64")], [3]);
 * ```
 */
export function reduce(
  op: ReduceOp,
  x: TypedArray,
  shape: Shape,
  axes: readonly number[],
  dtype: DType,
): TypedArray {
  if (op === "argmax" || op === "argmin") return argReduce(op === "argmax", x, shape, axes[0]);
  // Blocks of merged axes, outermost first; `reduced[b]` says which kind.
  const sizes: number[] = [];
  const reduced: boolean[] = [];
  let outSize = 1;
  let redSize = 1;
  for (let d = 0, k = 0; d < shape.length; d++) {
    const n = shape[d];
    const red = k < axes.length && axes[k] === d;
    if (red) k++;
    if (red) redSize *= n;
    else outSize *= n;
    if (n === 1) continue;
    if (sizes.length > 0 && reduced[sizes.length - 1] === red) sizes[sizes.length - 1] *= n;
    else {
      sizes.push(n);
      reduced.push(red);
    }
  }
  // every element is written below (fill, set)
  const out = allocUninitialized(dtype, outSize);
  if (outSize === 0) return out;
  const id = identity(op, dtype);
  if (redSize === 0) return out.fill(id);
  if (!reduced.includes(true)) {
    // Only axes of extent 1 are reduced: the values pass through.
    out.set(x);
    return out;
  }
  const last = sizes.length - 1;
  const len = sizes[last];
  // Where each row's outputs start: kept blocks step through the output,
  // reduced ones stand still.
  const outStrides = new Array<number>(last);
  for (let b = last - 1, s = reduced[last] ? 1 : len; b >= 0; b--) {
    outStrides[b] = reduced[b] ? 0 : s;
    if (!reduced[b]) s *= sizes[b];
  }
  const rowOut = outerStarts(sizes, outStrides, last, 0);
  const acc = new Float64Array(outSize).fill(id);
  const intProd = op === "prod" && dtype !== "float32" && dtype !== "float64";
  if (reduced[last]) foldRows(op as FoldOp, x, len, rowOut, acc, intProd);
  else addRows(op as FoldOp, x, len, rowOut, acc, intProd);
  out.set(acc);
  return out;
}

function identity(op: ReduceOp, dtype: DType): number {
  const id = op === "sum" ? 0 : op === "prod" ? 1 : op === "max" ? -Infinity : Infinity;
  if (dtype === "int32") return toInt32(id);
  if (dtype === "bool") return id > 0 ? 1 : 0;
  return id;
}

/** Each row of `len` folds to one value, combined into `acc[rowOut[r]]`. */
function foldRows(op: FoldOp, x: TypedArray, len: number, rowOut: Int32Array, acc: Float64Array, intProd: boolean) {
  const rows = rowOut.length;
  switch (op) {
    case "sum":
      for (let r = 0, j = 0; r < rows; r++) {
        let s = 0;
        for (const e = j + len; j < e; j++) s += x[j];
        acc[rowOut[r]] += s;
      }
      return;
    case "prod":
      if (intProd) {
        // Exact wrap-around: a double product would lose low bits first.
        for (let r = 0, j = 0; r < rows; r++) {
          let s = 1;
          for (const e = j + len; j < e; j++) s = Math.imul(s, x[j]);
          acc[rowOut[r]] = Math.imul(acc[rowOut[r]], s);
        }
        return;
      }
      for (let r = 0, j = 0; r < rows; r++) {
        let s = 1;
        for (const e = j + len; j < e; j++) s *= x[j];
        acc[rowOut[r]] *= s;
      }
      return;
    case "max":
      for (let r = 0, j = 0; r < rows; r++) {
        let m = acc[rowOut[r]];
        for (const e = j + len; j < e; j++) {
          const v = x[j];
          // Once m is NaN, no comparison replaces it: NaN propagates.
          if (v > m || v !== v) m = v;
        }
        acc[rowOut[r]] = m;
      }
      return;
    case "min":
      for (let r = 0, j = 0; r < rows; r++) {
        let m = acc[rowOut[r]];
        for (const e = j + len; j < e; j++) {
          const v = x[j];
          if (v < m || v !== v) m = v;
        }
        acc[rowOut[r]] = m;
      }
      return;
  }
}

/** Each row of `len` is combined elementwise into `acc[rowOut[r] ..][:len]`. */
function addRows(op: FoldOp, x: TypedArray, len: number, rowOut: Int32Array, acc: Float64Array, intProd: boolean) {
  const rows = rowOut.length;
  switch (op) {
    case "sum":
      for (let r = 0, j = 0; r < rows; r++) {
        for (let o = rowOut[r], e = o + len; o < e; o++, j++) acc[o] += x[j];
      }
      return;
    case "prod":
      if (intProd) {
        for (let r = 0, j = 0; r < rows; r++) {
          for (let o = rowOut[r], e = o + len; o < e; o++, j++) acc[o] = Math.imul(acc[o], x[j]);
        }
        return;
      }
      for (let r = 0, j = 0; r < rows; r++) {
        for (let o = rowOut[r], e = o + len; o < e; o++, j++) acc[o] *= x[j];
      }
      return;
    case "max":
      for (let r = 0, j = 0; r < rows; r++) {
        for (let o = rowOut[r], e = o + len; o < e; o++, j++) {
          const v = x[j];
          if (v > acc[o] || v !== v) acc[o] = v;
        }
      }
      return;
    case "min":
      for (let r = 0, j = 0; r < rows; r++) {
        for (let o = rowOut[r], e = o + len; o < e; o++, j++) {
          const v = x[j];
          if (v < acc[o] || v !== v) acc[o] = v;
        }
      }
      return;
  }
}

/** argmax/argmin over one axis: `x` seen as `[outer, len, inner]`. */
function argReduce(isMax: boolean, x: TypedArray, shape: Shape, axis: number): Int32Array {
  let outer = 1;
  let inner = 1;
  for (let d = 0; d < axis; d++) outer *= shape[d];
  for (let d = axis + 1; d < shape.length; d++) inner *= shape[d];
  const len = shape[axis];
  const out = new Int32Array(outer * inner);
  if (out.length === 0 || len === 0) return out;
  if (inner === 1) {
    // A NaN first element already wins; otherwise stop at the first NaN.
    for (let o = 0, base = 0; o < outer; o++, base += len) {
      let best = x[base];
      let at = 0;
      if (best !== best) continue;
      if (isMax) {
        for (let k = 1; k < len; k++) {
          const v = x[base + k];
          if (v > best) {
            best = v;
            at = k;
          } else if (v !== v) {
            at = k;
            break;
          }
        }
      } else {
        for (let k = 1; k < len; k++) {
          const v = x[base + k];
          if (v < best) {
            best = v;
            at = k;
          } else if (v !== v) {
            at = k;
            break;
          }
        }
      }
      out[o] = at;
    }
    return out;
  }
  // Several columns at once: stream the rows, keeping the best so far per column.
  const best = new Float64Array(inner);
  for (let o = 0; o < outer; o++) {
    const ob = o * inner;
    const xb = o * len * inner;
    for (let j = 0; j < inner; j++) best[j] = x[xb + j];
    for (let k = 1, row = xb + inner; k < len; k++, row += inner) {
      if (isMax) {
        for (let j = 0; j < inner; j++) {
          const v = x[row + j], b = best[j];
          if (v > b || (v !== v && b === b)) {
            best[j] = v;
            out[ob + j] = k;
          }
        }
      } else {
        for (let j = 0; j < inner; j++) {
          const v = x[row + j], b = best[j];
          if (v < b || (v !== v && b === b)) {
            best[j] = v;
            out[ob + j] = k;
          }
        }
      }
    }
  }
  return out;
}
