/**
 * Activation functions: plain functions `x → y`, elementwise, so each is a
 * layer as it is (`sequential([dense(4), relu])`). A parameterised one takes
 * its parameter second, with the default of PyTorch and JAX
 * (`leakyRelu(x, λ = 0.01)`); for another value in a container, close over
 * it: `sequential([dense(4), (x) => leakyRelu(x, 0.2)])`.
 *
 * Each follows PyTorch's definition (values, and derivatives at the kinks),
 * and each is stable: at |x| = 1e4 and ±∞ the values and gradients are
 * finite wherever the true ones are (the product forms x·g(x) of SiLU and
 * GELU are ∞·0 at ±∞, so the infinities are answered outside them), and a
 * NaN input gives NaN.
 *
 * @module
 */
import { finiteNumber } from "../core/args.ts";
import { ValueError } from "../core/errors.ts";
import {
  add,
  clip,
  equal,
  erf,
  exp,
  expm1,
  greater,
  isNan,
  less,
  logicalAnd,
  logicalOr,
  logSigmoid as coreLogSigmoid,
  mul,
  neg,
  relu as coreRelu,
  sigmoid as coreSigmoid,
  sign as coreSign,
  softplus as coreSoftplus,
  square,
  stopGradient,
  tanh as coreTanh,
  where,
} from "../core/ops/mod.ts";
import { requireFloat } from "../core/prims/checks.ts";
import type { Tensor } from "../core/tensor.ts";

/** An activation: an elementwise function of one tensor (a parameterless layer in `sequential`). */
export type Activation = (x: Tensor) => Tensor;

/**
 * f(x) for an activation of the form x·g(x) with g → 1 at +∞ and g → 0 at
 * −∞ (SiLU, GELU). The product is ∞·0 = NaN at ±∞, where the true value is
 * x (derivative 1) or −0 (derivative 0): those points are answered here, and
 * f is fed 0 there so its backward pass stays finite (the "double where").
 */
const gated = (f: Activation, x: Tensor): Tensor => {
  const posInf = equal(x, Infinity);
  const negInf = equal(x, -Infinity);
  const safe = where(logicalOr(posInf, negInf), 0, x);
  return where(posInf, x, where(negInf, -0, f(safe)));
};

/**
 * The identity, x ↦ x (a "linear" activation).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { layers, tensor } from "../mod.ts";
 * const x = tensor([1, -2]);
 * assert.equal(layers.identity(x), x);
 * ```
 */
export const identity: Activation = (x) => x;

/**
 * max(x, 0), with relu′(0) = 0 (as PyTorch and JAX).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { layers, tensor } from "../mod.ts";
 * assert.deepEqual(layers.relu(tensor([-1, 0, 2])).toArray(), [0, 0, 2]);
 * ```
 */
export const relu: Activation = (x) => coreRelu(x);

/**
 * Leaky ReLU: x for x > 0, λ·x otherwise (PyTorch's `LeakyReLU`,
 * `negative_slope` = 0.01); its derivative at 0 is λ, as PyTorch's.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { layers, tensor } from "../mod.ts";
 * assert.deepEqual(layers.leakyRelu(tensor([-100, 3])).toArray(), [-1, 3]);
 * assert.deepEqual(layers.leakyRelu(tensor([-2, 3]), 0.5).toArray(), [-1, 3]);
 * ```
 */
export const leakyRelu = (x: Tensor, negativeSlope = 0.01): Tensor => {
  const slope = finiteNumber("leakyRelu", "negativeSlope", negativeSlope);
  requireFloat("leakyRelu", x);
  return where(greater(x, 0), x, mul(x, slope));
};

/**
 * ELU: x for x > 0, α·(eˣ − 1) otherwise (PyTorch's `ELU`, α = 1). The
 * exponential only ever sees min(x, 0) — through a second `where`, so 1e4 is
 * never fed to it and its gradient there stays 1, not 0·∞ = NaN — and the
 * derivative at 0 is α, as PyTorch's.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { grad, layers, sum, tensor, type Tensor } from "../mod.ts";
 * assert.deepEqual(layers.elu(tensor([2, -Infinity])).toArray(), [2, -1]);
 * assert.deepEqual(grad((x: Tensor) => sum(layers.elu(x)))(tensor([1e4, 0])).toArray(), [1, 1]);
 * ```
 */
