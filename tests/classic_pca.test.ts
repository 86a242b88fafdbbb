/**
 * PCA (classic/pca.ts) against a float64 reference computed here on the host:
 * the sample covariance C (n − 1 denominator, as scikit-learn), its
 * eigen-equation C·v = λ·v, orthonormal components, completeness (with all
 * components Σλ = tr C and Σλ² = ‖C‖²_F, so no eigenvalue is missed), the
 * transform/inverse round trip, and the conventions (order, sign, dtypes).
 */
import { assert, describe, fc, it } from "./lib/test.ts";
import { pca } from "../classic/mod.ts";
import { DTypeError, random, ShapeError, tensor, ValueError } from "../mod.ts";

const f64 = { dtype: "float64" } as const;

/** Rows n ∈ [2, 30] in d ∈ [1, 6] dimensions, values in [−5, 5], sometimes of rank < d (a repeated column). */
const data = fc
  .tuple(
    fc.integer({ min: 2, max: 30 }),
    fc.integer({ min: 1, max: 6 }),
    fc.boolean(),
    fc.array(fc.double({ min: -5, max: 5, noNaN: true }), { minLength: 180, maxLength: 180 }),
  )
  .map(([n, d, repeat, v]) =>
    Array.from(
      { length: n },
      (_, i) => Array.from({ length: d }, (_, j) => (repeat && j === d - 1 && d > 1 ? v[i * 6] : v[i * 6 + j])),
    )
  );

const covariance = (xs: readonly number[][]): number[][] => {
  const n = xs.length;
  const d = xs[0].length;
  const mu = Array.from({ length: d }, (_, j) => xs.reduce((s, r) => s + r[j], 0) / n);
  return Array.from(
    { length: d },
    (_, a) =>
      Array.from({ length: d }, (_, b) => xs.reduce((s, r) => s + (r[a] - mu[a]) * (r[b] - mu[b]), 0) / (n - 1)),
  );
};

