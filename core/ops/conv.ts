/**
 * Convolution and pooling over NHWC images, composed from the patch
 * primitive (`extractPatches`, im2col): a convolution is one matmul of the
 * patches with the kernel, a max pool is a max over each patch, an average
 * pool a sum over each patch divided by how many pixels it holds. Their
 * derivatives come from those of `extractPatches` (col2im), `matmul`, `max`
 * and `sum`, so there is nothing here to get wrong twice.
 *
 * Images are `[N, H, W, C]` and kernels `[KH, KW, C, O]` (HWIO), as in
 * TensorFlow and JAX's defaults.
 *
 * @module
 */
import { ones } from "../creation.ts";
import { DTypeError, ShapeError, ValueError } from "../errors.ts";
import { div } from "../prims/binary.ts";
import { requireFloat, requireNumeric } from "../prims/checks.ts";
import { matmul } from "../prims/linalg.ts";
import {
  extractPatches,
  type Padding,
  type Pair,
  pairOf,
  type ResolvedPatches,
  resolvePatches,
} from "../prims/patches.ts";
import { max, sum } from "../prims/reduce.ts";
import { reshape } from "../prims/shape.ts";
import { formatShape } from "../shape.ts";
import type { Tensor } from "../tensor.ts";

/** Options of `conv2d`. */
export interface Conv2dOptions {
  /** Steps between windows `[sh, sw]` or one for both (default 1). */
  readonly strides?: Pair;
  /** `"valid"` (default), `"same"` (TensorFlow's rule) or `[[top, bottom], [left, right]]`. */
  readonly padding?: Padding;
  /** Steps between the kernel's taps `[dh, dw]` (default 1; 2 is an "atrous" convolution). */
  readonly dilation?: Pair;
}

/** Options of `maxPool2d`. */
export interface PoolOptions {
  /** The window `[KH, KW]`, or one number for a square window. */
  readonly window: Pair;
  /** Steps between windows (default: the window, so windows do not overlap). */
  readonly strides?: Pair;
  /** `"valid"` (default), `"same"` or `[[top, bottom], [left, right]]`; a window must hold at least one pixel. */
  readonly padding?: Padding;
}

/** Options of `avgPool2d`. */
export interface AvgPoolOptions extends PoolOptions {
  /** Divide by the whole window, padding included, rather than by the pixels it holds (default false). */
  readonly countIncludePad?: boolean;
}

const requireImage = (op: string, x: Tensor): void => {
  if (x.ndim !== 4) throw new ShapeError(op, `expects an NHWC image of rank 4, got shape ${formatShape(x.shape)}`);
};

const windowsOf = (g: ResolvedPatches) => ({ kernel: g.kernel, strides: g.strides, padding: g.padding });

/**
 * 2-D convolution (cross-correlation, as in every deep-learning library) of
 * NHWC images `x` `[N, H, W, C]` with an HWIO kernel `w` `[KH, KW, C, O]`:
 * `y[n, i, j, o] = Σ_{u,v,c} x[n, i·sh − top + u·dh, j·sw − left + v·dw, c] · w[u, v, c, o]`,
 * with zeros in the padding. The result is `[N, OH, OW, O]`; with
 * `padding: "same"` and stride 1 it keeps the image's size.
 *
 * Computed as `matmul(patches [N·OH·OW, KH·KW·C], w [KH·KW·C, O])`, so its
 * gradients are a matmul and a col2im.
 *
 * @example A 2×2 box filter, then the gradient of its sum
 * ```ts
 * import assert from "node:assert/strict";
 * import { conv2d, grad, ones, reshape, arange, sum, type Tensor } from "../../mod.ts";
 * const x = reshape(arange(9), [1, 3, 3, 1]);
 * const w = ones([2, 2, 1, 1]);
 * assert.deepEqual(reshape(conv2d(x, w), [2, 2]).toArray(), [[8, 12], [20, 24]]);
 * assert.deepEqual(conv2d(x, w, { padding: "same" }).shape, [1, 3, 3, 1]);
 * // each pixel's gradient counts the windows that read it
 * const g = grad((x: Tensor) => sum(conv2d(x, w)))(x);
 * assert.deepEqual(reshape(g, [3, 3]).toArray(), [[1, 2, 1], [2, 4, 2], [1, 2, 1]]);
 * assert.throws(() => conv2d(x, ones([2, 2, 3, 1])), /channels/);
 * ```
 */
