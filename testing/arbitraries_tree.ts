/**
 * fast-check arbitraries for parameter trees: nested arrays and plain
 * objects of bounded depth with leaves drawn from a given arbitrary, and
 * `null`/`undefined` empty subtrees here and there.
 *
 * @module
 */
import fc from "npm:fast-check@4.10.2";
import type { Tree } from "../core/tree/mod.ts";

/** Options of `treeArb`. */
export interface TreeArbOptions {
  /** How deep containers nest (0: a bare leaf or empty). Default 3. */
  readonly maxDepth?: number;
  /** Most entries per array. Default 4. */
  readonly maxLength?: number;
  /** Most keys per object. Default 4. */
  readonly maxKeys?: number;
  /** Object keys. Default `identifierKeyArb`. */
  readonly keys?: fc.Arbitrary<string>;
  /** Whether `null` and `undefined` subtrees occur. Default true. */
  readonly empties?: boolean;
  /** Whether some objects have a `null` prototype (still plain objects). Default false. */
  readonly nullPrototype?: boolean;
}

/**
 * Short identifier-like keys: `w`, `b1`, `layer_2`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import fc from "npm:fast-check@4.10.2";
 * import { identifierKeyArb } from "./arbitraries_tree.ts";
 * fc.assert(fc.property(identifierKeyArb, (k) => assert.match(k, /^[a-z][a-zA-Z0-9_]*$/)));
 * ```
 */
export const identifierKeyArb: fc.Arbitrary<string> = fc.stringMatching(/^[a-z][a-zA-Z0-9_]{0,5}$/);

/**
 * Mostly identifier-like keys, sometimes keys that trip naive code:
 * `__proto__`, `constructor`, integer-like keys (which objects enumerate
 * first), the empty string and keys that need quoting.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import fc from "npm:fast-check@4.10.2";
 * import { awkwardKeyArb } from "./arbitraries_tree.ts";
 * fc.assert(fc.property(awkwardKeyArb, (k) => assert.equal(typeof k, "string")));
 * ```
 */
export const awkwardKeyArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: identifierKeyArb },
  { weight: 1, arbitrary: fc.constantFrom("__proto__", "constructor", "toString", "0", "2", "10", "", "a-b", "a.b") },
);

/** An object with these entries in this order; `__proto__` becomes an own key, not the prototype. */
const objectOf = (entries: readonly (readonly [string, unknown])[], nullProto: boolean): Record<string, unknown> => {
  const out: Record<string, unknown> = nullProto ? Object.create(null) : {};
  for (const [k, v] of entries) {
    Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
  }
  return out;
};

/**
 * Trees of depth at most `maxDepth` whose leaves come from `leaf`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import fc from "npm:fast-check@4.10.2";
 * import { treeArb } from "./arbitraries_tree.ts";
 * import { leaves } from "../core/tree/mod.ts";
 * fc.assert(fc.property(treeArb(fc.integer(), { maxDepth: 2 }), (t) => {
 *   assert.ok(leaves<number>(t).every(Number.isInteger));
 * }));
 * ```
 */
export const treeArb = <L>(leaf: fc.Arbitrary<L>, opts: TreeArbOptions = {}): fc.Arbitrary<Tree<L>> => {
  const { maxDepth = 3, maxLength = 4, maxKeys = 4, keys = identifierKeyArb } = opts;
  const terminal: fc.Arbitrary<Tree<L>> = opts.empties === false
    ? leaf
    : fc.oneof({ weight: 4, arbitrary: leaf }, { weight: 1, arbitrary: fc.constantFrom(null, undefined) });
  const protoArb = opts.nullPrototype === true ? fc.boolean() : fc.constant(false);
  // Built bottom-up, one arbitrary per depth, so the depth bound is exact.
  let tree = terminal;
  for (let depth = 1; depth <= maxDepth; depth++) {
    const child = tree;
    const array = fc.array(child, { maxLength });
    const entries = fc.uniqueArray(fc.tuple(keys, child), { maxLength: maxKeys, selector: ([k]) => k });
    const object = fc.tuple(entries, protoArb).map(([es, nullProto]) => objectOf(es, nullProto) as Tree<L>);
    // Containers outweigh leaves so that most trees have some depth; objects are the usual case.
    tree = fc.oneof({ weight: 1, arbitrary: terminal }, { weight: 2, arbitrary: array }, {
      weight: 3,
      arbitrary: object,
    });
  }
  return tree;
};
