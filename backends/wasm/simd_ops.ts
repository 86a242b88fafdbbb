/**
 * The SIMD128 opcodes the elementwise, reduction and fused emitters use
 * beyond those {@link Body} names, as numbers for `Body.simd` (the final
 * SIMD128 numbering), plus the few helpers that need a memory immediate or a
 * lane index. Kept apart from `wasm_writer.ts` so that the emitters can grow
 * without touching the writer the gemm shares.
 *
 * @module
 */
import { type Body, uleb } from "./wasm_writer.ts";

/** SIMD opcodes by name: `f.simd(OP.f64x2Add)` is `f64x2.add`. */
export const OP = Object.freeze(
  {
    v128Not: 0x4d,
    v128And: 0x4e,
    v128AndNot: 0x4f,
    v128Or: 0x50,
    v128Xor: 0x51,
    v128Bitselect: 0x52,
    f32x4Eq: 0x41,
    f32x4Ne: 0x42,
    f32x4Lt: 0x43,
    f32x4Gt: 0x44,
    f64x2Eq: 0x47,
    f64x2Ne: 0x48,
    f64x2Lt: 0x49,
    f64x2Gt: 0x4a,
    i8x16Eq: 0x23,
    f32x4DemoteF64x2Zero: 0x5e,
    f64x2PromoteLowF32x4: 0x5f,
    f32x4Ceil: 0x67,
    f32x4Floor: 0x68,
    f32x4Nearest: 0x6a,
    f64x2Ceil: 0x74,
    f64x2Floor: 0x75,
    f64x2Nearest: 0x94,
    f32x4Abs: 0xe0,
    f32x4Neg: 0xe1,
    f32x4Sqrt: 0xe3,
    f32x4Add: 0xe4,
    f32x4Sub: 0xe5,
    f32x4Mul: 0xe6,
    f32x4Div: 0xe7,
    f64x2Abs: 0xec,
    f64x2Neg: 0xed,
    f64x2Sqrt: 0xef,
    f64x2Add: 0xf0,
    f64x2Sub: 0xf1,
    f64x2Mul: 0xf2,
    f64x2Div: 0xf3,
  } as const,
);

/** A SIMD opcode's name in {@link OP}. */
export type SimdOp = keyof typeof OP;

/**
 * Appends `v128.load64_zero`: 8 bytes into the low half, zeros above (two
 * float32s to promote, or one float64).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Body } from "./wasm_writer.ts";
 * import { load64Zero } from "./simd_ops.ts";
 * assert.deepEqual(load64Zero(new Body(0), 8).code, [0xfd, 0x5d, 3, 8]);
 * ```
 */
export function load64Zero(f: Body, offset = 0): Body {
  return f.simd(0x5d).op(3, ...uleb(offset));
}

/**
 * Appends `v128.const` with two float64 lanes equal to `value`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Body } from "./wasm_writer.ts";
 * import { f64x2Const } from "./simd_ops.ts";
 * assert.equal(f64x2Const(new Body(0), 1).code.length, 2 + 16);
 * ```
 */
export function f64x2Const(f: Body, value: number): Body {
  const bytes = new Uint8Array(new Float64Array([value, value]).buffer);
  return f.simd(0x0c).op(...bytes);
}

/**
 * Appends `v128.const` with four float32 lanes equal to `value` (rounded to float32).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Body } from "./wasm_writer.ts";
 * import { f32x4Const } from "./simd_ops.ts";
 * assert.equal(f32x4Const(new Body(0), 0.5).code.length, 2 + 16);
 * ```
 */
export function f32x4Const(f: Body, value: number): Body {
  const bytes = new Uint8Array(new Float32Array([value, value, value, value]).buffer);
  return f.simd(0x0c).op(...bytes);
}
