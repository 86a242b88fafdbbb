/**
 * Primitives along one axis: running sums (`cumsum`) and the indices that
 * sort (`argsort`). `cumsum` is linear; its transpose is the running sum
 * taken from the other end. `argsort` returns indices and has zero
 * derivative; `topk` and `sort` (composed, in `core/ops/sorting.ts`) take
 * values along those indices, so their values are differentiable.
 *
 * @module
 */
import { definePrimitive, type Primitive } from "../primitive.ts";
import { shiftAxis } from "./batching.ts";
import { normalizeAxis } from "../shape.ts";
import type { Tensor } from "../tensor.ts";
import { bind } from "../trace.ts";
import { sub } from "./binary.ts";
import { requireNumeric } from "./checks.ts";
import { cast } from "./misc.ts";

interface CumsumParams {
  readonly axis: number;
  readonly reverse: boolean;
  readonly [k: string]: unknown;
}

const cumsumP: Primitive<CumsumParams> = definePrimitive({
  name: "cumsum",
  abstractEval: ([x]) => {
    requireNumeric("cumsum", x);
    return x;
  },
  impl: (b, [x], { axis, reverse }) => b.cumsum(x.buf, x.shape, axis, reverse, x.dtype),
  batch: ([x], [d], p) => [bind(cumsumP, [x], { ...p, axis: shiftAxis(p.axis, d!) }), d],
  // linear: d cumsum(x) = cumsum(dx); the transpose sums from the other end
  jvp: (_, [dx], _o, p) => (dx === null ? null : bind(cumsumP, [dx], p)),
  vjp: (g, _x, _o, { axis, reverse }) => [bind(cumsumP, [g], { axis, reverse: !reverse })],
});

/** Options of {@link cumsum}. */
export interface CumsumOptions {
  /** Sum from the end of the axis (`out[i] = Σ_{j ≥ i} x[j]`). */
  readonly reverse?: boolean;
  /** Leave each element out of its own sum (`out[0] = 0`), as `tf.math.cumsum(exclusive)`. */
  readonly exclusive?: boolean;
}

/**
 * Running sums along `axis` (default −1, the last): `out[i] = x[0] + … + x[i]`.
 * A bool input is counted as int32, as NumPy does.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { cumsum, tensor } from "../../mod.ts";
 * assert.deepEqual(cumsum(tensor([1, 2, 3])).toArray(), [1, 3, 6]);
 * assert.deepEqual(cumsum(tensor([1, 2, 3]), -1, { reverse: true }).toArray(), [6, 5, 3]);
 * assert.deepEqual(cumsum(tensor([1, 2, 3]), 0, { exclusive: true }).toArray(), [0, 1, 3]);
 * ```
 */
export const cumsum = (x: Tensor, axis = -1, opts: CumsumOptions = {}): Tensor => {
  const a = normalizeAxis("cumsum", axis, x.ndim);
  const input = x.dtype === "bool" ? cast(x, "int32") : x;
  const reverse = opts.reverse ?? false;
  const inclusive = bind(cumsumP, [input], { axis: a, reverse });
  // exclusive = inclusive − x: one more op, and exact for integers.
  return opts.exclusive ? sub(inclusive, input) : inclusive;
};

interface ArgsortParams {
  readonly axis: number;
  readonly descending: boolean;
  readonly [k: string]: unknown;
}

const argsortP: Primitive<ArgsortParams> = definePrimitive({
  name: "argsort",
  abstractEval: ([x]) => {
    requireNumeric("argsort", x);
    return { shape: x.shape, dtype: "int32" };
  },
  impl: (b, [x], { axis, descending }) => b.argsort(x.buf, x.shape, axis, descending, x.dtype),
  batch: ([x], [d], p) => [bind(argsortP, [x], { ...p, axis: shiftAxis(p.axis, d!) }), d],
  jvp: () => null,
  vjp: () => [null],
});

/**
 * The int32 indices that sort `x` along `axis` (default −1): stable (ties
 * keep their order) and NaN last, as `np.argsort(kind="stable")`;
 * `{ descending: true }` sorts from the largest (ties still in order).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { argsort, tensor } from "../../mod.ts";
 * assert.deepEqual(argsort(tensor([3, 1, 2])).toArray(), [1, 2, 0]);
 * assert.deepEqual(argsort(tensor([3, 1, 2]), -1, { descending: true }).toArray(), [0, 2, 1]);
 * ```
 */
export const argsort = (x: Tensor, axis = -1, opts: { readonly descending?: boolean } = {}): Tensor =>
  bind(argsortP, [x], { axis: normalizeAxis("argsort", axis, x.ndim), descending: opts.descending ?? false });
