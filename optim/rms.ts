/**
 * RMSProp's rescaling (Hinton 2012), plain and centered (Graves 2013), as
 * optax's `scale_by_rms` and `scale_by_stddev`.
 *
 * Where ε goes differs between the frameworks: optax adds it under the
 * square root by default (`epsInSqrt: true`, 1/√(v + ε)); PyTorch's
 * `RMSprop` adds it outside (`epsInSqrt: false`, 1/(√v + ε)), and also
 * defaults to a decay (its `alpha`) of 0.99 where optax uses 0.9.
 *
 * @module
 */
import { add, div, mul, rsqrt, sqrt, square, sub } from "../core/ops/mod.ts";
import type { Tensor } from "../core/tensor.ts";
import * as tree from "../core/tree/mod.ts";
import { full, zerosLike } from "../core/creation.ts";
import { elementwise } from "./elementwise.ts";
import { checkNumber, incrementCount, inverseCorrection, stepScalars, zeroCount } from "./scalars.ts";
import type { Tree } from "../core/tree/mod.ts";
import type { GradientTransformation } from "./types.ts";

/** Options of {@link scaleByRms} and {@link scaleByStddev}. */
export interface RmsOptions {
  /** Decay of the mean square (0.9, optax; PyTorch's `alpha` defaults to 0.99). */
  readonly decay?: number;
  /** Added to the denominator (1e-8, both). */
  readonly eps?: number;
  /** The mean square's initial value (0: optax and PyTorch; TF1 used 1). */
  readonly initialScale?: number;
  /** ε under the square root (true: optax) or outside it (false: PyTorch). */
  readonly epsInSqrt?: boolean;
  /** Divide the moments by 1 − decayᵗ (false, both; optax's `bias_correction`). */
  readonly biasCorrection?: boolean;
}

/** The state of {@link scaleByRms}: the mean square, and the count when bias-corrected. */
export type RmsState = { readonly nu: Tree; readonly count?: Tensor };
/** The state of {@link scaleByStddev}: mean and mean square, and the count when bias-corrected. */
export type StddevState = { readonly mu: Tree; readonly nu: Tree; readonly count?: Tensor };

const settings = (name: string, o: RmsOptions) => ({
  decay: checkNumber(name, "decay", o.decay ?? 0.9, 0),
  eps: checkNumber(name, "eps", o.eps ?? 1e-8, 0),
  initialScale: checkNumber(name, "initialScale", o.initialScale ?? 0, 0),
  epsInSqrt: o.epsInSqrt ?? true,
  biasCorrection: o.biasCorrection ?? false,
});

/** The step's scalar 1 / (1 − decayᵗ) (multiplied by, as in `scaleByAdam`) and new count. */
const correction = (name: string, decay: number) => {
  const inverse = stepScalars((t) => [inverseCorrection(decay, t)]);
  return (s: { readonly count?: Tensor }) => {
    const count = incrementCount(name, s.count as Tensor);
    return { scalars: inverse(count), state: { count } };
  };
};

/** 1/√(x + ε) or 1/(√x + ε). */
const inverseRoot = (x: Tensor, eps: number, inSqrt: boolean): Tensor =>
  inSqrt ? rsqrt(add(x, eps)) : div(1, add(sqrt(x), eps));

/**
 * Divides updates by the root of a moving mean of their squares:
 * v ← βv + (1 − β)g², u = g / √(v + ε) (optax's `scale_by_rms`; with
 * `epsInSqrt: false`, u = g / (√v + ε) as PyTorch's `RMSprop`). State
 * `{ nu }`, or `{ count, nu }` with `biasCorrection`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { optim, tensor, type Tensor } from "../mod.ts";
 * const tx = optim.scaleByRms({ decay: 0.75, eps: 0 });
 * const g = { w: tensor([2]) };
 * const [u] = tx.update(g, tx.init(g)); // v = 0.25·4 = 1, u = 2/√1
 * assert.equal((u as { w: Tensor }).w.item(), 2);
 * ```
 */
export function scaleByRms(o: RmsOptions = {}): GradientTransformation<RmsState> {
  const name = "scaleByRms";
  const { decay, eps, initialScale, epsInSqrt, biasCorrection } = settings(name, o);
  return elementwise<RmsState>({
    name,
    init: (params) => {
      const nu = tree.map((p: Tensor) => full(p.shape, initialScale, { dtype: p.dtype }), params);
      return biasCorrection ? { count: zeroCount(), nu } : { nu };
    },
    slots: ["nu"],
    step: biasCorrection ? correction(name, decay) : undefined,
    rule: {
      key: name,
      apply: (g, _p, [v], [c]) => {
        const nu = add(mul(square(g), 1 - decay), mul(v, decay));
        return [mul(inverseRoot(biasCorrection ? mul(nu, c) : nu, eps, epsInSqrt), g), [nu]];
      },
    },
  });
}

/**
 * Centered RMSProp: divides updates by a moving estimate of their standard
 * deviation, u = g / √(v − m² + ε) with m, v moving means of g and g²
 * (optax's `scale_by_stddev`; PyTorch's `RMSprop(centered=True)` with
 * `epsInSqrt: false`). State `{ mu, nu }`, or `{ count, mu, nu }` with
 * `biasCorrection`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { optim, tensor, type Tensor } from "../mod.ts";
 * const tx = optim.scaleByStddev({ decay: 0.5, eps: 0 });
 * const g = { w: tensor([2]) };
 * const [u] = tx.update(g, tx.init(g)); // m = 1, v = 2, u = 2/√(2 − 1)
 * assert.equal((u as { w: Tensor }).w.item(), 2);
 * ```
 */
export function scaleByStddev(o: RmsOptions = {}): GradientTransformation<StddevState> {
  const name = "scaleByStddev";
  const { decay, eps, initialScale, epsInSqrt, biasCorrection } = settings(name, o);
  return elementwise<StddevState>({
    name,
    init: (params) => {
      const mu = tree.map(zerosLike, params);
      const nu = tree.map((p: Tensor) => full(p.shape, initialScale, { dtype: p.dtype }), params);
      return biasCorrection ? { count: zeroCount(), mu, nu } : { mu, nu };
    },
    slots: ["mu", "nu"],
    step: biasCorrection ? correction(name, decay) : undefined,
    rule: {
      key: name,
      apply: (g, _p, [m, v], [c]) => {
        const mu = add(mul(g, 1 - decay), mul(m, decay));
        const nu = add(mul(square(g), 1 - decay), mul(v, decay));
        const [muHat, nuHat] = biasCorrection ? [mul(mu, c), mul(nu, c)] : [mu, nu];
        return [mul(inverseRoot(sub(nuHat, square(muHat)), eps, epsInSqrt), g), [mu, nu]];
      },
    },
  });
}
