/**
 * Closeness of numbers, arrays and tensors, by the rule of
 * `torch.testing.assert_close`: `actual` is close to `expected` where
 *
 *     |actual − expected| ≤ atol + rtol · |expected|
 *
 * elementwise. A non-finite value is close only to the same value (`+∞` to
 * `+∞`), and NaN is close to NaN only with `equalNan`. Shapes must be equal
 * (no broadcasting), so a shape bug is never hidden by a lucky comparison.
 *
 * @module
 */
import { Tensor } from "../core/tensor.ts";
import { formatShape, type Shape } from "../core/shape.ts";

/** What `allclose` compares: a tensor, a number, nested arrays of numbers, or a typed array. */
export type Comparable = Tensor | number | ArrayLike<number> | readonly Comparable[];

/** Tolerances of `allclose` and `assertAllclose`. */
export interface AllcloseOptions {
  /** Relative tolerance (default 1e-7, or 1.3e-6 when either side is a float32 tensor). */
  readonly rtol?: number;
  /** Absolute tolerance (default 1e-7, or 1e-5 when either side is a float32 tensor). */
  readonly atol?: number;
  /** Whether NaN is close to NaN (default false). */
  readonly equalNan?: boolean;
}

/** Extra options of `assertAllclose`. */
export interface AssertAllcloseOptions extends AllcloseOptions {
  /** Prefixed to the error message (say which quantity was compared). */
  readonly message?: string;
}

interface Flat {
  readonly shape: Shape;
  readonly data: ArrayLike<number>;
}

const flat = (x: Comparable, side: string): Flat => {
  if (x instanceof Tensor) return { shape: x.shape, data: x.toTypedArray() };
  if (typeof x === "number") return { shape: [], data: [x] };
  if (ArrayBuffer.isView(x)) return { shape: [(x as ArrayLike<number>).length], data: x as ArrayLike<number> };
  if (!Array.isArray(x)) throw new TypeError(`allclose: ${side} is ${typeof x}; expected a tensor, number or array`);
  const shape: number[] = [];
  for (let d: unknown = x; Array.isArray(d); d = d[0]) shape.push(d.length);
  const data: number[] = [];
  const walk = (node: unknown, depth: number): void => {
    if (depth === shape.length) {
      if (typeof node !== "number") throw new TypeError(`allclose: ${side} holds a ${typeof node}, not a number`);
      data.push(node);
      return;
    }
    if (!Array.isArray(node) || node.length !== shape[depth]) {
      throw new TypeError(`allclose: ${side} is a ragged nested array (expected shape ${formatShape(shape)})`);
    }
    for (const child of node) walk(child, depth + 1);
  };
  walk(x, 0);
  return { shape, data };
};

const isF32 = (x: Comparable): boolean => x instanceof Tensor && x.dtype === "float32";

const tolerances = (a: Comparable, e: Comparable, o: AllcloseOptions) => {
  const f32 = isF32(a) || isF32(e);
  return { rtol: o.rtol ?? (f32 ? 1.3e-6 : 1e-7), atol: o.atol ?? (f32 ? 1e-5 : 1e-7), equalNan: o.equalNan ?? false };
};

/** How far one element is from being close: ≤ 0 when close, +∞ when it can never be. */
const excess = (a: number, e: number, rtol: number, atol: number, equalNan: boolean): number => {
  if (Number.isNaN(a) || Number.isNaN(e)) return equalNan && Number.isNaN(a) && Number.isNaN(e) ? 0 : Infinity;
  if (!Number.isFinite(a) || !Number.isFinite(e)) return a === e ? 0 : Infinity;
  return Math.abs(a - e) - (atol + rtol * Math.abs(e));
};

const sameShape = (a: Shape, b: Shape): boolean => a.length === b.length && a.every((d, i) => d === b[i]);

