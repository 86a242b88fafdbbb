/**
 * Normalization layers: layer norm (over each example's features) and batch
 * norm (over the batch, with running statistics kept in the state tree).
 *
 * @module
 */
import { ShapeError, ValueError } from "../core/errors.ts";
import { ones as onesOf, zeros as zerosOf } from "../core/creation.ts";
import { add, mean, mul, rsqrt, stopGradient, sub, variance } from "../core/ops/mod.ts";
import { requireFloat } from "../core/prims/checks.ts";
import { formatShape } from "../core/shape.ts";
import { Tensor } from "../core/tensor.ts";
import { inputShape } from "./checks.ts";
import { type Layer, statefulLayer, statelessLayer } from "./layer.ts";

/** Options of `layerNorm`. */
export interface LayerNormOptions {
  /** Added to the variance before the square root (default 1e-5, as PyTorch). */
  readonly eps?: number;
  /** Learn a per-feature scale `scale` (default true; starts at 1). */
  readonly useScale?: boolean;
  /** Learn a per-feature shift `bias` (default true; starts at 0). */
  readonly useBias?: boolean;
}

/** Options of `batchNorm`. */
export interface BatchNormOptions extends LayerNormOptions {
  /** Weight of the batch in the running averages (default 0.1, PyTorch's convention). */
  readonly momentum?: number;
}

/** A normalization layer's parameters (each present when its option is on). */
export type NormParams = {
  readonly scale?: Tensor;
  readonly bias?: Tensor;
};

/** Batch norm's state: running mean and (unbiased) variance per feature. */
export type BatchNormState = {
  readonly mean: Tensor;
  readonly var: Tensor;
};

const positiveEps = (op: string, eps: unknown): number => {
  if (typeof eps !== "number" || !(eps > 0) || !Number.isFinite(eps)) {
    throw new ValueError(op, `eps must be a positive finite number, got ${String(eps)}`);
  }
  return eps;
};

const affineParams = (features: number, o: LayerNormOptions): NormParams => ({
  ...(o.useScale ?? true ? { scale: onesOf([features]) } : {}),
  ...(o.useBias ?? true ? { bias: zerosOf([features]) } : {}),
});

/** (x − m)·rsqrt(v + eps), then the learned scale and shift where present. */
const normalize = (op: string, p: NormParams, o: LayerNormOptions, x: Tensor, m: Tensor, v: Tensor, eps: number) => {
  let y = mul(sub(x, m), rsqrt(add(v, eps)));
  for (const [name, on] of [["scale", o.useScale ?? true], ["bias", o.useBias ?? true]] as const) {
    const t = p[name];
    if (!on) continue;
    if (!(t instanceof Tensor)) throw new ValueError(op, `params.${name} is missing (use the params init returns)`);
    if (t.ndim !== 1 || t.shape[0] !== x.shape[x.ndim - 1]) {
      throw new ShapeError(
        op,
        `input ${formatShape(x.shape)} must end in the ${t.shape[0]} features of params.${name} ${
          formatShape(t.shape)
        }`,
      );
    }
    y = name === "scale" ? mul(y, t) : add(y, t);
  }
  return y;
};

const lastAxis = (op: string, x: Tensor, minRank: number, features?: number): void => {
  requireFloat(op, x);
  if (x.ndim < minRank || (features !== undefined && x.shape[x.ndim - 1] !== features)) {
    throw new ShapeError(
      op,
      `input ${formatShape(x.shape)} must have rank ≥ ${minRank}` +
        (features === undefined ? "" : ` and end in the ${features} features the layer was made for`),
    );
  }
};

/**
 * Layer normalization over the last axis (Ba et al. 2016; PyTorch's
 * `LayerNorm(d)`): each example's features are shifted to mean 0 and scaled
 * to variance 1 (the biased variance, as PyTorch), then multiplied by
 * `scale` (starts at 1) and shifted by `bias` (starts at 0):
 * `y = (x − mean)/√(var + eps)·scale + bias`. No state; the same in training
 * and at inference.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { layers, random, tensor } from "../mod.ts";
 * const ln = layers.layerNorm();
 * const { params } = ln.init(random.key(0), [1, 4]);
 * const y = ln.apply(params, tensor([[1, 2, 3, 4]], { dtype: "float32" })).toArray() as number[][];
 * assert.ok(Math.abs(y[0].reduce((a, b) => a + b)) < 1e-6);
 * ```
 */
