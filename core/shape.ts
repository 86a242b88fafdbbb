/**
 * Shapes, strides and NumPy broadcasting.
 *
 * A shape is a readonly array of non-negative integers; tensors are stored
 * row-major (C order) and contiguous, so strides follow from the shape.
 *
 * @module
 */
import { ShapeError, ValueError } from "./errors.ts";

/** The extent of each axis, outermost first. `[]` is a scalar. */
export type Shape = readonly number[];

/**
 * Number of elements of a shape (1 for a scalar).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sizeOf } from "./shape.ts";
 * assert.equal(sizeOf([2, 3, 4]), 24);
 * assert.equal(sizeOf([]), 1);
 * ```
 */
export const sizeOf = (shape: Shape): number => {
  let n = 1;
  for (let i = 0; i < shape.length; i++) n *= shape[i];
  return n;
};

/**
 * Row-major strides, in elements.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { stridesOf } from "./shape.ts";
 * assert.deepEqual(stridesOf([2, 3, 4]), [12, 4, 1]);
 * ```
 */
export const stridesOf = (shape: Shape): number[] => {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
};

const stridesCache = new WeakMap<Shape, readonly number[]>();

/**
 * Row-major strides of a shape, cached per shape array: tensors share their
 * (frozen) shape arrays, so the hot elementwise path rarely recomputes them.
 * The result must not be modified.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { contiguousStrides } from "./shape.ts";
 * const shape = Object.freeze([2, 3]);
 * assert.deepEqual(contiguousStrides(shape), [3, 1]);
 * assert.equal(contiguousStrides(shape), contiguousStrides(shape));
 * ```
 */
export const contiguousStrides = (shape: Shape): readonly number[] => {
  let s = stridesCache.get(shape);
  if (s === undefined) {
    s = Object.freeze(stridesOf(shape));
    stridesCache.set(shape, s);
  }
  return s;
};

/**
 * Whether two shapes are equal.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { shapeEqual } from "./shape.ts";
 * assert.equal(shapeEqual([2, 3], [2, 3]), true);
 * assert.equal(shapeEqual([2, 3], [3, 2]), false);
 * ```
 */
export const shapeEqual = (a: Shape, b: Shape): boolean => {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
};

/**
 * Formats a shape for messages: `[2,3]`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatShape } from "./shape.ts";
 * assert.equal(formatShape([2, 3]), "[2,3]");
 * ```
 */
export const formatShape = (s: Shape): string => `[${s.join(",")}]`;

/**
 * The NumPy broadcast of several shapes: align on the right; each axis must be
 * equal or 1 in every shape.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { broadcastShapes } from "./shape.ts";
 * assert.deepEqual(broadcastShapes("add", [3, 1], [4]), [3, 4]);
 * assert.throws(() => broadcastShapes("add", [2], [3]), /do not broadcast/);
 * ```
 */
export const broadcastShapes = (op: string, ...shapes: Shape[]): number[] => {
  let rank = 0;
  for (const s of shapes) if (s.length > rank) rank = s.length;
  const out = new Array<number>(rank).fill(1);
  for (const s of shapes) {
    const off = rank - s.length;
    for (let i = 0; i < s.length; i++) {
      const d = s[i];
      const o = out[off + i];
      if (d === o || d === 1) continue;
      if (o === 1) out[off + i] = d;
      else {
        throw new ShapeError(
          op,
          `shapes ${shapes.map(formatShape).join(" and ")} do not broadcast ` +
            `(axis ${i - s.length} has ${o} and ${d}; each axis must match or be 1)`,
        );
      }
    }
  }
  return out;
};

/**
 * Strides that read an input of `shape` as if broadcast to `outShape`:
 * broadcast axes get stride 0.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { broadcastStrides } from "./shape.ts";
 * assert.deepEqual(broadcastStrides([3, 1], [2, 3, 4]), [0, 1, 0]);
 * ```
 */
export const broadcastStrides = (shape: Shape, outShape: Shape): number[] => {
  const own = stridesOf(shape);
  const off = outShape.length - shape.length;
  const s = new Array<number>(outShape.length).fill(0);
  for (let i = 0; i < shape.length; i++) s[off + i] = shape[i] === 1 ? 0 : own[i];
  return s;
};

/**
 * Turns a possibly negative axis into an index in `[0, rank)`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { normalizeAxis } from "./shape.ts";
 * assert.equal(normalizeAxis("sum", -1, 3), 2);
 * assert.throws(() => normalizeAxis("sum", 3, 3), /out of range/);
 * ```
 */
export const normalizeAxis = (op: string, axis: number, rank: number): number => {
  if (!Number.isInteger(axis)) throw new ValueError(op, `axis ${axis} is not an integer`);
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) {
    throw new ShapeError(op, `axis ${axis} is out of range for rank ${rank} (expected ${-rank}..${rank - 1})`);
  }
  return a;
};

/**
 * Normalizes a list of axes (or all axes when `axes` is undefined), sorted and
 * without repeats.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { normalizeAxes } from "./shape.ts";
 * assert.deepEqual(normalizeAxes("sum", [-1, 0], 3), [0, 2]);
 * assert.deepEqual(normalizeAxes("sum", undefined, 2), [0, 1]);
 * ```
 */
export const normalizeAxes = (
  op: string,
  axes: number | readonly number[] | undefined,
  rank: number,
): number[] => {
  if (axes === undefined) return Array.from({ length: rank }, (_, i) => i);
  const list = typeof axes === "number" ? [axes] : axes;
  const out = list.map((a) => normalizeAxis(op, a, rank));
  const sorted = [...out].sort((x, y) => x - y);
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i] === sorted[i - 1]) throw new ValueError(op, `axis ${sorted[i]} is repeated in [${list.join(",")}]`);
  }
  return sorted;
};

/**
 * Checks that every entry is a non-negative safe integer, for shapes from users.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkShape } from "./shape.ts";
 * assert.deepEqual(checkShape("zeros", [2, 0]), [2, 0]);
 * assert.throws(() => checkShape("zeros", [2, -1]), /non-negative/);
 * ```
 */
export const checkShape = (op: string, shape: unknown): number[] => {
  if (!Array.isArray(shape)) throw new ValueError(op, `shape must be an array of integers, got ${String(shape)}`);
  for (const d of shape) {
    if (typeof d !== "number" || !Number.isSafeInteger(d) || d < 0) {
      throw new ValueError(op, `shape ${JSON.stringify(shape)} must hold non-negative integers`);
    }
  }
  return [...shape];
};
