/**
 * Tests of data/batches.ts and data/split.ts: an epoch's batches hold every
 * example exactly once (or drop only the short last batch), rows of x and y
 * stay paired, the same key gives the same batches and a new key a new
 * order; split parts are disjoint, cover the data and have the sizes of the
 * largest-remainder rule.
 */
import { assert, describe, fc, it } from "./lib/test.ts";
import { arange, data, random, reshape, ShapeError, type Tensor, tensor, ValueError, zeros } from "../mod.ts";

/** x[i] = [i, i + 0.5] and y[i] = 10 i, so a row says which example it is and whether x and y agree. */
const dataset = (n: number) => ({
  x: reshape(tensor(Float32Array.from({ length: 2 * n }, (_, j) => Math.floor(j / 2) + (j % 2) / 2)), [n, 2]),
  y: tensor(Float32Array.from({ length: n }, (_, i) => 10 * i)),
});
const ids = (b: { x: Tensor; y: Tensor }): number[] => {
  const xs = b.x.toArray() as number[][];
  const ys = b.y.toArray() as number[];
  xs.forEach(([a, h], i) => {
    assert.equal(h, a + 0.5, "the x row is intact");
    assert.equal(ys[i], 10 * a, "x and y rows stay paired");
  });
  return xs.map(([a]) => a);
};
const range = (n: number) => Array.from({ length: n }, (_, i) => i);

describe("batches", () => {
  it("one epoch covers every example exactly once, in batches of batchSize (the last one shorter)", () =>
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 12 }), fc.nat(1000), (n, b, seed) => {
        const bs = data.batches(random.key(seed), dataset(n), b);
        const all = [...bs];
        assert.equal(bs.length, Math.ceil(n / b));
        assert.equal(all.length, bs.length);
        assert.equal(bs.examples, n);
        all.forEach((batch, i) => assert.equal(batch.x.shape[0], i < all.length - 1 ? b : n - b * (all.length - 1)));
        assert.deepEqual(all.flatMap(ids).sort((p, q) => p - q), range(n));
      }),
      { numRuns: 60 },
    ));

  it("dropLast drops only the short last batch, and every batch is full", () =>
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 12 }), fc.nat(1000), (n, b, seed) => {
        const all = [...data.batches(random.key(seed), dataset(n), b, { dropLast: true })];
        assert.equal(all.length, Math.floor(n / b));
        for (const batch of all) assert.equal(batch.x.shape[0], b);
        const seen = all.flatMap(ids);
        assert.equal(new Set(seen).size, seen.length, "no example twice");
        assert.equal(seen.length, b * Math.floor(n / b));
      }),
      { numRuns: 60 },
    ));

  it("the same key gives the same batches; the batches can be iterated again", () => {
    const a = data.batches(random.key(3), dataset(20), 6);
    const b = data.batches(random.key(3), dataset(20), 6);
    assert.deepEqual([...a].map(ids), [...b].map(ids));
    assert.deepEqual([...a].map(ids), [...a].map(ids));
    assert.deepEqual(ids(a.at(2)), [...a].map(ids)[2]);
  });

  it("a new key per epoch (foldIn) gives a new order, and the order is a permutation", () => {
    const key = random.key(0);
    const orders = range(5).map((e) => [...data.batches(random.foldIn(key, e), dataset(30), 30)].flatMap(ids));
    for (const o of orders) assert.deepEqual([...o].sort((p, q) => p - q), range(30));
    for (let e = 1; e < 5; e++) assert.notDeepEqual(orders[e], orders[e - 1]);
    assert.notDeepEqual(orders[0], range(30), "shuffled, not in order");
  });

  it("key null keeps the data's order", () => {
    const all = [...data.batches(null, dataset(7), 3)].map(ids);
    assert.deepEqual(all, [[0, 1, 2], [3, 4, 5], [6]]);
  });

  it("batches any tree (a tuple, a single tensor, nested objects) and keeps its structure", () => {
    const [x, y] = [zeros([5, 2, 3]), arange(5)];
    const tuple = data.batches(random.key(1), [x, y] as const, 2).at(0);
    assert.deepEqual([tuple[0].shape, tuple[1].shape], [[2, 2, 3], [2]]);
    assert.deepEqual(data.batches(null, y, 4).at(1).toArray(), [4]);
    const nested = data.batches(null, { inputs: { a: x }, y }, 5).at(0);
    assert.deepEqual(nested.inputs.a.shape, [5, 2, 3]);
  });

  it("rejects arrays whose leading sizes differ, naming both", () => {
    assert.throws(
      () => data.batches(random.key(0), { x: zeros([5, 2]), y: zeros([4]) }, 2),
      (e: unknown) =>
        e instanceof ShapeError && /^batches: leading sizes differ: x has 5 \(shape \[5,2\]\), y has 4/.test(e.message),
    );
    assert.throws(() => data.batches(random.key(0), { x: tensor(1) }, 2), ShapeError);
    assert.throws(
      () => data.batches(random.key(0), { x: zeros([4]) }, 0),
      /batches: batchSize must be a positive integer/,
    );
    assert.throws(() => data.batches(random.key(0), {}, 2), ValueError);
    assert.throws(() => data.batches(7 as unknown as random.Key, { x: zeros([4]) }, 2), /batches: expected a Key/);
    assert.throws(() => data.batches(null, zeros([4]), 2).at(2), /batch index 2 is out of range for 2 batches/);
  });

  it("batchIndices: int32 index tensors of the permutation", () => {
    const idx = data.batchIndices(random.key(5), 10, 4);
    assert.ok(idx.every((t) => t.dtype === "int32"));
    assert.deepEqual(idx.map((t) => t.shape[0]), [4, 4, 2]);
    const perm = random.permutation(random.key(5), 10).toArray();
    assert.deepEqual(idx.flatMap((t) => t.toArray() as number[]), perm);
    assert.deepEqual(data.batchIndices(random.key(5), 0, 4), []);
  });
});

