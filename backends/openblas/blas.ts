/**
 * Checked calls into OpenBLAS. Every argument is validated in TypeScript
 * before the native call, because OpenBLAS does not fail on a bad one: its
 * `xerbla` prints "parameter number 10 had an illegal value" and returns,
 * leaving the output untouched. Here a bad dimension, leading dimension,
 * increment, offset or extent raises a `ValueError` naming the routine and the
 * argument, and nothing is called. Empty products are done in TypeScript.
 *
 * Arrays are given with an element offset; the native call receives a
 * sub-array view starting there, created immediately before the call.
 *
 * @module
 */
import { DTypeError, ValueError } from "../../core/errors.ts";
import { CBLAS, type NativeBlas } from "./native.ts";

/** A float array BLAS can take. */
export type Real = Float32Array | Float64Array;

/** Arguments of a row-major `C = alpha·op(A)·op(B) + beta·C`, as in `cblas_?gemm`. */
export interface GemmArgs {
  /** A is stored k×m and used transposed. */
  readonly transA: boolean;
  /** B is stored n×k and used transposed. */
  readonly transB: boolean;
  /** Rows of op(A) and C. */
  readonly m: number;
  /** Columns of op(B) and C. */
  readonly n: number;
  /** Columns of op(A), rows of op(B). */
  readonly k: number;
  /** Scales the product. */
  readonly alpha: number;
  /** A's storage. */
  readonly a: Real;
  /** Where A starts in `a`. */
  readonly aOffset: number;
  /** Elements between A's stored rows (≥ its stored columns). */
  readonly lda: number;
  /** B's storage. */
  readonly b: Real;
  /** Where B starts in `b`. */
  readonly bOffset: number;
  /** Elements between B's stored rows. */
  readonly ldb: number;
  /** Scales the old C (0: C is not read). */
  readonly beta: number;
  /** C's storage, written in place. */
  readonly c: Real;
  /** Where C starts in `c`. */
  readonly cOffset: number;
  /** Elements between C's rows (≥ n). */
  readonly ldc: number;
}

/**
 * `C ← alpha·op(A)·op(B) + beta·C` (row-major) through `cblas_sgemm` or
 * `cblas_dgemm`, after checking every argument.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadOpenBlas } from "./library.ts";
 * import { gemm } from "./blas.ts";
 * const lib = loadOpenBlas();
 * if (lib._tag === "Right") {
 *   const c = new Float32Array(4);
 *   const args = { transA: false, transB: false, m: 2, n: 2, k: 2, alpha: 1, a: Float32Array.of(1, 2, 3, 4),
 *     aOffset: 0, lda: 2, b: Float32Array.of(5, 6, 7, 8), bOffset: 0, ldb: 2, beta: 0, c, cOffset: 0, ldc: 2 };
 *   gemm(lib.right, args);
 *   assert.deepEqual([...c], [19, 22, 43, 50]);
 *   assert.throws(() => gemm(lib.right, { ...args, lda: 1 }), /lda = 1/);
 * }
 * ```
 */
export function gemm(lib: NativeBlas, g: GemmArgs): void {
  const name = g.c instanceof Float32Array ? "cblas_sgemm" : "cblas_dgemm";
  const { m, n, k, transA, transB } = g;
  dims(name, { m, n, k });
  sameType(name, g.c, { A: g.a, B: g.b });
  matrix(name, "A", g.a, g.aOffset, transA ? k : m, transA ? m : k, g.lda, "lda");
  matrix(name, "B", g.b, g.bOffset, transB ? n : k, transB ? k : n, g.ldb, "ldb");
  matrix(name, "C", g.c, g.cOffset, m, n, g.ldc, "ldc");
  noOverlap(name, g.c, g.cOffset, m, n, g.ldc, { A: g.a, B: g.b });
  if (m === 0 || n === 0) return;
  if (k === 0) {
    scaleRows(g.c, g.cOffset, m, n, g.ldc, g.beta);
    return;
  }
  const ta = transA ? CBLAS.Trans : CBLAS.NoTrans, tb = transB ? CBLAS.Trans : CBLAS.NoTrans;
  const a = view(g.a, g.aOffset), b = view(g.b, g.bOffset), c = view(g.c, g.cOffset);
  if (c instanceof Float32Array) {
    lib.cblas_sgemm(
      CBLAS.RowMajor,
      ta,
      tb,
      m,
      n,
      k,
      g.alpha,
      a as Float32Array,
      g.lda,
      b as Float32Array,
      g.ldb,
      g.beta,
      c,
      g.ldc,
    );
  } else {
    lib.cblas_dgemm(
      CBLAS.RowMajor,
      ta,
      tb,
      m,
      n,
      k,
      g.alpha,
      a as Float64Array,
      g.lda,
      b as Float64Array,
      g.ldb,
      g.beta,
      c,
      g.ldc,
    );
  }
}

