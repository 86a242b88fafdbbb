/**
 * Elementwise binary kernels with broadcasting.
 *
 * The layout is first merged into as few axes as possible (see
 * {@link planRows}); then either a fast path runs (both inputs contiguous,
 * or one a single value against a contiguous other) or a generic walk over
 * rows with a tight loop per op along the innermost axis.
 *
 * @module
 */
import type { BinaryOp, BroadcastLayout } from "../backend.ts";
import type { DType, TypedArray } from "../../core/dtype.ts";
import { allocUninitialized } from "./pool.ts";
import { ValueError } from "../../core/errors.ts";
import { type Shape, sizeOf } from "../../core/shape.ts";
import { planRows, type RowPlan } from "./strided.ts";

const NO_OFFSETS = [0, 0] as const;

/** {@link readKind}: every element in row-major order. */
export const CONTIGUOUS = 0;
/** {@link readKind}: one element read for all (every stride 0). */
export const SINGLE = 1;
const OTHER = 2;

/**
 * How an input is read over `shape`: every element in order (row-major
 * strides, ignoring axes of size 1), one element for all (all strides 0), or
 * otherwise. Allocation-free, so the fast paths cost nothing to find.
 */
export function readKind(shape: Shape, strides: readonly number[]): number {
  let contiguous = true;
  let single = true;
  let expect = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    const n = shape[d];
    if (n === 1) continue;
    const s = strides[d];
    if (s !== 0) single = false;
    if (s !== expect) contiguous = false;
    expect *= n;
  }
  return contiguous ? CONTIGUOUS : single ? SINGLE : OTHER;
}

/** Whether `op` writes bool (comparisons and logical ops). */
const writesBool = (op: BinaryOp): boolean =>
  op !== "add" && op !== "sub" && op !== "mul" && op !== "div" && op !== "pow" &&
  op !== "maximum" && op !== "minimum";

/**
 * `out[idx] = op(a[idx·sa], b[idx·sb])` over `layout.shape`, into a fresh
 * buffer of `dtype` (bool for comparisons and logical ops). `maximum` and
 * `minimum` propagate NaN; int32 `mul` and `pow` wrap exactly as C integers
 * do (`pow` with a negative exponent truncates `Math.pow` toward zero).
 *
 * @example A row broadcast against a column
 * ```ts
 * import assert from "node:assert/strict";
 * import { binary } from "./elementwise_binary.ts";
 * const layout = { shape: [2, 3], strides: [[0, 1], [1, 0]] };
 * const out = binary("add", Float32Array.of(1, 2, 3), Float32Array.of(10, 20), layout, "float32");
 * assert.deepEqual([...out], [11, 12, 13, 21, 22, 23]);
 * const cmp = binary("less", Float32Array.of(1, 2, 3), Float32Array.of(2), { shape: [3], strides: [[1], [0]] }, "float32");
 * assert.deepEqual([...cmp], [1, 0, 0]);
 * ```
 */
export function binary(
  op: BinaryOp,
  a: TypedArray,
  b: TypedArray,
  layout: BroadcastLayout,
  dtype: DType,
): TypedArray {
  const n = sizeOf(layout.shape);
  // every element is written below
  const out = allocUninitialized(writesBool(op) ? "bool" : dtype, n);
  if (n === 0) return out;
  const intWrap = dtype === "int32" && (op === "mul" || op === "pow");
  // The common cases are decided before planning rows, which allocates.
  if (!intWrap) {
    const ka = readKind(layout.shape, layout.strides[0]);
    const kb = readKind(layout.shape, layout.strides[1]);
    if (ka === CONTIGUOUS && kb === CONTIGUOUS && contiguous(op, a, b, out, n)) return out;
    if (ka === CONTIGUOUS && kb === SINGLE && scalarRight(op, a, b[0], out, n)) return out;
    if (ka === SINGLE && kb === CONTIGUOUS && scalarLeft(op, a[0], b, out, n)) return out;
  }
  const p = planRows(layout.shape, layout.strides, NO_OFFSETS);
  if (intWrap) {
    int32Strided(op, a, b, out, p);
    return out;
  }
  // One row means at most one merged axis, and in a binary layout every row
  // of a contiguous or broadcast input starts at 0.
  if (p.rows === 1) {
    const sa = p.steps[0], sb = p.steps[1];
    if (sa === 1 && sb === 1 && contiguous(op, a, b, out, n)) return out;
    if (sa === 1 && sb === 0 && scalarRight(op, a, b[0], out, n)) return out;
    if (sa === 0 && sb === 1 && scalarLeft(op, a[0], b, out, n)) return out;
  }
  strided(op, a, b, out, p);
  return out;
}

