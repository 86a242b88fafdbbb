/**
 * Elementwise gradient transformations, and how a chain of them runs as one
 * fused kernel per parameter leaf.
 *
 * Most of an optimizer is elementwise: Adam's moments, the bias-corrected
 * ratio, the learning rate, weight decay and the final `p + u` are a dozen
 * arithmetic ops per parameter. Run op by op, each op reads and writes the
 * whole parameter (and allocates an array for it); fused, the chain reads
 * each input once and writes each output once (see `core/fuse.ts` and
 * `bench/optim_adam.ts`).
 *
 * So a transformation may expose an {@link ElementwiseForm}: per step it
 * *prepares* (the scalar work: step counts, bias corrections, a schedule's
 * value, a global norm) and hands back, per leaf, a {@link ElementwiseRule}
 * written with tensor ops and the leaf's state tensors ("slots"). `chain`
 * composes the rules of consecutive elementwise transformations into one
 * rule per leaf, and `fuse` compiles it once per pattern: step-dependent
 * values travel as scalar tensor arguments, never as closed-over numbers
 * (`fuse` reads those only at its first call). Each rule object is compiled
 * once per pattern of arguments, so a form hands out the same rule objects
 * every step; `chain` and `masked` build their composite rules once per
 * distinct `key`, so equal keys must mean the same computation.
 *
 * @module
 */
import type { DType } from "../core/dtype.ts";
import { ValueError } from "../core/errors.ts";
import { fuse } from "../core/fuse.ts";
import { add, cast } from "../core/ops/mod.ts";
import type { Tensor } from "../core/tensor.ts";
import * as tree from "../core/tree/mod.ts";
import type { Tree, TreeDef } from "../core/tree/mod.ts";
import type { GradientTransformation, OptState } from "./types.ts";

/**
 * What a transformation does to one parameter leaf, written with
 * elementwise tensor ops so that it can be fused: from the incoming update
 * `u`, the parameter `p` (when the transformation uses parameters, or the
 * step applies the update), the leaf's state tensors `slots` and the step's
 * scalar tensors `scalars` (already in the leaf's dtype), the outgoing update
 * and the new slots (as many as came in).
 */
export interface ElementwiseRule {
  /** Equal for rules that compute the same function (they share a compiled kernel). */
  readonly key: string;
  /** The rule itself. */
  readonly apply: (
    u: Tensor,
    p: Tensor | undefined,
    slots: readonly Tensor[],
    scalars: readonly Tensor[],
  ) => readonly [Tensor, readonly Tensor[]];
}

/** What {@link ElementwiseForm.prepare} is given: the step's leaves, in flatten order. */
export interface LeafContext {
  /** The structure of the updates (and of the parameters). */
  readonly def: TreeDef;
  /**
   * The incoming updates. Only a form with `readsUpdates` may look at them:
   * it always runs first in its fused group, so they are its real input.
   */
  readonly updates: readonly Tensor[];
  /** The parameters, if given. */
  readonly params: readonly Tensor[] | undefined;
}

/** One step of an elementwise transformation, ready to run leaf by leaf. */
export interface PreparedStep<S extends OptState = OptState> {
  /** Float scalar tensors every leaf's rule reads (cast to each leaf's dtype by the runner). */
  readonly scalars: readonly Tensor[];
  /** Per leaf, its rule. */
  readonly rules: readonly ElementwiseRule[];
  /** Per leaf, its state tensors (the rule returns their new values in the same order). */
  readonly slots: readonly (readonly Tensor[])[];
  /** The new state, from each leaf's new slots. */
  finish(slots: readonly (readonly Tensor[])[]): S;
}

/** How an elementwise transformation runs: see the module doc. */
export interface ElementwiseForm<S extends OptState = OptState> {
  /** The name errors use (`scaleByAdam`). */
  readonly name: string;
  /** Whether the rules read the parameters. */
  readonly usesParams: boolean;
  /** Whether `prepare` reads the incoming updates (e.g. their global norm): it then starts a fused group. */
  readonly readsUpdates: boolean;
  /** The scalar part of a step, and each leaf's rule and slots. */
  prepare(state: S, ctx: LeafContext): PreparedStep<S>;
}

/** How a step runs: `apply` returns the new parameters (`p + u` fused in) instead of the updates. */
export interface RunMode {
  readonly apply: boolean;
  readonly fused: boolean;
}

/** @internal Where the library's transformations keep how they run. */
export const INTERNALS: unique symbol = Symbol("dendrite.optim.internals");

/** @internal A step that can also apply the updates, and the elementwise form if there is one. */
export interface Internals<S extends OptState = OptState> {
  readonly run: (grads: Tree, state: S, params: Tree | undefined, mode: RunMode) => readonly [Tree, S];
  readonly form?: ElementwiseForm<S>;
}

