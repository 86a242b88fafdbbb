/**
 * Dropout, inverted: scaled at training time, the identity at test time.
 *
 * @module
 */
import { ValueError } from "../core/errors.ts";
import { mul, where } from "../core/ops/mod.ts";
import { bernoulli, Key } from "../core/random/mod.ts";
import { requireFloat } from "../core/prims/checks.ts";
import { inputShape } from "./checks.ts";
import { type Layer, statelessLayer } from "./layer.ts";

/**
 * Inverted dropout with drop probability `rate` (PyTorch's `Dropout(p)`,
 * Keras's `Dropout(rate)`): in training (`ctx.training`), each element is
 * kept with probability 1 − rate and scaled by 1/(1 − rate), so its
 * expectation is unchanged — `y = x · mask / (1 − rate)`, as PyTorch
 * computes it (a NaN stays NaN even where dropped); at inference it is the
 * identity. The mask is `random.bernoulli(ctx.key, 1 − rate, x.shape)`;
 * training without a key is a `ValueError` (inside `sequential`, pass the key
 * to the container, which splits it per layer). `rate` = 1 gives zeros.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { layers, ones, random } from "../mod.ts";
 * const drop = layers.dropout(0.5);
 * const x = ones([1000]);
 * assert.equal(drop.apply({}, x), x); // inference: the identity
 * const y = drop.apply({}, x, { training: true, key: random.key(0) }).toArray() as number[];
 * assert.ok(y.every((v) => v === 0 || v === 2));
 * assert.throws(() => drop.apply({}, x, { training: true }), /key/);
 * ```
 */
export const dropout = (rate: number): Layer<Record<string, never>> => {
  if (typeof rate !== "number" || !(rate >= 0 && rate <= 1)) {
    throw new ValueError("dropout", `rate must be a probability in [0, 1], got ${String(rate)}`);
  }
  const keep = 1 - rate;
  return statelessLayer({
    name: "dropout",
    init: (_key, shape) => ({ params: {}, state: {}, outputShape: inputShape("dropout", shape, {}) }),
    apply: (_params, x, ctx) => {
      requireFloat("dropout", x);
      if (ctx?.training !== true || rate === 0) return x;
      if (!(ctx.key instanceof Key)) {
        throw new ValueError(
          "dropout",
          `training mode needs a PRNG key for the mask: pass ctx.key, e.g. { training: true, key: random.key(0) } ` +
            `(got ${ctx.key === undefined ? "no key" : typeof ctx.key})`,
        );
      }
      if (keep === 0) return mul(x, 0);
      const mask = bernoulli(ctx.key, keep, x.shape);
      return mul(x, where(mask, 1 / keep, 0, x.dtype));
    },
  });
};
