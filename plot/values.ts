/**
 * Plot inputs as plain numbers: tensors, typed arrays and arrays alike.
 *
 * @module
 */
import { Tensor } from "../core/tensor.ts";
import { ShapeError } from "../core/errors.ts";

/** A 1-D run of numbers: a tensor ([n] or [n,1]), a typed array or an array. */
export type Numbers = Tensor | ArrayLike<number>;

/**
 * The numbers of `v` as a fresh array; `op` and `what` name the caller in errors.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { tensor } from "../mod.ts";
 * import { toNumbers } from "./values.ts";
 * assert.deepEqual(toNumbers(tensor([[1], [2]]), "demo", "y"), [1, 2]);
 * assert.deepEqual(toNumbers(new Float32Array([0.5]), "demo", "y"), [0.5]);
 * ```
 */
export const toNumbers = (v: Numbers, op: string, what: string): number[] => {
  if (v instanceof Tensor) {
    const s = v.shape;
    if (!(s.length === 1 || (s.length === 2 && s[1] === 1))) {
      throw new ShapeError(op, `${what} must have shape [n] or [n,1], got [${s.join(",")}]`);
    }
    return Array.from(v.toTypedArray(), Number);
  }
  return Array.from(v, Number);
};

/**
 * Rows of 2-D points from a tensor [n,2] or an array of pairs.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { tensor } from "../mod.ts";
 * import { toPoints } from "./values.ts";
 * assert.deepEqual(toPoints(tensor([[1, 2], [3, 4]]), "demo", "x"), [[1, 2], [3, 4]]);
 * ```
 */
export const toPoints = (
  v: Tensor | readonly (readonly number[])[],
  op: string,
  what: string,
): [number, number][] => {
  if (v instanceof Tensor) {
    if (v.ndim !== 2 || v.shape[1] !== 2) {
      throw new ShapeError(op, `${what} must have shape [n,2], got [${v.shape.join(",")}]`);
    }
    const d = v.toTypedArray();
    return Array.from({ length: v.shape[0] }, (_, i) => [Number(d[2 * i]), Number(d[2 * i + 1])]);
  }
  return v.map((p, i) => {
    if (p.length !== 2) throw new ShapeError(op, `${what}[${i}] must be a pair [x, y], got ${p.length} numbers`);
    return [p[0], p[1]];
  });
};
