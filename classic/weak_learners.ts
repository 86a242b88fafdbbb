/**
 * Weak linear classifiers for AdaBoost, fitted to weighted data on the host:
 * decision stumps (one feature, one threshold) and a weighted "pocket"
 * perceptron. Each is a plain-data value, so an ensemble can be printed,
 * saved as JSON, or read back.
 *
 * @module
 */
import { tensor } from "../core/creation.ts";
import type { FloatDType } from "../core/dtype.ts";
import { ShapeError } from "../core/errors.ts";
import { formatShape } from "../core/shape.ts";
import type { Tensor } from "../core/tensor.ts";
import { hostMatrix } from "../layers/perceptron.ts";

/** h(x) = `polarity` where x[feature] > threshold, −`polarity` elsewhere. */
export interface Stump {
  /** Which kind of weak learner this is. */
  readonly kind: "stump";
  /** The feature (column of x) compared. */
  readonly feature: number;
  /** The threshold: a midpoint between two training values, or −∞ for a constant classifier. */
  readonly threshold: number;
  /** +1: above the threshold is class +1; −1: above is class −1. */
  readonly polarity: 1 | -1;
}

/** h(x) = +1 where w·x + b > 0, −1 elsewhere (a perceptron's decision). */
export interface LinearClassifier {
  /** Which kind of weak learner this is. */
  readonly kind: "perceptron";
  /** The weights, one per feature. */
  readonly w: readonly number[];
  /** The bias. */
  readonly b: number;
}

/** A weak learner of an AdaBoost ensemble. */
export type WeakLearner = Stump | LinearClassifier;

/** @internal h(x) ∈ {−1, +1} for each row of the host matrix `data` [n, d]. */
export const weakPredictHost = (h: WeakLearner, data: Float64Array, n: number, d: number): Float64Array => {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    if (h.kind === "stump") out[i] = data[i * d + h.feature] > h.threshold ? h.polarity : -h.polarity;
    else {
      let s = h.b;
      for (let k = 0; k < d; k++) s += h.w[k] * data[i * d + k];
      out[i] = s > 0 ? 1 : -1;
    }
  }
  return out;
};

/** @internal Σᵢ Dᵢ·[h(xᵢ) ≠ tᵢ], summed directly (not from running sums) so ε is as exact as it can be. */
export const weightedError = (pred: Float64Array, t: Float64Array, dist: Float64Array): number => {
  let e = 0;
  for (let i = 0; i < pred.length; i++) if (pred[i] !== t[i]) e += dist[i];
  return e;
};

/** @internal Each feature's row order by value, computed once per data set (weights change, orders do not). */
export const featureOrders = (data: Float64Array, n: number, d: number): Int32Array[] =>
  Array.from(
    { length: d },
    (_, f) => Int32Array.from({ length: n }, (_, i) => i).sort((i, j) => data[i * d + f] - data[j * d + f]),
  );

/**
 * @internal The stump of least weighted error, by one sweep per feature over
 * the sorted values: moving one point below the threshold changes the error
 * of polarity +1 by ±Dᵢ, and polarity −1 errs on the rest. Thresholds are the
 * midpoints between distinct values (and −∞). Ties go to the lowest feature,
 * then the lowest threshold, then polarity +1.
 */
export const fitStump = (
  data: Float64Array,
  n: number,
  d: number,
  t: Float64Array,
  dist: Float64Array,
  orders: readonly Int32Array[],
): Stump => {
  let total = 0;
  let negative = 0;
  for (let i = 0; i < n; i++) {
    total += dist[i];
    if (t[i] < 0) negative += dist[i];
  }
  let best: Stump = { kind: "stump", feature: 0, threshold: -Infinity, polarity: 1 };
  let bestErr = Infinity;
  const consider = (feature: number, threshold: number, errPlus: number) => {
    if (errPlus < bestErr) [best, bestErr] = [{ kind: "stump", feature, threshold, polarity: 1 }, errPlus];
    if (total - errPlus < bestErr) {
      [best, bestErr] = [{ kind: "stump", feature, threshold, polarity: -1 }, total - errPlus];
    }
  };
  for (let f = 0; f < d; f++) {
    const order = orders[f];
    // Threshold −∞: everything is above it, so polarity +1 errs on the negatives.
    let errPlus = negative;
    consider(f, -Infinity, errPlus);
    for (let j = 0; j < n - 1; j++) {
      const i = order[j];
      errPlus += t[i] > 0 ? dist[i] : -dist[i];
      const v = data[i * d + f];
      const next = data[order[j + 1] * d + f];
      if (next > v) consider(f, v + (next - v) / 2, errPlus);
    }
  }
  return best;
};

