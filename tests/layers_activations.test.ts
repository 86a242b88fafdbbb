/**
 * The activations and output functions of `layers/activations.ts` and
 * `layers/output_functions.ts`:
 *
 * - values against PyTorch's definitions, computed here by hand in float64
 *   (GELU's exact form from Python's `math.erfc`, which JS lacks);
 * - PyTorch's derivatives at the kinks (relu′(0) = 0, leakyRelu′(0) = λ,
 *   elu′(0) = α, hardTanh′(±1) = 0);
 * - gradients by `checkGrads` in float64, orders 1 and 2, away from kinks;
 * - at ±1e4, ±∞, NaN and −0 in float32 and float64: values equal to the true
 *   ones (their limits at ±∞), gradients finite and right, NaN propagated;
 * - parameter checks, dtype errors, and no input mutated.
 */
import { assert, describe, fc, it } from "./lib/test.ts";
import { DTypeError, grad, layers, sum, type Tensor, tensor, ValueError } from "../mod.ts";
import { checkGrads, floatTensorArb } from "../testing/mod.ts";

type F = (x: Tensor) => Tensor;
type FloatD = "float32" | "float64";

const EPS: Record<FloatD, number> = { float32: 2 ** -23, float64: 2 ** -52 };
/** Below the smallest normal number any underflow (to a subnormal or 0) is accepted. */
const TINY: Record<FloatD, number> = { float32: 1.1754943508222875e-38, float64: 2.2250738585072014e-308 };

// ------------------------------------------------------ references (float64)

const sigm = (x: number): number => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));
const splus = (x: number): number =>
  x === Infinity ? Infinity : x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
const GC = Math.sqrt(2 / Math.PI);
const geluTanh = (x: number): number => 0.5 * x * (1 + Math.tanh(GC * (x + 0.044715 * x ** 3)));
const geluTanhD = (x: number): number => {
  const t = Math.tanh(GC * (x + 0.044715 * x ** 3));
  return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * GC * (1 + 3 * 0.044715 * x * x);
};
/** x ↦ f(x) with the limits x at +∞ and −0 at −∞ (SiLU and GELU), derivative 1 and 0 there. */
const gatedRef = (f: (x: number) => number) => (x: number) => (x === Infinity ? x : x === -Infinity ? -0 : f(x));
const gatedDeriv = (f: (x: number) => number) => (x: number) => (x === Infinity ? 1 : x === -Infinity ? 0 : f(x));

/**
 * GELU(x) = x·Φ(x) and its derivative Φ(x) + x·φ(x), from Python's
 * `0.5 * math.erfc(-x / math.sqrt(2))`; with the limits at ±1e4.
 */
const GELU_TABLE: readonly (readonly [number, number, number])[] = [
  [-5, -1.4332578593959731e-06, -7.146946001792295e-06],
  [-3, -0.004049694094890287, -0.011945647204183927],
  [-1.5, -0.10021080190328713, -0.12746919222997954],
  [-0.5, -0.15426876936299344, 0.13250487534383712],
  [-0.001, -0.000499601057786089, 0.4992021157051586],
  [0, 0, 0.5],
  [0.25, 0.14967658142073093, 0.695373354883636],
  [1, 0.8413447460685429, 1.0833154705876864],
  [2.5, 2.4844758366855597, 1.037611085908145],
  [5, 4.99999856674214, 1.0000071469460017],
  [1e4, 1e4, 1],
  [-1e4, -0, 0],
];
const geluAt = (col: 1 | 2) => (x: number): number => {
  if (Number.isNaN(x)) return NaN;
  const row = GELU_TABLE.find((r) => r[0] === x);
  if (row === undefined) throw new Error(`no GELU reference at ${x}`);
  return row[col];
};

/**
 * One activation: the function under test, its true value and derivative,
 * the kinks a gradient check must avoid, and which of its value and its
 * derivative are computed by a form that subtracts from 1 (1 + erf,
 * 1 + tanh; the core rules σ(1 − σ) and 1 − tanh²), whose error is a few
 * ulps of 1 + |x| rather than of the result — as in PyTorch's same formulas.
 */
interface Row {
  readonly name: string;
  readonly f: F;
  readonly value: (x: number) => number;
  readonly deriv: (x: number) => number;
  readonly kinks?: readonly number[];
  readonly order?: 1 | 2;
  readonly cancels?: { readonly value?: boolean; readonly deriv?: boolean };
  /** Points where `value` is known (GELU's table); default any. */
  readonly points?: readonly number[];
}

