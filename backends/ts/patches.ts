/**
 * Image patches: im2col (`extractPatches`) and its transpose col2im
 * (`foldPatches`), the two kernels under convolution and pooling.
 *
 * Both walk the patch grid in output order. Which taps of a window fall
 * inside the image is worked out once per grid row and once per grid column
 * (`planAxis`), so the inner work is a run of `C` contiguous elements per
 * tap, or of `taps·C` when the columns are not dilated (neighbouring taps are
 * then neighbours in memory on both sides).
 *
 * @module
 */
import type { PatchLayout } from "../backend.ts";
import type { DType, TypedArray } from "../../core/dtype.ts";
import { alloc, allocUninitialized } from "./pool.ts";
import { copyRange } from "./copy_strided.ts";
import { full } from "./elementwise.ts";

/**
 * For each window along one axis: the first valid tap `lo`, one past the last
 * `hi` (`lo ≤ hi`), and the image index `at` of tap `lo`.
 */
export interface AxisPlan {
  readonly lo: Int32Array;
  readonly hi: Int32Array;
  readonly at: Int32Array;
  /** Some window reaches into the padding. */
  readonly padded: boolean;
}

/**
 * For each of `windows` windows along one axis of `size`: the first valid
 * tap, one past the last, and the image index of the first. Tap `t` of
 * window `o` reads image index `o·stride − before + t·dilation`, when in
 * `[0, size)`. Shared with the wasm patch kernels, which follow the same plan.
 *
 * @example 3 taps, stride 1, one padded position before a 4-wide axis
 * ```ts
 * import assert from "node:assert/strict";
 * import { planAxis } from "./patches.ts";
 * const p = planAxis(4, 4, 3, 1, 1, 1);
 * assert.deepEqual([[...p.lo], [...p.hi], [...p.at]], [[1, 0, 0, 0], [3, 3, 3, 2], [0, 0, 1, 2]]);
 * assert.equal(p.padded, true);
 * ```
 */
export function planAxis(
  windows: number,
  size: number,
  taps: number,
  stride: number,
  dilation: number,
  before: number,
): AxisPlan {
  const lo = new Int32Array(windows);
  const hi = new Int32Array(windows);
  const at = new Int32Array(windows);
  let padded = false;
  for (let o = 0; o < windows; o++) {
    const base = o * stride - before;
    const l = base >= 0 ? 0 : Math.min(taps, Math.ceil(-base / dilation));
    const h = Math.max(l, Math.min(taps, Math.ceil((size - base) / dilation)));
    lo[o] = l;
    hi[o] = h;
    at[o] = base + l * dilation;
    if (l > 0 || h < taps) padded = true;
  }
  return { lo, hi, at, padded };
}

const plans = (layout: PatchLayout): [AxisPlan, AxisPlan] => {
  const [, h, w] = layout.image;
  const [oh, ow] = layout.grid;
  const [kh, kw] = layout.kernel;
  const [sh, sw] = layout.strides;
  const [dh, dw] = layout.dilation;
  const [[top], [left]] = layout.padding;
  return [planAxis(oh, h, kh, sh, dh, top), planAxis(ow, w, kw, sw, dw, left)];
};

/**
 * im2col: the `[N, OH, OW, KH, KW, C]` patches of an `[N, H, W, C]` image;
 * taps in the padding read `padValue`.
 *
 * @example 2×2 windows with stride 2 over a 1×2×4×1 image, one column of padding each side
 * ```ts
 * import assert from "node:assert/strict";
 * import { extractPatches } from "./patches.ts";
 * const x = Float32Array.of(1, 2, 3, 4, 5, 6, 7, 8);
 * const p = extractPatches(x, {
 *   image: [1, 2, 4, 1], grid: [1, 3], kernel: [2, 2], strides: [2, 2], dilation: [1, 1],
 *   padding: [[0, 0], [1, 1]],
 * }, -1, "float32");
 * assert.deepEqual([...p], [-1, 1, -1, 5, 2, 3, 6, 7, 4, -1, 8, -1]);
 * ```
 */
