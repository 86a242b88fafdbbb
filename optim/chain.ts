/**
 * `chain` and `identity`: composing gradient transformations left to right
 * (optax's `chain`). Consecutive elementwise transformations are fused: one
 * kernel per leaf does all of them (see `elementwise.ts`); a transformation
 * that is not elementwise, or that reads its input as a whole (global-norm
 * clipping), starts a new group.
 *
 * @module
 */
import { ValueError } from "../core/errors.ts";
import type { Tensor } from "../core/tensor.ts";
import type { Tree } from "../core/tree/mod.ts";
import {
  type ElementwiseForm,
  type ElementwiseRule,
  fromForm,
  internalsOf,
  type PreparedStep,
  runForm,
  runTransformation,
  withInternals,
} from "./elementwise.ts";
import { describe } from "./scalars.ts";
import type { GradientTransformation, OptState } from "./types.ts";

const IDENTITY_RULE: ElementwiseRule = { key: "id", apply: (u) => [u, []] };

/**
 * The transformation that leaves updates as they are (optax's `identity`);
 * its state is `{}`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { optim, tensor, type Tensor } from "../mod.ts";
 * const [u] = optim.identity().update({ w: tensor([1, 2]) }, {});
 * assert.deepEqual((u as { w: Tensor }).w.toArray(), [1, 2]);
 * ```
 */
export const identity = (): GradientTransformation<Record<string, never>> => {
  const form: ElementwiseForm<Record<string, never>> = {
    name: "identity",
    usesParams: false,
    readsUpdates: false,
    prepare: (state, { updates }) => ({
      scalars: [],
      rules: new Array<ElementwiseRule>(updates.length).fill(IDENTITY_RULE),
      slots: updates.map(() => []),
      finish: () => state,
    }),
  };
  return withInternals(() => ({}), {
    form,
    // Alone, nothing to compute: hand the updates back (or apply them).
    run: (grads, state, params, mode) => mode.apply ? runForm(form, grads, state, params, mode) : [grads, state],
  });
};

/** Composes forms into one whose state is the array of their states. */
const composeForms = (forms: readonly ElementwiseForm[]): ElementwiseForm<OptState[]> => {
  const rules = new Map<string, ElementwiseRule>();
  // The rule running `parts` in turn, each on its own slice of the slots and scalars.
  const compose = (parts: readonly ElementwiseRule[], nSlots: readonly number[], nScalars: readonly number[]) => {
    const key = parts.map((r, j) => `${j}:${r.key}/${nSlots[j]}/${nScalars[j]}`).join("|");
    let rule = rules.get(key);
    if (rule === undefined) {
      rule = {
        key,
        apply: (u0, p, slots, scalars) => {
          let u = u0, s = 0, c = 0;
          const out: Tensor[] = [];
          parts.forEach((r, j) => {
            const [next, own] = r.apply(u, p, slots.slice(s, s + nSlots[j]), scalars.slice(c, c + nScalars[j]));
            u = next;
            out.push(...own);
            s += nSlots[j];
            c += nScalars[j];
          });
          return [u, out];
        },
      };
      rules.set(key, rule);
    }
    return rule;
  };
  return {
    name: forms.map((f) => f.name).join(" → "),
    usesParams: forms.some((f) => f.usesParams),
    readsUpdates: forms[0].readsUpdates,
    prepare: (states, ctx): PreparedStep<OptState[]> => {
      if (!Array.isArray(states) || states.length !== forms.length) {
        throw new ValueError(
          "chain",
          `expected the state of ${forms.length} transformations (from init), got ${describe(states)}`,
        );
      }
      const preps = forms.map((f, j) => f.prepare(states[j], ctx));
      const nScalars = preps.map((p) => p.scalars.length);
      const n = ctx.updates.length;
      const leafRules = new Array<ElementwiseRule>(n);
      const slots = new Array<readonly Tensor[]>(n);
      for (let i = 0; i < n; i++) {
        // Most leaves run the same rules as the one before: skip building the key again.
        const same = i > 0 &&
          preps.every((p) => p.rules[i] === p.rules[i - 1] && p.slots[i].length === p.slots[i - 1].length);
        leafRules[i] = same
          ? leafRules[i - 1]
          : compose(preps.map((p) => p.rules[i]), preps.map((p) => p.slots[i].length), nScalars);
        slots[i] = preps.length === 1 ? preps[0].slots[i] : preps.flatMap((p) => p.slots[i]);
      }
      return {
        scalars: preps.flatMap((p) => p.scalars),
        rules: leafRules,
        slots,
        finish: (ns) => {
          const offsets = ns.map(() => 0);
          return preps.map((p) =>
            p.finish(ns.map((leaf, i) => {
              const k = p.slots[i].length;
              const mine = leaf.slice(offsets[i], offsets[i] + k);
              offsets[i] += k;
              return mine;
            }))
          );
        },
      };
    },
  };
};

