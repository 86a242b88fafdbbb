/**
 * Running sums along one axis, and the indices that sort along one axis.
 * Both view the buffer as `[outer, n, inner]` around the axis.
 *
 * @module
 */

import type { DType, TypedArray } from "../../core/dtype.ts";
import type { Shape } from "../../core/shape.ts";
import { allocUninitialized } from "./pool.ts";

const around = (shape: Shape, axis: number): [number, number, number] => {
  let outer = 1, inner = 1;
  for (let d = 0; d < axis; d++) outer *= shape[d];
  for (let d = axis + 1; d < shape.length; d++) inner *= shape[d];
  return [outer, shape[axis], inner];
};

/**
 * Running sums along `axis` (from the end with `reverse`); see
 * `Backend.cumsum`. Sums are kept in doubles, so float32 rounds once per
 * element; int32 wraps (`| 0`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { cumsum } from "./cumulative.ts";
 * assert.deepEqual([...cumsum(Float32Array.of(1, 2, 3, 4), [2, 2], 1, false, "float32")], [1, 3, 3, 7]);
 * assert.deepEqual([...cumsum(Float32Array.of(1, 2, 3, 4), [2, 2], 0, true, "float32")], [4, 6, 3, 4]);
 * ```
 */
export function cumsum(x: TypedArray, shape: Shape, axis: number, reverse: boolean, dtype: DType): TypedArray {
  const [outer, n, inner] = around(shape, axis);
  const out = allocUninitialized(dtype, x.length);
  const acc = new Float64Array(inner);
  const wrap = dtype === "int32";
  for (let o = 0; o < outer; o++) {
    acc.fill(0);
    const base = o * n * inner;
    for (let s = 0; s < n; s++) {
      const row = base + (reverse ? n - 1 - s : s) * inner;
      for (let j = 0; j < inner; j++) {
        const v = acc[j] + x[row + j];
        acc[j] = wrap ? v | 0 : v;
        out[row + j] = acc[j];
      }
    }
  }
  return out;
}

/**
 * Stable argsort along `axis`, NaN last in either order; see `Backend.argsort`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { argsort } from "./cumulative.ts";
 * assert.deepEqual([...argsort(Float64Array.of(3, NaN, 1, 3), [4], 0, false, "float64")], [2, 0, 3, 1]);
 * assert.deepEqual([...argsort(Float64Array.of(3, NaN, 1, 3), [4], 0, true, "float64")], [0, 3, 2, 1]);
 * ```
 */
export function argsort(x: TypedArray, shape: Shape, axis: number, descending: boolean, _dtype: DType): TypedArray {
  const [outer, n, inner] = around(shape, axis);
  const out = allocUninitialized("int32", x.length);
  const idx = new Array<number>(n);
  const vals = new Float64Array(n);
  const sign = descending ? -1 : 1;
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < inner; j++) {
      const base = o * n * inner + j;
      for (let i = 0; i < n; i++) {
        idx[i] = i;
        vals[i] = x[base + i * inner];
      }
      // Array.prototype.sort is stable (ES2019); NaN compares as largest in
      // both orders; ties fall back to the index.
      idx.sort((a, b) => {
        const va = vals[a], vb = vals[b];
        const na = va !== va, nb = vb !== vb;
        if (na || nb) return na === nb ? a - b : na ? 1 : -1;
        return va === vb ? a - b : (va < vb ? -sign : sign);
      });
      for (let i = 0; i < n; i++) out[base + i * inner] = idx[i];
    }
  }
  return out;
}
