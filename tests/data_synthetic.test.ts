/**
 * Tests of data/synthetic.ts: each set's shapes and dtypes, its geometry
 * (XOR corners, points on the spirals at the documented angle and radius,
 * blobs around their centres, y = fn(x) without noise, noise of the asked
 * size), balanced classes, determinism per key (bit for bit), new samples
 * for a new key, and argument errors that name the function and argument.
 */
import { assert, describe, fc, it } from "./lib/test.ts";
import { DTypeError, ValueError } from "../core/errors.ts";
import { key } from "../core/random/mod.ts";
import type { Tensor } from "../core/tensor.ts";
import { blobs, noisy1d, randomLabels, twoSpirals, xor } from "../data/synthetic.ts";

const rows = (t: Tensor) => t.toArray() as number[][];
const flat = (t: Tensor) => Array.from(t.toTypedArray());
const countsOf = (y: Tensor, k: number) => {
  const c = new Array(k).fill(0);
  for (const v of y.toTypedArray()) c[v]++;
  return c;
};
const meanStd = (v: readonly number[]) => {
  const m = v.reduce((a, b) => a + b, 0) / v.length;
  return [m, Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / v.length)];
};
const sameBits = (a: Tensor, b: Tensor) =>
  a.dtype === b.dtype && JSON.stringify(a.shape) === JSON.stringify(b.shape) &&
  flat(a).every((v, i) => Object.is(v, flat(b)[i]));

/** Every generator with small options, for the shared determinism and validation checks. */
const GENERATORS: [string, (k: ReturnType<typeof key>) => { x: Tensor; y: Tensor }][] = [
  ["xor", (k) => xor(k, { n: 12 })],
  ["twoSpirals", (k) => twoSpirals(k, { n: 12, noise: 0.1 })],
  ["blobs", (k) => blobs(k, { n: 12 })],
  ["noisy1d", (k) => noisy1d(k, { n: 12 })],
  ["randomLabels", (k) => randomLabels(k, { n: 12, dim: 3, classes: 4 })],
];

describe("every synthetic set", () => {
  it("property: the same key gives bit-identical tensors, another key different inputs", () =>
    fc.assert(
      fc.property(fc.nat(10_000), fc.nat(10_000), (a, b) => {
        fc.pre(a !== b);
        for (const [name, make] of GENERATORS) {
          const [p, q, r] = [make(key(a)), make(key(a)), make(key(b))];
          assert.ok(sameBits(p.x, q.x) && sameBits(p.y, q.y), `${name}: same key, same tensors`);
          assert.ok(!sameBits(p.x, r.x), `${name}: another key, other inputs`);
        }
      }),
      { numRuns: 20 },
    ));

  it("rejects a bad n, a non-key and a non-float dtype, naming the function and the argument", () => {
    assert.throws(
      () => twoSpirals(key(0), { n: 0 }),
      (e) => e instanceof ValueError && /^twoSpirals: n must be a positive integer, got 0/.test(e.message),
    );
    assert.throws(
      () => xor(key(0), { n: 2.5 }),
      (e) => e instanceof ValueError && /^xor: n must be a positive integer/.test(e.message),
    );
    assert.throws(() => blobs(7 as never), (e) => e instanceof ValueError && /^blobs: expected a Key/.test(e.message));
    assert.throws(
      () => noisy1d(key(0), { dtype: "int32" as never }),
      (e) => e instanceof DTypeError && /^noisy1d: dtype must be float32 or float64, got int32/.test(e.message),
    );
    assert.throws(() => twoSpirals(key(0), { noise: -1 }), /twoSpirals: noise must be ≥ 0, got -1/);
    assert.throws(() => twoSpirals(key(0), { turns: 0 }), /twoSpirals: turns must be > 0/);
    assert.throws(
      () => randomLabels(key(0), { n: 3, dim: 2, classes: 0 }),
      /randomLabels: classes must be a positive integer/,
    );
  });

  it("float64 is available on request, and float32 inputs are the float64 ones rounded", () => {
    for (const make of [xor, twoSpirals, blobs, noisy1d] as const) {
      const a = (make as (k: unknown, o: object) => { x: Tensor })(key(3), { n: 10, dtype: "float64" });
      const b = (make as (k: unknown, o: object) => { x: Tensor })(key(3), { n: 10 });
      assert.deepEqual([a.x.dtype, b.x.dtype], ["float64", "float32"]);
      if (make !== noisy1d) assert.deepEqual(flat(b.x), flat(a.x).map(Math.fround), make.name);
    }
  });
});

