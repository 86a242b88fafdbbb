/**
 * Tests of data/standardize.ts: on the training data the result has zero
 * mean and unit (population) variance per feature, as scikit-learn's
 * `StandardScaler`; other data use the training statistics; constant
 * features map to exactly 0; `invert` undoes `apply`.
 */
import { assert, describe, fc, it } from "./lib/test.ts";
import { assertAllclose } from "../testing/mod.ts";
import { abs, add, data, div, mean, mul, random, reshape, ShapeError, tensor, ValueError, variance } from "../mod.ts";

/** Per-feature offsets and scales far from 0 and 1, so a no-op standardizer would fail. */
const features = (seed: number, n: number, f: number, dtype: "float32" | "float64") => {
  const [k1, k2, k3] = random.split(random.key(seed), 3);
  const scale = random.uniform(k1, [f], { minval: 0.1, maxval: 50, dtype });
  const offset = random.uniform(k2, [f], { minval: -1000, maxval: 1000, dtype });
  return add(mul(random.normal(k3, [n, f], { dtype }), scale), offset);
};

describe("standardize", () => {
  it("float64: the training data get mean 0 and variance 1 in every feature", () =>
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 50 }), fc.integer({ min: 1, max: 6 }), fc.nat(1000), (n, f, seed) => {
        const x = features(seed, n, f, "float64");
        const s = data.fitStandardizer(x);
        const z = s.apply(x);
        // Centring x costs ε·|x| each, i.e. ε·|mean|/std after scaling: the tolerance follows that ratio.
        const ratio = Math.max(...(div(abs(s.mean), s.std).toArray() as number[][])[0]);
        assertAllclose(mean(z, 0), new Float64Array(f), { atol: 64 * 2 ** -52 * (ratio + 1) });
        assertAllclose(variance(z, 0), new Float64Array(f).fill(1), { rtol: 1e-12 });
      }),
      { numRuns: 50 },
    ));

  it("float32: mean 0 and variance 1 to float32 accuracy, although the offsets are 10^3 times the spread", () => {
    const x = features(1, 500, 4, "float32");
    const z = data.fitStandardizer(x).apply(x);
    assert.equal(z.dtype, "float32");
    assertAllclose(mean(z, 0), new Float32Array(4), { atol: 2e-4 });
    assertAllclose(variance(z, 0), new Float32Array(4).fill(1), { rtol: 1e-3 });
  });

  it("by hand: mean and population std of the training set, applied to test data", () => {
    const s = data.fitStandardizer(tensor([[1, 2], [3, 6]]));
    assert.deepEqual(s.mean.toArray(), [[2, 4]]);
    assert.deepEqual(s.std.toArray(), [[1, 2]]); // population std (ddof 0), not sample std (√2, 2√2)
    assert.deepEqual(s.apply(tensor([[1, 2], [3, 6]])).toArray(), [[-1, -1], [1, 1]]);
    assert.deepEqual(s.apply(tensor([[5, 0], [2, 4], [0, 10]])).toArray(), [[3, -2], [0, 0], [-2, 3]]);
    const [train, test] = data.standardize(tensor([[1, 2], [3, 6]]), tensor([[5, 0]]));
    assert.deepEqual([train.toArray(), test.toArray()], [[[-1, -1], [1, 1]], [[3, -2]]]);
  });

  it("constant features (even 0.1, not exact in binary) get scale 1 and map to 0", () => {
    for (const dtype of ["float32", "float64"] as const) {
      const x = tensor([[0.1, 1], [0.1, 2], [0.1, 3]], { dtype });
      const s = data.fitStandardizer(x);
      assert.equal((s.std.toArray() as number[][])[0][0], 1);
      const z = s.apply(x).toArray() as number[][];
      // float32: the float64 mean rounds back to 0.1f exactly; float64: the mean of 0.1s is off by an ulp.
      for (const r of z) assert.ok(Math.abs(r[0]) <= (dtype === "float32" ? 0 : 1e-16), `${dtype}: ${r[0]}`);
      assert.ok(z.every((r) => Number.isFinite(r[1])));
      // A test value off the constant is shifted, not divided by ~0.
      assert.ok(Math.abs((s.apply(tensor([[1.1, 2]], { dtype })).toArray() as number[][])[0][0] - 1) < 1e-6);
    }
  });

  it("invert undoes apply", () =>
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 30 }), fc.integer({ min: 1, max: 4 }), fc.nat(1000), (n, f, seed) => {
        const x = features(seed, n, f, "float64");
        const s = data.fitStandardizer(x);
        const other = features(seed + 1, 3, f, "float64");
        assertAllclose(s.invert(s.apply(other)), other, { rtol: 1e-12, atol: 1e-9 });
      }),
      { numRuns: 30 },
    ));

  it("axis [0, 1, 2] on NHWC images: one mean and scale per channel", () => {
    const nhwc = reshape(features(2, 4 * 5 * 5, 3, "float64"), [4, 5, 5, 3]);
    const s = data.fitStandardizer(nhwc, { axis: [0, 1, 2] });
    assert.deepEqual(s.mean.shape, [1, 1, 1, 3]);
    const z = s.apply(nhwc);
    assertAllclose(mean(z, [0, 1, 2]), new Float64Array(3), { atol: 1e-12 });
    assertAllclose(variance(z, [0, 1, 2]), new Float64Array(3).fill(1), { rtol: 1e-12 });
    assert.deepEqual(s.apply(tensor(new Float64Array(2 * 5 * 5 * 3), { shape: [2, 5, 5, 3] })).shape, [2, 5, 5, 3]);
  });

  it("rejects data of another shape or dtype, integer data and bad axes", () => {
    const s = data.fitStandardizer(tensor([[1, 2], [3, 4]]));
    assert.throws(() => s.apply(tensor([[1, 2, 3]])), (e: unknown) =>
      e instanceof ShapeError &&
      e.message === "Standardizer.apply: got shape [1,3]; fitted on [2,2] over axes [0], " +
          "so expected rank 2 with the other axes equal");
    assert.throws(() => s.apply(tensor([1, 2])), ShapeError);
    assert.throws(() => s.apply(tensor([[1, 2]], { dtype: "float64" })), /got dtype float64; fitted on float32/);
    assert.throws(() => data.fitStandardizer(tensor([[1]], { dtype: "int32" })), ValueError);
    assert.throws(() => data.fitStandardizer(tensor([[1]]), { axis: 2 }), /axis 2 is out of range/);
    assert.throws(() => data.fitStandardizer(tensor(new Float32Array(0), { shape: [0, 2] })), /has no examples/);
  });

  it("does not change its inputs", () => {
    const x = tensor([[1, 2], [3, 6]]);
    const before = x.toTypedArray();
    data.fitStandardizer(x).apply(x);
    assert.deepEqual(x.toTypedArray(), before);
  });
});