export const elu = (x: Tensor, alpha = 1): Tensor => {
  const a = finiteNumber("elu", "alpha", alpha);
  requireFloat("elu", x);
  const pos = greater(x, 0);
  return where(pos, x, mul(expm1(where(pos, 0, x)), a));
};

/**
 * softplus x = log(1 + eˣ), stable for every x (the core `softplus`);
 * PyTorch's `Softplus` (β = 1) agrees to rounding. Derivative σ(x).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { layers, tensor } from "../mod.ts";
 * assert.deepEqual(layers.softplus(tensor([1e4, -1e4])).toArray(), [1e4, 0]);
 * ```
 */
export const softplus: Activation = (x) => coreSoftplus(x);

/**
 * The logistic sigmoid σ(x) = 1/(1 + e⁻ˣ), safe at ±∞; also the output
 * function of a Bernoulli head.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { layers, tensor } from "../mod.ts";
 * assert.deepEqual(layers.sigmoid(tensor([0, 1e4, -1e4])).toArray(), [0.5, 1, 0]);
 * ```
 */
export const sigmoid: Activation = (x) => coreSigmoid(x);

/**
 * log σ(x) = −softplus(−x), finite for every finite x (PyTorch's `LogSigmoid`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { layers, tensor } from "../mod.ts";
 * assert.deepEqual(layers.logSigmoid(tensor([-1e4])).toArray(), [-1e4]);
 * ```
 */
export const logSigmoid: Activation = (x) => coreLogSigmoid(x);

/**
 * The hyperbolic tangent.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { layers, tensor } from "../mod.ts";
 * assert.deepEqual(layers.tanh(tensor([0, 1e4, -Infinity])).toArray(), [0, 1, -1]);
 * ```
 */
export const tanh: Activation = (x) => coreTanh(x);

/**
 * Hard tanh: x clipped to [min, max] (default [−1, 1]), PyTorch's
 * `Hardtanh`. Its derivative is 1 strictly inside and 0 at the bounds and
 * outside, as PyTorch's.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { layers, tensor } from "../mod.ts";
 * assert.deepEqual(layers.hardTanh(tensor([-3, 0.5, 3])).toArray(), [-1, 0.5, 1]);
 * assert.deepEqual(layers.hardTanh(tensor([-3, 0.5, 3]), 0, 2).toArray(), [0, 0.5, 2]);
 * ```
 */
export const hardTanh = (x: Tensor, minVal = -1, maxVal = 1): Tensor => {
  const lo = finiteNumber("hardTanh", "minVal", minVal);
  const hi = finiteNumber("hardTanh", "maxVal", maxVal);
  if (!(lo < hi)) throw new ValueError("hardTanh", `minVal must be below maxVal, got [${lo}, ${hi}]`);
  requireFloat("hardTanh", x);
  // The clipped branch carries no gradient, so the bounds get 0 (not clip's tie ½).
  return where(logicalAnd(greater(x, lo), less(x, hi)), x, stopGradient(clip(x, lo, hi)));
};

/**
 * The Heaviside step: 0 for x < 0, 1 for x > 0, and `valueAtZero` (default
 * 0) at 0 — `torch.heaviside(x, valueAtZero)`. A NaN gives NaN (as NumPy's
 * `heaviside`; PyTorch gives 0). Zero derivative everywhere.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { layers, tensor } from "../mod.ts";
 * assert.deepEqual(layers.heaviside(tensor([-2, 0, 3])).toArray(), [0, 0, 1]);
 * assert.deepEqual(layers.heaviside(tensor([0]), 0.5).toArray(), [0.5]);
 * ```
 */
export const heaviside = (x: Tensor, valueAtZero = 0): Tensor => {
  const v = finiteNumber("heaviside", "valueAtZero", valueAtZero);
  requireFloat("heaviside", x);
  const d = x.dtype;
  const step = where(greater(x, 0), 1, where(equal(x, 0), v, 0, d), d);
  return stopGradient(where(isNan(x), x, step));
};

