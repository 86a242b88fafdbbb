/**
 * Selecting parts of a tree, for fine-tuning some parameters and freezing
 * the rest (Equinox's `filter`/`partition`/`combine`): a leaf that is not
 * selected becomes `null`, an empty subtree, so the halves are trees that
 * `map`, `grad` and optimizers accept as they are.
 *
 * @module
 */
import type { Tensor } from "../tensor.ts";
import { TreeError } from "../errors.ts";
import { map, mapWithPath } from "./map.ts";
import { formatPath } from "./path.ts";
import { keysDiffer, kindName } from "./structure.ts";
import { type Filtered, kindOf, type Path, type PathKey, reserveObject, sortedKeys, type Tree } from "./types.ts";

/**
 * `tree` with each leaf for which `predicate(path, leaf)` is false replaced
 * by `null`.
 *
 * @example Keep only the last layer
 * ```ts
 * import assert from "node:assert/strict";
 * import { filter } from "./filter.ts";
 * const params = { layers: [{ w: 1, b: 2 }, { w: 3, b: 4 }] };
 * assert.deepEqual(filter(params, (path) => path[1] === 1), {
 *   layers: [{ w: null, b: null }, { w: 3, b: 4 }],
 * });
 * ```
 */
export const filter = <T, L = Tensor>(tree: T, predicate: (path: Path, leaf: L) => boolean): Filtered<T, L> =>
  mapWithPath((path, leaf: L) => (predicate(path, leaf) ? leaf : null), tree) as Filtered<T, L>;

/**
 * Splits `tree` into `[selected, rest]`: the leaves for which `predicate`
 * holds, and the others, each with `null` in place of the leaves it lacks.
 * `combine(selected, rest)` gives `tree` back. `predicate` runs once per leaf.
 *
 * @example Train the biases only
 * ```ts
 * import assert from "node:assert/strict";
 * import { combine, partition } from "./filter.ts";
 * const params = { w: 1, b: 2 };
 * const [trainable, frozen] = partition(params, (path) => path.at(-1) === "b");
 * assert.deepEqual(trainable, { w: null, b: 2 });
 * assert.deepEqual(frozen, { w: 1, b: null });
 * assert.deepEqual(combine(trainable, frozen), params);
 * ```
 */
export const partition = <T, L = Tensor>(
  tree: T,
  predicate: (path: Path, leaf: L) => boolean,
): [Filtered<T, L>, Filtered<T, L>] => {
  const chosen: boolean[] = [];
  const selected = mapWithPath((path, leaf: L) => {
    const keep = predicate(path, leaf);
    chosen.push(keep);
    return keep ? leaf : null;
  }, tree);
  // `map` visits leaves in the same (flatten) order, so `chosen` lines up.
  let i = 0;
  const rest = map((leaf: L) => (chosen[i++] ? null : leaf), tree);
  return [selected as Filtered<T, L>, rest as Filtered<T, L>];
};

/**
 * Merges trees that `partition` (or `filter` with complementary predicates)
 * split: where one has a leaf the other must be empty. A leaf in both is a
 * `TreeError`, as are containers that differ. A place empty in both stays
 * empty: an empty subtree of the original tree is empty in both halves, so
 * it cannot be told from a leaf lost by both. An empty subtree in one tree
 * takes a whole subtree of the other. Objects keep the key order of `a`.
 * Pass the original type to get it back: `combine<Params>(trainable, frozen)`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { combine } from "./filter.ts";
 * assert.deepEqual(combine({ w: null, b: [2] }, { w: 1, b: [null] }), { w: 1, b: [2] });
 * assert.throws(() => combine({ w: 1 }, { w: 2 }), {
 *   name: "TreeError",
 *   message: "tree.combine: at w: a leaf in both trees",
 * });
 * ```
 */
export const combine = <T = Tree<unknown>>(a: Tree<unknown>, b: Tree<unknown>): T => {
  const stack: PathKey[] = [];
  const fail = (reason: string): never => {
    throw new TreeError("tree.combine", `at ${stack.length === 0 ? "root" : formatPath(stack)}: ${reason}`);
  };
  const copy = (t: unknown): unknown => map((leaf: unknown) => leaf, t);
  const go = (a: unknown, b: unknown): unknown => {
    const ka = kindOf(a);
    const kb = kindOf(b);
    if (ka === "empty") return kb === "empty" ? a : copy(b);
    if (kb === "empty") return copy(a);
    if (ka === "leaf" && kb === "leaf") return fail("a leaf in both trees");
    if (ka !== kb) return fail(`${kindName(a)} vs ${kindName(b)}`);
    if (ka === "array") {
      const xs = a as readonly unknown[];
      const ys = b as readonly unknown[];
      if (xs.length !== ys.length) fail(`array lengths differ (${xs.length} vs ${ys.length})`);
      return xs.map((x, i) => {
        stack.push(i);
        const out = go(x, ys[i]);
        stack.pop();
        return out;
      });
    }
    const xs = a as Record<string, unknown>;
    const ys = b as Record<string, unknown>;
    const keys = Object.keys(xs);
    const differ = keysDiffer(xs, ys);
    if (differ !== undefined) fail(differ);
    const out = reserveObject(keys, Object.getPrototypeOf(xs) === null);
    for (const k of sortedKeys(keys)) {
      stack.push(k);
      out[k] = go(xs[k], ys[k]);
      stack.pop();
    }
    return out;
  };
  return go(a, b) as T;
};
