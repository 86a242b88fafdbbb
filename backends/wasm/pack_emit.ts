/**
 * Emits the data-movement functions of a gemm module: packing an operand
 * into panels and compacting the padded result. They run in wasm because the
 * operands are already in the arena (one `set` copies them in) and wasm
 * moves contiguous runs a vector at a time.
 *
 * Panel layout (the micro-kernel's): `rows` × `depth` elements, element
 * (r, p) at `src + (r·rs + p·ps)·bytes`, become panels of `width` rows,
 * each `[p][w]` for p < depthPad, zero-padded past `rows` and past `depth`,
 * so the kernel always runs whole tiles and an even number of k steps.
 *
 * @module
 */
import { Body, I32, type ModuleWriter, V128 } from "./wasm_writer.ts";

/** Appends a copy of `bytes` bytes (a multiple of 4) from the address in `s` to the one in `d`, vectors first. */
function copyRun(f: Body, s: number, d: number, bytes: number) {
  let off = 0;
  for (; off + 16 <= bytes; off += 16) f.get(d).get(s).v128Load(off).v128Store(off);
  for (; off + 8 <= bytes; off += 8) f.get(d).get(s).i64Load(off).i64Store(off);
  for (; off + 4 <= bytes; off += 4) f.get(d).get(s).i32Load(off).i32Store(off);
}

/** Appends a copy of one element (moved as its bits, so NaN payloads survive) from `s` to `d`. */
function copyElement(f: Body, s: number, d: number, es: number, off = 0, dOff = 0) {
  if (es === 4) f.get(d).get(s).i32Load(off).i32Store(dOff);
  else f.get(d).get(s).i64Load(off).i64Store(dOff);
}

/**
 * Adds `name(src, rs, ps, rows, depth, depthPad, dst)` packing into panels
 * of `width`, with `es`-byte elements. Strides are in elements, addresses in
 * bytes. Three ways, by how a whole panel lies in memory:
 * - its rows adjacent (`rs` = 1: op(B) of a plain B, op(A) of a transposed
 *   A): each k step is one contiguous run, copied a vector at a time;
 * - k adjacent (`ps` = 1: a plain A, a transposed B), with an even width:
 *   blocks of rows × one vector of k steps are loaded and transposed in
 *   registers (4×4 and 2×4 for float32, 2×2 for float64);
 * - otherwise, and for a partial last panel: element by element, after
 *   zeroing the panel.
 */
export function emitPack(w: ModuleWriter, name: string, width: number, es: number): void {
  const SRC = 0, RS = 1, PS = 2, ROWS = 3, DEPTH = 4, DPAD = 5, DST = 6;
  const f = new Body(7);
  const r0 = f.local(I32), h = f.local(I32), s = f.local(I32), d = f.local(I32), p = f.local(I32);
  const rsB = f.local(I32), psB = f.local(I32), row = f.local(I32), sw = f.local(I32), dw = f.local(I32);
  const stepB = width * es; // bytes per k step of a panel
  const lanes = 16 / es;
  const transposes = width % 2 === 0; // row groups of 4 (float32) and 2 cover any even width
  const rowOff: number[] = []; // rowOff[j] = j·rsB, so row j of the panel is at s + rowOff[j]
  const vec: number[] = [];
  if (transposes) {
    for (let j = 0; j < width; j++) rowOff.push(f.local(I32));
    for (let j = 0; j < 8; j++) vec.push(f.local(V128));
  }
  f.get(RS).i32(es).i32Mul().set(rsB).get(PS).i32(es).i32Mul().set(psB);
  for (let j = 0; j < rowOff.length; j++) f.get(rsB).i32(j).i32Mul().set(rowOff[j]);
  f.i32(0).set(r0);
  f.block().loop();
  {
    f.get(r0).get(ROWS).i32LtU().i32Eqz().brIf(1);
    // h = min(width, rows − r0)
    f.get(ROWS).get(r0).i32Sub().set(h);
    f.i32(width).get(h).i32(width).get(h).i32LtU().select().set(h);
    f.get(SRC).get(r0).get(rsB).i32Mul().i32Add().set(s);
    f.get(DST).set(d);
    f.get(h).i32(width).i32Eq().get(RS).i32(1).i32Eq().i32And().if();
    {
      f.get(DEPTH).set(p);
      f.block().get(p).i32Eqz().brIf(0).loop();
      copyRun(f, s, d, stepB);
      f.incBy(s, psB).inc(d, stepB);
      f.get(p).i32(1).i32Sub().tee(p).brIf(0);
      f.end().end();
    }
    f.else();
    if (transposes) {
      f.get(h).i32(width).i32Eq().get(PS).i32(1).i32Eq().i32And().if();
      {
        // whole vectors of k steps, then the last depth mod lanes steps one by one
        f.get(DEPTH).i32(Math.log2(lanes)).i32ShrU().set(p);
        f.block().get(p).i32Eqz().brIf(0).loop();
        transposeStep(f, s, d, rowOff, vec, width, es);
        f.inc(s, lanes * es).inc(d, lanes * stepB);
        f.get(p).i32(1).i32Sub().tee(p).brIf(0);
        f.end().end();
        f.get(DEPTH).i32(lanes - 1).i32And().set(p); // depth mod lanes
        f.block().get(p).i32Eqz().brIf(0);
        f.i32(0).set(row);
        f.loop();
        {
          f.get(s).get(row).get(rsB).i32Mul().i32Add().set(sw);
          f.get(d).get(row).i32(es).i32Mul().i32Add().set(dw);
          for (let u = 0; u < lanes - 1; u++) {
            // at most lanes − 1 steps remain: unrolled, each guarded
            f.get(p).i32(u).i32GtU().if();
            copyElement(f, sw, dw, es, u * es, u * stepB);
            f.end();
          }
          f.get(row).i32(1).i32Add().tee(row).i32(width).i32LtU().brIf(0);
        }
        f.end().end();
        f.get(d).get(p).i32(stepB).i32Mul().i32Add().set(d);
      }
      f.else();
    }
    {
      f.get(DST).i32(0).get(DPAD).i32(stepB).i32Mul().memoryFill();
      f.i32(0).set(row);
      f.block().loop();
      {
        f.get(row).get(h).i32LtU().i32Eqz().brIf(1);
        f.get(s).get(row).get(rsB).i32Mul().i32Add().set(sw);
        f.get(DST).get(row).i32(es).i32Mul().i32Add().set(dw);
        f.get(DEPTH).set(p);
        f.block().get(p).i32Eqz().brIf(0).loop();
        copyElement(f, sw, dw, es);
        f.incBy(sw, psB).inc(dw, stepB);
        f.get(p).i32(1).i32Sub().tee(p).brIf(0);
        f.end().end();
        f.inc(row, 1).br(0);
      }
      f.end().end();
      f.get(DST).get(DEPTH).i32(stepB).i32Mul().i32Add().set(d);
    }
    if (transposes) f.end();
    f.end();
    // zero the k steps past depth (at most one: depthPad is depth rounded up to the unroll)
    f.get(d).i32(0).get(DPAD).get(DEPTH).i32Sub().i32(stepB).i32Mul().memoryFill();
    f.get(DST).get(DPAD).i32(stepB).i32Mul().i32Add().set(DST);
    f.inc(r0, width).br(0);
  }
  f.end().end();
  w.func(name, [I32, I32, I32, I32, I32, I32, I32], [], f);
}

