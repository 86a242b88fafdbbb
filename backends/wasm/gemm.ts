/**
 * Batched matrix product in WebAssembly SIMD (f32x4 for float32, f64x2 for
 * float64), with kernels emitted at run time from TypeScript
 * (`gemm_emit.ts`). Each product copies its operands into the scratch
 * arena, packs both (absorbing the transposes, so all four cases run the
 * same kernel), multiplies in a register-tiled loop nest, and copies C out
 * once into a fresh array.
 *
 * A large product is split over a worker pool (`threads.ts`) by rows of C:
 * chunks of whole MR-tall panels of packed A, each packed and multiplied by
 * whichever thread takes it (the caller among them), so the threads write
 * disjoint rows of C. Packed B is made by the first chunks of the same job,
 * while the caller stages A; the row chunks wait for both. Every C element
 * is computed by the same kernel over the same k slices either way, so a
 * split product is bitwise the one-thread product. Only copying op(B) in
 * stays serial; C's rows are copied out chunk by chunk as they finish,
 * while the workers run the last chunks (measured 1–4 % off the MLP's
 * products and n = 1024, both runtimes).
 *
 * Arena layout of one call, in bytes from {@link HEADER}: staging areas
 * for the raw operands, packed B, packed A, and C with padded
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
import { gemmPool, gemmThreads, MAX_THREADS } from "./threads.ts";
import { MAX_ROW_CHUNKS } from "./gemm_worker.ts";
import { type Blocking, chooseBlocking, chooseTile, elementBytes, type FloatDType, type TileConfig } from "./tiles.ts";

/**
 * Bytes kept free at the start of the arena: the worker pool's control
 * block (Atomics on an Int32Array at address 0, see `gemm_worker.ts`).
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
  /**
   * Threads to split a large product over, counting the calling thread
   * (default: `gemmThreads()`, the cores or `DENDRITE_THREADS`); 1 keeps
   * every product on the calling thread.
   */
  readonly threads?: number;
  /**
   * Split products of at least this many multiply-adds (default
   * {@link SPLIT_FROM}); 0 splits all, and packs op(B) in chunks whatever
   * its size, for tests.
   */
  readonly splitFrom?: number;
}

/**
 * Products (m·n·k multiply-adds, per batch item) from which the wasm gemm
 * splits its rows over the worker pool: 128³. Waking a worker and waiting
 * for its last chunk costs some 20–25 µs, which a product of this size
 * (about 150 µs on one thread) just repays. Measured on the 2-vCPU VM,
 * speedup with 2 threads over 1 (Deno / Bun): 64³ 0.55 / 0.49, 96³
 * 0.76 / 0.86, 112³ 0.97 / 1.11, 128³ 1.18 / 1.01, 160³ 1.39 / 1.20, the
 * MLP's [128,784]@[784,512] 1.84 / 1.64.
 */
export const SPLIT_FROM = 128 * 128 * 128;

/**
 * Chunks per thread: several, so a thread slowed by other work on the
 * machine hands chunks to the others. Measured flat from 2 to 8 (one chunk
 * per thread was 10–30 % slower on the MLP's products).
 */
const CHUNKS_PER_THREAD = 4;

/**
 * Rows per chunk for `threads` threads: a multiple of MR, about
 * {@link CHUNKS_PER_THREAD} chunks per thread, and never more chunks than
 * the control block counts.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { chunkRows } from "./gemm.ts";
 * assert.equal(chunkRows(1026, 6, 2), 132); // 7 chunks of 132 rows, one of 102
 * assert.equal(chunkRows(12, 6, 8), 6);
 * ```
 */
