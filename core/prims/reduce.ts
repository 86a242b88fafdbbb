/**
 * Reduction primitives: sum, max, min, prod, argmax, argmin. The primitives
 * drop the reduced axes; `keepDims` is a reshape in the op functions.
 *
 * @module
 */
import type { ReduceOp } from "../../backends/backend.ts";
import { ShapeError } from "../errors.ts";
import { definePrimitive, type Primitive } from "../primitive.ts";
import { moveToFront } from "./batching.ts";
import { formatShape, normalizeAxes, normalizeAxis, type Shape } from "../shape.ts";
import type { Aval, Tensor } from "../tensor.ts";
import { bind } from "../trace.ts";
import { full } from "../creation.ts";
import { jvp } from "../transforms/jvp.ts";
import { vjp } from "../transforms/vjp.ts";
import { div, equal, mul } from "./binary.ts";
import { requireNumeric } from "./checks.ts";
import { cast } from "./misc.ts";
import { broadcastTo, concat, reshape, slice, transpose } from "./shape.ts";

interface AxesParams {
  readonly axes: readonly number[];
  readonly [k: string]: unknown;
}

const keptShape = (shape: Shape, axes: readonly number[]): number[] => shape.filter((_, i) => !axes.includes(i));
const keepDimsShape = (shape: Shape, axes: readonly number[]): number[] =>
  shape.map((d, i) => (axes.includes(i) ? 1 : d));

/** Broadcasts a reduced tensor back over the reduced axes of `x`. */
const expandBack = (t: Tensor, x: Aval, axes: readonly number[]): Tensor =>
  broadcastTo(reshape(t, keepDimsShape(x.shape, axes)), x.shape);

const evalReduce = (name: string) => ([x]: readonly Aval[], { axes }: AxesParams): Aval => {
  requireNumeric(name, x);
  return { shape: keptShape(x.shape, axes), dtype: x.dtype };
};

/**
 * The batching rule of a reduction. The batch axis goes first, so that each
 * example's elements keep the layout they have unbatched and the kernel adds
 * them in the same order: a batched sum is bit-identical to the sums of the
 * examples (with the batch axis among the reduced ones, the kernel's order
 * can differ in the last bit).
 */
const reduceBatch =
  (prim: () => Primitive<AxesParams>) =>
  ([x]: readonly Tensor[], [d]: readonly (number | null)[], { axes }: AxesParams): readonly [Tensor, number] => [
    bind(prim(), [moveToFront(x, d!)], { axes: axes.map((a) => a + 1) }),
    0,
  ];

const reducer = (name: ReduceOp, rules: Pick<Primitive<AxesParams>, "jvp" | "vjp">): Primitive<AxesParams> => {
  const p: Primitive<AxesParams> = definePrimitive({
    name,
    abstractEval: evalReduce(name),
    impl: (b, [x], { axes }) => b.reduce(name, x.buf, x.shape, axes, x.dtype),
    batch: reduceBatch(() => p),
    ...rules,
  });
  return p;
};

const sumP = reducer("sum", {
  // linear: d Σx = Σ dx; the transpose broadcasts g back
  jvp: (_, [dx], _o, p) => (dx === null ? null : bind(sumP, [dx], p)),
  vjp: (g, [x], _o, { axes }) => [expandBack(g, x, axes)],
});

/**
 * Where the extremum is attained, as weights that share the derivative among
 * ties (1/count each), as JAX does.
 */
const extremumWeights = (x: Tensor, out: Tensor, axes: readonly number[]): Tensor => {
  const hit = cast(equal(x, expandBack(out, x, axes)), x.dtype);
  return div(hit, expandBack(bind(sumP, [hit], { axes }), x, axes));
};

const extremum = (name: "max" | "min") => {
  const p: Primitive<AxesParams> = reducer(name, {
    jvp: ([x], [dx], out, { axes }) =>
      dx === null ? null : bind(sumP, [mul(dx, extremumWeights(x, out, axes))], { axes }),
    vjp: (g, [x], out, { axes }) => [mul(expandBack(g, x, axes), extremumWeights(x, out, axes))],
  });
  return p;
};

const maxP = extremum("max");
const minP = extremum("min");

// The derivative rules of prod differentiate the same product written as a
// balanced tree of pairwise multiplications (as JAX does). That form is a
// polynomial in the inputs, so it is exact at zeros, at every order, with no
// division.
const prodTree = (x: Tensor, axes: readonly number[]): Tensor => {
  const kept = x.shape.map((_, i) => i).filter((i) => !axes.includes(i));
  const keptShape = kept.map((i) => x.shape[i]);
  let n = axes.reduce((acc, a) => acc * x.shape[a], 1);
  let t = reshape(transpose(x, [...axes, ...kept]), [n, ...keptShape]);
  if (n === 0) return onesLikeShape(keptShape, x);
  while (n > 1) {
    if (n % 2 === 1) {
      t = concat([t, onesLikeShape([1, ...keptShape], x)], 0);
      n += 1;
    }
    const half = n / 2;
    t = mul(slice(t, [{ stop: half }]), slice(t, [{ start: half }]));
    n = half;
  }
  return reshape(t, keptShape);
};

const onesLikeShape = (shape: Shape, like: Aval): Tensor => full(shape, 1, { dtype: like.dtype });

const prodP: Primitive<AxesParams> = reducer("prod", {
  jvp: ([x], [dx], _o, { axes }) => (dx === null ? null : jvp((y: Tensor) => prodTree(y, axes), [x], [dx])[1]),
  vjp: (g, [x], _o, { axes }) => vjp((y: Tensor) => prodTree(y, axes), x)[1](g),
});

