/**
 * Initializers (`layers.initializers.*`): fans for dense, convolution and
 * vector weights as Keras and PyTorch count them; sample variances of the
 * Glorot, He and LeCun initializers against their formulas; the normal,
 * uniform and truncated normal (Keras's ±2σ definition, its distribution
 * function checked against values from Python's `math.erfc`); keys,
 * dtypes and argument errors.
 *
 * Statistical checks use large samples (≥ 60,000 values) and allow 5
 * standard errors: for the second moment m₂ = Σv²/n of a zero-mean
 * distribution of variance σ² and kurtosis κ, the standard error is
 * σ²·√((κ − 1)/n); for the mean, σ/√n; for an empirical CDF, √(p(1 − p)/n).
 */
import { assert, describe, it } from "./lib/test.ts";
import { DTypeError, layers, random, type Tensor, ValueError } from "../mod.ts";

const init = layers.initializers;

const KURTOSIS = { uniform: 1.8, normal: 3, truncatedNormal: 2.3655367171296495 } as const;

const vals = (t: Tensor): number[] => [...t.toTypedArray()];

/** Checks the mean and the variance of `v` against a zero-mean law of variance `variance` and kurtosis `kurt`. */
const assertMoments = (v: readonly number[], variance: number, kurt: number, what: string, mean = 0): void => {
  const n = v.length;
  const m = v.reduce((a, b) => a + b, 0) / n;
  const m2 = v.reduce((a, b) => a + (b - mean) ** 2, 0) / n;
  const seMean = Math.sqrt(variance / n);
  const seVar = variance * Math.sqrt((kurt - 1) / n);
  assert.ok(Math.abs(m - mean) <= 5 * seMean, `${what}: mean ${m}, expected ${mean} ± ${5 * seMean}`);
  assert.ok(Math.abs(m2 - variance) <= 5 * seVar, `${what}: variance ${m2}, expected ${variance} ± ${5 * seVar}`);
};

const DENSE = [300, 200] as const; // fan-in 300, fan-out 200
const CONV = [5, 5, 40, 60] as const; // fan-in 5·5·40 = 1000, fan-out 5·5·60 = 1500

describe("fans", () => {
  it("dense [in, out], HWIO convolutions (receptive field × channels), vectors and scalars, as Keras", () => {
    assert.deepEqual(init.fans([784, 128]), { fanIn: 784, fanOut: 128 });
    assert.deepEqual(init.fans([3, 3, 16, 32]), { fanIn: 3 * 3 * 16, fanOut: 3 * 3 * 32 });
    assert.deepEqual(init.fans([5, 8, 4]), { fanIn: 40, fanOut: 20 }); // conv1d [k, in, out]
    assert.deepEqual(init.fans([2, 3, 4, 5, 6]), { fanIn: 120, fanOut: 144 }); // conv3d
    assert.deepEqual(init.fans([7]), { fanIn: 7, fanOut: 7 });
    assert.deepEqual(init.fans([]), { fanIn: 1, fanOut: 1 });
    assert.deepEqual(init.fans([0, 3]), { fanIn: 0, fanOut: 3 });
  });

  it("a bad shape is a ValueError", () => {
    assert.throws(() => init.fans([2, -1]), ValueError);
  });
});

