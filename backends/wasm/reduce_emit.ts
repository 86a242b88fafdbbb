/**
 * Float sums in WebAssembly SIMD, for the two layouts training runs most:
 * - rows (the innermost merged block reduced: `sum(x, -1)`, a full sum):
 *   each row is folded by four f64x2 accumulators, eight elements a step,
 *   so the adds overlap instead of waiting on one another as the TS loop's
 *   single running sum does. The order of the additions changes, so a
 *   result may differ from the TS kernel's by the reordering bound
 *   n·u·Σ|x| (u = 2⁻⁵³, the accumulators are doubles) before the final
 *   rounding to the dtype.
 * - columns (the innermost block kept: `sum(x, 0)`, bias gradients): rows
 *   are added, in order, into a vector of double accumulators, four rows
 *   per pass over it. Each column is summed in exactly the TS kernel's
 *   order, so these results are bit-identical to it.
 * float32 inputs are promoted and summed in doubles (as the TS kernel
 * does) and rounded once, when copied out. The input streams through the
 * arena in chunks of `CHUNK_BYTES` (whole rows, or pieces of a long row
 * that add into its sum), so a large input is not copied whole first.
 *
 * Other reductions, dtypes and layouts return undefined: the TS kernel runs.
 *
 * @module
 */
import type { ReduceOp } from "../backend.ts";
import type { DType, TypedArray } from "../../core/dtype.ts";
import { ShapeError } from "../../core/errors.ts";
import { type Shape, sizeOf } from "../../core/shape.ts";
import { allocUninitialized } from "../ts/pool.ts";
import { importScratch, instantiate, region, scratchArena } from "./scratch.ts";
import { load64Zero, OP } from "./simd_ops.ts";
import { CHUNK_BYTES } from "./stream.ts";
import { Body, I32, ModuleWriter, V128 } from "./wasm_writer.ts";

type Float = "float32" | "float64";

/** The exports of a sum module; addresses in bytes, counts in elements. */
interface SumKernels {
  /** `out[r] += Σ_j x[r·len + j]` as doubles, for `rows` back-to-back rows. */
  rows(x: number, out: number, rows: number, len: number): void;
  /** `acc[o·len + c] += x[(o·rows + r)·len + c]` over r in order, for each of `outer` blocks. */
  cols(x: number, acc: number, outer: number, rows: number, len: number): void;
}

const F64_ADD = 0xa0, F64_PROMOTE_F32 = 0xbb;

/** Pushes elements `at`, `at + 1` of the row at local `p` (byte offset `off`) as an f64x2. */
function pair(f: Body, p: number, off: number, es: number) {
  f.get(p);
  if (es === 4) load64Zero(f, off).simd(OP.f64x2PromoteLowF32x4);
  else f.v128Load(off);
}

/** Pushes the element at local `p` as an f64. */
function scalar(f: Body, p: number, es: number) {
  f.get(p);
  if (es === 4) f.f32Load().op(F64_PROMOTE_F32);
  else f.f64Load();
}

function rowsBody(es: number): Body {
  const X = 0, OUT = 1, ROWS = 2, LEN = 3;
  const f = new Body(4);
  const r = f.local(I32), vecEnd = f.local(I32), rowEnd = f.local(I32);
  const acc = [f.local(V128), f.local(V128), f.local(V128), f.local(V128)];
  const s = f.local(0x7c); // f64
  f.i32(0).set(r);
  f.block().loop();
  f.get(r).get(ROWS).i32LtU().i32Eqz().brIf(1);
  for (const a of acc) f.v128Zero().set(a);
  f.get(X).get(LEN).i32(es).i32Mul().i32Add().set(rowEnd);
  f.get(X).get(LEN).i32(~7).i32And().i32(es).i32Mul().i32Add().set(vecEnd);
  // Eight elements a step, two per accumulator.
  f.block().loop();
  f.get(X).get(vecEnd).i32LtU().i32Eqz().brIf(1);
  acc.forEach((a, k) => {
    f.get(a);
    pair(f, X, 2 * k * es, es);
    f.simd(OP.f64x2Add).set(a);
  });
  f.inc(X, 8 * es).br(0);
  f.end().end();
  f.get(acc[0]).get(acc[1]).simd(OP.f64x2Add).get(acc[2]).get(acc[3]).simd(OP.f64x2Add).simd(OP.f64x2Add).set(acc[0]);
  f.get(acc[0]).f64x2ExtractLane(0).get(acc[0]).f64x2ExtractLane(1).op(F64_ADD).set(s);
  // The last len mod 8 elements, one by one.
  f.block().loop();
  f.get(X).get(rowEnd).i32LtU().i32Eqz().brIf(1);
  f.get(s);
  scalar(f, X, es);
  f.op(F64_ADD).set(s).inc(X, es).br(0);
  f.end().end();
  // out[r] += s: a long row comes in several pieces.
  f.get(OUT).get(OUT).f64Load().get(s).op(F64_ADD).f64Store().inc(OUT, 8).inc(r, 1).br(0);
  f.end().end();
  return f;
}