/** Arguments of a row-major `y = alpha·op(A)·x + beta·y`, as in `cblas_?gemv`. */
export interface GemvArgs {
  /** Use Aᵀ: y has m elements without, n with. */
  readonly trans: boolean;
  /** Rows of A as stored. */
  readonly m: number;
  /** Columns of A as stored. */
  readonly n: number;
  /** Scales the product. */
  readonly alpha: number;
  /** A's storage. */
  readonly a: Real;
  /** Where A starts. */
  readonly aOffset: number;
  /** Elements between A's rows (≥ n). */
  readonly lda: number;
  /** x's storage. */
  readonly x: Real;
  /** Where x starts. */
  readonly xOffset: number;
  /** Step between x's elements (≥ 1). */
  readonly incx: number;
  /** Scales the old y (0: y is not read). */
  readonly beta: number;
  /** y's storage, written in place. */
  readonly y: Real;
  /** Where y starts. */
  readonly yOffset: number;
  /** Step between y's elements (≥ 1). */
  readonly incy: number;
}

/**
 * `y ← alpha·op(A)·x + beta·y` (row-major) through `cblas_sgemv` or
 * `cblas_dgemv`, after checking every argument.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadOpenBlas } from "./library.ts";
 * import { gemv } from "./blas.ts";
 * const lib = loadOpenBlas();
 * if (lib._tag === "Right") {
 *   const y = new Float64Array(2);
 *   gemv(lib.right, { trans: false, m: 2, n: 3, alpha: 1, a: Float64Array.of(1, 2, 3, 4, 5, 6), aOffset: 0, lda: 3,
 *     x: Float64Array.of(1, 1, 1), xOffset: 0, incx: 1, beta: 0, y, yOffset: 0, incy: 1 });
 *   assert.deepEqual([...y], [6, 15]);
 * }
 * ```
 */
export function gemv(lib: NativeBlas, g: GemvArgs): void {
  const name = g.y instanceof Float32Array ? "cblas_sgemv" : "cblas_dgemv";
  const { m, n, trans } = g;
  dims(name, { m, n });
  sameType(name, g.y, { A: g.a, x: g.x });
  matrix(name, "A", g.a, g.aOffset, m, n, g.lda, "lda");
  const xLen = trans ? m : n, yLen = trans ? n : m;
  vector(name, "x", g.x, g.xOffset, xLen, g.incx, "incx");
  vector(name, "y", g.y, g.yOffset, yLen, g.incy, "incy");
  noOverlap(name, g.y, g.yOffset, 1, yLen === 0 ? 0 : (yLen - 1) * g.incy + 1, 1, { A: g.a, x: g.x });
  if (yLen === 0) return;
  if (xLen === 0) {
    // As in BLAS (and as gemm does): beta = 0 sets y without reading it, so NaN there does not survive.
    for (let i = 0, at = g.yOffset; i < yLen; i++, at += g.incy) g.y[at] = g.beta === 0 ? 0 : g.y[at] * g.beta;
    return;
  }
  const t = trans ? CBLAS.Trans : CBLAS.NoTrans;
  const a = view(g.a, g.aOffset), x = view(g.x, g.xOffset), y = view(g.y, g.yOffset);
  if (y instanceof Float32Array) {
    lib.cblas_sgemv(
      CBLAS.RowMajor,
      t,
      m,
      n,
      g.alpha,
      a as Float32Array,
      g.lda,
      x as Float32Array,
      g.incx,
      g.beta,
      y,
      g.incy,
    );
  } else {
    lib.cblas_dgemv(
      CBLAS.RowMajor,
      t,
      m,
      n,
      g.alpha,
      a as Float64Array,
      g.lda,
      x as Float64Array,
      g.incx,
      g.beta,
      y,
      g.incy,
    );
  }
}

