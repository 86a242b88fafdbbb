/**
 * Image patches in WebAssembly SIMD: im2col (`extractPatches`) and its
 * transpose col2im (`foldPatches`), float32 and float64, bit-identical to the
 * TS kernels in `../ts/patches.ts`.
 *
 * Both walk the same plan as the TS kernels: which taps of each window lie
 * in the image is worked out once per grid row and once per grid column (in
 * JS, into small i32 tables in the arena), so the wasm loop only moves runs
 * of contiguous elements, `run·C` per window row when columns are not
 * dilated, `C` per tap when they are.
 *
 * Images go through the arena a few at a time (about {@link PATCH_CHUNK_BYTES}
 * of patches per chunk): each chunk's images are copied in, turned into
 * patches (or patches folded into them), and copied out while still in
 * cache. A whole [128,14,14,32] im2col is 29 MB of float32; moving it in one
 * piece would be three trips through main memory where the TS loop makes one.
 *
 * - extractPatches is pure data movement: elements are moved as integer bits
 *   (v128, then i64/i32 tails), never through float arithmetic, and padding
 *   is `padValue` rounded to the dtype as the TS kernel's `fill` rounds it.
 * - foldPatches adds into a float64 accumulator per image in exactly the TS
 *   order (patch by patch, in output order), float32 elements promoted to
 *   float64 first, and rounds once at the end (`Float32Array.set` from the
 *   accumulator, as the TS kernel does). Vectors only span neighbouring image
 *   elements of one window row, which are distinct sums, so every element
 *   sees the same additions in the same order as in the TS loop.
 *
 * @module
 */
import type { PatchLayout } from "../backend.ts";
import { planAxis } from "../ts/patches.ts";
import type { DType, TypedArray } from "../../core/dtype.ts";
import { allocUninitialized } from "../ts/pool.ts";
import { load64Zero, OP } from "./simd_ops.ts";
import { importScratch, instantiate, region, scratchArena } from "./scratch.ts";
import { Body, F64, I32, ModuleWriter, V128, type ValType } from "./wasm_writer.ts";

/**
 * Bytes of patches per chunk (the output of `extractPatches`, the input of
 * `foldPatches`), images rounded: at least one image per chunk, however big.
 * Chosen to keep a chunk's patches and images inside a 512 KiB L2.
 */
export const PATCH_CHUNK_BYTES = 128 * 1024;

type Float = "float32" | "float64";

const floatOf = (dtype: DType, x: TypedArray): Float | undefined =>
  dtype === "float32" && x instanceof Float32Array
    ? "float32"
    : dtype === "float64" && x instanceof Float64Array
    ? "float64"
    : undefined;

/** Non-negative safe integers, every one of them. */
const counts = (xs: readonly number[]) => xs.every((v) => Number.isSafeInteger(v) && v >= 0);

/** The layout's numbers, or undefined when it is not one these kernels run (the TS kernel then decides). */
function geometry(layout: PatchLayout) {
  const { image, grid, kernel, strides, dilation, padding } = layout;
  if (image.length !== 4 || grid.length !== 2 || kernel.length !== 2) return undefined;
  const [n, h, w, c] = image, [oh, ow] = grid, [kh, kw] = kernel;
  const [sh, sw] = strides, [dh, dw] = dilation, [[top], [left]] = padding;
  if (!counts([n, h, w, c, oh, ow, kh, kw, top, left]) || !counts([sh, sw, dh, dw]) || sh < 1 || sw < 1) {
    return undefined;
  }
  if (dh < 1 || dw < 1) return undefined;
  const patch = kh * kw * c, imageSize = h * w * c, patches = oh * ow * patch;
  if (n * patches === 0 || imageSize === 0) return undefined;
  return { n, h, w, c, oh, ow, kh, kw, sh, sw, dh, dw, top, left, patch, imageSize, patches };
}
type Geometry = NonNullable<ReturnType<typeof geometry>>;

