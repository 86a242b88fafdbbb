/**
 * How the wasm elementwise kernels move data through the scratch arena.
 *
 * Copying a whole large operand in and a whole result out costs three trips
 * through main memory where the TS loop makes one: measured on 1e6-element
 * float32 adds and on Adam over 669,706 elements, the copies alone took as
 * long as the TS kernel. So operands that run along the output are streamed
 * in chunks of {@link CHUNK_BYTES} per array: each chunk is copied in, run
 * and copied out while it is still in cache, and the arena's buffers are
 * reused chunk after chunk.
 *
 * A row kernel (see {@link emitRowKernel}) walks rows of a strided layout:
 * per row, one start address per operand, each operand read as a vector
 * (step 1) or as one value for the whole row (step 0). Rows are written back
 * to back, whole vectors at a time; the few lanes past a row's end land at
 * the start of the next row, which rewrites them, or in the padding after
 * the last one. Reads likewise stay inside a region and its padding
 * (`region`), so there are no scalar tails.
 *
 * @module
 */
import { Body, I32, ModuleWriter, V128 } from "./wasm_writer.ts";
import { importScratch, instantiate, region, scratchArena, scratchViews } from "./scratch.ts";
import { OP } from "./simd_ops.ts";
import type { TypedArray } from "../../core/dtype.ts";

/**
 * Bytes of each streamed array per chunk. With Adam's seven arrays a chunk
 * is 224 KiB, inside a 512 KiB L2. 16, 32 and 64 KiB measured within the
 * noise of one another (adds of 65,536–524,288 elements, Adam on 131,072
 * and 262,144, sums of 262,144; bench/README.md).
 */
export const CHUNK_BYTES = 32 * 1024;

/** An operand of a row kernel: bytes per element (1: a bool condition, read as a lane mask) and how it is read along a row. */
export interface RowOperand {
  /** 1 (bool), 4 (float32) or 8 (float64). */
  readonly es: 1 | 4 | 8;
  /** One value for the whole row (step 0) rather than a vector per step (step 1). */
  readonly splat: boolean;
}

/** `kernel(starts, out, rows, inner)`: byte addresses; `starts` holds one i32 address per operand per row. */
export type RowKernel = (starts: number, out: number, rows: number, inner: number) => void;

/**
 * Pushes the row's value of operand `op` into local `v`: a vector of lanes, or a splat; a bool operand
 * becomes a lane mask (all ones where the byte is non-zero) as wide as the output's lanes.
 */
function loadOperand(f: Body, op: RowOperand, p: number, v: number, outEs: number) {
  if (op.es !== 1) {
    f.get(p);
    if (op.splat) op.es === 4 ? f.v128Load32Splat() : f.v128Load64Splat();
    else f.v128Load();
    f.set(v);
    return;
  }
  if (op.splat) {
    // 0 − (byte ≠ 0): all bits set or none, whatever the lane width.
    f.i32(0).get(p).op(0x2d, 0, 0).i32(0).i32Ne().i32Sub().simd(0x11 /* i32x4.splat */).set(v);
    return;
  }
  f.get(p);
  if (outEs === 4) {
    f.simd(0x5c).op(2, 0); // v128.load32_zero: 4 bytes
    f.simd(0x89).simd(0xa9); // u8 → u16 → u32 lanes
    f.v128Zero().simd(0x38); // i32x4.ne
  } else {
    f.simd(0x08).op(1, 0); // v128.load16_splat: 2 bytes
    f.simd(0x89).simd(0xa9).simd(0xc9); // u8 → u16 → u32 → u64 lanes
    f.v128Zero().simd(0xd7); // i64x2.ne
  }
  f.set(v);
}

/**
 * Emits a row kernel over `operands` writing `outEs`-byte elements;
 * `compute(f, values)` pushes one output vector from the operands' vector
 * locals (bool operands as lane masks).
 *
 * @example A kernel body for `a + b`, float64, `b` a splat
 * ```ts
 * import assert from "node:assert/strict";
 * import { emitRowKernel } from "./stream.ts";
 * const body = emitRowKernel([{ es: 8, splat: false }, { es: 8, splat: true }], 8, (f, [a, b]) => {
 *   f.get(a).get(b).simd(0xf0); // f64x2.add
 * });
 * assert.ok(body.code.length > 0);
 * ```
 */