/**
 * `y ← alpha·x + y` over `n` elements (`cblas_?axpy`); y must not share
 * memory with x.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadOpenBlas } from "./library.ts";
 * import { axpy } from "./blas.ts";
 * const lib = loadOpenBlas();
 * if (lib._tag === "Right") {
 *   const y = Float32Array.of(1, 1, 1);
 *   axpy(lib.right, 3, 2, Float32Array.of(1, 2, 3), 0, 1, y, 0, 1);
 *   assert.deepEqual([...y], [3, 5, 7]);
 * }
 * ```
 */
export function axpy(
  lib: NativeBlas,
  n: number,
  alpha: number,
  x: Real,
  xOffset: number,
  incx: number,
  y: Real,
  yOffset: number,
  incy: number,
): void {
  const name = y instanceof Float32Array ? "cblas_saxpy" : "cblas_daxpy";
  dims(name, { n });
  sameType(name, y, { x });
  vector(name, "x", x, xOffset, n, incx, "incx");
  vector(name, "y", y, yOffset, n, incy, "incy");
  // OpenBLAS's kernels read x ahead of writing y, so an overlap gives neither the loop's result nor an error.
  noOverlap(name, y, yOffset, 1, n === 0 ? 0 : (n - 1) * incy + 1, 1, { x });
  if (n === 0) return;
  const xv = view(x, xOffset), yv = view(y, yOffset);
  if (yv instanceof Float32Array) lib.cblas_saxpy(n, alpha, xv as Float32Array, incx, yv, incy);
  else lib.cblas_daxpy(n, alpha, xv as Float64Array, incx, yv, incy);
}

/**
 * `x ← alpha·x` over `n` elements (`cblas_?scal`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadOpenBlas } from "./library.ts";
 * import { scal } from "./blas.ts";
 * const lib = loadOpenBlas();
 * if (lib._tag === "Right") {
 *   const x = Float64Array.of(2, 4, 6);
 *   scal(lib.right, 2, 0.5, x, 1, 1); // the last two elements
 *   assert.deepEqual([...x], [2, 2, 3]);
 * }
 * ```
 */
export function scal(lib: NativeBlas, n: number, alpha: number, x: Real, xOffset: number, incx: number): void {
  const name = x instanceof Float32Array ? "cblas_sscal" : "cblas_dscal";
  dims(name, { n });
  vector(name, "x", x, xOffset, n, incx, "incx");
  if (n === 0) return;
  const xv = view(x, xOffset);
  if (xv instanceof Float32Array) lib.cblas_sscal(n, alpha, xv, incx);
  else lib.cblas_dscal(n, alpha, xv, incx);
}

/**
 * `Σ x[i]·y[i]` over `n` elements (`cblas_?dot`); 0 when n = 0.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadOpenBlas } from "./library.ts";
 * import { dot } from "./blas.ts";
 * const lib = loadOpenBlas();
 * if (lib._tag === "Right") {
 *   const x = Float32Array.of(1, 2, 3, 4);
 *   assert.equal(dot(lib.right, 3, x, 1, 1, x, 1, 1), 29); // [2,3,4]·[2,3,4]
 * }
 * ```
 */
export function dot(
  lib: NativeBlas,
  n: number,
  x: Real,
  xOffset: number,
  incx: number,
  y: Real,
  yOffset: number,
  incy: number,
): number {
  const name = x instanceof Float32Array ? "cblas_sdot" : "cblas_ddot";
  dims(name, { n });
  sameType(name, x, { y });
  vector(name, "x", x, xOffset, n, incx, "incx");
  vector(name, "y", y, yOffset, n, incy, "incy");
  if (n === 0) return 0;
  const xv = view(x, xOffset), yv = view(y, yOffset);
  return xv instanceof Float32Array
    ? lib.cblas_sdot(n, xv, incx, yv as Float32Array, incy)
    : lib.cblas_ddot(n, xv, incx, yv as Float64Array, incy);
}