describe("variance-scaling initializers: sample variance matches the formula", () => {
  const cases = [
    { name: "glorotUniform", f: init.glorotUniform, law: "uniform", v: (i: number, o: number) => 2 / (i + o) },
    { name: "glorotNormal", f: init.glorotNormal, law: "normal", v: (i: number, o: number) => 2 / (i + o) },
    { name: "heNormal", f: init.heNormal, law: "normal", v: (i: number) => 2 / i },
    { name: "heUniform", f: init.heUniform, law: "uniform", v: (i: number) => 2 / i },
    { name: "lecunNormal", f: init.lecunNormal, law: "normal", v: (i: number) => 1 / i },
    { name: "lecunUniform", f: init.lecunUniform, law: "uniform", v: (i: number) => 1 / i },
  ] as const;
  for (const c of cases) {
    for (const shape of [DENSE, CONV]) {
      it(`${c.name} on ${JSON.stringify(shape)}: variance ${c.name.startsWith("glorot") ? "2/(in+out)" : c.name.startsWith("he") ? "2/in" : "1/in"}`, () => {
        const { fanIn, fanOut } = init.fans(shape);
        const variance = c.v(fanIn, fanOut);
        const w = c.f(random.key(7), shape);
        assert.deepEqual([w.shape, w.dtype], [shape, "float32"]);
        const v = vals(w);
        assertMoments(v, variance, KURTOSIS[c.law], c.name);
        if (c.law === "uniform") {
          const limit = Math.sqrt(3 * variance); // √(6/(in+out)), √(6/in), √(3/in)
          assert.ok(v.every((x) => Math.abs(x) <= limit), `${c.name}: a value outside ±${limit}`);
          assert.ok(Math.max(...v.map(Math.abs)) > 0.999 * limit, `${c.name}: the samples do not reach ±${limit}`);
        }
      });
    }
  }

  it("glorotUniform's limit is √(6/(fan_in + fan_out)) (Glorot & Bengio 2010)", () => {
    const v = vals(init.glorotUniform(random.key(1), [10, 14]));
    assert.ok(Math.max(...v.map(Math.abs)) <= Math.sqrt(6 / 24));
  });

  it("varianceScaling with a truncated normal keeps the variance (Keras's 0.8796 widening) within ±2σ′", () => {
    const f = init.varianceScaling(2, "fanOut", "truncatedNormal");
    const variance = 2 / 1500;
    const v = vals(f(random.key(3), CONV));
    assertMoments(v, variance, KURTOSIS.truncatedNormal, "varianceScaling(truncatedNormal)");
    const bound = (2 * Math.sqrt(variance)) / 0.87962566103423978;
    assert.ok(v.every((x) => Math.abs(x) <= bound * (1 + 2 ** -22)));
  });

  it("fanAvg averages the fans; fanOut uses the outputs", () => {
    const avg = vals(init.varianceScaling(3, "fanAvg", "normal")(random.key(4), CONV));
    assertMoments(avg, 3 / 1250, KURTOSIS.normal, "fanAvg");
    const out = vals(init.varianceScaling(1, "fanOut", "uniform")(random.key(5), DENSE));
    assertMoments(out, 1 / 200, KURTOSIS.uniform, "fanOut");
  });
});

describe("fixed-scale initializers", () => {
  it("normal(σ, μ) has mean μ and variance σ²", () => {
    assertMoments(vals(init.normal(0.05, 1)(random.key(0), [60000])), 0.0025, KURTOSIS.normal, "normal", 1);
  });

  it("uniform(a, b) stays in [a, b) with mean (a + b)/2 and variance (b − a)²/12", () => {
    const v = vals(init.uniform(-1, 3)(random.key(0), [60000], "float64"));
    assert.ok(v.every((x) => x >= -1 && x < 3));
    assertMoments(v, 16 / 12, KURTOSIS.uniform, "uniform", 1);
  });

  it("truncatedNormal(σ) is N(0, σ²) conditioned on |v| ≤ 2σ: support, variance 0.7737σ², CDF", () => {
    const sd = 0.5;
    const v = vals(init.truncatedNormal(sd)(random.key(9), [60000], "float64"));
    assert.ok(v.every((x) => Math.abs(x) <= 2 * sd));
    assertMoments(v, 0.7737413035499232 * sd * sd, KURTOSIS.truncatedNormal, "truncatedNormal");
    // (Φ(z) − Φ(−2))/(Φ(2) − Φ(−2)) at z, from Python's 0.5·erfc(−z/√2)
    const cdf: readonly [number, number][] = [
      [-1.5, 0.04615723572698301],
      [-1, 0.142383613994547],
      [-0.5, 0.2994106713370283],
      [0, 0.5],
      [0.5, 0.7005893286629717],
      [1, 0.857616386005453],
      [1.5, 0.953842764273017],
    ];
    for (const [z, p] of cdf) {
      const got = v.filter((x) => x <= z * sd).length / v.length;
      const se = Math.sqrt((p * (1 - p)) / v.length);
      assert.ok(Math.abs(got - p) <= 5 * se, `CDF at ${z}σ: ${got}, expected ${p} ± ${5 * se}`);
    }
    // redrawn, not clipped: no mass piles up at the bounds
    assert.equal(v.filter((x) => Math.abs(x) === 2 * sd).length, 0);
  });

  it("zeros, ones and constant(c) ignore the key", () => {
    const k = random.key(0);
    assert.deepEqual(vals(init.zeros(k, [2, 2])), [0, 0, 0, 0]);
    assert.deepEqual(vals(init.ones(k, [3], "float64")), [1, 1, 1]);
    assert.equal(init.ones(k, [3], "float64").dtype, "float64");
    assert.deepEqual(vals(init.constant(-0.25)(k, [2])), [-0.25, -0.25]);
    assert.deepEqual(init.zeros(k, []).shape, []);
  });
});

