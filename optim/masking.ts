/**
 * Applying a transformation to part of the parameters only: `masked`
 * (the rest passes through unchanged), `multiTransform` (a transformation
 * per label) and `freeze` with `setToZero` (the frozen part gets exactly
 * zero update), as optax's `masked`, `multi_transform` and `set_to_zero`.
 * The parts are cut and joined as `tree.partition` and `tree.combine` do:
 * a leaf outside a part is `null` there, so inner states hold tensors only
 * for their own leaves.
 *
 * @module
 */
import { ValueError } from "../core/errors.ts";
import { zerosLike } from "../core/creation.ts";
import type { Tensor } from "../core/tensor.ts";
import * as tree from "../core/tree/mod.ts";
import type { Tree } from "../core/tree/mod.ts";
import {
  applyUpdates,
  type ElementwiseForm,
  type ElementwiseRule,
  internalsOf,
  type LeafContext,
  runForm,
  runTransformation,
  withInternals,
} from "./elementwise.ts";
import type { GradientTransformation, OptState } from "./types.ts";

/**
 * Which leaves a transformation applies to: a tree of booleans with the
 * parameters' structure, or a function of the parameters returning one.
 */
export type Mask = Tree<boolean> | ((params: Tree) => Tree<boolean>);

/** The state of {@link masked}: the inner transformation's state, over the selected leaves. */
export type MaskedState<S extends OptState = OptState> = { readonly inner: S };

const resolve = <L>(name: string, spec: Tree<L> | ((params: Tree) => Tree<L>), params: Tree): Tree<L> => {
  const t = typeof spec === "function" ? (spec as (p: Tree) => Tree<L>)(params) : spec;
  if (!tree.structure(t).equals(tree.structure(params))) {
    throw new ValueError(
      name,
      `the mask (or labels) has structure ${tree.structure(t)}, the parameters ${tree.structure(params)}`,
    );
  }
  return t;
};

/** `t` with the leaves where `keep(label)` fails replaced by null. */
const select = <L>(t: Tree, labels: Tree<L>, keep: (label: L) => boolean): Tree =>
  tree.map((x: unknown, l: unknown) => (keep(l as L) ? x : null), t, labels) as Tree;

const IN = (r: ElementwiseRule): ElementwiseRule => ({ key: `+${r.key}`, apply: r.apply });
const OUT: ElementwiseRule = { key: "-", apply: (u) => [u, []] };

/** The elementwise form of `masked(inner)`: the inner rule on selected leaves, the identity elsewhere. */
const maskedForm = <S extends OptState>(inner: ElementwiseForm<S>, mask: Mask): ElementwiseForm<MaskedState<S>> => {
  const wrapped = new Map<ElementwiseRule, ElementwiseRule>();
  return {
    name: `masked(${inner.name})`,
    usesParams: inner.usesParams,
    readsUpdates: inner.readsUpdates,
    prepare: (state, ctx) => {
      const n = ctx.updates.length;
      const whole = tree.unflatten<Tensor, Tree>(ctx.def, ctx.params ?? ctx.updates);
      const keep = tree.leaves<boolean>(resolve("masked", mask, whole));
      const idx = keep.flatMap((k, i) => (k ? [i] : []));
      const sub: LeafContext = {
        def: tree.structure(tree.unflatten(ctx.def, keep.map((k, i) => (k ? ctx.updates[i] : null)))),
        updates: idx.map((i) => ctx.updates[i]),
        params: ctx.params && idx.map((i) => (ctx.params as Tensor[])[i]),
      };
      const prep = inner.prepare(state.inner, sub);
      const rules = new Array<ElementwiseRule>(n).fill(OUT);
      const slots = new Array<readonly Tensor[]>(n).fill([]);
      idx.forEach((i, j) => {
        const r = prep.rules[j];
        let w = wrapped.get(r);
        if (w === undefined) wrapped.set(r, w = IN(r));
        rules[i] = w;
        slots[i] = prep.slots[j];
      });
      return { scalars: prep.scalars, rules, slots, finish: (ns) => ({ inner: prep.finish(idx.map((i) => ns[i])) }) };
    },
  };
};

/**
 * `inner` applied to the leaves where `mask` is true; the other updates
 * pass through unchanged (optax's `masked`). The inner state covers the
 * selected leaves only. Elementwise when `inner` is, so it fuses in a chain.
 *
 * @example Weight decay on weights, not biases
 * ```ts
 * import assert from "node:assert/strict";
 * import { optim, tensor, tree, type Tensor } from "../mod.ts";
 * const params = { w: tensor([1]), b: tensor([1]) };
 * const tx = optim.masked(optim.addDecayedWeights(0.5), { w: true, b: false });
 * const [u] = tx.update(tree.map((p: Tensor) => p, params), tx.init(params), params);
 * const { w, b } = u as { w: Tensor; b: Tensor };
 * assert.deepEqual([w.item(), b.item()], [1.5, 1]);
 * ```
 */
