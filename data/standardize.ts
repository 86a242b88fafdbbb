/**
 * Standardisation to zero mean and unit variance, fitted on the training set
 * and applied unchanged to validation and test data (so no statistic of the
 * held-out data leaks into training), as scikit-learn's `StandardScaler`.
 *
 * @module
 */
import { ShapeError, ValueError } from "../core/errors.ts";
import { add, cast, div, lessEqual, mean, mul, sqrt, square, sub, variance, where } from "../core/ops/mod.ts";
import { isFloat } from "../core/dtype.ts";
import { formatShape } from "../core/shape.ts";
import type { Tensor } from "../core/tensor.ts";

/** Options of `fitStandardizer` and `standardize`. */
export interface StandardizerOptions {
  /**
   * The axes the statistics are taken over (default 0, the examples): one
   * mean and scale per feature. For NHWC images, `[0, 1, 2]` gives one per
   * channel.
   */
  readonly axis?: number | readonly number[];
}

/** A fitted standardisation: `(x − mean) / std`, feature by feature. */
export interface Standardizer {
  /** The training mean, shaped as the data with the reduced axes set to 1 (so it broadcasts). */
  readonly mean: Tensor;
  /**
   * The training standard deviation (population, ddof 0), same shape; 1 at
   * constant features, so they map to 0 instead of dividing by zero.
   */
  readonly std: Tensor;
  /** `(x − mean) / std` for data shaped as the training data (any size along the reduced axes). */
  apply(x: Tensor): Tensor;
  /** `z · std + mean`: back to the original units (e.g. a model's standardised predictions). */
  invert(z: Tensor): Tensor;
}

/**
 * Fits a `Standardizer` on `x` (float32 or float64): the mean and standard
 * deviation over `axis` (default 0). The statistics are accumulated in
 * float64 (two-pass variance) and stored in `x`'s dtype. A feature is
 * constant, and gets a scale of 1, when its variance is within the rounding
 * error of the variance computation, `var ≤ n·ε·var + (n·mean·ε)²` with
 * ε = 2⁻⁵², scikit-learn's test (`_is_constant_feature`); so a column of
 * identical values maps to 0 (to the rounding of its mean), not to noise
 * divided by a tiny deviation.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { data, tensor } from "../mod.ts";
 * const xTrain = tensor([[1, 5], [3, 5]]);
 * const s = data.fitStandardizer(xTrain);
 * assert.deepEqual(s.mean.toArray(), [[2, 5]]);
 * assert.deepEqual(s.std.toArray(), [[1, 1]]); // the constant feature keeps scale 1
 * assert.deepEqual(s.apply(xTrain).toArray(), [[-1, 0], [1, 0]]);
 * assert.deepEqual(s.apply(tensor([[4, 7]])).toArray(), [[2, 2]]); // test data: training statistics
 * assert.deepEqual(s.invert(s.apply(tensor([[4, 7]]))).toArray(), [[4, 7]]);
 * ```
 */
export const fitStandardizer = (x: Tensor, opts: StandardizerOptions = {}): Standardizer => {
  if (!isFloat(x.dtype)) {
    throw new ValueError("fitStandardizer", `x has dtype ${x.dtype}; expected float32 or float64 (cast it first)`);
  }
  const axes = normalizeAxes(x, opts.axis ?? 0);
  const n = axes.reduce((c, a) => c * x.shape[a], 1);
  if (n === 0) throw new ShapeError("fitStandardizer", `x ${formatShape(x.shape)} has no examples along ${axes}`);
  const x64 = cast(x, "float64");
  const m = mean(x64, axes, true);
  const v = variance(x64, axes, true);
  const tol = n * 2 ** -52;
  const constant = lessEqual(v, add(mul(v, tol), square(mul(m, tol))));
  const mu = cast(m, x.dtype);
  const sd = cast(where(constant, 1, sqrt(v)), x.dtype);
  const check = (op: string, t: Tensor): void => {
    const ok = t.ndim === x.ndim && t.shape.every((d, i) => axes.includes(i) || d === x.shape[i]);
    if (!ok) {
      throw new ShapeError(
        op,
        `got shape ${formatShape(t.shape)}; fitted on ${formatShape(x.shape)} over axes [${axes}], ` +
          `so expected rank ${x.ndim} with the other axes equal`,
      );
    }
    if (t.dtype !== x.dtype) throw new ValueError(op, `got dtype ${t.dtype}; fitted on ${x.dtype}`);
  };
  return {
    mean: mu,
    std: sd,
    apply: (t) => {
      check("Standardizer.apply", t);
      return div(sub(t, mu), sd);
    },
    invert: (z) => {
      check("Standardizer.invert", z);
      return add(mul(z, sd), mu);
    },
  };
};

/**
 * Standardises `train` with its own statistics and each of `others`
 * (validation, test) with the training ones: `[train′, ...others′]`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { data, tensor } from "../mod.ts";
 * const [train, test] = data.standardize(tensor([[0], [2]]), tensor([[3]]));
 * assert.deepEqual(train.toArray(), [[-1], [1]]);
 * assert.deepEqual(test.toArray(), [[2]]);
 * ```
 */
export const standardize = (train: Tensor, ...others: Tensor[]): Tensor[] => {
  const s = fitStandardizer(train);
  return [s.apply(train), ...others.map((t) => s.apply(t))];
};

const normalizeAxes = (x: Tensor, axis: number | readonly number[]): number[] => {
  const list = typeof axis === "number" ? [axis] : [...axis];
  const out = list.map((a) => {
    if (!Number.isInteger(a) || a < -x.ndim || a >= x.ndim) {
      throw new ValueError("fitStandardizer", `axis ${a} is out of range for x of shape ${formatShape(x.shape)}`);
    }
    return a < 0 ? a + x.ndim : a;
  });
  if (new Set(out).size !== out.length) throw new ValueError("fitStandardizer", `repeated axis in [${list}]`);
  return out.sort((a, b) => a - b);
};
