/**
 * Row access shared by batching, splitting and `fit`: the number of examples
 * in a tree of arrays that share their leading axis, and taking rows of every
 * array at once.
 *
 * @module
 */
import { ShapeError, ValueError } from "../core/errors.ts";
import { gather } from "../core/ops/mod.ts";
import { formatShape } from "../core/shape.ts";
import { Tensor } from "../core/tensor.ts";
import * as tree from "../core/tree/mod.ts";

/**
 * The shared leading size (number of examples) of the tensors in `arrays`
 * (a tensor, or a tree of them such as `[x, y]` or `{ x, y }`). Throws a
 * `ShapeError` naming `op`, the paths and shapes when the sizes differ, and a
 * `ValueError` when a leaf is not a tensor of rank ≥ 1.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { data, zeros } from "../mod.ts";
 * assert.equal(data.leadingSize("myLoop", { x: zeros([5, 3]), y: zeros([5]) }), 5);
 * assert.throws(() => data.leadingSize("myLoop", { x: zeros([5, 3]), y: zeros([4]) }), /myLoop: .*x has 5.*y has 4/);
 * ```
 */
export const leadingSize = (op: string, arrays: unknown): number => {
  const items = tree.flattenWithPath<unknown>(arrays as tree.Tree<unknown>);
  if (items.length === 0) throw new ValueError(op, "expected a tensor or a tree of tensors, got no tensors");
  let n = -1;
  let first = "";
  for (const [path, leaf] of items) {
    const name = path.length === 0 ? "the array" : tree.formatPath(path);
    if (!(leaf instanceof Tensor)) {
      throw new ValueError(op, `${name} is not a tensor (got ${typeof leaf}); expected tensors with a leading axis`);
    }
    if (leaf.ndim === 0) {
      throw new ShapeError(op, `${name} is a scalar; expected a leading (example) axis`);
    }
    if (n < 0) {
      n = leaf.shape[0];
      first = `${name} has ${n} (shape ${formatShape(leaf.shape)})`;
    } else if (leaf.shape[0] !== n) {
      throw new ShapeError(
        op,
        `leading sizes differ: ${first}, ${name} has ${leaf.shape[0]} (shape ${formatShape(leaf.shape)}); ` +
          "every array must have one row per example",
      );
    }
  }
  return n;
};

/**
 * The rows at `indices` (an int32 tensor) of every tensor in `arrays`, in a
 * tree of the same structure.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { data, tensor } from "../mod.ts";
 * const t = data.takeRows({ x: tensor([[1], [2], [3]]) }, tensor([2, 0], { dtype: "int32" }));
 * assert.deepEqual(t.x.toArray(), [[3], [1]]);
 * ```
 */
export const takeRows = <T>(arrays: T, indices: Tensor): T =>
  tree.map((a: Tensor) => gather(a, indices, 0), arrays as tree.Tree) as T;

export { positiveInt } from "../core/args.ts";
