/**
 * Linear regions of 1-D ReLU networks (layers/regions.ts): the course's
 * "joints". A shallow network's kinks are known in closed form (unit k's
 * pre-activation w₁ₖx + b₁ₖ crosses zero at x = −b₁ₖ/w₁ₖ), which is the
 * outside reference for random networks; a deep network is checked against
 * the changes of its activation pattern on a fine grid.
 */
import { assert, describe, fc, it } from "./lib/test.ts";
import { countLinearRegions, linearRegions } from "../layers/mod.ts";
import {
  add,
  cast,
  type FloatDType,
  grad,
  greater,
  linspace,
  matmul,
  neg,
  random,
  relu,
  reshape,
  ShapeError,
  sum,
  tanh,
  type Tensor,
  tensor,
  ValueError,
} from "../mod.ts";

interface Dense {
  readonly w: Tensor;
  readonly b: Tensor;
}

/** Random dense layers (standard normal weights and biases) of the given widths, 1 → … → 1. */
const randomNet = (seed: number, widths: readonly number[], dtype: FloatDType = "float64"): Dense[] => {
  const sizes = [1, ...widths, 1];
  return sizes.slice(1).map((out, i) => {
    const [kw, kb] = random.split(random.foldIn(random.key(seed), i));
    return { w: random.normal(kw, [sizes[i], out], { dtype }), b: random.normal(kb, [out], { dtype }) };
  });
};

/** dense → relu → … → dense (no activation after the last layer). */
const applyNet = (layers: readonly Dense[]) => (x: Tensor): Tensor =>
  layers.reduce((h, { w, b }, i) => {
    const z = add(matmul(h, w), b);
    return i === layers.length - 1 ? z : relu(z);
  }, x);

/** Σₖ vₖ·relu(x − cₖ) + x: kinks exactly at the cₖ, with slope changes vₖ. */
const kinkedAt = (c: readonly number[], v: readonly number[]) => {
  const b1 = tensor(c.map((ck) => -ck), { dtype: "float64" });
  const w1 = tensor([c.map(() => 1)], { dtype: "float64" });
  const w2 = tensor(v.map((vk) => [vk]), { dtype: "float64" });
  return (x: Tensor) => add(matmul(relu(add(matmul(x, w1), b1)), w2), x);
};

const f64: { dtype: FloatDType } = { dtype: "float64" };

const assertCloseList = (actual: readonly number[], expected: readonly number[], tol: number) => {
  assert.equal(actual.length, expected.length, `got ${actual} expected ${expected}`);
  actual.forEach((a, i) => assert.ok(Math.abs(a - expected[i]) <= tol, `[${i}] ${a} vs ${expected[i]}`));
};

