/**
 * Emits the gemm module of one {@link TileConfig}: the packers, the
 * compaction, and `gemm`, a GotoBLAS-style loop nest around an MR×NR
 * register-tiled micro-kernel. The tile is baked in (it decides the
 * locals); sizes and blocking are runtime parameters, so one module serves
 * every product of its dtype.
 *
 * `gemm(ap, bp, c, mPad, nPad, kPad, kc0, mc0)` multiplies packed operands:
 * `ap` holds op(A) as mPad/MR panels `[p][r]` of depth kPad, `bp` holds
 * op(B) as nPad/NR panels `[p][j]`, and C (`mPad`×`nPad`, row-major) is
 * written, not accumulated into: the first k slice stores its sums, so C
 * needs no zeroing. mPad, nPad are multiples of MR, NR; kPad and kc0 are
 * even (the k loop is unrolled ×2, the packers pad k with zeros), and mc0 a
 * multiple of MR.
 *
 * Loop order, outer to inner: k slice (pc) → row block (ic) → B panel (jp)
 * → A panel (ir) → k steps. One B micro-panel (kc·NR) is reused by every A
 * panel of the row block from L1; the A block (mc·kc) is reused by every B
 * panel from L2.
 *
 * @module
 */
import { emitCompact, emitPack } from "./pack_emit.ts";
import { elementBytes, lanes, type TileConfig } from "./tiles.ts";
import { Body, I32, ModuleWriter, V128 } from "./wasm_writer.ts";
import { MAX_PAGES } from "./memory.ts";

/** k steps per iteration of the micro-kernel's loop. */
export const UNROLL = 2;

/**
 * The module's bytes. It imports its memory as `env.memory`, shared or not
 * as `shared` says (the flag must match the memory it is instantiated with).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { emitGemmModule } from "./gemm_emit.ts";
 * const bytes = emitGemmModule({ dtype: "float32", mr: 2, nr: 16, fma: false }, false);
 * assert.ok(WebAssembly.validate(bytes));
 * ```
 */
export function emitGemmModule(t: TileConfig, shared: boolean): Uint8Array<ArrayBuffer> {
  if (t.nr % lanes(t.dtype) !== 0 || t.mr < 1) throw new RangeError(`gemm_emit: bad tile ${JSON.stringify(t)}`);
  const es = elementBytes(t.dtype);
  const w = new ModuleWriter().importMemory({
    module: "env",
    name: "memory",
    // At least one page: V8 under Deno checks every access explicitly (no
    // guard-page trap handler), and a declared minimum lets it drop the half
    // of each check that asks whether the constant offset fits at all. With
    // 0 here the 6×8 kernel ran 41 GFLOP/s, with 1 page 49 (n = 1024, one
    // thread, kernel alone; disassembled: two compares per load became one).
    minPages: 1,
    maxPages: MAX_PAGES,
    shared,
  });
  emitPack(w, "packA", t.mr, es);
  emitPack(w, "packB", t.nr, es);
  emitCompact(w, es);
  emitLoopNest(w, t);
  return w.bytes();
}

