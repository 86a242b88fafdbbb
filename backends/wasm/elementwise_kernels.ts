/**
 * The wasm backend's elementwise, reduction and fused kernels, each with
 * the size from which it runs in wasm; below it, and for every case a wasm
 * kernel declines (it returns undefined), the base (TS) kernel runs. The
 * thresholds are where the wasm kernel, copies included, measured faster on
 * both Deno and Bun (bench/wasm_elementwise.ts, table in bench/README.md);
 * below them the fixed cost of a call (planning, copies, the call into
 * wasm) is more than SIMD saves. Streamed binary and fused calls also have
 * an upper limit ({@link WASM_BINARY_MAX_BYTES}, {@link WASM_FUSED_MAX_BYTES}), past which main memory,
 * not arithmetic, sets the pace and the copies lose.
 *
 * Not here, because measurement showed no gain or because no wasm form is
 * bit-identical to the TS kernel: transcendental unary ops (exp, tanh, …:
 * a vector polynomial measured at most 1.3–1.7× on Deno and slower on Bun
 * for exp, and would not be bit-identical), `pow`, comparisons, int32 and
 * bool kernels, the other reductions, `cast`, `cumsum`, `argsort` and the
 * layout kernels.
 *
 * @module
 */
import type { BroadcastLayout, FusedProgram, UnaryOp } from "../backend.ts";
import type { DType } from "../../core/dtype.ts";
import type { HostKernels } from "../host.ts";
import { CONTIGUOUS, readKind, SINGLE } from "../ts/elementwise_binary.ts";
import { wasmBinary, wasmUnary, wasmWhere } from "./elementwise_emit.ts";
import { wasmFused } from "./fused_emit.ts";
import { wasmReduce } from "./reduce_emit.ts";

/** Output elements from which `binary` runs in wasm when both operands run along the output or one is a scalar. */
export const WASM_BINARY_FROM = 16384;
/** Output elements from which `binary` runs in wasm with a broadcast operand (a bias row, a column): the TS strided walk is slower. */
export const WASM_BROADCAST_FROM = 4096;
/** Elements from which the cheapest `unary` ops (neg, abs, square, floor, ceil) run in wasm. */
export const WASM_UNARY_FROM = 16384;
/** Elements from which the other wasm `unary` ops (sqrt, round, sign, relu), costlier in the TS kernel, run in wasm. */
export const WASM_COSTLY_UNARY_FROM = 4096;
/** Output elements from which `where` runs in wasm. */
export const WASM_WHERE_FROM = 8192;
/** Input elements from which `reduce` (sum) runs in wasm. */
export const WASM_REDUCE_FROM = 2048;
/** Elements from which `fused` runs in wasm. */
export const WASM_FUSED_FROM = 4096;
/**
 * The most bytes a streamed `binary` call (contiguous or scalar operands)
 * moves, arrays in plus the array out, and still runs in wasm. Beyond about
 * this much the arrays no longer stay in this machine's cache, both kernels
 * wait on main memory, and the TS kernel's one pass beats copying in,
 * computing and copying out: 1,048,576-element adds (12 MiB) measured
 * 0.7–1.2×, against 1.3–1.6× at 262,144 and 524,288 elements (3 and 6 MiB).
 */
export const WASM_BINARY_MAX_BYTES = 8 * 1024 * 1024;
/**
 * The same limit for `fused`. Its copies do not overlap its (division- and
 * root-bound) arithmetic, so the gain shrinks sooner: Adam measured 1.3–1.5×
 * at 131,072 elements (3.5 MiB), 0.9–1.4× (median of seven runs 1.15×) at
 * 262,144 (7 MiB), 0.9–1.2× at 401,408 (11 MiB) and 0.85–0.98× at 669,706
 * (18.7 MiB).
 */
export const WASM_FUSED_MAX_BYTES = 8 * 1024 * 1024;

