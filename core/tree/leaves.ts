/**
 * Reading a tree's leaves: in flatten order, with their paths, folded, counted.
 *
 * @module
 */
import type { Tensor } from "../tensor.ts";
import { kindOf, type LeafOf, type Path, type PathKey, sortedKeys, type Tree } from "./types.ts";

/** Calls `visit` on each leaf in flatten order; `stack` holds the current path when given. */
const eachLeaf = (tree: unknown, visit: (leaf: unknown) => void, stack: PathKey[] | undefined): void => {
  switch (kindOf(tree)) {
    case "leaf":
      visit(tree);
      return;
    case "empty":
      return;
    case "array": {
      const xs = tree as readonly unknown[];
      for (let i = 0; i < xs.length; i++) {
        stack?.push(i);
        eachLeaf(xs[i], visit, stack);
        stack?.pop();
      }
      return;
    }
    case "object": {
      const o = tree as Record<string, unknown>;
      for (const k of sortedKeys(Object.keys(o))) {
        stack?.push(k);
        eachLeaf(o[k], visit, stack);
        stack?.pop();
      }
    }
  }
};

/**
 * The leaves of `tree` in flatten order: arrays in order, object keys
 * sorted (so the order does not depend on how the object was built),
 * `null`/`undefined` skipped.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { leaves } from "./leaves.ts";
 * assert.deepEqual(leaves({ w: 1, b: [2, null, 3] }), [2, 3, 1]);
 * assert.deepEqual(leaves(null), []);
 * ```
 */
export function leaves<L = Tensor>(tree: Tree<NoInfer<L>>): L[];
export function leaves<T>(tree: T): LeafOf<T>[];
export function leaves(tree: unknown): unknown[] {
  const out: unknown[] = [];
  eachLeaf(tree, (leaf) => out.push(leaf), undefined);
  return out;
}

/**
 * Each leaf with its path, in flatten order (JAX's `tree_flatten_with_path`
 * without the structure).
 *
 * Like `leaves`, `flatten` and `reduce`, the leaf type is `L` when the tree
 * is a `Tree<L>` (`Tensor` by default, or given: `flattenWithPath<number>(t)`),
 * and otherwise read from the tree's type (`LeafOf<T>`), e.g. for parameters
 * declared with an `interface`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { flattenWithPath } from "./leaves.ts";
 * assert.deepEqual(flattenWithPath({ layers: [{ w: 1, b: 2 }] }), [
 *   [["layers", 0, "b"], 2],
 *   [["layers", 0, "w"], 1],
 * ]);
 * ```
 */
export function flattenWithPath<L = Tensor>(tree: Tree<NoInfer<L>>): [Path, L][];
export function flattenWithPath<T>(tree: T): [Path, LeafOf<T>][];
export function flattenWithPath(tree: unknown): [Path, unknown][] {
  const stack: PathKey[] = [];
  const out: [Path, unknown][] = [];
  eachLeaf(tree, (leaf) => out.push([stack.slice(), leaf]), stack);
  return out;
}

/**
 * The path of each leaf, in flatten order.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { paths } from "./leaves.ts";
 * import { pathToString } from "./path.ts";
 * assert.deepEqual(paths({ w: 1, b: [2, 3] }).map(pathToString), ["b.0", "b.1", "w"]);
 * ```
 */
export const paths = (tree: unknown): Path[] => {
  const stack: PathKey[] = [];
  const out: Path[] = [];
  eachLeaf(tree, () => out.push(stack.slice()), stack);
  return out;
};

/**
 * Folds the leaves in flatten order: `f(…f(f(init, l0), l1)…, ln)`.
 *
 * @example Total number of parameters
 * ```ts
 * import assert from "node:assert/strict";
 * import { reduce } from "./leaves.ts";
 * import { tensor } from "../creation.ts";
 * import type { Tensor } from "../tensor.ts";
 * const params = { w: tensor([[1, 2], [3, 4]]), b: tensor([0, 0]) };
 * assert.equal(reduce((n: number, p: Tensor) => n + p.size, params, 0), 6);
 * ```
 */
export function reduce<A, L = Tensor>(f: (acc: A, leaf: L) => A, tree: Tree<NoInfer<L>>, init: A): A;
export function reduce<A, T>(f: (acc: A, leaf: LeafOf<T>) => A, tree: T, init: A): A;
export function reduce<A>(f: (acc: A, leaf: unknown) => A, tree: unknown, init: A): A {
  let acc = init;
  eachLeaf(tree, (leaf) => {
    acc = f(acc, leaf);
  }, undefined);
  return acc;
}

/**
 * The number of leaves.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { count } from "./leaves.ts";
 * assert.equal(count({ w: 1, b: [2, null], c: {} }), 2);
 * ```
 */
export const count = (tree: unknown): number => {
  let n = 0;
  eachLeaf(tree, () => n++, undefined);
  return n;
};