/** The largest value a C `int` argument can take. */
const INT_MAX = 2 ** 31 - 1;

const isIndex = (x: number) => Number.isInteger(x) && x >= 0 && x <= INT_MAX;

function dims(name: string, ds: Record<string, number>) {
  for (const [d, v] of Object.entries(ds)) {
    if (!isIndex(v)) throw new ValueError(name, `${d} = ${v}; expected an integer in [0, 2^31)`);
  }
}

function sameType(name: string, out: Real, inputs: Record<string, Real>) {
  for (const [label, x] of Object.entries(inputs)) {
    if (x.constructor !== out.constructor) {
      throw new DTypeError(name, `${label} is a ${x.constructor.name} but the output is a ${out.constructor.name}`);
    }
  }
}

/** Checks a stored rows×cols row-major matrix with leading dimension `ld` at `offset` of `arr`. */
function matrix(
  name: string,
  label: string,
  arr: Real,
  offset: number,
  rows: number,
  cols: number,
  ld: number,
  ldName: string,
) {
  if (!Number.isInteger(ld) || ld < Math.max(1, cols) || ld > INT_MAX) {
    throw new ValueError(name, `${ldName} = ${ld}; expected an integer ≥ max(1, columns of ${label} = ${cols})`);
  }
  offsetOk(name, label, arr, offset);
  const extent = rows === 0 || cols === 0 ? 0 : (rows - 1) * ld + cols;
  if (offset + extent > arr.length) {
    throw new ValueError(
      name,
      `${label} (${rows}×${cols}, ${ldName} = ${ld}) needs ${extent} elements from offset ${offset}, ` +
        `but the array holds ${arr.length}`,
    );
  }
}

function vector(name: string, label: string, arr: Real, offset: number, len: number, inc: number, incName: string) {
  if (!Number.isInteger(inc) || inc < 1 || inc > INT_MAX) {
    throw new ValueError(name, `${incName} = ${inc}; expected an integer ≥ 1`);
  }
  offsetOk(name, label, arr, offset);
  const extent = len === 0 ? 0 : (len - 1) * inc + 1;
  if (offset + extent > arr.length) {
    throw new ValueError(
      name,
      `${label} (${len} elements, ${incName} = ${inc}) needs ${extent} elements from offset ${offset}, ` +
        `but the array holds ${arr.length}`,
    );
  }
}

function offsetOk(name: string, label: string, arr: Real, offset: number) {
  if (!Number.isInteger(offset) || offset < 0 || offset > arr.length) {
    throw new ValueError(name, `offset of ${label} = ${offset}; expected an integer in [0, ${arr.length}]`);
  }
}

/** The output must not share memory with an input: BLAS reads inputs while writing C. */
function noOverlap(
  name: string,
  c: Real,
  cOffset: number,
  rows: number,
  cols: number,
  ld: number,
  inputs: Record<string, Real>,
) {
  if (rows === 0 || cols === 0) return;
  const bytes = c.BYTES_PER_ELEMENT;
  const lo = c.byteOffset + cOffset * bytes, hi = lo + ((rows - 1) * ld + cols) * bytes;
  for (const [label, x] of Object.entries(inputs)) {
    if (x.buffer !== c.buffer) continue;
    const xlo = x.byteOffset, xhi = xlo + x.byteLength;
    if (xlo < hi && lo < xhi) throw new ValueError(name, `the output shares memory with ${label}`);
  }
}

function scaleRows(c: Real, off: number, m: number, n: number, ldc: number, beta: number) {
  for (let i = 0; i < m; i++) {
    const row = off + i * ldc;
    if (beta === 0) c.fill(0, row, row + n);
    else for (let j = 0; j < n; j++) c[row + j] *= beta;
  }
}

const view = (arr: Real, offset: number): Real => offset === 0 ? arr : arr.subarray(offset);