export function masked<S extends OptState>(
  inner: GradientTransformation<S>,
  mask: Mask,
): GradientTransformation<MaskedState<S>> {
  const init = (params: Tree): MaskedState<S> => ({
    inner: inner.init(select(params, resolve("masked", mask, params), (k) => k === true)),
  });
  const innerForm = internalsOf(inner)?.form;
  if (innerForm !== undefined) {
    const form = maskedForm(innerForm, mask);
    return withInternals(init, { form, run: (g, s, p, mode) => runForm(form, g, s, p, mode) });
  }
  return withInternals(init, {
    run: (grads, state, params, mode) => {
      const keep = resolve("masked", mask, params ?? grads);
      const on = (k: boolean) => k === true, off = (k: boolean) => k !== true;
      const pIn = params === undefined ? undefined : select(params, keep, on);
      const [uIn, s] = runTransformation(inner, select(grads, keep, on), state.inner, pIn, mode);
      const gOut = select(grads, keep, off);
      const uOut = mode.apply ? applyUpdates(select(params as Tree, keep, off), gOut) : gOut;
      return [tree.combine(uIn, uOut), { inner: s }];
    },
  });
}

/**
 * Updates that are exactly zero, whatever the gradients hold (optax's
 * `set_to_zero`); state `{}`. When a step applies them, the parameters are
 * returned as they are (the same tensors).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { optim, tensor, type Tensor } from "../mod.ts";
 * const [u] = optim.setToZero().update({ w: tensor([Infinity, -2]) }, {});
 * assert.deepEqual((u as { w: Tensor }).w.toArray(), [0, 0]);
 * ```
 */
export const setToZero = (): GradientTransformation<Record<string, never>> =>
  withInternals(() => ({}), {
    run: (grads, state, params, mode) => [mode.apply ? (params as Tree) : tree.map(zerosLike, grads), state],
  });

/** The state of {@link multiTransform}: each label's inner state, over that label's leaves. */
export type MultiTransformState = { readonly inner: { readonly [label: string]: OptState } };

/**
 * A transformation per label (optax's `multi_transform`): `labels` gives
 * each leaf a label, a tree of strings with the parameters' structure or a
 * function of the parameters returning one; the leaves of each label are
 * cut out (as `tree.partition` does), updated by `transforms[label]`, and
 * joined again (`tree.combine`). Each part runs fused (and applied, in
 * `updateAndApply`) on its own.
 *
 * @example Adam on the head, nothing on the frozen body
 * ```ts
 * import assert from "node:assert/strict";
 * import { optim, tensor, type Tensor } from "../mod.ts";
 * const params = { body: tensor([1, 2]), head: tensor([3]) };
 * const opt = optim.multiTransform({ train: optim.sgd(0.5), freeze: optim.setToZero() }, { body: "freeze", head: "train" });
 * const grads = { body: tensor([1, 1]), head: tensor([2]) };
 * const [next] = optim.updateAndApply(opt, grads, opt.init(params), params);
 * const { body, head } = next as typeof params;
 * assert.deepEqual([body.toArray(), head.toArray()], [[1, 2], [2]]);
 * ```
 */
export function multiTransform(
  transforms: { readonly [label: string]: GradientTransformation },
  labels: Tree<string> | ((params: Tree) => Tree<string>),
): GradientTransformation<MultiTransformState> {
  const names = Object.keys(transforms);
  const labelsOf = (params: Tree): Tree<string> => {
    const t = resolve("multiTransform", labels, params);
    for (const l of tree.leaves<string>(t)) {
      if (!Object.hasOwn(transforms, l)) {
        throw new ValueError(
          "multiTransform",
          `label ${JSON.stringify(l)} has no transformation (labels: ${names.join(", ")})`,
        );
      }
    }
    return t;
  };
  const init = (params: Tree): MultiTransformState => {
    const ls = labelsOf(params);
    return { inner: Object.fromEntries(names.map((n) => [n, transforms[n].init(select(params, ls, (l) => l === n))])) };
  };
  return withInternals(init, {
    run: (grads, state, params, mode) => {
      const ls = labelsOf(params ?? grads);
      const inner: Record<string, OptState> = {};
      let out: Tree = null;
      names.forEach((n, k) => {
        const mine = (l: string) => l === n;
        const p = params === undefined ? undefined : select(params, ls, mine);
        const [u, s] = runTransformation(transforms[n], select(grads, ls, mine), state.inner[n], p, mode);
        inner[n] = s;
        out = k === 0 ? u : tree.combine(out, u);
      });
      return [out, { inner }];
    },
  });
}

/**
 * `inner` on the leaves where `frozen` is false, and exactly zero update
 * on the others: `multiTransform({ trainable: inner, frozen: setToZero() }, …)`.
 *
 * @example Fine-tune the last layer only
 * ```ts
 * import assert from "node:assert/strict";
 * import { optim, tensor, type Tensor } from "../mod.ts";
 * const params = [{ w: tensor([1]) }, { w: tensor([1]) }];
 * const opt = optim.freeze(optim.adam(0.1), [{ w: true }, { w: false }]);
 * const grads = [{ w: tensor([5]) }, { w: tensor([5]) }];
 * const [next] = optim.updateAndApply(opt, grads, opt.init(params), params);
 * const [first, last] = next as typeof params;
 * assert.equal(first.w.item(), 1);
 * assert.ok(Math.abs(last.w.item() - 0.9) < 1e-6);
 * ```
 */
export function freeze(inner: GradientTransformation, frozen: Mask): GradientTransformation<MultiTransformState> {
  const label = (m: Tree<boolean>) =>
    tree.map((f: boolean) => (f === true ? "frozen" : "trainable"), m) as Tree<string>;
  return multiTransform(
    { trainable: inner, frozen: setToZero() },
    (params) => label(resolve("freeze", frozen, params)),
  );
}
