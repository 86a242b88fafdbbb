/**
 * Kernel PCA and its kernels (classic/kernel_pca.ts, classic/kernels.ts):
 * the centring K − 1K − K1 + 1K1, agreement with PCA for the linear kernel,
 * the eigen-equation of the centred Gram matrix, the projection of new
 * points, and the kernels against their formulas (scikit-learn's).
 */
import { assert, describe, fc, it } from "./lib/test.ts";
import { centerGram, kernelPca, linear, pca, polynomial, rbf } from "../classic/mod.ts";
import { random, ShapeError, tensor, ValueError } from "../mod.ts";

const f64 = { dtype: "float64" } as const;

/** n ∈ [3, 20] rows in d ∈ [1, 4] dimensions, values in [−2, 2]. */
const data = fc
  .tuple(
    fc.integer({ min: 3, max: 20 }),
    fc.integer({ min: 1, max: 4 }),
    fc.array(fc.double({ min: -2, max: 2, noNaN: true }), { minLength: 80, maxLength: 80 }),
  )
  .map(([n, d, v]) => Array.from({ length: n }, (_, i) => Array.from({ length: d }, (_, j) => v[i * 4 + j])));

const dist2 = (a: readonly number[], b: readonly number[]) => a.reduce((s, x, k) => s + (x - b[k]) ** 2, 0);
const dot = (a: readonly number[], b: readonly number[]) => a.reduce((s, x, k) => s + x * b[k], 0);

