/**
 * Optimizers with per-parameter step sizes, each a `chain` of building
 * blocks as in optax's `alias.py`: RMSProp, AdaGrad, Adam and AdamW.
 * Defaults are optax's; where PyTorch's differ, the option that gives
 * PyTorch's behaviour is named in each doc.
 *
 * @module
 */
import { type AdamOptions, scaleByAdam } from "./adam.ts";
import { chain, identity } from "./chain.ts";
import type { Mask } from "./masking.ts";
import { type RmsOptions, scaleByRms, scaleByStddev } from "./rms.ts";
import { type RssOptions, scaleByRss } from "./rss.ts";
import { scaleByLearningRate } from "./scale.ts";
import { trace } from "./trace.ts";
import type { GradientTransformation, OptState, ScalarOrSchedule } from "./types.ts";
import { addDecayedWeights } from "./weight_decay.ts";

/** Options of {@link rmsprop}. */
export interface RmspropOptions extends RmsOptions {
  /** Divide by a moving standard deviation instead of the root mean square (false). */
  readonly centered?: boolean;
  /** Heavy-ball momentum on the rescaled, learning-rate-scaled updates (none). */
  readonly momentum?: number;
  /** With `momentum`: Nesterov's form. */
  readonly nesterov?: boolean;
}

/**
 * RMSProp: u = −η·g / √(v + ε), v a moving mean of g² (optax's `rmsprop`:
 * `chain(scaleByRms(o) or scaleByStddev(o), scaleByLearningRate(lr),
 * identity() or trace(…))`). Defaults are optax's (decay 0.9, ε 1e-8 under
 * the root); PyTorch's `RMSprop` is `{ decay: 0.99, epsInSqrt: false }`
 * (with `centered` and `momentum` as its own, equal for a constant lr).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { optim, tensor, type Tensor } from "../mod.ts";
 * const opt = optim.rmsprop(0.1, { decay: 0.75, eps: 0 });
 * const [u] = opt.update(tensor([2]), opt.init(tensor([0]))); // v = 1
 * assert.equal((u as Tensor).item().toFixed(6), "-0.200000");
 * ```
 */
export const rmsprop = (lr: ScalarOrSchedule, o: RmspropOptions = {}): GradientTransformation<OptState[]> =>
  chain(
    o.centered ? scaleByStddev(o) : scaleByRms(o),
    scaleByLearningRate(lr),
    o.momentum === undefined ? identity() : trace({ decay: o.momentum, nesterov: o.nesterov }),
  );

/**
 * AdaGrad: u = −η·g / √(Σg² + ε) (optax's `adagrad`:
 * `chain(scaleByRss(o), scaleByLearningRate(lr))`). Defaults are optax's
 * (initial accumulator 0.1, ε 1e-7 under the root); PyTorch's `Adagrad` is
 * `{ initialAccumulator: 0, eps: 1e-10, epsInSqrt: false }` (its `lr_decay`
 * is the schedule lr / (1 + t·decay)).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { optim, tensor, type Tensor } from "../mod.ts";
 * const opt = optim.adagrad(0.5, { initialAccumulator: 0, eps: 0 });
 * const [u] = opt.update(tensor([4]), opt.init(tensor([0]))); // Σg² = 16
 * assert.equal((u as Tensor).item(), -0.5);
 * ```
 */
export const adagrad = (lr: ScalarOrSchedule, o: RssOptions = {}): GradientTransformation<OptState[]> =>
  chain(scaleByRss(o), scaleByLearningRate(lr));

/** Options of {@link adam}. */
export interface AdamLikeOptions extends AdamOptions {
  /**
   * An L2 penalty λ added to the gradient before the moments, g + λp
   * (PyTorch's `Adam(weight_decay=λ)`; 0 by default). For decoupled weight
   * decay use `adamw`.
   */
  readonly weightDecay?: number;
}

/**
 * Adam (Kingma & Ba 2015), bias-corrected: u = −η·m̂ / (√v̂ + ε) with
 * defaults η 1e-3, β₁ 0.9, β₂ 0.999, ε 1e-8 (optax's and PyTorch's):
 * literally `chain(scaleByAdam(o), scaleByLearningRate(lr))`, with
 * `addDecayedWeights(λ)` in front for `weightDecay`.
 *
 * @example The first step is −η·sign(g)
 * ```ts
 * import assert from "node:assert/strict";
 * import { optim, tensor, type Tensor } from "../mod.ts";
 * const opt = optim.adam(0.01);
 * const [u] = opt.update(tensor([5, -0.2]), opt.init(tensor([0, 0])));
 * assert.deepEqual([...(u as Tensor).toTypedArray()].map((x) => Number(x.toFixed(6))), [-0.01, 0.01]);
 * ```
 */
export const adam = (lr: ScalarOrSchedule = 1e-3, o: AdamLikeOptions = {}): GradientTransformation<OptState[]> =>
  o.weightDecay
    ? chain(addDecayedWeights(o.weightDecay), scaleByAdam(o), scaleByLearningRate(lr))
    : chain(scaleByAdam(o), scaleByLearningRate(lr));

/** Options of {@link adamw}. */
export interface AdamwOptions extends AdamOptions {
  /** λ, decoupled (1e-4: optax's default; PyTorch's `AdamW` uses 1e-2). A number or a schedule. */
  readonly weightDecay?: ScalarOrSchedule;
  /** Which parameters decay (see `masked`); all by default. */
  readonly mask?: Mask;
}

/**
 * AdamW (Loshchilov & Hutter 2019), decoupled weight decay:
 * u = −η(m̂ / (√v̂ + ε) + λp) (optax's `adamw`:
 * `chain(scaleByAdam(o), addDecayedWeights(λ, { mask }), scaleByLearningRate(lr))`;
 * PyTorch's `AdamW`, p ← p(1 − ηλ) − η·m̂/(√v̂ + ε), is the same step).
 * λ defaults to optax's 1e-4; pass `{ weightDecay: 0.01 }` for PyTorch's.
 *
 * @example Decay alone, with a zero gradient
 * ```ts
 * import assert from "node:assert/strict";
 * import { optim, tensor, type Tensor } from "../mod.ts";
 * const opt = optim.adamw(0.1, { weightDecay: 0.5 });
 * const p = tensor([2]);
 * const [u] = opt.update(tensor([0]), opt.init(p), p); // −0.1·(0 + 0.5·2)
 * assert.equal((u as Tensor).item().toFixed(6), "-0.100000");
 * ```
 */
export const adamw = (lr: ScalarOrSchedule = 1e-3, o: AdamwOptions = {}): GradientTransformation<OptState[]> =>
  chain(scaleByAdam(o), addDecayedWeights(o.weightDecay ?? 1e-4, { mask: o.mask }), scaleByLearningRate(lr));
