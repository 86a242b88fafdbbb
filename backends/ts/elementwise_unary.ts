/**
 * Elementwise unary kernels: one tight loop per op over contiguous storage.
 *
 * Values are computed in double precision (JS numbers) and rounded or wrapped
 * by the store into the output typed array, so float32 results are the
 * correctly rounded double result and int32 results wrap like C integers.
 *
 * @module
 */
import type { UnaryOp } from "../backend.ts";
import type { DType, TypedArray } from "../../core/dtype.ts";
import { allocUninitialized } from "./pool.ts";
import { ValueError } from "../../core/errors.ts";
import { erf, softplus } from "./special_math.ts";

/**
 * `out[i] = op(x[i])`, into a fresh buffer of `dtype` (`logicalNot` writes
 * bool). Follows IEEE/JS `Math`; in particular `sigmoid(x) = 1/(1+e^-x)`
 * (exact 0 and 1 at ±∞, never NaN), `relu(NaN) = NaN`, `sign(0) = 0`,
 * `sign(NaN) = NaN` and `round` rounds halves to even as NumPy does.
 *
 * @example Float and integer kernels
 * ```ts
 * import assert from "node:assert/strict";
 * import { unary } from "./elementwise_unary.ts";
 * assert.deepEqual([...unary("round", Float32Array.of(0.5, 1.5, -2.5), "float32")], [0, 2, -2]);
 * assert.deepEqual([...unary("square", Int32Array.of(-3, 65536), "int32")], [9, 0]);
 * assert.deepEqual([...unary("logicalNot", Uint8Array.of(0, 1), "bool")], [1, 0]);
 * ```
 */
export function unary(op: UnaryOp, x: TypedArray, dtype: DType): TypedArray {
  const n = x.length;
  // every element is written below
  const out = allocUninitialized(op === "logicalNot" ? "bool" : dtype, n);
  switch (op) {
    case "neg":
      for (let i = 0; i < n; i++) out[i] = -x[i];
      break;
    case "abs":
      for (let i = 0; i < n; i++) out[i] = Math.abs(x[i]);
      break;
    case "sign":
      // Math.sign keeps 0, -0 and NaN as they are.
      for (let i = 0; i < n; i++) out[i] = Math.sign(x[i]);
      break;
    case "exp":
      for (let i = 0; i < n; i++) out[i] = Math.exp(x[i]);
      break;
    case "log":
      for (let i = 0; i < n; i++) out[i] = Math.log(x[i]);
      break;
    case "log1p":
      for (let i = 0; i < n; i++) out[i] = Math.log1p(x[i]);
      break;
    case "expm1":
      for (let i = 0; i < n; i++) out[i] = Math.expm1(x[i]);
      break;
    case "sqrt":
      for (let i = 0; i < n; i++) out[i] = Math.sqrt(x[i]);
      break;
    case "rsqrt":
      for (let i = 0; i < n; i++) out[i] = 1 / Math.sqrt(x[i]);
      break;
    case "square":
      if (dtype === "int32") {
        // x·x in doubles loses the low bits past 2^53; imul wraps exactly.
        for (let i = 0; i < n; i++) out[i] = Math.imul(x[i], x[i]);
      } else {
        for (let i = 0; i < n; i++) {
          const v = x[i];
          out[i] = v * v;
        }
      }
      break;
    case "sin":
      for (let i = 0; i < n; i++) out[i] = Math.sin(x[i]);
      break;
    case "cos":
      for (let i = 0; i < n; i++) out[i] = Math.cos(x[i]);
      break;
    case "tan":
      for (let i = 0; i < n; i++) out[i] = Math.tan(x[i]);
      break;
    case "tanh":
      for (let i = 0; i < n; i++) out[i] = Math.tanh(x[i]);
      break;
    case "sigmoid":
      // exp(-x) overflows to ∞ for very negative x, giving exactly 0: no ∞/∞.
      for (let i = 0; i < n; i++) out[i] = 1 / (1 + Math.exp(-x[i]));
      break;
    case "softplus":
      for (let i = 0; i < n; i++) out[i] = softplus(x[i]);
      break;
    case "erf":
      for (let i = 0; i < n; i++) out[i] = erf(x[i]);
      break;
    case "relu":
      if (dtype === "float32" && x.byteOffset % 4 === 0) {
        reluBits(x as Float32Array, out as Float32Array, n);
        break;
      }
      for (let i = 0; i < n; i++) {
        const v = x[i];
        // `v !== v` keeps NaN; `v > 0 ? v : 0` alone would turn it into 0.
        out[i] = v > 0 || v !== v ? v : 0;
      }
      break;
    case "floor":
      for (let i = 0; i < n; i++) out[i] = Math.floor(x[i]);
      break;
    case "ceil":
      for (let i = 0; i < n; i++) out[i] = Math.ceil(x[i]);
      break;
    case "round":
      for (let i = 0; i < n; i++) {
        const v = x[i];
        // Math.round sends halves up; pull odd results of exact halves back.
        let r = Math.round(v);
        if (r - v === 0.5 && r % 2 !== 0) r -= 1;
        out[i] = r;
      }
      break;
    case "logicalNot":
      for (let i = 0; i < n; i++) out[i] = x[i] === 0 ? 1 : 0;
      break;
    default:
      throw new ValueError("unary", `unknown op ${String(op)}`);
  }
  return out;
}

/**
 * float32 `relu` on the bits, without a branch (random signs made the
 * branchy loop mispredict half the time: 7 ns an element on V8): a word
 * with the sign bit set becomes +0, unless it is a NaN, which is kept.
 */
function reluBits(x: Float32Array, out: Float32Array, n: number): void {
  const wx = new Int32Array(x.buffer, x.byteOffset, n), wo = new Int32Array(out.buffer, out.byteOffset, n);
  for (let i = 0; i < n; i++) {
    const b = wx[i];
    const nan = (0x7f800000 - (b & 0x7fffffff)) >> 31; // −1 for a NaN
    wo[i] = b & (~(b >> 31) | nan);
  }
}