export const layerNorm = (opts: LayerNormOptions = {}): Layer<NormParams> => {
  const eps = positiveEps("layerNorm", opts.eps ?? 1e-5);
  return statelessLayer<NormParams>({
    name: "layerNorm",
    init: (_key, shape) => {
      const s = inputShape("layerNorm", shape, { min: 1 });
      return { params: affineParams(s[s.length - 1], opts), state: {}, outputShape: s };
    },
    apply: (params, x) => {
      lastAxis("layerNorm", x, 1);
      return normalize("layerNorm", params, opts, x, mean(x, -1, true), variance(x, -1, true), eps);
    },
  });
};

/**
 * Batch normalization (Ioffe & Szegedy 2015) over every axis but the last
 * (features of `[N, D]`, channels of NHWC images), as PyTorch's
 * `BatchNorm1d`/`BatchNorm2d`:
 *
 * - training (`ctx.training`): normalizes with the batch's mean and biased
 *   variance, and returns as the new state the running averages
 *   `running = (1 − m)·running + m·batch` (PyTorch's convention, m =
 *   `momentum` = 0.1; Flax and Keras weight the old value by their momentum
 *   0.99 instead), with the batch variance unbiased (×n/(n − 1)) as PyTorch
 *   stores it. The statistics enter the state through `stopGradient`.
 * - inference: normalizes with the running mean and variance from the
 *   state (starting at 0 and 1), and returns the state unchanged.
 *
 * Then `scale` (starts at 1) and `bias` (starts at 0). The state is a new
 * tree; nothing is mutated. The layer is stateful: run it with
 * `applyWithState(params, state, x, ctx)`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { layers, random, tensor } from "../mod.ts";
 * const bn = layers.batchNorm();
 * const { params, state } = bn.init(random.key(0), [4, 1]);
 * const x = tensor([[1], [2], [3], [6]]);
 * const [, next] = bn.applyWithState(params, state, x, { training: true });
 * // running mean 0.9·0 + 0.1·3, running var 0.9·1 + 0.1·(14/3)
 * assert.ok(Math.abs(next.mean.item() - 0.3) < 1e-6);
 * assert.ok(Math.abs(next.var.item() - (0.9 + 0.1 * 14 / 3)) < 1e-6);
 * assert.equal(state.mean.item(), 0); // the old state is untouched
 * ```
 */
export const batchNorm = (opts: BatchNormOptions = {}): Layer<NormParams, BatchNormState> => {
  const eps = positiveEps("batchNorm", opts.eps ?? 1e-5);
  const m = opts.momentum ?? 0.1;
  if (typeof m !== "number" || !(m >= 0 && m <= 1)) {
    throw new ValueError("batchNorm", `momentum must be in [0, 1], got ${String(m)}`);
  }
  return statefulLayer<NormParams, BatchNormState>({
    name: "batchNorm",
    init: (_key, shape) => {
      const s = inputShape("batchNorm", shape, { min: 2 });
      const f = s[s.length - 1];
      return {
        params: affineParams(f, opts),
        state: { mean: zerosOf([f]), var: onesOf([f]) },
        outputShape: s,
      };
    },
    applyWithState: (params, state, x, ctx) => {
      if (!(state?.mean instanceof Tensor) || !(state?.var instanceof Tensor)) {
        throw new ValueError("batchNorm", "state must be { mean, var } (use the state init returns)");
      }
      lastAxis("batchNorm", x, 2, state.mean.shape[0]);
      if (ctx?.training !== true) {
        return [normalize("batchNorm", params, opts, x, state.mean, state.var, eps), state];
      }
      const axes = x.shape.slice(0, -1).map((_, i) => i);
      const n = x.size / x.shape[x.ndim - 1];
      if (n < 2) {
        throw new ValueError(
          "batchNorm",
          `training needs more than one value per feature, got input ${formatShape(x.shape)}`,
        );
      }
      const bm = mean(x, axes);
      const bv = variance(x, axes);
      const y = normalize("batchNorm", params, opts, x, bm, bv, eps);
      const next: BatchNormState = {
        mean: add(mul(state.mean, 1 - m), mul(stopGradient(bm), m)),
        var: add(mul(state.var, 1 - m), mul(stopGradient(bv), (m * n) / (n - 1))),
      };
      return [y, next];
    },
  });
};
