/**
 * Batched matrix product in WebAssembly SIMD (f32x4 for float32, f64x2 for
 * float64), with kernels emitted at run time from TypeScript
 * (`gemm_emit.ts`). Each product copies its operands into the scratch
 * arena, packs both (absorbing the transposes, so all four cases run the
 * same kernel), multiplies in a register-tiled loop nest, and copies C out
 * once into a fresh array. Single-threaded; the arena's memory is shared
 * where the engine allows, so a worker pool can later split the loop nest.
 *
 * Arena layout of one call, in bytes from {@link HEADER}: a staging area
 * (the raw operand being packed), packed B, packed A, and C with padded
 * rows and columns. Packed panels are zero-padded to whole tiles and to an
 * even k, so the kernel has no edge cases; padded parts of C are dropped.
 *
 * The fresh output is the one cost the kernel cannot hide: until the
 * allocator reuses freed memory, each new page of it is faulted in on first
 * write (measured on the 2-vCPU VM: about 11 µs per 4 KiB page, so up to
 * 11 ms for a 1024² float32 result whose product takes 45 ms). A backend
 * that recycles disposed outputs avoids it.
 *
 * @module
 */
import type { GemmDims } from "../backend.ts";
import { checkGemm } from "../gemm_batches.ts";
import { BackendError } from "../../core/errors.ts";
import { engineFacts } from "./engine.ts";
import { UNROLL } from "./gemm_emit.ts";
import { gemmKernels } from "./kernels.ts";
import { type Arena, defaultArena } from "./memory.ts";
import { type Blocking, chooseBlocking, chooseTile, elementBytes, type FloatDType, type TileConfig } from "./tiles.ts";

/**
 * Bytes kept free at the start of the arena: room for a worker pool's
 * control block (Atomics on an Int32Array at address 0), so adding one
 * later changes no layout.
 */
export const HEADER = 4096;

/** Overrides for tests and benchmarks; the defaults are the engine's tuned choices. */
export interface WasmGemmOptions {
  /** The scratch arena (default: the shared one, `defaultArena()`). */
  readonly arena?: Arena;
  /** The register tile (default: `chooseTile`). Its dtype must be the call's. */
  readonly tile?: TileConfig;
  /** Cache blocking (default: `chooseBlocking`). */
  readonly blocking?: Blocking;
  /**
   * Where the output comes from (default: a new array). A backend can pass
   * its pool's allocator, so that outputs handed back by `dispose` are
   * reused instead of faulting in fresh pages; it must return an array of
   * `size` elements of `dtype` that nothing else references. Every element
   * is written, so it need not be zeroed.
   */
  readonly allocate?: (dtype: FloatDType, size: number) => Float32Array | Float64Array;
}

/**
 * `C[b] = op(A[b]) · op(B[b])` for each batch b, as described on
 * {@link GemmDims}; returns a fresh `[batch, m, n]` array of `dtype`.
 * Inputs are never written. Throws the TS kernel's `DTypeError`/`ShapeError`
 * for a bad dtype or short operands, a `WasmMemoryError` if the product
 * needs more arena than wasm32 allows, and a `BackendError` if the engine
 * has no SIMD128.
 *
 * float32 accumulates in float32 (with a true FMA where the engine has one),
 * so its error is within k·u·(|A|·|B|), not rounded once as in the TS kernel.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { wasmGemm } from "./gemm.ts";
 * const a = new Float32Array([1, 2, 3, 4, 5, 6]); // 2×3
 * const b = new Float32Array([1, 0, 0, 1, 1, 1]); // 3×2
 * const dims = { batch: 1, m: 2, n: 2, k: 3, transA: false, transB: false, aBatchStride: 0, bBatchStride: 0 };
 * assert.deepEqual([...wasmGemm(a, b, dims, "float32")], [4, 5, 10, 11]);
 * ```
 */