/** Both inputs contiguous and of the output's size; false if `op` has no fast path. */
function contiguous(op: BinaryOp, a: TypedArray, b: TypedArray, out: TypedArray, n: number): boolean {
  switch (op) {
    case "add":
      for (let i = 0; i < n; i++) out[i] = a[i] + b[i];
      return true;
    case "sub":
      for (let i = 0; i < n; i++) out[i] = a[i] - b[i];
      return true;
    case "mul":
      for (let i = 0; i < n; i++) out[i] = a[i] * b[i];
      return true;
    case "div":
      for (let i = 0; i < n; i++) out[i] = a[i] / b[i];
      return true;
    case "maximum":
      for (let i = 0; i < n; i++) {
        const x = a[i], y = b[i];
        out[i] = x > y || x !== x ? x : y;
      }
      return true;
    case "minimum":
      for (let i = 0; i < n; i++) {
        const x = a[i], y = b[i];
        out[i] = x < y || x !== x ? x : y;
      }
      return true;
    // Comparisons as `+(x > y)`: a 0/1 number without a branch, which random signs
    // would mispredict (`x > y ? 1 : 0` took 7 ns an element on V8 there).
    case "greater":
      for (let i = 0; i < n; i++) out[i] = +(a[i] > b[i]);
      return true;
    case "greaterEqual":
      for (let i = 0; i < n; i++) out[i] = +(a[i] >= b[i]);
      return true;
    case "less":
      for (let i = 0; i < n; i++) out[i] = +(a[i] < b[i]);
      return true;
    case "lessEqual":
      for (let i = 0; i < n; i++) out[i] = +(a[i] <= b[i]);
      return true;
    case "equal":
      for (let i = 0; i < n; i++) out[i] = +(a[i] === b[i]);
      return true;
    case "notEqual":
      for (let i = 0; i < n; i++) out[i] = +(a[i] !== b[i]);
      return true;
    default:
      return false;
  }
}

/** `a` contiguous, `b` one value `s`. */
function scalarRight(op: BinaryOp, a: TypedArray, s: number, out: TypedArray, n: number): boolean {
  switch (op) {
    case "add":
      for (let i = 0; i < n; i++) out[i] = a[i] + s;
      return true;
    case "sub":
      for (let i = 0; i < n; i++) out[i] = a[i] - s;
      return true;
    case "mul":
      for (let i = 0; i < n; i++) out[i] = a[i] * s;
      return true;
    case "div":
      for (let i = 0; i < n; i++) out[i] = a[i] / s;
      return true;
    case "maximum":
      // With s NaN, `x > s` is false for every x, so NaN is written: it propagates.
      for (let i = 0; i < n; i++) {
        const x = a[i];
        out[i] = x > s || x !== x ? x : s;
      }
      return true;
    case "minimum":
      for (let i = 0; i < n; i++) {
        const x = a[i];
        out[i] = x < s || x !== x ? x : s;
      }
      return true;
    case "greater":
      for (let i = 0; i < n; i++) out[i] = +(a[i] > s);
      return true;
    case "greaterEqual":
      for (let i = 0; i < n; i++) out[i] = +(a[i] >= s);
      return true;
    case "less":
      for (let i = 0; i < n; i++) out[i] = +(a[i] < s);
      return true;
    case "lessEqual":
      for (let i = 0; i < n; i++) out[i] = +(a[i] <= s);
      return true;
    case "equal":
      for (let i = 0; i < n; i++) out[i] = +(a[i] === s);
      return true;
    case "notEqual":
      for (let i = 0; i < n; i++) out[i] = +(a[i] !== s);
      return true;
    default:
      return false;
  }
}