const ROWS: readonly Row[] = [
  { name: "identity", f: layers.identity, value: (x) => x, deriv: () => 1 },
  {
    name: "relu",
    f: layers.relu,
    value: (x) => (Number.isNaN(x) ? x : Math.max(x, 0)),
    deriv: (x) => (x > 0 ? 1 : 0),
    kinks: [0],
  },
  {
    name: "leakyRelu",
    f: (x) => layers.leakyRelu(x),
    value: (x) => (x > 0 ? x : 0.01 * x),
    deriv: (x) => (x > 0 ? 1 : 0.01),
    kinks: [0],
  },
  {
    name: "leakyRelu(λ=0.2)",
    f: (x) => layers.leakyRelu(x, 0.2),
    value: (x) => (x > 0 ? x : 0.2 * x),
    deriv: (x) => (x > 0 ? 1 : 0.2),
    kinks: [0],
  },
  {
    name: "elu",
    f: (x) => layers.elu(x),
    value: (x) => (x > 0 ? x : Math.expm1(x)),
    deriv: (x) => (x > 0 ? 1 : Math.exp(x)),
    kinks: [0],
  },
  {
    name: "elu(α=2)",
    f: (x) => layers.elu(x, 2),
    value: (x) => (x > 0 ? x : 2 * Math.expm1(x)),
    deriv: (x) => (x > 0 ? 1 : 2 * Math.exp(x)),
    kinks: [0],
  },
  { name: "softplus", f: layers.softplus, value: splus, deriv: sigm },
  { name: "sigmoid", f: layers.sigmoid, value: sigm, deriv: (x) => sigm(x) * sigm(-x), cancels: { deriv: true } },
  { name: "logSigmoid", f: layers.logSigmoid, value: (x) => -splus(-x), deriv: (x) => sigm(-x) },
  { name: "tanh", f: layers.tanh, value: Math.tanh, deriv: (x) => 1 - Math.tanh(x) ** 2, cancels: { deriv: true } },
  {
    name: "hardTanh",
    f: (x) => layers.hardTanh(x),
    value: (x) => (Number.isNaN(x) ? x : Math.min(1, Math.max(-1, x))),
    deriv: (x) => (x > -1 && x < 1 ? 1 : 0),
    kinks: [-1, 1],
  },
  {
    name: "heaviside",
    f: (x) => layers.heaviside(x),
    value: (x) => (Number.isNaN(x) ? x : x > 0 ? 1 : 0),
    deriv: () => 0,
    kinks: [0],
    order: 1,
  },
  { name: "sign", f: layers.sign, value: Math.sign, deriv: () => 0, kinks: [0], order: 1 },
  {
    name: "gaussian",
    f: layers.gaussian,
    value: (x) => Math.exp(-x * x),
    deriv: (x) => (Math.exp(-x * x) === 0 ? 0 : -2 * x * Math.exp(-x * x)),
  },
  {
    name: "silu",
    f: layers.silu,
    value: gatedRef((x) => x * sigm(x)),
    deriv: gatedDeriv((x) => sigm(x) * (1 + x * sigm(-x))),
    cancels: { deriv: true },
  },
  {
    name: "gelu",
    f: (x) => layers.gelu(x),
    value: gatedRef(geluAt(1)),
    deriv: gatedDeriv(geluAt(2)),
    cancels: { value: true, deriv: true },
    points: GELU_TABLE.map((r) => r[0]),
  },
  {
    name: "gelu(tanh)",
    f: (x) => layers.gelu(x, { approximate: "tanh" }),
    value: gatedRef(geluTanh),
    deriv: gatedDeriv(geluTanhD),
    cancels: { value: true, deriv: true },
  },
  { name: "linear", f: layers.linear, value: (x) => x, deriv: () => 1 },
  { name: "exp", f: layers.exp, value: Math.exp, deriv: Math.exp },
];

const POINTS = [-5, -3, -1.5, -1, -0.5, -0.001, 0, 0.25, 1, 2.5, 5] as const;
const EXTREMES = [1e4, -1e4, Infinity, -Infinity, NaN, -0] as const;

/** |a − e| ≤ tol, with non-finite values equal only to themselves and NaN only to NaN. */
const close = (a: number, e: number, tol: number): boolean => {
  if (Number.isNaN(e) || Number.isNaN(a)) return Number.isNaN(a) && Number.isNaN(e);
  if (!Number.isFinite(e) || !Number.isFinite(a)) return a === e;
  return Math.abs(a - e) <= tol;
};

