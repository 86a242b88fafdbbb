/**
 * Losses from maximum likelihood: a model f(x; θ) outputs the parameters φ
 * of a distribution over the target y, and the loss is −log P(y | φ). A
 * head names that distribution and how φ is laid out, and gives the loss
 * (`nll`), the point predictions for inference (`mode`, `mean`) and draws
 * (`sample`, from an explicit key).
 *
 * - `normal({ sigma })`: φ = μ, σ fixed; the NLL is least squares scaled by
 *   1/(2σ²) plus a constant.
 * - `normal({ learnedSigma })`: φ = [μ | ρ] on the last axis (first half
 *   the means, second half the raw scales), σ = exp(ρ) or softplus(ρ).
 * - `bernoulli()`: φ = logits; the NLL is binary cross-entropy with logits.
 * - `categorical()`: φ = logits over the last axis; the NLL is softmax
 *   cross-entropy.
 *
 * @module
 */
import { DTypeError, ShapeError, ValueError } from "../core/errors.ts";
import {
  add,
  argmax,
  cast,
  div,
  exp,
  greater,
  less,
  mul,
  neg,
  sigmoid,
  slice,
  softmax,
  softplus,
  square,
  sub,
} from "../core/ops/mod.ts";
import { categorical as sampleCategorical, type Key, normal as sampleNormal, uniform } from "../core/random/mod.ts";
import { full } from "../core/creation.ts";
import { formatShape } from "../core/shape.ts";
import type { Tensor } from "../core/tensor.ts";
import type { FloatDType } from "../core/dtype.ts";
import { binaryCrossEntropyWithLogitsAs } from "./binary.ts";
import { requireFloatTensor, requirePair } from "./checks.ts";
import { softmaxCrossEntropyAs } from "./classification.ts";
import { type LossOptions, reduceLoss } from "./reduction.ts";
import { logSoftplus } from "./stable.ts";

/** A distribution over targets, parameterised by a model's output φ. */
export interface DistributionHead {
  /** `"normal"`, `"bernoulli"` or `"categorical"` (errors read `normal.nll: …`). */
  readonly name: string;
  /** −log P(y | φ), reduced as the losses are (default `"mean"`; `"sum"` is the data set's NLL). */
  nll(phi: Tensor, y: Tensor, opts?: LossOptions): Tensor;
  /** The most probable y (inference by maximum likelihood). */
  mode(phi: Tensor): Tensor;
  /** The expected y. */
  mean(phi: Tensor): Tensor;
  /** One draw of y per element (per example, for `categorical`). */
  sample(key: Key, phi: Tensor): Tensor;
}

/** A Normal head, which also reports its standard deviation. */
export interface NormalHead extends DistributionHead {
  /** σ for each target element: the fixed σ, or exp/softplus of φ's raw scales. */
  stddev(phi: Tensor): Tensor;
}

/** Options of `normal`: a fixed `sigma` (default 1), or a `learnedSigma` link. */
export interface NormalHeadOptions {
  /** The fixed standard deviation (finite, > 0); φ is the mean. */
  readonly sigma?: number;
  /** Learn σ from φ's second half through `exp` (log σ = ρ) or `softplus`. */
  readonly learnedSigma?: "exp" | "softplus";
}

const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

/**
 * A Normal head. The NLL per element is
 * ½·log(2π) + log σ + (y − μ)²/(2σ²): the ½·log(2πσ²) constant is
 * included, so the value is the true −log density (it can be negative for
 * small σ) and models with different σ compare. With `reduction: "mean"`
 * (default) it is averaged over every element of y, as `mse`.
 *
 * Layout: with a fixed `sigma`, φ is μ and has y's shape. With
 * `learnedSigma`, φ has shape `[..., 2·D]` for y of shape `[..., D]`:
 * φ[..., :D] are the means and φ[..., D:] the raw scales ρ, with
 * σ = exp(ρ) (log σ = ρ exactly) or σ = softplus(ρ) (grows linearly, so a
 * large ρ cannot blow σ up; log σ stays finite for very negative ρ). Where
 * σ underflows to 0 (ρ below about −745 in float64) the NLL is ∞ if y ≠ μ,
 * and NaN if y = μ exactly.
 * `mode` and `mean` are μ; `sample` is μ + σ·ε with ε from `random.normal`.
 *
 * @example Fixed σ, and σ learned through exp
 * ```ts
 * import assert from "node:assert/strict";
 * import { losses, random, tensor } from "../mod.ts";
 * const fixed = losses.normal({ sigma: 2 });
 * const y = tensor([1], { dtype: "float64" });
 * const nll = fixed.nll(tensor([0], { dtype: "float64" }), y).item();
 * assert.ok(Math.abs(nll - (0.5 * Math.log(2 * Math.PI * 4) + 1 / 8)) < 1e-12);
 * const learned = losses.normal({ learnedSigma: "exp" });
 * const phi = tensor([[0.5, 0]], { dtype: "float64" }); // μ = 0.5, σ = e⁰ = 1
 * assert.deepEqual(learned.mean(phi).toArray(), [[0.5]]);
 * assert.deepEqual(learned.stddev(phi).toArray(), [[1]]);
 * assert.deepEqual(learned.sample(random.key(0), phi).shape, [1, 1]);
 * ```
 */
