/**
 * Numerical stability at extreme inputs (TESTPLAN §2, rows N1–N3).
 *
 * N1: the stable forms of softplus, sigmoid, log-sigmoid, logSumExp,
 * logSoftmax, softmax cross-entropy, BCE-with-logits, ELU, tanh and variance
 * at ±1e4, ±89, ±710, ±∞, NaN and −0, in float32 and float64: values finite
 * (and right) wherever the true value is finite, gradients likewise.
 * N2: NaN in → NaN out for every elementwise primitive (registry-checked),
 * and the "where trap" with its double-where fix.
 * N3: `debugNans` names the primitive, the transform, its level and the shapes.
 *
 * Losses are written here from library ops, as a user would write them.
 */
import { assert, describe, it } from "./lib/test.ts";
import {
  abs,
  add,
  argmax,
  argmin,
  cast,
  ceil,
  cos,
  div,
  type DType,
  equal,
  erf,
  exp,
  expm1,
  floor,
  gather,
  grad,
  greater,
  greaterEqual,
  hessian,
  jacfwd,
  jacrev,
  jvp,
  less,
  lessEqual,
  log,
  log1p,
  logAddExp,
  logicalAnd,
  logicalNot,
  logicalOr,
  logSigmoid,
  logSoftmax,
  logSumExp,
  matmul,
  max,
  maximum,
  mean,
  min,
  minimum,
  mul,
  NanError,
  neg,
  notEqual,
  oneHot,
  pad,
  pow,
  prod,
  relu,
  round,
  rsqrt,
  setDebugNans,
  sigmoid,
  sign,
  sin,
  slice,
  softmax,
  softplus,
  sqrt,
  square,
  sub,
  sum,
  tan,
  tanh,
  type Tensor,
  tensor,
  type TensorLike,
  valueAndGrad,
  variance,
  vjp,
  where,
  withDebugNans,
  zeros,
} from "../mod.ts";
import { allPrimitives } from "../core/primitive.ts";

type F = (x: Tensor) => Tensor;
type FloatD = "float32" | "float64";
const DTYPES: readonly FloatD[] = ["float32", "float64"];

// ------------------------------------------------------------------ helpers

/** The smallest normal number: below it we accept any underflow (to a subnormal or 0). */
const TINY: Record<FloatD, number> = { float32: 1.1754943508222875e-38, float64: 2.2250738585072014e-308 };
const RTOL: Record<FloatD, number> = { float32: 2e-6, float64: 1e-12 };
const EPS: Record<FloatD, number> = { float32: 2 ** -23, float64: 2 ** -52 };

/** torch.testing rule: |a − e| ≤ atol + rtol·|e|; non-finite values close only if equal; NaN only with NaN. */
const close = (a: number, e: number, rtol: number, atol: number): boolean => {
  if (Number.isNaN(e) || Number.isNaN(a)) return Number.isNaN(e) && Number.isNaN(a);
  if (!Number.isFinite(e) || !Number.isFinite(a)) return a === e;
  return Math.abs(a - e) <= atol + rtol * Math.abs(e);
};

const assertClose = (a: number, e: number, rtol: number, atol: number, what: string): void => {
  assert.ok(close(a, e, rtol, atol), `${what}: got ${a}, expected ${e} (rtol ${rtol}, atol ${atol})`);
};

/** Distance in units in the last place between two float64 numbers. */
const ulps64 = (a: number, b: number): number => {
  const dv = new DataView(new ArrayBuffer(16));
  dv.setFloat64(0, a);
  dv.setFloat64(8, b);
  const lex = (i: bigint) => (i < 0n ? -(i & 0x7fffffffffffffffn) : i);
  const d = lex(dv.getBigInt64(0)) - lex(dv.getBigInt64(8));
  return Number(d < 0n ? -d : d);
};

/** Distance in units in the last place between two float32 numbers. */
const ulps32 = (a: number, b: number): number => {
  const dv = new DataView(new ArrayBuffer(8));
  dv.setFloat32(0, a);
  dv.setFloat32(4, b);
  const lex = (i: number) => (i < 0 ? -(i & 0x7fffffff) : i);
  return Math.abs(lex(dv.getInt32(0)) - lex(dv.getInt32(4)));
};

const vec = (xs: readonly number[], dtype: DType): Tensor => tensor(Float64Array.from(xs), { dtype });
const values = (t: Tensor): number[] => Array.from(t.toTypedArray());
/** The value a float32 tensor can hold: the reference rounded to float32. */
const rounded = (x: number, dtype: FloatD): number => (dtype === "float32" ? Math.fround(x) : x);

const EXTREMES = [1e4, -1e4, 89, -89, 710, -710, Infinity, -Infinity, NaN, -0] as const;

// ------------------------------------------------------ stable forms (user code)

/** softplus(x) = logaddexp(x, 0) written by hand: max(x, 0) + log1p(exp(−|x|)). */
const softplusComposed: F = (x) => add(maximum(x, 0), log1p(exp(neg(abs(x)))));
/** ELU with `min` inside expm1, so the unselected branch never overflows. */
const elu: F = (x) => where(greater(x, 0), x, expm1(minimum(x, 0)));
/** The naive ELU: expm1(1e4) = ∞ in the unselected branch. */
const eluNaive: F = (x) => where(greater(x, 0), x, expm1(x));
/** GELU, tanh approximation: ½x(1 + tanh(√(2/π)(x + 0.044715x³))). */
const GELU_C = Math.sqrt(2 / Math.PI);
const gelu: F = (x) => mul(mul(x, 0.5), add(1, tanh(mul(add(x, mul(0.044715, mul(x, mul(x, x)))), GELU_C))));
/** TF's sigmoid_cross_entropy_with_logits: max(x, 0) − x·z + log1p(exp(−|x|)). */
const bceWithLogits = (x: Tensor, z: Tensor): Tensor => add(sub(maximum(x, 0), mul(x, z)), log1p(exp(neg(abs(x)))));
/** Softmax cross-entropy of logits z (last axis) and an int32 label: logSumExp(z) − z[y]. */
const softmaxCE = (z: Tensor, y: number): Tensor => sub(logSumExp(z, -1), gather(z, tensor(y, { dtype: "int32" }), -1));