function emitLoopNest(w: ModuleWriter, t: TileConfig) {
  const { mr: MR, nr: NR } = t;
  const es = elementBytes(t.dtype), NV = NR / lanes(t.dtype);
  const AP = 0, BP = 1, C = 2, MPAD = 3, NPAD = 4, KPAD = 5, KC0 = 6, MC0 = 7;
  const f = new Body(8);
  const i32 = () => f.local(I32);
  const pc = i32(), kc = i32(), ic = i32(), icEnd = i32(), jp = i32(), ir = i32();
  const pAp = i32(), pBp = i32(), pCt = i32(), pA = i32(), pB = i32(), pBend = i32(), pr = i32();
  const ldcB = i32(), aPanelB = i32(), bPanelB = i32(), tileRowsB = i32(), t0 = i32();
  const acc: number[] = [];
  for (let i = 0; i < MR * NV; i++) acc.push(f.local(V128));
  const bv: number[] = [];
  for (let q = 0; q < NV; q++) bv.push(f.local(V128));
  const av = f.local(V128);
  const A = (r: number, q: number) => acc[r * NV + q];

  f.get(NPAD).i32(es).i32Mul().set(ldcB);
  f.get(KPAD).i32(MR * es).i32Mul().set(aPanelB);
  f.get(KPAD).i32(NR * es).i32Mul().set(bPanelB);
  f.get(ldcB).i32(MR).i32Mul().set(tileRowsB);
  // Nothing to do for an empty product (the caller never asks, but a loop
  // that runs once on zero would write a tile).
  f.get(MPAD).i32Eqz().get(NPAD).i32Eqz().i32Or().get(KPAD).i32Eqz().i32Or().if().ret().end();

  f.i32(0).set(pc);
  f.loop(); // pc: k slices
  {
    f.get(KPAD).get(pc).i32Sub().set(t0);
    f.i32MinU(KC0, t0).set(kc);
    f.i32(0).set(ic);
    f.loop(); // ic: row blocks
    {
      f.get(ic).get(MC0).i32Add().set(t0);
      f.i32MinU(t0, MPAD).set(icEnd);
      f.i32(0).set(jp);
      f.get(BP).get(pc).i32(NR * es).i32Mul().i32Add().set(pBp);
      f.loop(); // jp: B panels
      {
        f.get(ic).set(ir);
        f.get(AP).get(ic).get(KPAD).i32Mul().i32(es).i32Mul().i32Add().get(pc).i32(MR * es).i32Mul().i32Add().set(pAp);
        f.get(C).get(ic).get(NPAD).i32Mul().get(jp).i32Add().i32(es).i32Mul().i32Add().set(pCt);
        f.loop(); // ir: A panels
        {
          microKernel();
          f.incBy(pAp, aPanelB).incBy(pCt, tileRowsB);
          f.get(ir).i32(MR).i32Add().tee(ir).get(icEnd).i32LtU().brIf(0);
        }
        f.end();
        f.incBy(pBp, bPanelB);
        f.get(jp).i32(NR).i32Add().tee(jp).get(NPAD).i32LtU().brIf(0);
      }
      f.end();
      f.get(ic).get(MC0).i32Add().tee(ic).get(MPAD).i32LtU().brIf(0);
    }
    f.end();
    f.get(pc).get(KC0).i32Add().tee(pc).get(KPAD).i32LtU().brIf(0);
  }
  f.end();
  w.func("gemm", [I32, I32, I32, I32, I32, I32, I32, I32], [], f);

  /** C tile (+)= A panel · B panel over this k slice. */
  function microKernel() {
    f.get(pAp).set(pA).get(pBp).tee(pB).get(kc).i32(NR * es).i32Mul().i32Add().set(pBend);
    // The first k slice starts from zero; later ones continue the stored sums.
    f.get(pc).i32Eqz().if();
    for (const a of acc) f.v128Zero().set(a);
    f.else();
    f.get(pCt).set(pr);
    for (let r = 0; r < MR; r++) {
      for (let q = 0; q < NV; q++) f.get(pr).v128Load(q * 16).set(A(r, q));
      if (r < MR - 1) f.incBy(pr, ldcB);
    }
    f.end();
    f.loop();
    for (let u = 0; u < UNROLL; u++) {
      for (let q = 0; q < NV; q++) f.get(pB).v128Load((u * NR) * es + q * 16).set(bv[q]);
      for (let r = 0; r < MR; r++) {
        // The address is added up here and the splat takes offset 0: given
        // an offset, JavaScriptCore loads the scalar into a general register
        // and broadcasts it from there (two more instructions), and V8 adds
        // it into a temporary anyway. Measured, one thread, n = 1024 / 256:
        // Bun 33.4 -> 38.9 / 33.8 -> 42.0 GFLOP/s, Deno 39.8 -> 44.1 / 40.3 -> 42.3.
        f.get(pA);
        const off = (u * MR + r) * es;
        if (off !== 0) f.i32(off).i32Add();
        if (es === 4) f.v128Load32Splat(0);
        else f.v128Load64Splat(0);
        f.set(av);
        for (let q = 0; q < NV; q++) madd(A(r, q), av, bv[q]);
      }
    }
    f.inc(pA, UNROLL * MR * es);
    f.get(pB).i32(UNROLL * NR * es).i32Add().tee(pB).get(pBend).i32Ne().brIf(0);
    f.end();
    f.get(pCt).set(pr);
    for (let r = 0; r < MR; r++) {
      for (let q = 0; q < NV; q++) f.get(pr).get(A(r, q)).v128Store(q * 16);
      if (r < MR - 1) f.incBy(pr, ldcB);
    }
  }

  /** acc += a·b, fused where the config says so. */
  function madd(a: number, x: number, y: number) {
    if (t.fma) {
      f.get(x).get(y).get(a);
      if (es === 4) f.f32x4RelaxedMadd();
      else f.f64x2RelaxedMadd();
    } else {
      f.get(a).get(x).get(y);
      if (es === 4) f.f32x4Mul().f32x4Add();
      else f.f64x2Mul().f64x2Add();
    }
    f.set(a);
  }
}
