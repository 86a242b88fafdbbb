/**
 * `scan(f, init, xs, { length, reverse })`: a loop over the leading axis of
 * `xs` that threads a carry, as JAX's `lax.scan`. `f(carry, x)` returns
 * `[carry, y]`; the result is the last carry and the `y`s stacked along a
 * new leading axis (`ys[i]` is the output for `xs[i]`, also when
 * `reverse` runs the loop from the end).
 *
 * How it runs, in this first form:
 *
 * - On concrete values (no transform running), the body is compiled once
 *   with `jit` and that program runs at every step: `f` is traced once, not
 *   once per step.
 * - Under a transform (`grad`, `jvp`, `vmap`) or while a function is staged
 *   (`jit`, `trace`), the loop runs `f` at every step under that transform,
 *   so its derivatives and batching are those of the unrolled loop (exact,
 *   but a jitted function that calls `scan` holds one copy of the body per
 *   step; a scan primitive whose body compiles once under `jit`, with a
 *   reversed scan as its backward pass, is still to come).
 *
 * @module
 */
import { ShapeError, TransformError, ValueError } from "../errors.ts";
import { stack } from "../ops/shaping.ts";
import { reshape, slice } from "../prims/shape.ts";
import { zeros } from "../creation.ts";
import { formatShape, shapeEqual } from "../shape.ts";
import { Tensor } from "../tensor.ts";
import { stagingTrace, Tracer } from "../trace.ts";
import { flatten, type TreeDef, unflatten } from "../tree/mod.ts";
import { jit } from "../jit/jit.ts";
import { trace } from "./graph.ts";

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

  const xAt = (i: number): X =>
    (xs === null
      ? undefined
      : unflatten(xDef!, xLeaves.map((x) => reshape(slice(x, [{ start: i, stop: i + 1 }]), x.shape.slice(1))))) as X;

  // Concrete values: the body compiled once; otherwise f itself under the running transform.
  const traced = stagingTrace() !== null || [...initLeaves, ...xLeaves].some((l) => l instanceof Tracer);
  const body = traced ? f : jit(function scanBody(c: C, x: X) {
    return f(c, x) as readonly [C, Y];
  });

  const checkCarry = (carry: unknown, step: number): void => {
    const [leaves, def] = flatten(carry as never) as [unknown[], TreeDef];
    const ok = def.equals(carryDef) &&
      leaves.every((l, j) =>
        l instanceof Tensor && l.dtype === initLeaves[j].dtype && shapeEqual(l.shape, initLeaves[j].shape)
      );
    if (!ok) {
      throw new TransformError(
        "scan",
        `the carry must keep its structure, shapes and dtypes: the initial carry is ${carryDef} of ` +
          `${describeLeaves(initLeaves)}, but step ${step} returned ${def} of ${describeLeaves(leaves)}`,
      );
    }
  };

  if (n === 0) {
    // No step runs: ys are empty, shaped as f would make them (found by tracing f once).
    const g = xs === null ? trace((c: never) => f(c, undefined as X)[1] as never, init) : trace(
      (c: never, x: never) => f(c, x)[1] as never,
      init,
      unflatten(xDef!, xLeaves.map((x) => zeros(x.shape.slice(1), { dtype: x.dtype }))),
    );
    const ys = g.outputs.map((v) => zeros([0, ...v.shape], { dtype: v.dtype }));
    return [init, unflatten(g.outTree, ys) as Y];
  }

  let carry = init;
  const ysPerStep: Tensor[][] = new Array(n);
  let yDef: TreeDef | undefined;
  for (let k = 0; k < n; k++) {
    const i = options.reverse === true ? n - 1 - k : k;
    const out = body(carry, xAt(i));
    if (!Array.isArray(out) || out.length !== 2) {
      throw new TransformError("scan", "f must return [carry, y]");
    }
    checkCarry(out[0], i);
    carry = out[0] as C;
    const [yl, def] = tensorLeaves("y", out[1]);
    if (yDef !== undefined && !def.equals(yDef)) {
      throw new TransformError("scan", `y must keep its structure: ${yDef} at the first step, ${def} at step ${i}`);
    }
    yDef = def;
    ysPerStep[i] = yl;
  }
  const ys = ysPerStep[0].map((_, j) => stack(ysPerStep.map((step) => step[j]), 0));
  return [carry, unflatten(yDef!, ys) as Y];
}
