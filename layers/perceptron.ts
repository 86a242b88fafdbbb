/**
 * Rosenblatt's perceptron with its mistake-driven rule, the course's first
 * learning algorithm. For labels t ∈ {−1, +1}, a point is a mistake when
 * t·(w·x + b) ≤ 0, and a mistake updates
 *
 *     w ← w + η·t·x,   b ← b + η·t.
 *
 * The data are visited in order (or in a fresh permutation per epoch drawn
 * from a key) until an epoch makes no mistake or `maxEpochs` have run. On
 * linearly separable data this stops after finitely many updates: with the
 * bias folded in as a constant feature (x̃ = (x, 1), w̃ = (w, b)), Novikoff's
 * theorem bounds the number of updates by (R/γ)², R = maxᵢ ‖x̃ᵢ‖ and
 * γ = maxᵤ minᵢ tᵢ·ũ·x̃ᵢ over unit vectors ũ, whatever η > 0 and the order.
 *
 * The loop is scalar and sequential, so it runs on host arrays in float64;
 * the parameters come back as tensors in the data's dtype.
 *
 * @module
 */
import { positiveInt } from "../core/args.ts";
import { tensor } from "../core/creation.ts";
import type { FloatDType } from "../core/dtype.ts";
import { DTypeError, ShapeError, ValueError } from "../core/errors.ts";
import { add, greater, mul, sub } from "../core/prims/binary.ts";
import { matmul } from "../core/prims/linalg.ts";
import { cast } from "../core/prims/misc.ts";
import { reshape } from "../core/prims/shape.ts";
import { foldIn, type Key } from "../core/random/key.ts";
import { permutation } from "../core/random/discrete.ts";
import { formatShape } from "../core/shape.ts";
import type { Tensor } from "../core/tensor.ts";

/** A linear classifier's parameters: weights `w` of shape `[d]` and a scalar bias `b`. */
export interface PerceptronParams {
  /** The weights, shape `[d]`. */
  readonly w: Tensor;
  /** The bias, shape `[]`. */
  readonly b: Tensor;
}

/** Options of `perceptron`. */
export interface PerceptronOptions {
  /** The step η > 0 (default 1). From w = 0 it only scales w and b, so it changes no prediction. */
  readonly lr?: number;
  /** The most passes over the data (default 1000). */
  readonly maxEpochs?: number;
  /** When given, epoch e visits the points in `permutation(foldIn(key, e), n)`; otherwise in order. */
  readonly key?: Key;
}

/** What `perceptron` returns. */
export interface PerceptronResult {
  /** The learned `{ w, b }`, in the data's dtype. */
  readonly params: PerceptronParams;
  /** How many mistakes (updates) were made in all. */
  readonly updates: number;
  /** How many passes over the data ran (the last one mistake-free if `converged`). */
  readonly epochs: number;
  /** True when an epoch made no mistake: the training data are separated. */
  readonly converged: boolean;
}

/** @internal The rows of a float matrix `[n, d]` on the host, in float64. */
export const hostMatrix = (op: string, x: Tensor, name = "x"): { data: Float64Array; n: number; d: number } => {
  if (x.ndim !== 2) throw new ShapeError(op, `${name} must be a matrix [n, d], got shape ${formatShape(x.shape)}`);
  if (x.dtype !== "float32" && x.dtype !== "float64") {
    throw new DTypeError(op, `${name} has dtype ${x.dtype}; expected float32 or float64 (cast it first)`);
  }
  return { data: Float64Array.from(x.toTypedArray()), n: x.shape[0], d: x.shape[1] };
};

/** @internal Labels `[n]` that must all be −1 or +1, on the host. */
export const hostSignLabels = (op: string, t: Tensor, n: number): Float64Array => {
  if (t.ndim !== 1 || t.shape[0] !== n) {
    throw new ShapeError(op, `labels t must have shape [${n}] (one per row of x), got ${formatShape(t.shape)}`);
  }
  const v = Float64Array.from(t.toTypedArray());
  const bad = v.findIndex((y) => y !== 1 && y !== -1);
  if (bad >= 0) throw new ValueError(op, `labels must be −1 or +1, got t[${bad}] = ${v[bad]}`);
  return v;
};

