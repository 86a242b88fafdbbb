/**
 * Materialising strided views (transposes, broadcasts, slices, flips) into
 * fresh contiguous buffers.
 *
 * @module
 */
import type { StridedView } from "../backend.ts";
import type { DType, TypedArray } from "../../core/dtype.ts";
import { allocUninitialized } from "./pool.ts";
import { sizeOf } from "../../core/shape.ts";
import { collapseAxes, outerStarts } from "./strided.ts";

/** Rows per panel of a blocked transpose (see `copyTiles`). */
const PANEL = 128;
/** Below this, a plain loop beats making a `subarray` view for `set`. */
const SET_MIN = 64;

/**
 * Copies `len` elements from `src[s..]` to `dst[d..]`: a memcpy through
 * `set` for long runs, a loop for short ones.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { copyRange } from "./copy_strided.ts";
 * const dst = new Float32Array(4);
 * copyRange(Float32Array.of(1, 2, 3), 1, dst, 2, 2);
 * assert.deepEqual([...dst], [0, 0, 2, 3]);
 * ```
 */
export function copyRange(src: TypedArray, s: number, dst: TypedArray, d: number, len: number): void {
  if (len >= SET_MIN) dst.set(src.subarray(s, s + len), d);
  else for (const e = d + len; d < e; d++, s++) dst[d] = src[s];
}

/**
 * Copies the view `x[offset + Σ idx·strides]` over `view.shape` into a fresh
 * contiguous buffer. Strides may be 0 (broadcast) or negative (flips).
 * Views whose two innermost axes are a transpose are copied in cache blocks;
 * a broadcast outermost axis is computed once and then replicated.
 *
 * @example Transposing a 2×3 matrix
 * ```ts
 * import assert from "node:assert/strict";
 * import { copyStrided } from "./copy_strided.ts";
 * const x = Float32Array.of(1, 2, 3, 4, 5, 6);
 * const t = copyStrided(x, { shape: [3, 2], strides: [1, 3], offset: 0 }, "float32");
 * assert.deepEqual([...t], [1, 4, 2, 5, 3, 6]);
 * const flipped = copyStrided(x, { shape: [3], strides: [-1], offset: 2 }, "float32");
 * assert.deepEqual([...flipped], [3, 2, 1]);
 * ```
 */
export function copyStrided(x: TypedArray, view: StridedView, dtype: DType): TypedArray {
  const n = sizeOf(view.shape);
  // every element is written below (the slab, then its repeats)
  const out = allocUninitialized(dtype, n);
  if (n === 0) return out;
  const c = collapseAxes(view.shape, [view.strides]);
  let shape = c.shape;
  let strides = c.strides[0];
  // Merging joins neighbouring broadcast axes, so at most the first is one here.
  const reps = shape.length > 0 && strides[0] === 0 ? shape[0] : 1;
  if (reps > 1) {
    shape = shape.slice(1);
    strides = strides.slice(1);
  }
  copySlab(x, view.offset, shape, strides, out);
  for (let filled = n / reps; filled < n; filled *= 2) {
    out.copyWithin(filled, 0, Math.min(filled, n - filled));
  }
  return out;
}

/** Writes the (merged, non-empty) view into `out[0 .. size)`. */
function copySlab(x: TypedArray, offset: number, shape: number[], strides: number[], out: TypedArray): void {
  const r = shape.length;
  if (r === 0) {
    out[0] = x[offset];
    return;
  }
  const len = shape[r - 1];
  const step = strides[r - 1];
  if (r >= 2) {
    const rows = shape[r - 2];
    const rowStep = strides[r - 2];
    // The output's rows walk slowly through memory and its columns fast: a
    // transpose. Row by row, every read would touch a new cache line.
    if (rowStep !== 0 && Math.abs(step) > 1 && Math.abs(rowStep) < Math.abs(step)) {
      const slabs = outerStarts(shape, strides, r - 2, offset);
      for (let s = 0, o = 0; s < slabs.length; s++, o += rows * len) {
        copyTiles(x, slabs[s], rows, len, rowStep, step, out, o);
      }
      return;
    }
  }
  const starts = outerStarts(shape, strides, r - 1, offset);
  const count = starts.length;
  if (step === 1) {
    for (let i = 0, o = 0; i < count; i++, o += len) copyRange(x, starts[i], out, o, len);
  } else if (step === 0) {
    for (let i = 0, o = 0; i < count; i++, o += len) out.fill(x[starts[i]], o, o + len);
  } else {
    for (let i = 0, o = 0; i < count; i++) {
      for (let src = starts[i], e = o + len; o < e; o++, src += step) out[o] = x[src];
    }
  }
}

/**
 * `out[o + i·cols + j] = x[base + i·sr + j·sc]` for a rows×cols block.
 *
 * Blocked in panels of {@link PANEL} rows, each walked as strips of 8
 * columns with the strip unrolled. Only 8 source lines are live at a time:
 * square 32×32 tiles, with a power-of-two leading dimension (1024 floats =
 * 4 KiB), put all 32 source lines in one L1 set and thrash it; 8 fit its
 * associativity. Measured 2–4× faster than 32×32 tiles on Deno and Bun.
 */
function copyTiles(
  x: TypedArray,
  base: number,
  rows: number,
  cols: number,
  sr: number,
  sc: number,
  out: TypedArray,
  o: number,
) {
  const c8 = cols - (cols % 8);
  for (let i0 = 0; i0 < rows; i0 += PANEL) {
    const i1 = Math.min(i0 + PANEL, rows);
    for (let j0 = 0; j0 < c8; j0 += 8) {
      let src = base + i0 * sr + j0 * sc;
      let dst = o + i0 * cols + j0;
      for (let i = i0; i < i1; i++, src += sr, dst += cols) {
        out[dst] = x[src];
        out[dst + 1] = x[src + sc];
        out[dst + 2] = x[src + 2 * sc];
        out[dst + 3] = x[src + 3 * sc];
        out[dst + 4] = x[src + 4 * sc];
        out[dst + 5] = x[src + 5 * sc];
        out[dst + 6] = x[src + 6 * sc];
        out[dst + 7] = x[src + 7 * sc];
      }
    }
    if (c8 === cols) continue;
    for (let i = i0; i < i1; i++) {
      let src = base + i * sr + c8 * sc;
      for (let dst = o + i * cols + c8, e = o + (i + 1) * cols; dst < e; dst++, src += sc) out[dst] = x[src];
    }
  }
}