export function wasmGemm(
  a: Float32Array | Float64Array,
  b: Float32Array | Float64Array,
  dims: GemmDims,
  dtype: FloatDType,
  options: WasmGemmOptions = {},
): Float32Array | Float64Array {
  checkGemm(a, b, dims, dtype);
  const { batch, n, k, transA, transB, aBatchStride, bBatchStride } = dims;
  let { m } = dims;
  const size = batch * m * n;
  if (size === 0 || k === 0) return dtype === "float32" ? new Float32Array(size) : new Float64Array(size);

  const facts = engineFacts();
  if (!facts.simd) throw new BackendError("gemm", "this engine's WebAssembly has no SIMD128");
  const tile = options.tile ?? chooseTile(dtype, facts);
  if (tile.dtype !== dtype) throw new BackendError("gemm", `a ${tile.dtype} tile cannot run a ${dtype} product`);
  const blocking = options.blocking ?? chooseBlocking(tile);

  // One shared B and back-to-back A matrices: the batch is one taller product.
  let products = batch;
  if (batch > 1 && bBatchStride === 0 && !transA && aBatchStride === m * k) {
    m *= batch;
    products = 1;
  }
  // Both shared: every product is the first.
  const repeats = aBatchStride === 0 && bBatchStride === 0 ? products : 1;
  if (repeats > 1) products = 1;

  // Everything is sized and the arena grown before the output is allocated,
  // so a product too big for wasm32 fails before allocating anything.
  const swap = prefersTransposed(m, n, k, tile);
  const L = swap ? gemmLayout(n, m, k, tile, blocking) : gemmLayout(m, n, k, tile, blocking);
  const arena = options.arena ?? defaultArena();
  arena.ensure("gemm", L.end);
  const kern = gemmKernels(arena, tile);

  // op(A)(i, p) and op(B)ᵀ(j, p) as (row stride, k stride) in elements.
  const [aRs, aPs] = transA ? [1, m] : [k, 1];
  const [bRs, bPs] = transB ? [k, 1] : [1, n];
  // Cᵀ = op(B)ᵀ·op(A)ᵀ: the same packers with the operands' places swapped.
  const [packA, packB] = swap ? [kern.packB, kern.packA] : [kern.packA, kern.packB];
  const [aDst, bDst] = swap ? [L.bp, L.ap] : [L.ap, L.bp];
  const es = L.es, mn = m * n, c = L.c / es;
  /** Product t into C (or Cᵀ) in the arena; the arena does not grow here, and views are re-taken through it anyway. */
  const product = (t: number) => {
    if (t === 0 || bBatchStride !== 0) {
      view(arena, dtype).set(b.subarray(t * bBatchStride, t * bBatchStride + k * n), L.stage / es);
      packB(L.stage, bRs, bPs, n, k, L.kPad, bDst);
    }
    if (t === 0 || aBatchStride !== 0) {
      view(arena, dtype).set(a.subarray(t * aBatchStride, t * aBatchStride + m * k), L.stage / es);
      packA(L.stage, aRs, aPs, m, k, L.kPad, aDst);
    }
    kern.gemm(L.ap, L.bp, L.c, L.mPad, L.nPad, L.kPad, L.kc0, L.mc0);
    if (!swap && L.nPad !== n) kern.compact(L.c, m, n, L.nPad);
  };
  // One product: slice() allocates and copies in one step (Bun, warm: 0.17
  // against 0.44 ms for 1.6 MB, 0.87 against 1.45 for 4 MiB, than a new array
  // and set(); on Deno the same or better).
  if (products === 1 && repeats === 1 && !swap && options.allocate === undefined) {
    product(0);
    return view(arena, dtype).subarray(c, c + mn).slice();
  }
  const out = options.allocate?.(dtype, size) ??
    (dtype === "float32" ? new Float32Array(size) : new Float64Array(size));
  for (let t = 0; t < products; t++) {
    product(t);
    const v = view(arena, dtype);
    if (!swap) out.set(v.subarray(c, c + mn), t * mn);
    else transposeInto(v, c, L.nPad, out, t * mn, m, n);
  }
  for (let t = 1; t < repeats; t++) out.copyWithin(t * mn, 0, mn);
  return out;
}

