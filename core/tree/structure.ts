/**
 * Comparing the structure of trees, and saying where two trees first differ.
 *
 * Two trees have the same structure when they hold the same containers with
 * the same keys (in any insertion order) and array lengths, with leaves and
 * empty subtrees in the same places. Leaves are not compared; `null` and
 * `undefined` count as the same (both are empty).
 *
 * @module
 */
import { TreeError } from "../errors.ts";
import { formatKey, formatPath } from "./path.ts";
import { kindOf, type Path, type PathKey, sortedKeys } from "./types.ts";

/** Where two trees first differ (in flatten order) and how. */
export interface Difference {
  /** The node at which they differ. */
  readonly path: Path;
  /** How they differ there, e.g. `array lengths differ (3 vs 2)`. */
  readonly reason: string;
}

/** @internal How a node is named in messages: `leaf`, `array`, `object`, `null` or `undefined`. */
export const kindName = (x: unknown): string => {
  const kind = kindOf(x);
  return kind === "empty" ? String(x) : kind;
};

const keyList = (keys: readonly string[]): string => keys.map(formatKey).join(", ");

/** @internal Why two objects differ in their own keys, or `undefined` when their key sets are equal. */
export const keysDiffer = (a: object, b: object): string | undefined => {
  const ka = sortedKeys(Object.keys(a));
  const kb = sortedKeys(Object.keys(b));
  if (ka.length === kb.length && ka.every((k, i) => k === kb[i])) return undefined;
  return `object keys differ (${keyList(ka)} vs ${keyList(kb)})`;
};

/**
 * The first place, in flatten order, where `a` and `b` differ in structure,
 * or `undefined` when they have the same structure.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { firstDifference } from "./structure.ts";
 * assert.deepEqual(firstDifference({ x: [1, 2, 3] }, { x: [1, 2] }), {
 *   path: ["x"],
 *   reason: "array lengths differ (3 vs 2)",
 * });
 * assert.equal(firstDifference({ a: 1, b: 2 }, { b: 3, a: 4 }), undefined);
 * ```
 */
export const firstDifference = (a: unknown, b: unknown): Difference | undefined => {
  const path: PathKey[] = [];
  const go = (a: unknown, b: unknown): string | undefined => {
    const kind = kindOf(a);
    if (kind !== kindOf(b)) return `${kindName(a)} vs ${kindName(b)}`;
    if (kind === "array") {
      const xs = a as readonly unknown[];
      const ys = b as readonly unknown[];
      if (xs.length !== ys.length) return `array lengths differ (${xs.length} vs ${ys.length})`;
      for (let i = 0; i < xs.length; i++) {
        path.push(i);
        const reason = go(xs[i], ys[i]);
        if (reason !== undefined) return reason;
        path.pop();
      }
    } else if (kind === "object") {
      const xs = a as Record<string, unknown>;
      const ys = b as Record<string, unknown>;
      const differ = keysDiffer(xs, ys);
      if (differ !== undefined) return differ;
      for (const k of sortedKeys(Object.keys(xs))) {
        path.push(k);
        const reason = go(xs[k], ys[k]);
        if (reason !== undefined) return reason;
        path.pop();
      }
    }
    return undefined;
  };
  const reason = go(a, b);
  return reason === undefined ? undefined : { path, reason };
};

/** @internal The message of a structure error: `at layers[1].b: leaf vs object`. */
export const differenceMessage = (d: Difference): string =>
  `at ${d.path.length === 0 ? "root" : formatPath(d.path)}: ${d.reason}`;

/**
 * Whether `a` and `b` have the same structure (leaves are not compared).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { structureEqual } from "./structure.ts";
 * assert.ok(structureEqual({ w: 1, b: [2, null] }, { b: ["x", undefined], w: "y" }));
 * assert.ok(!structureEqual({ w: 1 }, { w: [1] }));
 * ```
 */
export const structureEqual = (a: unknown, b: unknown): boolean => firstDifference(a, b) === undefined;

/**
 * Throws a `TreeError` for `op`, naming the path where `a` and `b` first
 * differ, unless they have the same structure.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { assertStructureEqual } from "./structure.ts";
 * assert.throws(
 *   () => assertStructureEqual("adam", { layers: [{ w: 1 }, { w: 2, b: 3 }] }, { layers: [{ w: 1 }, { w: 2 }] }),
 *   { name: "TreeError", message: "adam: at layers[1]: object keys differ (b, w vs w)" },
 * );
 * assertStructureEqual("adam", [1, { x: 2 }], [3, { x: 4 }]);
 * ```
 */
export const assertStructureEqual = (op: string, a: unknown, b: unknown): void => {
  const d = firstDifference(a, b);
  if (d !== undefined) throw new TreeError(op, differenceMessage(d));
};