// ------------------------------------------------- reference values (float64 JS)

const refSigmoid = (x: number): number => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));
const refSoftplus = (x: number): number =>
  x === Infinity ? Infinity : x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
/** log(exp(a) + exp(b)), exact to double rounding for our inputs. */
const refLogAddExp = (a: number, b: number): number => {
  if (Number.isNaN(a) || Number.isNaN(b)) return NaN;
  if (a === -Infinity && b === -Infinity) return -Infinity;
  const m = Math.max(a, b);
  if (m === Infinity) return Infinity;
  return m + Math.log1p(Math.exp(-Math.abs(a - b)));
};

/**
 * One row of the stability table: a function of a scalar input written with
 * library ops (on a [1] tensor), its true value and true derivative.
 * `skipGradAt` lists points where the form's derivative is NaN or differs for
 * a documented reason; `usesExtremum` marks forms built on maximum/minimum.
 */
interface Row {
  readonly name: string;
  readonly f: F;
  readonly value: (x: number) => number;
  readonly deriv: (x: number) => number;
  readonly skipValueAt?: readonly number[];
  readonly skipGradAt?: readonly number[];
  readonly usesExtremum?: boolean;
  /**
   * The result is a log of a sum that includes a term of order 1 (log Σ exp),
   * so its absolute error is an ulp of max(1, |x|): lse([−89, 0]) = 2.2e−39
   * is computed as log(1 + 2.2e−39) = 0, which is as close as the form gets.
   */
  readonly logOfSum?: boolean;
}

// Infinite logits give NaN in the IEEE forms of BCE and CE (∞ − ∞ or 0·∞), as in TF and JAX.
const INF = [Infinity, -Infinity];

const ROWS: readonly Row[] = [
  { name: "softplus", f: softplus, value: refSoftplus, deriv: refSigmoid },
  {
    name: "softplus composed as max(x,0) + log1p(e^−|x|)",
    f: softplusComposed,
    value: refSoftplus,
    deriv: refSigmoid,
    // relu′(0) = 0 and sign(0) = 0, so the composed form has derivative 0 at 0
    // (the primitive's rule gives σ(0) = ½): why softplus is a primitive.
    skipGradAt: [0],
    usesExtremum: true,
  },
  { name: "sigmoid", f: sigmoid, value: refSigmoid, deriv: (x) => refSigmoid(x) * refSigmoid(-x) },
  {
    name: "log_sigmoid",
    f: (x) => logSigmoid(x),
    value: (x) => -refSoftplus(-x),
    deriv: (x) => refSigmoid(-x),
  },
  {
    name: "logAddExp(x, 0)",
    f: (x) => logAddExp(x, 0),
    value: (x) => refLogAddExp(x, 0),
    deriv: refSigmoid,
    usesExtremum: true,
  },
  {
    name: "logAddExp(x, x)",
    logOfSum: true,
    f: (x) => logAddExp(x, x),
    value: (x) => refLogAddExp(x, x),
    deriv: () => 1,
    // x − x is NaN at ±∞; the form then returns x + x, whose derivative is 2
    skipGradAt: INF,
    usesExtremum: true,
  },
  {
    name: "erf",
    f: (x) => erf(x),
    // every extreme is 0 or beyond |x| = 6, where erf is ±1 in both precisions
    value: (x) => (x === 0 || Number.isNaN(x) ? x : Math.sign(x)),
    deriv: (x) => (2 / Math.sqrt(Math.PI)) * Math.exp(-x * x),
  },
  {
    name: "elu",
    f: elu,
    value: (x) => (x > 0 ? x : Math.expm1(x)),
    deriv: (x) => (x > 0 ? 1 : Math.exp(x)),
    // At exactly 0, minimum(x, 0) splits its derivative between its tied
    // operands (JAX's convention), so elu'(0) = ½ here (1 with a double where).
    skipGradAt: [0],
    usesExtremum: true,
  },
  { name: "tanh", f: tanh, value: Math.tanh, deriv: (x) => 1 - Math.tanh(x) ** 2 },
  {
    name: "gelu(tanh)",
    f: gelu,
    value: (x) => 0.5 * x * (1 + Math.tanh(GELU_C * (x + 0.044715 * x ** 3))),
    deriv: (x) => {
      const t = Math.tanh(GELU_C * (x + 0.044715 * x ** 3));
      return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * GELU_C * (1 + 3 * 0.044715 * x * x);
    },
    // at −∞ the form is −∞·0 (true value 0); at ±∞ its derivative has ∞·0 as well
    skipValueAt: [-Infinity],
    skipGradAt: INF,
  },
  {
    name: "bce_with_logits(z=1)",
    f: (x) => bceWithLogits(x, tensor([1], { dtype: x.dtype })),
    value: (x) => refSoftplus(-x),
    deriv: (x) => refSigmoid(x) - 1,
    skipValueAt: INF,
    skipGradAt: INF,
    usesExtremum: true,
  },
  {
    name: "bce_with_logits(z=0)",
    f: (x) => bceWithLogits(x, tensor([0], { dtype: x.dtype })),
    value: refSoftplus,
    deriv: refSigmoid,
    skipValueAt: INF,
    skipGradAt: INF,
    usesExtremum: true,
  },
  {
    name: "logSumExp([x, x])",
    logOfSum: true,
    f: (x) => logSumExp(twice(x), -1, true),
    value: (x) => refLogAddExp(x, x),
    deriv: () => 1,
    // d/dx at ±∞ is Σ softmax of a row of infinities: 0/0.
    skipGradAt: INF,
  },
  {
    name: "logSumExp([x, 0])",
    logOfSum: true,
    f: (x) => logSumExp(withZero(x), -1, true),
    value: (x) => refLogAddExp(x, 0),
    deriv: refSigmoid,
    // the gradient of lse at +∞ is 0·∞ (as JAX's exp(x − out) = exp(∞ − ∞))
    skipGradAt: [Infinity],
  },
  {
    name: "softmax_ce([x, 0], y=0)",
    logOfSum: true,
    f: (x) => softmaxCE(withZero(x), 0),
    value: (x) => refSoftplus(-x),
    deriv: (x) => refSigmoid(x) - 1,
    // lse(+∞, 0) − (+∞) = ∞ − ∞; the gradient of lse at +∞ is 0·∞.
    skipValueAt: [Infinity],
    skipGradAt: [Infinity],
  },
  {
    name: "softmax_ce([x, 0], y=1)",
    logOfSum: true,
    f: (x) => softmaxCE(withZero(x), 1),
    value: refSoftplus,
    deriv: refSigmoid,
    skipGradAt: [Infinity],
  },
  {
    name: "logSoftmax([x, 0])[1]",
    logOfSum: true,
    f: (x) => gather(logSoftmax(withZero(x)), tensor([1], { dtype: "int32" })),
    value: (x) => -refSoftplus(x),
    deriv: (x) => -refSigmoid(x),
    // log_softmax with a +∞ input is NaN (documented, as JAX).
    skipValueAt: [Infinity],
    skipGradAt: [Infinity],
  },
];