describe("kernelPca", () => {
  it("kernel PCA's centred Gram matrix has zero row and column sums", () =>
    fc.assert(
      fc.property(data, fc.double({ min: 0.1, max: 3, noNaN: true }), (xs, gamma) => {
        const x = tensor(xs, f64);
        for (const k of [rbf({ gamma })(x, x), polynomial({ degree: 3, c: 1 })(x, x), linear()(x, x)]) {
          const kc = centerGram(k).toArray() as number[][];
          const scale = Math.max(1, ...(k.toArray() as number[][]).flat().map(Math.abs));
          kc.forEach((row, i) => {
            assert.ok(Math.abs(row.reduce((s, v) => s + v, 0)) < 1e-12 * scale * xs.length, `row ${i}`);
            assert.ok(Math.abs(kc.reduce((s, r) => s + r[i], 0)) < 1e-12 * scale * xs.length, `column ${i}`);
          });
        }
      }),
      { numRuns: 100 },
    ));

  it("centerGram is K − 1K − K1 + 1K1 with 1 the matrix of 1/n (written out as matrix products)", () => {
    const k = [[4, 1, 0], [2, 3, 1], [0, 5, 6]]; // not even symmetric: the formula holds for any square matrix
    const n = 3;
    const one = Array.from({ length: n }, () => new Array(n).fill(1 / n));
    const mm = (a: number[][], b: number[][]) =>
      a.map((r) => b[0].map((_, j) => r.reduce((s, v, l) => s + v * b[l][j], 0)));
    const oneK = mm(one, k), kOne = mm(k, one), oneKOne = mm(mm(one, k), one);
    const expected = k.map((r, i) => r.map((v, j) => v - oneK[i][j] - kOne[i][j] + oneKOne[i][j]));
    const got = centerGram(tensor(k, f64)).toArray() as number[][];
    got.forEach((r, i) => r.forEach((v, j) => assert.ok(Math.abs(v - expected[i][j]) < 1e-12)));
  });

  it("kernel PCA with a linear kernel matches PCA projections up to sign", () =>
    fc.assert(
      fc.property(data, (xs) => {
        const x = tensor(xs, f64);
        const k = Math.min(xs[0].length, xs.length - 1);
        const p = pca(x, { components: k });
        const lam = p.explainedVariance.toArray() as number[];
        const kp = kernelPca(x, { components: k, kernel: linear() });
        const z = p.transform(x).toArray() as number[][];
        const zk = kp.projections.toArray() as number[][];
        const ek = kp.eigenvalues.toArray() as number[];
        for (let j = 0; j < k; j++) {
          // Eigenvalues of the centred Gram matrix are (n − 1)·those of the covariance.
          assert.ok(Math.abs(ek[j] - (xs.length - 1) * lam[j]) < 1e-9 * (1 + ek[0]), `λ${j}`);
          // A direction is defined up to sign, and only when its eigenvalue is simple and non-zero.
          fc.pre(lam[j] > 1e-6 * lam[0]);
          fc.pre(j === 0 || lam[j - 1] - lam[j] > 1e-6 * lam[0]);
          fc.pre(j === k - 1 || lam[j] - lam[j + 1] > 1e-6 * lam[0]);
          const sign = Math.sign(dot(z.map((r) => r[j]), zk.map((r) => r[j])));
          z.forEach((r, i) => assert.ok(Math.abs(r[j] - sign * zk[i][j]) < 1e-7, `point ${i}, component ${j}`));
        }
      }),
      { numRuns: 150 },
    ));

  it("its projections solve K̃·α = λ·α with unit α, and transform maps the training points to them", () =>
    fc.assert(
      fc.property(data, fc.double({ min: 0.1, max: 3, noNaN: true }), (xs, gamma) => {
        const x = tensor(xs, f64);
        const kernel = rbf({ gamma });
        const kp = kernelPca(x, { components: 2, kernel });
        const kc = centerGram(kernel(x, x)).toArray() as number[][];
        const a = kp.alphas.toArray() as number[][];
        const lam = kp.eigenvalues.toArray() as number[];
        for (let j = 0; j < 2; j++) {
          const col = a.map((r) => r[j]);
          assert.ok(Math.abs(dot(col, col) - 1) < 1e-12);
          kc.forEach((row, i) => assert.ok(Math.abs(dot(row, col) - lam[j] * col[i]) < 1e-11, `(K̃α − λα)[${i}]`));
        }
        const z = kp.projections.toArray() as number[][];
        const zt = kp.transform(x).toArray() as number[][];
        z.forEach((r, i) => r.forEach((v, j) => assert.ok(Math.abs(v - zt[i][j]) < 1e-9, `[${i}][${j}]`)));
      }),
      { numRuns: 100 },
    ));

  it("projects new points with the training statistics (k̃(x) = k(x) − column means − mean k(x) + mean K)", () => {
    const x = random.normal(random.key(2), [12, 2], f64);
    const y = random.normal(random.key(3), [4, 2], f64);
    const gamma = 0.7;
    const kp = kernelPca(x, { components: 3, kernel: rbf({ gamma }) });
    const xs = x.toArray() as number[][];
    const ys = y.toArray() as number[][];
    const kxx = xs.map((a) => xs.map((b) => Math.exp(-gamma * dist2(a, b))));
    const n = xs.length;
    const colMean = kxx[0].map((_, j) => kxx.reduce((s, r) => s + r[j], 0) / n);
    const grand = colMean.reduce((s, v) => s + v, 0) / n;
    const alphas = kp.alphas.toArray() as number[][];
    const lam = kp.eigenvalues.toArray() as number[];
    const got = kp.transform(y).toArray() as number[][];
    ys.forEach((p, i) => {
      const kx = xs.map((b) => Math.exp(-gamma * dist2(p, b)));
      const m = kx.reduce((s, v) => s + v, 0) / n;
      const centred = kx.map((v, j) => v - colMean[j] - m + grand);
      for (let c = 0; c < 3; c++) {
        const expected = centred.reduce((s, v, l) => s + v * alphas[l][c], 0) / Math.sqrt(lam[c]);
        assert.ok(Math.abs(got[i][c] - expected) < 1e-10, `point ${i}, component ${c}`);
      }
    });
  });

  it("a component beyond the rank of K̃ has eigenvalue 0 and projects to 0", () => {
    // Linear kernel on 2-D data: K̃ has rank 2, so component 3 carries nothing.
    const x = random.normal(random.key(8), [10, 2], f64);
    const kp = kernelPca(x, { components: 3, kernel: linear() });
    assert.equal((kp.eigenvalues.toArray() as number[])[2], 0);
    (kp.projections.toArray() as number[][]).forEach((r) => assert.equal(r[2], 0));
    (kp.transform(random.normal(random.key(9), [3, 2], f64)).toArray() as number[][]).forEach((r) =>
      assert.equal(r[2], 0)
    );
  });

  it("the kernels follow their formulas: exp(−γ‖a − b‖²), (γ·a·b + c)^degree, a·b", () =>
    fc.assert(
      fc.property(
        data,
        fc.double({ min: 0.1, max: 3, noNaN: true }),
        fc.integer({ min: 1, max: 4 }),
        fc.double({ min: 0, max: 2, noNaN: true }),
        (xs, gamma, degree, c) => {
          const x = tensor(xs, f64);
          const half = tensor(xs.slice(0, 2), f64);
          const kr = rbf({ gamma })(x, half).toArray() as number[][];
          const kp = polynomial({ degree, c, gamma })(x, half).toArray() as number[][];
          const kl = linear()(x, half).toArray() as number[][];
          xs.forEach((a, i) =>
            xs.slice(0, 2).forEach((b, j) => {
              assert.ok(Math.abs(kr[i][j] - Math.exp(-gamma * dist2(a, b))) < 1e-12);
              const pv = (gamma * dot(a, b) + c) ** degree;
              assert.ok(Math.abs(kp[i][j] - pv) < 1e-12 * Math.max(1, Math.abs(pv)));
              assert.ok(Math.abs(kl[i][j] - dot(a, b)) < 1e-12);
            })
          );
        },
      ),
      { numRuns: 100 },
    ));

  it("rejects bad inputs with errors that name the call", () => {
    const x = tensor([[0, 1], [1, 0], [2, 2]], f64);
    assert.throws(
      () => kernelPca(x, { components: 4, kernel: linear() }),
      /kernelPca: components must be an integer in \[1, 3\]/,
    );
    const kp = kernelPca(x, { components: 1, kernel: linear() });
    assert.throws(
      () => kp.transform(tensor([[1, 2, 3]], f64)),
      (e) => e instanceof ShapeError && /kernelPca.transform/.test(e.message),
    );
    assert.throws(() => centerGram(tensor([[1, 2]])), (e) => e instanceof ShapeError && /centerGram/.test(e.message));
    assert.throws(() => rbf({ gamma: 0 }), (e) => e instanceof ValueError && /rbf: gamma must be/.test(e.message));
    assert.throws(() => polynomial({ degree: 1.5 }), /polynomial: degree must be a positive integer/);
    assert.throws(() => linear()(x, tensor([[1]], f64)), /linear: expected rows \[n, d\] and \[m, d\]/);
  });
});
