/**
 * The 2-D convolution layer over the core `conv2d` (NHWC images, HWIO kernels).
 *
 * @module
 */
import type { FloatDType } from "../core/dtype.ts";
import { ValueError } from "../core/errors.ts";
import { add, conv2d as conv2dOp, type Conv2dOptions, type Pair } from "../core/ops/mod.ts";
import { split } from "../core/random/mod.ts";
import { Tensor } from "../core/tensor.ts";
import { inputShape, positiveInt } from "./checks.ts";
import { type Initializer, zeros } from "./init.ts";
import { glorotUniform } from "./init_scaling.ts";
import { type Layer, statelessLayer } from "./layer.ts";
import { outputShapeOf } from "./shape_of.ts";

/** Options of the `conv2d` layer: the convolution's (strides, padding, dilation) and the parameters'. */
export interface Conv2dLayerOptions extends Conv2dOptions {
  /** Add a bias per filter (default true). */
  readonly useBias?: boolean;
  /** The kernel's initializer (default Glorot uniform, fans counted over the receptive field, as Keras). */
  readonly init?: Initializer;
  /** The bias's initializer (default zeros). */
  readonly biasInit?: Initializer;
  /** The parameters' dtype (default float32; float64 for gradient checks and precise fits). */
  readonly dtype?: FloatDType;
}

/** A convolution layer's parameters: the kernel `w` `[KH, KW, C, filters]` and, with `useBias`, `b` `[filters]`. */
export type Conv2dParams = {
  readonly w: Tensor;
  readonly b?: Tensor;
};

const kernelPair = (kernel: Pair): readonly [number, number] => {
  const [kh, kw] = typeof kernel === "number" ? [kernel, kernel] : Array.isArray(kernel) ? kernel : [NaN, NaN];
  if (Array.isArray(kernel) && kernel.length !== 2) {
    throw new ValueError("conv2d", `kernel must be a number or [kh, kw], got ${JSON.stringify(kernel)}`);
  }
  return [positiveInt("conv2d", "kernel height", kh), positiveInt("conv2d", "kernel width", kw)];
};

/**
 * A 2-D convolution layer with `filters` output channels and a `kernel`
 * window (`k` or `[kh, kw]`): images `[N, H, W, C]` → `[N, OH, OW, filters]`,
 * `y = conv2d(x, w, { strides, padding, dilation }) + b` (cross-correlation,
 * as every deep-learning library; see the core `conv2d` for the sizes and
 * `padding: "same"`). The kernel `w` is `[kh, kw, C, filters]` (HWIO),
 * Glorot uniform with fan-in `kh·kw·C` and fan-out `kh·kw·filters` (Keras's
 * default); the bias starts at zero.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { layers, random, zeros } from "../mod.ts";
 * const conv = layers.conv2d(8, 3, { padding: "same" });
 * const { params, outputShape } = conv.init(random.key(0), [2, 28, 28, 1]);
 * assert.deepEqual([params.w.shape, params.b?.shape, outputShape], [[3, 3, 1, 8], [8], [2, 28, 28, 8]]);
 * assert.deepEqual(conv.apply(params, zeros([2, 28, 28, 1])).shape, [2, 28, 28, 8]);
 * assert.deepEqual(layers.conv2d(4, [3, 2], { strides: 2 }).init(random.key(0), [1, 9, 9, 3]).outputShape, [1, 4, 4, 4]);
 * ```
 */
export const conv2d = (filters: number, kernel: Pair, opts: Conv2dLayerOptions = {}): Layer<Conv2dParams> => {
  const f = positiveInt("conv2d", "filters", filters);
  const [kh, kw] = kernelPair(kernel);
  const useBias = opts.useBias ?? true;
  const init = opts.init ?? glorotUniform;
  const biasInit = opts.biasInit ?? zeros;
  const convOpts: Conv2dOptions = { strides: opts.strides, padding: opts.padding, dilation: opts.dilation };
  return statelessLayer<Conv2dParams>({
    name: "conv2d",
    init: (key, shape) => {
      const s = inputShape("conv2d", shape, { exact: 4 });
      const [kW, kB] = split(key);
      const w = init(kW, [kh, kw, s[3], f], opts.dtype);
      const params: Conv2dParams = useBias ? { w, b: biasInit(kB, [f], opts.dtype) } : { w };
      // Traced with the real kernel, so bad strides or padding fail here, with the op's message.
      return { params, state: {}, outputShape: outputShapeOf((x) => conv2dOp(x, w, convOpts), s, w.dtype) };
    },
    apply: ({ w, b }, x) => {
      if (!(w instanceof Tensor)) throw new ValueError("conv2d", "params.w is missing (use the params init returns)");
      if (useBias && !(b instanceof Tensor)) {
        throw new ValueError("conv2d", "params.b is missing (the layer was made with useBias: true)");
      }
      const y = conv2dOp(x, w, convOpts);
      return useBias ? add(y, b as Tensor) : y;
    },
  });
};