export const conv2d = (x: Tensor, w: Tensor, opts: Conv2dOptions = {}): Tensor => {
  requireImage("conv2d", x);
  if (w.ndim !== 4) {
    throw new ShapeError(
      "conv2d",
      `expects an HWIO kernel [KH, KW, C, O] of rank 4, got shape ${formatShape(w.shape)}`,
    );
  }
  const [n, , , c] = x.shape;
  const [kh, kw, ci, o] = w.shape;
  if (c !== ci) {
    throw new ShapeError(
      "conv2d",
      `channels differ: the image ${formatShape(x.shape)} has ${c}, the kernel ${formatShape(w.shape)} expects ${ci}`,
    );
  }
  requireFloat("conv2d", x, "image");
  if (w.dtype !== x.dtype) throw new DTypeError("conv2d", `dtype mismatch: image ${x.dtype}, kernel ${w.dtype}`);
  const g = resolvePatches("conv2d", x.shape, { ...opts, kernel: [kh, kw] });
  const patches = extractPatches(x, { ...windowsOf(g), dilation: g.dilation });
  const [oh, ow] = g.grid;
  const y = matmul(reshape(patches, [n * oh * ow, kh * kw * c]), reshape(w, [kh * kw * c, o]));
  return reshape(y, [n, oh, ow, o]);
};

/** Resolves pooling windows (strides default to the window) and rejects windows wholly in the padding. */
const resolvePool = (op: string, x: Tensor, opts: PoolOptions): ResolvedPatches => {
  requireImage(op, x);
  if (opts === null || typeof opts !== "object") throw new ValueError(op, `options must be an object`);
  const window = pairOf(op, "window", opts.window, NaN);
  const g = resolvePatches(op, x.shape, { kernel: window, strides: opts.strides ?? window, padding: opts.padding });
  for (let a = 0; a < 2; a++) {
    const size = x.shape[a + 1];
    const [before] = g.padding[a];
    const lastStart = (g.grid[a] - 1) * g.strides[a] - before;
    // Windows move forward, so the first one ends earliest and the last starts latest.
    if (g.kernel[a] <= before || lastStart >= size) {
      throw new ValueError(
        op,
        `padding ${JSON.stringify(g.padding)} leaves a ${g.kernel[0]}×${g.kernel[1]} window wholly outside the image ${
          formatShape(x.shape)
        }; pad by less than the window`,
      );
    }
  }
  return g;
};

/**
 * Max pooling over windows of NHWC images: `[N, H, W, C]` → `[N, OH, OW, C]`,
 * each output the largest pixel of its window (padding never wins: it
 * reads −∞, or the smallest int32). As with `max`, tied maxima share the
 * gradient equally.
 *
 * @example 2×2 windows with stride 2 (the default)
 * ```ts
 * import assert from "node:assert/strict";
 * import { maxPool2d, tensor, reshape } from "../../mod.ts";
 * const x = reshape(tensor([1, 5, 2, 0, 3, 4, 8, 1, 0, 2, 9, 9, 7, 1, 6, 3]), [1, 4, 4, 1]);
 * assert.deepEqual(reshape(maxPool2d(x, { window: 2 }), [2, 2]).toArray(), [[5, 8], [7, 9]]);
 * assert.deepEqual(maxPool2d(x, { window: 3, strides: 2, padding: "same" }).shape, [1, 2, 2, 1]);
 * ```
 */
export const maxPool2d = (x: Tensor, opts: PoolOptions): Tensor => {
  const g = resolvePool("maxPool2d", x, opts);
  requireNumeric("maxPool2d", x, "image");
  const padValue = x.dtype === "int32" ? -(2 ** 31) : -Infinity;
  return max(extractPatches(x, { ...windowsOf(g), padValue }), [3, 4]);
};