describe("split", () => {
  it("parts are disjoint, cover the data, keep rows paired, and have the largest-remainder sizes", () =>
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 60 }),
        fc.array(fc.integer({ min: 1, max: 20 }), { minLength: 1, maxLength: 4 }),
        fc.nat(1000),
        (n, weights, seed) => {
          const total = weights.reduce((a, b) => a + b, 0);
          const fractions = weights.map((w) => w / total);
          fc.pre(Math.abs(fractions.reduce((a, b) => a + b, 0) - 1) <= 1e-9);
          const parts = data.split(random.key(seed), dataset(n), fractions);
          const sizes = data.splitSizes(n, fractions);
          assert.deepEqual(parts.map((p) => p.x.shape[0]), sizes);
          assert.equal(sizes.reduce((a, b) => a + b, 0), n);
          sizes.forEach((s, i) =>
            assert.ok(Math.abs(s - fractions[i] * n) < 1, `part ${i}: ${s} vs ${fractions[i] * n}`)
          );
          assert.deepEqual(parts.flatMap(ids).sort((p, q) => p - q), range(n));
        },
      ),
      { numRuns: 80 },
    ));

  it("80/10/10 of 1000 examples is 800/100/100, shuffled; key null splits in order", () => {
    const [train, val, test] = data.split(random.key(0), dataset(1000), [0.8, 0.1, 0.1]);
    assert.deepEqual([train.x.shape[0], val.x.shape[0], test.x.shape[0]], [800, 100, 100]);
    assert.notDeepEqual(ids(test), range(1000).slice(900));
    const [a, b] = data.split(null, dataset(10), [0.7, 0.3]);
    assert.deepEqual([ids(a), ids(b)], [range(7), [7, 8, 9]]);
  });

  it("the same key gives the same split", () => {
    const s1 = data.split(random.key(4), dataset(50), [0.5, 0.5]).map(ids);
    const s2 = data.split(random.key(4), dataset(50), [0.5, 0.5]).map(ids);
    assert.deepEqual(s1, s2);
  });

  it("splitSizes by hand: ties go to the earlier part", () => {
    assert.deepEqual(data.splitSizes(5, [0.5, 0.5]), [3, 2]);
    assert.deepEqual(data.splitSizes(10, [1 / 3, 1 / 3, 1 / 3]), [4, 3, 3]);
    assert.deepEqual(data.splitSizes(7, [0.6, 0.4]), [4, 3]); // 4.2 and 2.8: the larger remainder gets the extra one
    assert.deepEqual(data.splitSizes(0, [0.5, 0.5]), [0, 0]);
  });

  it("rejects fractions that do not sum to 1 or are not positive, and unequal leading sizes", () => {
    assert.throws(() => data.split(random.key(0), dataset(10), [0.5, 0.4]), /split: fractions must sum to 1/);
    assert.throws(
      () => data.split(random.key(0), dataset(10), [1.2, -0.2]),
      /split: every fraction must be in \(0, 1\]/,
    );
    assert.throws(() => data.split(random.key(0), dataset(10), []), /split: fractions must be a non-empty array/);
    assert.throws(
      () => data.split(random.key(0), { x: zeros([3]), y: zeros([2]) }, [1]),
      /split: leading sizes differ/,
    );
  });
});