/**
 * The error allowed at `x` for the true value `e`: 8 ulps of |e| (a few
 * rounded operations), of 1 + |x| where the form cancels (see `Row`), and
 * any underflow below the smallest normal number.
 */
const tolerance = (d: FloatD, x: number, e: number, cancels = false): number =>
  8 * EPS[d] * Math.max(Math.abs(e), cancels && Number.isFinite(x) ? 1 + Math.abs(x) : 0) + TINY[d];

const values = (t: Tensor): number[] => [...t.toTypedArray()];

const check = (row: Row, d: FloatD, xs: readonly number[], what: string, withGrad: boolean): void => {
  const x = tensor([...xs], { dtype: d });
  const before = values(x);
  const y = values(row.f(x));
  const g = withGrad ? values(grad((t: Tensor) => sum(row.f(t)))(x)) : [];
  assert.deepEqual(values(x), before, `${row.name} mutated its input`);
  xs.forEach((x0, i) => {
    const xi = d === "float32" ? Math.fround(x0) : x0;
    const e = d === "float32" ? Math.fround(row.value(xi)) : row.value(xi);
    assert.ok(
      close(y[i], e, tolerance(d, xi, e, row.cancels?.value)),
      `${row.name}(${xi}) in ${d} (${what}): got ${y[i]}, expected ${e}`,
    );
    if (!withGrad || Number.isNaN(xi)) return;
    const de = row.deriv(xi);
    if (Number.isFinite(de)) assert.ok(Number.isFinite(g[i]), `${row.name}′(${xi}) in ${d} is ${g[i]}, not finite`);
    assert.ok(
      close(g[i], de, tolerance(d, xi, de, row.cancels?.deriv)),
      `${row.name}′(${xi}) in ${d}: got ${g[i]}, expected ${de}`,
    );
  });
};

describe("activations: values and derivatives against PyTorch's definitions", () => {
  for (const row of ROWS) {
    it(`${row.name}: values and derivatives at chosen points (float64)`, () => {
      const pts = (row.points ?? POINTS).filter((p) => Math.abs(p) < 1e3 && !(row.kinks ?? []).includes(p));
      check(row, "float64", pts, "chosen points", true);
    });
  }

  it("PyTorch's values by hand: leakyRelu(−2) = −0.02, elu(−1) = e⁻¹ − 1, hardTanh(±2) = ±1, heaviside(0, ½) = ½", () => {
    const x = tensor([-2, -1, 0, 2], { dtype: "float64" });
    assert.deepEqual(values(layers.leakyRelu(x)), [-0.02, -0.01, 0, 2]);
    assert.deepEqual(values(layers.elu(x)), [Math.expm1(-2), Math.expm1(-1), 0, 2]);
    assert.deepEqual(values(layers.hardTanh(x)), [-1, -1, 0, 1]);
    assert.deepEqual(values(layers.heaviside(x, 0.5)), [0, 0, 0.5, 1]);
    assert.deepEqual(values(layers.heaviside(x)), [0, 0, 0, 1]);
    assert.deepEqual(values(layers.sign(x)), [-1, -1, 0, 1]);
    assert.equal(layers.softplus(tensor([0], { dtype: "float64" })).item(), Math.LN2);
    assert.equal(layers.logSigmoid(tensor([0], { dtype: "float64" })).item(), -Math.LN2);
    assert.equal(layers.gaussian(tensor([1], { dtype: "float64" })).item(), Math.exp(-1));
  });

  it("derivatives at the kinks are PyTorch's: relu′(0) = 0, leakyRelu′(0) = λ, elu′(0) = α, hardTanh′(±1) = 0", () => {
    const d = (f: F, at: readonly number[]) =>
      values(grad((t: Tensor) => sum(f(t)))(tensor([...at], { dtype: "float64" })));
    assert.deepEqual(d(layers.relu, [0]), [0]);
    assert.deepEqual(d((x) => layers.leakyRelu(x, 0.3), [0]), [0.3]);
    assert.deepEqual(d((x) => layers.elu(x, 1.5), [0]), [1.5]);
    assert.deepEqual(d((x) => layers.hardTanh(x), [-1, 1, -0.999, 0.999, -2, 2]), [0, 0, 1, 1, 0, 0]);
    assert.deepEqual(d((x) => layers.hardTanh(x, 0, 6), [0, 6, 3]), [0, 0, 1]); // ReLU6
    assert.deepEqual(d((x) => layers.heaviside(x, 0.5), [0, -1, 1]), [0, 0, 0]);
    assert.deepEqual(d(layers.sign, [0, -1, 1]), [0, 0, 0]);
  });
});