/**
 * Whether `actual` is elementwise close to `expected`:
 * `|actual − expected| ≤ atol + rtol·|expected|`, non-finite values only
 * when equal, NaN only with `equalNan`. Shapes must be equal.
 *
 * @example Tolerances, infinities and NaN
 * ```ts
 * import assert from "node:assert/strict";
 * import { allclose } from "./allclose.ts";
 * import { tensor } from "../mod.ts";
 * assert.ok(allclose(tensor([1, 2], { dtype: "float64" }), [1 + 1e-9, 2]));
 * assert.ok(!allclose(1.1, 1, { rtol: 0.05, atol: 0 }));
 * assert.ok(allclose([Infinity], [Infinity]));
 * assert.ok(!allclose([NaN], [NaN]));
 * assert.ok(allclose([NaN], [NaN], { equalNan: true }));
 * assert.ok(!allclose([1, 2], [[1, 2]])); // shapes differ
 * ```
 */
export const allclose = (actual: Comparable, expected: Comparable, opts: AllcloseOptions = {}): boolean => {
  const a = flat(actual, "actual");
  const e = flat(expected, "expected");
  if (!sameShape(a.shape, e.shape)) return false;
  const { rtol, atol, equalNan } = tolerances(actual, expected, opts);
  for (let i = 0; i < a.data.length; i++) if (excess(a.data[i], e.data[i], rtol, atol, equalNan) > 0) return false;
  return true;
};

const indexOf = (flatIndex: number, shape: Shape): string => {
  const idx = new Array<number>(shape.length);
  let r = flatIndex;
  for (let i = shape.length - 1; i >= 0; i--) {
    idx[i] = r % shape[i];
    r = Math.floor(r / shape[i]);
  }
  return `[${idx.join(",")}]`;
};

/**
 * Throws an `Error` unless `allclose(actual, expected, opts)`. The message
 * gives the number of mismatched elements, the worst one's index, both
 * values, their difference and the tolerance there.
 *
 * @example A passing and a failing comparison
 * ```ts
 * import assert from "node:assert/strict";
 * import { assertAllclose } from "./allclose.ts";
 * assertAllclose([1, 2, 3], [1, 2, 3 + 1e-9]);
 * assert.throws(
 *   () => assertAllclose([[1, 2], [3, 4]], [[1, 2], [3, 5]], { rtol: 1e-3, atol: 0 }),
 *   /1 of 4 elements.*worst at \[1,1\]: actual 4, expected 5/s,
 * );
 * ```
 */
export const assertAllclose = (actual: Comparable, expected: Comparable, opts: AssertAllcloseOptions = {}): void => {
  const a = flat(actual, "actual");
  const e = flat(expected, "expected");
  const head = opts.message === undefined ? "assertAllclose" : `assertAllclose (${opts.message})`;
  if (!sameShape(a.shape, e.shape)) {
    throw new Error(`${head}: shapes differ: actual ${formatShape(a.shape)}, expected ${formatShape(e.shape)}`);
  }
  const { rtol, atol, equalNan } = tolerances(actual, expected, opts);
  let bad = 0;
  let worst = -1;
  let worstExcess = 0;
  for (let i = 0; i < a.data.length; i++) {
    const x = excess(a.data[i], e.data[i], rtol, atol, equalNan);
    if (x > 0) {
      bad++;
      if (worst < 0 || x > worstExcess) {
        worst = i;
        worstExcess = x;
      }
    }
  }
  if (bad === 0) return;
  const av = a.data[worst];
  const ev = e.data[worst];
  throw new Error(
    `${head}: ${bad} of ${a.data.length} elements are not close (shape ${formatShape(a.shape)}); ` +
      `worst at ${indexOf(worst, a.shape)}: actual ${av}, expected ${ev}, |Δ| = ${Math.abs(av - ev)} > ` +
      `atol + rtol·|expected| = ${atol + rtol * Math.abs(ev)} (rtol ${rtol}, atol ${atol}, equalNan ${equalNan})`,
  );
};