/**
 * One vector of k steps (4 floats or 2 doubles) of every row of a panel:
 * rows come in as vectors along k and leave as vectors along the rows.
 */
function transposeStep(f: Body, s: number, d: number, rowOff: number[], v: number[], width: number, es: number) {
  const load = (j: number, into: number) => f.get(s).get(rowOff[j]).i32Add().v128Load().set(into);
  const shuffle = (x: number, y: number, lanes: number[], into: number) => f.get(x).get(y).shuffle32(lanes).set(into);
  const stepB = width * es;
  let g = 0;
  if (es === 4) {
    for (; g + 4 <= width; g += 4) {
      for (let j = 0; j < 4; j++) load(g + j, v[j]);
      shuffle(v[0], v[1], [0, 4, 1, 5], v[4]); // r0p0 r1p0 r0p1 r1p1
      shuffle(v[0], v[1], [2, 6, 3, 7], v[5]); // r0p2 r1p2 r0p3 r1p3
      shuffle(v[2], v[3], [0, 4, 1, 5], v[6]);
      shuffle(v[2], v[3], [2, 6, 3, 7], v[7]);
      const out = [[v[4], v[6], [0, 1, 4, 5]], [v[4], v[6], [2, 3, 6, 7]], [v[5], v[7], [0, 1, 4, 5]], [
        v[5],
        v[7],
        [2, 3, 6, 7],
      ]] as const;
      out.forEach(([x, y, lanes], q) => f.get(d).get(x).get(y).shuffle32([...lanes]).v128Store(q * stepB + g * es));
    }
    if (g + 2 <= width) {
      // two rows: interleave, then each 64-bit half is one k step of the pair
      load(g, v[0]);
      load(g + 1, v[1]);
      shuffle(v[0], v[1], [0, 4, 1, 5], v[4]);
      shuffle(v[0], v[1], [2, 6, 3, 7], v[5]);
      for (let q = 0; q < 4; q++) f.get(d).get(v[4 + (q >> 1)]).v128Store64Lane(q & 1, q * stepB + g * es);
    }
  } else {
    for (; g + 2 <= width; g += 2) {
      load(g, v[0]);
      load(g + 1, v[1]);
      f.get(d).get(v[0]).get(v[1]).shuffle32([0, 1, 4, 5]).v128Store(g * es); // r0p0 r1p0
      f.get(d).get(v[0]).get(v[1]).shuffle32([2, 3, 6, 7]).v128Store(stepB + g * es); // r0p1 r1p1
    }
  }
}

/**
 * Adds `compact(c, rows, n, ldc)`: moves rows 1.. of a `rows`×`ldc` block
 * at `c` so that their first `n` elements are back to back (row i from
 * `c + i·ldc` to `c + i·n`), in place and in order, so that one copy takes
 * the result out of the arena.
 */
export function emitCompact(w: ModuleWriter, es: number): void {
  const C = 0, ROWS = 1, N = 2, LDC = 3;
  const f = new Body(4);
  const i = f.local(I32), to = f.local(I32), from = f.local(I32), nB = f.local(I32), ldB = f.local(I32);
  f.get(N).i32(es).i32Mul().set(nB).get(LDC).i32(es).i32Mul().set(ldB);
  f.get(C).get(nB).i32Add().set(to).get(C).get(ldB).i32Add().set(from);
  f.i32(1).set(i);
  f.block().loop();
  f.get(i).get(ROWS).i32LtU().i32Eqz().brIf(1);
  // destination precedes source, and memory.copy has memmove semantics
  f.get(to).get(from).get(nB).memoryCopy();
  f.incBy(to, nB).incBy(from, ldB).inc(i, 1).br(0);
  f.end().end();
  w.func("compact", [I32, I32, I32, I32], [], f);
}