/**
 * The window tables, as i32s: per grid row `[patchOffset, count, imageOffset, 0]`
 * and per grid column `[patchOffset, count, imageOffset, runElements]`, offsets
 * in bytes (patch side `pes` bytes an element, image side `ies`).
 */
function tables(g: Geometry, pes: number, ies: number) {
  const rows = planAxis(g.oh, g.h, g.kh, g.sh, g.dh, g.top);
  const cols = planAxis(g.ow, g.w, g.kw, g.sw, g.dw, g.left);
  const tapRow = g.kw * g.c;
  const t = new Int32Array(4 * (g.oh + g.ow));
  for (let i = 0; i < g.oh; i++) {
    t[4 * i] = rows.lo[i] * tapRow * pes;
    t[4 * i + 1] = rows.hi[i] - rows.lo[i];
    t[4 * i + 2] = rows.at[i] * g.w * g.c * ies;
  }
  for (let j = 0, k = 4 * g.oh; j < g.ow; j++, k += 4) {
    t[k] = cols.lo[j] * g.c * pes;
    t[k + 1] = cols.hi[j] - cols.lo[j];
    t[k + 2] = cols.at[j] * g.c * ies;
    t[k + 3] = (cols.hi[j] - cols.lo[j]) * g.c;
  }
  return { t, padded: rows.padded || cols.padded };
}

/** `*(dst) = *(src)` for `n` bytes, a multiple of `es`: 16 bytes at a time, then `es`. Locals d, s, n are consumed. */
function emitCopy(f: Body, es: 4 | 8, d: number, s: number, n: number) {
  f.block().loop();
  f.get(n).i32(32).i32LtU().brIf(1);
  f.get(d).get(s).v128Load().v128Store();
  f.get(d).get(s).v128Load(16).v128Store(16);
  f.inc(d, 32).inc(s, 32).get(n).i32(32).i32Sub().set(n).br(0);
  f.end().end();
  f.get(n).i32(16).i32LtU().i32Eqz().if();
  f.get(d).get(s).v128Load().v128Store();
  f.inc(d, 16).inc(s, 16).get(n).i32(16).i32Sub().set(n);
  f.end();
  if (es === 4) {
    f.get(n).i32(8).i32LtU().i32Eqz().if();
    f.get(d).get(s).i64Load().i64Store();
    f.inc(d, 8).inc(s, 8).get(n).i32(8).i32Sub().set(n);
    f.end();
    f.get(n).if().get(d).get(s).i32Load().i32Store().end();
  } else {
    f.get(n).if().get(d).get(s).i64Load().i64Store().end();
  }
}

/** `acc[k] += promote(p[k])` for `n` elements: float64 accumulators at `a`, `es`-byte patch elements at `p`. */
function emitAdd(f: Body, es: 4 | 8, a: number, p: number, n: number) {
  f.block().loop();
  f.get(n).i32(2).i32LtU().brIf(1);
  f.get(a).get(a).v128Load().get(p);
  if (es === 4) load64Zero(f).simd(OP.f64x2PromoteLowF32x4);
  else f.v128Load();
  f.simd(OP.f64x2Add).v128Store();
  f.inc(a, 16).inc(p, 2 * es).get(n).i32(2).i32Sub().set(n).br(0);
  f.end().end();
  f.get(n).if().get(a).get(a).f64Load().get(p);
  if (es === 4) f.f32Load().op(0xbb /* f64.promote_f32 */);
  else f.f64Load();
  f.op(0xa0 /* f64.add */).f64Store().end();
}

/**
 * The shared walk over `images` images: for each window with valid taps,
 * each valid window row, `move(imageAddress, patchAddress)` over the row's
 * run (`dense`: one run of `run·C`; else `run` runs of `C`, `tapStep` apart
 * in the image). Parameters (all i32, byte addresses and offsets):
 * 0 images, 1 imageBase, 2 imageBytes, 3 patchBase, 4 table, 5 oh, 6 ow,
 * 7 patchBytes, 8 tapRowBytes, 9 imageRowStepBytes (dh rows), 10 tapStepBytes,
 * 11 cElements; `move(f, im, pa, elements)` consumes the three locals.
 */
