/**
 * Tests of optim/search.ts: grid search tries every combination exactly
 * once; both searches rank best first (ascending, or descending with
 * maximize), keep trial order on ties and put NaN last; random search is
 * reproducible from its key, draws inside the samplers' ranges, does not
 * depend on the order the space is written in, and can drive `fit`.
 */
import { assert, describe, fc, it } from "./lib/test.ts";
import { add, matmul, mean, optim, random, square, sub, type Tensor, tensor, ValueError, zeros } from "../mod.ts";

describe("gridSearch", () => {
  it("tries every combination exactly once, the last name fastest", () =>
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 4 }), (sizes) => {
        const space = Object.fromEntries(sizes.map((n, i) => [`p${i}`, Array.from({ length: n }, (_, j) => j)]));
        const tried: string[] = [];
        const results = optim.gridSearch(space, (c, { trial }) => {
          tried.push(JSON.stringify(c));
          return trial;
        });
        assert.equal(tried.length, sizes.reduce((a, b) => a * b, 1));
        assert.equal(new Set(tried).size, tried.length);
        assert.deepEqual(JSON.parse(tried[0]), Object.fromEntries(sizes.map((_, i) => [`p${i}`, 0])));
        if (tried.length > 1) assert.equal(JSON.parse(tried[1])[`p${sizes.length - 1}`], sizes.at(-1)! > 1 ? 1 : 0);
        assert.deepEqual(results.map((r) => r.trial), results.map((_, i) => i)); // score = trial: already ranked
      }),
      { numRuns: 40 },
    ));

  it("ranks ascending by default, descending with maximize; ties keep trial order; NaN last", () => {
    const scores: Record<string, number> = { a: 3, b: NaN, c: 1, d: 3, e: 2 };
    const asc = optim.gridSearch({ name: ["a", "b", "c", "d", "e"] }, (c) => scores[c.name]);
    assert.deepEqual(asc.map((r) => r.config.name), ["c", "e", "a", "d", "b"]);
    assert.deepEqual(asc.map((r) => r.rank), [0, 1, 2, 3, 4]);
    const desc = optim.gridSearch({ name: ["a", "b", "c", "d", "e"] }, (c) => scores[c.name], { maximize: true });
    assert.deepEqual(desc.map((r) => r.config.name), ["a", "d", "e", "c", "b"]);
  });

  it("keeps what the function returns beside the score", () => {
    const r = optim.gridSearch({ lr: [0.1, 1] }, (c) => ({ score: c.lr, history: [c.lr * 2] }));
    assert.deepEqual(r[0].outcome, { score: 0.1, history: [0.2] });
    assert.equal(r[0].score, 0.1);
    assert.equal(optim.gridSearch({ lr: [1] }, () => 5)[0].outcome, undefined);
  });

  it("rejects empty value lists and functions that return no score", () => {
    assert.throws(() => optim.gridSearch({ lr: [] }, () => 0), /gridSearch: space.lr must be a non-empty array/);
    assert.throws(() => optim.gridSearch({ lr: [1] }, () => "x" as unknown as number), /trial 0 returned string/);
    assert.throws(() => optim.gridSearch([] as unknown as Record<string, number[]>, () => 0), ValueError);
  });
});

