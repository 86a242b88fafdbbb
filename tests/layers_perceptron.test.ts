/**
 * The Rosenblatt perceptron (layers/perceptron.ts): the mistake-driven rule
 * traced by hand, Novikoff's bound on separable data, and its contract
 * (purity, dtypes, errors).
 */
import { assert, describe, fc, it } from "./lib/test.ts";
import { perceptron, perceptronPredict } from "../layers/mod.ts";
import { random, scalar, ShapeError, tensor, ValueError } from "../mod.ts";

const f64 = { dtype: "float64" } as const;

/**
 * Linearly separable data with margin: points drawn in [−2, 2]^d, then each point closer than γ to the plane
 * u·x + c = 0 (u a unit vector) is pushed along u to distance exactly γ; its label is its side.
 */
const separable = fc
  .tuple(
    fc.integer({ min: 1, max: 5 }),
    fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: 5, maxLength: 5 }),
    fc.double({ min: -1, max: 1, noNaN: true }),
    fc.double({ min: 0.05, max: 0.5, noNaN: true }),
    fc.array(fc.array(fc.double({ min: -2, max: 2, noNaN: true }), { minLength: 5, maxLength: 5 }), {
      minLength: 1,
      maxLength: 40,
    }),
  )
  .map(([d, uRaw, c, gamma, raw]) => {
    const u0 = uRaw.slice(0, d);
    const norm = Math.hypot(...u0);
    const u = u0.map((v) => v / (norm || 1));
    const xs = raw.map((p0) => {
      const p = p0.slice(0, d);
      const m = p.reduce((s, v, k) => s + v * u[k], c);
      const side = m >= 0 ? 1 : -1;
      return Math.abs(m) >= gamma ? p : p.map((v, k) => v + (side * gamma - m) * u[k]);
    });
    const t = xs.map((p) => (p.reduce((s, v, k) => s + v * u[k], c) >= 0 ? 1 : -1));
    return { d, u, c, norm, xs, t };
  });

describe("perceptron", () => {
  it("the perceptron converges in finitely many updates on random linearly separable data, within the (R/γ)² bound", () =>
    fc.assert(
      fc.property(
        separable,
        fc.double({ min: 0.01, max: 10, noNaN: true }),
        fc.option(fc.nat(), { nil: undefined }),
        ({ u, c, norm, xs, t }, lr, seed) => {
          fc.pre(norm > 0.1);
          // The bound checked, with b folded in as a constant feature x̃ = (x, 1), w̃ = (w, b), and w̃ = 0 at the
          // start: updates ≤ (R/γ)², R = maxᵢ ‖x̃ᵢ‖, γ = minᵢ tᵢ·ũ·x̃ᵢ for the unit vector ũ = (u, c)/‖(u, c)‖
          // (any separating unit vector gives a valid bound; the best one only a smaller γ).
          const R = Math.max(...xs.map((p) => Math.hypot(...p, 1)));
          const gamma = Math.min(...xs.map((p, i) => (t[i] * p.reduce((s, v, k) => s + v * u[k], c)))) /
            Math.hypot(...u, c);
          const bound = (R / gamma) ** 2;
          // Each epoch before the last makes at least one update, so bound + 1 epochs suffice.
          const maxEpochs = Math.floor(bound) + 2;
          const key = seed === undefined ? undefined : random.key(seed);
          const x = tensor(xs, f64);
          const r = perceptron(x, tensor(t, f64), { lr, maxEpochs, key });
          assert.equal(r.converged, true, `not converged after ${r.epochs} epochs (bound ${bound})`);
          assert.ok(r.updates <= bound, `${r.updates} updates > (R/γ)² = ${bound}`);
          assert.ok(r.epochs <= r.updates + 1);
          assert.deepEqual(perceptronPredict(r.params, x).toArray(), t);
        },
      ),
      { numRuns: 200 },
    ));

  it("follows the mistake-driven rule step by step (hand-traced)", () => {
    // Epoch 1: x₀ = (1, 0), t = +1: score 0 ≤ 0, a mistake: w = η(1, 0), b = η.
    //          x₁ = (0, 1), t = −1: score η > 0 but t = −1, a mistake: w = η(1, −1), b = 0.
    // Epoch 2: scores η and −η, both right: converged after 2 updates and 2 epochs.
    const r = perceptron(tensor([[1, 0], [0, 1]]), tensor([1, -1]), { lr: 0.5 });
    assert.deepEqual(r.params.w.toArray(), [0.5, -0.5]);
    assert.equal(r.params.b.item(), 0);
    assert.deepEqual([r.updates, r.epochs, r.converged], [2, 2, true]);
  });

  it("on data that are not linearly separable it runs maxEpochs without converging", () => {
    const r = perceptron(tensor([[0, 0], [0, 1], [1, 0], [1, 1]]), tensor([-1, 1, 1, -1]), { maxEpochs: 30 });
    assert.deepEqual([r.converged, r.epochs], [false, 30]);
    assert.ok(r.updates >= 30);
  });

  it("is pure: the inputs are unchanged and the same key gives the same result", () => {
    const xs = [[1, 2], [-1, 0.5], [0.3, -2], [2, 2]];
    const x = tensor(xs);
    const t = tensor([1, -1, -1, 1]);
    const a = perceptron(x, t, { key: random.key(3) });
    const b = perceptron(x, t, { key: random.key(3) });
    assert.deepEqual(x.toArray(), xs.map((row) => row.map(Math.fround)));
    assert.deepEqual(t.toArray(), [1, -1, -1, 1]);
    assert.deepEqual(a.params.w.toArray(), b.params.w.toArray());
    assert.deepEqual([a.updates, a.epochs], [b.updates, b.epochs]);
  });

  it("returns parameters in the data's dtype", () => {
    const x = tensor([[1], [-1]]);
    assert.equal(perceptron(x, tensor([1, -1])).params.w.dtype, "float32");
    assert.equal(perceptron(tensor([[1], [-1]], f64), tensor([1, -1])).params.b.dtype, "float64");
  });

  it("predicts −1 on the boundary (score exactly 0)", () => {
    const params = { w: tensor([1, 1]), b: scalar(-1) };
    assert.deepEqual(perceptronPredict(params, tensor([[0.5, 0.5], [1, 1], [0, 0]])).toArray(), [-1, 1, -1]);
  });

  it("rejects labels other than ±1, mismatched shapes and a bad step", () => {
    const x = tensor([[1, 2], [3, 4]]);
    assert.throws(() => perceptron(x, tensor([1, 0])), (e) => e instanceof ValueError && /t\[1\] = 0/.test(e.message));
    assert.throws(() => perceptron(x, tensor([1, -1, 1])), (e) => e instanceof ShapeError && /\[2\]/.test(e.message));
    assert.throws(() => perceptron(tensor([1, 2]), tensor([1, -1])), ShapeError);
    assert.throws(() => perceptron(x, tensor([1, -1]), { lr: 0 }), /lr must be/);
    assert.throws(() => perceptron(x, tensor([1, -1]), { maxEpochs: 1.5 }), /maxEpochs must be a positive integer/);
    assert.throws(() => perceptronPredict({ w: tensor([1, 2, 3]), b: scalar(0) }, x), /perceptronPredict/);
  });
});
