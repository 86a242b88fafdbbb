/**
 * Momentum accumulators: the heavy-ball trace v ← βv + g (optax's `trace`,
 * PyTorch's SGD momentum buffer with dampening 0) and the exponential
 * moving average v ← βv + (1 − β)g (optax's `ema`).
 *
 * @module
 */
import { add, mul } from "../core/ops/mod.ts";
import type { Tensor } from "../core/tensor.ts";
import * as tree from "../core/tree/mod.ts";
import { zerosLike } from "../core/creation.ts";
import { elementwise } from "./elementwise.ts";
import { checkNumber, incrementCount, inverseCorrection, stepScalars, zeroCount } from "./scalars.ts";
import type { Tree } from "../core/tree/mod.ts";
import type { GradientTransformation } from "./types.ts";

/** Options of {@link trace}. */
export interface TraceOptions {
  /** β, the decay of past updates. */
  readonly decay: number;
  /** Return g + βv (Nesterov's look-ahead) instead of v (false). */
  readonly nesterov?: boolean;
}

/** The state of {@link trace}: the accumulated updates, shaped like the parameters. */
export type TraceState = { readonly trace: Tree };

/**
 * Heavy-ball momentum: v ← g + βv, and the update is v, or g + βv with
 * `nesterov` (optax's `trace`; PyTorch's SGD with `momentum=β`,
 * `dampening=0`, whose buffer starts at g, which is βv + g with v = 0).
 * State `{ trace }`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { optim, tensor, type Tensor } from "../mod.ts";
 * const tx = optim.trace({ decay: 0.5 });
 * const g = { w: tensor([1]) };
 * const [u1, s1] = tx.update(g, tx.init(g));
 * const [u2] = tx.update(g, s1);
 * assert.deepEqual([(u1 as { w: Tensor }).w.item(), (u2 as { w: Tensor }).w.item()], [1, 1.5]);
 * ```
 */
export function trace({ decay, nesterov = false }: TraceOptions): GradientTransformation<TraceState> {
  const name = "trace";
  checkNumber(name, "decay", decay, 0);
  return elementwise<TraceState>({
    name,
    init: (params) => ({ trace: tree.map(zerosLike, params) }),
    slots: ["trace"],
    rule: {
      key: name,
      apply: (g, _p, [t]) => {
        const next = add(g, mul(t, decay));
        return [nesterov ? add(g, mul(next, decay)) : next, [next]];
      },
    },
  });
}

/** Options of {@link ema}. */
export interface EmaOptions {
  /** Divide by 1 − βᵗ so early averages are not biased toward 0 (true, as optax). */
  readonly debias?: boolean;
}

/** The state of {@link ema}: the step count and the average, shaped like the parameters. */
export type EmaState = { readonly count: Tensor; readonly ema: Tree };

/**
 * An exponential moving average of the updates: v ← βv + (1 − β)g, the
 * update is v, or v / (1 − βᵗ) with `debias` (optax's `ema`). State
 * `{ count, ema }`; the state keeps the average before debiasing.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { optim, tensor, type Tensor } from "../mod.ts";
 * const g = { w: tensor([2]) };
 * const plain = optim.ema(0.75, { debias: false });
 * assert.equal((plain.update(g, plain.init(g))[0] as { w: Tensor }).w.item(), 0.5);
 * const debiased = optim.ema(0.75);
 * assert.equal((debiased.update(g, debiased.init(g))[0] as { w: Tensor }).w.item(), 2);
 * ```
 */
export function ema(decay: number, { debias = true }: EmaOptions = {}): GradientTransformation<EmaState> {
  const name = "ema";
  checkNumber(name, "decay", decay, 0);
  // 1 / (1 − βᵗ), multiplied by (as in `scaleByAdam`).
  const inverse = stepScalars((t) => [inverseCorrection(decay, t)]);
  return elementwise<EmaState>({
    name,
    init: (params) => ({ count: zeroCount(), ema: tree.map(zerosLike, params) }),
    slots: ["ema"],
    step: (s) => {
      const count = incrementCount(name, s.count);
      return { scalars: debias ? inverse(count) : [], state: { count } };
    },
    rule: {
      key: name,
      apply: (g, _p, [e], [c]) => {
        const next = add(mul(g, 1 - decay), mul(e, decay));
        return [debias ? mul(next, c) : next, [next]];
      },
    },
  });
}