/**
 * @internal A perceptron on weighted data with Gallant's "pocket": the
 * mistake-driven rule with each update scaled by n·Dᵢ (so uniform weights
 * give the plain rule), run for `epochs` passes in order, keeping the
 * weights of least weighted error seen after any update (starting from
 * w = 0). On data that are not separable the plain perceptron never
 * settles; the pocket makes it a usable weak learner. Checking after every
 * update costs O(n·d) per update, so O(n²·d) per pass: fine for a few
 * thousand points; use stumps beyond.
 */
export const fitPocketPerceptron = (
  data: Float64Array,
  n: number,
  d: number,
  t: Float64Array,
  dist: Float64Array,
  epochs: number,
): LinearClassifier => {
  const w = new Float64Array(d);
  let b = 0;
  // The scores w·xᵢ + b of every point, kept up to date after each update (O(n·d) per update), so that the
  // pocket can compare the weighted error after every update, as Gallant's pocket algorithm does.
  const score = new Float64Array(n);
  const errorOf = () => {
    let e = 0;
    for (let i = 0; i < n; i++) if ((score[i] > 0 ? 1 : -1) !== t[i]) e += dist[i];
    return e;
  };
  let best: LinearClassifier = { kind: "perceptron", w: Array.from(w), b };
  let bestErr = errorOf();
  for (let e = 0; e < epochs && bestErr > 0; e++) {
    let mistakes = 0;
    for (let i = 0; i < n; i++) {
      if (t[i] * score[i] > 0) continue;
      const step = n * dist[i] * t[i];
      for (let k = 0; k < d; k++) w[k] += step * data[i * d + k];
      b += step;
      mistakes++;
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let k = 0; k < d; k++) s += data[j * d + k] * data[i * d + k];
        score[j] += step * (s + 1);
      }
      const err = errorOf();
      if (err < bestErr) [best, bestErr] = [{ kind: "perceptron", w: Array.from(w), b }, err];
    }
    if (mistakes === 0) break;
  }
  return best;
};

/**
 * A weak learner's predictions h(x) ∈ {−1, +1} for the rows of `x` `[n, d]`,
 * as a tensor `[n]` in `x`'s dtype.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { classic, tensor } from "../mod.ts";
 * const stump: classic.Stump = { kind: "stump", feature: 1, threshold: 0.5, polarity: -1 };
 * assert.deepEqual(classic.weakPredict(stump, tensor([[9, 0], [9, 1]])).toArray(), [1, -1]);
 * const line: classic.LinearClassifier = { kind: "perceptron", w: [1, 1], b: -1 };
 * assert.deepEqual(classic.weakPredict(line, tensor([[0, 0], [1, 1]])).toArray(), [-1, 1]);
 * ```
 */
export const weakPredict = (h: WeakLearner, x: Tensor): Tensor => {
  const { data, n, d } = hostMatrix("weakPredict", x);
  const need = h.kind === "stump" ? h.feature + 1 : h.w.length;
  if (h.kind === "stump" ? d < need : d !== need) {
    throw new ShapeError("weakPredict", `the learner needs ${need} features, x has shape ${formatShape(x.shape)}`);
  }
  return tensor(weakPredictHost(h, data, n, d), { dtype: x.dtype as FloatDType });
};