export function emitRowKernel(
  operands: readonly RowOperand[],
  outEs: 4 | 8,
  compute: (f: Body, values: readonly number[]) => void,
): Body {
  const STARTS = 0, OUT = 1, ROWS = 2, INNER = 3;
  const f = new Body(4);
  const r = f.local(I32), o = f.local(I32), e = f.local(I32);
  const p = operands.map(() => f.local(I32));
  const v = operands.map(() => f.local(V128));
  const lanes = 16 / outEs;
  f.i32(0).set(r);
  f.block().loop();
  f.get(r).get(ROWS).i32LtU().i32Eqz().brIf(1);
  operands.forEach((op, k) => {
    f.get(STARTS).i32Load(4 * k).set(p[k]);
    if (op.splat) loadOperand(f, op, p[k], v[k], outEs);
  });
  f.get(OUT).get(INNER).i32(outEs).i32Mul().i32Add().set(e);
  f.get(OUT).set(o);
  f.block().loop();
  f.get(o).get(e).i32LtU().i32Eqz().brIf(1);
  operands.forEach((op, k) => {
    if (!op.splat) loadOperand(f, op, p[k], v[k], outEs);
  });
  f.get(o);
  compute(f, v);
  f.v128Store();
  f.inc(o, 16);
  operands.forEach((op, k) => {
    if (!op.splat) f.inc(p[k], lanes * op.es);
  });
  f.br(0);
  f.end().end();
  f.get(e).set(OUT);
  f.inc(STARTS, 4 * operands.length).inc(r, 1).br(0);
  f.end().end();
  return f;
}

// By kernel name, then by variant (output width and which operands are splats), so
// that finding a compiled kernel builds no string.
const kernels = new Map<string, RowKernel[]>();

/**
 * The row kernel `name` for `operands` writing `outEs`-byte elements,
 * compiled over the scratch arena on first use; `compute` is as for
 * {@link emitRowKernel} and must depend only on `name` and `outEs`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { rowKernel } from "./stream.ts";
 * const ops = [{ es: 4, splat: false }] as const;
 * const k = rowKernel("example:copy", ops, 4, (f, [x]) => void f.get(x));
 * assert.equal(rowKernel("example:copy", ops, 4, (f, [x]) => void f.get(x)), k);
 * ```
 */
export function rowKernel(
  name: string,
  operands: readonly RowOperand[],
  outEs: 4 | 8,
  compute: (f: Body, values: readonly number[]) => void,
): RowKernel {
  let variant = outEs === 4 ? 0 : 1;
  for (let j = 0; j < operands.length; j++) variant = 2 * variant + (operands[j].splat ? 1 : 0);
  let byVariant = kernels.get(name);
  if (byVariant === undefined) kernels.set(name, byVariant = []);
  const hit = byVariant[variant];
  if (hit !== undefined) return hit;
  const a = scratchArena();
  const k = instantiate(a, `rows:${name}:${outEs}:${operands.map((o) => (o.splat ? "s" : "v")).join("")}`, () => {
    const w = importScratch(new ModuleWriter(), a);
    w.func("run", [I32, I32, I32, I32], [], emitRowKernel(operands, outEs, compute));
    return w.bytes();
  }).run as RowKernel;
  byVariant[variant] = k;
  return k;
}

/** Copies `x[lo, hi)` into `view` at `at` (without a subarray when it is all of `x`). */
function copyIn(view: TypedArray, x: TypedArray, lo: number, hi: number, at: number) {
  view.set(lo === 0 && hi === x.length ? x : x.subarray(lo, hi), at);
}

/** The element view of the arena for `es`-byte elements. */
const viewFor = (es: number): TypedArray => {
  const a = scratchArena();
  return es === 4 ? a.f32() : es === 8 ? a.f64() : scratchViews().u8;
};

/**
 * Runs `kernel` over a layout of `rows` rows of `inner` elements into `out`
 * (of `rows·inner` elements of `outEs` bytes). `data[k]` is operand k's
 * array and `starts[k]` the element where each row of it starts (length
 * `rows`), or undefined when operand k runs along the output (row r starts
 * at r·inner, so it can be streamed with the output).
 *
 * One row (a contiguous or scalar layout): the row is cut into chunks and
 * the streamed operands move with it. Several rows: operands with starts
 * are copied in whole, once; the streamed ones and the output go in chunks
 * of whole rows.
 *
 * @example Doubling the rows of a 3×8 float32 matrix
 * ```ts
 * import assert from "node:assert/strict";
 * import { rowKernel, runRows } from "./stream.ts";
 * const ops = [{ es: 4, splat: false }] as const;
 * const k = rowKernel("example:double", ops, 4, (f, [x]) => void f.get(x).get(x).simd(0xe4)); // f32x4.add
 * const x = Float32Array.from({ length: 24 }, (_, i) => i), out = new Float32Array(24);
 * runRows("double", k, ops, [x], [undefined], 3, 8, out, 4);
 * assert.deepEqual([...out], [...x].map((v) => 2 * v));
 * ```
 */