type WithInternals<S extends OptState> = GradientTransformation<S> & { readonly [INTERNALS]?: Internals<S> };

/** @internal The run and form of one of the library's transformations, if `tx` is one. */
export const internalsOf = <S extends OptState>(tx: GradientTransformation<S>): Internals<S> | undefined =>
  (tx as WithInternals<S>)[INTERNALS];

/** @internal A transformation with its internals attached; `update` runs them (fused, not applied). */
export const withInternals = <S extends OptState>(
  init: (params: Tree) => S,
  internals: Internals<S>,
): GradientTransformation<S> => {
  const tx: WithInternals<S> = {
    init,
    update: (grads, state, params) => internals.run(grads, state, params, UPDATE),
    [INTERNALS]: internals,
  };
  return tx;
};

const UPDATE: RunMode = Object.freeze({ apply: false, fused: true });

/**
 * `params + updates`, leaf by leaf (optax's `apply_updates`); an update of
 * another float dtype is cast to the parameter's first.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { optim, tensor, type Tensor } from "../mod.ts";
 * const p = optim.applyUpdates({ w: tensor([1, 2]) }, { w: tensor([0.5, -1]) }) as { w: Tensor };
 * assert.deepEqual(p.w.toArray(), [1.5, 1]);
 * ```
 */
export const applyUpdates = <P extends Tree>(params: P, updates: Tree): P =>
  tree.map((p: Tensor, u: Tensor) => add(p, u.dtype === p.dtype ? u : cast(u, p.dtype)), params, updates) as P;

/** @internal Runs any transformation in `mode`: the library's through their internals, others by `update`. */
export const runTransformation = <S extends OptState>(
  tx: GradientTransformation<S>,
  grads: Tree,
  state: S,
  params: Tree | undefined,
  mode: RunMode,
): readonly [Tree, S] => {
  const impl = internalsOf(tx);
  if (impl !== undefined) return impl.run(grads, state, params, mode);
  const [u, s] = tx.update(grads, state, params);
  return [mode.apply ? applyUpdates(needParams("update", params), u) : u, s];
};

const needParams = (name: string, params: Tree | undefined): Tree => {
  if (params === undefined) {
    throw new ValueError(name, "needs the parameters: call update(grads, state, params)");
  }
  return params;
};

type LeafFn = (...args: Tensor[]) => Tensor[];
// Per form, per rule, per pattern (slots and mode as a number): the function running it.
const kernels = new WeakMap<object, Map<ElementwiseRule, Map<number, LeafFn>>>();

/** The (fused or plain) function running `rule` on one leaf, made once per form and pattern. */
const leafFn = (
  owner: object,
  rule: ElementwiseRule,
  nSlots: number,
  withP: boolean,
  apply: boolean,
  fused: boolean,
): LeafFn => {
  let byRule = kernels.get(owner);
  if (byRule === undefined) kernels.set(owner, byRule = new Map());
  let byPattern = byRule.get(rule);
  if (byPattern === undefined) byRule.set(rule, byPattern = new Map());
  const key = nSlots * 8 + (fused ? 4 : 0) + (withP ? 2 : 0) + (apply ? 1 : 0);
  let fn = byPattern.get(key);
  if (fn === undefined) {
    const plain: LeafFn = (...args) => {
      const u = args[0];
      const p = withP ? args[1] : undefined;
      const first = withP ? 2 : 1;
      const [out, slots] = rule.apply(u, p, args.slice(first, first + nSlots), args.slice(first + nSlots));
      return [apply ? add(p as Tensor, out) : out, ...slots];
    };
    fn = fused ? fuse(plain) : plain;
    byPattern.set(key, fn);
  }
  return fn;
};

/**
 * @internal Runs an elementwise form over a tree: one (fused) call per
 * leaf. With `mode.apply` it returns the new parameters.
 */
