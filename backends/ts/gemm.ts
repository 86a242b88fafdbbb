/**
 * Batched matrix product for the pure-TypeScript backend, written for speed:
 * cache blocking with packed panels and a register-tiled micro-kernel
 * (`gemm_kernel.ts`), plus unpacked loops for small and matrix-vector
 * products (`gemm_small.ts`).
 *
 * Blocking follows the usual scheme of Goto and van de Geijn: for each
 * KC-deep slice of k, a KC×NC panel of op(B) is packed into NR-wide strips,
 * then for each MC-high block of rows an MC×KC block of op(A) is packed into
 * MR-high strips; the micro-kernel then walks the strips, so one B strip
 * (KC·NR doubles = 8 KiB) stays in L1 while the A block (MC·KC doubles =
 * 256 KiB) streams from L2. Transposes are absorbed by the packers, which read
 * through strides; the kernel sees the same layout in all four cases, so
 * `transA`/`transB` run at the speed of the plain product.
 *
 * The sizes matter less than in native code: KC from 192 to 512 and MC from
 * 64 to 256 all measured within about 3 % of each other on Deno and on Bun
 * (2-core AMD EPYC), since a scalar JavaScript kernel at 5–8 GFLOP/s is bound
 * by instruction count rather than by memory traffic. Blocking still keeps
 * large products (n = 1024) at the speed of middling ones (n = 256).
 *
 * @module
 */
import type { DType, TypedArray } from "../../core/dtype.ts";
import type { GemmDims } from "../backend.ts";
import { checkGemm, forEachProduct } from "../gemm_batches.ts";
import { type Accumulator, microKernel4x1, microKernel4x4, MR, NR } from "./gemm_kernel.ts";
import { gemmSmall, type Input } from "./gemm_small.ts";
import { alloc } from "./pool.ts";

/** Depth of a packed slice of k. */
const KC = 256;
/** Rows of op(A) packed per block. */
const MC = 128;
/** Columns of op(B) packed per panel. */
const NC = 2048;
/**
 * Below this many multiply-adds the unpacked loops win: measured on Deno, the
 * packed path already runs 1.6 GFLOP/s against 1.0 at 8×8×8 and ties at 4×4×4.
 */
const SMALL = 512;
/**
 * With fewer rows (or columns) than this, most of a 4-wide micro-tile is
 * padding and packing the other operand is not repaid. GFLOP/s on Deno /
 * Bun, unpacked against packed: [2,512]@[512,512] 3.2 / 4.2 against
 * 1.9 / 2.4, [3,512]@[512,512] 2.6–3.3 / 4.0–4.4 against 2.7 / 3.8,
 * [4,512]@[512,512] packed 3.8 / 4.9.
 */
const THIN = 4;

// Packing scratch, grown on demand and reused across calls. Every element a
// kernel reads is written by the packer first, so stale contents never leak.
let aPack = new Float64Array(MC * KC);
let bPack = new Float64Array(KC * NR);
const tile = new Float64Array(MR * NR);
let cBlock = new Float64Array(0);

/**
 * `C[b] = op(A[b]) · op(B[b])` for each batch b, as described on
 * {@link GemmDims}; returns a fresh, contiguous `[batch, m, n]` buffer of
 * `dtype` (float32 or float64). Inputs are never written.
 *
 * @example A 2×3 times a 3×2 product, and the same with B given transposed
 * ```ts
 * import assert from "node:assert/strict";
 * import { gemm } from "./gemm.ts";
 * const a = new Float32Array([1, 2, 3, 4, 5, 6]);
 * const b = new Float32Array([1, 0, 0, 1, 1, 1]); // 3×2
 * const dims = { batch: 1, m: 2, n: 2, k: 3, transA: false, transB: false, aBatchStride: 0, bBatchStride: 0 };
 * assert.deepEqual([...gemm(a, b, dims, "float32")], [4, 5, 10, 11]);
 * const bt = new Float32Array([1, 0, 1, 0, 1, 1]); // the same B stored 2×3
 * assert.deepEqual([...gemm(a, bt, { ...dims, transB: true }, "float32")], [4, 5, 10, 11]);
 * ```
 */
