/**
 * Gradient descent and its momentum forms, each a `chain` of building
 * blocks as in optax's `alias.py`.
 *
 * The two momentum forms differ by the weight of the new gradient: the
 * heavy-ball form v ← βv + g (Polyak; PyTorch's `SGD(momentum=β)` and
 * optax's `sgd(momentum=β)`, the default here) and the exponential moving
 * average v ← βv + (1 − β)g (optax's `ema` without debiasing), whose steps
 * are (1 − β) times smaller at the same learning rate.
 *
 * @module
 */
import { chain, identity } from "./chain.ts";
import { scaleByLearningRate } from "./scale.ts";
import { ema, trace } from "./trace.ts";
import type { GradientTransformation, OptState, ScalarOrSchedule } from "./types.ts";

/** Options of {@link sgd}. */
export interface SgdOptions {
  /** Heavy-ball momentum β (none by default). */
  readonly momentum?: number;
  /** With `momentum`: Nesterov's form. */
  readonly nesterov?: boolean;
}

/**
 * Stochastic gradient descent, u = −η·g, optionally with heavy-ball or
 * Nesterov momentum (optax's `sgd`: `chain(identity() or trace(…),
 * scaleByLearningRate(lr))`; PyTorch's `SGD` with dampening 0). Full batch,
 * single sample or mini-batch is a matter of which gradient is passed in.
 *
 * @example One step on f(w) = w², from 1
 * ```ts
 * import assert from "node:assert/strict";
 * import { optim, tensor, type Tensor } from "../mod.ts";
 * const opt = optim.sgd(0.25);
 * const w = tensor([1]);
 * const [next] = optim.updateAndApply(opt, tensor([2]), opt.init(w), w); // ∇ = 2w
 * assert.equal((next as Tensor).item(), 0.5);
 * ```
 */
export const sgd = (
  lr: ScalarOrSchedule,
  { momentum, nesterov = false }: SgdOptions = {},
): GradientTransformation<OptState[]> =>
  chain(momentum === undefined ? identity() : trace({ decay: momentum, nesterov }), scaleByLearningRate(lr));

/** Options of {@link momentum}. */
export interface MomentumOptions {
  /**
   * `"heavyBall"` (the default): v ← βv + g, PyTorch's SGD momentum and
   * optax's `trace`; `"ema"`: v ← βv + (1 − β)g. The update is −η·v.
   */
  readonly form?: "heavyBall" | "ema";
}

/**
 * Gradient descent with momentum β in the heavy-ball or the EMA form (see
 * the module doc): `chain(trace({ decay: β }), scaleByLearningRate(lr))` or
 * `chain(ema(β, { debias: false }), scaleByLearningRate(lr))`.
 *
 * @example The two forms after two equal gradients
 * ```ts
 * import assert from "node:assert/strict";
 * import { optim, tensor, type Tensor } from "../mod.ts";
 * const twoSteps = (opt: optim.GradientTransformation) => {
 *   const g = tensor([1]);
 *   const [, s] = opt.update(g, opt.init(g));
 *   return (opt.update(g, s)[0] as Tensor).item();
 * };
 * assert.equal(twoSteps(optim.momentum(1, 0.5)), -1.5); // v = 1, then 1.5
 * assert.equal(twoSteps(optim.momentum(1, 0.5, { form: "ema" })), -0.75); // v = 0.5, then 0.75
 * ```
 */
export const momentum = (
  lr: ScalarOrSchedule,
  beta = 0.9,
  { form = "heavyBall" }: MomentumOptions = {},
): GradientTransformation<OptState[]> =>
  chain(form === "ema" ? ema(beta, { debias: false }) : trace({ decay: beta }), scaleByLearningRate(lr));

/**
 * Nesterov's accelerated gradient in the form of Sutskever et al. 2013:
 * v ← βv + g, u = −η(g + βv) (optax's `sgd(nesterov=True)`, PyTorch's
 * `SGD(nesterov=True)`): `chain(trace({ decay: β, nesterov: true }),
 * scaleByLearningRate(lr))`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { optim, tensor, type Tensor } from "../mod.ts";
 * const opt = optim.nesterov(1, 0.5);
 * const [u] = opt.update(tensor([2]), opt.init(tensor([0]))); // v = 2, u = −(2 + 0.5·2)
 * assert.equal((u as Tensor).item(), -3);
 * ```
 */
export const nesterov = (lr: ScalarOrSchedule, beta = 0.9): GradientTransformation<OptState[]> =>
  chain(trace({ decay: beta, nesterov: true }), scaleByLearningRate(lr));