const argReducer = (name: "argmax" | "argmin"): Primitive<AxesParams> => {
  const p: Primitive<AxesParams> = definePrimitive({
    name,
    abstractEval: ([x], { axes }) => {
      requireNumeric(name, x);
      if (x.shape[axes[0]] === 0) {
        throw new ShapeError(name, `cannot take ${name} over an empty axis of shape ${formatShape(x.shape)}`);
      }
      return { shape: keptShape(x.shape, axes), dtype: "int32" };
    },
    impl: (b, [x], { axes }) => b.reduce(name, x.buf, x.shape, axes, x.dtype),
    batch: reduceBatch(() => p),
    jvp: () => null,
    vjp: () => [null],
  });
  return p;
};

const argmaxP = argReducer("argmax");
const argminP = argReducer("argmin");

/** Which axes to reduce and whether to keep them (as size 1). */
export interface ReduceOptions {
  /** An axis, a list of axes, or all axes when absent. Negative axes count from the end. */
  readonly axis?: number | readonly number[];
  /** Keep reduced axes with size 1 so the result broadcasts against the input. */
  readonly keepDims?: boolean;
}

/** The axis argument of reductions: an axis, a list, or options. */
export type AxisArg = number | readonly number[] | ReduceOptions | undefined;

/** @internal Normalizes the axis argument of a reduction. */
export const reduceArgs = (
  op: string,
  x: Aval,
  arg: AxisArg,
  keepDims?: boolean,
): { axes: number[]; keepDims: boolean } => {
  const opts: ReduceOptions = typeof arg === "number" || Array.isArray(arg)
    ? { axis: arg as number | number[] }
    : (arg as ReduceOptions) ?? {};
  return { axes: normalizeAxes(op, opts.axis, x.shape.length), keepDims: keepDims ?? opts.keepDims ?? false };
};

const reduceWith = (p: Primitive<AxesParams>) => (x: Tensor, axis?: AxisArg, keepDims?: boolean): Tensor => {
  const { axes, keepDims: keep } = reduceArgs(p.name, x, axis, keepDims);
  const r = axes.length === 0 ? x : bind(p as Primitive, [x], { axes });
  return keep ? reshape(r, keepDimsShape(x.shape, axes)) : r;
};

/**
 * Sum over axes (all by default): `sum(x)`, `sum(x, 1)`, `sum(x, [0, 2], true)`, `sum(x, { axis: -1, keepDims: true })`.
 * A bool tensor sums to an int32 count, as in JAX.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sum, tensor } from "../../mod.ts";
 * const x = tensor([[1, 2], [3, 4]]);
 * assert.equal(sum(x).item(), 10);
 * assert.deepEqual(sum(x, 0).toArray(), [4, 6]);
 * assert.deepEqual(sum(x, { axis: 1, keepDims: true }).toArray(), [[3], [7]]);
 * assert.equal(sum(tensor([true, false, true])).item(), 2);
 * ```
 */
export const sum = (x: Tensor, axis?: AxisArg, keepDims?: boolean): Tensor =>
  sumOf(x.dtype === "bool" ? cast(x, "int32") : x, axis, keepDims);
const sumOf = reduceWith(sumP);
/**
 * Maximum over axes; the derivative is shared among tied maxima.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { max, tensor } from "../../mod.ts";
 * assert.deepEqual(max(tensor([[1, 5], [7, 2]]), 1).toArray(), [5, 7]);
 * ```
 */
export const max: (x: Tensor, axis?: AxisArg, keepDims?: boolean) => Tensor = reduceWith(maxP);
/**
 * Minimum over axes.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { min, tensor } from "../../mod.ts";
 * assert.equal(min(tensor([3, -1, 2])).item(), -1);
 * ```
 */
export const min: (x: Tensor, axis?: AxisArg, keepDims?: boolean) => Tensor = reduceWith(minP);
/**
 * Product over axes (its derivatives are exact at zeros, at every order).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { prod, tensor } from "../../mod.ts";
 * assert.equal(prod(tensor([2, 3, 4])).item(), 24);
 * ```
 */
export const prod: (x: Tensor, axis?: AxisArg, keepDims?: boolean) => Tensor = reduceWith(prodP);

const argWith = (p: Primitive<AxesParams>) => (x: Tensor, axis?: number, keepDims = false): Tensor => {
  if (axis === undefined) return bind(p as Primitive, [reshape(x, [x.size])], { axes: [0] });
  const a = normalizeAxis(p.name, axis, x.ndim);
  const r = bind(p as Primitive, [x], { axes: [a] });
  return keepDims ? reshape(r, keepDimsShape(x.shape, [a])) : r;
};

/**
 * Index of the maximum along one axis (of the flattened tensor by default),
 * as int32; the first one wins ties.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { argmax, tensor } from "../../mod.ts";
 * assert.deepEqual(argmax(tensor([[1, 5], [7, 2]]), 1).toArray(), [1, 0]);
 * assert.equal(argmax(tensor([[1, 5], [7, 2]])).item(), 2);
 * ```
 */
export const argmax: (x: Tensor, axis?: number, keepDims?: boolean) => Tensor = argWith(argmaxP);
/**
 * Index of the minimum along one axis, as int32.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { argmin, tensor } from "../../mod.ts";
 * assert.deepEqual(argmin(tensor([[1, 5], [7, 2]]), 1).toArray(), [0, 1]);
 * ```
 */
export const argmin: (x: Tensor, axis?: number, keepDims?: boolean) => Tensor = argWith(argminP);
