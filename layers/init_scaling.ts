/**
 * Initializers whose scale follows the weight's fans (see `init.ts` for how
 * fans are counted): `varianceScaling(scale, mode, distribution)` (Keras's
 * and Flax's `VarianceScaling`) draws with variance `scale / fan`, and the
 * Glorot, He and LeCun initializers are instances of it.
 *
 * Their normal forms are plain normals, as PyTorch's `xavier_normal_` and
 * `kaiming_normal_`; Keras and Flax draw a truncated normal of the same
 * variance instead, which is `varianceScaling(s, mode, "truncatedNormal")`.
 *
 * @module
 */
import { cast, mul } from "../core/ops/mod.ts";
import { normal as normalSample, uniform as uniformSample } from "../core/random/mod.ts";
import { ValueError } from "../core/errors.ts";
import { finiteNumber as finite } from "../core/args.ts";
import { checkArgs, fans, type Initializer, standardTruncated } from "./init.ts";

/** Which fan `varianceScaling` divides by: fan-in, fan-out, or their mean. */
export type FanMode = "fanIn" | "fanOut" | "fanAvg";

/** What `varianceScaling` draws from. */
export type Distribution = "normal" | "truncatedNormal" | "uniform";

// The standard deviation of a standard normal truncated to [−2, 2] (Keras's constant).
const TRUNCATED_STD = 0.87962566103423978;

/**
 * Samples of variance `scale / n`, with n the fan-in, the fan-out or their
 * mean (`mode`), from a normal, a truncated normal (at ±2σ, widened so the
 * variance is still scale/n, as Keras and Flax) or a uniform on ±√(3·scale/n).
 * A zero fan counts as 1 (as Keras).
 *
 * @example He normal for a 3×3 convolution from 16 to 32 channels
 * ```ts
 * import assert from "node:assert/strict";
 * import { layers, random } from "../mod.ts";
 * const init = layers.initializers.varianceScaling(2, "fanIn", "normal");
 * assert.deepEqual(init(random.key(0), [3, 3, 16, 32]).shape, [3, 3, 16, 32]);
 * ```
 */
export const varianceScaling = (scale: number, mode: FanMode, distribution: Distribution): Initializer => {
  const op = "initializers.varianceScaling";
  const sc = finite(op, "scale", scale);
  if (sc <= 0) throw new ValueError(op, `scale must be positive, got ${sc}`);
  if (mode !== "fanIn" && mode !== "fanOut" && mode !== "fanAvg") {
    throw new ValueError(op, `mode must be "fanIn", "fanOut" or "fanAvg", got ${String(mode)}`);
  }
  if (distribution !== "normal" && distribution !== "truncatedNormal" && distribution !== "uniform") {
    throw new ValueError(
      op,
      `distribution must be "normal", "truncatedNormal" or "uniform", got ${String(distribution)}`,
    );
  }
  return (key, shape, dtype) => {
    const [s, d] = checkArgs(op, shape, dtype);
    const { fanIn, fanOut } = fans(s);
    const n = Math.max(1, mode === "fanIn" ? fanIn : mode === "fanOut" ? fanOut : (fanIn + fanOut) / 2);
    const variance = sc / n;
    if (distribution === "uniform") {
      const limit = Math.sqrt(3 * variance);
      return uniformSample(key, s, { minval: -limit, maxval: limit, dtype: d });
    }
    if (distribution === "normal") return normalSample(key, s, { std: Math.sqrt(variance), dtype: d });
    return cast(mul(standardTruncated(key, s), Math.sqrt(variance) / TRUNCATED_STD), d);
  };
};

/**
 * Glorot (Xavier) uniform: U(−l, l) with l = √(6/(fan_in + fan_out)), so the
 * variance is 2/(fan_in + fan_out) (Glorot & Bengio 2010; PyTorch's
 * `xavier_uniform_`, Keras's `GlorotUniform`). The default for `dense` and
 * `conv2d` kernels.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { layers, random } from "../mod.ts";
 * const w = layers.initializers.glorotUniform(random.key(0), [50, 100]).toArray() as number[][];
 * assert.ok(w.flat().every((v) => Math.abs(v) < Math.sqrt(6 / 150)));
 * ```
 */
export const glorotUniform: Initializer = varianceScaling(1, "fanAvg", "uniform");

/**
 * Glorot (Xavier) normal: N(0, 2/(fan_in + fan_out)), PyTorch's
 * `xavier_normal_` (Keras's `GlorotNormal` truncates at ±2σ).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { layers, random } from "../mod.ts";
 * assert.deepEqual(layers.initializers.glorotNormal(random.key(0), [4, 2]).shape, [4, 2]);
 * ```
 */
export const glorotNormal: Initializer = varianceScaling(1, "fanAvg", "normal");

/**
 * He (Kaiming) normal: N(0, 2/fan_in), for ReLU layers (He et al. 2015;
 * PyTorch's `kaiming_normal_` with its defaults; Keras's `HeNormal`
 * truncates at ±2σ).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { layers, random } from "../mod.ts";
 * assert.deepEqual(layers.initializers.heNormal(random.key(0), [4, 2]).shape, [4, 2]);
 * ```
 */
export const heNormal: Initializer = varianceScaling(2, "fanIn", "normal");

/**
 * He (Kaiming) uniform: U(−l, l) with l = √(6/fan_in) (PyTorch's
 * `kaiming_uniform_` with a = 0, Keras's `HeUniform`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { layers, random } from "../mod.ts";
 * const w = layers.initializers.heUniform(random.key(0), [6, 2]).toArray() as number[][];
 * assert.ok(w.flat().every((v) => Math.abs(v) < 1));
 * ```
 */
export const heUniform: Initializer = varianceScaling(2, "fanIn", "uniform");

/**
 * LeCun normal: N(0, 1/fan_in) (LeCun et al. 1998, for SELU; PyTorch's
 * `kaiming_normal_(nonlinearity="linear")`; Keras's `LecunNormal` truncates
 * at ±2σ).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { layers, random } from "../mod.ts";
 * assert.deepEqual(layers.initializers.lecunNormal(random.key(0), [4, 2]).shape, [4, 2]);
 * ```
 */
export const lecunNormal: Initializer = varianceScaling(1, "fanIn", "normal");

/**
 * LeCun uniform: U(−l, l) with l = √(3/fan_in) (Keras's `LecunUniform`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { layers, random } from "../mod.ts";
 * const w = layers.initializers.lecunUniform(random.key(0), [3, 2]).toArray() as number[][];
 * assert.ok(w.flat().every((v) => Math.abs(v) < 1));
 * ```
 */
export const lecunUniform: Initializer = varianceScaling(1, "fanIn", "uniform");
