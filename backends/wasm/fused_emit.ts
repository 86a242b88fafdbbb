/**
 * Fused elementwise programs (`Backend.fused`, what `fuse` and the fused
 * optimizer updates run) as WebAssembly SIMD loops, one module per distinct
 * program and dtype, compiled on first use.
 *
 * Every value is an f64x2 (two elements in doubles), whatever the dtype:
 * the TS kernel also computes in doubles and rounds once, on the store, so
 * with the same IEEE operations in the same order the results are
 * bit-identical to it. That holds for the exactly rounded ops only, so a
 * program runs here only when all its instructions are among
 * {@link WASM_FUSED_OPS}: add, sub, mul, div, sqrt (and rsqrt = 1/√x, two
 * roundings in both kernels), square, neg, abs, sign, relu, floor, ceil,
 * round (`nearest`: halves to even, as the TS kernel), maximum and minimum.
 * maximum, minimum, relu and sign are selects with the TS kernel's exact
 * comparisons (not `f64x2.max`, which orders −0 below +0 where the TS kernel
 * returns its second operand). Transcendental ops and `pow` would need
 * vector approximations that are not bit-identical: those programs return
 * undefined and run in the TS kernel. Adam's update (mul, add, square,
 * sqrt, div) runs here.
 *
 * The arrays stream through the scratch arena in cache-sized chunks
 * (`stream.ts`); each output is copied out once, into an array from the pool.
 *
 * @module
 */
import type { FusedInstr, FusedProgram } from "../backend.ts";
import type { DType, TypedArray } from "../../core/dtype.ts";
import { DTypeError, ValueError } from "../../core/errors.ts";
import { allocUninitialized } from "../ts/pool.ts";
import { importScratch, instantiate, scratchArena } from "./scratch.ts";
import { streamChunks } from "./stream.ts";
import { f64x2Const, load64Zero, OP } from "./simd_ops.ts";
import { Body, I32, ModuleWriter, V128, type ValType } from "./wasm_writer.ts";

/** The instructions a program may use to run in wasm (the exactly rounded ones, see the module doc). */
export const WASM_FUSED_OPS: ReadonlySet<string> = new Set([
  "const",
  "add",
  "sub",
  "mul",
  "div",
  "maximum",
  "minimum",
  "neg",
  "abs",
  "sign",
  "sqrt",
  "rsqrt",
  "square",
  "relu",
  "floor",
  "ceil",
  "round",
]);

/** Pushes `op(a)` or `op(a, b)` of the f64x2 locals `a`, `b`. */
function emitOp(f: Body, ins: Exclude<FusedInstr, { op: "const" }>, a: number, b: number) {
  const mask = (cmp: number, x: number, y: number) =>
    f.get(x).get(y).simd(cmp).get(x).get(x).simd(OP.f64x2Ne).simd(OP.v128Or);
  switch (ins.op) {
    case "neg":
      f.get(a).simd(OP.f64x2Neg);
      return;
    case "abs":
      f.get(a).simd(OP.f64x2Abs);
      return;
    case "sqrt":
      f.get(a).simd(OP.f64x2Sqrt);
      return;
    case "rsqrt":
      f64x2Const(f, 1).get(a).simd(OP.f64x2Sqrt).simd(OP.f64x2Div);
      return;
    case "square":
      f.get(a).get(a).simd(OP.f64x2Mul);
      return;
    case "floor":
      f.get(a).simd(OP.f64x2Floor);
      return;
    case "ceil":
      f.get(a).simd(OP.f64x2Ceil);
      return;
    case "round":
      f.get(a).simd(OP.f64x2Nearest);
      return;
    case "relu": {
      // x where x > 0 or x is NaN, else +0 (so −0 → +0, NaN stays).
      f.get(a).v128Zero();
      f.get(a).v128Zero().simd(OP.f64x2Gt).get(a).get(a).simd(OP.f64x2Ne).simd(OP.v128Or);
      f.simd(OP.v128Bitselect);
      return;
    }
    case "sign":
      // 1 where x > 0, −1 where x < 0, else x itself (±0 and NaN), as Math.sign.
      f64x2Const(f, 1);
      f64x2Const(f, -1).get(a).get(a).v128Zero().simd(OP.f64x2Lt).simd(OP.v128Bitselect);
      f.get(a).v128Zero().simd(OP.f64x2Gt).simd(OP.v128Bitselect);
      return;
    case "add":
      f.get(a).get(b).simd(OP.f64x2Add);
      return;
    case "sub":
      f.get(a).get(b).simd(OP.f64x2Sub);
      return;
    case "mul":
      f.get(a).get(b).simd(OP.f64x2Mul);
      return;
    case "div":
      f.get(a).get(b).simd(OP.f64x2Div);
      return;
    case "maximum":
      // a where a > b or a is NaN, else b: the TS kernel's select.
      f.get(a).get(b);
      mask(OP.f64x2Gt, a, b).simd(OP.v128Bitselect);
      return;
    case "minimum":
      f.get(a).get(b);
      mask(OP.f64x2Lt, a, b).simd(OP.v128Bitselect);
      return;
    default:
      throw new ValueError("fused", `internal: ${ins.op} has no wasm form`);
  }
}

