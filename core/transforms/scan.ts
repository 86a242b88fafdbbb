/**
 * `scan(f, init, xs, { length, reverse })`: a loop over the leading axis of
 * `xs` that threads a carry, as JAX's `lax.scan`. `f(carry, x)` returns
 * `[carry, y]`; the result is the last carry and the `y`s stacked along a
 * new leading axis (`ys[i]` is the output for `xs[i]`, also when
 * `reverse` runs the loop from the end).
 *
 * `f` is traced once, on one step's shapes, into the body of the `scan`
 * primitive (`scan_primitive.ts`): eagerly the body is compiled once and
 * runs at every step; under `jit` the loop is one node whose body is
 * compiled once, whatever the length; `grad` runs a reversed scan, `jvp` a
 * scan of the body's JVP, `vmap` a scan of the batched body. So `f` must
 * not read values (it sees each step symbolically) — branch with `where`.
 *
 * @module
 */
import { ShapeError, TransformError, ValueError } from "../errors.ts";
import { formatShape, shapeEqual } from "../shape.ts";
import { Tensor } from "../tensor.ts";
import { flatten, type TreeDef, unflatten } from "../tree/mod.ts";
import { bindScan, makeBody } from "./scan_primitive.ts";

/** Options of {@link scan}. */
export interface ScanOptions {
  /** The number of steps: required when `xs` is `null`, else it must equal `xs`'s leading size. */
  readonly length?: number;
  /** Run from the last element to the first (`ys` stays in the order of `xs`). */
  readonly reverse?: boolean;
}

const describeLeaves = (leaves: readonly unknown[]): string =>
  leaves.map((l) => (l instanceof Tensor ? `${l.dtype}${formatShape(l.shape)}` : typeof l)).join(", ");

const tensorLeaves = (what: string, tree: unknown): [Tensor[], TreeDef] => {
  const [leaves, def] = flatten(tree as never) as [unknown[], TreeDef];
  leaves.forEach((l, i) => {
    if (!(l instanceof Tensor)) {
      throw new TransformError("scan", `${what} must be a tree of tensors; leaf ${i} is ${typeof l}`);
    }
  });
  return [leaves as Tensor[], def];
};

/**
 * Runs `f` over the leading axis of `xs` (see the module doc). `init` and
 * the carry `f` returns must have the same tree structure, shapes and
 * dtypes; every leaf of `xs` must have the same leading size.
 *
 * @example A cumulative sum and its running values
 * ```ts
 * import assert from "node:assert/strict";
 * import { add, scan, scalar, tensor, type Tensor } from "../../mod.ts";
 * const [total, partial] = scan((c: Tensor, x: Tensor) => {
 *   const s = add(c, x);
 *   return [s, s];
 * }, scalar(0), tensor([1, 2, 3, 4]));
 * assert.equal(total.item(), 10);
 * assert.deepEqual(partial.toArray(), [1, 3, 6, 10]);
 * ```
 */
export function scan<C, X, Y>(
  f: (carry: C, x: X) => readonly [C, Y],
  init: C,
  xs: X | null,
  options: ScanOptions = {},
): [C, Y] {
  const [initLeaves, carryDef] = tensorLeaves("the initial carry", init);
  const [xLeaves, xDef] = xs === null ? [[], undefined] : tensorLeaves("xs", xs);
  for (const x of xLeaves) {
    if (x.ndim === 0) throw new ShapeError("scan", "every leaf of xs needs a leading axis to scan over (got a scalar)");
  }
  const sizes = xLeaves.map((x) => x.shape[0]);
  if (sizes.some((n) => n !== sizes[0])) {
    throw new ShapeError("scan", `the leaves of xs differ in their leading size: ${describeLeaves(xLeaves)}`);
  }
  let n: number;
  if (options.length !== undefined) {
    if (!Number.isInteger(options.length) || options.length < 0) {
      throw new ValueError("scan", `length must be an integer ≥ 0, got ${options.length}`);
    }
    if (sizes.length > 0 && sizes[0] !== options.length) {
      throw new ShapeError("scan", `length is ${options.length} but xs has leading size ${sizes[0]}`);
    }
    n = options.length;
  } else if (xs === null || sizes.length === 0) {
    throw new ValueError("scan", "without xs (or with xs holding no tensors) the length option is required");
  } else n = sizes[0];

  const checkCarry = (carry: unknown): void => {
    const [leaves, def] = flatten(carry as never) as [unknown[], TreeDef];
    const ok = def.equals(carryDef) &&
      leaves.every((l, j) =>
        l instanceof Tensor && l.dtype === initLeaves[j].dtype && shapeEqual(l.shape, initLeaves[j].shape)
      );
    if (!ok) {
      throw new TransformError(
        "scan",
        `the carry must keep its structure, shapes and dtypes: the initial carry is ${carryDef} of ` +
          `${describeLeaves(initLeaves)}, but the body returned ${def} of ${describeLeaves(leaves)}`,
      );
    }
  };

  // The body, traced once on one step's shapes: consts it closes over from running transforms become inputs.
  const avals = [...initLeaves, ...xLeaves.map((x) => ({ shape: x.shape.slice(1), dtype: x.dtype }))];
  let yDef: TreeDef | undefined;
  const { body, captured } = makeBody(
    "scan",
    (ins) => {
      const carry = unflatten(carryDef, ins.slice(0, initLeaves.length)) as C;
      const x = (xs === null ? undefined : unflatten(xDef!, ins.slice(initLeaves.length))) as X;
      const out = f(carry, x);
      if (!Array.isArray(out) || out.length !== 2) throw new TransformError("scan", "f must return [carry, y]");
      checkCarry(out[0]);
      const [yl, def] = tensorLeaves("y", out[1]);
      yDef = def;
      return [...flatten(out[0] as never)[0] as Tensor[], ...yl];
    },
    avals,
    0,
    initLeaves.length,
  );
  const outs = body.graph.outputs.length === 0
    ? [] // nothing to loop for: no carry and no ys
    : bindScan(body, captured, initLeaves, xLeaves, n, options.reverse === true);
  return [
    unflatten(carryDef, outs.slice(0, initLeaves.length)) as C,
    unflatten(yDef!, outs.slice(initLeaves.length)) as Y,
  ];
}
