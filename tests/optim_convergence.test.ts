/**
 * Every optimizer, with a suitable step size, reaches the minimum of random
 * positive-definite quadratics f(x) = ½xᵀAx − bᵀx (A = MᵀM/d + I, so the
 * eigenvalues lie in [1, 1 + d]); the minimum x* = A⁻¹b is solved for in
 * plain JavaScript.
 */
import { assert, describe, fc, it } from "./lib/test.ts";
import { tensor } from "../core/creation.ts";
import { matmul, mul, sub, sum } from "../core/ops/mod.ts";
import type { Tensor } from "../core/tensor.ts";
import { grad } from "../core/transforms/vjp.ts";
import { adagrad, adam, adamw, rmsprop } from "../optim/adaptive.ts";
import { chain } from "../optim/chain.ts";
import { clipByGlobalNorm } from "../optim/clipping.ts";
import { exponentialDecay } from "../optim/schedules.ts";
import { momentum, nesterov, sgd } from "../optim/sgd.ts";
import { updateAndApply } from "../optim/step.ts";
import type { GradientTransformation, OptState } from "../optim/types.ts";

/** x with A x = b, by Gaussian elimination with partial pivoting. */
const solve = (a: number[][], b: number[]): number[] => {
  const n = b.length, m = a.map((row, i) => [...row, b[i]]);
  for (let c = 0; c < n; c++) {
    const p = m.slice(c).reduce((best, row, k) => (Math.abs(row[c]) > Math.abs(m[best][c]) ? c + k : best), c);
    [m[c], m[p]] = [m[p], m[c]];
    for (let r = c + 1; r < n; r++) {
      const f = m[r][c] / m[c][c];
      for (let k = c; k <= n; k++) m[r][k] -= f * m[c][k];
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let s = m[r][n];
    for (let k = r + 1; k < n; k++) s -= m[r][k] * x[k];
    x[r] = s / m[r][r];
  }
  return x;
};

const entry = fc.double({ min: -1, max: 1, noNaN: true });
// Drawn at the largest size and cut to d (map, not chain, so that it shrinks well).
const quadratic = fc.record({
  d: fc.integer({ min: 2, max: 4 }),
  m: fc.array(fc.array(entry, { minLength: 4, maxLength: 4 }), { minLength: 4, maxLength: 4 }),
  b: fc.array(fc.double({ min: -2, max: 2, noNaN: true }), { minLength: 4, maxLength: 4 }),
}).map(({ d, m: m4, b: b4 }) => {
  const m = m4.slice(0, d).map((row) => row.slice(0, d)), b = b4.slice(0, d);
  const a = m.map((_, i) => m.map((_, j) => m.reduce((s, row) => s + row[i] * row[j], 0) / d + (i === j ? 1 : 0)));
  return { a, b, xStar: solve(a, b) };
});

/** Runs `opt` for `steps` steps from 0 and returns the largest |x − x*|. */
const distance = (
  opt: GradientTransformation<OptState>,
  a: number[][],
  b: number[],
  xStar: number[],
  steps: number,
) => {
  const A = tensor(a, { dtype: "float64" }), B = tensor(b, { dtype: "float64" });
  const f = (x: Tensor) => sub(mul(sum(mul(x, matmul(A, x))), 0.5), sum(mul(B, x)));
  const df = grad(f);
  let x = tensor(b.map(() => 0), { dtype: "float64" });
  let s = opt.init(x);
  for (let k = 0; k < steps; k++) [x, s] = updateAndApply(opt, df(x), s, x);
  return Math.max(...[...x.toTypedArray()].map((v, i) => Math.abs(v - xStar[i])));
};

const CASES: readonly [string, () => GradientTransformation<OptState>, number, number][] = [
  // name, optimizer, steps, tolerance on max |x − x*|
  ["sgd(0.2)", () => sgd(0.2), 200, 1e-12],
  ["momentum(0.05, 0.9) heavy ball", () => momentum(0.05, 0.9), 300, 1e-6],
  ["momentum(0.2, 0.8, ema)", () => momentum(0.2, 0.8, { form: "ema" }), 300, 1e-12],
  ["nesterov(0.05, 0.9)", () => nesterov(0.05, 0.9), 300, 1e-8],
  ["rmsprop, decaying η", () => rmsprop(exponentialDecay(0.05, 40, 0.5)), 400, 1e-9],
  ["adagrad(0.5)", () => adagrad(0.5), 400, 1e-7],
  ["adam, decaying η", () => adam(exponentialDecay(0.1, 40, 0.5)), 400, 2e-4],
  ["adamw, decaying η", () => adamw(exponentialDecay(0.1, 40, 0.5)), 400, 5e-4],
  ["clipByGlobalNorm(1) then sgd(0.2)", () => chain(clipByGlobalNorm(1), sgd(0.2)), 300, 1e-12],
];

describe("convergence on positive-definite quadratics", () => {
  for (const [name, opt, steps, tol] of CASES) {
    it(`${name} reaches x* = A⁻¹b within ${tol}`, () =>
      fc.assert(
        fc.property(quadratic, ({ a, b, xStar }) => {
          const err = distance(opt(), a, b, xStar, steps);
          assert.ok(err <= tol, `|x − x*| = ${err}`);
        }),
        { numRuns: 8 },
      ));
  }
});
