/**
 * AdaBoost (Freund & Schapire, 1997) over weak linear classifiers, for labels
 * t ∈ {−1, +1}. The weights D start uniform; round t fits a weak learner
 * h_t to the weighted data, with weighted error ε_t = Σᵢ Dᵢ·[h_t(xᵢ) ≠ tᵢ],
 * gives it the vote α_t = ½·log((1 − ε_t)/ε_t), and reweights
 *
 *     Dᵢ ← Dᵢ·exp(−α_t·tᵢ·h_t(xᵢ)) / Z_t   (Z_t makes Σ Dᵢ = 1),
 *
 * so the points h_t got wrong carry exactly half the weight in the next
 * round. The ensemble predicts sign(Σ_t α_t·h_t(x)). This is the discrete
 * algorithm of scikit-learn's `AdaBoostClassifier(algorithm="SAMME")` for two
 * classes, whose α is twice ours (the same classifier: only the scale of the
 * vote differs).
 *
 * Edge cases, decided as follows:
 * - ε_t = 0 (h_t is perfect on the weighted data): α_t would be infinite.
 *   ε_t is clamped to `minError` (default 1e-10, so α_t ≈ 11.5), h_t is
 *   kept, and boosting stops (`stopReason: "perfect"`): the reweighting
 *   would leave D unchanged and pick h_t again forever.
 * - ε_t ≥ ½ (to within 1e-12): h_t is no better than chance, α_t ≤ 0. It is
 *   dropped and boosting stops (`stopReason: "chance"`), as scikit-learn
 *   does. A stump never errs more than ½ (its flipped polarity would err
 *   less); a perceptron that does is flipped first. If this happens in the
 *   first round the ensemble is empty and predicts −1 everywhere.
 *
 * @module
 */
import { tensor } from "../core/creation.ts";
import type { FloatDType } from "../core/dtype.ts";
import { ShapeError, ValueError } from "../core/errors.ts";
import { formatShape } from "../core/shape.ts";
import type { Tensor } from "../core/tensor.ts";
import { positiveInt } from "../core/args.ts";
import { hostMatrix, hostSignLabels } from "../layers/perceptron.ts";
import {
  featureOrders,
  fitPocketPerceptron,
  fitStump,
  type LinearClassifier,
  type WeakLearner,
  weakPredictHost,
  weightedError,
} from "./weak_learners.ts";

/** Options of `adaBoost`. */
export interface AdaBoostOptions {
  /** The most boosting rounds (weak learners). */
  readonly rounds: number;
  /**
   * `"stump"` (default): the decision stump of least weighted error, found exactly by one sweep per feature
   * (O(n·d) per round after one sort). `"perceptron"`: a perceptron on the weighted data (each update scaled
   * by n·Dᵢ) with Gallant's pocket, keeping the weights of least weighted error seen after any update; it
   * costs O(n²·d) per pass, so suits a few thousand points.
   */
  readonly weakLearner?: "stump" | "perceptron";
  /** Passes of each perceptron over the data (default 20). */
  readonly perceptronEpochs?: number;
  /** The floor for ε_t when a weak learner is perfect (default 1e-10). */
  readonly minError?: number;
}

/** A fitted AdaBoost ensemble. */
export interface AdaBoost {
  /** The weak learners h_t, in order. */
  readonly learners: readonly WeakLearner[];
  /** Their votes α_t = ½·log((1 − ε_t)/ε_t). */
  readonly alphas: readonly number[];
  /** Their weighted training errors ε_t. */
  readonly errors: readonly number[];
  /** `[rounds + 1, n]` float64: row t is the distribution round t + 1 was fitted on; the last row is the final one. */
  readonly weights: Tensor;
  /** Why boosting ended: all `rounds` ran, a perfect learner, or a learner no better than chance. */
  readonly stopReason: "rounds" | "perfect" | "chance";
  /** The vote Σ_t α_t·h_t(x) over the first `rounds` learners (default all), shape `[n]`. */
  decision(x: Tensor, rounds?: number): Tensor;
  /** sign of the vote: +1 where it is > 0, −1 elsewhere, shape `[n]`. */
  predict(x: Tensor, rounds?: number): Tensor;
}