describe("randomSearch", () => {
  const space = {
    lr: optim.sampleLogUniform(1e-4, 1e-1),
    dropout: optim.sampleUniform(0, 0.5),
    width: optim.sampleInt(8, 65),
    act: ["relu", "tanh"],
  };

  it("draws n configurations inside every range, ranked best first", () => {
    const r = optim.randomSearch(random.key(0), space, 50, (c) => c.lr * c.width);
    assert.equal(r.length, 50);
    for (const { config: c } of r) {
      assert.ok(c.lr >= 1e-4 && c.lr < 1e-1 && c.dropout >= 0 && c.dropout < 0.5);
      assert.ok(Number.isInteger(c.width) && c.width >= 8 && c.width <= 64);
      assert.ok(c.act === "relu" || c.act === "tanh");
    }
    for (let i = 1; i < r.length; i++) assert.ok(r[i].score >= r[i - 1].score);
    assert.deepEqual([...r.map((x) => x.trial)].sort((a, b) => a - b), Array.from({ length: 50 }, (_, i) => i));
    assert.equal(new Set(r.map((x) => x.config.act)).size, 2, "both list values occur");
  });

  it("the same key gives the same trials; the order of the space's names does not matter", () => {
    const a = optim.randomSearch(random.key(3), space, 10, (c) => c.lr);
    const b = optim.randomSearch(random.key(3), space, 10, (c) => c.lr);
    assert.deepEqual(a, b);
    const reordered = { act: space.act, width: space.width, dropout: space.dropout, lr: space.lr };
    const c = optim.randomSearch(random.key(3), reordered, 10, (cfg) => cfg.lr);
    assert.deepEqual(
      c.map((x) => [x.config.lr, x.config.act, x.config.width]),
      a.map((x) => [x.config.lr, x.config.act, x.config.width]),
    );
    assert.notDeepEqual(optim.randomSearch(random.key(4), space, 10, (cfg) => cfg.lr), a);
  });

  it("gives each trial its own key, and maximize ranks descending", () => {
    const keys = new Set<string>();
    const r = optim.randomSearch(random.key(1), { x: optim.sampleUniform(0, 1) }, 20, (c, info) => {
      keys.add(String(info.key));
      return c.x;
    }, { maximize: true });
    assert.equal(keys.size, 20);
    for (let i = 1; i < r.length; i++) assert.ok(r[i].score <= r[i - 1].score);
  });

  it("log-uniform: each decade about equally likely (chi-square, 3 dof, p > 0.001)", () => {
    const draw = optim.sampleLogUniform(1e-4, 1);
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 4000; i++) counts[Math.min(3, Math.floor(Math.log10(draw(random.key(i))) + 4))]++;
    const chi2 = counts.reduce((a, c) => a + (c - 1000) ** 2 / 1000, 0);
    assert.ok(chi2 < 16.27, `counts ${counts}, χ² ${chi2}`);
  });

  it("rejects bad ranges and entries", () => {
    assert.throws(() => optim.sampleLogUniform(0, 1), /lo > 0/);
    assert.throws(() => optim.sampleUniform(1, 1), /lo < hi/);
    assert.throws(() => optim.sampleInt(0.5, 3), /integer bounds/);
    assert.throws(
      () => optim.randomSearch(random.key(0), { a: [] }, 3, () => 0),
      /space.a must be a non-empty array or a sampler/,
    );
    assert.throws(() => optim.randomSearch(random.key(0), { a: [1] }, -1, () => 0), /n must be an integer ≥ 0/);
    assert.throws(
      () => optim.randomSearch(0 as unknown as random.Key, { a: [1] }, 1, () => 0),
      /randomSearch: expected a Key/,
    );
  });
});

describe("search over fit", () => {
  it("grid search over the learning rate picks the one that fits best in the epochs given", () => {
    const x = random.uniform(random.key(2), [64, 1]);
    const y = add(matmul(x, tensor([[3]])), 1);
    const results = optim.gridSearch({ lr: [1e-3, 0.3, 1e-2] }, (c) => {
      const r = optim.fit({
        params: { w: zeros([1, 1]), b: zeros([1]) },
        loss: (p: { w: Tensor; b: Tensor }, xb: Tensor, yb: Tensor) => mean(square(sub(add(matmul(xb, p.w), p.b), yb))),
        optimizer: optim.sgd(c.lr),
        data: { x, y },
        batchSize: 16,
        epochs: 5,
        progress: false,
      });
      return { score: r.history.loss.at(-1)!, history: r.history };
    });
    assert.deepEqual(results.map((r) => r.config.lr), [0.3, 1e-2, 1e-3]);
  });
});