export const normal = (opts: NormalHeadOptions = {}): NormalHead => {
  if (opts.sigma !== undefined && opts.learnedSigma !== undefined) {
    throw new ValueError("normal", "give either a fixed sigma or learnedSigma, not both");
  }
  if (opts.learnedSigma !== undefined) return learnedNormal(opts.learnedSigma);
  const sigma = opts.sigma ?? 1;
  if (typeof sigma !== "number" || !Number.isFinite(sigma) || !(sigma > 0)) {
    throw new ValueError("normal", `sigma must be a finite number > 0, got ${String(sigma)}`);
  }
  const constant = HALF_LOG_2PI + Math.log(sigma);
  const mu = (phi: Tensor) => requireFloatTensor("normal", "φ", phi);
  return {
    name: "normal",
    nll: (phi, y, o = {}) => {
      const [m, t] = requirePair("normal.nll", phi, y, ["φ (the means)", "targets"]);
      return reduceLoss("normal.nll", add(mul(square(sub(t, m)), 1 / (2 * sigma * sigma)), constant), o.reduction);
    },
    mode: mu,
    mean: mu,
    stddev: (phi) => full(phi.shape, sigma, { dtype: mu(phi).dtype }),
    sample: (key, phi) => add(mu(phi), sampleNormal(key, phi.shape, { dtype: phi.dtype as FloatDType, std: sigma })),
  };
};

const learnedNormal = (link: "exp" | "softplus"): NormalHead => {
  if (link !== "exp" && link !== "softplus") {
    throw new ValueError("normal", `learnedSigma must be "exp" or "softplus", got ${JSON.stringify(link)}`);
  }
  const split = (op: string, phi: Tensor): [Tensor, Tensor] => {
    const p = requireFloatTensor(op, "φ", phi);
    const last = p.shape[p.ndim - 1];
    if (p.ndim === 0 || last % 2 !== 0) {
      throw new ShapeError(
        op,
        `φ of shape ${formatShape(p.shape)} cannot be split into [means | raw scales]; a learned-σ normal head ` +
          `needs φ of shape [..., 2·D] for targets of shape [..., D]`,
      );
    }
    const lead = p.shape.slice(0, -1).map(() => null);
    return [slice(p, [...lead, { stop: last / 2 }]), slice(p, [...lead, { start: last / 2 }])];
  };
  const logSigma = (rho: Tensor) => (link === "exp" ? rho : logSoftplus(rho));
  const sigmaOf = (rho: Tensor) => (link === "exp" ? exp(rho) : softplus(rho));
  return {
    name: "normal",
    nll: (phi, y, o = {}) => {
      const op = "normal.nll";
      const [mu, rho] = split(op, phi);
      const t = requireFloatTensor(op, "targets", y);
      if (t.shape.length !== mu.shape.length || t.shape.some((d, i) => d !== mu.shape[i])) {
        throw new ShapeError(
          op,
          `φ of shape ${formatShape(phi.shape)} and targets of shape ${formatShape(t.shape)} do not fit; a ` +
            `learned-σ normal head needs φ of shape [..., 2·D] = [means | raw scales] for targets of shape ` +
            `[..., D]: expected φ of shape ${formatShape([...t.shape.slice(0, -1), 2 * (t.shape.at(-1) ?? 1)])}`,
        );
      }
      if (t.dtype !== mu.dtype) {
        throw new DTypeError(op, `φ has dtype ${mu.dtype} but targets have dtype ${t.dtype}; cast one of them`);
      }
      // ½((y − μ)/σ)², with e^(−ρ) for exp so that log σ = ρ and 1/σ never overflow separately
      const z = link === "exp" ? mul(sub(t, mu), exp(neg(rho))) : div(sub(t, mu), softplus(rho));
      return reduceLoss(op, add(add(mul(square(z), 0.5), logSigma(rho)), HALF_LOG_2PI), o.reduction);
    },
    mode: (phi) => split("normal.mode", phi)[0],
    mean: (phi) => split("normal.mean", phi)[0],
    stddev: (phi) => sigmaOf(split("normal.stddev", phi)[1]),
    sample: (key, phi) => {
      const [mu, rho] = split("normal.sample", phi);
      return add(mu, mul(sigmaOf(rho), sampleNormal(key, mu.shape, { dtype: mu.dtype as FloatDType })));
    },
  };
};