/** [x] → [x, 0] and [x] → [x, x], without arithmetic on x (so ±∞ stay clean). */
const withZero: F = (x) => pad(x, [[0, 1]]);
const twice: F = (x) => gather(x, tensor([0, 0], { dtype: "int32" }));

const scalarLoss = (f: F): F => (x) => sum(f(x));

const checkValues = (row: Row, dtype: FloatD): void => {
  for (const p of EXTREMES) {
    if (row.skipValueAt?.includes(p)) continue;
    const out = values(row.f(tensor([p], { dtype })));
    const want = rounded(row.value(p), dtype);
    for (const v of out) {
      if (Number.isFinite(want)) assert.ok(Number.isFinite(v), `${row.name}(${p}) ${dtype}: got ${v}, want ${want}`);
      const atol = row.logOfSum ? EPS[dtype] * Math.max(1, Math.abs(p)) : TINY[dtype];
      assertClose(v, want, RTOL[dtype], atol, `${row.name}(${p}) ${dtype}`);
    }
  }
};

const checkGrads = (row: Row, dtype: FloatD): void => {
  for (const p of EXTREMES) {
    if (Number.isNaN(p) || row.skipGradAt?.includes(p)) continue;
    const g = grad(scalarLoss(row.f))(tensor([p], { dtype })).item();
    const want = row.deriv(p);
    assert.ok(Number.isFinite(g), `${row.name}'(${p}) ${dtype}: gradient ${g} is not finite (true ${want})`);
    // A float32 derivative such as σ(89)(1 − σ(89)) rounds σ to 1 first, so
    // compare with an absolute floor of float32 epsilon.
    const atol = dtype === "float32" ? 1.2e-7 : 1e-15;
    assertClose(g, want, dtype === "float32" ? 1e-5 : 1e-12, atol, `${row.name}'(${p}) ${dtype}`);
  }
};

// ====================================================================== N1