export function extractPatches(x: TypedArray, layout: PatchLayout, padValue: number, dtype: DType): TypedArray {
  const [n, h, w, c] = layout.image;
  const [oh, ow] = layout.grid;
  const [kh, kw] = layout.kernel;
  const [dh, dw] = layout.dilation;
  const [rows, cols] = plans(layout);
  const tapRow = kw * c;
  const patch = kh * tapRow;
  const size = n * oh * ow * patch;
  const out = rows.padded || cols.padded ? full(dtype, size, padValue) : allocUninitialized(dtype, size);
  if (size === 0) return out;
  const imageRow = w * c;
  const tapStep = dw * c;
  for (let b = 0, o = 0; b < n; b++) {
    const image = b * h * imageRow;
    for (let i = 0; i < oh; i++) {
      const rLo = rows.lo[i];
      const rHi = rows.hi[i];
      const firstRow = image + rows.at[i] * imageRow;
      for (let j = 0; j < ow; j++, o += patch) {
        const cLo = cols.lo[j];
        const run = cols.hi[j] - cLo;
        if (run === 0) continue;
        let src = firstRow + cols.at[j] * c;
        let dst = o + rLo * tapRow + cLo * c;
        for (let r = rLo; r < rHi; r++, src += dh * imageRow, dst += tapRow) {
          if (dw === 1) {
            const len = run * c;
            if (len >= 64) copyRange(x, src, out, dst, len);
            else for (let s = src, d = dst, e = dst + len; d < e; d++, s++) out[d] = x[s];
          } else {
            for (let t = 0; t < run; t++) {
              for (let s = src + t * tapStep, d = dst + t * c, e = d + c; d < e; d++, s++) out[d] = x[s];
            }
          }
        }
      }
    }
  }
  return out;
}

/**
 * col2im, the transpose of {@link extractPatches}: zeros of the image's
 * shape, to which each patch element is added where it was read from; taps
 * from the padding are dropped. Float32 sums are kept in doubles and rounded
 * once.
 *
 * @example Overlapping 2-wide windows of a 1×1×3×1 image: the middle pixel is in both
 * ```ts
 * import assert from "node:assert/strict";
 * import { foldPatches } from "./patches.ts";
 * const p = Float64Array.of(1, 2, 10, 20);
 * const x = foldPatches(p, {
 *   image: [1, 1, 3, 1], grid: [1, 2], kernel: [1, 2], strides: [1, 1], dilation: [1, 1],
 *   padding: [[0, 0], [0, 0]],
 * }, "float64");
 * assert.deepEqual([...x], [1, 12, 20]);
 * ```
 */
export function foldPatches(patches: TypedArray, layout: PatchLayout, dtype: DType): TypedArray {
  const [n, h, w, c] = layout.image;
  const [oh, ow] = layout.grid;
  const [kh, kw] = layout.kernel;
  const [dh, dw] = layout.dilation;
  const [rows, cols] = plans(layout);
  const out = alloc(dtype, n * h * w * c);
  const tapRow = kw * c;
  const patch = kh * tapRow;
  if (out.length === 0 || patch === 0) return out;
  // Accumulating in doubles rounds float32 sums once, and keeps the hot loop's
  // stores on one array type for both float dtypes (measured 2–4× faster on Bun
  // than switching to a Float32Array where windows do not overlap).
  const acc = dtype === "float32" ? new Float64Array(out.length) : out;
  const imageRow = w * c;
  const tapStep = dw * c;
  for (let b = 0, o = 0; b < n; b++) {
    const image = b * h * imageRow;
    for (let i = 0; i < oh; i++) {
      const rLo = rows.lo[i];
      const rHi = rows.hi[i];
      const firstRow = image + rows.at[i] * imageRow;
      for (let j = 0; j < ow; j++, o += patch) {
        const cLo = cols.lo[j];
        const run = cols.hi[j] - cLo;
        if (run === 0) continue;
        let dst = firstRow + cols.at[j] * c;
        let src = o + rLo * tapRow + cLo * c;
        for (let r = rLo; r < rHi; r++, dst += dh * imageRow, src += tapRow) {
          if (dw === 1) {
            for (let d = dst, s = src, e = dst + run * c; d < e; d++, s++) acc[d] += patches[s];
          } else {
            for (let t = 0; t < run; t++) {
              for (let d = dst + t * tapStep, s = src + t * c, e = d + c; d < e; d++, s++) acc[d] += patches[s];
            }
          }
        }
      }
    }
  }
  if (acc !== out) out.set(acc);
  return out;
}
