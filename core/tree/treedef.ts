/**
 * Flattening a tree into its leaves and an immutable description of its
 * structure (`TreeDef`), and building it back.
 *
 * @module
 */
import type { Tensor } from "../tensor.ts";
import { TreeError } from "../errors.ts";
import { formatKey } from "./path.ts";
import { kindOf, type LeafOf, reserveObject, sortedKeys, type Tree } from "./types.ts";

/**
 * @internal A node of a tree's structure. Never written after it is built;
 * not frozen, because `Object.freeze` made `flatten` several times slower
 * on Bun and nothing outside this module sees a node.
 */
export type DefNode =
  | { readonly kind: "leaf" }
  | { readonly kind: "empty"; readonly value: null | undefined }
  | { readonly kind: "array"; readonly children: readonly DefNode[] }
  | {
    readonly kind: "object";
    /** Keys in the tree's insertion order: the order objects are rebuilt in. */
    readonly keys: readonly string[];
    /** Keys sorted: the order leaves are visited in. */
    readonly sorted: readonly string[];
    /** The children, aligned with `sorted`. */
    readonly children: readonly DefNode[];
    readonly nullProto: boolean;
  };

const LEAF: DefNode = { kind: "leaf" };

const nodeEqual = (a: DefNode, b: DefNode): boolean => {
  if (a.kind !== b.kind) return false;
  if (a.kind === "array" && b.kind === "array") {
    return a.children.length === b.children.length && a.children.every((c, i) => nodeEqual(c, b.children[i]));
  }
  if (a.kind === "object" && b.kind === "object") {
    return a.sorted.length === b.sorted.length &&
      a.sorted.every((k, i) => k === b.sorted[i] && nodeEqual(a.children[i], b.children[i]));
  }
  return true;
};

const nodeString = (n: DefNode): string => {
  switch (n.kind) {
    case "leaf":
      return "*";
    case "empty":
      return String(n.value);
    case "array":
      return `[${n.children.map(nodeString).join(", ")}]`;
    case "object":
      return `{${n.sorted.map((k, i) => `${formatKey(k)}: ${nodeString(n.children[i])}`).join(", ")}}`;
  }
};

const countLeaves = (n: DefNode): number => {
  if (n.kind === "leaf") return 1;
  if (n.kind === "empty") return 0;
  let total = 0;
  for (const c of n.children) total += countLeaves(c);
  return total;
};

/**
 * The structure of a tree without its leaves: containers, keys, array
 * lengths, empty subtrees. Immutable; compare two with `equals`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { structure } from "./treedef.ts";
 * const def = structure({ w: 1, b: 2 });
 * assert.equal(def.toString(), "{b: *, w: *}");
 * assert.equal(structure([1, 2, { x: 3 }]).toString(), "[*, *, {x: *}]");
 * assert.equal(def.numLeaves, 2);
 * assert.ok(def.equals(structure({ b: 5, w: 6 })));
 * ```
 */
export class TreeDef {
  /** @internal */
  readonly root: DefNode;
  /** How many leaves a tree of this structure holds. */
  readonly numLeaves: number;

  /** @internal Use `flatten` or `structure` to get one. */
  constructor(root: DefNode) {
    this.root = root;
    this.numLeaves = countLeaves(root);
    Object.freeze(this);
  }

  /** Whether `other` describes the same structure (key insertion order aside). */
  equals(other: TreeDef): boolean {
    return nodeEqual(this.root, other.root);
  }

  /** `{b: *, w: *}`, `[*, null, {x: *}]`: leaves are `*`, keys sorted. */
  toString(): string {
    return nodeString(this.root);
  }
}

/**
 * @internal Builds the structure of `tree`, pushing its leaves onto `out`
 * (pass `undefined` to skip collecting them).
 */
export const describeTree = (tree: unknown, out: unknown[] | undefined): DefNode => {
  switch (kindOf(tree)) {
    case "leaf":
      out?.push(tree);
      return LEAF;
    case "empty":
      return { kind: "empty", value: tree as null | undefined };
    case "array":
      return { kind: "array", children: (tree as readonly unknown[]).map((c) => describeTree(c, out)) };
    case "object": {
      const obj = tree as Record<string, unknown>;
      const keys = Object.keys(obj);
      const sorted = sortedKeys(keys);
      return {
        kind: "object",
        keys,
        sorted,
        children: sorted.map((k) => describeTree(obj[k], out)),
        nullProto: Object.getPrototypeOf(obj) === null,
      };
    }
  }
};

/**
 * The leaves of `tree` in flatten order (object keys sorted, arrays in
 * order) and its structure. `unflatten(def, leaves)` gives the tree back.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { flatten } from "./treedef.ts";
 * const [leaves, def] = flatten({ w: 1, b: [2, null, 3] });
 * assert.deepEqual(leaves, [2, 3, 1]);
 * assert.equal(def.toString(), "{b: [*, null, *], w: *}");
 * ```
 */
export function flatten<L = Tensor>(tree: Tree<NoInfer<L>>): [L[], TreeDef];
export function flatten<T>(tree: T): [LeafOf<T>[], TreeDef];
export function flatten(tree: unknown): [unknown[], TreeDef] {
  const leaves: unknown[] = [];
  const root = describeTree(tree, leaves);
  return [leaves, new TreeDef(root)];
}

/**
 * The structure of `tree` (its `TreeDef`), without collecting leaves.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { structure } from "./treedef.ts";
 * assert.equal(structure({ a: [1, undefined] }).toString(), "{a: [*, undefined]}");
 * ```
 */
export const structure = (tree: unknown): TreeDef => new TreeDef(describeTree(tree, undefined));

/**
 * Builds a tree of structure `def` from `leaves` in flatten order. Objects
 * get the key order of the tree `def` came from; every container is fresh.
 * Throws a `TreeError` when the number of leaves is wrong.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { flatten, unflatten } from "./treedef.ts";
 * const [leaves, def] = flatten({ w: 1, b: 2 });
 * const doubled = unflatten(def, leaves.map((x) => 2 * x));
 * assert.deepEqual(doubled, { w: 2, b: 4 });
 * assert.deepEqual(Object.keys(doubled), ["w", "b"]);
 * assert.throws(() => unflatten(def, [1]), /expected 2 leaves, got 1/);
 * ```
 */
export const unflatten = <R, T = Tree<R>>(def: TreeDef, leaves: readonly R[]): T => {
  if (leaves.length !== def.numLeaves) {
    const shown = def.toString();
    throw new TreeError(
      "tree.unflatten",
      `expected ${def.numLeaves} leaves, got ${leaves.length} (structure ${
        shown.length > 200 ? `${shown.slice(0, 200)}…` : shown
      })`,
    );
  }
  let next = 0;
  const build = (n: DefNode): unknown => {
    switch (n.kind) {
      case "leaf":
        return leaves[next++];
      case "empty":
        return n.value;
      case "array":
        return n.children.map(build);
      case "object": {
        const out = reserveObject(n.keys, n.nullProto);
        for (let i = 0; i < n.sorted.length; i++) out[n.sorted[i]] = build(n.children[i]);
        return out;
      }
    }
  };
  return build(def.root) as T;
};