const UNARY_FROM: Partial<Record<UnaryOp, number>> = {
  neg: WASM_UNARY_FROM,
  abs: WASM_UNARY_FROM,
  square: WASM_UNARY_FROM,
  floor: WASM_UNARY_FROM,
  ceil: WASM_UNARY_FROM,
  sqrt: WASM_COSTLY_UNARY_FROM,
  round: WASM_COSTLY_UNARY_FROM,
  sign: WASM_COSTLY_UNARY_FROM,
  relu: WASM_COSTLY_UNARY_FROM,
};

/** Elements of a layout's output. */
const sizeOf = (shape: readonly number[]) => {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
};

const bytesOf = (dtype: DType) => (dtype === "float64" ? 8 : 4);

/**
 * Whether `binary` should try wasm. Contiguous and scalar operands (the TS
 * kernel's fast paths, one row for the wasm kernel) from
 * {@link WASM_BINARY_FROM} up to {@link WASM_BINARY_MAX_BYTES}; a broadcast
 * layout from {@link WASM_BROADCAST_FROM}, with no upper limit.
 */
function binaryInWasm(layout: BroadcastLayout, dtype: DType): boolean {
  const n = sizeOf(layout.shape);
  if (n < WASM_BROADCAST_FROM) return false;
  const ka = readKind(layout.shape, layout.strides[0]), kb = readKind(layout.shape, layout.strides[1]);
  if ((ka !== CONTIGUOUS && ka !== SINGLE) || (kb !== CONTIGUOUS && kb !== SINGLE)) return true;
  const streamed = (ka === CONTIGUOUS ? 1 : 0) + (kb === CONTIGUOUS ? 1 : 0);
  return n >= WASM_BINARY_FROM && n * bytesOf(dtype) * (streamed + 1) <= WASM_BINARY_MAX_BYTES;
}

/** Whether `fused` should try wasm: by size, and not past {@link WASM_FUSED_MAX_BYTES}. */
function fusedInWasm(program: FusedProgram, size: number, dtype: DType): boolean {
  // Programs with row inputs (jit's bias-and-activation kernels) have no wasm form: the TS kernel runs them.
  if (size < WASM_FUSED_FROM || program.rowInputs !== undefined) return false;
  let arrays = program.outputs.length;
  for (const s of program.scalarInputs) if (!s) arrays++;
  return size * bytesOf(dtype) * arrays <= WASM_FUSED_MAX_BYTES;
}

/**
 * The kernels that run in wasm from their thresholds on, each falling back
 * to `base`'s (the TS kernels); spread over `base` to make a backend.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { tsKernels } from "../ts/backend.ts";
 * import { wasmElementwiseKernels } from "./elementwise_kernels.ts";
 * const k = { ...tsKernels, ...wasmElementwiseKernels(tsKernels) };
 * const x = new Float32Array(8192).fill(2);
 * assert.equal(k.reduce("sum", x, [8192], [0], "float32")[0], 16384);
 * assert.equal(k.unary("sqrt", Float32Array.of(4), "float32")[0], 2); // small: the TS kernel
 * ```
 */
export function wasmElementwiseKernels(base: HostKernels): Partial<HostKernels> {
  return {
    binary: (op, a, b, layout, dtype) =>
      (binaryInWasm(layout, dtype) ? wasmBinary(op, a, b, layout, dtype) : undefined) ??
        base.binary(op, a, b, layout, dtype),
    unary: (op, x, dtype) =>
      (x.length >= (UNARY_FROM[op] ?? Infinity) ? wasmUnary(op, x, dtype) : undefined) ?? base.unary(op, x, dtype),
    where: (cond, a, b, layout, dtype) =>
      (sizeOf(layout.shape) >= WASM_WHERE_FROM ? wasmWhere(cond, a, b, layout, dtype) : undefined) ??
        base.where(cond, a, b, layout, dtype),
    reduce: (op, x, shape, axes, dtype) =>
      (x.length >= WASM_REDUCE_FROM ? wasmReduce(op, x, shape, axes, dtype) : undefined) ??
        base.reduce(op, x, shape, axes, dtype),
    fused: (program, inputs, size, dtype) =>
      (fusedInWasm(program, size, dtype) ? wasmFused(program, inputs, size, dtype) : undefined) ??
        base.fused(program, inputs, size, dtype),
  };
}