/** `a` one value `s`, `b` contiguous. */
function scalarLeft(op: BinaryOp, s: number, b: TypedArray, out: TypedArray, n: number): boolean {
  switch (op) {
    case "add":
      for (let i = 0; i < n; i++) out[i] = s + b[i];
      return true;
    case "sub":
      for (let i = 0; i < n; i++) out[i] = s - b[i];
      return true;
    case "mul":
      for (let i = 0; i < n; i++) out[i] = s * b[i];
      return true;
    case "div":
      for (let i = 0; i < n; i++) out[i] = s / b[i];
      return true;
    default:
      return false;
  }
}

/** The general walk: rows of the innermost merged axis, per-input inner strides. */
function strided(op: BinaryOp, a: TypedArray, b: TypedArray, out: TypedArray, p: RowPlan): void {
  const { rows, inner } = p;
  const [ra, rb] = p.starts;
  const [sa, sb] = p.steps;
  switch (op) {
    case "add":
      for (let r = 0, o = 0; r < rows; r++) {
        for (let i = ra[r], j = rb[r], e = o + inner; o < e; o++, i += sa, j += sb) out[o] = a[i] + b[j];
      }
      return;
    case "sub":
      for (let r = 0, o = 0; r < rows; r++) {
        for (let i = ra[r], j = rb[r], e = o + inner; o < e; o++, i += sa, j += sb) out[o] = a[i] - b[j];
      }
      return;
    case "mul":
      for (let r = 0, o = 0; r < rows; r++) {
        for (let i = ra[r], j = rb[r], e = o + inner; o < e; o++, i += sa, j += sb) out[o] = a[i] * b[j];
      }
      return;
    case "div":
      for (let r = 0, o = 0; r < rows; r++) {
        for (let i = ra[r], j = rb[r], e = o + inner; o < e; o++, i += sa, j += sb) out[o] = a[i] / b[j];
      }
      return;
    case "pow":
      for (let r = 0, o = 0; r < rows; r++) {
        for (let i = ra[r], j = rb[r], e = o + inner; o < e; o++, i += sa, j += sb) out[o] = Math.pow(a[i], b[j]);
      }
      return;
    case "maximum":
      for (let r = 0, o = 0; r < rows; r++) {
        for (let i = ra[r], j = rb[r], e = o + inner; o < e; o++, i += sa, j += sb) {
          const x = a[i], y = b[j];
          out[o] = x > y || x !== x ? x : y;
        }
      }
      return;
    case "minimum":
      for (let r = 0, o = 0; r < rows; r++) {
        for (let i = ra[r], j = rb[r], e = o + inner; o < e; o++, i += sa, j += sb) {
          const x = a[i], y = b[j];
          out[o] = x < y || x !== x ? x : y;
        }
      }
      return;
    case "equal":
      for (let r = 0, o = 0; r < rows; r++) {
        for (let i = ra[r], j = rb[r], e = o + inner; o < e; o++, i += sa, j += sb) out[o] = a[i] === b[j] ? 1 : 0;
      }
      return;
    case "notEqual":
      for (let r = 0, o = 0; r < rows; r++) {
        for (let i = ra[r], j = rb[r], e = o + inner; o < e; o++, i += sa, j += sb) out[o] = a[i] !== b[j] ? 1 : 0;
      }
      return;
    case "less":
      for (let r = 0, o = 0; r < rows; r++) {
        for (let i = ra[r], j = rb[r], e = o + inner; o < e; o++, i += sa, j += sb) out[o] = a[i] < b[j] ? 1 : 0;
      }
      return;
    case "lessEqual":
      for (let r = 0, o = 0; r < rows; r++) {
        for (let i = ra[r], j = rb[r], e = o + inner; o < e; o++, i += sa, j += sb) out[o] = a[i] <= b[j] ? 1 : 0;
      }
      return;
    case "greater":
      for (let r = 0, o = 0; r < rows; r++) {
        for (let i = ra[r], j = rb[r], e = o + inner; o < e; o++, i += sa, j += sb) out[o] = a[i] > b[j] ? 1 : 0;
      }
      return;
    case "greaterEqual":
      for (let r = 0, o = 0; r < rows; r++) {
        for (let i = ra[r], j = rb[r], e = o + inner; o < e; o++, i += sa, j += sb) out[o] = a[i] >= b[j] ? 1 : 0;
      }
      return;
    case "logicalAnd":
      for (let r = 0, o = 0; r < rows; r++) {
        for (let i = ra[r], j = rb[r], e = o + inner; o < e; o++, i += sa, j += sb) {
          out[o] = a[i] !== 0 && b[j] !== 0 ? 1 : 0;
        }
      }
      return;
    case "logicalOr":
      for (let r = 0, o = 0; r < rows; r++) {
        for (let i = ra[r], j = rb[r], e = o + inner; o < e; o++, i += sa, j += sb) {
          out[o] = a[i] !== 0 || b[j] !== 0 ? 1 : 0;
        }
      }
      return;
    default:
      throw new ValueError("binary", `unknown op ${String(op)}`);
  }
}