export function runRows(
  op: string,
  kernel: RowKernel,
  operands: readonly RowOperand[],
  data: readonly TypedArray[],
  starts: readonly (Int32Array | undefined)[],
  rows: number,
  inner: number,
  out: TypedArray,
  outEs: 4 | 8,
): void {
  const a = scratchArena();
  const n = rows * inner;
  const perChunk = Math.max(1, Math.floor(CHUNK_BYTES / outEs / inner)); // rows per chunk
  const chunkRows = rows === 1 ? 1 : Math.min(rows, perChunk);
  const chunkElems = rows === 1 ? Math.min(n, CHUNK_BYTES / outEs) : chunkRows * inner;
  // Layout: the starts table, then each operand (whole, or one chunk), then the output chunk.
  const k = operands.length;
  let at = 64;
  const table = at;
  at += region(4 * k * (rows === 1 ? 1 : chunkRows));
  const place = data.map((x, j) => {
    const here = at;
    at += region(starts[j] === undefined ? chunkElems * operands[j].es : x.length * operands[j].es);
    return here;
  });
  const outAt = at;
  at += region(chunkElems * outEs);
  a.ensure(op, at);
  data.forEach((x, j) => {
    if (starts[j] !== undefined) viewFor(operands[j].es).set(x, place[j] / operands[j].es);
  });
  const step = rows === 1 ? chunkElems : chunkRows;
  for (let lo = 0; lo < (rows === 1 ? n : rows); lo += step) {
    const hi = Math.min(lo + step, rows === 1 ? n : rows);
    const e0 = rows === 1 ? lo : lo * inner, e1 = rows === 1 ? hi : hi * inner;
    data.forEach((x, j) => {
      if (starts[j] === undefined) copyIn(viewFor(operands[j].es), x, e0, e1, place[j] / operands[j].es);
    });
    const t = scratchViews().i32, t0 = table / 4;
    // One row: its chunks all start at the streamed buffers and at the resident operands' row start.
    const r0 = rows === 1 ? 0 : lo, r1 = rows === 1 ? 1 : hi;
    for (let r = r0; r < r1; r++) {
      const row = r - r0;
      for (let j = 0; j < k; j++) {
        const s = starts[j];
        // (A resident operand that steps along the one row moves on by the chunk's offset.)
        const at = s === undefined ? row * inner : s[r] + (rows === 1 && !operands[j].splat ? lo : 0);
        t[t0 + row * k + j] = place[j] + at * operands[j].es;
      }
    }
    kernel(table, outAt, rows === 1 ? 1 : hi - lo, rows === 1 ? hi - lo : inner);
    out.set(viewFor(outEs).subarray(outAt / outEs, outAt / outEs + (e1 - e0)), e0);
  }
}

/**
 * Streams contiguous arrays of `n` elements through the arena in chunks:
 * per chunk, each input's slice is copied into its buffer, `run(inAt,
 * outAt, len)` is called with the buffers' byte addresses, and each output
 * buffer is copied into its array. `reserve` bytes at the start of the
 * arena (from byte 64) are left to the caller (constants); their address is
 * returned before the first chunk runs, through `prepare`.
 *
 * @example Copying an array through the arena
 * ```ts
 * import assert from "node:assert/strict";
 * import { scratchArena } from "./scratch.ts";
 * import { streamChunks } from "./stream.ts";
 * const x = Float64Array.from({ length: 10000 }, (_, i) => i), y = new Float64Array(10000);
 * streamChunks("copy", x.length, 8, [x], [y], 0, () => {}, ([from], [to], len) => {
 *   const v = scratchArena().f64();
 *   v.copyWithin(to / 8, from / 8, from / 8 + len);
 * });
 * assert.deepEqual(y, x);
 * ```
 */
export function streamChunks(
  op: string,
  n: number,
  es: 4 | 8,
  inputs: readonly TypedArray[],
  outputs: readonly TypedArray[],
  reserve: number,
  prepare: (at: number) => void,
  run: (inAt: readonly number[], outAt: readonly number[], len: number) => void,
): void {
  const a = scratchArena();
  const chunk = Math.min(n, CHUNK_BYTES / es);
  let at = 64;
  const reserved = at;
  at += region(reserve);
  const buffer = () => {
    const here = at;
    at += region(chunk * es);
    return here;
  };
  const inAt = inputs.map(buffer), outAt = outputs.map(buffer);
  a.ensure(op, at);
  prepare(reserved);
  for (let lo = 0; lo < n; lo += chunk) {
    const hi = Math.min(n, lo + chunk);
    const view = viewFor(es);
    inputs.forEach((x, j) => copyIn(view, x, lo, hi, inAt[j] / es));
    run(inAt, outAt, hi - lo);
    outputs.forEach((y, j) => y.set(view.subarray(outAt[j] / es, outAt[j] / es + hi - lo), lo));
  }
}

/** Lane masks: `(a cmp b) | (a ≠ a)` for f32x4 (`es` 4) or f64x2, the TS kernels' `x cmp y || x !== x`. *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { cmpOrNaN } from "./stream.ts";
 * import { Body } from "./wasm_writer.ts";
 * assert.ok(cmpOrNaN(new Body(2), 4, "gt", 0, 1).code.length > 0);
 * ```
 */
export function cmpOrNaN(f: Body, es: 4 | 8, cmp: "gt" | "lt", a: number, b: number): Body {
  const op = es === 4 ? (cmp === "gt" ? OP.f32x4Gt : OP.f32x4Lt) : (cmp === "gt" ? OP.f64x2Gt : OP.f64x2Lt);
  return f.get(a).get(b).simd(op).get(a).get(a).simd(es === 4 ? OP.f32x4Ne : OP.f64x2Ne).simd(OP.v128Or);
}
