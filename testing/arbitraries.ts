/**
 * fast-check arbitraries for shapes, broadcast-compatible shapes, float
 * tensors and parameter trees.
 *
 * Every arbitrary is built with `map` and `filter` only (no `chain`), so
 * fast-check shrinks a failing case all the way down. Tensor values come from
 * integers scaled onto `[min, max]` rather than from `fc.double`: fast-check
 * draws doubles uniformly over their bit patterns, so most `fc.double` values
 * in `[−2, 2]` are below 1e-100, which says little about a gradient.
 *
 * @module
 */
import fc from "npm:fast-check@4.10.2";
import { tensor } from "../core/creation.ts";
import type { FloatDType } from "../core/dtype.ts";
import { formatShape, type Shape, sizeOf } from "../core/shape.ts";
import type { Tensor } from "../core/tensor.ts";
import type { Tree } from "../core/tree/mod.ts";
import { treeArb, type TreeArbOptions } from "./arbitraries_tree.ts";

/** Bounds of the shapes `shapeArb` draws. */
export interface ShapeOptions {
  /** Fewest axes (default 0). */
  readonly minRank?: number;
  /** Most axes (default 4). */
  readonly maxRank?: number;
  /** Smallest extent of an axis (default 1). */
  readonly minDim?: number;
  /** Largest extent of an axis (default 5). */
  readonly maxDim?: number;
}

const shapeBounds = (o: ShapeOptions) => {
  const b = { minRank: o.minRank ?? 0, maxRank: o.maxRank ?? 4, minDim: o.minDim ?? 1, maxDim: o.maxDim ?? 5 };
  if (!(b.minRank >= 0 && b.minRank <= b.maxRank && b.minDim >= 0 && b.minDim <= b.maxDim)) {
    throw new RangeError(`shapeArb: empty bounds ${JSON.stringify(b)}`);
  }
  return b;
};

/**
 * Shapes with rank in `[minRank, maxRank]` and every axis in
 * `[minDim, maxDim]` (defaults: rank 0–4, axes 1–5). Shrinks toward
 * fewer and smaller axes.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import fc from "npm:fast-check@4.10.2";
 * import { shapeArb } from "./arbitraries.ts";
 * fc.assert(fc.property(shapeArb({ maxRank: 2 }), (s) => {
 *   assert.ok(s.length <= 2 && s.every((d) => d >= 1 && d <= 5));
 * }));
 * ```
 */
export const shapeArb = (opts: ShapeOptions = {}): fc.Arbitrary<number[]> => {
  const { minRank, maxRank, minDim, maxDim } = shapeBounds(opts);
  return fc.array(fc.integer({ min: minDim, max: maxDim }), { minLength: minRank, maxLength: maxRank });
};

/**
 * Like `shapeArb`, but an axis is 0 about one time in four: shapes of empty
 * tensors, for the edge cases of reductions, matmul and files.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import fc from "npm:fast-check@4.10.2";
 * import { shapeWithZeroArb } from "./arbitraries.ts";
 * const shapes = fc.sample(shapeWithZeroArb({ minRank: 1 }), { numRuns: 200, seed: 1 });
 * assert.ok(shapes.some((s) => s.includes(0)));
 * assert.ok(shapes.every((s) => s.length >= 1 && s.every((d) => d >= 0 && d <= 5)));
 * ```
 */
export const shapeWithZeroArb = (opts: ShapeOptions = {}): fc.Arbitrary<number[]> => {
  const { minRank, maxRank, minDim, maxDim } = shapeBounds(opts);
  const dim = fc.oneof({ weight: 1, arbitrary: fc.constant(0) }, {
    weight: 3,
    arbitrary: fc.integer({ min: Math.max(minDim, 1), max: Math.max(maxDim, 1) }),
  });
  return fc.array(dim, { minLength: minRank, maxLength: maxRank });
};

/** Shapes that broadcast together, and the shape they broadcast to. */
export interface BroadcastShapes {
  /** One shape per input. */
  readonly inputs: number[][];
  /** The broadcast of all inputs (NumPy rules). */
  readonly result: number[];
}

/**
 * `n` mutually broadcastable shapes (default 2) and their broadcast result.
 * The result shape is drawn first; each input drops some leading axes of it
 * and sets some of the remaining axes to 1 (the scheme of Hypothesis'
 * `mutually_broadcastable_shapes`). Shrinks toward equal shapes.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import fc from "npm:fast-check@4.10.2";
 * import { broadcastShapesArb } from "./arbitraries.ts";
 * import { add, zeros } from "../mod.ts";
 * fc.assert(fc.property(broadcastShapesArb(2), ({ inputs: [a, b], result }) => {
 *   assert.deepEqual(add(zeros(a), zeros(b)).shape, result);
 * }));
 * ```
 */
