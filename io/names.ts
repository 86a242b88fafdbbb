/**
 * Trees ↔ dotted tensor names.
 *
 * Rules (the writer enforces them, the reader inverts them):
 * - The root is a plain object or an array; every leaf is a `Tensor`
 *   (numbers, strings, `null` … are rejected: wrap a number as a 0-d tensor).
 * - A leaf's name is its path joined with `.`: `{ layers: [{ w }] }` → `layers.0.w`.
 * - Object keys must be non-empty and contain no `.` (a dotted key would be
 *   ambiguous with nesting); names that collide are rejected; `__metadata__`
 *   is reserved.
 * - Empty objects and arrays hold no tensor and are not stored.
 * - On read, a node whose keys are exactly `0, 1, …, n-1` (canonical
 *   decimals) becomes an array; any other node becomes a plain object. So an
 *   object whose keys are `"0"…"n-1"` reads back as an array.
 *
 * @module
 */
import { Tensor } from "../core/tensor.ts";
import { isPlainObject } from "../core/tree/types.ts";
import { SafetensorsError } from "./errors.ts";
import { METADATA_KEY } from "./format.ts";

/** Where a name rule was broken, for the error message. */
interface Ctx {
  readonly op: string;
  readonly file: string;
}

/**
 * The `[name, tensor]` pairs of `tree`, sorted by name.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { flattenNamed } from "./names.ts";
 * import { scalar } from "../mod.ts";
 * const named = flattenNamed({ layers: [{ w: scalar(1) }], b: scalar(2) });
 * assert.deepEqual(named.map(([n]) => n), ["b", "layers.0.w"]);
 * ```
 */
export const flattenNamed = (
  tree: unknown,
  ctx: Ctx = { op: "encodeSafetensors", file: "<tree>" },
): [string, Tensor][] => {
  const fail = (tensor: string | undefined, detail: string): never => {
    throw new SafetensorsError({ ...ctx, tensor, field: "tree", detail });
  };
  if (!Array.isArray(tree) && !isPlainObject(tree)) {
    fail(undefined, "the root must be a plain object or an array of tensors");
  }
  const out: [string, Tensor][] = [];
  const dotted: string[] = [];
  const walk = (node: unknown, path: string[]): void => {
    const name = path.join(".");
    if (node instanceof Tensor) out.push([name, node]);
    else if (Array.isArray(node)) node.forEach((x, i) => walk(x, [...path, String(i)]));
    else if (isPlainObject(node)) {
      for (const k of Object.keys(node)) {
        if (k === "" || k.includes(".")) dotted.push([...path, k].join("."));
        walk(node[k], [...path, k]);
      }
    } else {fail(
        name,
        `leaf is ${node === null ? "null" : typeof node}; expected a Tensor (store numbers as 0-d tensors)`,
      );}
  };
  walk(tree, []);
  out.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  for (let i = 1; i < out.length; i++) {
    if (out[i][0] === out[i - 1][0]) fail(out[i][0], "two tensors have this name after flattening (names collide)");
  }
  for (const [n] of out) {
    if (n === METADATA_KEY) fail(n, `the name ${METADATA_KEY} is reserved for metadata`);
  }
  if (dotted.length > 0) {
    fail(dotted[0], "object keys must be non-empty and contain no '.', which would be ambiguous with nesting");
  }
  return out;
};

const isIndex = (k: string, i: number): boolean => k === String(i);

/**
 * The tree whose flattened names are the keys of `named` (inverse of
 * {@link flattenNamed}); throws `SafetensorsError` (field `name`) for names
 * that do not form a tree, e.g. both `a` and `a.b`, or an empty segment.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { unflattenNamed } from "./names.ts";
 * assert.deepEqual(unflattenNamed(new Map([["l.0.w", 1], ["l.1.w", 2], ["b", 3]])), { b: 3, l: [{ w: 1 }, { w: 2 }] });
 * ```
 */
export const unflattenNamed = <L>(
  named: ReadonlyMap<string, L>,
  ctx: Ctx = { op: "decodeSafetensors", file: "<bytes>" },
): Record<string, unknown> | unknown[] => {
  interface Node {
    kids: Map<string, Node>;
    leaf?: { value: L };
  }
  const root: Node = { kids: new Map() };
  const fail = (tensor: string, detail: string): never => {
    throw new SafetensorsError({ ...ctx, tensor, field: "name", detail });
  };
  for (const [name, value] of named) {
    const parts = name.split(".");
    if (parts.some((p) => p === "")) fail(name, "a name segment is empty; expected names like `layers.0.w`");
    let node = root;
    for (const p of parts) {
      if (node.leaf) fail(name, "a tensor name is a prefix of another; the names do not form a tree");
      let next = node.kids.get(p);
      if (next === undefined) {
        next = { kids: new Map() };
        node.kids.set(p, next);
      }
      node = next;
    }
    if (node.kids.size > 0) fail(name, "a tensor name is a prefix of another; the names do not form a tree");
    node.leaf = { value };
  }
  const build = (node: Node): unknown => {
    if (node.leaf) return node.leaf.value;
    const keys = [...node.kids.keys()];
    if (
      keys.length > 0 && keys.every((k) => /^(0|[1-9][0-9]*)$/.test(k)) &&
      keys.map(Number).sort((a, b) => a - b).every((k, i) => isIndex(String(k), i))
    ) {
      return keys.map(Number).sort((a, b) => a - b).map((k) => build(node.kids.get(String(k))!));
    }
    const out: Record<string, unknown> = {};
    for (const k of keys.sort()) {
      // Plain assignment of `__proto__` would set the prototype, not a key.
      Object.defineProperty(out, k, {
        value: build(node.kids.get(k)!),
        writable: true,
        enumerable: true,
        configurable: true,
      });
    }
    return out;
  };
  return build(root) as Record<string, unknown> | unknown[];
};
