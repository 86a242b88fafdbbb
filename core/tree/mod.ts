/**
 * Parameter trees: nested arrays and plain objects with tensors (or other
 * values) as leaves, walked in a fixed order (object keys sorted, as JAX
 * sorts dict keys) and never mutated. Exposed as `tree.*`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tree from "./mod.ts";
 * const params = { layers: [{ w: 1, b: 2 }], scale: 3 };
 * assert.deepEqual(tree.leaves(params), [2, 1, 3]);
 * assert.deepEqual(tree.map((x: number) => x + 1, params), { layers: [{ w: 2, b: 3 }], scale: 4 });
 * assert.equal(tree.structure(params).toString(), "{layers: [{b: *, w: *}], scale: *}");
 * ```
 *
 * @module
 */
export type { Filtered, LeafOf, Path, PathKey, Tree, TreeOf } from "./types.ts";
export { isLeaf, isPlainObject } from "./types.ts";
export { formatPath, pathToString } from "./path.ts";
export { assertStructureEqual, type Difference, firstDifference, structureEqual } from "./structure.ts";
export { flatten, structure, TreeDef, unflatten } from "./treedef.ts";
export { map, mapWithPath } from "./map.ts";
export { count, flattenWithPath, leaves, paths, reduce } from "./leaves.ts";
export { combine, filter, partition } from "./filter.ts";
