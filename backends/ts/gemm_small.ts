/**
 * Matrix products without packing, for tiny products and for matrices with
 * one to three rows or columns (matrix-vector shapes), where copying operands
 * into panels costs more than it saves.
 *
 * Three loop orders; the caller's transposes decide which of them keep the
 * innermost loop on contiguous memory, and among those the one with the
 * longer inner loop wins:
 * - rows: row i of C is Σ_p op(A)[i,p]·op(B)[p,:] (contiguous when B is not
 *   transposed);
 * - columns: column j of C is Σ_p op(B)[p,j]·op(A)[:,p] (contiguous when A is
 *   transposed, i.e. stored k×m);
 * - dots: C[i,j] = op(A)[i,:]·op(B)[:,j] (contiguous when only B is
 *   transposed; otherwise the strided operand is transposed first).
 * Sums are kept in JavaScript doubles and rounded once when stored into C.
 * Measured for [1,1024]@[1024,1024] and [1024,1024]@[1024,1] in all four
 * transpose cases: 2.6–3.3 GFLOP/s on Deno and 4.0–4.6 on Bun here, against
 * 0.8–0.9 and 1.2 through the packed path.
 *
 * @module
 */

/** Row (or column) accumulator in doubles, grown on demand and reused. */
let scratch = new Float64Array(256);

const accumulator = (size: number): Float64Array => {
  if (scratch.length < size) scratch = new Float64Array(Math.max(size, 2 * scratch.length));
  return scratch;
};

/** Storage the product is written into. */
export type Output = Float32Array | Float64Array;
/** Storage the operands are read from. */
export type Input = Float32Array | Float64Array;

/**
 * Writes `op(A)·op(B)` (m×n, row-major) into `c` from `cOff`, reading A from
 * `aOff` (m×k, or k×m when `transA`) and B from `bOff` (k×n, or n×k when
 * `transB`). Overwrites the m×n block; k = 0 writes zeros.
 *
 * @example [1,2;3,4] · [5,6;7,8] = [19,22;43,50]
 * ```ts
 * import assert from "node:assert/strict";
 * import { gemmSmall } from "./gemm_small.ts";
 * const a = new Float64Array([1, 2, 3, 4]), b = new Float64Array([5, 6, 7, 8]);
 * const c = new Float64Array(4);
 * gemmSmall(a, 0, b, 0, c, 0, 2, 2, 2, false, false);
 * assert.deepEqual([...c], [19, 22, 43, 50]);
 * ```
 */
export function gemmSmall(
  a: Input,
  aOff: number,
  b: Input,
  bOff: number,
  c: Output,
  cOff: number,
  m: number,
  n: number,
  k: number,
  transA: boolean,
  transB: boolean,
): void {
  const s: Strides = {
    // op(A)[i, p] = a[aOff + i·ai + p·ap];  op(B)[p, j] = b[bOff + p·bp + j·bj]
    ai: transA ? 1 : k,
    ap: transA ? m : 1,
    bp: transB ? 1 : n,
    bj: transB ? k : 1,
  };
  // An inner loop shorter than this pays more in loop overhead than it gains
  // from contiguous access; the dot-product form is then the better choice.
  const short = 8;
  if (k === 1) return outer(a, aOff, b, bOff, c, cOff, m, n, s);
  if (transA && (transB ? m >= short : m >= n)) columns(a, aOff, b, bOff, c, cOff, m, n, k, s);
  else if (!transB && n >= short) rows(a, aOff, b, bOff, c, cOff, m, n, k, s);
  else dots(a, aOff, b, bOff, c, cOff, m, n, k, s);
}

interface Strides {
  readonly ai: number;
  readonly ap: number;
  readonly bp: number;
  readonly bj: number;
}

/** k = 1: c[i, j] = a[i]·b[j], one pass over C (each product rounded once, as the dot forms do). */
function outer(
  a: Input,
  aOff: number,
  b: Input,
  bOff: number,
  c: Output,
  cOff: number,
  m: number,
  n: number,
  s: Strides,
) {
  const { ai, bj } = s;
  for (let i = 0; i < m; i++) {
    const x = a[aOff + i * ai];
    const ci = cOff + i * n;
    for (let j = 0; j < n; j++) c[ci + j] = x * b[bOff + j * bj];
  }
}

