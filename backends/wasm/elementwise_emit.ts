/**
 * Elementwise `binary`, `unary` and `where` in WebAssembly SIMD, for float32
 * (f32x4) and float64 (f64x2), and only for the exactly rounded ops: add,
 * sub, mul, div, maximum, minimum; neg, abs, sqrt, square, floor, ceil,
 * round, relu, sign; and the select `where`. Each is a single IEEE operation
 * (or a select), so its result is bit-identical to the TS kernel's, which
 * computes in doubles and rounds once on the store: for float32 operands a
 * double +, −, ×, ÷ or √ rounded to float32 equals the float32 operation
 * (53 ≥ 2·24 + 2 bits). maximum, minimum, relu and sign are selects on the
 * TS kernel's own comparisons (`x > y || x !== x ? x : y`), not
 * `f32x4.max`, whose ±0 ordering differs. Everything else (comparisons,
 * int32, transcendental ops, `pow`) returns undefined: the TS kernel runs.
 *
 * Layouts run as rows (`stream.ts`): contiguous and scalar operands stream
 * in chunks; broadcast ones (a bias row, a column) are copied in once.
 *
 * @module
 */
import type { BinaryOp, BroadcastLayout, UnaryOp } from "../backend.ts";
import type { DType, TypedArray } from "../../core/dtype.ts";
import { ShapeError } from "../../core/errors.ts";
import { type Shape, sizeOf } from "../../core/shape.ts";
import { CONTIGUOUS, readKind, SINGLE } from "../ts/elementwise_binary.ts";
import { allocUninitialized } from "../ts/pool.ts";
import { planRows } from "../ts/strided.ts";
import { f32x4Const, f64x2Const, OP } from "./simd_ops.ts";
import { cmpOrNaN, rowKernel, type RowOperand, runRows } from "./stream.ts";
import type { Body } from "./wasm_writer.ts";

type Float = "float32" | "float64";
const ZERO = Int32Array.of(0);
type Compute = (f: Body, v: readonly number[]) => void;

const BINARY: Partial<Record<BinaryOp, (es: 4 | 8) => Compute>> = {
  add: (es) => (f, [a, b]) => f.get(a).get(b).simd(es === 4 ? OP.f32x4Add : OP.f64x2Add),
  sub: (es) => (f, [a, b]) => f.get(a).get(b).simd(es === 4 ? OP.f32x4Sub : OP.f64x2Sub),
  mul: (es) => (f, [a, b]) => f.get(a).get(b).simd(es === 4 ? OP.f32x4Mul : OP.f64x2Mul),
  div: (es) => (f, [a, b]) => f.get(a).get(b).simd(es === 4 ? OP.f32x4Div : OP.f64x2Div),
  maximum: (es) => (f, [a, b]) => cmpOrNaN(f.get(a).get(b), es, "gt", a, b).simd(OP.v128Bitselect),
  minimum: (es) => (f, [a, b]) => cmpOrNaN(f.get(a).get(b), es, "lt", a, b).simd(OP.v128Bitselect),
};

/** `x > 0` (or `x < 0`) lane masks against +0. */
const vsZero = (f: Body, es: 4 | 8, x: number, cmp: "gt" | "lt") =>
  f.get(x).v128Zero().simd(
    es === 4 ? (cmp === "gt" ? OP.f32x4Gt : OP.f32x4Lt) : cmp === "gt" ? OP.f64x2Gt : OP.f64x2Lt,
  );
const splat = (f: Body, es: 4 | 8, value: number) => (es === 4 ? f32x4Const(f, value) : f64x2Const(f, value));
const lane = (es: 4 | 8, f32: number, f64: number) => (es === 4 ? f32 : f64);