describe("N1: stable forms at ±1e4, ±89, ±710, ±∞, NaN, −0", () => {
  for (const dtype of DTYPES) {
    it(`values are finite and correct wherever the true value is finite (${dtype})`, () => {
      for (const row of ROWS) checkValues(row, dtype);
    });
  }

  it("gradients are finite and correct at every finite-derivative extreme (float32)", () => {
    for (const row of ROWS) checkGrads(row, "float32");
  });

  it("gradients are finite and correct at every finite-derivative extreme (float64, no maximum/minimum)", () => {
    for (const row of ROWS) if (!row.usesExtremum) checkGrads(row, "float64");
  });

  it(
    "gradients are finite and correct at every finite-derivative extreme (float64, maximum/minimum forms)",
    () => {
      for (const row of ROWS) if (row.usesExtremum) checkGrads(row, "float64");
    },
  );

  it("logSumExp([1e4, 1e4]) = 1e4 + ln 2 within 2 ulp (float64), and the same at −1e4, ±89, ±710", () => {
    for (const c of [1e4, -1e4, 89, -89, 710, -710]) {
      const got = logSumExp(vec([c, c], "float64")).item();
      assert.ok(ulps64(got, c + Math.LN2) <= 2, `lse([${c}, ${c}]) = ${got}, want ${c + Math.LN2}`);
    }
    // float32: the nearest float32 to 1e4 + ln 2, within 1 ulp
    const f32 = logSumExp(vec([1e4, 1e4], "float32")).item();
    assert.ok(ulps32(f32, Math.fround(1e4 + Math.LN2)) <= 1, `float32 lse([1e4, 1e4]) = ${f32}`);
  });

  it("logSumExp handles rows of infinities: all −∞ → −∞, any +∞ → +∞, NaN → NaN", () => {
    for (const dtype of DTYPES) {
      assert.equal(logSumExp(vec([-Infinity, -Infinity], dtype)).item(), -Infinity);
      assert.equal(logSumExp(vec([Infinity, 1], dtype)).item(), Infinity);
      assert.equal(logSumExp(vec([Infinity, Infinity], dtype)).item(), Infinity);
      assert.equal(logSumExp(vec([-Infinity, 0], dtype)).item(), 0);
      assert.ok(Number.isNaN(logSumExp(vec([NaN, 1], dtype)).item()));
      // rows are independent
      const rows = logSumExp(tensor([[-Infinity, -Infinity], [0, 0], [NaN, 0]], { dtype }), 1);
      const [a, b, c] = values(rows);
      assert.equal(a, -Infinity);
      assertClose(b, rounded(Math.LN2, dtype), RTOL[dtype], 0, "lse([0,0])");
      assert.ok(Number.isNaN(c));
    }
  });

  it("the gradient of logSumExp is softmax, finite at ±1e4 and with a −∞ entry", () => {
    for (const dtype of DTYPES) {
      assert.deepEqual(values(grad((x: Tensor) => logSumExp(x))(vec([1e4, 1e4], dtype))), [0.5, 0.5]);
      assert.deepEqual(values(grad((x: Tensor) => logSumExp(x))(vec([-1e4, -1e4], dtype))), [0.5, 0.5]);
      assert.deepEqual(values(grad((x: Tensor) => logSumExp(x))(vec([1e4, 0], dtype))), [1, 0]);
      assert.deepEqual(values(grad((x: Tensor) => logSumExp(x))(vec([-Infinity, 0], dtype))), [0, 1]);
    }
  });

  it("naive log Σ exp overflows where logSumExp does not (why the stable form exists)", () => {
    const naive = (x: Tensor) => log(sum(exp(x)));
    assert.equal(naive(vec([1e4, 1e4], "float64")).item(), Infinity);
    assert.equal(naive(vec([-1e4, -1e4], "float64")).item(), -Infinity);
    assert.ok(Number.isFinite(logSumExp(vec([-1e4, -1e4], "float64")).item()));
  });

  it("logSoftmax([c, c]) stays finite and near −ln 2 at c = ±1e4, ±89, ±710 (loose tolerance)", () => {
    for (const dtype of DTYPES) {
      for (const c of [1e4, -1e4, 89, -89, 710, -710]) {
        for (const v of values(logSoftmax(vec([c, c], dtype)))) {
          assertClose(v, -Math.LN2, dtype === "float32" ? 1e-3 : 1e-12, 0, `logSoftmax([${c}, ${c}]) ${dtype}`);
        }
      }
    }
  });

  it("logSoftmax([c, c]) = −ln 2 within 2 ulp (float64) and 1 ulp (float32)", () => {
    for (const c of [1e4, -1e4, 89, -89, 710, -710]) {
      for (const v of values(logSoftmax(vec([c, c], "float64")))) {
        assert.ok(ulps64(v, -Math.LN2) <= 2, `float64 logSoftmax([${c}, ${c}]) = ${v}`);
      }
      for (const v of values(logSoftmax(vec([c, c], "float32")))) {
        assert.ok(ulps32(v, Math.fround(-Math.LN2)) <= 1, `float32 logSoftmax([${c}, ${c}]) = ${v}`);
      }
    }
  });

  it("logSoftmax with a +∞ input gives NaN there (documented, as JAX)", () => {
    const [a, b] = values(logSoftmax(vec([Infinity, 1], "float64")));
    assert.ok(Number.isNaN(a));
    assert.equal(b, -Infinity);
  });

  it("softmax cross-entropy has gradient softmax(z) − onehot(y), finite at ±1e4", () => {
    for (const dtype of DTYPES) {
      const z = tensor([[1e4, 0, -1e4], [-1e4, 1e4, 0]], { dtype });
      const labels = tensor([0, 2], { dtype: "int32" });
      // per row: logSumExp(z_i) − z_i[y_i], the label picked with a one-hot mask
      const onehot = oneHot(labels, 3, dtype);
      const loss = (z: Tensor) => sum(sub(logSumExp(z, 1), sum(mul(z, onehot), 1)));
      assert.deepEqual(values(loss(z)), [1e4]);
      assert.deepEqual(values(grad(loss)(z)), [0, 0, 0, 0, 1, -1]);
    }
  });

  it("softplus(+∞) has gradient 1 and softplus(89) = 89 exactly in float32 (JAX nn_test)", () => {
    assert.equal(grad(scalarLoss(softplus))(tensor([Infinity])).item(), 1);
    assert.equal(softplus(tensor([89])).item(), 89);
    assert.equal(softplus(tensor([-Infinity])).item(), 0);
  });

  it("ELU with min inside expm1 has a finite gradient at 1e4; the naive form gives NaN (JAX testEluGrad)", () => {
    assert.equal(grad(scalarLoss(elu))(tensor([1e4])).item(), 1);
    assert.equal(grad(scalarLoss(elu))(tensor([-1e4])).item(), 0);
    // the trap: expm1(1e4) = ∞ in the unselected branch, and 0 · ∞ = NaN in the backward pass
    assert.ok(Number.isNaN(grad(scalarLoss(eluNaive))(tensor([1e4])).item()));
  });

  it("ELU′(0): ½ with min (tie split between x and 0), 1 with a double where", () => {
    assert.equal(grad(scalarLoss(elu))(tensor([0])).item(), 0.5);
    const eluDoubleWhere: F = (x) => {
      const pos = greater(x, 0);
      return where(pos, x, expm1(where(pos, 0, x)));
    };
    assert.equal(grad(scalarLoss(eluDoubleWhere))(tensor([0])).item(), 1);
    assert.equal(grad(scalarLoss(eluDoubleWhere))(tensor([1e4])).item(), 1);
  });

  it("sigmoid = 1/(1 + e^−x) is exact 0 and 1 at ±1e4; exp(x)/(1 + exp(x)) is NaN at 1e4", () => {
    for (const dtype of DTYPES) {
      assert.deepEqual(values(sigmoid(vec([1e4, -1e4, Infinity, -Infinity], dtype))), [1, 0, 1, 0]);
      const naive = (x: Tensor) => div(exp(x), add(1, exp(x)));
      assert.ok(Number.isNaN(naive(vec([1e4], dtype)).item()));
    }
  });

  it("log_sigmoid(−710) = −710 in float64, where log(sigmoid(−710)) = −∞", () => {
    assert.equal(logSigmoid(vec([-710], "float64")).item(), -710);
    assert.equal(log(sigmoid(vec([-710], "float64"))).item(), -Infinity);
  });

  it("exp overflows at the documented thresholds: float32 exp(89) = ∞, float64 exp(710) = ∞", () => {
    assert.equal(exp(tensor([89])).item(), Infinity);
    assert.ok(Number.isFinite(exp(tensor([88.7])).item()));
    assert.ok(Number.isFinite(exp(vec([89], "float64")).item()));
    assert.equal(exp(vec([710], "float64")).item(), Infinity);
    assert.ok(Number.isFinite(exp(vec([709.7], "float64")).item()));
  });

  it("tanh at ±1e4, ±∞ is ±1 with derivative 0, and keeps −0", () => {
    for (const dtype of DTYPES) {
      assert.deepEqual(values(tanh(vec([1e4, -1e4, Infinity, -Infinity], dtype))), [1, -1, 1, -1]);
      assert.ok(Object.is(tanh(vec([-0], dtype)).item(), -0));
      assert.deepEqual(values(grad(scalarLoss(tanh))(vec([1e4, -Infinity], dtype))), [0, 0]);
    }
  });

  it("variance is two-pass: float32 var(1e4 + [0, 1, 2]) ≈ 2/3 (naive: 0), float64 var(1e8 + [0, 1, 2]) = 2/3 (naive: 2)", () => {
    const v32 = variance(vec([1e4, 1e4 + 1, 1e4 + 2], "float32")).item();
    assertClose(v32, 2 / 3, 1e-3, 0, "float32 variance");
    const v64 = variance(vec([1e8, 1e8 + 1, 1e8 + 2], "float64")).item();
    assertClose(v64, 2 / 3, 1e-12, 0, "float64 variance");
    // the naive one-pass form E[x²] − E[x]², for contrast
    const naive = (x: Tensor) => sub(mean(square(x)), square(mean(x)));
    assert.notEqual(naive(vec([1e4, 1e4 + 1, 1e4 + 2], "float32")).item(), v32);
    assert.equal(naive(vec([1e8, 1e8 + 1, 1e8 + 2], "float64")).item(), 2);
  });

  it("variance at every extreme offset: finite and ≈ 2/3 for finite offsets, with finite gradient 2(x − mean)/n", () => {
    for (const dtype of DTYPES) {
      for (const c of EXTREMES) {
        const x = vec([c, c + 1, c + 2], dtype);
        const v = variance(x).item();
        if (!Number.isFinite(c)) {
          assert.ok(Number.isNaN(v), `variance at offset ${c} is ${v}`);
          continue;
        }
        // float32 cannot hold 1e4 + 1 exactly enough below 1e4 either way; 1e-3 covers it
        assertClose(v, 2 / 3, dtype === "float32" ? 1e-3 : 1e-9, 0, `variance(${c} + [0,1,2]) ${dtype}`);
        const g = values(grad((x: Tensor) => variance(x))(x));
        for (const [i, want] of [-2 / 3, 0, 2 / 3].entries()) {
          assertClose(g[i], want, dtype === "float32" ? 1e-3 : 1e-9, 1e-6, `variance grad ${c} ${dtype}`);
        }
      }
    }
  });

  it("softmax where grad: x = [36, 10000] masked to [36, −∞] → softmax [1, 0], gradient exactly 0, no NaN (JAX #19490)", () => {
    for (const dtype of DTYPES) {
      const x = vec([36, 10000], dtype);
      const mask = tensor([true, false]);
      const masked = (x: Tensor) => softmax(where(mask, x, -Infinity));
      assert.deepEqual(values(masked(x)), [1, 0]);
      const first = (x: Tensor) => sum(slice(masked(x), [{ stop: 1 }]));
      const g = values(grad(first)(x));
      assert.deepEqual(g.map((v) => v === 0), [true, true], `gradient ${g}`);
      const total = values(grad((x: Tensor) => sum(masked(x)))(x));
      assert.ok(total.every((v) => v === 0), `gradient of Σ softmax: ${total}`);
    }
  });

  it("softmax of an empty axis is empty, not an error (JAX nn_test)", () => {
    assert.deepEqual(softmax(zeros([0])).shape, [0]);
    assert.deepEqual(softmax(zeros([3, 0])).shape, [3, 0]);
    assert.deepEqual(logSoftmax(zeros([0, 2])).shape, [0, 2]);
  });

  it("relu′(0) = 0 and relu′ at ±∞ is 1/0", () => {
    assert.deepEqual(values(grad(scalarLoss(relu))(tensor([0, Infinity, -Infinity, 1e4]))), [0, 1, 0, 1]);
  });
});