describe("xor", () => {
  it("without a key: the four points and their targets, float32", () => {
    const { x, y } = xor();
    assert.deepEqual([x.dtype, x.shape, y.dtype, y.shape], ["float32", [4, 2], "float32", [4, 1]]);
    assert.deepEqual(rows(x), [[0, 0], [0, 1], [1, 0], [1, 1]]);
    assert.deepEqual(rows(y), [[0], [1], [1], [0]]);
  });

  it("with a key: sample i near corner i mod 4 with that corner's target; noise 0 gives the corners", () => {
    const n = 401, noise = 0.1;
    const { x, y } = xor(key(1), { n, noise });
    assert.deepEqual([x.shape, y.shape], [[n, 2], [n, 1]]);
    const corners = [[0, 0], [0, 1], [1, 0], [1, 1]];
    const dev: number[] = [];
    rows(x).forEach(([a, b], i) => {
      const [ca, cb] = corners[i % 4];
      dev.push(a - ca, b - cb);
      assert.equal(rows(y)[i][0], ca ^ cb);
    });
    const [m, s] = meanStd(dev);
    assert.ok(Math.abs(m) < 0.02 && Math.abs(s - noise) < 0.01, `noise mean ${m}, std ${s}`);
    assert.deepEqual(rows(xor(key(1), { n: 8, noise: 0 }).x), [...corners, ...corners]);
  });
});

describe("twoSpirals", () => {
  it("property: without noise each point lies on its spiral: radius in [0, 1), angle 2π·turns·r + π·class", () =>
    fc.assert(
      fc.property(
        fc.nat(1000),
        fc.integer({ min: 1, max: 60 }),
        fc.double({ min: 0.25, max: 4, noNaN: true }),
        (seed, n, turns) => {
          const { x, y } = twoSpirals(key(seed), { n, turns });
          assert.deepEqual([x.shape, x.dtype, y.shape, y.dtype], [[n, 2], "float32", [n], "int32"]);
          const labels = flat(y);
          rows(x).forEach(([a, b], i) => {
            const r = Math.hypot(a, b);
            assert.ok(r >= 0 && r < 1 + 1e-6, `radius ${r}`);
            assert.equal(labels[i], i % 2);
            if (r > 0.01) {
              const want = 2 * Math.PI * turns * r + Math.PI * labels[i];
              const diff = Math.atan2(b, a) - want;
              const wrapped = Math.abs(diff - 2 * Math.PI * Math.round(diff / (2 * Math.PI)));
              assert.ok(wrapped < 1e-4, `point ${i}: angle off by ${wrapped}`);
            }
          });
        },
      ),
      { numRuns: 40 },
    ));

  it("the classes are balanced (class 0 takes the odd point) and noise moves points off the curves", () => {
    assert.deepEqual(countsOf(twoSpirals(key(0), { n: 201 }).y, 2), [101, 100]);
    const clean = twoSpirals(key(5), { n: 500 }), noisy = twoSpirals(key(5), { n: 500, noise: 0.05 });
    const d = flat(noisy.x).map((v, i) => v - flat(clean.x)[i]);
    const [m, s] = meanStd(d);
    assert.ok(Math.abs(m) < 0.01 && Math.abs(s - 0.05) < 0.005, `offsets mean ${m}, std ${s}`);
    assert.deepEqual(flat(noisy.y), flat(clean.y));
  });
});