export function gemm(a: TypedArray, b: TypedArray, dims: GemmDims, dtype: DType): TypedArray {
  checkGemm(a, b, dims, dtype);
  const out = alloc(dtype, dims.batch * dims.m * dims.n) as Float32Array | Float64Array;
  if (out.length === 0 || dims.k === 0) return out;
  const x = a as Input, y = b as Input;
  forEachProduct(
    dims,
    out,
    (aOff, bOff, cOff, m, n, k, transA, transB) => product(x, aOff, y, bOff, out, cOff, m, n, k, transA, transB),
  );
  return out;
}

/** One m×n product into the zero-filled block of `out` at `cOff`. */
function product(
  a: Input,
  aOff: number,
  b: Input,
  bOff: number,
  out: Float32Array | Float64Array,
  cOff: number,
  m: number,
  n: number,
  k: number,
  transA: boolean,
  transB: boolean,
) {
  // An outer product (k = 1, as in per-example weight gradients) has nothing to
  // block: packing and a zeroed double block per row strip would cost more than
  // the m·n products themselves; the direct loop rounds each a·b once, as the
  // packed path does.
  if (m * n * k < SMALL || m < THIN || n < THIN || k === 1) {
    gemmSmall(a, aOff, b, bOff, out, cOff, m, n, k, transA, transB);
    return;
  }
  // The kernels add into float64 storage only (one type keeps them
  // monomorphic; on Bun a float32 C at 16 read-modify-writes per tile cost
  // 40 % for k = 9).
  if (out instanceof Float64Array) {
    blocked(a, aOff, b, bOff, out, cOff, m, n, k, transA, transB);
  } else if (k <= KC && n <= NC) {
    rowBlocks(a, aOff, b, bOff, out, cOff, m, n, k, transA, transB);
  } else {
    // Several k slices: float32 partial sums are kept in doubles so the
    // result is rounded to float32 once, as in the unpacked path.
    const c = new Float64Array(m * n);
    blocked(a, aOff, b, bOff, c, 0, m, n, k, transA, transB);
    out.set(c, cOff);
  }
}

function blocked(
  a: Input,
  aOff: number,
  b: Input,
  bOff: number,
  c: Accumulator,
  cOff: number,
  m: number,
  n: number,
  k: number,
  transA: boolean,
  transB: boolean,
) {
  // op(A)[i, p] = a[aOff + i·ai + p·ap];  op(B)[p, j] = b[bOff + p·bp + j·bj]
  const ai = transA ? 1 : k, ap = transA ? m : 1;
  const bj = transB ? k : 1, bp = transB ? 1 : n;
  // Equal k slices (784 = 4 × 196, not 3 × 256 + 16) keep every slice deep.
  const kc0 = Math.ceil(k / Math.ceil(k / KC));
  const nc0 = Math.min(NC, roundUp(n, NR)), mc0 = Math.min(MC, roundUp(m, MR));
  if (bPack.length < kc0 * nc0) bPack = new Float64Array(kc0 * nc0);
  if (aPack.length < kc0 * mc0) aPack = new Float64Array(kc0 * mc0);
  for (let j0 = 0; j0 < n; j0 += nc0) {
    const nc = Math.min(nc0, n - j0);
    for (let p0 = 0; p0 < k; p0 += kc0) {
      const kc = Math.min(kc0, k - p0);
      pack(b, bOff + p0 * bp + j0 * bj, bj, bp, nc, kc, bPack);
      for (let i0 = 0; i0 < m; i0 += mc0) {
        const mc = Math.min(mc0, m - i0);
        pack(a, aOff + i0 * ai + p0 * ap, ai, ap, mc, kc, aPack);
        macroKernel(mc, nc, kc, aPack, bPack, c, cOff + i0 * n + j0, n);
      }
    }
  }
}

/**
 * A float32 product with one k slice and one panel, a block of MC rows at a
 * time: each block of C is summed in doubles in `cBlock` (in cache) and
 * rounded into `out` at once.
 */