/** int32 `mul` and `pow`, which doubles would round before the store wraps. */
function int32Strided(op: "mul" | "pow", a: TypedArray, b: TypedArray, out: TypedArray, p: RowPlan): void {
  const { rows, inner } = p;
  const [ra, rb] = p.starts;
  const [sa, sb] = p.steps;
  if (op === "mul") {
    for (let r = 0, o = 0; r < rows; r++) {
      for (let i = ra[r], j = rb[r], e = o + inner; o < e; o++, i += sa, j += sb) out[o] = Math.imul(a[i], b[j]);
    }
  } else {
    for (let r = 0, o = 0; r < rows; r++) {
      for (let i = ra[r], j = rb[r], e = o + inner; o < e; o++, i += sa, j += sb) out[o] = intPow(a[i], b[j]);
    }
  }
}

/** `base^exp` modulo 2^32 by repeated squaring; negative exponents go through Math.pow. */
function intPow(base: number, exp: number): number {
  if (exp < 0) return Math.pow(base, exp);
  let result = 1;
  for (let sq = base, e = exp; e > 0; e >>>= 1) {
    if (e & 1) result = Math.imul(result, sq);
    sq = Math.imul(sq, sq);
  }
  return result;
}

/**
 * `out[idx] = cond[idx] ≠ 0 ? a[idx] : b[idx]` with broadcasting; the
 * layout's strides are for `cond`, `a` and `b`, in that order.
 *
 * @example Choosing between a matrix and a scalar
 * ```ts
 * import assert from "node:assert/strict";
 * import { where } from "./elementwise_binary.ts";
 * const layout = { shape: [2, 2], strides: [[2, 1], [2, 1], [0, 0]] };
 * const out = where(Uint8Array.of(1, 0, 0, 1), Float64Array.of(1, 2, 3, 4), Float64Array.of(0), layout, "float64");
 * assert.deepEqual([...out], [1, 0, 0, 4]);
 * ```
 */