export function chunkRows(mPad: number, mr: number, threads: number): number {
  const panels = mPad / mr;
  const chunks = Math.min(panels, threads * CHUNKS_PER_THREAD, MAX_ROW_CHUNKS);
  return mr * Math.ceil(panels / chunks);
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
 * Products of at least {@link SPLIT_FROM} multiply-adds are split over
 * `options.threads` threads (see {@link WasmGemmOptions}); the result does
 * not depend on the split.
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
  // The kernel's row side (packed into MR-tall panels at L.ap) is op(A), or
  // op(B)ᵀ when computing Cᵀ = op(B)ᵀ·op(A)ᵀ; the other side goes into
  // NR-wide panels at L.bp.
  const A: Side = { src: a, stride: aBatchStride, size: m * k, rs: aRs, ps: aPs, rows: m };
  const B: Side = { src: b, stride: bBatchStride, size: k * n, rs: bRs, ps: bPs, rows: n };
  const [rowSide, colSide] = swap ? [B, A] : [A, B];
  const es = L.es, mn = m * n, c = L.c / es;
  const threads = Math.min(Math.max(1, Math.floor(options.threads ?? gemmThreads())), MAX_THREADS);
  const split = threads > 1 && m * n * k >= (options.splitFrom ?? SPLIT_FROM) && L.mPad >= 2 * tile.mr;
  const pool = split ? gemmPool(arena, threads) : undefined;
  const rows = chunkRows(L.mPad, tile.mr, threads);
  /** Stages product t's slice of a side at `at` (the arena does not grow here; views are re-taken anyway). */
  const stage = (s: Side, t: number, at: number) =>
    view(arena, dtype).set(s.src.subarray(t * s.stride, t * s.stride + s.size), at / es);
  // op(B) is packed by the pool's chunks too when it is big enough to be
  // worth the row chunks' wait at the gate (below, the caller packs it in
  // under 10 µs); splitFrom: 0 splits every packing, for tests.
  const splitB = L.nPad * L.kPad >= (options.splitFrom === 0 ? 0 : 1 << 16);
  // Several B chunks per thread, so the workers pack most of B while the
  // caller stages A.
  const bCols = tile.nr * Math.ceil(L.nPad / tile.nr / (threads * CHUNKS_PER_THREAD));
  // Rows of C go straight to the output as their chunks finish, where C's
  // rows are the output's (not transposed, no padded columns).
  const collects = pool !== undefined && !swap && L.nPad === n;
  /** Product t into C (or Cᵀ) in the arena; true if its rows are already in `out` as well. */
  const product = (t: number): boolean => {
    const newB = t === 0 || colSide.stride !== 0, newA = t === 0 || rowSide.stride !== 0;
    if (newB) stage(colSide, t, L.stageB);
    const packB = () => kern.packB(L.stageB, colSide.rs, colSide.ps, colSide.rows, k, L.kPad, L.bp);
    if (pool !== undefined) {
      if (newB && !splitB) packB();
      // The caller stages A while the workers pack B, then faults in the
      // output's pages while they multiply.
      const ok = pool.run(tile, kern, threads, {
        ap: L.ap,
        bp: L.bp,
        c: L.c,
        mPad: L.mPad,
        nPad: L.nPad,
        kPad: L.kPad,
        kc0: L.kc0,
        mc0: L.mc0,
        es,
        rows,
        k,
        pack: newA ? { src: L.stageA, rs: rowSide.rs, ps: rowSide.ps, m: rowSide.rows } : undefined,
        packB: newB && splitB
          ? {
            src: L.stageB,
            rs: colSide.rs,
            ps: colSide.ps,
            n: colSide.rows,
            chunks: Math.ceil(L.nPad / bCols),
            cols: bCols,
          }
          : undefined,
      }, {
        staging: newA ? () => stage(rowSide, t, L.stageA) : undefined,
        meanwhile: t === 0 ? touchOut : undefined,
        collect: collects ? (r0, r1) => collect(t, r0, Math.min(r1, m)) : undefined,
      });
      // A failed chunk: nothing is lost but time; everything is still staged.
      if (!ok) {
        if (newB) packB();
        if (newA) kern.packA(L.stageA, rowSide.rs, rowSide.ps, rowSide.rows, k, L.kPad, L.ap);
        kern.gemm(L.ap, L.bp, L.c, L.mPad, L.nPad, L.kPad, L.kc0, L.mc0);
      }
      if (ok && collects) return true;
    } else {
      if (newB) packB();
      if (newA) {
        stage(rowSide, t, L.stageA);
        kern.packA(L.stageA, rowSide.rs, rowSide.ps, rowSide.rows, k, L.kPad, L.ap);
      }
      kern.gemm(L.ap, L.bp, L.c, L.mPad, L.nPad, L.kPad, L.kc0, L.mc0);
    }
    if (!swap && L.nPad !== n) kern.compact(L.c, m, n, L.nPad);
    return false;
  };
  // One product: slice() allocates and copies in one step (Bun, warm: 0.17
  // against 0.44 ms for 1.6 MB, 0.87 against 1.45 for 4 MiB, than a new array
  // and set(); on Deno the same or better).
  if (products === 1 && repeats === 1 && !swap && options.allocate === undefined && pool === undefined) {
    product(0);
    return view(arena, dtype).subarray(c, c + mn).slice();
  }
  const out = options.allocate?.(dtype, size) ??
    (dtype === "float32" ? new Float32Array(size) : new Float64Array(size));
  /**
   * Faults in the output's pages (one write per 4 KiB) while the workers
   * start on the first product: a fresh page costs about 11 µs on first
   * write here (4 MiB: some 11 ms), and done by the caller during the job
   * the workers take more chunks meanwhile, so the threads share the cost;
   * done while copying out, it would come after the job, alone.
   */
  function touchOut() {
    for (let i = 0, step = 4096 / out.BYTES_PER_ELEMENT; i < size; i += step) out[i] = 0;
  }
  /** Rows [r0, r1) of product t's C, from the arena into `out` (C's rows are out's here: see `collects`). */
  function collect(t: number, r0: number, r1: number) {
    if (r1 > r0) out.set(view(arena, dtype).subarray(c + r0 * n, c + r1 * n), t * mn + r0 * n);
  }
  for (let t = 0; t < products; t++) {
    if (product(t)) continue;
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

/** One operand as the kernel sees it: op(A), or op(B)ᵀ, with its (row, k) strides in elements. */
interface Side {
  readonly src: Float32Array | Float64Array;
  /** Elements between batch items (0: shared). */
  readonly stride: number;
  /** Elements of one batch item. */
  readonly size: number;
  readonly rs: number;
  readonly ps: number;
  /** Rows: m for op(A), n for op(B)ᵀ. */
  readonly rows: number;
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
  /** The raw row-side operand (op(A), m × k), staged for packing. */
  readonly stageA: number;
  /** The raw column-side operand (op(B), k × n), staged for packing: apart from stageA, so both can be packed at once. */
  readonly stageB: number;
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
  const stageA = HEADER;
  const stageB = stageA + region(m * k * es);
  const bp = stageB + region(k * n * es);
  const ap = bp + region(nPad * kPad * es);
  const c = ap + region(mPad * kPad * es);
  const end = c + region(mPad * nPad * es);
  return { es, mPad, nPad, kPad, kc0, mc0, stageA, stageB, bp, ap, c, end };
}