/**
 * Trains a perceptron with the mistake-driven rule (see the module doc) and
 * returns `{ params: { w, b }, updates, epochs, converged }`. Pure: the
 * inputs are not touched and the result is new. `x` is `[n, d]` (float),
 * `t` is `[n]` with values −1 and +1.
 *
 * @example The AND function is learned in a few epochs
 * ```ts
 * import assert from "node:assert/strict";
 * import { layers, tensor } from "../mod.ts";
 * const x = tensor([[0, 0], [0, 1], [1, 0], [1, 1]]);
 * const t = tensor([-1, -1, -1, 1]);
 * const r = layers.perceptron(x, t);
 * assert.equal(r.converged, true);
 * assert.deepEqual(layers.perceptronPredict(r.params, x).toArray(), [-1, -1, -1, 1]);
 * ```
 *
 * @example XOR is not linearly separable: it never converges
 * ```ts
 * import assert from "node:assert/strict";
 * import { layers, tensor } from "../mod.ts";
 * const r = layers.perceptron(tensor([[0, 0], [0, 1], [1, 0], [1, 1]]), tensor([-1, 1, 1, -1]), { maxEpochs: 50 });
 * assert.equal(r.converged, false);
 * assert.equal(r.epochs, 50);
 * ```
 */
export const perceptron = (x: Tensor, t: Tensor, opts: PerceptronOptions = {}): PerceptronResult => {
  const op = "perceptron";
  const { data, n, d } = hostMatrix(op, x);
  const y = hostSignLabels(op, t, n);
  const lr = opts.lr ?? 1;
  if (!(lr > 0) || !Number.isFinite(lr)) throw new ValueError(op, `lr must be a finite number > 0, got ${lr}`);
  const maxEpochs = positiveInt(op, "maxEpochs", opts.maxEpochs ?? 1000);
  const w = new Float64Array(d);
  let b = 0;
  let updates = 0;
  let epochs = 0;
  let converged = false;
  const inOrder = Int32Array.from({ length: n }, (_, i) => i);
  while (!converged && epochs < maxEpochs) {
    const order = opts.key === undefined ? inOrder : permutation(foldIn(opts.key, epochs), n).toTypedArray();
    epochs++;
    let mistakes = 0;
    for (const i of order) {
      const row = i * d;
      let s = b;
      for (let k = 0; k < d; k++) s += w[k] * data[row + k];
      // ≤ 0, not < 0: a point on the boundary (w = 0 at the start) is a mistake.
      if (y[i] * s <= 0) {
        const step = lr * y[i];
        for (let k = 0; k < d; k++) w[k] += step * data[row + k];
        b += step;
        mistakes++;
      }
    }
    updates += mistakes;
    converged = mistakes === 0;
  }
  const dtype = x.dtype as FloatDType;
  return { params: { w: tensor(w, { dtype }), b: tensor(b, { dtype }) }, updates, epochs, converged };
};

/**
 * The perceptron's prediction, +1 where w·x + b > 0 and −1 elsewhere (a
 * score of exactly 0 goes to −1, as in scikit-learn's linear classifiers and
 * as the training rule counts it a mistake). `x` is `[n, d]`; the result is
 * `[n]` in `x`'s dtype. Built from tensor ops, so it also works inside a
 * transform (its derivative is zero).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { layers, scalar, tensor } from "../mod.ts";
 * const params = { w: tensor([1, -1]), b: scalar(0.5) };
 * assert.deepEqual(layers.perceptronPredict(params, tensor([[0, 0], [0, 2], [0, 0.5]])).toArray(), [1, -1, -1]);
 * ```
 */
export const perceptronPredict = (params: PerceptronParams, x: Tensor): Tensor => {
  const op = "perceptronPredict";
  const { w, b } = params;
  if (x.ndim !== 2 || w.ndim !== 1 || x.shape[1] !== w.shape[0] || b.size !== 1) {
    throw new ShapeError(
      op,
      `expected x [n, d], w [d] and a scalar b, got x ${formatShape(x.shape)}, w ${formatShape(w.shape)}, b ${
        formatShape(b.shape)
      }`,
    );
  }
  const score = add(reshape(matmul(x, reshape(w, [w.shape[0], 1])), [x.shape[0]]), reshape(b, []));
  return sub(mul(cast(greater(score, 0), x.dtype), 2), 1);
};
