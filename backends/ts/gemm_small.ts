/**
 * Matrix products without packing, for small sizes and matrix-vector shapes,
 * where copying the operands into panels costs more than it saves.
 *
 * Three loop orders keep the innermost loop on contiguous memory whatever the
 * transposes:
 * - rows (`A` not transposed, `B` not transposed): row i of C is
 *   Σ_p A[i,p]·B[p,:], an axpy over contiguous rows of B;
 * - dots (`A` not transposed, `B` transposed, or n = 1): C[i,j] is the dot
 *   product of row i of A and column j of op(B);
 * - columns (`A` transposed): column j of C is Σ_p op(B)[p,j]·A[p,:], an axpy
 *   over contiguous rows of the stored k×m matrix A.
 * Every form sums over p in increasing order into a JavaScript double and
 * rounds once when it stores into C.
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
 * const c = new Float64Array(4);
 * gemmSmall(new Float64Array([1, 2, 3, 4]), 0, new Float64Array([5, 6, 7, 8]), 0, c, 0, 2, 2, 2, false, false);
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
  if (transA) columns(a, aOff, b, bOff, c, cOff, m, n, k, transB);
  else if (transB || n === 1) dots(a, aOff, b, bOff, c, cOff, m, n, k, transB);
  else rows(a, aOff, b, bOff, c, cOff, m, n, k);
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
) {
  const acc = accumulator(n);
  for (let i = 0; i < m; i++) {
    acc.fill(0, 0, n);
    const ai = aOff + i * k;
    for (let p = 0; p < k; p++) {
      const aip = a[ai + p];
      const bRow = bOff + p * n;
      for (let j = 0; j < n; j++) acc[j] += aip * b[bRow + j];
    }
    const ci = cOff + i * n;
    for (let j = 0; j < n; j++) c[ci + j] = acc[j];
  }
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
  transB: boolean,
) {
  // op(B)[p, j] = b[bOff + j·bj + p·bp]
  const bj = transB ? k : 1, bp = transB ? 1 : n;
  for (let i = 0; i < m; i++) {
    const ai = aOff + i * k;
    for (let j = 0; j < n; j++) {
      let s = 0.0;
      for (let p = 0, q = bOff + j * bj; p < k; p++, q += bp) s += a[ai + p] * b[q];
      c[cOff + i * n + j] = s;
    }
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
  transB: boolean,
) {
  const bj = transB ? k : 1, bp = transB ? 1 : n;
  const acc = accumulator(m);
  for (let j = 0; j < n; j++) {
    acc.fill(0, 0, m);
    for (let p = 0; p < k; p++) {
      const bpj = b[bOff + j * bj + p * bp];
      const aRow = aOff + p * m;
      for (let i = 0; i < m; i++) acc[i] += a[aRow + i] * bpj;
    }
    for (let i = 0; i < m; i++) c[cOff + i * n + j] = acc[i];
  }
}
