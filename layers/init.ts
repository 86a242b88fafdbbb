/**
 * Initializers (`layers.initializers.*`): functions `(key, shape, dtype?) →
 * Tensor` (dtype float32 by default) that make a layer's starting weights
 * from an explicit PRNG key. Parameterless ones are initializers as they
 * are (`glorotUniform`); parameterised ones are made by a call
 * (`normal(0.01)`, `constant(0.1)`).
 *
 * Fans follow Keras and PyTorch alike: a dense kernel `[in, out]` has fan-in
 * `in` and fan-out `out`; a convolution kernel `[kh, kw, in, out]` (HWIO, or
 * any rank ≥ 3 with the channels last) has fan-in `kh·kw·in` and fan-out
 * `kh·kw·out` (receptive field × channels); a vector `[n]` has both `n`,
 * a scalar both 1.
 *
 * This file holds the fans and the fixed-scale initializers; the Glorot, He
 * and LeCun families, which scale with the fans, are in `init_scaling.ts`.
 *
 * @module
 */
import { finiteNumber as finite } from "../core/args.ts";
import { full, zeros as zerosOf } from "../core/creation.ts";
import type { FloatDType } from "../core/dtype.ts";
import { DTypeError, ValueError } from "../core/errors.ts";
import { abs, add, cast, greater, max, mul, where } from "../core/ops/mod.ts";
import { foldIn, type Key, normal as normalSample, uniform as uniformSample } from "../core/random/mod.ts";
import { checkShape, type Shape } from "../core/shape.ts";
import type { Tensor } from "../core/tensor.ts";

/** Makes a tensor of `shape` (and `dtype`, float32 by default) from a PRNG key. */
export type Initializer = (key: Key, shape: Shape, dtype?: FloatDType) => Tensor;

/** @internal Validates an initializer's shape and dtype (float32 by default). */
export const checkArgs = (op: string, shape: Shape, dtype: unknown): [number[], FloatDType] => {
  const s = checkShape(op, shape);
  const d = dtype ?? "float32";
  if (d !== "float32" && d !== "float64") {
    throw new DTypeError(op, `weights must be float32 or float64, got dtype ${String(d)}`);
  }
  return [s, d];
};

/**
 * The fans of a weight of `shape` (see the module doc): fan-in and fan-out.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { layers } from "../mod.ts";
 * assert.deepEqual(layers.initializers.fans([784, 128]), { fanIn: 784, fanOut: 128 });
 * assert.deepEqual(layers.initializers.fans([3, 3, 16, 32]), { fanIn: 144, fanOut: 288 });
 * ```
 */
export const fans = (shape: Shape): { readonly fanIn: number; readonly fanOut: number } => {
  const s = checkShape("fans", shape);
  if (s.length === 0) return { fanIn: 1, fanOut: 1 };
  if (s.length === 1) return { fanIn: s[0], fanOut: s[0] };
  const receptive = s.slice(0, -2).reduce((a, b) => a * b, 1);
  return { fanIn: s[s.length - 2] * receptive, fanOut: s[s.length - 1] * receptive };
};

/**
 * All zeros (the usual bias initializer). The key is not used.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { layers, random } from "../mod.ts";
 * assert.deepEqual(layers.initializers.zeros(random.key(0), [2]).toArray(), [0, 0]);
 * ```
 */
export const zeros: Initializer = (_key, shape, dtype) => {
  const [s, d] = checkArgs("initializers.zeros", shape, dtype);
  return zerosOf(s, { dtype: d });
};

/**
 * All ones (a normalization layer's scale). The key is not used.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { layers, random } from "../mod.ts";
 * assert.deepEqual(layers.initializers.ones(random.key(0), [2], "float64").toArray(), [1, 1]);
 * ```
 */
export const ones: Initializer = (_key, shape, dtype) => {
  const [s, d] = checkArgs("initializers.ones", shape, dtype);
  return full(s, 1, { dtype: d });
};

