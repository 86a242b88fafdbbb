/**
 * Prototype WebAssembly SIMD kernels for `bench/wasm_elementwise.ts`, kept
 * only to measure what the library decided NOT to run in wasm (and why):
 * the unary exp and tanh, whose vector forms cannot be bit-identical to the
 * TS kernel's `Math` calls. Each includes what a real kernel would pay under the storage design:
 * copying its operands into a scratch arena and its result out into a fresh
 * array. They are not correct for every input (exp does not handle
 * subnormal results, tanh loses relative accuracy near 0): they only have
 * to cost what a correct kernel would cost at least.
 *
 * @module
 */
import { Arena } from "../backends/wasm/memory.ts";
import { f64x2Const, load64Zero, OP } from "../backends/wasm/simd_ops.ts";
import { Body, I32, ModuleWriter, V128 } from "../backends/wasm/wasm_writer.ts";
import { allocUninitialized } from "../backends/ts/pool.ts";

const arena = new Arena({ initialPages: 16, shared: false });
const BASE = 64;
const up = (bytes: number) => Math.ceil(bytes / 64) * 64;

/** `f(x, out, pairs)`: unary over float32 pairs computed in f64x2. */
function unaryBody(kind: "exp" | "tanh"): Body {
  const f = new Body(3);
  const i = f.local(I32), x = f.local(V128), k = f.local(V128), r = f.local(V128), p = f.local(V128);
  const s = f.local(V128);
  f.i32(0).set(i);
  f.block().loop();
  f.get(i).get(2).i32LtU().i32Eqz().brIf(1);
  {
    f.get(1);
    load64Zero(f.get(0)).simd(OP.f64x2PromoteLowF32x4).set(x);
    if (kind === "tanh") {
      // tanh x = sign(x)·(1 − t)/(1 + t), t = exp(−2|x|)
      f.get(x).set(s);
      f.get(x).simd(OP.f64x2Abs);
      f64x2Const(f, -2).simd(OP.f64x2Mul).set(x);
    }
    expCore(f, x, k, r, p);
    if (kind === "tanh") {
      f.set(p);
      f64x2Const(f, 1).get(p).simd(OP.f64x2Sub);
      f64x2Const(f, 1).get(p).simd(OP.f64x2Add).simd(OP.f64x2Div);
      // copy the sign of s
      f64x2Const(f, -0).get(s).simd(OP.v128And).simd(OP.v128Or);
    }
    f.simd(OP.f32x4DemoteF64x2Zero).v128Store64Lane(0);
    f.inc(0, 8).inc(1, 8).inc(i, 1).br(0);
  }
  f.end().end();
  return f;
}

/**
 * exp of local `x` onto the stack: k = nearest(x·log2 e), r = x − k·ln 2 (in
 * two parts), e^r by a degree-12 Taylor polynomial, times 2^k built in the
 * exponent bits; x clamped to [−708, 709], so no subnormal results.
 */
function expCore(f: Body, x: number, k: number, r: number, p: number) {
  f.get(x);
  f64x2Const(f, 709).simd(0xf4);
  f64x2Const(f, -708).simd(0xf5).set(x);
  f.get(x);
  f64x2Const(f, Math.LOG2E).simd(OP.f64x2Mul).simd(OP.f64x2Nearest).set(k);
  f.get(x).get(k);
  f64x2Const(f, 0.6931471803691238).simd(OP.f64x2Mul).simd(OP.f64x2Sub).get(k);
  f64x2Const(f, 1.9082149292705877e-10).simd(OP.f64x2Mul).simd(OP.f64x2Sub).set(r);
  const coef: number[] = [];
  for (let n = 0, fact = 1; n <= 12; n++, fact *= n) coef.push(1 / fact);
  f64x2Const(f, coef[12]).set(p);
  for (let n = 11; n >= 0; n--) {
    f.get(p).get(r).simd(OP.f64x2Mul);
    f64x2Const(f, coef[n]).simd(OP.f64x2Add).set(p);
  }
  f.get(p).get(k).simd(0xfc).simd(0xc7); // trunc_sat to i32 lanes 0,1, then extend to i64x2
  f.op(0x42, ...[0xff, 0x07]).simd(0x12).simd(0xce); // i64.const 1023, i64x2.splat, i64x2.add
  f.i32(52).simd(0xcb).simd(OP.f64x2Mul); // i64x2.shl, then p · 2^k
}

type Exports = Record<string, (...a: number[]) => void>;
let kernels: Exports | undefined;
function get(): Exports {
  if (kernels) return kernels;
  const w = new ModuleWriter().importMemory({
    module: "env",
    name: "memory",
    minPages: 1,
    maxPages: arena.maximumPages,
    shared: false,
  });
  for (const k of ["exp", "tanh"] as const) w.func(k, [I32, I32, I32], [], unaryBody(k));
  const m = new WebAssembly.Module(w.bytes());
  kernels = new WebAssembly.Instance(m, { env: { memory: arena.memory } }).exports as unknown as Exports;
  return kernels;
}

/**
 * Prototype float32 exp and tanh in f64x2 (by a polynomial), copies included.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { protoUnary } from "./wasm_prototypes.ts";
 * assert.ok(Math.abs(protoUnary("exp", Float32Array.of(1))[0] - Math.E) < 1e-6);
 * ```
 */
export function protoUnary(op: "exp" | "tanh", x: Float32Array): Float32Array {
  const n = x.length, k = get();
  const px = BASE, po = px + up(4 * n);
  arena.ensure(op, po + up(4 * n));
  arena.f32().set(x, px / 4);
  k[op](px, po, Math.ceil(n / 2));
  const out = allocUninitialized("float32", n);
  out.set(arena.f32().subarray(po / 4, po / 4 + n));
  return out;
}
