/**
 * The symmetric eigen-decomposition (classic/eigh.ts), against its
 * definition (A·V = V·Λ, VᵀV = I) and against an independent reference: the
 * cyclic Jacobi method, written out below (Golub & Van Loan, Alg. 8.5.3).
 */
import { assert, describe, fc, it } from "./lib/test.ts";
import { eigh } from "../classic/mod.ts";
import { ShapeError, tensor } from "../mod.ts";

/** Eigenvalues of a symmetric matrix by cyclic Jacobi rotations (slow, simple, independent), ascending. */
const jacobiEigenvalues = (a0: readonly number[][]): number[] => {
  const n = a0.length;
  const a = a0.map((r) => [...r]);
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += a[p][q] ** 2;
    if (off < 1e-30) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        if (a[p][q] === 0) continue;
        const theta = (a[q][q] - a[p][p]) / (2 * a[p][q]);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const [akp, akq] = [a[k][p], a[k][q]];
          a[k][p] = c * akp - s * akq;
          a[k][q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const [apk, aqk] = [a[p][k], a[q][k]];
          a[p][k] = c * apk - s * aqk;
          a[q][k] = s * apk + c * aqk;
        }
      }
    }
  }
  return a.map((r, i) => r[i]).sort((x, y) => x - y);
};

/** Random symmetric n×n matrices (n ≤ 9) with entries in [−3, 3]. */
const symmetric = fc
  .tuple(
    fc.integer({ min: 1, max: 9 }),
    fc.array(fc.double({ min: -3, max: 3, noNaN: true }), { minLength: 81, maxLength: 81 }),
  )
  .map(([n, v]) =>
    Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (v[i * 9 + j] + v[j * 9 + i]) / 2))
  );

const checkDecomposition = (a: number[][]) => {
  const n = a.length;
  const { values, vectors } = eigh(tensor(a, { dtype: "float64" }));
  const lam = values.toArray() as number[];
  const v = vectors.toArray() as number[][];
  const scale = Math.max(1, ...a.flat().map(Math.abs));
  for (let i = 1; i < n; i++) assert.ok(lam[i - 1] <= lam[i], `not ascending: ${lam}`);
  for (let j = 0; j < n; j++) {
    // A·vⱼ = λⱼ·vⱼ
    for (let r = 0; r < n; r++) {
      const av = a[r].reduce((s, x, k) => s + x * v[k][j], 0);
      assert.ok(Math.abs(av - lam[j] * v[r][j]) <= 1e-12 * scale * n, `residual at (${r}, ${j})`);
    }
    // VᵀV = I
    for (let l = 0; l < n; l++) {
      const dot = v.reduce((s, row) => s + row[j] * row[l], 0);
      assert.ok(Math.abs(dot - (j === l ? 1 : 0)) <= 1e-12 * n, `VᵀV[${j}][${l}] = ${dot}`);
    }
    // Sign convention: the entry of largest magnitude is positive.
    const col = v.map((row) => row[j]);
    const big = col.reduce((bi, x, i) => (Math.abs(x) > Math.abs(col[bi]) ? i : bi), 0);
    assert.ok(col[big] > 0);
  }
  const ref = jacobiEigenvalues(a);
  lam.forEach((l, i) => assert.ok(Math.abs(l - ref[i]) <= 1e-11 * scale * n, `λ${i} ${l} vs Jacobi ${ref[i]}`));
};

describe("eigh", () => {
  it("A·V = V·Λ with V orthogonal, eigenvalues ascending and equal to cyclic Jacobi's", () =>
    fc.assert(fc.property(symmetric, checkDecomposition), { numRuns: 200 }));

  it("handles repeated eigenvalues: the identity, zero, a rank-one matrix and a block of equal values", () => {
    const eye4 = [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]];
    const zero3 = [[0, 0, 0], [0, 0, 0], [0, 0, 0]];
    const u = [1, -2, 0.5, 3];
    const rank1 = u.map((ui) => u.map((uj) => ui * uj));
    const block = [[2, 1, 1], [1, 2, 1], [1, 1, 2]]; // eigenvalues 1, 1, 4
    for (const a of [eye4, zero3, rank1, block]) checkDecomposition(a);
    const lam = eigh(tensor(block, { dtype: "float64" })).values.toArray() as number[];
    [1, 1, 4].forEach((l, i) => assert.ok(Math.abs(lam[i] - l) < 1e-14));
  });

  it("matrices of tiny or huge scale (subnormal entries, 1e300) decompose as well as unit ones", () => {
    // Found by the property above: a subnormal off-diagonal entry once made the QL shift infinite.
    checkDecomposition([[-1.0658141036401503e-14, -5e-324, 4.440892098500626e-16], [-5e-324, 0, 0], [
      4.440892098500626e-16,
      0,
      0,
    ]]);
    const big = [[3e300, 1e300], [1e300, 3e300]];
    const lam = eigh(tensor(big, { dtype: "float64" })).values.toArray() as number[];
    assert.ok(Math.abs(lam[0] / 2e300 - 1) < 1e-14 && Math.abs(lam[1] / 4e300 - 1) < 1e-14);
    assert.throws(() => eigh(tensor([[1, Number.NaN], [0, 1]], { dtype: "float64" })), /non-finite/);
  });

  it("a 2×2 matrix has the closed-form eigenvalues (a + c)/2 ± √(((a − c)/2)² + b²)", () => {
    const [a, b, c] = [3, -1.5, 0.25];
    const lam = eigh(tensor([[a, b], [b, c]], { dtype: "float64" })).values.toArray() as number[];
    const r = Math.sqrt(((a - c) / 2) ** 2 + b * b);
    assert.ok(Math.abs(lam[0] - ((a + c) / 2 - r)) < 1e-14 && Math.abs(lam[1] - ((a + c) / 2 + r)) < 1e-14);
  });

  it("uses the symmetric part only, keeps float32, and rejects a non-square matrix", () => {
    const lam = eigh(tensor([[2, 3], [-1, 2]], { dtype: "float64" })).values.toArray() as number[]; // sym part [[2,1],[1,2]]
    assert.ok(Math.abs(lam[0] - 1) < 1e-14 && Math.abs(lam[1] - 3) < 1e-14);
    assert.equal(eigh(tensor([[1, 0], [0, 2]])).vectors.dtype, "float32");
    assert.throws(
      () => eigh(tensor([[1, 2, 3]])),
      (e) => e instanceof ShapeError && /eigh: expected a square/.test(e.message),
    );
  });
});