export const broadcastShapesArb = (n = 2, opts: ShapeOptions = {}): fc.Arbitrary<BroadcastShapes> => {
  const maxRank = shapeBounds(opts).maxRank;
  // Most inputs keep every axis and most axes keep their extent, so that the
  // inputs are not mostly scalars; both shrink toward the result shape.
  const drop = fc.oneof({ weight: 2, arbitrary: fc.constant(0) }, {
    weight: 1,
    arbitrary: fc.integer({ min: 0, max: maxRank }),
  });
  const one = fc.oneof({ weight: 3, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) });
  const variant = fc.tuple(drop, fc.array(one, { minLength: maxRank, maxLength: maxRank }));
  return fc.tuple(shapeArb(opts), fc.array(variant, { minLength: n, maxLength: n })).map(([result, variants]) => {
    const inputs = variants.map(([drop, ones]) => {
      const kept = result.slice(Math.min(drop, result.length));
      const offset = result.length - kept.length;
      return kept.map((d, i) => (ones[offset + i] ? 1 : d));
    });
    // The inputs broadcast to `result` only if each axis of `result` is met by
    // some input; otherwise the broadcast result has 1 (or no axis) there.
    const rank = Math.max(0, ...inputs.map((s) => s.length));
    const actual = result.slice(result.length - rank).map((d, i) => {
      const axis = result.length - rank + i;
      const met = inputs.some((s) => {
        const j = axis - (result.length - s.length);
        return j >= 0 && s[j] !== 1;
      });
      return met ? d : 1;
    });
    return { inputs, result: actual };
  });
};

/** Options of `floatTensorArb`. */
export interface FloatTensorOptions {
  /** A fixed shape. */
  readonly shape?: Shape;
  /** Shapes to draw from, when `shape` is absent (default `shapeArb()`). */
  readonly shapeArb?: fc.Arbitrary<Shape>;
  /** The largest size a drawn shape may have (default 625 = 5⁴, the most `shapeArb()` gives). */
  readonly maxSize?: number;
  /** `float64` (default) or `float32`. */
  readonly dtype?: FloatDType;
  /** Smallest value (default −2). */
  readonly min?: number;
  /** Largest value (default 2). */
  readonly max?: number;
  /** Values to avoid (kinks, poles): an element `x` with `exclude(x)` is redrawn. */
  readonly exclude?: (x: number) => boolean;
}

// Values are mid + half·k/K for integers |k| ≤ K: uniform on [min, max], with
// 0 (the midpoint) and the bounds reachable, and shrinking toward the midpoint.
const K = 2 ** 31 - 1;

/**
 * Float tensors with finite values in `[min, max]` (default `[−2, 2]`,
 * float64), of a fixed `shape` or of shapes drawn from `shapeArb`. One
 * array of the largest size is drawn and cut to the shape, so the values
 * and the shape shrink independently. `exclude` rejects single elements
 * (`(x) => Math.abs(x) < 1e-3` keeps away from the kink of `abs`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import fc from "npm:fast-check@4.10.2";
 * import { floatTensorArb } from "./arbitraries.ts";
 * const arb = floatTensorArb({ shape: [2, 3], min: 0.1, max: 1, exclude: (x) => x > 0.5 });
 * fc.assert(fc.property(arb, (t) => {
 *   assert.deepEqual(t.shape, [2, 3]);
 *   assert.equal(t.dtype, "float64");
 *   assert.ok(t.toTypedArray().every((x) => x >= 0.1 && x <= 0.5));
 * }));
 * ```
 */
export const floatTensorArb = (opts: FloatTensorOptions = {}): fc.Arbitrary<Tensor> => {
  const { min = -2, max = 2, dtype = "float64", exclude } = opts;
  if (!(Number.isFinite(min) && Number.isFinite(max) && min <= max)) {
    throw new RangeError(`floatTensorArb: [min, max] = [${min}, ${max}] is not a finite interval`);
  }
  const mid = min + (max - min) / 2;
  const half = (max - min) / 2;
  const toValue = (k: number): number => Math.min(max, Math.max(min, mid + half * (k / K)));
  const int = fc.integer({ min: -K, max: K });
  const element = exclude === undefined ? int : int.filter((k) => !exclude(toValue(k)));
  const fixed = opts.shape;
  const size = fixed === undefined ? opts.maxSize ?? 625 : sizeOf(fixed);
  const values = fc.array(element, { minLength: size, maxLength: size });
  const shapes: fc.Arbitrary<Shape> = fixed === undefined ? opts.shapeArb ?? shapeArb() : fc.constant(fixed);
  return fc.tuple(shapes, values).map(([shape, ks]) => {
    const n = sizeOf(shape);
    if (n > ks.length) {
      throw new RangeError(`floatTensorArb: shape ${formatShape(shape)} has ${n} elements, above maxSize ${ks.length}`);
    }
    const data = new Float64Array(n);
    for (let i = 0; i < n; i++) data[i] = toValue(ks[i]);
    return tensor(data, { shape, dtype });
  });
};

/** Options of `paramTreeArb`. */
export interface ParamTreeOptions extends TreeArbOptions {
  /** The leaves (default: float64 tensors of rank ≤ 2, axes 1–4, values in [−2, 2]). */
  readonly leaf?: fc.Arbitrary<Tensor>;
}

/**
 * Parameter trees: nested arrays and plain objects (depth ≤ 2 by default)
 * of float tensors, as models and optimizers see them. Built on `treeArb`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import fc from "npm:fast-check@4.10.2";
 * import { paramTreeArb } from "./arbitraries.ts";
 * import { tree } from "../mod.ts";
 * fc.assert(fc.property(paramTreeArb(), (params) => {
 *   assert.ok(tree.leaves(params).every((t) => t.dtype === "float64" && t.ndim <= 2));
 * }), { numRuns: 20 });
 * ```
 */
export const paramTreeArb = (opts: ParamTreeOptions = {}): fc.Arbitrary<Tree<Tensor>> => {
  const leaf = opts.leaf ?? floatTensorArb({ shapeArb: shapeArb({ maxRank: 2, maxDim: 4 }), maxSize: 16 });
  return treeArb(leaf, { maxDepth: 2, empties: false, ...opts });
};
