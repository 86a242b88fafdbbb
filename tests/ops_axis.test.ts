/**
 * Ops along an axis and the moments: cumsum, flip, split, tile,
 * takeAlongAxis, argsort/sort/topk, variance/std with ddof, norm, conv1d —
 * each against a plain-JS float64 reference of NumPy's definition, on random
 * shapes and axes.
 */
import { assert, describe, fc, it } from "./lib/test.ts";
import {
  argsort,
  conv1d,
  conv2d,
  cumsum,
  flip,
  norm,
  reshape,
  sort,
  split,
  std,
  takeAlongAxis,
  type Tensor,
  tensor,
  tile,
  topk,
  variance,
} from "../mod.ts";
import { floatTensorArb, shapeArb } from "../testing/mod.ts";

const vals = (t: Tensor) => Array.from(t.toTypedArray());

/** Index helpers over row-major shapes. */
const stridesOf = (s: readonly number[]) => s.map((_, i) => s.slice(i + 1).reduce((a, b) => a * b, 1));
const unravel = (i: number, s: readonly number[]) => stridesOf(s).map((st, d) => Math.floor(i / st) % s[d]);
const ravel = (idx: readonly number[], s: readonly number[]) => idx.reduce((acc, v, d) => acc + v * stridesOf(s)[d], 0);

const tensorAndAxis = fc.tuple(
  floatTensorArb({ shapeArb: shapeArb({ minRank: 1, maxRank: 3, maxDim: 5 }), dtype: "float64" }),
  fc.nat(),
).map(([x, a]) => ({ x, axis: a % x.ndim }));

describe("cumsum", () => {
  it("equals the running sums of every line along the axis, forward and reverse, inclusive and exclusive", () => {
    fc.assert(
      fc.property(tensorAndAxis, fc.boolean(), fc.boolean(), ({ x, axis }, reverse, exclusive) => {
        const got = vals(cumsum(x, axis, { reverse, exclusive }));
        const xs = vals(x);
        const n = x.shape[axis];
        xs.forEach((_, i) => {
          const idx = unravel(i, x.shape);
          let want = 0;
          for (let j = 0; j < n; j++) {
            const inRange = reverse
              ? (exclusive ? j > idx[axis] : j >= idx[axis])
              : (exclusive ? j < idx[axis] : j <= idx[axis]);
            if (inRange) want += xs[ravel(idx.map((v, d) => (d === axis ? j : v)), x.shape)];
          }
          assert.ok(Math.abs(got[i] - want) <= 1e-12 * (1 + Math.abs(want)), `at ${idx}: ${got[i]} vs ${want}`);
        });
      }),
    );
  });

  it("int32 stays int32 and bool counts", () => {
    assert.deepEqual(cumsum(tensor([1, 2, 3], { dtype: "int32" })).toArray(), [1, 3, 6]);
    const c = cumsum(tensor([true, false, true]));
    assert.deepEqual([c.dtype, c.toArray()], ["int32", [1, 1, 2]]);
  });
});

describe("flip, split, tile", () => {
  it("flip reverses exactly the chosen axes (np.flip), and twice is the identity", () => {
    fc.assert(
      fc.property(tensorAndAxis, ({ x, axis }) => {
        const got = vals(flip(x, axis));
        const xs = vals(x);
        got.forEach((v, i) => {
          const idx = unravel(i, x.shape);
          const src = idx.map((k, d) => (d === axis ? x.shape[d] - 1 - k : k));
          assert.equal(v, xs[ravel(src, x.shape)]);
        });
        assert.deepEqual(vals(flip(flip(x, axis), axis)), xs);
      }),
    );
  });

  it("split into sections or at indices concatenates back to the input (np.split)", () => {
    const x = reshape(tensor(Array.from({ length: 12 }, (_, i) => i)), [2, 6]);
    assert.deepEqual(split(x, 3, 1).map((t) => t.toArray()), [[[0, 1], [6, 7]], [[2, 3], [8, 9]], [[4, 5], [10, 11]]]);
    assert.deepEqual(split(x, [1, 4], -1).map((t) => t.shape), [[2, 1], [2, 3], [2, 2]]);
    assert.deepEqual(split(x, [4, 2], 1).map((t) => t.shape), [[2, 4], [2, 0], [2, 4]]);
    assert.throws(() => split(x, 4, 1), /split: cannot split axis 1 of size 6 \(shape \[2,6\]\) into 4 equal parts/);
  });

  it("tile repeats along each axis as np.tile, including shorter and longer reps", () => {
    const x = tensor([[1, 2], [3, 4]]);
    assert.deepEqual(tile(x, [1, 2]).toArray(), [[1, 2, 1, 2], [3, 4, 3, 4]]);
    assert.deepEqual(tile(x, 2).toArray(), [[1, 2, 1, 2], [3, 4, 3, 4]]);
    assert.deepEqual(tile(tensor([1, 2]), [2, 1, 2]).shape, [2, 1, 4]);
    assert.deepEqual(tile(x, [2, 1]).toArray(), [[1, 2], [3, 4], [1, 2], [3, 4]]);
    assert.throws(() => tile(x, [-1]), /tile: repetitions must be non-negative integers/);
  });
});