describe("blobs", () => {
  it("given centres: round-robin labels, each blob's mean near its centre and spread std", () => {
    const centers = [[0, 0, 0], [5, -5, 1], [-3, 8, 2]];
    const { x, y, centers: c } = blobs(key(2), { n: 600, centers, std: 0.5 });
    assert.deepEqual([x.shape, y.dtype, c.shape], [[600, 3], "int32", [3, 3]]);
    assert.deepEqual(rows(c), centers);
    assert.deepEqual(flat(y).slice(0, 6), [0, 1, 2, 0, 1, 2]);
    assert.deepEqual(countsOf(y, 3), [200, 200, 200]);
    for (let k = 0; k < 3; k++) {
      for (let j = 0; j < 3; j++) {
        const v = rows(x).filter((_, i) => i % 3 === k).map((r) => r[j]);
        const [m, s] = meanStd(v);
        assert.ok(Math.abs(m - centers[k][j]) < 0.15 && Math.abs(s - 0.5) < 0.1, `blob ${k} axis ${j}: ${m}, ${s}`);
      }
    }
  });

  it("drawn centres lie in the box, in dim dimensions; std 0 puts every point on its centre", () => {
    const { x, y, centers } = blobs(key(4), { n: 20, centers: 4, dim: 5, std: 0, box: [-1, 2] });
    assert.deepEqual([x.shape, centers.shape], [[20, 5], [4, 5]]);
    assert.ok(flat(centers).every((v) => v >= -1 && v < 2));
    const c = rows(centers), labels = flat(y);
    rows(x).forEach((r, i) => assert.deepEqual(r, c[labels[i]]));
  });

  it("ragged or mismatched centres and a bad box are ValueErrors naming blobs", () => {
    assert.throws(
      () => blobs(key(0), { centers: [[0, 0], [1]] }),
      (e) => e instanceof ValueError && /blobs: centre 1 has 1 coordinates; centre 0 has 2/.test(e.message),
    );
    assert.throws(() => blobs(key(0), { centers: [[0, 0]], dim: 3 }), /blobs: dim 3 differs from the centres' 2/);
    assert.throws(
      () => blobs(key(0), { centers: [] }),
      /blobs: centers must be a positive integer or a non-empty array/,
    );
    assert.throws(() => blobs(key(0), { box: [1, 1] }), /blobs: box must be \[lo, hi\] with lo < hi/);
  });
});

describe("noisy1d", () => {
  it("without noise y = fn(x) at the float32 inputs, x within range", () => {
    const { x, y } = noisy1d(key(0), { n: 300, noise: 0, range: [-2, 3], fn: (v) => v * v - 1 });
    assert.deepEqual([x.shape, y.shape, x.dtype], [[300, 1], [300, 1], "float32"]);
    const xs = flat(x), ys = flat(y);
    assert.ok(xs.every((v) => v >= -2 && v < 3));
    xs.forEach((v, i) => assert.equal(ys[i], Math.fround(v * v - 1)));
    const [lo, hi] = [Math.min(...xs), Math.max(...xs)];
    assert.ok(lo < -1.8 && hi > 2.8, `the draws cover the range: ${lo} … ${hi}`);
  });

  it("defaults to sin on [-π, π]; the residuals have the noise's std", () => {
    const { x, y } = noisy1d(key(9), { n: 3000, noise: 0.2 });
    const xs = flat(x);
    assert.ok(xs.every((v) => v >= -Math.PI && v < Math.PI));
    const [m, s] = meanStd(flat(y).map((v, i) => v - Math.sin(xs[i])));
    assert.ok(Math.abs(m) < 0.02 && Math.abs(s - 0.2) < 0.01, `residual mean ${m}, std ${s}`);
  });

  it("a fn value that is not finite, or a bad range, is a ValueError", () => {
    assert.throws(
      () => noisy1d(key(0), { fn: () => NaN }),
      (e) => e instanceof ValueError && /noisy1d: fn\(.*\) is NaN; expected a finite number/.test(e.message),
    );
    assert.throws(
      () => noisy1d(key(0), { range: [1, 0] }),
      /noisy1d: range must be \[lo, hi\] with lo < hi, got \[1, 0\]/,
    );
    assert.throws(() => noisy1d(key(0), { fn: 3 as never }), /noisy1d: fn must be a function/);
  });
});

describe("randomLabels", () => {
  it("standard normal inputs and uniform labels over every class", () => {
    const { x, y } = randomLabels(key(11), { n: 2000, dim: 4, classes: 5 });
    assert.deepEqual([x.shape, x.dtype, y.shape, y.dtype], [[2000, 4], "float32", [2000], "int32"]);
    const [m, s] = meanStd(flat(x));
    assert.ok(Math.abs(m) < 0.05 && Math.abs(s - 1) < 0.05, `x mean ${m}, std ${s}`);
    for (const c of countsOf(y, 5)) assert.ok(c > 320 && c < 480, `class count ${c} of an expected 400`);
  });

  it("requires n, dim and classes", () => {
    assert.throws(
      () => randomLabels(key(0), { n: 3, classes: 2 } as never),
      /randomLabels: dim must be a positive integer, got undefined/,
    );
    assert.throws(
      () => randomLabels(key(0), undefined as never),
      /randomLabels: expected options \{ n, dim, classes \}/,
    );
  });
});