/**
 * Boosts weak linear classifiers on `x` `[n, d]` (float) with labels `t`
 * `[n]` in {−1, +1}; see the module doc for the algorithm and its edge cases.
 *
 * @example Stumps learn an interval that no single stump can
 * ```ts
 * import assert from "node:assert/strict";
 * import { classic, tensor } from "../mod.ts";
 * const x = tensor([[1], [2], [3], [4], [5], [6]]);
 * const t = tensor([-1, -1, 1, 1, -1, -1]);
 * const model = classic.adaBoost(x, t, { rounds: 5 });
 * assert.deepEqual(model.predict(x).toArray(), [-1, -1, 1, 1, -1, -1]);
 * const [e1] = model.errors;
 * assert.ok(Math.abs(e1 - 1 / 3) < 1e-12); // the best single stump misses 2 of 6
 * assert.ok(Math.abs(model.alphas[0] - 0.5 * Math.log(2)) < 1e-12);
 * ```
 */
export const adaBoost = (x: Tensor, t: Tensor, opts: AdaBoostOptions): AdaBoost => {
  const op = "adaBoost";
  const { data, n, d } = hostMatrix(op, x);
  const y = hostSignLabels(op, t, n);
  if (n === 0) throw new ValueError(op, "x has no rows");
  const rounds = positiveInt(op, "rounds", opts.rounds);
  const kind = opts.weakLearner ?? "stump";
  if (kind !== "stump" && kind !== "perceptron") {
    throw new ValueError(op, `weakLearner must be "stump" or "perceptron", got ${JSON.stringify(kind)}`);
  }
  const epochs = positiveInt(op, "perceptronEpochs", opts.perceptronEpochs ?? 20);
  const minError = opts.minError ?? 1e-10;
  if (!(minError > 0 && minError < 0.5)) throw new ValueError(op, `minError must be in (0, ½), got ${minError}`);
  const orders = kind === "stump" ? featureOrders(data, n, d) : [];

  let dist = new Float64Array(n).fill(1 / n);
  const history: Float64Array[] = [dist];
  const learners: WeakLearner[] = [];
  const alphas: number[] = [];
  const errors: number[] = [];
  let stopReason: AdaBoost["stopReason"] = "rounds";
  for (let r = 0; r < rounds; r++) {
    let h: WeakLearner = kind === "stump"
      ? fitStump(data, n, d, y, dist, orders)
      : fitPocketPerceptron(data, n, d, y, dist, epochs);
    let pred = weakPredictHost(h, data, n, d);
    let eps = weightedError(pred, y, dist);
    if (eps > 0.5 && h.kind === "perceptron") {
      h = flip(h);
      pred = weakPredictHost(h, data, n, d);
      eps = weightedError(pred, y, dist);
    }
    if (eps >= 0.5 - 1e-12) {
      stopReason = "chance";
      break;
    }
    const alpha = 0.5 * Math.log((1 - Math.max(eps, minError)) / Math.max(eps, minError));
    const next = new Float64Array(n);
    let z = 0;
    for (let i = 0; i < n; i++) {
      next[i] = dist[i] * Math.exp(-alpha * y[i] * pred[i]);
      z += next[i];
    }
    for (let i = 0; i < n; i++) next[i] /= z;
    learners.push(h);
    alphas.push(alpha);
    errors.push(eps);
    dist = next;
    history.push(dist);
    if (eps === 0) {
      stopReason = "perfect";
      break;
    }
  }

  const weights = new Float64Array(history.length * n);
  history.forEach((row, i) => weights.set(row, i * n));
  const decision = (xs: Tensor, upTo: number = learners.length): Tensor => {
    const { data: xd, n: m, d: dx } = hostMatrix("adaBoost.decision", xs);
    if (dx !== d) {
      throw new ShapeError(
        "adaBoost.decision",
        `x must have ${d} features (as in training), got ${formatShape(xs.shape)}`,
      );
    }
    if (!Number.isInteger(upTo) || upTo < 0 || upTo > learners.length) {
      throw new ValueError("adaBoost.decision", `rounds must be an integer in [0, ${learners.length}], got ${upTo}`);
    }
    const f = new Float64Array(m);
    for (let k = 0; k < upTo; k++) {
      const p = weakPredictHost(learners[k], xd, m, d);
      for (let i = 0; i < m; i++) f[i] += alphas[k] * p[i];
    }
    return tensor(f, { dtype: xs.dtype as FloatDType });
  };
  const predict = (xs: Tensor, upTo?: number): Tensor => {
    const f = decision(xs, upTo).toTypedArray();
    return tensor(f.map((v) => (v > 0 ? 1 : -1)), { dtype: xs.dtype as FloatDType });
  };
  return {
    learners,
    alphas,
    errors,
    weights: tensor(weights, { dtype: "float64", shape: [history.length, n] }),
    stopReason,
    decision,
    predict,
  };
};

/** The opposite classifier: −(w·x + b) > 0 where w·x + b < 0. */
const flip = (h: LinearClassifier): LinearClassifier => ({ kind: "perceptron", w: h.w.map((v) => -v), b: -h.b });