describe("activations: gradients match finite differences (float64)", () => {
  const away = (kinks: readonly number[]) => (x: number) => kinks.some((k) => Math.abs(x - k) < 1e-3);
  for (const row of ROWS) {
    it(`${row.name}: checkGrads order ${row.order ?? 2}`, () =>
      fc.assert(
        fc.property(
          floatTensorArb({ shape: [6], min: -3, max: 3, exclude: away(row.kinks ?? []) }),
          fc.nat(),
          (x, seed) => checkGrads(row.f, [x], { order: row.order ?? 2, seed }),
        ),
        { numRuns: 15 },
      ));
  }
});

describe("activations at extreme inputs", () => {
  for (const row of ROWS) {
    for (const d of ["float32", "float64"] as const) {
      it(`${row.name} (${d}): true values and finite gradients at ±1e4, ±∞, −0; NaN gives NaN`, () => {
        const pts = EXTREMES.filter((p) => row.points === undefined || !Number.isFinite(p) || row.points.includes(p));
        check(row, d, pts, "extremes", true);
      });
    }
  }
});

describe("output functions", () => {
  it("softmax rows are probabilities, equal to exp(logSoftmax), stable at 1e4", () => {
    const z = tensor([[1, 2, 3], [1e4, 0, -1e4], [-Infinity, 0, 0]], { dtype: "float64" });
    const p = layers.softmax(z).toArray() as number[][];
    const e = Math.exp(1) + Math.exp(2) + Math.exp(3);
    p[0].forEach((v, i) => assert.ok(Math.abs(v - Math.exp(i + 1) / e) < 1e-15));
    assert.deepEqual(p[1], [1, 0, 0]);
    assert.deepEqual(p[2], [0, 0.5, 0.5]);
    const lp = layers.logSoftmax(z).toArray() as number[][];
    assert.deepEqual(lp[1], [0, -1e4, -2e4]);
    assert.ok(Math.abs(lp[0][2] - (3 - Math.log(e))) < 1e-15);
  });

  it("softmax and logSoftmax take an axis", () => {
    const z = tensor([[0, 1e4], [0, 1e4]]);
    assert.deepEqual(layers.softmax(z, 0).toArray(), [[0.5, 0.5], [0.5, 0.5]]);
    assert.deepEqual(layers.logSoftmax(z, 0).shape, [2, 2]);
  });
});

describe("activations: parameters and dtypes", () => {
  it("non-finite parameters are ValueErrors naming the activation", () => {
    const x = tensor([1]);
    assert.throws(
      () => layers.leakyRelu(x, NaN),
      (e) => e instanceof ValueError && /leakyRelu.*negativeSlope/.test(e.message),
    );
    assert.throws(() => layers.elu(x, Infinity), (e) => e instanceof ValueError && /elu.*alpha/.test(e.message));
    assert.throws(() => layers.hardTanh(x, 1, -1), (e) => e instanceof ValueError && /hardTanh.*below/.test(e.message));
    assert.throws(() => layers.heaviside(x, NaN), (e) => e instanceof ValueError && /heaviside/.test(e.message));
    assert.throws(
      () => layers.gelu(x, { approximate: "erf" as unknown as "tanh" }),
      (e) => e instanceof ValueError && /gelu.*approximate/.test(e.message),
    );
  });

  it("integer inputs are DTypeErrors naming the activation", () => {
    const ids = tensor([1, 2], { dtype: "int32" });
    for (
      const [name, f] of [["elu", layers.elu], ["gelu", layers.gelu], ["silu", layers.silu], [
        "gaussian",
        layers.gaussian,
      ]] as const
    ) {
      assert.throws(() => (f as F)(ids), (e) => e instanceof DTypeError && e.message.startsWith(name));
    }
  });

  it("swish is silu, and parameterised activations are layers through a closure", () => {
    assert.equal(layers.swish, layers.silu);
    const y = layers.sequential([(x: Tensor) => layers.leakyRelu(x, 0.5)]).apply([{}], tensor([-2, 2]));
    assert.deepEqual(y.toArray(), [-1, 2]);
  });

  it("float32 in, float32 out", () => {
    for (const row of ROWS) assert.equal(row.f(tensor([0.5, -0.5])).dtype, "float32", row.name);
  });
});