/** Which values the outputs depend on (dead instructions are not emitted). */
function liveValues(p: FusedProgram): boolean[] {
  const nIn = p.scalarInputs.length;
  const live = new Array<boolean>(nIn + p.body.length).fill(false);
  for (const o of p.outputs) live[o] = true;
  for (let j = p.body.length - 1; j >= 0; j--) {
    const ins = p.body[j];
    if (live[nIn + j] && ins.op !== "const") { for (const x of ins.args) live[x] = true; }
  }
  return live;
}

/**
 * `run(in…, out…, consts, steps)`: array inputs and outputs by byte address
 * (one parameter each, in order), `consts` the address of the scalar inputs
 * then the constants as float64, `steps` pairs of elements.
 */
function programBody(p: FusedProgram, es: number): { body: Body; params: ValType[] } {
  const nIn = p.scalarInputs.length;
  const arrays = p.scalarInputs.flatMap((s, i) => (s ? [] : [i]));
  const nParams = arrays.length + p.outputs.length + 2;
  const f = new Body(nParams);
  const CONSTS = nParams - 2, STEPS = nParams - 1;
  const live = liveValues(p);
  const value = live.map(() => f.local(V128));
  const i = f.local(I32);
  // Scalars and constants, splatted once.
  let slot = 0;
  p.scalarInputs.forEach((s, k) => {
    if (s) f.get(CONSTS).v128Load64Splat(8 * slot++).set(value[k]);
  });
  p.body.forEach((ins, j) => {
    if (ins.op === "const") f.get(CONSTS).v128Load64Splat(8 * slot++).set(value[nIn + j]);
  });
  f.i32(0).set(i);
  f.block().loop();
  f.get(i).get(STEPS).i32LtU().i32Eqz().brIf(1);
  arrays.forEach((k, param) => {
    if (!live[k]) return;
    f.get(param);
    if (es === 4) load64Zero(f).simd(OP.f64x2PromoteLowF32x4);
    else f.v128Load();
    f.set(value[k]);
  });
  p.body.forEach((ins, j) => {
    if (ins.op === "const" || !live[nIn + j]) return;
    emitOp(f, ins, value[ins.args[0]], value[ins.args[1] ?? ins.args[0]]);
    f.set(value[nIn + j]);
  });
  p.outputs.forEach((v, o) => {
    const param = arrays.length + o;
    f.get(param).get(value[v]);
    if (es === 4) f.simd(OP.f32x4DemoteF64x2Zero).v128Store64Lane(0);
    else f.v128Store();
  });
  for (let param = 0; param < CONSTS; param++) f.inc(param, 2 * es);
  f.inc(i, 1).br(0);
  f.end().end();
  return { body: f, params: new Array<ValType>(nParams).fill(I32) };
}

type Run = (...args: number[]) => void;

// By program object first (`fuse` hands over the same frozen program every
// call), so that a call does not build and hash a string from its key.
const byProgram = new WeakMap<FusedProgram, { float32?: Run; float64?: Run }>();