/**
 * Whether to compute Cᵀ = op(B)ᵀ·op(A)ᵀ instead: when n is much narrower
 * than a tile and m is not (the head of a classifier, [128,512]@[512,10]),
 * padding n to NR wastes more kernel work than transposing the m×n result
 * costs. Kernel work is counted in padded tile area × k at ~0.05 ns per
 * element and k step (40 GFLOP/s), the transposing copy at ~1 ns per
 * element. Measured on that head: 14–15 GFLOP/s straight, 25–27 swapped.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { prefersTransposed } from "./gemm.ts";
 * const tile = { dtype: "float32", mr: 6, nr: 8, fma: true } as const;
 * assert.equal(prefersTransposed(128, 10, 512, tile), true);
 * assert.equal(prefersTransposed(128, 512, 512, tile), false);
 * ```
 */
export function prefersTransposed(m: number, n: number, k: number, tile: TileConfig): boolean {
  const straight = roundUp(m, tile.mr) * roundUp(n, tile.nr), swapped = roundUp(n, tile.mr) * roundUp(m, tile.nr);
  return (straight - swapped) * k > 20 * m * n;
}

/** `out[o + i·n + j] = v[c + j·ld + i]`: an n×m block with row stride ld, transposed. */
function transposeInto(
  v: Float32Array | Float64Array,
  c: number,
  ld: number,
  out: Float32Array | Float64Array,
  o: number,
  m: number,
  n: number,
) {
  for (let j = 0; j < n; j++) {
    const row = c + j * ld;
    for (let i = 0; i < m; i++) out[o + i * n + j] = v[row + i];
  }
}

const view = (arena: Arena, dtype: FloatDType) => (dtype === "float32" ? arena.f32() : arena.f64());

/** Where one product's regions lie in the arena (byte addresses), and the padded sizes and blocking it runs with. */
export interface GemmLayout {
  /** Bytes per element. */
  readonly es: number;
  /** m, n rounded up to the tile; k rounded up to the unroll. */
  readonly mPad: number;
  /** See mPad. */
  readonly nPad: number;
  /** See mPad. */
  readonly kPad: number;
  /** The k slice and row block used (equalised, so no slice is thin). */
  readonly kc0: number;
  /** See kc0. */
  readonly mc0: number;
  /** The raw operand being packed. */
  readonly stage: number;
  /** Packed op(B). */
  readonly bp: number;
  /** Packed op(A). */
  readonly ap: number;
  /** C, mPad × nPad. */
  readonly c: number;
  /** One past the last byte used. */
  readonly end: number;
}

const roundUp = (x: number, q: number) => Math.ceil(x / q) * q;

/**
 * Regions and blocking for an m×n×k product. Sizes are plain numbers
 * (doubles), so a request beyond 4 GiB is computed exactly and refused by
 * the arena rather than wrapping. Exported for benchmarks that time the
 * phases apart.
 *
 * @example k = 784 runs as four slices of 196
 * ```ts
 * import assert from "node:assert/strict";
 * import { gemmLayout } from "./gemm.ts";
 * const L = gemmLayout(128, 10, 784, { dtype: "float32", mr: 6, nr: 8, fma: true }, { kc: 256, mc: 132 });
 * assert.deepEqual([L.mPad, L.nPad, L.kPad, L.kc0], [132, 16, 784, 196]);
 * ```
 */
export function gemmLayout(m: number, n: number, k: number, tile: TileConfig, blocking: Blocking): GemmLayout {
  const es = elementBytes(tile.dtype);
  const mPad = roundUp(m, tile.mr), nPad = roundUp(n, tile.nr), kPad = roundUp(k, UNROLL);
  // Equal slices (k = 784 as 4 × 196, not 3 × 256 + 16) keep every slice deep.
  const kc0 = roundUp(Math.ceil(kPad / Math.ceil(kPad / blocking.kc)), UNROLL);
  const mc0 = roundUp(Math.ceil(mPad / Math.ceil(mPad / blocking.mc)), tile.mr);
  // 64-byte alignment: whole cache lines, and v128 accesses never split one.
  const region = (bytes: number) => roundUp(bytes, 64);
  const stage = HEADER;
  const bp = stage + region(Math.max(m * k, k * n) * es);
  const ap = bp + region(nPad * kPad * es);
  const c = ap + region(mPad * kPad * es);
  const end = c + region(mPad * nPad * es);
  return { es, mPad, nPad, kPad, kc0, mc0, stage, bp, ap, c, end };
}
