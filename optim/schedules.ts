/**
 * Learning-rate schedules: functions of the step count (an int32 scalar
 * tensor, 0 at the first update) to a float64 scalar tensor, written with
 * tensor ops so they can run inside a compiled step. Each takes the place
 * of a number wherever a `ScalarOrSchedule` is asked for (`adam(cosineDecay(
 * 1e-3, 1000))`, `addDecayedWeights(linear(…))`). The definitions are
 * optax's (`optax/schedules/_schedule.py`); `stepDecay` is PyTorch's
 * `StepLR`.
 *
 * @module
 */
import { scalar } from "../core/creation.ts";
import {
  add,
  cast,
  cos,
  div,
  floor,
  greaterEqual,
  less,
  lessEqual,
  maximum,
  minimum,
  mul,
  pow,
  sub,
  where,
} from "../core/ops/mod.ts";
import type { Tensor } from "../core/tensor.ts";
import { positiveInt } from "../core/args.ts";
import { ValueError } from "../core/errors.ts";
import { checkNumber } from "./scalars.ts";

const f64 = (count: Tensor): Tensor => cast(count, "float64");

/**
 * The same value at every step (optax's `constant_schedule`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { optim, scalar } from "../mod.ts";
 * assert.equal(optim.constant(0.1)(scalar(7, "int32")).item(), 0.1);
 * ```
 */
export const constant = (value: number): (count: Tensor) => Tensor => {
  checkNumber("constant", "value", value);
  return () => scalar(value, "float64");
};

/** Options of {@link polynomial} and {@link linear}. */
export interface TransitionOptions {
  /** Steps at `init` before the transition starts (0). */
  readonly transitionBegin?: number;
}

/**
 * From `init` to `end` over `transitionSteps` steps as (init − end)·(1 − t/T)^power + end,
 * t = clip(count − begin, 0, T) (optax's `polynomial_schedule`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { optim, scalar } from "../mod.ts";
 * const s = optim.polynomial(1, 0, 2, 10);
 * assert.equal(s(scalar(5, "int32")).item(), 0.25);
 * ```
 */
export const polynomial = (
  init: number,
  end: number,
  power: number,
  transitionSteps: number,
  { transitionBegin = 0 }: TransitionOptions = {},
): (count: Tensor) => Tensor => {
  const steps = positiveInt("polynomial", "transitionSteps", transitionSteps);
  return (count) => {
    const t = minimum(maximum(sub(f64(count), transitionBegin), 0), steps);
    return add(mul(pow(sub(1, div(t, steps)), power), init - end), end);
  };
};

/**
 * From `init` to `end` linearly over `transitionSteps` steps, then `end`
 * (optax's `linear_schedule`; a linear warm-up when init < end).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { optim, scalar } from "../mod.ts";
 * const warm = optim.linear(0, 1, 4);
 * assert.deepEqual([0, 1, 4, 9].map((t) => warm(scalar(t, "int32")).item()), [0, 0.25, 1, 1]);
 * ```
 */
export const linear = (init: number, end: number, transitionSteps: number, o: TransitionOptions = {}) =>
  polynomial(init, end, 1, transitionSteps, o);

/**
 * `init`·factor^⌊count / every⌋: multiplied by `factor` every `every` steps
 * (PyTorch's `StepLR(step_size=every, gamma=factor)`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { optim, scalar } from "../mod.ts";
 * const s = optim.stepDecay(1, { every: 10, factor: 0.5 });
 * assert.deepEqual([0, 9, 10, 25].map((t) => s(scalar(t, "int32")).item()), [1, 1, 0.5, 0.25]);
 * ```
 */
export const stepDecay = (init: number, { every, factor }: { every: number; factor: number }) => {
  positiveInt("stepDecay", "every", every);
  checkNumber("stepDecay", "factor", factor, 0);
  return (count: Tensor): Tensor => mul(pow(factor, floor(div(f64(count), every))), init);
};

/**
 * `init` multiplied by `scale` from step `boundary` on, for each
 * `[boundary, scale]` (optax's `piecewise_constant_schedule`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { optim, scalar } from "../mod.ts";
 * const s = optim.piecewiseConstant(1, [[10, 0.1], [20, 0.5]]);
 * assert.deepEqual([0, 10, 20].map((t) => Number(s(scalar(t, "int32")).item().toFixed(6))), [1, 0.1, 0.05]);
 * ```
 */
export const piecewiseConstant = (init: number, boundariesAndScales: readonly (readonly [number, number])[]) => {
  const sorted = [...boundariesAndScales].sort((a, b) => a[0] - b[0]);
  for (const [b, s] of sorted) {
    checkNumber("piecewiseConstant", "a boundary", b, 0);
    checkNumber("piecewiseConstant", "a scale", s, 0);
  }
  return (count: Tensor): Tensor =>
    sorted.reduce((v, [b, s]) => where(greaterEqual(count, b), mul(v, s), v), scalar(init, "float64"));
};

