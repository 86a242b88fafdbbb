/**
 * Image patches: `extractPatches` (im2col) gathers every window of an NHWC
 * image into `[N, OH, OW, KH, KW, C]`, and `foldPatches` (col2im) adds such
 * patches back into an image. They are the only primitives under
 * convolution and pooling (`core/ops/conv.ts`), and each is the other's
 * transpose: both are linear, so each JVP applies the primitive to the
 * tangent and each VJP is the other primitive.
 *
 * Padding is virtual: a tap outside the image reads `padValue` (0 for
 * convolution, −∞ for max pooling). Those values are constants, so their
 * derivative is zero: the tangent of a patch is the patch of the tangent
 * with 0 in the padding, and col2im drops cotangents that land there.
 *
 * @module
 */
import type { PatchLayout } from "../../backends/backend.ts";
import { ShapeError, ValueError } from "../errors.ts";
import { definePrimitive, type Primitive } from "../primitive.ts";
import { checkShape, formatShape, type Shape } from "../shape.ts";
import type { Tensor } from "../tensor.ts";
import { bind } from "../trace.ts";
import { requireNumeric } from "./checks.ts";
import { moveToFront } from "./batching.ts";
import { reshape } from "./shape.ts";

/** A size per spatial axis `[height, width]`, or one number for both. */
export type Pair = number | readonly [number, number];

/**
 * How far a window may reach past the image: `"valid"` (not at all),
 * `"same"` (TensorFlow/JAX: `ceil(H/s)` windows, the padding split evenly
 * with the odd one at the bottom/right), or `[[top, bottom], [left, right]]`.
 */
export type Padding = "valid" | "same" | readonly [readonly [number, number], readonly [number, number]];

/** The windows of a patch extraction. */
export interface PatchOptions {
  /** The window `[KH, KW]` (or one number for a square window). */
  readonly kernel: Pair;
  /** Steps between windows (default 1). */
  readonly strides?: Pair;
  /** Padding (default `"valid"`). */
  readonly padding?: Padding;
  /** Steps between the taps of a window (default 1: adjacent pixels). */
  readonly dilation?: Pair;
}

/** Options of `extractPatches`. */
export interface ExtractPatchesOptions extends PatchOptions {
  /** What taps in the padding read (default 0; −∞ for max pooling). */
  readonly padValue?: number;
}

/** Options of `foldPatches`. */
export interface FoldPatchesOptions extends PatchOptions {
  /** The image's shape `[N, H, W, C]`. */
  readonly shape: Shape;
}

type Pair2 = readonly [number, number];

/** The resolved windows: every field explicit. */
interface Geometry {
  readonly kernel: Pair2;
  readonly strides: Pair2;
  readonly dilation: Pair2;
  readonly padding: readonly [Pair2, Pair2];
  readonly [k: string]: unknown;
}

/** Windows resolved against an image shape, with the grid of windows they give. */
export interface ResolvedPatches extends Geometry {
  /** `[OH, OW]`. */
  readonly grid: Pair2;
}

/** @internal A `Pair` option as `[h, w]` of positive integers (`dflt` for both when absent). */
export const pairOf = (op: string, name: string, v: Pair | undefined, dflt: number): Pair2 => {
  const p = v === undefined ? [dflt, dflt] : typeof v === "number" ? [v, v] : v;
  if (!Array.isArray(p) || p.length !== 2 || !p.every((d) => Number.isSafeInteger(d) && d >= 1)) {
    throw new ValueError(op, `${name} must be a positive integer or a pair of them, got ${JSON.stringify(v)}`);
  }
  return Object.freeze([p[0], p[1]]);
};

/** TensorFlow's "same": `ceil(size/s)` windows, padding `max((⌈size/s⌉−1)·s + span − size, 0)`, more after. */
const samePadding = (size: number, span: number, stride: number): Pair2 => {
  const total = Math.max((Math.ceil(size / stride) - 1) * stride + span - size, 0);
  const before = Math.floor(total / 2);
  return [before, total - before];
};

const isWidths = (p: unknown): p is Pair2 =>
  Array.isArray(p) && p.length === 2 && p.every((d) => Number.isSafeInteger(d) && d >= 0);

const requireImage = (op: string, image: Shape): void => {
  if (image.length !== 4) {
    throw new ShapeError(op, `expects an NHWC image of rank 4, got shape ${formatShape(image)}`);
  }
};

/**
 * @internal Checks `opts` against an `[N, H, W, C]` image shape and resolves
 * them; errors are raised under `op`'s name.
 */
