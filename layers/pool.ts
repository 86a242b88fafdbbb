/**
 * Parameterless image layers: max and average pooling over the core ops, and
 * `flatten`, which turns each example into a vector.
 *
 * @module
 */
import { ShapeError } from "../core/errors.ts";
import {
  avgPool2d as avgPoolOp,
  flatten as flattenOp,
  maxPool2d as maxPoolOp,
  type Padding,
  type Pair,
  reshape,
} from "../core/ops/mod.ts";
import { formatShape } from "../core/shape.ts";
import type { Tensor } from "../core/tensor.ts";
import { inputShape } from "./checks.ts";
import { type Layer, statelessLayer } from "./layer.ts";
import { outputShapeOf } from "./shape_of.ts";

/** Options of the pooling layers. */
export interface PoolLayerOptions {
  /** Steps between windows (default: the window, so windows do not overlap). */
  readonly strides?: Pair;
  /** `"valid"` (default), `"same"` or `[[top, bottom], [left, right]]`. */
  readonly padding?: Padding;
}

/** Options of `avgPool2d`. */
export interface AvgPoolLayerOptions extends PoolLayerOptions {
  /** Divide by the whole window, padding included (default false: by the pixels it holds). */
  readonly countIncludePad?: boolean;
}

type Empty = Record<string, never>;

/** A parameterless NHWC layer `x → op(x)` whose output shape comes from tracing `op`. */
const parameterless = (name: string, rank: number | undefined, op: (x: Tensor) => Tensor): Layer<Empty> =>
  statelessLayer<Empty>({
    name,
    init: (_key, shape) => {
      const s = inputShape(name, shape, rank === undefined ? { min: 1 } : { exact: rank });
      return { params: {}, state: {}, outputShape: outputShapeOf(op, s) };
    },
    apply: (_params, x) => op(x),
  });

/**
 * Max pooling over `window` (`k` or `[kh, kw]`) of NHWC images:
 * `[N, H, W, C]` → `[N, OH, OW, C]`, each output the largest pixel of its
 * window (PyTorch's `MaxPool2d`, Keras's `MaxPooling2D`); strides default to
 * the window. Tied maxima share the gradient equally.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { layers, random, reshape, tensor } from "../mod.ts";
 * const pool = layers.maxPool2d(2);
 * assert.deepEqual(pool.init(random.key(0), [1, 4, 4, 3]).outputShape, [1, 2, 2, 3]);
 * const x = reshape(tensor([1, 5, 2, 0, 3, 4, 8, 1, 0, 2, 9, 9, 7, 1, 6, 3]), [1, 4, 4, 1]);
 * assert.deepEqual(reshape(pool.apply({}, x), [2, 2]).toArray(), [[5, 8], [7, 9]]);
 * ```
 */
export const maxPool2d = (window: Pair, opts: PoolLayerOptions = {}): Layer<Empty> =>
  parameterless("maxPool2d", 4, (x) => maxPoolOp(x, { window, strides: opts.strides, padding: opts.padding }));

/**
 * Average pooling over `window` (`k` or `[kh, kw]`) of NHWC images:
 * `[N, H, W, C]` → `[N, OH, OW, C]`, each output the mean of its window's
 * pixels (PyTorch's `AvgPool2d` with `count_include_pad=False` by default);
 * strides default to the window.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { arange, layers, reshape } from "../mod.ts";
 * const x = reshape(arange(16), [1, 4, 4, 1]);
 * assert.deepEqual(reshape(layers.avgPool2d(2).apply({}, x), [2, 2]).toArray(), [[2.5, 4.5], [10.5, 12.5]]);
 * ```
 */
export const avgPool2d = (window: Pair, opts: AvgPoolLayerOptions = {}): Layer<Empty> =>
  parameterless(
    "avgPool2d",
    4,
    (x) =>
      avgPoolOp(x, {
        window,
        strides: opts.strides,
        padding: opts.padding,
        countIncludePad: opts.countIncludePad,
      }),
  );

/**
 * Flattens each example: `[N, d1, d2, …]` → `[N, d1·d2·…]`, keeping the
 * batch axis (Keras's `Flatten`, PyTorch's `Flatten()`); a `[N]` input
 * becomes `[N, 1]`. Typically between convolutions and dense layers.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { layers, random, zeros } from "../mod.ts";
 * const flat = layers.flatten();
 * assert.deepEqual(flat.init(random.key(0), [8, 7, 7, 16]).outputShape, [8, 784]);
 * assert.deepEqual(flat.apply({}, zeros([2, 3, 4])).shape, [2, 12]);
 * ```
 */
export const flatten = (): Layer<Empty> =>
  parameterless("flatten", undefined, (x) => {
    if (x.ndim === 0) throw new ShapeError("flatten", `needs a batch axis, got shape ${formatShape(x.shape)}`);
    return x.ndim === 1 ? reshape(x, [x.shape[0], 1]) : flattenOp(x, 1);
  });