/** The pass of `k` rows (starting at local X) over the accumulators at ACC: acc += row 0, += row 1, … in order. */
function colsPass(
  f: Body,
  k: number,
  es: number,
  X: number,
  ACC: number,
  LEN: number,
  q: number,
  qEnd: number,
  p: number[],
  v: number,
) {
  const rowBytes = f.local(I32);
  f.get(LEN).i32(es).i32Mul().set(rowBytes);
  f.get(X).set(p[0]);
  for (let j = 1; j < k; j++) f.get(p[j - 1]).get(rowBytes).i32Add().set(p[j]);
  f.get(ACC).set(q);
  f.get(ACC).get(LEN).i32(~1).i32And().i32(8).i32Mul().i32Add().set(qEnd);
  f.block().loop();
  f.get(q).get(qEnd).i32LtU().i32Eqz().brIf(1);
  f.get(q).v128Load().set(v);
  for (let j = 0; j < k; j++) {
    f.get(v);
    pair(f, p[j], 0, es);
    f.simd(OP.f64x2Add).set(v);
  }
  f.get(q).get(v).v128Store();
  f.inc(q, 16);
  for (let j = 0; j < k; j++) f.inc(p[j], 2 * es);
  f.br(0);
  f.end().end();
  // An odd last column: one double.
  f.get(LEN).i32(1).i32And().if();
  f.get(q).get(q).f64Load();
  for (let j = 0; j < k; j++) {
    scalar(f, p[j], es);
    f.op(F64_ADD);
  }
  f.f64Store();
  f.end();
  f.get(X).get(rowBytes).i32(k).i32Mul().i32Add().set(X);
}

function colsBody(es: number): Body {
  const X = 0, ACC = 1, OUTER = 2, ROWS = 3, LEN = 4;
  const f = new Body(5);
  const o = f.local(I32), r = f.local(I32), q = f.local(I32), qEnd = f.local(I32);
  const p = [f.local(I32), f.local(I32), f.local(I32), f.local(I32)];
  const v = f.local(V128);
  f.i32(0).set(o);
  f.block().loop();
  f.get(o).get(OUTER).i32LtU().i32Eqz().brIf(1);
  f.i32(0).set(r);
  // Four rows per pass while four remain, then one.
  f.block().loop();
  f.get(r).i32(4).i32Add().get(ROWS).i32GtU().brIf(1);
  colsPass(f, 4, es, X, ACC, LEN, q, qEnd, p, v);
  f.inc(r, 4).br(0);
  f.end().end();
  f.block().loop();
  f.get(r).get(ROWS).i32LtU().i32Eqz().brIf(1);
  colsPass(f, 1, es, X, ACC, LEN, q, qEnd, p, v);
  f.inc(r, 1).br(0);
  f.end().end();
  f.get(ACC).get(LEN).i32(8).i32Mul().i32Add().set(ACC);
  f.inc(o, 1).br(0);
  f.end().end();
  return f;
}

function kernels(dtype: Float): SumKernels {
  const es = dtype === "float32" ? 4 : 8;
  const a = scratchArena();
  return instantiate(a, `sum:${dtype}`, () => {
    const w = importScratch(new ModuleWriter(), a);
    w.func("rows", [I32, I32, I32, I32], [], rowsBody(es));
    w.func("cols", [I32, I32, I32, I32, I32], [], colsBody(es));
    return w.bytes();
  }) as unknown as SumKernels;
}

/** The reduction seen as merged blocks `[outer?, reduced, kept?]`, or undefined for other layouts. */
function blocks(shape: Shape, axes: readonly number[]): { outer: number; red: number; kept: number } | undefined {
  const sizes: number[] = [], reduced: boolean[] = [];
  for (let d = 0, k = 0; d < shape.length; d++) {
    const red = k < axes.length && axes[k] === d;
    if (red) k++;
    if (shape[d] === 1) continue;
    if (sizes.length > 0 && reduced[sizes.length - 1] === red) sizes[sizes.length - 1] *= shape[d];
    else {
      sizes.push(shape[d]);
      reduced.push(red);
    }
  }
  const at = reduced.indexOf(true);
  if (at < 0 || at > 1 || reduced.lastIndexOf(true) !== at || sizes.length > at + 2) return undefined;
  return { outer: at === 1 ? sizes[0] : 1, red: sizes[at], kept: at + 1 < sizes.length ? sizes[at + 1] : 1 };
}