// ====================================================================== N2

/** A NaN row for one elementwise primitive: inputs that are fine apart from the NaN. */
interface NanRow {
  readonly prim: string;
  readonly arity: 1 | 2;
  readonly f: (a: Tensor, b: TensorLike) => Tensor;
  /** An ordinary input value for the operand(s) that are not NaN. */
  readonly ok: number;
  /** What a NaN in the first / second operand gives: "nan", or a fixed value (comparisons). */
  readonly nanGives?: number;
}

const UNARY_NAN: readonly NanRow[] = (
  [
    ["neg", neg],
    ["abs", abs],
    ["sign", sign],
    ["exp", exp],
    ["log", log],
    ["log1p", log1p],
    ["expm1", expm1],
    ["sqrt", sqrt],
    ["rsqrt", rsqrt],
    ["square", square],
    ["sin", sin],
    ["cos", cos],
    ["tan", tan],
    ["tanh", tanh],
    ["sigmoid", sigmoid],
    ["softplus", softplus],
    ["erf", erf],
    ["relu", relu],
    ["floor", floor],
    ["ceil", ceil],
    ["round", round],
  ] as const
).map(([prim, f]) => ({ prim, arity: 1, f: (a: Tensor) => f(a), ok: 0.5 }));

const BINARY_NAN: readonly NanRow[] = [
  { prim: "add", arity: 2, f: add, ok: 0.5 },
  { prim: "sub", arity: 2, f: sub, ok: 0.5 },
  { prim: "mul", arity: 2, f: mul, ok: 0.5 },
  { prim: "div", arity: 2, f: div, ok: 0.5 },
  { prim: "pow", arity: 2, f: pow, ok: 0.5 },
  { prim: "maximum", arity: 2, f: maximum, ok: 0.5 },
  { prim: "minimum", arity: 2, f: minimum, ok: 0.5 },
  { prim: "equal", arity: 2, f: equal, ok: 0.5, nanGives: 0 },
  { prim: "notEqual", arity: 2, f: notEqual, ok: 0.5, nanGives: 1 },
  { prim: "less", arity: 2, f: less, ok: 0.5, nanGives: 0 },
  { prim: "lessEqual", arity: 2, f: lessEqual, ok: 0.5, nanGives: 0 },
  { prim: "greater", arity: 2, f: greater, ok: 0.5, nanGives: 0 },
  { prim: "greaterEqual", arity: 2, f: greaterEqual, ok: 0.5, nanGives: 0 },
];

