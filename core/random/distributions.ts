/**
 * Continuous samplers and coin flips: `uniform`, `normal`, `bernoulli`.
 *
 * Each is a fixed, exact map from the key's word stream (see `bits.ts`) to
 * numbers, built from correctly rounded operations and the portable `log`,
 * so a key gives the same tensor, bit for bit, on every runtime.
 *
 * @module
 */
import { finiteNumber } from "../args.ts";
import { checkDType, type FloatDType, isFloat } from "../dtype.ts";
import { DTypeError, ValueError } from "../errors.ts";
import { checkShape, type Shape, sizeOf } from "../shape.ts";
import type { Tensor } from "../tensor.ts";
import { drawRandom } from "../prims/random.ts";
import { checkKey, type Key } from "./key.ts";

/** Options of `uniform`. */
export interface UniformOptions {
  /** `float32` (default) or `float64`. */
  readonly dtype?: FloatDType;
  /** Inclusive lower bound (default 0). */
  readonly minval?: number;
  /** Exclusive upper bound (default 1). */
  readonly maxval?: number;
}

/** Options of `normal`. */
export interface NormalOptions {
  /** `float32` (default) or `float64`. */
  readonly dtype?: FloatDType;
  /** The mean (default 0). */
  readonly mean?: number;
  /** The standard deviation, ≥ 0 (default 1). */
  readonly std?: number;
}

const floatDType = (op: string, d: unknown): FloatDType => {
  const dtype = checkDType(op, d ?? "float32");
  if (!isFloat(dtype)) {
    throw new DTypeError(op, `dtype must be float32 or float64, got ${dtype}`);
  }
  return dtype;
};

/**
 * Uniform samples in `[minval, maxval)`.
 *
 * float32 element `i` is `minval + u·(maxval − minval)` with `u` the top 24
 * bits of word `i` over 2^24; float64 element `i` uses 53 bits of words `2i`
 * and `2i + 1`. The affine map is computed in float64 and rounded once to the
 * dtype; a value that rounds up to `maxval` is replaced by the largest value
 * below it, so the bound stays exclusive.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { key, uniform } from "./mod.ts";
 * const u = uniform(key(0), [1000], { minval: -1, maxval: 1 });
 * assert.equal(u.dtype, "float32");
 * const v = u.toArray() as number[];
 * assert.ok(v.every((x) => x >= -1 && x < 1));
 * assert.deepEqual(uniform(key(0), [3]).toArray(), uniform(key(0), [3]).toArray());
 * ```
 */
export const uniform = (
  key: Key,
  shape: Shape,
  opts: UniformOptions = {},
): Tensor => {
  const k = checkKey("uniform", key);
  const s = checkShape("uniform", shape);
  const dtype = floatDType("uniform", opts.dtype);
  const round = dtype === "float32" ? Math.fround : (x: number) => x;
  const lo = round(finiteNumber("uniform", "minval", opts.minval ?? 0));
  const hi = round(finiteNumber("uniform", "maxval", opts.maxval ?? 1));
  if (!(lo < hi)) {
    throw new ValueError(
      "uniform",
      `minval must be below maxval, got [${lo}, ${hi})`,
    );
  }
  const width = hi - lo;
  if (!Number.isFinite(width)) {
    throw new ValueError(
      "uniform",
      `maxval − minval overflows: [${lo}, ${hi})`,
    );
  }
  return drawRandom(k.data, { kind: "uniform", size: sizeOf(s), dtype, lo, hi }, s);
};

/**
 * Normal samples with the given mean and standard deviation.
 *
 * Element `i` is `mean + std·Φ⁻¹(u)`, with `u ∈ (0, 1)` from 52 bits of words
 * `2i` and `2i + 1` and Φ⁻¹ Wichura's AS 241 on the portable `log`, computed
 * in float64 (so samples reach about ±8.3 std). A float32 sample is the
 * float64 sample of the same key rounded to float32. Bit-identical on Deno
 * and Bun.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { key, normal } from "./mod.ts";
 * const z = normal(key(1), [2, 3], { dtype: "float64" });
 * assert.deepEqual(z.shape, [2, 3]);
 * const z32 = normal(key(1), [2, 3]).toArray() as number[][];
 * const z64 = z.toArray() as number[][];
 * assert.deepEqual(z32, z64.map((row) => row.map(Math.fround)));
 * ```
 */
export const normal = (
  key: Key,
  shape: Shape,
  opts: NormalOptions = {},
): Tensor => {
  const k = checkKey("normal", key);
  const s = checkShape("normal", shape);
  const dtype = floatDType("normal", opts.dtype);
  const mean = finiteNumber("normal", "mean", opts.mean ?? 0);
  const std = finiteNumber("normal", "std", opts.std ?? 1);
  if (std < 0) throw new ValueError("normal", `std must be ≥ 0, got ${std}`);
  return drawRandom(k.data, { kind: "normal", size: sizeOf(s), dtype, mean, std }, s);
};

/**
 * Coin flips: a `bool` tensor whose elements are true with probability `p`.
 * Element `i` is `word_i < p·2^32`, so probabilities resolve to 2^-32; `p = 0`
 * is never true and `p = 1` always.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { bernoulli, key } from "./mod.ts";
 * const b = bernoulli(key(0), 0.5, [4]);
 * assert.equal(b.dtype, "bool");
 * assert.deepEqual(bernoulli(key(0), 1, [3]).toArray(), [1, 1, 1]);
 * assert.throws(() => bernoulli(key(0), 1.5, [3]), /p must be/);
 * ```
 */
export const bernoulli = (key: Key, p = 0.5, shape: Shape = []): Tensor => {
  const k = checkKey("bernoulli", key);
  if (typeof p !== "number" || !(p >= 0 && p <= 1)) {
    throw new ValueError(
      "bernoulli",
      `p must be a probability in [0, 1], got ${String(p)}`,
    );
  }
  const s = checkShape("bernoulli", shape);
  return drawRandom(k.data, { kind: "bernoulli", size: sizeOf(s), p }, s);
};