describe("takeAlongAxis, argsort, sort, topk", () => {
  it("argsort is NumPy's stable argsort (NaN last), and sort = takeAlongAxis(x, argsort(x))", () => {
    // Values from a few levels, so ties are common and stability matters.
    const arb = fc.tuple(
      shapeArb({ minRank: 1, maxRank: 3, maxDim: 5 }),
      fc.array(fc.integer({ min: -2, max: 2 }), {
        minLength: 125,
        maxLength: 125,
      }),
      fc.nat(),
      fc.boolean(),
    );
    fc.assert(
      fc.property(arb, ([shape, raw, a, descending]) => {
        const n = shape.reduce((p, q) => p * q, 1);
        const data = raw.slice(0, n).map((v) => (v === 2 ? NaN : v));
        const x = tensor(data, { shape, dtype: "float64" });
        const axis = a % shape.length;
        const got = vals(argsort(x, axis, { descending }));
        const sorted = vals(sort(x, axis, { descending }));
        got.forEach((_, i) => {
          const idx = unravel(i, shape);
          if (idx[axis] !== 0) return;
          const line = Array.from(
            { length: shape[axis] },
            (_, j) => data[ravel(idx.map((v, d) => (d === axis ? j : v)), shape)],
          );
          const order = line.map((_, j) => j).sort((p, q) => {
            const [u, v] = [line[p], line[q]];
            if (Number.isNaN(u) || Number.isNaN(v)) {
              return Number.isNaN(u) === Number.isNaN(v) ? p - q : Number.isNaN(u) ? 1 : -1;
            }
            return u === v ? p - q : descending ? v - u : u - v;
          });
          order.forEach((want, j) => {
            const at = ravel(idx.map((v, d) => (d === axis ? j : v)), shape);
            assert.equal(got[at], want);
            assert.ok(Object.is(sorted[at], line[want]) || (Number.isNaN(sorted[at]) && Number.isNaN(line[want])));
          });
        });
      }),
    );
  });

  it("takeAlongAxis picks per row with broadcasting and negative indices, and rejects bad indices", () => {
    const x = tensor([[10, 20, 30], [40, 50, 60]]);
    assert.deepEqual(takeAlongAxis(x, tensor([[-1], [0]], { dtype: "int32" }), 1).toArray(), [[30], [40]]);
    assert.deepEqual(takeAlongAxis(x, tensor([[1, 0, 1]], { dtype: "int32" }), 0).toArray(), [[40, 20, 60]]);
    assert.throws(() => takeAlongAxis(x, tensor([[3]], { dtype: "int32" }), 1), /takeAlongAxis: index 3 .* size 3/);
    assert.throws(() => takeAlongAxis(x, tensor([0, 1], { dtype: "int32" }), 1), /takeAlongAxis: .* same rank/);
    assert.throws(() => takeAlongAxis(x, tensor([[0.5]]), 1), /takeAlongAxis: indices have dtype float32/);
  });

  it("topk gives the k largest, largest first, ties in input order (jax.lax.top_k)", () => {
    const [v, i] = topk(tensor([[1, 9, 3, 9, 2], [5, 4, 3, 2, 1]]), 3);
    assert.deepEqual(v.toArray(), [[9, 9, 3], [5, 4, 3]]);
    assert.deepEqual(i.toArray(), [[1, 3, 2], [0, 1, 2]]);
    assert.throws(() => topk(tensor([1, 2]), 3), /topk: k must be an integer in \[0, 2\]/);
  });
});

