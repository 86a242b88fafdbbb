/**
 * `map` and `mapWithPath`: apply a function to the leaves of one tree, or to
 * the leaves at the same positions of several trees of the same structure.
 *
 * The walk does not sort out error messages as it goes: it checks structure
 * cheaply (key sets, lengths, kinds) and, only if that fails, asks
 * `firstDifference` where the trees differ. This keeps the walk, which
 * optimizers run over the parameters every step, free of path bookkeeping.
 *
 * @module
 */
import type { Tensor } from "../tensor.ts";
import { TreeError } from "../errors.ts";
import { differenceMessage, firstDifference } from "./structure.ts";
import { kindOf, type Path, type PathKey, reserveObject, sortedKeys, type TreeOf } from "./types.ts";

/**
 * The return type of `f` for which `map` keeps the tree's type: the leaf
 * type itself, unless that is `unknown` (every result would match).
 */
type SameLeaf<L> = unknown extends L ? never : L;

/** Thrown inside the walk when the trees differ; never escapes this module. */
class Mismatch {}
const MISMATCH = new Mismatch();

const sameKeys = (keys: readonly string[], other: unknown): boolean => {
  if (kindOf(other) !== "object") return false;
  const o = other as Record<string, unknown>;
  if (Object.keys(o).length !== keys.length) return false;
  for (const k of keys) if (!Object.hasOwn(o, k)) return false;
  return true;
};

const childrenAt = (xs: readonly unknown[], key: PathKey): unknown[] => {
  const out = new Array<unknown>(xs.length);
  for (let j = 0; j < xs.length; j++) out[j] = (xs[j] as Record<PathKey, unknown>)[key];
  return out;
};

/**
 * Walks `xs` (the same node of every tree) and rebuilds it with `leaf`
 * applied to the leaves. Children are visited in flatten order (sorted
 * keys) so `leaf` is called in that order; objects are rebuilt with the first
 * tree's key order. `stack`, when given, holds the path of the current node.
 */
const walk = (
  xs: readonly unknown[],
  leaf: (xs: readonly unknown[]) => unknown,
  stack: PathKey[] | undefined,
): unknown => {
  const x = xs[0];
  const n = xs.length;
  switch (kindOf(x)) {
    case "empty":
      for (let j = 1; j < n; j++) if (xs[j] !== null && xs[j] !== undefined) throw MISMATCH;
      return x;
    case "leaf":
      for (let j = 1; j < n; j++) if (kindOf(xs[j]) !== "leaf") throw MISMATCH;
      return leaf(xs);
    case "array": {
      const len = (x as readonly unknown[]).length;
      for (let j = 1; j < n; j++) {
        if (!Array.isArray(xs[j]) || (xs[j] as readonly unknown[]).length !== len) throw MISMATCH;
      }
      const out: unknown[] = [];
      for (let i = 0; i < len; i++) {
        stack?.push(i);
        out.push(walk(childrenAt(xs, i), leaf, stack));
        stack?.pop();
      }
      return out;
    }
    case "object": {
      const keys = Object.keys(x as object);
      for (let j = 1; j < n; j++) if (!sameKeys(keys, xs[j])) throw MISMATCH;
      const out = reserveObject(keys, Object.getPrototypeOf(x) === null);
      for (const k of sortedKeys(keys)) {
        stack?.push(k);
        out[k] = walk(childrenAt(xs, k), leaf, stack);
        stack?.pop();
      }
      return out;
    }
  }
};

/** `walk` for a single tree, which `map` over parameters alone (scaling, casting) needs most. */
const walk1 = (x: unknown, leaf: (x: unknown) => unknown): unknown => {
  switch (kindOf(x)) {
    case "empty":
      return x;
    case "leaf":
      return leaf(x);
    case "array": {
      const xs = x as readonly unknown[];
      const out: unknown[] = [];
      for (let i = 0; i < xs.length; i++) out.push(walk1(xs[i], leaf));
      return out;
    }
    case "object": {
      const o = x as Record<string, unknown>;
      const keys = Object.keys(o);
      const out = reserveObject(keys, Object.getPrototypeOf(o) === null);
      for (const k of sortedKeys(keys)) out[k] = walk1(o[k], leaf);
      return out;
    }
  }
};