/**
 * Every element `value` (Keras's `Constant`). The key is not used.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { layers, random } from "../mod.ts";
 * assert.deepEqual(layers.initializers.constant(0.5)(random.key(0), [3]).toArray(), [0.5, 0.5, 0.5]);
 * ```
 */
export const constant = (value: number): Initializer => {
  const c = finite("initializers.constant", "value", value);
  return (_key, shape, dtype) => {
    const [s, d] = checkArgs("initializers.constant", shape, dtype);
    return full(s, c, { dtype: d });
  };
};

/**
 * Normal samples N(mean, std²) (PyTorch's `normal_`, Keras's `RandomNormal`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { layers, random } from "../mod.ts";
 * const w = layers.initializers.normal(0.01)(random.key(0), [100, 10]);
 * assert.deepEqual(w.shape, [100, 10]);
 * assert.ok((w.toArray() as number[][]).flat().every((v) => Math.abs(v) < 0.1));
 * ```
 */
export const normal = (std: number, mean = 0): Initializer => {
  const sd = finite("initializers.normal", "std", std);
  const mu = finite("initializers.normal", "mean", mean);
  if (sd < 0) throw new ValueError("initializers.normal", `std must be ≥ 0, got ${sd}`);
  return (key, shape, dtype) => {
    const [s, d] = checkArgs("initializers.normal", shape, dtype);
    return normalSample(key, s, { mean: mu, std: sd, dtype: d });
  };
};

/**
 * Uniform samples in [minval, maxval) (PyTorch's `uniform_`, Keras's
 * `RandomUniform`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { layers, random } from "../mod.ts";
 * const w = layers.initializers.uniform(-1, 1)(random.key(0), [1000]).toArray() as number[];
 * assert.ok(w.every((v) => v >= -1 && v < 1));
 * ```
 */
export const uniform = (minval: number, maxval: number): Initializer => {
  const lo = finite("initializers.uniform", "minval", minval);
  const hi = finite("initializers.uniform", "maxval", maxval);
  if (!(lo < hi)) throw new ValueError("initializers.uniform", `minval must be below maxval, got [${lo}, ${hi})`);
  return (key, shape, dtype) => {
    const [s, d] = checkArgs("initializers.uniform", shape, dtype);
    return uniformSample(key, s, { minval: lo, maxval: hi, dtype: d });
  };
};

/**
 * @internal Standard normal samples (float64) conditioned on |z| ≤ 2: each
 * element out of range is drawn again (from `foldIn(key, round)`) until
 * every one is in range, so the result is exactly the truncated normal.
 */
export const standardTruncated = (key: Key, shape: Shape): Tensor => {
  let z = normalSample(key, shape, { dtype: "float64" });
  for (let round = 1; z.size > 0 && max(abs(z)).item() > 2; round++) {
    z = where(greater(abs(z), 2), normalSample(foldIn(key, round), shape, { dtype: "float64" }), z);
  }
  return z;
};

/**
 * A normal N(mean, std²) truncated at two standard deviations, as Keras's
 * `TruncatedNormal` (and Flax's `truncated_normal`): samples beyond
 * mean ± 2·std are drawn again, so the result's standard deviation is
 * about 0.88·std. (PyTorch's `trunc_normal_` truncates at absolute bounds
 * ±2 instead, whatever std is.)
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { layers, random } from "../mod.ts";
 * const w = layers.initializers.truncatedNormal(0.5)(random.key(0), [1000]).toArray() as number[];
 * assert.ok(w.every((v) => Math.abs(v) <= 1));
 * ```
 */
export const truncatedNormal = (std: number, mean = 0): Initializer => {
  const sd = finite("initializers.truncatedNormal", "std", std);
  const mu = finite("initializers.truncatedNormal", "mean", mean);
  if (sd < 0) throw new ValueError("initializers.truncatedNormal", `std must be ≥ 0, got ${sd}`);
  return (key, shape, dtype) => {
    const [s, d] = checkArgs("initializers.truncatedNormal", shape, dtype);
    return cast(add(mul(standardTruncated(key, s), sd), mu), d);
  };
};