function rows(
  a: Input,
  aOff: number,
  b: Input,
  bOff: number,
  c: Output,
  cOff: number,
  m: number,
  n: number,
  k: number,
  s: Strides,
) {
  const { ai, ap, bp } = s;
  const acc = accumulator(n);
  for (let i = 0; i < m; i++) {
    acc.fill(0, 0, n);
    const x = aOff + i * ai;
    let p = 0;
    for (; p + 1 < k; p += 2) axpy2(acc, n, a[x + p * ap], a[x + (p + 1) * ap], b, bOff + p * bp, bOff + (p + 1) * bp);
    if (p < k) axpy(acc, n, a[x + p * ap], b, bOff + p * bp);
    const ci = cOff + i * n;
    for (let j = 0; j < n; j++) c[ci + j] = acc[j];
  }
}

function columns(
  a: Input,
  aOff: number,
  b: Input,
  bOff: number,
  c: Output,
  cOff: number,
  m: number,
  n: number,
  k: number,
  s: Strides,
) {
  const { ap, bp, bj } = s;
  const acc = accumulator(m);
  for (let j = 0; j < n; j++) {
    acc.fill(0, 0, m);
    const y = bOff + j * bj;
    let p = 0;
    for (; p + 1 < k; p += 2) axpy2(acc, m, b[y + p * bp], b[y + (p + 1) * bp], a, aOff + p * ap, aOff + (p + 1) * ap);
    if (p < k) axpy(acc, m, b[y + p * bp], a, aOff + p * ap);
    for (let i = 0; i < m; i++) c[cOff + i * n + j] = acc[i];
  }
}

/**
 * `acc[t] += α·x[xi + t] + β·x[yi + t]` for t < len: two rows per pass halve
 * the loads and stores of the accumulator; [1,1024]@[1024,1024] went from
 * 1.9 to 3.3 GFLOP/s on Deno and from 3.3 to 4.2 on Bun.
 */
function axpy2(acc: Float64Array, len: number, alpha: number, beta: number, x: Input, xi: number, yi: number) {
  for (let t = 0; t < len; t++) acc[t] += alpha * x[xi + t] + beta * x[yi + t];
}

/** `acc[t] += α·x[xi + t]` for the odd row left over (β = 0 would turn ∞ into NaN). */
function axpy(acc: Float64Array, len: number, alpha: number, x: Input, xi: number) {
  for (let t = 0; t < len; t++) acc[t] += alpha * x[xi + t];
}

function dots(
  a: Input,
  aOff: number,
  b: Input,
  bOff: number,
  c: Output,
  cOff: number,
  m: number,
  n: number,
  k: number,
  s: Strides,
) {
  let { ai, bj } = s;
  // A strided dot runs at 1.7 GFLOP/s on Deno against 2.6 for a contiguous
  // one; turning the strided operand around costs one pass over it.
  if (s.ap !== 1) [a, aOff, ai] = [transposed(a, aOff, k, m), 0, k];
  if (s.bp !== 1) [b, bOff, bj] = [transposed(b, bOff, k, n), 0, k];
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) c[cOff + i * n + j] = dot(a, aOff + i * ai, b, bOff + j * bj, k);
  }
}

/** The row-major k×r matrix at `off` in `x`, transposed into a fresh r×k array of the same type. */
function transposed(x: Input, off: number, k: number, r: number): Input {
  const out = x instanceof Float32Array ? new Float32Array(r * k) : new Float64Array(r * k);
  for (let p = 0; p < k; p++) {
    for (let i = 0; i < r; i++) out[i * k + p] = x[off + p * r + i];
  }
  return out;
}

/**
 * Σ_p x[xi + p]·y[yi + p] for p < k. Four partial sums break the chain of
 * dependent additions (one add per 3–4 cycles otherwise): 3.1 GFLOP/s against
 * 2.4 for a single sum, on Deno and on Bun, for k = 1024 (with strides read
 * at run time V8 reached only 1.9, hence contiguous operands only).
 */
function dot(x: Input, xi: number, y: Input, yi: number, k: number): number {
  let s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
  const end = xi + k - 3;
  for (; xi < end; xi += 4, yi += 4) {
    s0 += x[xi] * y[yi];
    s1 += x[xi + 1] * y[yi + 1];
    s2 += x[xi + 2] * y[yi + 2];
    s3 += x[xi + 3] * y[yi + 3];
  }
  for (const last = end + 3; xi < last; xi++, yi++) s0 += x[xi] * y[yi];
  return (s0 + s1) + (s2 + s3);
}