type Group =
  | { readonly kind: "fused"; readonly start: number; readonly end: number; readonly form: ElementwiseForm<OptState[]> }
  | { readonly kind: "single"; readonly start: number };

/** Splits the chain into runs of elementwise transformations (fused together) and the others. */
const groupsOf = (txs: readonly GradientTransformation[]): Group[] => {
  const groups: Group[] = [];
  let i = 0;
  while (i < txs.length) {
    const first = internalsOf(txs[i])?.form;
    if (first === undefined) {
      groups.push({ kind: "single", start: i++ });
      continue;
    }
    let end = i + 1;
    while (end < txs.length) {
      const f = internalsOf(txs[end])?.form;
      if (f === undefined || f.readsUpdates) break;
      end++;
    }
    const forms = txs.slice(i, end).map((t) => internalsOf(t)?.form as ElementwiseForm);
    groups.push({ kind: "fused", start: i, end, form: composeForms(forms) });
    i = end;
  }
  return groups;
};

/**
 * The transformations run one after the other, each on the updates of the
 * one before (optax's `chain`); the state is the array of their states.
 * Runs of elementwise transformations are fused into one kernel per leaf.
 *
 * @example Adam is literally a chain
 * ```ts
 * import assert from "node:assert/strict";
 * import { optim, tensor, type Tensor } from "../mod.ts";
 * const opt = optim.chain(optim.scaleByAdam(), optim.scaleByLearningRate(0.1));
 * const params = { w: tensor([1, -1]) };
 * const [u, state] = opt.update({ w: tensor([3, -2]) }, opt.init(params), params);
 * // Adam's first update is −η·sign(g) (up to ε).
 * assert.deepEqual([...(u as { w: Tensor }).w.toTypedArray()].map((x) => Number(x.toFixed(6))), [-0.1, 0.1]);
 * assert.equal((state as unknown[]).length, 2);
 * ```
 */
export function chain(...txs: readonly GradientTransformation[]): GradientTransformation<OptState[]> {
  const groups = groupsOf(txs);
  const init = (params: Tree): OptState[] => txs.map((t) => t.init(params));
  const whole = groups.length === 1 && groups[0].kind === "fused" ? groups[0].form : undefined;
  if (whole !== undefined) return fromForm(init, whole);
  return withInternals(init, {
    run: (grads, state, params, mode) => {
      if (!Array.isArray(state) || state.length !== txs.length) {
        throw new ValueError(
          "chain",
          `expected the state of ${txs.length} transformations (from init), got ${describe(state)}`,
        );
      }
      const next = state.slice();
      let u = grads;
      if (groups.length === 0) return [mode.apply ? params as Tree : u, next];
      groups.forEach((g, k) => {
        const m = { apply: mode.apply && k === groups.length - 1, fused: mode.fused };
        if (g.kind === "fused") {
          const [out, s] = runForm(g.form, u, state.slice(g.start, g.end), params, m);
          u = out;
          next.splice(g.start, g.end - g.start, ...s);
        } else {
          const [out, s] = runTransformation(txs[g.start], u, state[g.start], params, m);
          u = out;
          next[g.start] = s;
        }
      });
      return [u, next];
    },
  });
}
