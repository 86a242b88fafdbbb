/**
 * Paths written out: `layers[1].w` in messages, `layers.1.w` in checkpoint
 * names.
 *
 * @module
 */
import type { Path, PathKey } from "./types.ts";

const identifier = /^[A-Za-z_$][\w$]*$/;

/** @internal A key as it reads in a list of keys: bare when it is an identifier, quoted otherwise. */
export const formatKey = (key: PathKey): string =>
  typeof key === "number" || identifier.test(key) ? String(key) : JSON.stringify(key);

/**
 * A path as JavaScript would write the access: `layers[1].w`. A key that is
 * not an identifier is quoted (`["a-b"]`); the root (an empty path) is `""`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatPath } from "./path.ts";
 * assert.equal(formatPath(["params", "layers", 1, "b"]), "params.layers[1].b");
 * assert.equal(formatPath([2]), "[2]");
 * assert.equal(formatPath(["a-b", "c"]), '["a-b"].c');
 * assert.equal(formatPath([]), "");
 * ```
 */
export const formatPath = (path: Path): string => {
  let out = "";
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else if (identifier.test(key)) out += out === "" ? key : `.${key}`;
    else out += `[${JSON.stringify(key)}]`;
  }
  return out;
};

/**
 * A path as a dotted name, `layers.1.w`: the form checkpoint files use for
 * tensor names (as PyTorch state dicts do). Keys are written as they are, so
 * a key that itself holds a dot makes the name ambiguous.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { pathToString } from "./path.ts";
 * assert.equal(pathToString(["layers", 1, "w"]), "layers.1.w");
 * assert.equal(pathToString([]), "");
 * ```
 */
export const pathToString = (path: Path): string => path.join(".");