describe("pca", () => {
  it("components are orthonormal eigenvectors of the covariance (C·v = λ·v), λ its eigenvalues in decreasing order", () =>
    fc.assert(
      fc.property(data, (xs) => {
        const d = xs[0].length;
        const p = pca(tensor(xs, f64));
        const v = p.components.toArray() as number[][];
        const lam = p.explainedVariance.toArray() as number[];
        const c = covariance(xs);
        const scale = Math.max(1e-300, ...c.flat().map(Math.abs));
        for (let j = 0; j < d; j++) {
          for (let l = 0; l < d; l++) {
            const dot = v[j].reduce((s, x, k) => s + x * v[l][k], 0);
            assert.ok(Math.abs(dot - (j === l ? 1 : 0)) < 1e-12, `VVᵀ[${j}][${l}] = ${dot}`);
          }
          for (let r = 0; r < d; r++) {
            const cv = c[r].reduce((s, x, k) => s + x * v[j][k], 0);
            assert.ok(Math.abs(cv - lam[j] * v[j][r]) <= 1e-11 * scale, `(Cv − λv)[${r}] for component ${j}`);
          }
          if (j > 0) assert.ok(lam[j] <= lam[j - 1]);
          assert.ok(lam[j] >= 0);
        }
        // All d of them: Σλ = tr C and Σλ² = ‖C‖²_F, so these are all of C's eigenvalues.
        const trace = c.reduce((s, r, i) => s + r[i], 0);
        const frob2 = c.flat().reduce((s, x) => s + x * x, 0);
        assert.ok(Math.abs(lam.reduce((s, l) => s + l, 0) - trace) <= 1e-11 * scale * d);
        assert.ok(Math.abs(lam.reduce((s, l) => s + l * l, 0) - frob2) <= 1e-10 * scale * scale * d * d);
        const ratio = p.explainedVarianceRatio.toArray() as number[];
        ratio.forEach((r, j) => assert.ok(Math.abs(r - (trace > 0 ? lam[j] / trace : 0)) < 1e-12));
      }),
      { numRuns: 200 },
    ));

  it("transform then inverseTransform with all components gives the data back", () =>
    fc.assert(
      fc.property(data, (xs) => {
        const x = tensor(xs, f64);
        const p = pca(x);
        const back = p.inverseTransform(p.transform(x)).toArray() as number[][];
        back.forEach((row, i) => row.forEach((v, j) => assert.ok(Math.abs(v - xs[i][j]) < 1e-11, `[${i}][${j}]`)));
      }),
      { numRuns: 200 },
    ));

  it("keeps the top k: the first k rows, variances and coordinates of the full fit", () => {
    const x = random.normal(random.key(4), [40, 5], f64);
    const full = pca(x);
    const two = pca(x, { components: 2 });
    assert.deepEqual(two.components.toArray(), (full.components.toArray() as number[][]).slice(0, 2));
    assert.deepEqual(two.explainedVariance.toArray(), (full.explainedVariance.toArray() as number[]).slice(0, 2));
    const z = two.transform(x).toArray() as number[][];
    const zf = full.transform(x).toArray() as number[][];
    z.forEach((row, i) => row.forEach((v, j) => assert.ok(Math.abs(v - zf[i][j]) < 1e-12)));
    // The coordinates are (x − mean)·Vᵀ: centred, with the explained variances as their variances.
    for (let j = 0; j < 2; j++) {
      const col = z.map((r) => r[j]);
      const m = col.reduce((s, v) => s + v, 0) / col.length;
      const varj = col.reduce((s, v) => s + (v - m) ** 2, 0) / (col.length - 1);
      assert.ok(Math.abs(m) < 1e-12);
      assert.ok(Math.abs(varj - (two.explainedVariance.toArray() as number[])[j]) < 1e-12);
    }
  });

  it("matches a hand computation: variances 3 and 1 along (1, 1)/√2 and (1, −1)/√2", () => {
    // The points ±a·u ± b·w (u, w the unit diagonals) have scatter 4a²·uuᵀ + 4b²·wwᵀ; over n − 1 = 3, a = 3/2
    // and b = √3/2 give C = 3·uuᵀ + 1·wwᵀ = [[2, 1], [1, 2]]. Shifted by 10 to check the centring.
    const s = 1.5 / Math.SQRT2;
    const t = Math.sqrt(0.75) / Math.SQRT2;
    const xs = [[s + t, s - t], [-s - t, -s + t], [s - t, s + t], [-s + t, -s - t]].map((r) => r.map((v) => v + 10));
    const p = pca(tensor(xs, f64));
    const lam = p.explainedVariance.toArray() as number[];
    assert.ok(Math.abs(lam[0] - 3) < 1e-12 && Math.abs(lam[1] - 1) < 1e-12, `${lam}`);
    const [v1, v2] = p.components.toArray() as number[][];
    // Sign convention (scikit-learn ≥ 1.5): the entry of largest magnitude is positive (the first on a tie).
    assert.ok(Math.abs(v1[0] - Math.SQRT1_2) < 1e-12 && Math.abs(v1[1] - Math.SQRT1_2) < 1e-12, `${v1}`);
    assert.ok(Math.abs(v2[0] - Math.SQRT1_2) < 1e-12 && Math.abs(v2[1] + Math.SQRT1_2) < 1e-12, `${v2}`);
    assert.deepEqual((p.mean.toArray() as number[]).map((m) => Math.round(m * 1e12) / 1e12), [10, 10]);
  });

  it("accumulates the covariance over blocks of rows: 5,000 rows give the covariance of all of them", () => {
    const x = random.normal(random.key(5), [5000, 3], { ...f64, mean: 100 });
    const xs = x.toArray() as number[][];
    const c = covariance(xs);
    const p = pca(x);
    const v = p.components.toArray() as number[][];
    const lam = p.explainedVariance.toArray() as number[];
    v.forEach((vj, j) =>
      c.forEach((row, r) => assert.ok(Math.abs(row.reduce((s, x, k) => s + x * vj[k], 0) - lam[j] * vj[r]) < 1e-10))
    );
  });

  it("a float32 fit is float32 and agrees with the float64 fit", () => {
    const x64 = random.normal(random.key(6), [50, 4], f64);
    const x32 = random.normal(random.key(6), [50, 4]);
    const p64 = pca(x64, { components: 2 });
    const p32 = pca(x32, { components: 2 });
    assert.equal(p32.components.dtype, "float32");
    assert.equal(p32.transform(x32).dtype, "float32");
    const a = p32.explainedVariance.toArray() as number[];
    const b = p64.explainedVariance.toArray() as number[];
    a.forEach((v, i) => assert.ok(Math.abs(v - b[i]) < 1e-5 * b[0]));
  });

  it("rejects bad inputs with errors that name the call", () => {
    const x = tensor([[1, 2], [3, 4], [5, 7]]);
    assert.throws(
      () => pca(tensor([[1, 2]])),
      (e) => e instanceof ValueError && /pca: needs at least 2 rows/.test(e.message),
    );
    assert.throws(() => pca(x, { components: 3 }), /components must be an integer in \[1, 2\]/);
    assert.throws(() => pca(tensor([1, 2, 3])), ShapeError);
    assert.throws(() => pca(tensor([[1, 2], [3, 4]], { dtype: "int32" })), DTypeError);
    const p = pca(x, { components: 1 });
    assert.throws(
      () => p.transform(tensor([[1, 2, 3]])),
      (e) => e instanceof ShapeError && /pca.transform/.test(e.message),
    );
    assert.throws(
      () => p.transform(tensor([[1, 2]], f64)),
      (e) => e instanceof DTypeError && /fitted in float32/.test(e.message),
    );
    assert.throws(() => p.inverseTransform(tensor([[1, 2]])), /pca.inverseTransform: expected \[m, 1\]/);
  });
});
