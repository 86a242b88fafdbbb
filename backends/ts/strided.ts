/**
 * Iteration plans shared by the strided kernels: merge axes that can be
 * walked as one, then list where every row of the innermost axis starts, so
 * that each kernel is a flat loop over rows around a tight loop over a row.
 *
 * @module
 */
import type { Shape } from "../../core/shape.ts";

/** Axes after merging, with one stride list per operand. */
export interface Collapsed {
  readonly shape: number[];
  readonly strides: number[][];
}

/**
 * Drops axes of extent 1 and merges each axis into its outer neighbour when
 * every operand steps over the pair as one axis (`outer stride = inner
 * stride · inner extent`). The walk visits elements in the same order as the
 * original row-major walk, so a contiguous output stays contiguous.
 * Extents of 0 are the caller's business (they have nothing to walk).
 *
 * @example Broadcasting a row over a matrix keeps two axes; a contiguous one merges
 * ```ts
 * import assert from "node:assert/strict";
 * import { collapseAxes } from "./strided.ts";
 * const c = collapseAxes([2, 3, 4], [[12, 4, 1], [0, 0, 1]]);
 * assert.deepEqual(c.shape, [6, 4]);
 * assert.deepEqual(c.strides, [[4, 1], [0, 1]]);
 * ```
 */
export function collapseAxes(
  shape: Shape,
  strides: readonly (readonly number[])[],
): Collapsed {
  const k = strides.length;
  const outShape: number[] = [];
  const outStrides: number[][] = [];
  for (let j = 0; j < k; j++) outStrides.push([]);
  for (let d = 0; d < shape.length; d++) {
    const n = shape[d];
    if (n === 1) continue;
    const last = outShape.length - 1;
    let merge = last >= 0;
    for (let j = 0; j < k && merge; j++) {
      merge = outStrides[j][last] === strides[j][d] * n;
    }
    if (merge) {
      outShape[last] *= n;
      for (let j = 0; j < k; j++) outStrides[j][last] = strides[j][d];
    } else {
      outShape.push(n);
      for (let j = 0; j < k; j++) outStrides[j].push(strides[j][d]);
    }
  }
  return { shape: outShape, strides: outStrides };
}

/**
 * The start offset of every combination of the first `outer` axes, in
 * row-major order: `base + Σ idx[d]·strides[d]` for `d < outer`.
 *
 * @example The row starts of a transposed 2×3 view
 * ```ts
 * import assert from "node:assert/strict";
 * import { outerStarts } from "./strided.ts";
 * assert.deepEqual([...outerStarts([3, 2], [1, 3], 1, 0)], [0, 1, 2]);
 * ```
 */
export function outerStarts(
  shape: Shape,
  strides: readonly number[],
  outer: number,
  base: number,
): Int32Array {
  let count = 1;
  for (let d = 0; d < outer; d++) count *= shape[d];
  const starts = new Int32Array(count);
  const idx = new Int32Array(outer);
  let cur = base;
  for (let r = 0; r < count; r++) {
    starts[r] = cur;
    // An odometer: bump the innermost outer axis, carry into the next.
    for (let d = outer - 1; d >= 0; d--) {
      cur += strides[d];
      if (++idx[d] < shape[d]) break;
      cur -= strides[d] * shape[d];
      idx[d] = 0;
    }
  }
  return starts;
}

/** A walk over a contiguous output as `rows` rows of `inner` elements. */
export interface RowPlan {
  readonly rows: number;
  readonly inner: number;
  /** Per operand, the offset where each row starts. */
  readonly starts: Int32Array[];
  /** Per operand, the stride along a row. */
  readonly steps: number[];
}

/**
 * Plans a row-major walk over `shape` (of non-zero size) for operands with
 * the given strides and base offsets: merged axes, then rows of the
 * innermost one.
 *
 * @example Adding a bias row to a 4×5 matrix: 4 rows of 5
 * ```ts
 * import assert from "node:assert/strict";
 * import { planRows } from "./strided.ts";
 * const p = planRows([4, 5], [[5, 1], [0, 1]], [0, 0]);
 * assert.equal(p.rows, 4);
 * assert.equal(p.inner, 5);
 * assert.deepEqual([...p.starts[0]], [0, 5, 10, 15]);
 * assert.deepEqual([...p.starts[1]], [0, 0, 0, 0]);
 * assert.deepEqual(p.steps, [1, 1]);
 * ```
 */
export function planRows(
  shape: Shape,
  strides: readonly (readonly number[])[],
  bases: readonly number[],
): RowPlan {
  const c = collapseAxes(shape, strides);
  const r = c.shape.length;
  if (r === 0) {
    return {
      rows: 1,
      inner: 1,
      starts: bases.map((b) => Int32Array.of(b)),
      steps: bases.map(() => 0),
    };
  }
  const starts = c.strides.map((s, j) => outerStarts(c.shape, s, r - 1, bases[j]));
  return {
    rows: starts[0].length,
    inner: c.shape[r - 1],
    starts,
    steps: c.strides.map((s) => s[r - 1]),
  };
}