/** Primitives that are not elementwise on floats (or take no float input): covered elsewhere below. */
const NOT_FLOAT_ELEMENTWISE = new Set([
  "cast",
  "stopGradient",
  "sum",
  "max",
  "min",
  "prod",
  "argmax",
  "argmin",
  "reshape",
  "transpose",
  "broadcastTo",
  "slice",
  "pad",
  "concat",
  "where",
  "logicalAnd",
  "logicalOr",
  "logicalNot",
  "matmul",
  "gather",
  "scatterAdd",
  "extractPatches",
  "foldPatches",
  "flip",
  "cumsum",
  "argsort",
  "customVjp",
  "random", // its only inputs are key words (and integer foldIn data)
]);

describe("N2: NaN propagation", () => {
  it("the NaN table covers every registered primitive that is elementwise on floats", () => {
    const covered = new Set([...UNARY_NAN, ...BINARY_NAN].map((r) => r.prim));
    const missing = allPrimitives()
      .map((p) => p.name)
      .filter((n) => !covered.has(n) && !NOT_FLOAT_ELEMENTWISE.has(n));
    assert.deepEqual(missing, [], `primitives without a NaN row: ${missing.join(", ")}`);
  });

  for (const dtype of DTYPES) {
    it(`every unary elementwise primitive maps NaN to NaN at that position only (${dtype})`, () => {
      for (const row of UNARY_NAN) {
        const out = values(row.f(vec([row.ok, NaN, row.ok], dtype), 0));
        assert.ok(Number.isNaN(out[1]), `${row.prim}(NaN) = ${out[1]}`);
        assert.ok(!Number.isNaN(out[0]) && !Number.isNaN(out[2]), `${row.prim} leaked NaN: ${out}`);
      }
    });

    it(`every binary elementwise primitive propagates NaN from either side; comparisons give false (≠: true) (${dtype})`, () => {
      for (const row of BINARY_NAN) {
        const fine = vec([row.ok, row.ok, row.ok], dtype);
        const withNan = vec([row.ok, NaN, row.ok], dtype);
        for (const [a, b, side] of [[withNan, fine, "first"], [fine, withNan, "second"]] as const) {
          const out = values(row.f(a, b));
          if (row.nanGives === undefined) {
            assert.ok(Number.isNaN(out[1]), `${row.prim} with NaN ${side}: ${out[1]}`);
            assert.ok(!Number.isNaN(out[0]) && !Number.isNaN(out[2]), `${row.prim} leaked NaN: ${out}`);
          } else {
            assert.equal(out[1], row.nanGives, `${row.prim} with NaN ${side}`);
          }
        }
        // broadcasting a NaN scalar reaches every element
        const out = values(row.f(vec([row.ok, row.ok], dtype), NaN));
        for (const v of out) {
          if (row.nanGives === undefined) assert.ok(Number.isNaN(v), `${row.prim}(x, NaN scalar) = ${v}`);
          else assert.equal(v, row.nanGives, `${row.prim}(x, NaN scalar)`);
        }
      }
    });
  }

  it("IEEE exceptions of pow: pow(NaN, 0) = 1, and (JS Math.pow, unlike C and NumPy) pow(1, NaN) = NaN", () => {
    assert.equal(pow(vec([NaN], "float64"), 0).item(), 1);
    assert.ok(Number.isNaN(pow(vec([1], "float64"), NaN).item()));
  });

  it("where selects a NaN only where its branch is chosen; the condition decides alone", () => {
    for (const dtype of DTYPES) {
      const c = tensor([true, false, true, false]);
      const a = vec([NaN, NaN, 1, 1], dtype);
      const b = vec([2, 2, NaN, NaN], dtype);
      const out = values(where(c, a, b));
      assert.ok(Number.isNaN(out[0]));
      assert.equal(out[1], 2);
      assert.equal(out[2], 1);
      assert.ok(Number.isNaN(out[3]));
    }
  });

  it("bool ops never see NaN: comparisons of NaN are bool, and logical ops compose on them", () => {
    const x = vec([NaN, 1], "float64");
    const isNan = notEqual(x, x);
    assert.equal(isNan.dtype, "bool");
    assert.deepEqual(values(isNan), [1, 0]);
    assert.deepEqual(values(logicalNot(isNan)), [0, 1]);
    assert.deepEqual(values(logicalAnd(isNan, greater(x, 0))), [0, 0]);
    assert.deepEqual(values(logicalOr(isNan, greater(x, 0))), [1, 1]);
  });

  it("reductions: a NaN poisons its own row only (sum, prod, max, min, mean, variance, logSumExp)", () => {
    for (const dtype of DTYPES) {
      const x = tensor([[1, NaN, 3], [1, 2, 3]], { dtype });
      for (
        const [name, r] of [
          ["sum", (t: Tensor) => sum(t, 1)],
          ["prod", (t: Tensor) => prod(t, 1)],
          ["max", (t: Tensor) => max(t, 1)],
          ["min", (t: Tensor) => min(t, 1)],
          ["mean", (t: Tensor) => mean(t, 1)],
          ["variance", (t: Tensor) => variance(t, 1)],
          ["logSumExp", (t: Tensor) => logSumExp(t, 1)],
        ] as const
      ) {
        const [bad, good] = values(r(x));
        assert.ok(Number.isNaN(bad), `${name} of a NaN row = ${bad}`);
        assert.ok(Number.isFinite(good), `${name} of a clean row = ${good}`);
      }
      // a NaN at the first position too (max must not start from the NaN and skip it)
      assert.ok(Number.isNaN(max(vec([NaN, 1], dtype)).item()));
      assert.ok(Number.isNaN(min(vec([1, NaN], dtype)).item()));
    }
  });

  it("argmax/argmin return the index of the first NaN (NumPy convention)", () => {
    assert.equal(argmax(vec([1, NaN, 3, NaN], "float64")).item(), 1);
    assert.equal(argmin(vec([1, NaN, -3, NaN], "float64")).item(), 1);
    assert.deepEqual(values(argmax(tensor([[1, 5], [NaN, 9]]), 1)), [1, 0]);
  });

  it("matmul propagates NaN through rows and columns, even when multiplied by zeros", () => {
    for (const dtype of DTYPES) {
      const a = tensor([[NaN, 1], [1, 1]], { dtype });
      const z = zeros([2, 3], { dtype });
      const out = matmul(a, z).toArray() as number[][];
      assert.ok(out[0].every(Number.isNaN), `row with NaN times zeros: ${out[0]}`);
      assert.deepEqual(out[1], [0, 0, 0]);
      const b = tensor([[1, NaN], [1, 1]], { dtype });
      const out2 = matmul(zeros([3, 2], { dtype }), b).toArray() as number[][];
      assert.ok(out2.every((r) => Number.isNaN(r[1]) && r[0] === 0), `zeros times column with NaN: ${out2}`);
    }
  });

  it("cast: NaN → float64 NaN, → int32 0, → bool true (x ≠ 0)", () => {
    const x = tensor([NaN]);
    assert.ok(Number.isNaN(cast(x, "float64").item()));
    assert.equal(cast(x, "int32").item(), 0);
    assert.equal(cast(x, "bool").item(), 1);
  });

  it("the where trap: grad of where(x > 0, log(x), 0) at x = 0 is NaN (0 · ∞ in the backward pass)", () => {
    const trap = (x: Tensor) => sum(where(greater(x, 0), log(x), 0));
    const x = tensor([0, 1]);
    assert.deepEqual(values(trap(x) as Tensor), [0], "the forward value is fine");
    const g = values(grad(trap)(x));
    assert.ok(Number.isNaN(g[0]), `gradient at 0 should show the trap, got ${g[0]}`);
    assert.equal(g[1], 1);
  });

  it("the double-where fix: sanitizing the unselected branch's input gives a finite gradient", () => {
    const safeLog = (x: Tensor) => {
      const pos = greater(x, 0);
      return where(pos, log(where(pos, x, 1)), 0);
    };
    const f = (x: Tensor) => sum(safeLog(x));
    for (const dtype of DTYPES) {
      const x = vec([0, 1, -3, 2], dtype);
      assert.deepEqual(values(f(x) as Tensor), [rounded(Math.log(2), dtype)]);
      assert.deepEqual(values(grad(f)(x)), [0, 1, 0, 0.5]);
      // second order too
      const g2 = values(grad((x: Tensor) => sum(grad(f)(x)))(x));
      assert.deepEqual(g2, [0, -1, 0, -0.25]);
    }
  });
});

