/**
 * Weight decay added to the updates, u + λ·p (optax's `add_decayed_weights`).
 *
 * Where it sits in a chain decides what it means: before Adam's rescaling it
 * is an L2 penalty on the loss (PyTorch's `Adam(weight_decay=λ)`); after it,
 * and before the learning rate, it is decoupled weight decay, p ← p − η(û + λp)
 * (Loshchilov & Hutter; optax's `adamw`, PyTorch's `AdamW`).
 *
 * @module
 */
import { add, mul } from "../core/ops/mod.ts";
import { elementwise } from "./elementwise.ts";
import { type Mask, masked } from "./masking.ts";
import { checkNumber, incrementCount, valueAt, zeroCount } from "./scalars.ts";
import type { CountState } from "./scale.ts";
import type { GradientTransformation, ScalarOrSchedule } from "./types.ts";

/** Options of {@link addDecayedWeights}. */
export interface DecayOptions {
  /** Which parameters decay (see `masked`); all by default. */
  readonly mask?: Mask;
}

/**
 * Adds `weightDecay`·p to each update (optax's `add_decayed_weights`); a
 * number (state `{}`) or a schedule (state `{ count }`), optionally on the
 * leaves a `mask` selects (then the state is `{ inner }`). Needs the
 * parameters.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { optim, tensor, type Tensor } from "../mod.ts";
 * const tx = optim.addDecayedWeights(0.1);
 * const params = { w: tensor([10]) };
 * const [u] = tx.update({ w: tensor([1]) }, tx.init(params), params);
 * assert.equal((u as { w: Tensor }).w.item(), 2);
 * ```
 */
export function addDecayedWeights(
  weightDecay: ScalarOrSchedule = 0,
  { mask }: DecayOptions = {},
): GradientTransformation {
  const name = "addDecayedWeights";
  const tx: GradientTransformation = typeof weightDecay === "number"
    ? elementwise({
      name,
      init: () => ({}),
      usesParams: checkNumber(name, "weightDecay", weightDecay) !== 0,
      // optax skips a decay of 0; so does this (no read of the parameters).
      rule: weightDecay === 0
        ? { key: "zero", apply: (u) => [u, []] }
        : { key: name, apply: (u, p) => [add(u, mul(p!, weightDecay)), []] },
    })
    : elementwise<CountState>({
      name,
      init: () => ({ count: zeroCount() }),
      usesParams: true,
      step: (s) => ({
        scalars: [valueAt(name, weightDecay, s.count)],
        state: { count: incrementCount(name, s.count) },
      }),
      rule: { key: name, apply: (u, p, _s, [wd]) => [add(u, mul(p!, wd)), []] },
    });
  return mask === undefined ? tx : masked(tx, mask);
}