export const resolvePatches = (op: string, image: Shape, opts: PatchOptions): ResolvedPatches => {
  requireImage(op, image);
  if (opts === null || typeof opts !== "object") throw new ValueError(op, `options must be an object`);
  const kernel = pairOf(op, "kernel", opts.kernel, NaN);
  const strides = pairOf(op, "strides", opts.strides, 1);
  const dilation = pairOf(op, "dilation", opts.dilation, 1);
  const span = (a: number) => (kernel[a] - 1) * dilation[a] + 1;
  const p = opts.padding ?? "valid";
  let padding: readonly [Pair2, Pair2];
  if (p === "valid") padding = [[0, 0], [0, 0]];
  else if (p === "same") {
    padding = [samePadding(image[1], span(0), strides[0]), samePadding(image[2], span(1), strides[1])];
  } else if (Array.isArray(p) && p.length === 2 && p.every(isWidths)) {
    padding = [[p[0][0], p[0][1]], [p[1][0], p[1][1]]];
  } else {
    throw new ValueError(
      op,
      `padding must be "valid", "same" or [[top, bottom], [left, right]] of non-negative integers, got ${
        JSON.stringify(p)
      }`,
    );
  }
  const geometry: Geometry = { kernel, strides, dilation, padding: Object.freeze(padding) };
  return { ...geometry, grid: gridOf(op, image, geometry) };
};

/** The grid of windows `[OH, OW]`; a window larger than the padded image is an error. */
const gridOf = (op: string, image: Shape, g: Geometry): Pair2 => {
  requireImage(op, image);
  const padded = [0, 1].map((a) => image[a + 1] + g.padding[a][0] + g.padding[a][1]);
  const span = [0, 1].map((a) => (g.kernel[a] - 1) * g.dilation[a] + 1);
  if (span[0] > padded[0] || span[1] > padded[1]) {
    const dilated = g.dilation[0] > 1 || g.dilation[1] > 1 ? ` (dilated to ${span[0]}×${span[1]})` : "";
    throw new ShapeError(
      op,
      `the ${g.kernel[0]}×${g.kernel[1]} window${dilated} is larger than the padded image ${padded[0]}×${
        padded[1]
      } (image ${formatShape(image)}, padding ${JSON.stringify(g.padding)})`,
    );
  }
  return Object.freeze([0, 1].map((a) => Math.floor((padded[a] - span[a]) / g.strides[a]) + 1) as [number, number]);
};

const geometryOf = ({ kernel, strides, dilation, padding }: Geometry): Geometry => ({
  kernel,
  strides,
  dilation,
  padding,
});

const layoutOf = (image: Shape, grid: Pair2, g: Geometry): PatchLayout => ({ image, grid, ...geometryOf(g) });

const patchShape = (image: Shape, grid: Pair2, g: Geometry): number[] => [
  image[0],
  grid[0],
  grid[1],
  g.kernel[0],
  g.kernel[1],
  image[3],
];

const requirePatchShape = (patches: Shape, image: Shape, grid: Pair2, g: Geometry): void => {
  const want = patchShape(image, grid, g);
  if (patches.length !== 6 || want.some((d, i) => d !== patches[i])) {
    throw new ShapeError(
      "foldPatches",
      `patches have shape ${formatShape(patches)}; the image ${formatShape(image)} with these windows has ${
        formatShape(want)
      }`,
    );
  }
};

interface ExtractParams extends Geometry {
  readonly padValue: number;
}

interface FoldParams extends Geometry {
  readonly shape: Shape;
}

const extractP: Primitive<ExtractParams> = definePrimitive({
  name: "extractPatches",
  abstractEval: ([x], p) => {
    requireNumeric("extractPatches", x);
    return { shape: patchShape(x.shape, gridOf("extractPatches", x.shape, p), p), dtype: x.dtype };
  },
  impl: (b, [x], p, out) =>
    b.extractPatches(x.buf, layoutOf(x.shape, [out.shape[1], out.shape[2]], p), p.padValue, x.dtype),
  // The batch folds into the images' own leading axis: [B, N, H, W, C] → [B·N, H, W, C].
  batch: ([x], [d], p) => {
    const front = moveToFront(x, d!);
    const [n0, n1, ...hwc] = front.shape;
    const y = bind(extractP, [reshape(front, [n0 * n1, ...hwc])], p);
    return [reshape(y, [n0, n1, ...y.shape.slice(1)]), 0];
  },
  // linear: d patches(x) = patches(dx), with 0 in the padding (the pad value is a constant)
  jvp: (_, [dx], _o, p) => (dx === null ? null : bind(extractP, [dx], { ...geometryOf(p), padValue: 0 })),
  vjp: (g, [x], _o, p) => [bind(foldP, [g], { ...geometryOf(p), shape: x.shape })],
});