/** Options of {@link exponentialDecay}. */
export interface ExponentialDecayOptions {
  /** Steps at `init` before the decay starts (0). */
  readonly transitionBegin?: number;
  /** Decay in whole periods of `transitionSteps` (false). */
  readonly staircase?: boolean;
  /** A bound the value does not pass (a floor when the rate is below 1). */
  readonly endValue?: number;
}

/**
 * init·rate^((count − begin) / transitionSteps), `init` before `begin`
 * (optax's `exponential_decay`).
 *
 * @example Halving every 100 steps
 * ```ts
 * import assert from "node:assert/strict";
 * import { optim, scalar } from "../mod.ts";
 * const s = optim.exponentialDecay(1, 100, 0.5);
 * assert.deepEqual([0, 100, 250].map((t) => s(scalar(t, "int32")).item()), [1, 0.5, 0.5 ** 2.5]);
 * ```
 */
export const exponentialDecay = (
  init: number,
  transitionSteps: number,
  decayRate: number,
  { transitionBegin = 0, staircase = false, endValue }: ExponentialDecayOptions = {},
): (count: Tensor) => Tensor => {
  positiveInt("exponentialDecay", "transitionSteps", transitionSteps);
  checkNumber("exponentialDecay", "decayRate", decayRate, 0);
  return (count) => {
    const t = sub(f64(count), transitionBegin);
    const p = div(t, transitionSteps);
    const at = where(lessEqual(t, 0), init, mul(pow(decayRate, staircase ? floor(p) : p), init));
    if (endValue === undefined) return at;
    return decayRate < 1 ? maximum(at, endValue) : minimum(at, endValue);
  };
};

/** Options of {@link cosineDecay}. */
export interface CosineOptions {
  /** The final value as a fraction of `init` (0). */
  readonly alpha?: number;
  /** Raise the cosine factor to this power (1). */
  readonly exponent?: number;
}

/**
 * init·((1 − α)·(½(1 + cos(π·t/T)))^exponent + α), t = min(count, T)
 * (optax's `cosine_decay_schedule`, Loshchilov & Hutter's SGDR without
 * restarts).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { optim, scalar } from "../mod.ts";
 * const s = optim.cosineDecay(1, 100);
 * assert.deepEqual([0, 50, 100, 200].map((t) => Number(s(scalar(t, "int32")).item().toFixed(12))), [1, 0.5, 0, 0]);
 * ```
 */
export const cosineDecay = (
  init: number,
  decaySteps: number,
  { alpha = 0, exponent = 1 }: CosineOptions = {},
): (count: Tensor) => Tensor => {
  positiveInt("cosineDecay", "decaySteps", decaySteps);
  return (count) => {
    const t = minimum(f64(count), decaySteps);
    const c = mul(add(cos(div(mul(t, Math.PI), decaySteps)), 1), 0.5);
    return mul(add(mul(pow(c, exponent), 1 - alpha), alpha), init);
  };
};

/** Options of {@link warmupCosine}. */
export interface WarmupCosineOptions {
  /** The value at step 0 (0). */
  readonly init?: number;
  /** The value reached at the end of the warm-up. */
  readonly peak: number;
  /** Steps of linear warm-up. */
  readonly warmupSteps: number;
  /** Total length, warm-up included. */
  readonly decaySteps: number;
  /** The final value (0). */
  readonly end?: number;
  /** As in {@link cosineDecay} (1). */
  readonly exponent?: number;
}

/**
 * A linear warm-up from `init` to `peak` over `warmupSteps`, then a cosine
 * decay to `end` at `decaySteps` (optax's `warmup_cosine_decay_schedule`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { optim, scalar } from "../mod.ts";
 * const s = optim.warmupCosine({ peak: 1, warmupSteps: 10, decaySteps: 110 });
 * assert.deepEqual([0, 5, 10, 60, 110].map((t) => Number(s(scalar(t, "int32")).item().toFixed(12))), [0, 0.5, 1, 0.5, 0]);
 * ```
 */
export const warmupCosine = (
  { init = 0, peak, warmupSteps, decaySteps, end = 0, exponent = 1 }: WarmupCosineOptions,
): (count: Tensor) => Tensor => {
  positiveInt("warmupCosine", "warmupSteps", warmupSteps);
  if (!(decaySteps > warmupSteps)) {
    throw new ValueError("warmupCosine", `decaySteps (${decaySteps}) must exceed warmupSteps (${warmupSteps})`);
  }
  const warm = linear(init, peak, warmupSteps);
  const decay = cosineDecay(peak, decaySteps - warmupSteps, { alpha: peak === 0 ? 0 : end / peak, exponent });
  // optax's join_schedules: the second schedule sees the count from its own start.
  return (count) => where(less(count, warmupSteps), warm(count), decay(sub(count, warmupSteps)));
};