function emitWalk(
  f: Body,
  dense: boolean,
  pes: number,
  move: (im: number, pa: number, n: number) => void,
) {
  // The parameters, in order.
  const images = 0, imBase = 1, imBytes = 2, paBase = 3, table = 4, oh = 5, ow = 6;
  const patchBytes = 7, tapRow = 8, rowStep = 9, tapStep = 10, cElems = 11;
  const b = f.local(I32), i = f.local(I32), j = f.local(I32), o = f.local(I32), img = f.local(I32);
  const rp = f.local(I32), cp = f.local(I32), rc = f.local(I32), cc = f.local(I32);
  const rowIm = f.local(I32), rowPa = f.local(I32), s = f.local(I32), d = f.local(I32), r = f.local(I32);
  const t = f.local(I32), ms = f.local(I32), md = f.local(I32), mn = f.local(I32), run = f.local(I32);
  f.get(paBase).set(o).get(imBase).set(img).get(images).set(b);
  f.loop(); // images
  f.get(table).set(rp).get(oh).set(i);
  f.loop(); // grid rows
  f.get(rp).i32Load().set(rowPa);
  f.get(rp).i32Load(4).set(rc);
  f.get(img).get(rp).i32Load(8).i32Add().set(rowIm);
  f.get(table).get(oh).i32(16).i32Mul().i32Add().set(cp).get(ow).set(j);
  f.loop(); // grid columns
  f.get(cp).i32Load(4).tee(cc).get(rc).i32Mul().if();
  f.get(rowIm).get(cp).i32Load(8).i32Add().set(s);
  f.get(o).get(rowPa).i32Add().get(cp).i32Load().i32Add().set(d);
  f.get(cp).i32Load(12).set(run);
  f.get(rc).set(r);
  f.loop(); // window rows
  if (dense) {
    f.get(s).set(ms).get(d).set(md).get(run).set(mn);
    move(ms, md, mn);
  } else {
    f.get(cc).set(t).get(s).set(ms).get(d).set(md);
    f.loop(); // taps
    const ts = f.local(I32), td = f.local(I32);
    f.get(ms).set(ts).get(md).set(td).get(cElems).set(mn);
    move(ts, td, mn);
    f.get(ms).get(tapStep).i32Add().set(ms);
    f.get(md).get(cElems).i32(pes).i32Mul().i32Add().set(md);
    f.get(t).i32(1).i32Sub().tee(t).brIf(0);
    f.end();
  }
  f.get(s).get(rowStep).i32Add().set(s).get(d).get(tapRow).i32Add().set(d);
  f.get(r).i32(1).i32Sub().tee(r).brIf(0);
  f.end(); // window rows
  f.end(); // if
  f.get(o).get(patchBytes).i32Add().set(o).inc(cp, 16);
  f.get(j).i32(1).i32Sub().tee(j).brIf(0);
  f.end(); // grid columns
  f.inc(rp, 16);
  f.get(i).i32(1).i32Sub().tee(i).brIf(0);
  f.end(); // grid rows
  f.get(img).get(imBytes).i32Add().set(img);
  f.get(b).i32(1).i32Sub().tee(b).brIf(0);
  f.end(); // images
}

const PARAMS: readonly ValType[] = Array.from({ length: 12 }, (): ValType => I32);

/** Exports of the patch module for `float` and `dense`. */
interface PatchModule {
  /** Writes `bytes` (rounded up to 16) of `value` (as the dtype) from `at`. */
  fill(at: number, bytes: number, value: number): void;
  /** im2col over one chunk; see {@link emitWalk} for the parameters (images are the source). */
  extract(...args: number[]): void;
  /** col2im over one chunk into float64 accumulators (images are the destination). */
  fold(...args: number[]): void;
}