const UNARY: Partial<Record<UnaryOp, (es: 4 | 8) => Compute>> = {
  neg: (es) => (f, [x]) => f.get(x).simd(lane(es, OP.f32x4Neg, OP.f64x2Neg)),
  abs: (es) => (f, [x]) => f.get(x).simd(lane(es, OP.f32x4Abs, OP.f64x2Abs)),
  sqrt: (es) => (f, [x]) => f.get(x).simd(lane(es, OP.f32x4Sqrt, OP.f64x2Sqrt)),
  square: (es) => (f, [x]) => f.get(x).get(x).simd(lane(es, OP.f32x4Mul, OP.f64x2Mul)),
  floor: (es) => (f, [x]) => f.get(x).simd(lane(es, OP.f32x4Floor, OP.f64x2Floor)),
  ceil: (es) => (f, [x]) => f.get(x).simd(lane(es, OP.f32x4Ceil, OP.f64x2Ceil)),
  // `nearest` rounds halves to even, as the TS kernel's round does.
  round: (es) => (f, [x]) => f.get(x).simd(lane(es, OP.f32x4Nearest, OP.f64x2Nearest)),
  // x where x > 0 or x is NaN, else +0.
  relu: (es) => (f, [x]) => {
    f.get(x).v128Zero();
    vsZero(f, es, x, "gt").get(x).get(x).simd(lane(es, OP.f32x4Ne, OP.f64x2Ne)).simd(OP.v128Or);
    f.simd(OP.v128Bitselect);
  },
  // Math.sign: 1, −1, or x itself (±0, NaN).
  sign: (es) => (f, [x]) => {
    splat(f, es, 1);
    splat(f, es, -1).get(x);
    vsZero(f, es, x, "lt").simd(OP.v128Bitselect);
    vsZero(f, es, x, "gt").simd(OP.v128Bitselect);
  },
};

const floatOf = (dtype: DType, x: TypedArray): Float | undefined =>
  dtype === "float32" && x instanceof Float32Array
    ? "float32"
    : dtype === "float64" && x instanceof Float64Array
    ? "float64"
    : undefined;

/** Throws a `ShapeError` naming `op` unless every operand's strides fit `shape` and stay inside its array. */
function checkLayout(op: string, layout: BroadcastLayout, data: readonly TypedArray[]) {
  const { shape, strides } = layout;
  if (strides.length !== data.length) {
    throw new ShapeError(op, `the layout has strides for ${strides.length} operands, expected ${data.length}`);
  }
  data.forEach((x, j) => {
    if (strides[j].length !== shape.length) {
      throw new ShapeError(op, `operand ${j} has ${strides[j].length} strides for an output of rank ${shape.length}`);
    }
    let lo = 0, hi = 0;
    shape.forEach((n, d) => (strides[j][d] < 0 ? (lo += (n - 1) * strides[j][d]) : (hi += (n - 1) * strides[j][d])));
    if (lo < 0 || hi >= x.length) {
      throw new ShapeError(op, `operand ${j} (${x.length} elements) is read at [${lo}, ${hi}] over [${shape}]`);
    }
  });
}

/**
 * The rows of `layout` for these operands, or undefined when some operand
 * steps along a row by other than 0 or 1, every operand is a splat, or rows
 * are too short for vectors to pay (fewer than two vectors).
 */
function plan(shape: Shape, strides: readonly (readonly number[])[], es: 4 | 8) {
  const kinds = strides.map((s) => readKind(shape, s));
  // Operands that run along the output stream with it; the others are copied in once.
  const streamed = kinds.map((k) => k === CONTIGUOUS);
  if (kinds.every((k) => k === CONTIGUOUS || k === SINGLE) && streamed.includes(true)) {
    // The common cases, without planning rows (which costs more than a small kernel).
    const rows = 1, inner = sizeOf(shape);
    return { rows, inner, steps: streamed.map((s) => (s ? 1 : 0)), starts: strides.map(() => ZERO), streamed };
  }
  const p = planRows(shape, strides, strides.map(() => 0));
  if (p.steps.some((s) => s !== 0 && s !== 1) || p.steps.every((s) => s === 0)) return undefined;
  if (p.rows > 1 && p.inner < 32 / es) return undefined;
  return { ...p, streamed };
}

/** Runs the row kernel `key` over `layout`; undefined when {@link plan} declines. */
function runLayout(
  op: string,
  key: string,
  data: readonly TypedArray[],
  operandEs: readonly (1 | 4 | 8)[],
  layout: BroadcastLayout,
  dtype: Float,
  compute: Compute,
): TypedArray | undefined {
  const es = dtype === "float32" ? 4 : 8;
  const p = plan(layout.shape, layout.strides, es);
  if (p === undefined) return undefined;
  const operands: RowOperand[] = operandEs.map((e, j) => ({ es: e, splat: p.steps[j] === 0 }));
  const kernel = rowKernel(
    `${key}:${dtype}:${operands.map((o) => (o.splat ? "s" : "v")).join("")}`,
    operands,
    es,
    compute,
  );
  const out = allocUninitialized(dtype, p.rows * p.inner);
  const starts = p.starts.map((s, j) => (p.streamed[j] ? undefined : s));
  runRows(op, kernel, operands, data, starts, p.rows, p.inner, out, es);
  return out;
}

