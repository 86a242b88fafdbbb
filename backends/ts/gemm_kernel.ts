/**
 * The register-tiled micro-kernel of the pure-TypeScript matrix product:
 * one 4×4 block of C from a packed 4-row strip of op(A) and a packed 4-column
 * strip of op(B), both `Float64Array`s laid out `[p][r]` (see `gemm.ts`).
 *
 * Why 4×4: JavaScript has no SIMD, so each multiply-add is two scalar
 * instructions and every typed-array load carries a bounds check. A tile of
 * mr×nr accumulators costs mr + nr loads per mr·nr multiply-adds, so bigger is
 * better until the accumulators no longer fit in the 16 XMM registers and
 * spill. Measured on a 2-core AMD EPYC (Zen 4), kernel plus packing at
 * n = 256 (GFLOP/s, Deno / Bun): 4×4 5.0 / 8.0, 3×4 4.8 / 7.9,
 * 4×3 4.9 / 7.9, 2×6 4.7 / 8.6, 2×8 4.5 / 6.4, 4×8 4.1 / 8.7,
 * 2×4 4.2 / 7.6; unrolling the k loop by two lost 10–20 % on Deno. 4×4 is
 * the best on V8 and within a few per cent of the best on JavaScriptCore.
 * Writing indices as `(i + 1) | 0` lets V8 drop an overflow check per load
 * (about +5 % on Deno, neutral on Bun).
 *
 * Both packed operands are `Float64Array`s whatever the dtype, so the hot
 * loop is monomorphic and a float32 input is converted once, while packing,
 * instead of once per use.
 *
 * @module
 */

/** Rows of C per micro-tile (the height of a packed strip of op(A)). */
export const MR = 4;
/** Columns of C per micro-tile (the width of a packed strip of op(B)). */
export const NR = 4;

/** Storage a micro-tile can be added into. */
export type Accumulator = Float64Array;

/**
 * Adds the 4×4 product of two packed strips into `c`:
 * `c[ci + r·ldc + j] += Σ_p ap[ai + 4p + r] · bp[bi + 4p + j]` for p < kc.
 *
 * The strips must hold `4·kc` elements from `ai` and `bi`; padding rows or
 * columns must be zero-filled by the packer (the whole tile is written).
 *
 * @example 1×1 block of ones: every entry of the tile becomes kc
 * ```ts
 * import assert from "node:assert/strict";
 * import { microKernel4x4 } from "./gemm_kernel.ts";
 * const kc = 3;
 * const ap = new Float64Array(4 * kc).fill(1);
 * const bp = new Float64Array(4 * kc).fill(1);
 * const c = new Float64Array(16);
 * microKernel4x4(kc, ap, 0, bp, 0, c, 0, 4);
 * assert.deepEqual([...c], new Array(16).fill(3));
 * ```
 */
export function microKernel4x4(
  kc: number,
  ap: Float64Array,
  ai: number,
  bp: Float64Array,
  bi: number,
  c: Accumulator,
  ci: number,
  ldc: number,
): void {
  let c00 = 0.0, c01 = 0.0, c02 = 0.0, c03 = 0.0;
  let c10 = 0.0, c11 = 0.0, c12 = 0.0, c13 = 0.0;
  let c20 = 0.0, c21 = 0.0, c22 = 0.0, c23 = 0.0;
  let c30 = 0.0, c31 = 0.0, c32 = 0.0, c33 = 0.0;
  for (let p = 0; p < kc; p++) {
    const a0 = ap[ai], a1 = ap[(ai + 1) | 0], a2 = ap[(ai + 2) | 0], a3 = ap[(ai + 3) | 0];
    const b0 = bp[bi], b1 = bp[(bi + 1) | 0], b2 = bp[(bi + 2) | 0], b3 = bp[(bi + 3) | 0];
    c00 += a0 * b0;
    c01 += a0 * b1;
    c02 += a0 * b2;
    c03 += a0 * b3;
    c10 += a1 * b0;
    c11 += a1 * b1;
    c12 += a1 * b2;
    c13 += a1 * b3;
    c20 += a2 * b0;
    c21 += a2 * b1;
    c22 += a2 * b2;
    c23 += a2 * b3;
    c30 += a3 * b0;
    c31 += a3 * b1;
    c32 += a3 * b2;
    c33 += a3 * b3;
    ai = (ai + 4) | 0;
    bi = (bi + 4) | 0;
  }
  c[ci] += c00;
  c[ci + 1] += c01;
  c[ci + 2] += c02;
  c[ci + 3] += c03;
  ci += ldc;
  c[ci] += c10;
  c[ci + 1] += c11;
  c[ci + 2] += c12;
  c[ci + 3] += c13;
  ci += ldc;
  c[ci] += c20;
  c[ci + 1] += c21;
  c[ci + 2] += c22;
  c[ci + 3] += c23;
  ci += ldc;
  c[ci] += c30;
  c[ci + 1] += c31;
  c[ci + 2] += c32;
  c[ci + 3] += c33;
}

/**
 * Adds one column of a micro-tile, for the last columns of C when n is not a
 * multiple of 4 (and, with the operands swapped, one row for the last rows):
 * `c[ci + r·rs] += Σ_p xp[xi + 4p + r] · yp[yi + 4p]` for r < 4, p < kc.
 * Skipping the zero padding keeps a 4×9 block at 9 columns of work instead
 * of 12, and avoids a scratch tile.
 *
 * @example Row 0 of a packed strip of ones times lane 0 of another: all kc
 * ```ts
 * import assert from "node:assert/strict";
 * import { microKernel4x1 } from "./gemm_kernel.ts";
 * const kc = 3, c = new Float64Array(4);
 * microKernel4x1(kc, new Float64Array(4 * kc).fill(1), 0, new Float64Array(4 * kc).fill(2), 0, c, 0, 1);
 * assert.deepEqual([...c], [6, 6, 6, 6]);
 * ```
 */
export function microKernel4x1(
  kc: number,
  xp: Float64Array,
  xi: number,
  yp: Float64Array,
  yi: number,
  c: Accumulator,
  ci: number,
  rs: number,
): void {
  let c0 = 0.0, c1 = 0.0, c2 = 0.0, c3 = 0.0;
  for (let p = 0; p < kc; p++) {
    const y = yp[yi];
    c0 += xp[xi] * y;
    c1 += xp[(xi + 1) | 0] * y;
    c2 += xp[(xi + 2) | 0] * y;
    c3 += xp[(xi + 3) | 0] * y;
    xi = (xi + 4) | 0;
    yi = (yi + 4) | 0;
  }
  c[ci] += c0;
  c[ci + rs] += c1;
  c[ci + 2 * rs] += c2;
  c[ci + 3 * rs] += c3;
}