const foldP: Primitive<FoldParams> = definePrimitive({
  name: "foldPatches",
  abstractEval: ([x], p) => {
    requireNumeric("foldPatches", x);
    requirePatchShape(x.shape, p.shape, gridOf("foldPatches", p.shape, p), p);
    return { shape: p.shape, dtype: x.dtype };
  },
  impl: (b, [x], p) => b.foldPatches(x.buf, layoutOf(p.shape, [x.shape[1], x.shape[2]], p), x.dtype),
  batch: ([x], [d], p) => {
    const front = moveToFront(x, d!);
    const [n0, n1, ...rest] = front.shape;
    const [, ...hwc] = p.shape;
    const y = bind(foldP, [reshape(front, [n0 * n1, ...rest])], { ...p, shape: [n0 * n1, ...hwc] });
    return [reshape(y, [n0, n1, ...hwc]), 0];
  },
  // linear: d fold(p) = fold(dp); its transpose reads the patches again (0 in the padding)
  jvp: (_, [dx], _o, p) => (dx === null ? null : bind(foldP, [dx], p)),
  vjp: (g, _x, _o, p) => [bind(extractP, [g], { ...geometryOf(p), padValue: 0 })],
});

/** One window, one step, no padding: every patch is one pixel, and the patches are a reshape. */
const trivial = (g: ResolvedPatches): boolean =>
  g.kernel[0] === 1 && g.kernel[1] === 1 && g.strides[0] === 1 && g.strides[1] === 1 &&
  g.padding.every(([a, b]) => a === 0 && b === 0);

/**
 * im2col: every window of an NHWC image `[N, H, W, C]`, as
 * `[N, OH, OW, KH, KW, C]`. Window `(i, j)`, tap `(u, v)` is pixel
 * `(i·sh − top + u·dh, j·sw − left + v·dw)`, or `padValue` (default 0) when
 * that lies in the padding. With `OH = ⌊(H + top + bottom − (KH−1)·dh − 1) / sh⌋ + 1`
 * (and likewise `OW`), a convolution is a matmul of these patches with the
 * kernel. Linear in `x`; its transpose is {@link foldPatches}.
 *
 * @example 2×2 windows of a 3×3 image
 * ```ts
 * import assert from "node:assert/strict";
 * import { arange, extractPatches, reshape, slice } from "../../mod.ts";
 * const x = reshape(arange(9), [1, 3, 3, 1]);
 * const p = extractPatches(x, { kernel: 2 });
 * assert.deepEqual(p.shape, [1, 2, 2, 2, 2, 1]);
 * assert.deepEqual(reshape(p, [4, 4]).toArray(), [[0, 1, 3, 4], [1, 2, 4, 5], [3, 4, 6, 7], [4, 5, 7, 8]]);
 * // the first window of "same" 3×3 windows hangs over the top-left corner
 * const padded = extractPatches(x, { kernel: 3, padding: "same", padValue: -1 });
 * assert.deepEqual(reshape(slice(padded, [0, 0, 0]), [3, 3]).toArray(), [[-1, -1, -1], [-1, 0, 1], [-1, 3, 4]]);
 * ```
 */
export const extractPatches = (x: Tensor, opts: ExtractPatchesOptions): Tensor => {
  const g = resolvePatches("extractPatches", x.shape, opts);
  const padValue = opts.padValue ?? 0;
  if (typeof padValue !== "number") {
    throw new ValueError("extractPatches", `padValue must be a number, got ${JSON.stringify(padValue)}`);
  }
  requireNumeric("extractPatches", x);
  const [n, , , c] = x.shape;
  if (trivial(g)) return reshape(x, [n, ...g.grid, 1, 1, c]);
  return bind(extractP, [x], { ...geometryOf(g), padValue });
};

/**
 * col2im: adds each element of `patches` (`[N, OH, OW, KH, KW, C]`, as
 * {@link extractPatches} makes them for an image of `shape`) back into a
 * zero image at the pixel it was read from; elements from the padding are
 * dropped. Overlapping windows accumulate. This is the transpose of
 * `extractPatches` (the gradient of a convolution with respect to its
 * input), not its inverse.
 *
 * @example Overlapping windows count a pixel once per window that reads it
 * ```ts
 * import assert from "node:assert/strict";
 * import { extractPatches, foldPatches, ones, reshape } from "../../mod.ts";
 * const shape = [1, 3, 3, 1];
 * const counts = foldPatches(extractPatches(ones(shape), { kernel: 2 }), { kernel: 2, shape });
 * assert.deepEqual(reshape(counts, [3, 3]).toArray(), [[1, 2, 1], [2, 4, 2], [1, 2, 1]]);
 * ```
 */
export const foldPatches = (patches: Tensor, opts: FoldPatchesOptions): Tensor => {
  if (opts === null || typeof opts !== "object") throw new ValueError("foldPatches", `options must be an object`);
  const shape = Object.freeze(checkShape("foldPatches", opts.shape));
  const g = resolvePatches("foldPatches", shape, opts);
  requireNumeric("foldPatches", patches);
  requirePatchShape(patches.shape, shape, g.grid, g);
  if (trivial(g)) return reshape(patches, shape);
  return bind(foldP, [patches], { ...geometryOf(g), shape });
};
