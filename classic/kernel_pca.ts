/**
 * Kernel PCA (Schölkopf, Smola & Müller, 1998): PCA in the feature space of
 * a kernel, through the Gram matrix K_ij = k(xᵢ, xⱼ) alone. The features are
 * centred implicitly by
 *
 *     K̃ = K − 1K − K1 + 1K1,   1 the n×n matrix with every entry 1/n,
 *
 * then K̃ = Σⱼ λⱼ·αⱼαⱼᵀ (unit αⱼ, λ descending) gives the training points'
 * coordinates αⱼ·√λⱼ. A new point x is centred with the training statistics,
 * k̃(x) = k(x) − (column means of K) − mean(k(x)) + mean(K), and projected as
 * k̃(x)·αⱼ/√λⱼ (on a training point this is its coordinate again).
 *
 * As scikit-learn's `KernelPCA`: eigenvalues below 1e-12 of the largest
 * (zero up to rounding, or slightly negative) count as 0, and a component
 * with eigenvalue 0 projects everything to 0; each αⱼ has its entry of
 * largest magnitude positive. The n×n eigen-decomposition is exact (`eigh`)
 * and costs about 9n³ flops: about a second at n = 800 on one core.
 *
 * @module
 */
import { tensor } from "../core/creation.ts";
import { ShapeError, ValueError } from "../core/errors.ts";
import { add, sub } from "../core/prims/binary.ts";
import { matmul } from "../core/prims/linalg.ts";
import { cast } from "../core/prims/misc.ts";
import { mean } from "../core/ops/reductions.ts";
import { formatShape } from "../core/shape.ts";
import type { Tensor } from "../core/tensor.ts";
import { symmetricEigen } from "./eigh.ts";
import type { Kernel } from "./kernels.ts";
import { requireFloatMatrix } from "./pca.ts";

/** Options of `kernelPca`. */
export interface KernelPcaOptions {
  /** How many components to keep, 1 ≤ k ≤ n. */
  readonly components: number;
  /** The kernel: `classic.rbf({ gamma })`, `classic.polynomial({ degree, c })`, `classic.linear()` or your own. */
  readonly kernel: Kernel;
}

/** A fitted kernel PCA. */
export interface KernelPca {
  /** The training points' coordinates αⱼ·√λⱼ, `[n, k]`. */
  readonly projections: Tensor;
  /** The eigenvalues λⱼ of the centred Gram matrix, descending, `[k]`. */
  readonly eigenvalues: Tensor;
  /** The unit eigenvectors αⱼ as columns, `[n, k]`. */
  readonly alphas: Tensor;
  /** Coordinates of new rows `[m, d]`, centred with the training statistics, `[m, k]`. */
  transform(x: Tensor): Tensor;
}

/**
 * Centres a Gram matrix `[n, n]` in feature space: K − 1K − K1 + 1K1, i.e.
 * K̃_ij = K_ij − (mean of column j) − (mean of row i) + (mean of K). Every
 * row and column of the result sums to 0.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { classic, tensor } from "../mod.ts";
 * const kc = classic.centerGram(tensor([[2, 0], [0, 2]])).toArray();
 * assert.deepEqual(kc, [[1, -1], [-1, 1]]);
 * ```
 */
export const centerGram = (k: Tensor): Tensor => {
  if (k.ndim !== 2 || k.shape[0] !== k.shape[1]) {
    throw new ShapeError("centerGram", `expected a square Gram matrix [n, n], got ${formatShape(k.shape)}`);
  }
  return add(sub(sub(k, mean(k, 0, true)), mean(k, 1, true)), mean(k));
};

/**
 * Fits kernel PCA to the rows of `x` `[n, d]` (float); see the module doc.
 * Everything is computed in float64 and returned in `x`'s dtype.
 *
 * @example Two points: one component, the points at ±√((1 − k₁₂)/2)
 * ```ts
 * import assert from "node:assert/strict";
 * import { classic, tensor } from "../mod.ts";
 * const x = tensor([[0, 0], [1, 0]], { dtype: "float64" });
 * const kp = classic.kernelPca(x, { components: 1, kernel: classic.rbf({ gamma: 1 }) });
 * const z = (kp.projections.toArray() as number[][]).map((r) => r[0]);
 * const expected = Math.sqrt((1 - Math.exp(-1)) / 2);
 * assert.ok(Math.abs(Math.abs(z[0]) - expected) < 1e-12 && Math.abs(z[0] + z[1]) < 1e-12);
 * assert.ok(Math.abs((kp.transform(x).toArray() as number[][])[1][0] - z[1]) < 1e-12);
 * ```
 */
export const kernelPca = (x: Tensor, opts: KernelPcaOptions): KernelPca => {
  const op = "kernelPca";
  const dtype = requireFloatMatrix(op, x);
  const [n, d] = x.shape;
  const k = opts.components;
  if (!Number.isInteger(k) || k < 1 || k > n) {
    throw new ValueError(op, `components must be an integer in [1, ${n}] (the number of rows), got ${k}`);
  }
  if (typeof opts.kernel !== "function") throw new ValueError(op, "kernel must be a function (a, b) → Gram matrix");
  const x64 = cast(x, "float64");
  const gram = opts.kernel(x64, x64);
  if (gram.ndim !== 2 || gram.shape[0] !== n || gram.shape[1] !== n) {
    throw new ShapeError(
      op,
      `the kernel must return [${n}, ${n}] for x ${formatShape(x.shape)}, got ${formatShape(gram.shape)}`,
    );
  }
  const colMean = mean(gram, 0, true);
  const grand = mean(gram);
  const centred = Float64Array.from(centerGram(gram).toTypedArray());
  const { values, vectors } = symmetricEigen(centred, n);

  // "Zero" is relative to the matrix' scale, so that rounding noise of a rank-deficient K̃ is not a component.
  const scale = centred.reduce((m, v) => Math.max(m, Math.abs(v)), values[n - 1]);
  const lambda = Array.from({ length: k }, (_, j) => values[n - 1 - j]).map((v) => (v > 1e-12 * scale ? v : 0));
  const alphas = new Float64Array(n * k);
  const proj = new Float64Array(n * k);
  const scaled = new Float64Array(n * k); // αⱼ/√λⱼ, what a new point's centred kernel row is multiplied by
  for (let j = 0; j < k; j++) {
    const row = (n - 1 - j) * n;
    const root = Math.sqrt(lambda[j]);
    for (let i = 0; i < n; i++) {
      const a = vectors[row + i];
      alphas[i * k + j] = a;
      proj[i * k + j] = root > 0 ? a * root : 0;
      scaled[i * k + j] = root > 0 ? a / root : 0;
    }
  }
  const scaledT = tensor(scaled, { dtype: "float64", shape: [n, k] });
  return {
    projections: tensor(proj, { dtype, shape: [n, k] }),
    eigenvalues: tensor(Float64Array.from(lambda), { dtype }),
    alphas: tensor(alphas, { dtype, shape: [n, k] }),
    transform: (xs) => {
      const fn = "kernelPca.transform";
      requireFloatMatrix(fn, xs);
      if (xs.shape[1] !== d) {
        throw new ShapeError(fn, `expected [m, ${d}] (as in training), got ${formatShape(xs.shape)}`);
      }
      const kx = opts.kernel(cast(xs, "float64"), x64);
      const centred = add(sub(sub(kx, colMean), mean(kx, 1, true)), grand);
      return cast(matmul(centred, scaledT), xs.dtype);
    },
  };
};