export const runForm = <S extends OptState>(
  form: ElementwiseForm<S>,
  grads: Tree,
  state: S,
  params: Tree | undefined,
  mode: RunMode,
): readonly [Tree, S] => {
  const [gl, def] = tree.flatten(grads);
  const pl = params === undefined ? undefined : tree.leaves(params);
  if (pl !== undefined && pl.length !== gl.length) {
    throw new ValueError(
      form.name,
      `the parameters have ${pl.length} leaves and the updates ${gl.length} (structure ${def})`,
    );
  }
  const withP = form.usesParams || mode.apply;
  if (withP && pl === undefined) needParams(form.name, params);
  const prep = form.prepare(state, { def, updates: gl, params: pl });
  const byDtype = new Map<DType, Tensor[]>();
  const out = new Array<Tensor>(gl.length);
  const slots = new Array<Tensor[]>(gl.length);
  for (let i = 0; i < gl.length; i++) {
    const u = gl[i];
    let scalars = byDtype.get(u.dtype);
    if (scalars === undefined) byDtype.set(u.dtype, scalars = prep.scalars.map((s) => cast(s, u.dtype)));
    const own = prep.slots[i];
    const fn = leafFn(form, prep.rules[i], own.length, withP, mode.apply, mode.fused);
    const res = withP ? fn(u, (pl as Tensor[])[i], ...own, ...scalars) : fn(u, ...own, ...scalars);
    out[i] = res[0];
    slots[i] = res.slice(1);
  }
  return [tree.unflatten(def, out), prep.finish(slots)];
};

/** @internal A transformation from an elementwise form: its update runs the form leaf by leaf. */
export const fromForm = <S extends OptState>(
  init: (params: Tree) => S,
  form: ElementwiseForm<S>,
): GradientTransformation<S> =>
  withInternals(init, { form, run: (grads, state, params, mode) => runForm(form, grads, state, params, mode) });

/**
 * @internal The leaves of a state tree that mirrors the updates: `n` of
 * them, else a `ValueError` naming the transformation and the field.
 */
export const slotLeaves = (name: string, field: string, t: Tree, n: number): Tensor[] => {
  const ls = tree.leaves(t);
  if (ls.length !== n) {
    throw new ValueError(name, `state.${field} has ${ls.length} leaves, the updates ${n}: was it made by init?`);
  }
  return ls;
};

/** How to build an elementwise transformation with {@link elementwise}. */
export interface ElementwiseSpec<S extends OptState> {
  /** The name errors use. */
  readonly name: string;
  /** The state before the first step. */
  readonly init: (params: Tree) => S;
  /** The fields of the state that hold a tree shaped like the parameters: the rule's slots, in this order. */
  readonly slots?: readonly string[];
  /** The rule every leaf runs. */
  readonly rule: ElementwiseRule;
  /** Whether the rule reads the parameters. */
  readonly usesParams?: boolean;
  /** Whether `step` reads the incoming updates. */
  readonly readsUpdates?: boolean;
  /** The step's scalars (float scalar tensors) and the new values of the state's other fields (a count). */
  readonly step?: (state: S, ctx: LeafContext) => { readonly scalars?: readonly Tensor[]; readonly state?: Partial<S> };
}

/**
 * A gradient transformation from one elementwise rule per leaf, which
 * `chain` fuses with its neighbours (see the module doc). The state is an
 * object; the fields named in `slots` hold trees shaped like the parameters
 * and reach the rule as its slots; `step` computes the step's scalars.
 *
 * @example A clipped sign update, fused with the learning rate
 * ```ts
 * import assert from "node:assert/strict";
 * import { minimum, maximum, optim, tensor, type Tensor } from "../mod.ts";
 * const clipOne = optim.elementwise({
 *   name: "clipOne",
 *   init: () => ({}),
 *   rule: { key: "clipOne", apply: (u) => [minimum(maximum(u, -1), 1), []] },
 * });
 * const opt = optim.chain(clipOne, optim.scaleByLearningRate(0.5));
 * const [u] = opt.update({ w: tensor([3, -0.5]) }, opt.init({ w: tensor([0, 0]) }));
 * assert.deepEqual((u as { w: Tensor }).w.toArray(), [-0.5, 0.25]);
 * ```
 */
export function elementwise<S extends { readonly [k: string]: Tree }>(
  spec: ElementwiseSpec<S>,
): GradientTransformation<S> {
  const fields = spec.slots ?? [];
  const form: ElementwiseForm<S> = {
    name: spec.name,
    usesParams: spec.usesParams ?? false,
    readsUpdates: spec.readsUpdates ?? false,
    prepare: (state, ctx) => {
      const n = ctx.updates.length;
      const per = fields.map((k) => slotLeaves(spec.name, k, (state as Record<string, Tree>)[k], n));
      const s = spec.step?.(state, ctx) ?? {};
      const slots = new Array<Tensor[]>(n);
      for (let i = 0; i < n; i++) slots[i] = per.map((l) => l[i]);
      return {
        scalars: s.scalars ?? [],
        rules: new Array<ElementwiseRule>(n).fill(spec.rule),
        slots,
        finish: (ns) => {
          const next: Record<string, Tree> = { ...state, ...s.state };
          fields.forEach((k, j) => (next[k] = tree.unflatten(ctx.def, ns.map((x) => x[j]))));
          return next as S;
        },
      };
    },
  };
  return fromForm(spec.init, form);
}