describe("initializers: keys, dtypes and errors", () => {
  const all = {
    glorotUniform: init.glorotUniform,
    glorotNormal: init.glorotNormal,
    heNormal: init.heNormal,
    heUniform: init.heUniform,
    lecunNormal: init.lecunNormal,
    lecunUniform: init.lecunUniform,
    normal: init.normal(1),
    uniform: init.uniform(0, 1),
    truncatedNormal: init.truncatedNormal(1),
  };

  it("the same key gives the same weights, another key others; float32 is float32", () => {
    for (const [name, f] of Object.entries(all)) {
      const a = vals(f(random.key(1), [4, 5], "float64"));
      assert.deepEqual(vals(f(random.key(1), [4, 5], "float64")), a, name);
      assert.notDeepEqual(vals(f(random.key(2), [4, 5], "float64")), a, name);
      assert.equal(f(random.key(1), [4, 5]).dtype, "float32", name);
    }
  });

  it("normal-based initializers in float32 are their float64 samples rounded (as random.normal)", () => {
    const normals = [init.glorotNormal, init.heNormal, init.lecunNormal, init.normal(2), init.truncatedNormal(0.1)];
    for (const f of normals) {
      assert.deepEqual(vals(f(random.key(1), [4, 5])), vals(f(random.key(1), [4, 5], "float64")).map(Math.fround));
    }
  });

  it("an integer dtype is a DTypeError naming the initializer", () => {
    const int32 = "int32" as unknown as "float32";
    assert.throws(
      () => init.glorotUniform(random.key(0), [2, 2], int32),
      (e) => e instanceof DTypeError && /initializers\.varianceScaling/.test(e.message),
    );
    assert.throws(
      () => init.zeros(random.key(0), [2], int32),
      (e) => e instanceof DTypeError && /initializers\.zeros/.test(e.message),
    );
  });

  it("bad arguments are ValueErrors naming the initializer and the argument", () => {
    const bad: [() => unknown, RegExp][] = [
      [() => init.normal(-1), /initializers\.normal: std must be ≥ 0/],
      [() => init.normal(NaN), /initializers\.normal: std must be a finite number/],
      [() => init.uniform(1, 1), /initializers\.uniform: minval must be below maxval/],
      [() => init.truncatedNormal(1, Infinity), /initializers\.truncatedNormal: mean/],
      [() => init.constant(NaN), /initializers\.constant: value/],
      [() => init.varianceScaling(0, "fanIn", "normal"), /scale must be positive/],
      [() => init.varianceScaling(1, "fan_in" as unknown as "fanIn", "normal"), /mode must be/],
      [() => init.varianceScaling(1, "fanIn", "gaussian" as unknown as "normal"), /distribution must be/],
      [() => init.heNormal(random.key(0), [2, 1.5]), /non-negative integers/],
    ];
    for (const [f, re] of bad) assert.throws(f, (e) => e instanceof ValueError && re.test(e.message), String(re));
  });

  it("zero-size shapes give empty tensors", () => {
    for (const [name, f] of Object.entries(all)) assert.deepEqual(f(random.key(0), [0, 3]).shape, [0, 3], name);
  });
});