// ====================================================================== N3

/** Runs `f` expecting a NanError; returns its message. */
const nanMessage = (f: () => unknown): string => {
  try {
    withDebugNans(f);
  } catch (e) {
    assert.ok(e instanceof NanError, `expected a NanError, got ${e}`);
    return e.message;
  }
  assert.fail("expected a NanError, but nothing was thrown");
};

const sumLog = (x: Tensor) => sum(log(x));

describe("N3: debugNans", () => {
  it("outside any transform: log(−1) names the primitive and shapes; exp(89) in float32 reports +Inf", () => {
    const msg = nanMessage(() => log(tensor([1, -1])));
    assert.match(msg, /^log: produced NaN \(first at flat index 1\) from finite inputs of shapes \[2\] → \[2\]/);
    assert.match(msg, /outside any transform/);
    assert.match(nanMessage(() => exp(tensor([89]))), /^exp: produced \+Inf/);
    assert.match(nanMessage(() => div(tensor([-1]), 0)), /^div: produced -Inf .* shapes \[1\], \[\] → \[1\]/);
  });

  it("the error is a NanError whose op is the primitive", () => {
    try {
      withDebugNans(() => grad(sumLog)(tensor([-1])));
      assert.fail("no error");
    } catch (e) {
      assert.ok(e instanceof NanError);
      assert.equal(e.op, "log");
      assert.equal(e.name, "NanError");
    }
  });

  it("grad: names log, grad, level 1, forward pass and the shapes", () => {
    const msg = nanMessage(() => grad(sumLog)(tensor([[2, -1]])));
    assert.match(msg, /^log: produced NaN/);
    assert.match(msg, /shapes \[1,2\] → \[1,2\]/);
    assert.match(msg, /under grad \(level 1, forward pass\)/);
  });

  it("valueAndGrad: reported like grad", () => {
    assert.match(nanMessage(() => valueAndGrad(sumLog)(tensor([-1]))), /^log: .* under grad \(level 1, forward pass\)/);
  });

  it("vjp: names vjp, level 1, forward pass", () => {
    assert.match(
      nanMessage(() => vjp(sumLog, tensor([-1]))),
      /^log: .*\[1\] → \[1\], under vjp \(level 1, forward pass\)/,
    );
  });

  it("jvp: names jvp, level 1", () => {
    assert.match(nanMessage(() => jvp(sumLog, [tensor([-1])], [tensor([1])])), /^log: .* under jvp \(level 1\)$/);
  });

  it("jvp: a non-finite tangent from finite values is reported (sqrt′ at 0 = 0.5/0)", () => {
    const msg = nanMessage(() => jvp((x: Tensor) => sqrt(x), [tensor([0])], [tensor([1])]));
    assert.match(msg, /^div: produced \+Inf .* shapes \[\], \[1\] → \[1\], under jvp \(level 1\)/);
  });

  it("jacrev: names jacrev, level 1", () => {
    assert.match(
      nanMessage(() => jacrev((x: Tensor) => log(x))(tensor([-1]))),
      /^log: .* under jacrev \(level 1, forward pass\)/,
    );
  });

  it("jacfwd: a non-finite tangent is reported under its vmap and jvp", () => {
    const msg = nanMessage(() => jacfwd((x: Tensor) => sqrt(x))(tensor([0, 4])));
    assert.match(msg, /^div: produced \+Inf .* under vmap \(level 1, batch of 2\) > jvp \(level 2\)$/);
  });

  it("jacfwd: a NaN in the primal computation names the transforms it ran under", () => {
    assert.match(
      nanMessage(() => jacfwd((x: Tensor) => log(x))(tensor([-1]))),
      /^log: .* under vmap \(level 1, batch of 1\) > jvp \(level 2\)$/,
    );
  });

  it("hessian: names the primitive, shapes and the reverse-mode level that produced it", () => {
    // hessian = jacfwd(jacrev(f)); the message names the transforms running.
    // For sqrt at 0, the first non-finite value is the tangent of sqrt's
    // derivative, 0.5/0, computed by the outer jvp during jacrev's forward pass.
    const fwd = nanMessage(() => hessian(sumLog)(tensor([-1])));
    assert.match(fwd, /^log: .*\[1\] → \[1\], under .*jacrev \(level \d, forward pass\)/);
    const bwd = nanMessage(() => hessian((x: Tensor) => sum(sqrt(x)))(tensor([0])));
    assert.match(
      bwd,
      /^div: produced \+Inf .* under vmap \(level 1, batch of 1\) > jvp \(level 2\) > jacrev \(level 3, forward pass\)$/,
    );
  });

  it("backward pass of grad: sqrt(0) is fine forward, its derivative 0.5/0 = ∞ is reported in the backward pass", () => {
    assert.equal(withDebugNans(() => sqrt(tensor([0]))).item(), 0);
    const msg = nanMessage(() => grad((x: Tensor) => sum(sqrt(x)))(tensor([0])));
    assert.match(
      msg,
      /^div: produced \+Inf \(first at flat index 0\) from finite inputs of shapes \[\], \[1\] → \[1\]/,
    );
    assert.match(msg, /under grad \(level 1, backward pass\)$/);
  });

  it("nested transforms list every level: grad of grad", () => {
    const inner = grad(sumLog);
    const msg = nanMessage(() => grad((x: Tensor) => sum(inner(x)))(tensor([-1])));
    assert.match(msg, /under grad \(level 1, forward pass\) > grad \(level 2, forward pass\)/);
  });

  it("with debugNans off, the same programs run and return NaN/∞ silently", () => {
    const [value, g] = valueAndGrad(sumLog)(tensor([-1]));
    assert.ok(Number.isNaN(value.item()));
    assert.equal(g.item(), -1);
    assert.equal(grad((x: Tensor) => sum(sqrt(x)))(tensor([0])).item(), Infinity);
    assert.deepEqual(jacrev((x: Tensor) => sqrt(x))(tensor([0])).toArray(), [[Infinity]]);
    assert.equal(exp(tensor([89])).item(), Infinity);
  });

  it("NaN or ∞ coming from a non-finite input is not reported", () => {
    withDebugNans(() => {
      assert.ok(Number.isNaN(log(tensor([NaN])).item()));
      assert.ok(Number.isNaN(grad(sumLog)(tensor([NaN])).item()));
      assert.equal(exp(tensor([Infinity])).item(), Infinity);
      assert.ok(Number.isNaN(sub(tensor([Infinity]), Infinity).item()));
    });
  });

  it("setDebugNans toggles globally; withDebugNans restores the previous setting, also after a throw", () => {
    setDebugNans(true);
    try {
      assert.throws(() => log(tensor([-1])), NanError);
    } finally {
      setDebugNans(false);
    }
    assert.doesNotThrow(() => log(tensor([-1])));
    assert.throws(() => withDebugNans(() => log(tensor([-1]))), NanError);
    assert.doesNotThrow(() => log(tensor([-1])), "withDebugNans left checking on after a throw");
    // nested: inner withDebugNans does not switch off an outer setDebugNans
    setDebugNans(true);
    try {
      withDebugNans(() => 0);
      assert.throws(() => log(tensor([-1])), NanError);
    } finally {
      setDebugNans(false);
    }
  });
});