/**
 * A Bernoulli head over y ∈ {0, 1}: φ are logits, P(y = 1) = σ(φ). The NLL
 * is `binaryCrossEntropyWithLogits(φ, y)` (stable at any logit); `mean` is
 * σ(φ), `mode` is 1 where φ > 0 and 0 otherwise (ties, P = ½, go to 0), and
 * `sample` draws 0/1 as `uniform < σ(φ)` (one uniform per element, in φ's
 * dtype). Results have φ's shape and dtype.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { losses, random, tensor } from "../mod.ts";
 * const head = losses.bernoulli();
 * const phi = tensor([-2, 0, 3]);
 * assert.deepEqual(head.mode(phi).toArray(), [0, 0, 1]);
 * assert.equal(head.mean(tensor([0])).item(), 0.5);
 * assert.ok((head.sample(random.key(0), phi).toArray() as number[]).every((v) => v === 0 || v === 1));
 * ```
 */
export const bernoulli = (): DistributionHead => {
  const logits = (op: string, phi: Tensor) => requireFloatTensor(op, "φ (logits)", phi);
  return {
    name: "bernoulli",
    nll: (phi, y, o = {}) => binaryCrossEntropyWithLogitsAs("bernoulli.nll", phi, y, o, "φ (logits)"),
    mode: (phi) => cast(greater(logits("bernoulli.mode", phi), 0), phi.dtype),
    mean: (phi) => sigmoid(logits("bernoulli.mean", phi)),
    sample: (key, phi) => {
      const x = logits("bernoulli.sample", phi);
      return cast(less(uniform(key, x.shape, { dtype: x.dtype as FloatDType }), sigmoid(x)), x.dtype);
    },
  };
};

/**
 * A Categorical head over classes 0…C−1: φ are logits on the last axis,
 * P(y = c) = softmax(φ)_c. The NLL is `softmaxCrossEntropy(φ, y)` (y int32
 * class indices of shape `φ.shape[:-1]`, or one-hot/soft float targets);
 * `mode` is argmax (int32, the first of tied classes); `mean` is softmax(φ),
 * the expected one-hot vector (class indices have no meaningful mean);
 * `sample` draws int32 classes with `random.categorical`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { losses, random, tensor } from "../mod.ts";
 * const head = losses.categorical();
 * const phi = tensor([[0, 3, 1], [5, 0, 0]]);
 * assert.deepEqual(head.mode(phi).toArray(), [1, 0]);
 * assert.deepEqual(head.mean(phi).shape, [2, 3]);
 * assert.equal(head.sample(random.key(0), phi).dtype, "int32");
 * ```
 */
export const categorical = (): DistributionHead => {
  const logits = (op: string, phi: Tensor) => {
    const x = requireFloatTensor(op, "φ (logits)", phi);
    if (x.ndim === 0) throw new ShapeError(op, "φ (logits) must have a class axis (the last); got a scalar");
    return x;
  };
  return {
    name: "categorical",
    nll: (phi, y, o = {}) => softmaxCrossEntropyAs("categorical.nll", logits("categorical.nll", phi), y, o),
    mode: (phi) => argmax(logits("categorical.mode", phi), -1),
    mean: (phi) => softmax(logits("categorical.mean", phi), -1),
    sample: (key, phi) => sampleCategorical(key, logits("categorical.sample", phi)),
  };
};
