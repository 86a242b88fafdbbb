/**
 * Keys as tensors (issue 14): sampling is the `random` primitive, so it runs
 * on every backend with the same bits, is staged by `jit` (a jitted step
 * draws new numbers for each key it is given, and returns keys), batches
 * under `vmap` (per-example keys from `foldIn` or from a stack of keys), and
 * keys survive `tidy`. The reference for every draw is the eager sampler on
 * the TS backend, whose bits the golden hashes of tests/random.test.ts pin.
 *
 * Each suite runs once per backend (tests/lib/backends.ts).
 */
import { assert, describe, fc, it } from "./lib/test.ts";
import { forEachBackend } from "./lib/backends.ts";
import {
  arange,
  cast,
  dispose,
  jit,
  mul,
  random,
  setBackend,
  stack,
  type Tensor,
  tensor,
  tidy,
  trace,
  vmap,
} from "../mod.ts";

type Sampler = (k: random.Key) => Tensor;

/** One of each sampler, as a user calls them. */
const SAMPLERS: readonly [string, Sampler][] = [
  ["bits", (k) => random.bits(k, [5])],
  ["uniform f32", (k) => random.uniform(k, [2, 3], { minval: -1, maxval: 2 })],
  ["uniform f64", (k) => random.uniform(k, [4], { dtype: "float64" })],
  ["normal f32", (k) => random.normal(k, [3])],
  ["normal f64", (k) => random.normal(k, [3], { dtype: "float64", mean: 1, std: 3 })],
  ["bernoulli", (k) => random.bernoulli(k, 0.3, [7])],
  ["randint", (k) => random.randint(k, [6], -3, 9)],
  ["permutation", (k) => random.permutation(k, 9)],
  ["categorical", (k) => random.categorical(k, tensor([[0, 1, -Infinity], [2, 0, 0]]), { shape: [4, 2] })],
  ["split", (k) => stack(random.split(k, 3).map((c) => c.data))],
  ["foldIn", (k) => random.foldIn(k, -(2 ** 40) - 3).data],
];

/** The samplers' results on the TS backend: the reference bits. */
const reference = (k: random.Key): unknown[] => {
  setBackend("ts");
  return SAMPLERS.map(([, s]) => s(k).toArray());
};

const keyArb = fc.tuple(fc.nat(), fc.nat()).map(([a, b]) => new random.Key(a >>> 0, b >>> 0));

forEachBackend((backend, it) => {
  describe(`keys as tensors [${backend}]`, () => {
    it("every sampler gives the TS backend's bits, eagerly and under jit", () =>
      fc.assert(
        fc.property(keyArb, (k) => {
          const want = reference(k);
          setBackend(backend);
          SAMPLERS.forEach(([name, s], i) => {
            assert.deepEqual(s(k).toArray(), want[i], `${name} eagerly`);
            assert.deepEqual(jit(s)(k).toArray(), want[i], `${name} under jit`);
          });
        }),
        { numRuns: 15 },
      ));

    it("a jitted dropout step draws a new mask for every key, traced once, and returns the next key", () => {
      const step = jit((k: random.Key, x: Tensor) => {
        const [kMask, kNext] = random.split(k);
        return [mul(x, cast(random.bernoulli(kMask, 0.5, x.shape), "float32")), kNext] as const;
      });
      const x = arange(1, 33);
      let k = random.key(7);
      const masks = new Set<string>();
      for (let i = 0; i < 5; i++) {
        const [y, next] = step(k, x);
        const [kMask, kNext] = random.split(k);
        assert.deepEqual(y.toArray(), mul(x, cast(random.bernoulli(kMask, 0.5, x.shape), "float32")).toArray());
        assert.ok(next instanceof random.Key);
        assert.deepEqual(next.words, kNext.words);
        masks.add(JSON.stringify(y.toArray()));
        k = next;
      }
      assert.equal(masks.size, 5);
      assert.equal(step.traceCount, 1);
      assert.match(String(step.lower(k, x)), /random\[draw=\{kind: bernoulli, size: 32, p: 0.5\}/);
    });

    it("foldIn of a traced step number equals foldIn of the number, past 2^32 and below 0", () => {
      const draw = jit((k: random.Key, step: number) => random.uniform(random.foldIn(k, step), [3]));
      const k = random.key(1);
      for (const step of [0, 1, 2 ** 32 + 5, -7, 2 ** 52]) {
        assert.deepEqual(draw(k, step).toArray(), random.uniform(random.foldIn(k, step), [3]).toArray(), `${step}`);
      }
      assert.equal(draw.traceCount, 1);
      assert.throws(() => draw(k, 0.5), /foldIn: data must be a safe integer, got 0.5/);
    });

    it("vmap over foldIn data and over a stack of keys equals the loop", () => {
      const k = random.key(3);
      const perIndex = vmap((i: Tensor) => random.normal(random.foldIn(k, i), [2]));
      const i = arange(4, { dtype: "int32" });
      assert.deepEqual(
        perIndex(i).toArray(),
        [0, 1, 2, 3].map((j) => random.normal(random.foldIn(k, j), [2]).toArray()),
      );
      const keys = random.split(k, 3);
      const perKey = vmap((d: Tensor) => random.permutation(random.Key.fromData(d), 5));
      assert.deepEqual(
        perKey(stack(keys.map((c) => c.data))).toArray(),
        keys.map((c) => random.permutation(c, 5).toArray()),
      );
      // A key shared by the batch: every example draws the same numbers.
      const shared = vmap((x: Tensor) => mul(x, random.uniform(k, [2])))(tensor([[1, 1], [2, 2]]));
      const u = random.uniform(k, [2]).toArray() as number[];
      assert.deepEqual(shared.toArray(), [u, u.map((v) => Math.fround(2 * v))]);
    });

    it("sampling is one random node in a trace; the key's words are its input", () => {
      const g = trace((d: Tensor) => random.uniform(random.Key.fromData(d), [2]), random.key(0).data);
      assert.deepEqual(g.nodes.map((n) => n.primitive), ["random"]);
      assert.equal(g.nodes[0].inputs[0], g.inputs[0]);
    });

    it("keys survive tidy and dispose; reading a key's words inside jit is the traced-value error", () => {
      const child = tidy(() => random.split(random.key(5))[1]);
      assert.deepEqual(
        random.uniform(child, [2]).toArray(),
        random.uniform(random.split(random.key(5))[1], [2]).toArray(),
      );
      const k = random.key(9);
      dispose(k.data);
      assert.deepEqual(k.words, [0, 9]);
      const peek = jit(function peek(k: random.Key) {
        return tensor(k.words[0]);
      });
      assert.throws(() => peek(k), /jit\(peek\)/);
      assert.equal(String(random.Key.fromData(random.key(1).data)), "Key(0x00000000, 0x00000001)");
    });
  });
});

describe("Key.fromData", () => {
  it("takes int32 [2] words only", () => {
    assert.throws(() => random.Key.fromData(tensor([1, 2])), /key data must be int32 \[2\], got float32\[2\]/);
    assert.throws(() => random.Key.fromData(tensor([[1, 2]], { dtype: "int32" })), /int32\[1,2\]/);
  });
});
