/**
 * What a parameter tree is, at run time and in types.
 *
 * A tree is a leaf, an array of trees, or a plain object (prototype
 * `Object.prototype` or `null`) of trees. Everything else — a tensor, a
 * number, a string, a typed array, a class instance such as a PRNG key — is
 * a leaf. `null` and `undefined` are empty subtrees: they hold no leaves and
 * are kept as they are, as `None` is in JAX.
 *
 * @module
 */
import type { Tensor } from "../tensor.ts";

/**
 * A parameter tree whose leaves are `L` (tensors unless said otherwise).
 *
 * Declare parameter types with `type`, not `interface`: an interface has no
 * implicit index signature, so TypeScript will not accept it as the object
 * arm of this type.
 *
 * @example Trees of tensors and of numbers
 * ```ts
 * import assert from "node:assert/strict";
 * import type { Tree } from "./types.ts";
 * const t: Tree<number> = { w: [1, 2], b: 3, extra: null };
 * assert.equal(typeof t, "object");
 * ```
 */
export type Tree<L = Tensor> =
  | L
  | null
  | undefined
  | readonly Tree<L>[]
  | { readonly [key: string]: Tree<L> };

/**
 * The tree `T` with every leaf of type `L` replaced by `R`: the type of
 * `map(f, t)` for `f: (leaf: L) => R`. Arrays stay arrays (tuples stay
 * tuples), objects keep their keys, `null` and `undefined` stay.
 *
 * @example Gradients have the parameters' type
 * ```ts
 * import assert from "node:assert/strict";
 * import type { TreeOf } from "./types.ts";
 * type Params = { w: number; layers: [number, number] };
 * const shapes: TreeOf<Params, string, number> = { w: "[2]", layers: ["[3]", "[4]"] };
 * assert.equal(shapes.layers[1], "[4]");
 * ```
 */
export type TreeOf<T, R, L = Tensor> = unknown extends T ? Tree<R>
  // A wide tree type (`Tree`, `Tree<number>`) would make the mapping below recurse without end.
  : [T] extends [Tree<infer X>] ? ([Tree<X>] extends [T] ? Tree<R> : MapLeaves<T, R, L>)
  : MapLeaves<T, R, L>;

type MapLeaves<T, R, L> = T extends null | undefined ? T
  : T extends readonly unknown[] ? { [K in keyof T]: MapLeaves<T[K], R, L> }
  : T extends L ? R
  : T extends Tensor ? R // a tensor is a leaf even when `L` is something else
  : T extends object ? { [K in keyof T]: MapLeaves<T[K], R, L> }
  : R;

/**
 * The type of the leaves of a tree type `T`, read from its structure:
 * tensors, primitives and functions are leaves; arrays and objects are
 * walked. For a wide type `Tree<L>` it is `L`. (At run time any class
 * instance is a leaf too; types cannot tell a class from a plain object, so
 * pass the leaf type explicitly for trees of other classes.)
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { LeafOf } from "./types.ts";
 * const leaf: LeafOf<{ w: number[]; b: [string] }> = "either";
 * assert.equal(leaf, "either");
 * ```
 */
export type LeafOf<T> = unknown extends T ? unknown
  : [T] extends [Tree<infer L>] ? ([Tree<L>] extends [T] ? L : StructuralLeaf<T>)
  : StructuralLeaf<T>;

type StructuralLeaf<T> = T extends Tensor ? T
  : T extends null | undefined ? never
  : T extends readonly (infer E)[] ? LeafOf<E>
  : T extends string | number | boolean | bigint | symbol | ((...args: never[]) => unknown) ? T
  : T extends object ? LeafOf<T[keyof T]>
  : T;

/**
 * `T` with each leaf either kept or replaced by `null`: what `filter` and
 * `partition` return.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { Filtered } from "./types.ts";
 * const half: Filtered<{ a: number; b: number }, number> = { a: 1, b: null };
 * assert.equal(half.b, null);
 * ```
 */
export type Filtered<T, L = Tensor> = TreeOf<T, L | null, L>;

/** One step of a path: an object key (string) or an array index (number). */
export type PathKey = string | number;

/**
 * Where a node sits in a tree: the keys and indices from the root, e.g.
 * `["layers", 1, "w"]`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { Path } from "./types.ts";
 * const p: Path = ["layers", 1, "w"];
 * assert.equal(p.length, 3);
 * ```
 */
export type Path = readonly PathKey[];

/** @internal How a node is walked. */
export type Kind = "empty" | "array" | "object" | "leaf";

/**
 * Whether `x` is a plain object, i.e. a tree node rather than a leaf.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isPlainObject } from "./types.ts";
 * assert.ok(isPlainObject({ a: 1 }));
 * assert.ok(isPlainObject(Object.create(null)));
 * assert.ok(!isPlainObject(new Map()));
 * assert.ok(!isPlainObject([1]));
 * ```
 */
export const isPlainObject = (x: unknown): x is Record<string, unknown> => {
  if (typeof x !== "object" || x === null) return false;
  const proto = Object.getPrototypeOf(x);
  return proto === Object.prototype || proto === null;
};

/** @internal The node kind of `x`. */
export const kindOf = (x: unknown): Kind => {
  if (x === null || x === undefined) return "empty";
  if (Array.isArray(x)) return "array";
  return isPlainObject(x) ? "object" : "leaf";
};

/**
 * Whether `x` is a leaf: neither an array, nor a plain object, nor empty.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isLeaf } from "./types.ts";
 * assert.ok(isLeaf(3));
 * assert.ok(isLeaf(new Float32Array(2)));
 * assert.ok(!isLeaf(null));
 * assert.ok(!isLeaf({}));
 * assert.ok(!isLeaf([]));
 * ```
 */
export const isLeaf = (x: unknown): boolean => kindOf(x) === "leaf";

/** @internal `keys` in flatten order (sorted), without copying when already sorted. */
export const sortedKeys = (keys: readonly string[]): readonly string[] => {
  let i = 1;
  while (i < keys.length && keys[i - 1] <= keys[i]) i++;
  if (i >= keys.length) return keys;
  // Objects in parameter trees have a few keys: an insertion sort beats `Array#sort` here.
  const out = keys.slice();
  for (; i < out.length; i++) {
    const k = out[i];
    let j = i - 1;
    while (j >= 0 && out[j] > k) {
      out[j + 1] = out[j];
      j--;
    }
    out[j + 1] = k;
  }
  return out;
};

/**
 * @internal A fresh object with `keys` in this insertion order (values
 * `undefined` for now), so that filling it in flatten order keeps the
 * caller's key order.
 */
export const reserveObject = (
  keys: readonly string[],
  nullProto: boolean,
): Record<string, unknown> => {
  const out: Record<string, unknown> = nullProto ? Object.create(null) : {};
  for (const k of keys) {
    // Assigning `__proto__` would set the prototype instead of a key.
    if (k === "__proto__") {
      Object.defineProperty(out, k, {
        value: undefined,
        writable: true,
        enumerable: true,
        configurable: true,
      });
    } else out[k] = undefined;
  }
  return out;
};
