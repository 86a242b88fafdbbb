/**
 * Sorting composed from `argsort` and `takeAlongAxis`: `sort` and `topk`.
 * Their values are differentiable (the gradient flows back to the positions
 * the values came from); their indices are int32 and have zero derivative.
 *
 * @module
 */
import { ValueError } from "../errors.ts";
import { argsort } from "../prims/cumulative.ts";
import { slice } from "../prims/shape.ts";
import { normalizeAxis } from "../shape.ts";
import type { Tensor } from "../tensor.ts";
import { takeAlongAxis } from "./indexing.ts";

/**
 * `x` sorted along `axis` (default −1), ascending (NaN last) or descending.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sort, tensor } from "../../mod.ts";
 * assert.deepEqual(sort(tensor([[3, 1, 2]])).toArray(), [[1, 2, 3]]);
 * assert.deepEqual(sort(tensor([3, 1, 2]), 0, { descending: true }).toArray(), [3, 2, 1]);
 * ```
 */
export const sort = (x: Tensor, axis = -1, opts: { readonly descending?: boolean } = {}): Tensor => {
  const a = normalizeAxis("sort", axis, x.ndim);
  return takeAlongAxis(x, argsort(x, a, opts), a);
};

/**
 * The `k` largest values along `axis` (default −1) and their int32 indices,
 * largest first; ties in input order (as `jax.lax.top_k`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { tensor, topk } from "../../mod.ts";
 * const [values, indices] = topk(tensor([1, 5, 3, 5]), 2);
 * assert.deepEqual(values.toArray(), [5, 5]);
 * assert.deepEqual(indices.toArray(), [1, 3]);
 * ```
 */
export const topk = (x: Tensor, k: number, axis = -1): [Tensor, Tensor] => {
  const a = normalizeAxis("topk", axis, x.ndim);
  const n = x.shape[a];
  if (!Number.isInteger(k) || k < 0 || k > n) {
    throw new ValueError("topk", `k must be an integer in [0, ${n}] for an axis of size ${n}, got ${k}`);
  }
  const order = argsort(x, a, { descending: true });
  const indices = slice(order, x.shape.map((_, i) => (i === a ? { start: 0, stop: k } : null)));
  return [takeAlongAxis(x, indices, a), indices];
};