describe("countLinearRegions", () => {
  it("a shallow ReLU network with D hidden units has at most D + 1 linear regions on a line", () =>
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 48 }),
        fc.nat(),
        fc.double({ min: -3, max: 0, noNaN: true }),
        fc.double({ min: 0.5, max: 6, noNaN: true }),
        (d, seed, a, width) => {
          const net = randomNet(seed, [d]);
          const b = a + width;
          const r = linearRegions(applyNet(net), [a, b], f64);
          const count = r.slopes.length;
          assert.ok(count <= d + 1, `${count} regions for D = ${d}`);
          // Exactly: one region more than the units whose kink −b₁ₖ/w₁ₖ lies inside (a, b).
          const w1 = net[0].w.toTypedArray();
          const b1 = net[0].b.toTypedArray();
          const kinks = Array.from(w1, (wk, k) => -b1[k] / wk).filter((c) => c > a && c < b).sort((u, v) => u - v);
          assertCloseList(r.breakpoints, kinks, 1e-9);
          assert.equal(r.unresolved, 0);
        },
      ),
      { numRuns: 100 },
    ));

  it("a hand-built shallow network with D units and all D kinks inside has exactly D + 1 regions", () => {
    for (let d = 1; d <= 16; d++) {
      // Kinks spread over (−1, 1), some on grid points (0 and ±0.5 for even D), slope changes alternating in sign.
      const c = Array.from({ length: d }, (_, k) => -1 + (2 * (k + 1)) / (d + 1));
      const v = c.map((_, k) => (k % 2 === 0 ? 2 : -3));
      const r = linearRegions(kinkedAt(c, v), [-1, 1], f64);
      assert.equal(r.slopes.length, d + 1, `D = ${d}`);
      assert.equal(countLinearRegions(kinkedAt(c, v), [-1, 1], f64), d + 1);
      assertCloseList(r.breakpoints, c, 1e-12);
      // The slopes are 1 + the running sum of the changes.
      const expected = [1, ...v.map((_, k) => 1 + v.slice(0, k + 1).reduce((s, x) => s + x, 0))];
      assertCloseList(r.slopes, expected, 1e-12);
    }
  });

  it("finds two kinks inside one grid cell, and a kink on a grid point once", () => {
    // Grid spacing 1/32 on [0, 2]; the kinks at 0.3 and 0.3 + 1e-7 share a cell, 1.0 is a grid point.
    const c = [0.3, 0.3 + 1e-7, 1.0];
    const r = linearRegions(kinkedAt(c, [1, -1.5, 4]), [0, 2], { ...f64, samples: 64 });
    assertCloseList(r.breakpoints, c, 1e-12);
    assert.equal(r.unresolved, 0);
  });

  it("finds a tent that returns to the same line when it is wider than the grid spacing", () => {
    // relu(x) − 2 relu(x − 0.1) + relu(x − 0.2) is a tent on [0, 0.2]: slopes 0, 1, −1, 0 (plus the identity).
    const r = linearRegions(kinkedAt([0, 0.1, 0.2], [1, -2, 1]), [-1, 1], { ...f64, samples: 16 });
    assertCloseList(r.breakpoints, [0, 0.1, 0.2], 1e-12);
    assertCloseList(r.slopes, [1, 2, 0, 1], 1e-12);
  });

  it("a unit whose kink does not change the slope (output weight 0) adds no region", () => {
    assert.equal(countLinearRegions(kinkedAt([-0.5, 0, 0.5], [1, 0, 1]), [-1, 1], f64), 3);
  });

  it("a kink outside [a, b] or exactly at an end is not counted", () => {
    const f = kinkedAt([-2, 0, 1], [1, 1, 1]);
    assert.deepEqual(linearRegions(f, [0, 1], f64).breakpoints, []);
    assert.equal(countLinearRegions(f, [-1, 2], f64), 3);
  });

  it("a deep ReLU network's breakpoints are where its activation pattern changes and its slope with it", () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const net = randomNet(seed, [6, 6, 4]);
      const f = applyNet(net);
      const [a, b] = [-3, 3];
      const r = linearRegions(f, [a, b], f64);
      // Reference: the on/off pattern of every hidden unit on 40,001 points, and the slope there (autodiff);
      // a change of both between neighbours brackets a kink (two kinks within one 1.5e-4 step are improbable).
      const m = 40_001;
      const xs = reshape(linspace(a, b, m, f64), [m, 1]);
      const patterns: ArrayLike<number>[] = [];
      net.slice(0, -1).reduce((h, { w, b: bias }) => {
        const z = add(matmul(h, w), bias);
        patterns.push(cast(greater(z, 0), "float64").toTypedArray());
        return relu(z);
      }, xs);
      const slope = grad((x: Tensor) => sum(f(x)))(xs).toTypedArray();
      const widths = net.slice(0, -1).map(({ w }) => w.shape[1]);
      const changes: number[] = [];
      for (let i = 1; i < m; i++) {
        const flipped = patterns.some((p, l) => {
          for (let u = 0; u < widths[l]; u++) if (p[i * widths[l] + u] !== p[(i - 1) * widths[l] + u]) return true;
          return false;
        });
        if (flipped && Math.abs(slope[i] - slope[i - 1]) > 1e-9) changes.push(a + ((b - a) * (i - 0.5)) / (m - 1));
      }
      assert.ok(changes.length >= 3, `seed ${seed}: a trivial network (${changes.length} changes)`);
      assertCloseList(r.breakpoints, changes, (b - a) / (m - 1) / 2);
    }
  });

  it("a float32 network has the same regions as its float64 twin", () => {
    for (const seed of [7, 8, 9]) {
      const net64 = randomNet(seed, [12, 8]);
      const net32 = net64.map(({ w, b }) => ({ w: cast(w, "float32"), b: cast(b, "float32") }));
      const r64 = linearRegions(applyNet(net64), [-2, 2], f64);
      const r32 = linearRegions(applyNet(net32), [-2, 2], { dtype: "float32" });
      assert.equal(r32.slopes.length, r64.slopes.length, `seed ${seed}`);
      assert.equal(r32.unresolved, 0);
      assertCloseList(r32.breakpoints, r64.breakpoints, 1e-4);
    }
  });

  it("|x| written as relu(x) + relu(−x) has 2 regions, though both units switch at 0", () => {
    const abs = (x: Tensor) => add(relu(x), relu(neg(x)));
    // 0 is a grid point here: the slope sampled there (relu′(0) = 0 for both) is neither side's.
    const r = linearRegions(abs, [-1, 1], f64);
    assert.deepEqual(r.breakpoints, [0]);
    assert.deepEqual(r.slopes, [-1, 1]);
  });

  it("rejects a bad interval, a wrong output shape, and a smooth function", () => {
    const id = (x: Tensor) => x;
    assert.throws(() => countLinearRegions(id, [1, 1]), (e) => e instanceof ValueError && /a < b/.test(e.message));
    assert.throws(() => countLinearRegions(id, [0, Number.NaN]), ValueError);
    assert.throws(() => countLinearRegions(id, [0, 1], { samples: 0 }), /samples must be a positive integer/);
    assert.throws(
      () => countLinearRegions((x) => matmul(x, tensor([[1, 2]])), [0, 1]),
      (e) => e instanceof ShapeError && /linearRegions: f must map an input \[1025, 1\] to \[1025, 1\]/.test(e.message),
    );
    assert.throws(
      () => countLinearRegions((x) => tanh(x), [-2, 2], { samples: 64 }),
      (e) => e instanceof ValueError && /does not look continuous and piecewise linear/.test(e.message),
    );
  });
});