function rowBlocks(
  a: Input,
  aOff: number,
  b: Input,
  bOff: number,
  out: Float32Array,
  cOff: number,
  m: number,
  n: number,
  k: number,
  transA: boolean,
  transB: boolean,
) {
  const ai = transA ? 1 : k, ap = transA ? m : 1;
  const bj = transB ? k : 1, bp = transB ? 1 : n;
  const mc0 = Math.min(MC, roundUp(m, MR));
  if (bPack.length < k * roundUp(n, NR)) bPack = new Float64Array(k * roundUp(n, NR));
  if (aPack.length < k * mc0) aPack = new Float64Array(k * mc0);
  if (cBlock.length < mc0 * n) cBlock = new Float64Array(mc0 * n);
  pack(b, bOff, bj, bp, n, k, bPack);
  for (let i0 = 0; i0 < m; i0 += mc0) {
    const mc = Math.min(mc0, m - i0);
    pack(a, aOff + i0 * ai, ai, ap, mc, k, aPack);
    cBlock.fill(0, 0, mc * n);
    macroKernel(mc, n, k, aPack, bPack, cBlock, 0, n);
    const o = cOff + i0 * n, len = mc * n;
    for (let t = 0; t < len; t++) out[o + t] = cBlock[t];
  }
}

const roundUp = (x: number, q: number) => Math.ceil(x / q) * q;

/**
 * Packs `rows`×`depth` elements (element (r, p) at `off + r·rs + p·ps`) into
 * 4-row strips laid out `[strip][p][r]`, zero-padding the last strip. Serves
 * both op(A) (rows = i) and op(B) (rows = j), since MR = NR = 4.
 */
function pack(src: Input, off: number, rs: number, ps: number, rows: number, depth: number, dst: Float64Array) {
  let o = 0;
  for (let r0 = 0; r0 < rows; r0 += 4) {
    const h = Math.min(4, rows - r0);
    let q0 = off + r0 * rs;
    if (h === 4) {
      let q1 = q0 + rs, q2 = q1 + rs, q3 = q2 + rs;
      for (let p = 0; p < depth; p++) {
        dst[o] = src[q0];
        dst[o + 1] = src[q1];
        dst[o + 2] = src[q2];
        dst[o + 3] = src[q3];
        o += 4;
        q0 += ps;
        q1 += ps;
        q2 += ps;
        q3 += ps;
      }
    } else {
      for (let p = 0; p < depth; p++, o += 4, q0 += ps) {
        for (let r = 0; r < 4; r++) dst[o + r] = r < h ? src[q0 + r * rs] : 0;
      }
    }
  }
}

/** Multiplies a packed mc×kc block of op(A) by a packed kc×nc panel of op(B) into C. */
function macroKernel(
  mc: number,
  nc: number,
  kc: number,
  ap: Float64Array,
  bp: Float64Array,
  c: Accumulator,
  cOff: number,
  ldc: number,
) {
  for (let j = 0; j < nc; j += NR) {
    const cols = Math.min(NR, nc - j);
    for (let i = 0; i < mc; i += MR) {
      const rows = Math.min(MR, mc - i);
      const ci = cOff + i * ldc + j;
      if (rows === MR && cols === NR) {
        microKernel4x4(kc, ap, i * kc, bp, j * kc, c, ci, ldc);
      } else if (rows === MR) {
        for (let s = 0; s < cols; s++) microKernel4x1(kc, ap, i * kc, bp, j * kc + s, c, ci + s, ldc);
      } else if (cols === NR) {
        for (let r = 0; r < rows; r++) microKernel4x1(kc, bp, j * kc, ap, i * kc + r, c, ci + r * ldc, 1);
      } else {
        tile.fill(0);
        microKernel4x4(kc, ap, i * kc, bp, j * kc, tile, 0, NR);
        for (let r = 0; r < rows; r++) {
          for (let s = 0; s < cols; s++) c[ci + r * ldc + s] += tile[r * NR + s];
        }
      }
    }
  }
}
