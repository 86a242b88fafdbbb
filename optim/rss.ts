/**
 * AdaGrad's rescaling (Duchi, Hazan & Singer 2011), as optax's
 * `scale_by_rss` and, with other settings, PyTorch's `Adagrad`.
 *
 * @module
 */
import { add, div, greater, mul, rsqrt, sqrt, square, where } from "../core/ops/mod.ts";
import type { Tensor } from "../core/tensor.ts";
import * as tree from "../core/tree/mod.ts";
import { full } from "../core/creation.ts";
import { elementwise } from "./elementwise.ts";
import { checkNumber } from "./scalars.ts";
import type { Tree } from "../core/tree/mod.ts";
import type { GradientTransformation } from "./types.ts";

/** Options of {@link scaleByRss} (and `adagrad`). */
export interface RssOptions {
  /** The sum of squares' initial value (0.1: optax; PyTorch's `initial_accumulator_value` is 0). */
  readonly initialAccumulator?: number;
  /** Added to the denominator (1e-7: optax; PyTorch uses 1e-10). */
  readonly eps?: number;
  /** ε under the square root (true: optax) or outside it (false: PyTorch). */
  readonly epsInSqrt?: boolean;
}

/** AdaGrad's state: the running sum of squared updates, shaped like the parameters. */
export type RssState = { readonly sumOfSquares: Tree };

/**
 * Divides updates by the root of the sum of all their squares so far:
 * s ← s + g², u = g / √(s + ε) (optax's `scale_by_rss`, which gives 0 where
 * s = 0), or with `epsInSqrt: false`, u = g / (√s + ε) (PyTorch's
 * `Adagrad`). State `{ sumOfSquares }`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { optim, tensor, type Tensor } from "../mod.ts";
 * const tx = optim.scaleByRss({ initialAccumulator: 0, eps: 0 });
 * const g = { w: tensor([3]) };
 * const [u] = tx.update(g, tx.init(g)); // s = 9, u = 3/√9
 * assert.equal((u as { w: Tensor }).w.item(), 1);
 * ```
 */
export function scaleByRss(o: RssOptions = {}): GradientTransformation<RssState> {
  const name = "scaleByRss";
  const initial = checkNumber(name, "initialAccumulator", o.initialAccumulator ?? 0.1, 0);
  const eps = checkNumber(name, "eps", o.eps ?? 1e-7, 0);
  const inSqrt = o.epsInSqrt ?? true;
  // optax's where(s > 0, rsqrt(s + ε), 0)·g: for ε > 0 the guard changes nothing (s = 0 means g = 0,
  // and rsqrt(ε)·0 = 0 with the sign of g), so it is left out and the rule fuses.
  const scaled = (s: Tensor, g: Tensor): Tensor =>
    !inSqrt
      ? div(g, add(sqrt(s), eps))
      : eps > 0
      ? mul(rsqrt(add(s, eps)), g)
      : mul(where(greater(s, 0), rsqrt(s), 0), g);
  return elementwise<RssState>({
    name,
    init: (params) => ({ sumOfSquares: tree.map((p: Tensor) => full(p.shape, initial, { dtype: p.dtype }), params) }),
    slots: ["sumOfSquares"],
    rule: {
      key: name,
      apply: (g, _p, [s]) => {
        const sum = add(square(g), s);
        return [scaled(sum, g), [sum]];
      },
    },
  });
}
