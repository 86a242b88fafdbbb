/**
 * The register tile and cache blocking of the wasm gemm, per engine and
 * dtype, and why. All numbers are medians measured on a 2-vCPU AMD EPYC
 * (Zen 4) with `bench/wasm_gemm.ts` and the probe in
 * `shared/probes/wasm_simd`; x64 engines give wasm 16 vector registers, so
 * a tile's accumulators plus its B vectors plus one splat of A must fit in
 * 16 or the kernel spills.
 *
 * @module
 */
import type { EngineFacts } from "./engine.ts";

/** The float dtypes the wasm gemm runs. */
export type FloatDType = "float32" | "float64";

/** One compiled kernel's shape: everything baked into a module. */
export interface TileConfig {
  /** Element type; float32 runs f32x4, float64 runs f64x2. */
  readonly dtype: FloatDType;
  /** Rows of the register tile (the height of a packed A panel). */
  readonly mr: number;
  /** Columns of the register tile (the width of a packed B panel), a multiple of the lanes. */
  readonly nr: number;
  /** Multiply-add with `relaxed_madd` (only where it is a true FMA) instead of mul then add. */
  readonly fma: boolean;
}

/** How the loop nest blocks a product (runtime parameters, not baked). */
export interface Blocking {
  /** Depth of a k slice: the packed B micro-panel (kc·nr) stays in L1. */
  readonly kc: number;
  /** Rows of A per block: the packed A block (mc·kc) stays in L2. */
  readonly mc: number;
}

/** Vector lanes of a dtype: 4 floats or 2 doubles in a v128. */
export const lanes = (dtype: FloatDType): number => (dtype === "float32" ? 4 : 2);

/** Bytes per element. */
export const elementBytes = (dtype: FloatDType): number => (dtype === "float32" ? 4 : 8);

/** A short name of a config, used as its module cache key. */
export const tileKey = (t: TileConfig): string => `${t.dtype}:${t.mr}x${t.nr}:${t.fma ? "fma" : "muladd"}`;

/**
 * The tile for this engine and dtype.
 *
 * - With a true FMA (V8): 6 rows × 2 vectors, 12 accumulators + 2 B + 1 A =
 *   15 registers (probe: f32 6×8, 44–47 GFLOP/s one thread, against 34–37
 *   for the best mul+add tile). The same register shape in f64 is 6×4.
 * - Otherwise (JavaScriptCore, whose relaxed_madd is not fused, or an
 *   engine without relaxed SIMD): 2 rows × 4 vectors; mul+add needs a
 *   temporary, and 6×8 with it spills (19–29). f32 2×16, f64 2×8.
 *
 * float64 at n = 256, GFLOP/s: Deno 6×4 FMA 23.0, 5×4 22.4, 2×8 FMA 21.5,
 * 4×4 20.9, 2×8 mul+add 17.8, 4×6 and 3×8 (spilling) 12.8; Bun (no fused
 * madd) 2×8 mul+add 20.4, 3×6 19.9, 2×6 19.5, 4×4 18.3.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { chooseTile } from "./tiles.ts";
 * const v8 = { engine: "deno", simd: true, relaxedSimd: true, fusedMaddF32: true, fusedMaddF64: true, sharedMemory: true } as const;
 * assert.deepEqual(chooseTile("float32", v8), { dtype: "float32", mr: 6, nr: 8, fma: true });
 * assert.deepEqual(chooseTile("float32", { ...v8, fusedMaddF32: false }), { dtype: "float32", mr: 2, nr: 16, fma: false });
 * ```
 */
export function chooseTile(dtype: FloatDType, facts: EngineFacts): TileConfig {
  const fused = dtype === "float32" ? facts.fusedMaddF32 : facts.fusedMaddF64;
  const l = lanes(dtype);
  return fused ? { dtype, mr: 6, nr: 2 * l, fma: true } : { dtype, mr: 2, nr: 4 * l, fma: false };
}

/**
 * Cache blocking for a config: KC = 256 k steps, so a B micro-panel is
 * 8 KiB for the FMA tiles (6×8 float32, 6×4 float64: a quarter of L1) and
 * 16 KiB for 2×16; MC ≈ 128 rows, so the A block is 128–256 KiB of a 1 MiB
 * L2. Measured flat: at n = 1024 float32 the best batches of KC 128–512 ×
 * MC 66–264 all lay within 46–48 GFLOP/s, and float64 at n = 512 within
 * 21.5–23 for KC 64–384 (Deno, 6×4 FMA), so the probe's values stay.
 */
export function chooseBlocking(t: TileConfig): Blocking {
  return { kc: 256, mc: t.mr * Math.ceil(128 / t.mr) };
}