/** The compiled loop of `program` for `dtype`: by program object, else by its key (equal keys, equal programs). */
function kernelFor(program: FusedProgram, dtype: "float32" | "float64"): Run {
  let entry = byProgram.get(program);
  if (entry === undefined) byProgram.set(program, entry = {});
  const hit = entry[dtype];
  if (hit !== undefined) return hit;
  const a = scratchArena();
  const run = instantiate(a, `fused:${dtype}:${program.key}`, () => {
    const { body, params } = programBody(program, dtype === "float32" ? 4 : 8);
    const w = importScratch(new ModuleWriter(), a);
    w.func("run", params, [], body);
    return w.bytes();
  }).run as Run;
  entry[dtype] = run;
  return run;
}

/** Whether `program` runs in wasm: every instruction exactly rounded (see the module doc). */
const supported = (p: FusedProgram): boolean => p.body.every((ins) => WASM_FUSED_OPS.has(ins.op));

/**
 * Runs a {@link FusedProgram} over `size` elements in wasm SIMD, shaped like
 * the host kernel (`Backend.fused`): one fresh array of `dtype` per output,
 * bit-identical to the TS kernel's; or undefined when the program uses an op
 * outside {@link WASM_FUSED_OPS} or `size` is 0 (the TS kernel runs then).
 * Bad input throws the TS kernel's errors, naming `fused`: a `DTypeError`
 * for a dtype other than float32/float64, a `ValueError` for the wrong
 * number of inputs or an input of the wrong length.
 *
 * @example Adam's second moment, v·β₂ + g²·(1 − β₂), with β₂ a scalar input
 * ```ts
 * import assert from "node:assert/strict";
 * import { wasmFused } from "./fused_emit.ts";
 * const program = {
 *   scalarInputs: [false, false, true],
 *   body: [
 *     { op: "mul", args: [1, 2] }, { op: "square", args: [0] }, { op: "const", value: 1 },
 *     { op: "sub", args: [5, 2] }, { op: "mul", args: [4, 6] }, { op: "add", args: [3, 7] },
 *   ],
 *   outputs: [8],
 *   key: "example-v",
 * } as const;
 * const g = Float64Array.of(1, -2, 3), v = Float64Array.of(0, 1, 2);
 * const [out] = wasmFused(program, [g, v, Float64Array.of(0.5)], 3, "float64")!;
 * assert.deepEqual([...out], [0.5, 2.5, 5.5]);
 * const exp = { ...program, body: [{ op: "exp", args: [0] }] as const, outputs: [3], key: "example-exp" };
 * assert.equal(wasmFused(exp, [g, v, Float64Array.of(0.5)], 3, "float64"), undefined);
 * ```
 */
export function wasmFused(
  program: FusedProgram,
  inputs: readonly TypedArray[],
  size: number,
  dtype: DType,
): TypedArray[] | undefined {
  if (dtype !== "float32" && dtype !== "float64") {
    throw new DTypeError("fused", `expected float32 or float64, got ${dtype}`);
  }
  if (inputs.length !== program.scalarInputs.length) {
    throw new ValueError("fused", `the program takes ${program.scalarInputs.length} inputs, got ${inputs.length}`);
  }
  inputs.forEach((x, k) => {
    const want = program.scalarInputs[k] ? 1 : size;
    if (x.length !== want) throw new ValueError("fused", `input ${k} holds ${x.length} elements; expected ${want}`);
  });
  if (size === 0 || !supported(program)) return undefined;
  const es = dtype === "float32" ? 4 : 8;
  const a = scratchArena();
  const run = kernelFor(program, dtype);
  const consts: number[] = [];
  program.scalarInputs.forEach((s, k) => s && consts.push(inputs[k][0]));
  for (const ins of program.body) if (ins.op === "const") consts.push(ins.value);
  const arrays = inputs.filter((_, k) => !program.scalarInputs[k]);
  const outputs = program.outputs.map(() => allocUninitialized(dtype, size));
  let constAt = 0;
  streamChunks("fused", size, es, arrays, outputs, 8 * consts.length, (at) => {
    constAt = at;
    a.f64().set(consts, at / 8);
  }, (inAt, outAt, len) => run(...inAt, ...outAt, constAt, Math.ceil(len / 2)));
  return outputs;
}