/**
 * Average pooling over windows of NHWC images: `[N, H, W, C]` → `[N, OH, OW, C]`,
 * each output the mean of the pixels in its window. Where a window reaches
 * into the padding, the mean is over the pixels it holds (as TensorFlow's
 * `"SAME"`), or over the whole window with `countIncludePad` (as PyTorch's
 * default).
 *
 * @example 2×2 windows; at the border, "same" padding averages fewer pixels
 * ```ts
 * import assert from "node:assert/strict";
 * import { avgPool2d, reshape, arange } from "../../mod.ts";
 * const x = reshape(arange(16), [1, 4, 4, 1]);
 * assert.deepEqual(reshape(avgPool2d(x, { window: 2 }), [2, 2]).toArray(), [[2.5, 4.5], [10.5, 12.5]]);
 * const y = avgPool2d(reshape(arange(9), [1, 3, 3, 1]), { window: 2, padding: "same" });
 * assert.deepEqual(reshape(y, [2, 2]).toArray(), [[2, 3.5], [6.5, 8]]);
 * const z = avgPool2d(reshape(arange(9), [1, 3, 3, 1]), { window: 2, padding: "same", countIncludePad: true });
 * assert.deepEqual(reshape(z, [2, 2]).toArray(), [[2, 1.75], [3.25, 2]]);
 * ```
 */
export const avgPool2d = (x: Tensor, opts: AvgPoolOptions): Tensor => {
  const g = resolvePool("avgPool2d", x, opts);
  requireFloat("avgPool2d", x, "image");
  const windows = windowsOf(g);
  const total = sum(extractPatches(x, windows), [3, 4]);
  const unpadded = g.padding.every(([a, b]) => a === 0 && b === 0);
  if (opts.countIncludePad === true || unpadded) return div(total, g.kernel[0] * g.kernel[1]);
  // How many pixels each window holds: the same windows over an image of ones (a constant).
  const [, h, w] = x.shape;
  const count = sum(extractPatches(ones([1, h, w, 1], { dtype: x.dtype }), windows), [3, 4]);
  return div(total, count);
};

/** Options of `conv1d`. */
export interface Conv1dOptions {
  /** Step between windows (default 1). */
  readonly stride?: number;
  /** `"valid"` (default), `"same"` (TensorFlow's rule) or `[left, right]`. */
  readonly padding?: "valid" | "same" | readonly [number, number];
  /** Step between the kernel's taps (default 1). */
  readonly dilation?: number;
}

/**
 * 1-D convolution (cross-correlation, as every framework) of `[N, W, C]`
 * sequences with a `[K, C, O]` kernel, giving `[N, OW, O]`: `conv2d` on
 * images of height 1, so it shares its gradient.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { conv1d, tensor } from "../../mod.ts";
 * const x = tensor([1, 2, 3, 4], { shape: [1, 4, 1] });
 * const w = tensor([1, -1], { shape: [2, 1, 1] });
 * assert.deepEqual(conv1d(x, w).toArray(), [[[-1], [-1], [-1]]]);
 * assert.deepEqual(conv1d(x, w, { padding: "same" }).shape, [1, 4, 1]);
 * ```
 */
export const conv1d = (x: Tensor, w: Tensor, opts: Conv1dOptions = {}): Tensor => {
  if (x.ndim !== 3) {
    throw new ShapeError("conv1d", `expects sequences [N, W, C] of rank 3, got ${formatShape(x.shape)}`);
  }
  if (w.ndim !== 3) throw new ShapeError("conv1d", `expects a kernel [K, C, O] of rank 3, got ${formatShape(w.shape)}`);
  if (x.shape[2] !== w.shape[1]) {
    throw new ShapeError(
      "conv1d",
      `channels differ: the input ${formatShape(x.shape)} has ${x.shape[2]}, the kernel ${
        formatShape(w.shape)
      } expects ${w.shape[1]}`,
    );
  }
  const p = opts.padding ?? "valid";
  const padding: Padding = typeof p === "string" ? p : [[0, 0], [p[0], p[1]]];
  const [n, width, c] = x.shape;
  const y = conv2d(reshape(x, [n, 1, width, c]), reshape(w, [1, ...w.shape]), {
    strides: [1, opts.stride ?? 1],
    dilation: [1, opts.dilation ?? 1],
    padding,
  });
  return reshape(y, [n, y.shape[2], y.shape[3]]);
};