/** Row sums, whole rows a chunk, or a long row in pieces that add into its sum. */
function sumRows(k: SumKernels, load: Load, X: number, R: number, rows: number, len: number, chunk: number) {
  if (len >= chunk) {
    for (let r = 0; r < rows; r++) {
      for (let lo = 0; lo < len; lo += chunk) {
        const hi = Math.min(len, lo + chunk);
        load(r * len + lo, r * len + hi);
        k.rows(X, R + 8 * r, 1, hi - lo);
      }
    }
    return;
  }
  const per = Math.floor(chunk / len);
  for (let r0 = 0; r0 < rows; r0 += per) {
    const r1 = Math.min(rows, r0 + per);
    load(r0 * len, r1 * len);
    k.rows(X, R + 8 * r0, r1 - r0, len);
  }
}

/**
 * Column sums of `outer` blocks of `red` rows of `kept`: chunks of whole
 * rows, in order, each cut where it crosses into the next block (at most
 * three calls: the end of one block, whole blocks, the start of another).
 */
function sumCols(
  k: SumKernels,
  load: Load,
  X: number,
  R: number,
  b: { outer: number; red: number; kept: number },
  chunk: number,
  es: number,
) {
  const { red, kept } = b, total = b.outer * red;
  const per = Math.max(1, Math.floor(chunk / kept));
  for (let g0 = 0; g0 < total; g0 += per) {
    const g1 = Math.min(total, g0 + per);
    load(g0 * kept, g1 * kept);
    let g = g0, p = X;
    const call = (blocks: number, rows: number) => {
      k.cols(p, R + 8 * kept * Math.floor(g / red), blocks, rows, kept);
      g += blocks * rows;
      p += blocks * rows * kept * es;
    };
    if (g % red !== 0) call(1, Math.min(red - (g % red), g1 - g));
    if (g1 - g >= red) call(Math.floor((g1 - g) / red), red);
    if (g < g1) call(1, g1 - g);
  }
}

type Load = (lo: number, hi: number) => void;

/**
 * `reduce("sum", …)` of a float32 or float64 array in wasm SIMD, shaped like
 * the host kernel: a fresh array of `dtype`, or undefined when the case is
 * not one this kernel runs (another op or dtype, a layout other than
 * `[outer?, reduced, kept?]` after merging axes, an empty array, or no axis
 * of extent above 1 reduced). See the module doc for the order of the sums.
 * Throws a `ShapeError` naming `sum` if `x` does not hold `shape`.
 *
 * @example Row sums and column sums of a 2×3 matrix
 * ```ts
 * import assert from "node:assert/strict";
 * import { wasmReduce } from "./reduce_emit.ts";
 * const x = Float32Array.of(1, 2, 3, 4, 5, 6);
 * assert.deepEqual([...wasmReduce("sum", x, [2, 3], [1], "float32")!], [6, 15]);
 * assert.deepEqual([...wasmReduce("sum", x, [2, 3], [0], "float32")!], [5, 7, 9]);
 * assert.equal(wasmReduce("max", x, [2, 3], [0], "float32"), undefined);
 * ```
 */
export function wasmReduce(
  op: ReduceOp,
  x: TypedArray,
  shape: Shape,
  axes: readonly number[],
  dtype: DType,
): TypedArray | undefined {
  if (op !== "sum" || (dtype !== "float32" && dtype !== "float64")) return undefined;
  if (!(x instanceof (dtype === "float32" ? Float32Array : Float64Array))) return undefined;
  const n = sizeOf(shape);
  if (x.length !== n) throw new ShapeError("sum", `the input holds ${x.length} elements, its shape [${shape}] ${n}`);
  const b = n === 0 ? undefined : blocks(shape, axes);
  if (b === undefined) return undefined;
  const es = dtype === "float32" ? 4 : 8;
  const outSize = b.outer * b.kept;
  const a = scratchArena();
  const k = kernels(dtype);
  // The input streams through one chunk buffer (see `stream.ts`); the sums stay in the arena.
  const chunk = CHUNK_BYTES / es;
  const X = 64, R = X + region(Math.max(chunk, b.kept) * es);
  a.ensure("sum", R + region(outSize * 8));
  a.f64().fill(0, R / 8, R / 8 + outSize);
  const load = (lo: number, hi: number) =>
    (dtype === "float32" ? a.f32() : a.f64()).set(lo === 0 && hi === n ? x : x.subarray(lo, hi), X / es);
  if (b.kept === 1) sumRows(k, load, X, R, b.outer, b.red, chunk);
  else sumCols(k, load, X, R, b, chunk, es);
  const out = allocUninitialized(dtype, outSize);
  // float32: this copy is the one rounding of each double sum.
  out.set(a.f64().subarray(R / 8, R / 8 + outSize));
  return out;
}