export function where(
  cond: TypedArray,
  a: TypedArray,
  b: TypedArray,
  layout: BroadcastLayout,
  dtype: DType,
): TypedArray {
  const n = sizeOf(layout.shape);
  // every element is written below
  const out = allocUninitialized(dtype, n);
  if (n === 0) return out;
  const [lc, la, lb] = layout.strides;
  const kc = readKind(layout.shape, lc), ka = readKind(layout.shape, la), kb = readKind(layout.shape, lb);
  if (kc === CONTIGUOUS && dtype !== "bool" && selectBits(cond, a, ka, b, kb, out, n)) return out;
  if (kc === CONTIGUOUS && ka === CONTIGUOUS && kb === CONTIGUOUS) {
    for (let o = 0; o < n; o++) out[o] = cond[o] !== 0 ? a[o] : b[o];
    return out;
  }
  // A select against a constant (ReLU's backward, masking): no row plan.
  if (kc === CONTIGUOUS && ka === CONTIGUOUS && kb === SINGLE) {
    const v = b[0];
    for (let o = 0; o < n; o++) out[o] = cond[o] !== 0 ? a[o] : v;
    return out;
  }
  if (kc === CONTIGUOUS && ka === SINGLE && kb === CONTIGUOUS) {
    const v = a[0];
    for (let o = 0; o < n; o++) out[o] = cond[o] !== 0 ? v : b[o];
    return out;
  }
  const { rows, inner, starts, steps } = planRows(layout.shape, layout.strides, [0, 0, 0]);
  const [rc, ra, rb] = starts;
  const [sc, sa, sb] = steps;
  for (let r = 0, o = 0; r < rows; r++) {
    for (let c = rc[r], i = ra[r], j = rb[r], e = o + inner; o < e; o++, c += sc, i += sa, j += sb) {
      out[o] = cond[c] !== 0 ? a[i] : b[j];
    }
  }
  return out;
}

/** 32-bit words of a float32, float64 or int32 array (two per float64 element). */
const words = (x: TypedArray): Int32Array => new Int32Array(x.buffer, x.byteOffset, x.byteLength >> 2);

/**
 * `where` over contiguous storage without a branch per element: each output
 * word is `a`'s where the mask (0 or −1) is set and `b`'s elsewhere, so the
 * bits (NaN payloads, −0, ±∞) are copied exactly. A random mask (ReLU's
 * backward) made the branchy loop mispredict half the time: 14 ns an element
 * on V8 against about 1 here. `a` and `b` are each contiguous or a single
 * value; false when neither layout fits (the caller's loops handle it).
 */
function selectBits(
  cond: TypedArray,
  a: TypedArray,
  ka: number,
  b: TypedArray,
  kb: number,
  out: TypedArray,
  n: number,
): boolean {
  if ((ka !== CONTIGUOUS && ka !== SINGLE) || (kb !== CONTIGUOUS && kb !== SINGLE)) return false;
  if (ka === SINGLE && kb === SINGLE) return false;
  const per = out.BYTES_PER_ELEMENT >> 2; // words per element: 1, or 2 for float64
  if (per < 1 || a.byteOffset % 4 !== 0 || b.byteOffset % 4 !== 0 || out.byteOffset % 4 !== 0) return false;
  const wa = words(a), wb = words(b), wo = words(out);
  if (per === 1) {
    if (ka === CONTIGUOUS && kb === CONTIGUOUS) {
      for (let i = 0; i < n; i++) {
        const m = -(cond[i] !== 0) | 0;
        wo[i] = (wa[i] & m) | (wb[i] & ~m);
      }
    } else if (ka === CONTIGUOUS) {
      const v = wb[0];
      for (let i = 0; i < n; i++) {
        const m = -(cond[i] !== 0) | 0;
        wo[i] = (wa[i] & m) | (v & ~m);
      }
    } else {
      const v = wa[0];
      for (let i = 0; i < n; i++) {
        const m = -(cond[i] !== 0) | 0;
        wo[i] = (v & m) | (wb[i] & ~m);
      }
    }
    return true;
  }
  const sa = ka === CONTIGUOUS ? 2 : 0, sb = kb === CONTIGUOUS ? 2 : 0;
  for (let i = 0, ia = 0, ib = 0, o = 0; i < n; i++, ia += sa, ib += sb, o += 2) {
    const m = -(cond[i] !== 0) | 0;
    wo[o] = (wa[ia] & m) | (wb[ib] & ~m);
    wo[o + 1] = (wa[ia + 1] & m) | (wb[ib + 1] & ~m);
  }
  return true;
}
