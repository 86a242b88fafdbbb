/**
 * The dense (fully connected) layer: y = x·w + b over the last axis.
 *
 * @module
 */
import type { FloatDType } from "../core/dtype.ts";
import { ShapeError, ValueError } from "../core/errors.ts";
import { add, matmul, reshape } from "../core/ops/mod.ts";
import { split } from "../core/random/mod.ts";
import { formatShape } from "../core/shape.ts";
import { Tensor } from "../core/tensor.ts";
import { inputShape, positiveInt } from "./checks.ts";
import { type Initializer, zeros } from "./init.ts";
import { glorotUniform } from "./init_scaling.ts";
import { type Layer, statelessLayer } from "./layer.ts";

/** Options of `dense`. */
export interface DenseOptions {
  /** Add a bias `b` (default true). */
  readonly useBias?: boolean;
  /** The kernel's initializer (default Glorot uniform, as Keras). */
  readonly init?: Initializer;
  /** The bias's initializer (default zeros). */
  readonly biasInit?: Initializer;
  /** The parameters' dtype (default float32; float64 for gradient checks and precise fits). */
  readonly dtype?: FloatDType;
}

/** A dense layer's parameters: the kernel `w` `[in, out]` and, with `useBias`, the bias `b` `[out]`. */
export type DenseParams = {
  readonly w: Tensor;
  readonly b?: Tensor;
};

/**
 * A dense layer of `units` outputs: `y = x·w + b`, with `w` `[in, units]`
 * and `b` `[units]`, acting on the last axis of an input of any rank ≥ 1
 * (`[..., in]` → `[..., units]`). The kernel starts Glorot uniform and the
 * bias at zero (Keras's defaults; PyTorch's `Linear` draws both from
 * U(±1/√in) instead); pass `init` / `biasInit` to change them. The kernel
 * and bias come from two keys split from the one `init` is given.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { layers, random, zeros } from "../mod.ts";
 * const layer = layers.dense(3);
 * const { params, outputShape } = layer.init(random.key(0), [8, 5]);
 * assert.deepEqual([params.w.shape, params.b?.shape, outputShape], [[5, 3], [3], [8, 3]]);
 * assert.deepEqual(layer.apply(params, zeros([8, 5])).toArray(), zeros([8, 3]).toArray());
 * assert.deepEqual(layer.apply(params, zeros([2, 7, 5])).shape, [2, 7, 3]);
 * assert.equal(layers.dense(3, { dtype: "float64" }).init(random.key(0), [8, 5]).params.w.dtype, "float64");
 * ```
 */
export const dense = (units: number, opts: DenseOptions = {}): Layer<DenseParams> => {
  const n = positiveInt("dense", "units", units);
  const useBias = opts.useBias ?? true;
  const init = opts.init ?? glorotUniform;
  const biasInit = opts.biasInit ?? zeros;
  return statelessLayer<DenseParams>({
    name: "dense",
    init: (key, shape) => {
      const s = inputShape("dense", shape, { min: 1 });
      const [kw, kb] = split(key);
      const w = init(kw, [s[s.length - 1], n], opts.dtype);
      const params: DenseParams = useBias ? { w, b: biasInit(kb, [n], opts.dtype) } : { w };
      return { params, state: {}, outputShape: [...s.slice(0, -1), n] };
    },
    apply: (params, x) => {
      const { w, b } = params;
      if (!(w instanceof Tensor) || w.ndim !== 2) {
        throw new ValueError("dense", `params.w must be a [in, ${n}] tensor (from init), got ${String(w)}`);
      }
      if (useBias && !(b instanceof Tensor)) {
        throw new ValueError("dense", "params.b is missing (the layer was made with useBias: true)");
      }
      if (x.ndim === 0 || x.shape[x.ndim - 1] !== w.shape[0]) {
        throw new ShapeError(
          "dense",
          `input ${formatShape(x.shape)} must end in ${w.shape[0]} features, as w ${formatShape(w.shape)} expects`,
        );
      }
      // One 2-D product for any rank: [..., in] → [rows, in] · [in, units].
      const lead = x.shape.slice(0, -1);
      const y = x.ndim <= 2 ? matmul(x, w) : reshape(
        matmul(reshape(x, [lead.reduce((a, c) => a * c, 1), w.shape[0]]), w),
        [...lead, w.shape[1]],
      );
      return useBias ? add(y, b as Tensor) : y;
    },
  });
};