function patchModule(float: Float, dense: boolean): PatchModule {
  const es = float === "float32" ? 4 : 8;
  const key = `patches:${float}:${dense ? "dense" : "taps"}`;
  return instantiate(scratchArena(), key, () => {
    const w = importScratch(new ModuleWriter(), scratchArena());
    const fill = new Body(3);
    const v = fill.local(V128), end = fill.local(I32);
    fill.get(2);
    if (es === 4) fill.op(0xb6 /* f32.demote_f64 */).f32x4Splat();
    else fill.f64x2Splat();
    fill.set(v).get(0).get(1).i32Add().set(end);
    fill.block().loop().get(0).get(end).i32LtU().i32Eqz().brIf(1);
    fill.get(0).get(v).v128Store().inc(0, 16).br(0).end().end();
    w.func("fill", [I32, I32, F64], [], fill);

    const extract = new Body(12);
    emitWalk(extract, dense, es, (im, pa, n) => {
      // Elements to bytes, then image → patch.
      extract.get(n).i32(es).i32Mul().set(n);
      emitCopy(extract, es, pa, im, n);
    });
    w.func("extract", PARAMS, [], extract);

    const fold = new Body(12);
    emitWalk(fold, dense, es, (im, pa, n) => emitAdd(fold, es, im, pa, n));
    w.func("fold", PARAMS, [], fold);
    return w.bytes();
  }) as unknown as PatchModule;
}

/** Images per chunk: about {@link PATCH_CHUNK_BYTES} of patches, at least one image. */
const imagesPerChunk = (g: Geometry, es: number) =>
  Math.max(1, Math.min(g.n, Math.floor(PATCH_CHUNK_BYTES / (g.patches * es))));

/**
 * `extractPatches(x, layout, padValue, dtype)` in wasm, shaped like the host
 * kernel: a fresh `[N, OH, OW, KH, KW, C]` array, bit-identical to the TS
 * kernel's (NaN payloads aside); or undefined when this kernel does not run
 * the case (a dtype other than float32/float64 or an array of another type,
 * an empty result, an `x` whose length is not the layout's image, a layout
 * outside the numbers the TS kernel plans).
 *
 * @example 2×2 windows with stride 2 over a 1×2×4×1 image, one column of padding each side
 * ```ts
 * import assert from "node:assert/strict";
 * import { wasmExtractPatches } from "./patches_emit.ts";
 * const x = Float32Array.of(1, 2, 3, 4, 5, 6, 7, 8);
 * const p = wasmExtractPatches(x, {
 *   image: [1, 2, 4, 1], grid: [1, 3], kernel: [2, 2], strides: [2, 2], dilation: [1, 1],
 *   padding: [[0, 0], [1, 1]],
 * }, -Infinity, "float32")!;
 * assert.deepEqual([...p], [-Infinity, 1, -Infinity, 5, 2, 3, 6, 7, 4, -Infinity, 8, -Infinity]);
 * ```
 */