describe("variance, std (ddof), norm", () => {
  it("variance and std with ddof match the two-pass definition (ddof 0: NumPy's default, 1: torch's)", () => {
    fc.assert(
      fc.property(tensorAndAxis, fc.constantFrom(0, 1), ({ x, axis }, ddof) => {
        const n = x.shape[axis];
        fc.pre(n > ddof);
        const v = vals(variance(x, { axis, ddof }));
        const s = vals(std(x, axis, false, ddof));
        const xs = vals(x);
        const outShape = x.shape.filter((_, d) => d !== axis);
        v.forEach((got, o) => {
          const oi = unravel(o, outShape);
          const line = Array.from(
            { length: n },
            (_, j) => xs[ravel([...oi.slice(0, axis), j, ...oi.slice(axis)], x.shape)],
          );
          const m = line.reduce((a, b) => a + b, 0) / n;
          const want = line.reduce((a, b) => a + (b - m) ** 2, 0) / (n - ddof);
          assert.ok(Math.abs(got - want) <= 1e-12 * (1 + want));
          assert.ok(Math.abs(s[o] - Math.sqrt(want)) <= 1e-12 * (1 + Math.sqrt(want)));
        });
      }),
    );
    assert.throws(() => variance(tensor([1, 2]), { ddof: -1 }), /variance: ddof must be a non-negative integer/);
  });

  it("norm is the vector p-norm over the axes (np.linalg.norm), Frobenius by default", () => {
    const x = tensor([[3, -4], [0, 12]], { dtype: "float64" });
    assert.equal(norm(x).item(), 13);
    assert.deepEqual(norm(x, { axis: 1 }).toArray(), [5, 12]);
    assert.deepEqual(norm(x, { axis: 0, ord: 1 }).toArray(), [3, 16]);
    assert.deepEqual(norm(x, { axis: 1, ord: Infinity, keepDims: true }).toArray(), [[4], [12]]);
    assert.deepEqual(norm(x, { axis: 1, ord: -Infinity }).toArray(), [3, 0]);
    assert.ok(Math.abs(norm(x, { ord: 3 }).item() - Math.cbrt(27 + 64 + 1728)) < 1e-12);
    assert.throws(() => norm(x, { ord: 0 }), /norm: ord must be a positive number or ±Infinity, got 0/);
  });
});

describe("conv1d", () => {
  it("equals conv2d on height-1 images and the direct sum Σ_k x[i·s + k·d] w[k] (cross-correlation)", () => {
    const arb = fc.tuple(
      fc.integer({ min: 1, max: 2 }),
      fc.integer({ min: 1, max: 7 }),
      fc.integer({ min: 1, max: 3 }),
      fc.integer({ min: 1, max: 3 }),
      fc.integer({ min: 1, max: 3 }),
      fc.integer({ min: 1, max: 2 }),
      fc.integer({ min: 1, max: 2 }),
      fc.array(fc.double({ min: -2, max: 2, noNaN: true }), { minLength: 200, maxLength: 200 }),
    );
    fc.assert(
      fc.property(arb, ([n, w, c, o, k, s, d, pool]) => {
        fc.pre((k - 1) * d + 1 <= w);
        const x = tensor(pool.slice(0, n * w * c), { shape: [n, w, c], dtype: "float64" });
        const kern = tensor(pool.slice(100, 100 + k * c * o), { shape: [k, c, o], dtype: "float64" });
        const y = conv1d(x, kern, { stride: s, dilation: d });
        const ow = Math.floor((w - (k - 1) * d - 1) / s) + 1;
        assert.deepEqual(y.shape, [n, ow, o]);
        const xs = vals(x), ks = vals(kern), ys = vals(y);
        for (let b = 0; b < n; b++) {
          for (let i = 0; i < ow; i++) {
            for (let q = 0; q < o; q++) {
              let want = 0;
              for (let t = 0; t < k; t++) {
                for (let ch = 0; ch < c; ch++) {
                  want += xs[(b * w + i * s + t * d) * c + ch] * ks[(t * c + ch) * o + q];
                }
              }
              assert.ok(Math.abs(ys[(b * ow + i) * o + q] - want) < 1e-12);
            }
          }
        }
        const viaConv2d = conv2d(reshape(x, [n, 1, w, c]), reshape(kern, [1, k, c, o]), {
          strides: [1, s],
          dilation: [1, d],
        });
        assert.deepEqual(vals(y), vals(viaConv2d));
      }),
    );
  });

  it("'same' padding keeps the length at stride 1; bad ranks and channels name conv1d", () => {
    assert.deepEqual(
      conv1d(tensor(new Float32Array(10), { shape: [1, 5, 2] }), tensor(new Float32Array(6), { shape: [3, 2, 1] }), {
        padding: "same",
      }).shape,
      [1, 5, 1],
    );
    assert.throws(
      () => conv1d(tensor([1, 2]), tensor([1])),
      /conv1d: expects sequences \[N, W, C\] of rank 3, got \[2\]/,
    );
    assert.throws(
      () =>
        conv1d(tensor(new Float32Array(4), { shape: [1, 2, 2] }), tensor(new Float32Array(3), { shape: [1, 3, 1] })),
      /conv1d: channels differ/,
    );
  });
});