/**
 * The sign: −1, 0 or 1 (sign(0) = 0, NaN gives NaN); zero derivative.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { layers, tensor } from "../mod.ts";
 * assert.deepEqual(layers.sign(tensor([-2, 0, 3])).toArray(), [-1, 0, 1]);
 * ```
 */
export const sign: Activation = (x) => coreSign(x);

// e^(−x²) is 0 in float64 (and float32) for |x| ≥ 27.3; clipping there keeps
// x² and its derivative 2x finite at ±∞ without changing any value.
const GAUSSIAN_CLIP = 30;

/**
 * The Gaussian bump e^(−x²) (the course's radial activation): 1 at 0, 0 at
 * ±∞, with derivative −2x·e^(−x²), 0 at ±∞ rather than ∞·0.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { layers, tensor } from "../mod.ts";
 * assert.deepEqual(layers.gaussian(tensor([0, Infinity])).toArray(), [1, 0]);
 * ```
 */
export const gaussian: Activation = (x) => {
  requireFloat("gaussian", x);
  return exp(neg(square(clip(x, -GAUSSIAN_CLIP, GAUSSIAN_CLIP))));
};

/**
 * SiLU (Swish with β = 1): x·σ(x), PyTorch's `SiLU`. Its limits are
 * returned at ±∞ (∞ and −0, derivatives 1 and 0), where the product form
 * gives NaN.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { layers, tensor } from "../mod.ts";
 * const [a, b] = layers.silu(tensor([0, 1], { dtype: "float64" })).toArray() as number[];
 * assert.equal(a, 0);
 * assert.ok(Math.abs(b - 1 / (1 + Math.exp(-1))) < 1e-15);
 * ```
 */
export const silu: Activation = (x) => {
  requireFloat("silu", x);
  return gated((s) => mul(s, coreSigmoid(s)), x);
};

/**
 * Swish, x·σ(x): the same function as `silu` (Ramachandran et al. with β = 1).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { layers } from "../mod.ts";
 * assert.equal(layers.swish, layers.silu);
 * ```
 */
export const swish: Activation = silu;

/** Options of `gelu`. */
export interface GeluOptions {
  /** `"none"` (default): x·Φ(x) with erf; `"tanh"`: PyTorch's tanh approximation. */
  readonly approximate?: "none" | "tanh";
}

const SQRT_HALF = Math.SQRT1_2;
const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
// tanh of √(2/π)(x + 0.044715x³) is ±1 to the last bit (and its derivative
// 0) for |x| ≥ 22; clipping at 30 keeps x³ far from float32 overflow.
const GELU_TANH_CLIP = 30;

/**
 * GELU as PyTorch defines it: exactly x·Φ(x) = ½x(1 + erf(x/√2)) by default,
 * or with `{ approximate: "tanh" }` ½x(1 + tanh(√(2/π)(x + 0.044715x³))).
 * Its limits are returned at ±∞ (∞ and −0, derivatives 1 and 0).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { layers, tensor } from "../mod.ts";
 * const x = tensor([1], { dtype: "float64" });
 * assert.ok(Math.abs(layers.gelu(x).item() - 0.8413447460685429) < 1e-15);
 * assert.ok(Math.abs(layers.gelu(x, { approximate: "tanh" }).item() - 0.8411919906082768) < 1e-15);
 * ```
 */
export const gelu = (x: Tensor, opts: GeluOptions = {}): Tensor => {
  const approximate = opts.approximate ?? "none";
  if (approximate !== "none" && approximate !== "tanh") {
    throw new ValueError("gelu", `approximate must be "none" or "tanh", got ${String(approximate)}`);
  }
  requireFloat("gelu", x);
  if (approximate === "none") return gated((s) => mul(mul(s, 0.5), add(1, erf(mul(s, SQRT_HALF)))), x);
  return gated((s) => {
    const c = clip(s, -GELU_TANH_CLIP, GELU_TANH_CLIP);
    const inner = mul(add(c, mul(mul(c, square(c)), 0.044715)), SQRT_2_OVER_PI);
    return mul(mul(s, 0.5), add(1, coreTanh(inner)));
  }, x);
};