export function wasmExtractPatches(
  x: TypedArray,
  layout: PatchLayout,
  padValue: number,
  dtype: DType,
): TypedArray | undefined {
  const float = floatOf(dtype, x), g = geometry(layout);
  if (float === undefined || g === undefined || x.length !== g.n * g.imageSize) return undefined;
  const es = float === "float32" ? 4 : 8;
  const { t, padded } = tables(g, es, es);
  const k = imagesPerChunk(g, es);
  const a = scratchArena();
  let at = 64;
  const tableAt = at;
  at += region(4 * t.length);
  const inAt = at;
  at += region(k * g.imageSize * es);
  const outAt = at;
  at += region(k * g.patches * es);
  a.ensure("extractPatches", at);
  const m = patchModule(float, g.dw === 1);
  new Int32Array(a.memory.buffer, tableAt, t.length).set(t);
  const out = allocUninitialized(float, g.n * g.patches);
  const view = es === 4 ? a.f32() : a.f64();
  const tapRowBytes = g.kw * g.c * es, rowStep = g.dh * g.w * g.c * es, tapStep = g.dw * g.c * es;
  for (let b0 = 0; b0 < g.n; b0 += k) {
    const images = Math.min(k, g.n - b0);
    view.set(x.subarray(b0 * g.imageSize, (b0 + images) * g.imageSize), inAt / es);
    if (padded) m.fill(outAt, images * g.patches * es, padValue);
    m.extract(
      images,
      inAt,
      g.imageSize * es,
      outAt,
      tableAt,
      g.oh,
      g.ow,
      g.patch * es,
      tapRowBytes,
      rowStep,
      tapStep,
      g.c,
    );
    out.set(view.subarray(outAt / es, outAt / es + images * g.patches), b0 * g.patches);
  }
  return out;
}

/**
 * `foldPatches(patches, layout, dtype)` in wasm, shaped like the host
 * kernel: a fresh `[N, H, W, C]` array where each patch element is added at
 * the pixel it was read from, bit-identical to the TS kernel (same order of
 * additions, float32 summed in doubles and rounded once); or undefined for
 * the cases {@link wasmExtractPatches} declines (with `patches` the
 * `[N, OH, OW, KH, KW, C]` array).
 *
 * @example Overlapping 2-wide windows of a 1×1×3×1 image: the middle pixel is in both
 * ```ts
 * import assert from "node:assert/strict";
 * import { wasmFoldPatches } from "./patches_emit.ts";
 * const x = wasmFoldPatches(Float64Array.of(1, 2, 10, 20), {
 *   image: [1, 1, 3, 1], grid: [1, 2], kernel: [1, 2], strides: [1, 1], dilation: [1, 1],
 *   padding: [[0, 0], [0, 0]],
 * }, "float64")!;
 * assert.deepEqual([...x], [1, 12, 20]);
 * ```
 */
export function wasmFoldPatches(patches: TypedArray, layout: PatchLayout, dtype: DType): TypedArray | undefined {
  const float = floatOf(dtype, patches), g = geometry(layout);
  if (float === undefined || g === undefined || patches.length !== g.n * g.patches) return undefined;
  const es = float === "float32" ? 4 : 8;
  const { t } = tables(g, es, 8);
  const k = imagesPerChunk(g, es);
  const a = scratchArena();
  let at = 64;
  const tableAt = at;
  at += region(4 * t.length);
  const inAt = at;
  at += region(k * g.patches * es);
  const accAt = at;
  at += region(k * g.imageSize * 8);
  a.ensure("foldPatches", at);
  const m = patchModule(float, g.dw === 1);
  new Int32Array(a.memory.buffer, tableAt, t.length).set(t);
  const out = allocUninitialized(float, g.n * g.imageSize);
  const view = es === 4 ? a.f32() : a.f64();
  const tapRowBytes = g.kw * g.c * es, rowStep = g.dh * g.w * g.c * 8, tapStep = g.dw * g.c * 8;
  for (let b0 = 0; b0 < g.n; b0 += k) {
    const images = Math.min(k, g.n - b0);
    view.set(patches.subarray(b0 * g.patches, (b0 + images) * g.patches), inAt / es);
    const acc = a.f64().subarray(accAt / 8, accAt / 8 + images * g.imageSize);
    // +0 to start, as the TS kernel's zeroed accumulator: 0 + (−0) is +0 there too.
    acc.fill(0);
    m.fold(images, accAt, g.imageSize * 8, inAt, tableAt, g.oh, g.ow, g.patch * es, tapRowBytes, rowStep, tapStep, g.c);
    out.set(acc, b0 * g.imageSize);
  }
  return out;
}
