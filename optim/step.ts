/**
 * A whole optimizer step in one call, `updateAndApply`, which fuses the
 * last elementwise run of the chain with `p + u`: one kernel per parameter
 * leaf for `adam`, `sgd`, `rmsprop` … (the updates themselves are never
 * written out). And `unfused`, the same transformation run op by op, for
 * checking the fused path and for debugging.
 *
 * @module
 */
import type { Tree } from "../core/tree/mod.ts";
import { internalsOf, runTransformation, withInternals } from "./elementwise.ts";
import type { GradientTransformation, OptState } from "./types.ts";

const APPLY = Object.freeze({ apply: true, fused: true });

/**
 * `opt.update(grads, state, params)` then `applyUpdates(params, updates)`,
 * as one step: the new parameters and state. Where the transformation (or
 * the end of its chain) is elementwise, each leaf's update and `p + u` run
 * as one fused kernel; other transformations run their `update` and then
 * `applyUpdates`. Leaves that get no update (`setToZero`, `freeze`) are the
 * same tensors as in `params`: keep that in mind before disposing old
 * parameters.
 *
 * @example Ten Adam steps on (w − 3)²
 * ```ts
 * import assert from "node:assert/strict";
 * import { grad, optim, square, sub, sum, tensor, type Tensor } from "../mod.ts";
 * const loss = (w: Tensor) => sum(square(sub(w, 3)));
 * const opt = optim.adam(0.1);
 * let w = tensor([0]);
 * let state = opt.init(w);
 * for (let i = 0; i < 10; i++) [w, state] = optim.updateAndApply(opt, grad(loss)(w), state, w) as [Tensor, typeof state];
 * assert.ok(Math.abs(w.item() - 1) < 0.05); // −0.1·sign(g) per step, early on
 * ```
 */
export const updateAndApply = <P extends Tree, S extends OptState>(
  opt: GradientTransformation<S>,
  grads: Tree,
  state: S,
  params: P,
): [P, S] => {
  const [next, s] = runTransformation(opt, grads, state, params, APPLY);
  return [next as P, s];
};

/**
 * `opt` with every elementwise rule run op by op instead of fused: the same
 * results (bit for bit in float64; a fused float32 chain rounds only once
 * at the end), for tests and for stepping through a rule. `updateAndApply`
 * on it applies the updates op by op too.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { optim, tensor, type Tensor } from "../mod.ts";
 * const fused = optim.adam(0.1), plain = optim.unfused(fused);
 * const g = tensor([0.3, -2], { dtype: "float64" });
 * const a = fused.update(g, fused.init(g))[0] as Tensor;
 * const b = plain.update(g, plain.init(g))[0] as Tensor;
 * assert.deepEqual(a.toArray(), b.toArray());
 * ```
 */
export const unfused = <S extends OptState>(opt: GradientTransformation<S>): GradientTransformation<S> => {
  if (internalsOf(opt) === undefined) return opt;
  // Not an elementwise form itself, so a chain around it runs it as it is, op by op.
  return withInternals(opt.init, {
    run: (grads, state, params, mode) => runTransformation(opt, grads, state, params, { ...mode, fused: false }),
  });
};