/** Runs the walk over `trees`, turning a mismatch into a `TreeError` that names the path. */
const mapTrees = (
  op: string,
  trees: readonly unknown[],
  leaf: (xs: readonly unknown[]) => unknown,
  stack?: PathKey[],
): unknown => {
  try {
    return walk(trees, leaf, stack);
  } catch (e) {
    if (e !== MISMATCH) throw e;
    for (let j = 1; j < trees.length; j++) {
      const d = firstDifference(trees[0], trees[j]);
      if (d !== undefined) {
        throw new TreeError(op, differenceMessage(d) + (trees.length > 2 ? ` (tree 0 vs tree ${j})` : ""));
      }
    }
    throw new TreeError(op, "trees differ in structure"); // a getter or proxy that changed while walked
  }
};

/**
 * A tree of the structure of `tree` whose leaves are `f` of the leaves of
 * `tree` and of each tree in `rest` at the same position (JAX's
 * `tree.map`). `f` is called in flatten order. The trees must have the same
 * structure (key order aside), else a `TreeError` names the first place they
 * differ (`f` may already have run on the leaves before that place).
 * Inputs are never mutated; every container of the result is new (and not
 * frozen: freezing made this walk 30–100% slower, and reading frozen trees
 * slower too, on both runtimes) and objects keep the key order of `tree`.
 * `null`/`undefined` are kept. The trees in `rest` are typed `unknown`:
 * their structure is checked at run time.
 *
 * The leaf type `L` is `Tensor` unless `f` declares another. When `f`
 * returns the leaf type, the result has the type of `tree` (so
 * `map((p) => mul(p, 2), params)` has the type of `params`, also for a
 * generic `P extends Tree`); otherwise it is `TreeOf<typeof tree, R, L>`.
 *
 * @example Scale every leaf; combine two trees
 * ```ts
 * import assert from "node:assert/strict";
 * import { map } from "./map.ts";
 * const params = { w: [1, 2], b: 3, frozen: null };
 * assert.deepEqual(map((x: number) => 2 * x, params), { w: [2, 4], b: 6, frozen: null });
 * const grads = { b: 1, w: [10, 20], frozen: null };
 * assert.deepEqual(map((p: number, g: number) => p - 0.1 * g, params, grads), { w: [0, 0], b: 2.9, frozen: null });
 * assert.throws(() => map((x: number) => x, { x: [1, 2, 3] }, { x: [1, 2] }), {
 *   name: "TreeError",
 *   message: "tree.map: at x: array lengths differ (3 vs 2)",
 * });
 * ```
 */
export function map<T, L = Tensor>(f: (leaf: L, ...rest: L[]) => SameLeaf<L>, tree: T, ...rest: readonly unknown[]): T;
export function map<T, R, L = Tensor>(
  f: (leaf: L, ...rest: L[]) => R,
  tree: T,
  ...rest: readonly unknown[]
): TreeOf<T, R, L>;
export function map(f: (...leaves: unknown[]) => unknown, tree: unknown, ...rest: readonly unknown[]): unknown {
  if (rest.length === 0) return walk1(tree, f);
  const trees = [tree, ...rest];
  // Spreading arguments costs more than the walk itself for small trees; two trees are the common case.
  const leaf = trees.length === 2 ? (xs: readonly unknown[]) => f(xs[0], xs[1]) : (xs: readonly unknown[]) => f(...xs);
  return mapTrees("tree.map", trees, leaf);
}

/**
 * Like `map`, with the path of each leaf (`["layers", 1, "w"]`, a fresh
 * array each call) passed first: for per-parameter choices such as no weight
 * decay on biases.
 *
 * @example Decay weights, not biases
 * ```ts
 * import assert from "node:assert/strict";
 * import { mapWithPath } from "./map.ts";
 * const params = { layers: [{ w: 1, b: 1 }] };
 * const decayed = mapWithPath((path, p: number) => (path.at(-1) === "b" ? p : 0.5 * p), params);
 * assert.deepEqual(decayed, { layers: [{ w: 0.5, b: 1 }] });
 * ```
 */
export function mapWithPath<T, L = Tensor>(
  f: (path: Path, leaf: L, ...rest: L[]) => SameLeaf<L>,
  tree: T,
  ...rest: readonly unknown[]
): T;
export function mapWithPath<T, R, L = Tensor>(
  f: (path: Path, leaf: L, ...rest: L[]) => R,
  tree: T,
  ...rest: readonly unknown[]
): TreeOf<T, R, L>;
export function mapWithPath(
  f: (path: Path, ...leaves: unknown[]) => unknown,
  tree: unknown,
  ...rest: readonly unknown[]
): unknown {
  const stack: PathKey[] = [];
  return mapTrees("tree.mapWithPath", [tree, ...rest], (xs) => f(stack.slice(), ...xs), stack);
}