/**
 * `binary(op, a, b, layout, dtype)` in wasm SIMD, shaped like the host
 * kernel: a fresh array, bit-identical to the TS kernel's; or undefined when
 * the case is not one this kernel runs (an op other than add, sub, mul, div,
 * maximum, minimum; a dtype other than float32/float64; an empty output; a
 * layout whose rows are short or not unit-strided, see the module doc).
 * Throws a `ShapeError` naming `op` for strides that do not fit the shape or
 * read outside an operand.
 *
 * @example A bias row added to each row of a 2×8 matrix
 * ```ts
 * import assert from "node:assert/strict";
 * import { wasmBinary } from "./elementwise_emit.ts";
 * const row = Float32Array.from({ length: 8 }, (_, i) => i);
 * const m = new Float32Array(16).fill(10);
 * const y = wasmBinary("add", row, m, { shape: [2, 8], strides: [[0, 1], [8, 1]] }, "float32")!;
 * assert.deepEqual([...y.subarray(6, 10)], [16, 17, 10, 11]);
 * assert.equal(wasmBinary("pow", row, m, { shape: [2, 8], strides: [[0, 1], [8, 1]] }, "float32"), undefined);
 * ```
 */
export function wasmBinary(
  op: BinaryOp,
  a: TypedArray,
  b: TypedArray,
  layout: BroadcastLayout,
  dtype: DType,
): TypedArray | undefined {
  const compute = BINARY[op], float = floatOf(dtype, a);
  if (compute === undefined || float === undefined || floatOf(dtype, b) === undefined) return undefined;
  checkLayout(op, layout, [a, b]);
  if (sizeOf(layout.shape) === 0) return undefined;
  const es = float === "float32" ? 4 : 8;
  return runLayout(op, `binary:${op}`, [a, b], [es, es], layout, float, compute(es));
}

/**
 * `unary(op, x, dtype)` in wasm SIMD, shaped like the host kernel: a fresh
 * array, bit-identical to the TS kernel's; or undefined for an op other
 * than neg, abs, sqrt, square, floor, ceil, round, relu, sign, a dtype other
 * than float32/float64, or an empty array.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { wasmUnary } from "./elementwise_emit.ts";
 * assert.deepEqual([...wasmUnary("sqrt", Float64Array.of(4, 9, -1), "float64")!], [2, 3, NaN]);
 * assert.deepEqual([...wasmUnary("round", Float32Array.of(0.5, 1.5, -2.5), "float32")!], [0, 2, -2]);
 * assert.equal(wasmUnary("exp", Float64Array.of(0), "float64"), undefined);
 * ```
 */
export function wasmUnary(op: UnaryOp, x: TypedArray, dtype: DType): TypedArray | undefined {
  const compute = UNARY[op], float = floatOf(dtype, x);
  if (compute === undefined || float === undefined || x.length === 0) return undefined;
  const es = float === "float32" ? 4 : 8;
  const layout = { shape: [x.length], strides: [[1]] };
  return runLayout(op, `unary:${op}`, [x], [es], layout, float, compute(es));
}

/**
 * `where(cond, a, b, layout, dtype)` in wasm SIMD, shaped like the host
 * kernel: `cond ≠ 0 ? a : b` with broadcasting, bit-identical to the TS
 * kernel; or undefined for a dtype other than float32/float64, a `cond`
 * that is not a bool (Uint8Array) buffer, an empty output, or a layout the
 * rows decline (see the module doc). Throws a `ShapeError` naming `where`
 * for strides that do not fit.
 *
 * @example Masking with a scalar: ReLU's backward shape
 * ```ts
 * import assert from "node:assert/strict";
 * import { wasmWhere } from "./elementwise_emit.ts";
 * const cond = Uint8Array.of(1, 0, 1, 0, 1);
 * const layout = { shape: [5], strides: [[1], [1], [0]] };
 * const y = wasmWhere(cond, Float32Array.of(1, 2, 3, 4, 5), Float32Array.of(0), layout, "float32")!;
 * assert.deepEqual([...y], [1, 0, 3, 0, 5]);
 * ```
 */
export function wasmWhere(
  cond: TypedArray,
  a: TypedArray,
  b: TypedArray,
  layout: BroadcastLayout,
  dtype: DType,
): TypedArray | undefined {
  const float = floatOf(dtype, a);
  if (float === undefined || floatOf(dtype, b) === undefined || !(cond instanceof Uint8Array)) return undefined;
  checkLayout("where", layout, [cond, a, b]);
  if (sizeOf(layout.shape) === 0) return undefined;
  const es = float === "float32" ? 4 : 8;
  const compute: Compute = (f, [c, x, y]) => f.get(x).get(y).get(c).simd(OP.v128Bitselect);
  return runLayout("where", "where", [cond, a, b], [1, es, es], layout, float, compute);
}
