/**
 * The special functions (erf, softplus, logSigmoid, logAddExp, isNan,
 * isFinite), bool reductions, and error messages that name what the user
 * called. Values are checked against CPython's `math` module and plain-JS
 * float64 references from the published definitions.
 */
import { assert, describe, fc, it } from "./lib/test.ts";
import {
  equal,
  erf,
  isFinite,
  isNan,
  logAddExp,
  logSigmoid,
  matmul,
  mean,
  ones,
  random,
  softplus,
  sum,
  type Tensor,
  tensor,
  zeros,
} from "../mod.ts";

const f64 = (xs: number[]) => tensor(xs, { dtype: "float64" });
const vals = (t: Tensor) => Array.from(t.toTypedArray());

// [x, math.erf(x)] from CPython 3 (correctly rounded libm erf).
const ERF_GOLDEN: readonly (readonly [number, number])[] = [
  [-5.5, -0.9999999999999927],
  [-3.7, -0.9999998328489421],
  [-2.6, -0.9997639655834707],
  [-2.4, -0.999311486103355],
  [-1.3, -0.9340079449406524],
  [-0.9, -0.7969082124228322],
  [-0.5, -0.5204998778130465],
  [-1e-9, -1.1283791670955127e-9],
  [0, 0],
  [1e-300, 1.1283791670955126e-300],
  [0.1, 0.1124629160182849],
  [0.3, 0.3286267594591274],
  [0.84375, 0.7672256612323416],
  [1, 0.8427007929497149],
  [1.25, 0.9229001282564582],
  [2, 0.9953222650189527],
  [2.49, 0.9995707121322661],
  [2.5, 0.999593047982555],
  [2.51, 0.9996142945182758],
  [3, 0.9999779095030014],
  [4.2, 0.9999999971445058],
  [5.9, 0.9999999999999999],
  [6, 1],
  [27, 1],
];

describe("erf", () => {
  it("matches CPython's math.erf to 2e-15 relative at 24 points across both expansions (float64)", () => {
    const got = vals(erf(f64(ERF_GOLDEN.map(([x]) => x))));
    ERF_GOLDEN.forEach(([x, want], i) => {
      assert.ok(Math.abs(got[i] - want) <= 2e-15 * Math.abs(want), `erf(${x}) = ${got[i]}, CPython ${want}`);
    });
  });

  it("is odd, bounded by 1 and increasing (property, float64)", () => {
    fc.assert(
      fc.property(fc.double({ min: -8, max: 8, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), (x, d) => {
        const [a, b, c] = vals(erf(f64([x, -x, x + d])));
        assert.equal(a, -b);
        assert.ok(Math.abs(a) <= 1);
        assert.ok(c >= a, `erf(${x + d}) = ${c} < erf(${x}) = ${a}`);
      }),
      { numRuns: 300 },
    );
  });

  it("float32 is the float64 value rounded once; ±∞ → ±1, NaN → NaN", () => {
    const xs = [-3, -0.5, 0.25, 1.7, 4];
    assert.deepEqual(vals(erf(tensor(xs))), vals(erf(f64(xs))).map(Math.fround));
    const [p, m, n] = vals(erf(tensor([Infinity, -Infinity, NaN])));
    assert.deepEqual([p, m], [1, -1]);
    assert.ok(Number.isNaN(n));
  });
});

describe("softplus, logSigmoid, logAddExp", () => {
  it("softplus(x) = log(1 + eˣ) (PyTorch Softplus, β = 1) where that is finite, and x or 0 at the ends", () => {
    fc.assert(
      fc.property(fc.double({ min: -30, max: 30, noNaN: true }), (x) => {
        const want = Math.log(1 + Math.exp(x));
        assert.ok(Math.abs(softplus(f64([x])).item() - want) <= 1e-14 * Math.max(1, want));
      }),
    );
    assert.deepEqual(vals(softplus(f64([1e4, -1e4, Infinity, -Infinity]))), [1e4, 0, Infinity, 0]);
  });

  it("logSigmoid(x) = log σ(x) = −softplus(−x), finite at −1e4 (JAX log_sigmoid)", () => {
    assert.deepEqual(vals(logSigmoid(f64([-1e4, 0]))), [-1e4, -Math.LN2]);
    fc.assert(
      fc.property(fc.double({ min: -30, max: 30, noNaN: true }), (x) => {
        const want = Math.log(1 / (1 + Math.exp(-x)));
        assert.ok(Math.abs(logSigmoid(f64([x])).item() - want) <= 1e-14 * Math.max(1, Math.abs(want)));
      }),
    );
  });

  it("logAddExp(a, b) = log(eᵃ + eᵇ) with broadcasting, symmetric, and NumPy's infinities", () => {
    fc.assert(
      fc.property(
        fc.double({ min: -50, max: 50, noNaN: true }),
        fc.double({ min: -50, max: 50, noNaN: true }),
        (a, b) => {
          const want = Math.log(Math.exp(a) + Math.exp(b));
          const [ab, ba] = [logAddExp(f64([a]), f64([b])).item(), logAddExp(f64([b]), f64([a])).item()];
          assert.equal(ab, ba);
          assert.ok(Math.abs(ab - want) <= 1e-14 * Math.max(1, Math.abs(want)), `${a}, ${b}: ${ab} vs ${want}`);
        },
      ),
    );
    assert.deepEqual(logAddExp(tensor([[0], [1]], { dtype: "float64" }), f64([0, 1])).shape, [2, 2]);
    assert.deepEqual(vals(logAddExp(f64([-Infinity, Infinity, -Infinity, 1e4]), f64([-Infinity, Infinity, 3, 1e4]))), [
      -Infinity,
      Infinity,
      3,
      1e4 + Math.LN2,
    ]);
    assert.ok(Number.isNaN(logAddExp(f64([NaN]), 0).item()));
  });
});

describe("isNan, isFinite", () => {
  it("classify NaN, ±∞ and finite values; integers are always finite and never NaN", () => {
    const x = tensor([0, NaN, Infinity, -Infinity, -2.5]);
    assert.deepEqual(isNan(x).toArray(), [0, 1, 0, 0, 0]);
    assert.deepEqual(isFinite(x).toArray(), [1, 0, 0, 0, 1]);
    assert.equal(isNan(x).dtype, "bool");
    const i = tensor([1, -5], { dtype: "int32" });
    assert.deepEqual([isNan(i).toArray(), isFinite(i).toArray()], [[0, 0], [1, 1]]);
  });
});

describe("reductions of bool tensors (as JAX)", () => {
  it("sum counts into int32; mean is the float32 fraction, so mean(equal(pred, y)) is an accuracy", () => {
    const b = tensor([[true, false, true], [true, true, true]]);
    const s = sum(b);
    assert.deepEqual([s.dtype, s.item()], ["int32", 5]);
    assert.deepEqual(sum(b, 1).toArray(), [2, 3]);
    const m = mean(b, 1);
    assert.equal(m.dtype, "float32");
    assert.deepEqual(m.toArray(), [Math.fround(2 / 3), 1]);
    const pred = tensor([1, 2, 0, 2], { dtype: "int32" });
    const labels = tensor([1, 0, 0, 2], { dtype: "int32" });
    assert.equal(mean(equal(pred, labels)).item(), 0.75);
  });

  it("mean of int32 is float32 too", () => {
    assert.deepEqual(
      [mean(tensor([1, 2], { dtype: "int32" })).dtype, mean(tensor([1, 2], { dtype: "int32" })).item()],
      [
        "float32",
        1.5,
      ],
    );
  });
});

describe("errors name the function the user called, with the shapes the user passed", () => {
  const message = (f: () => unknown): string => {
    try {
      f();
    } catch (e) {
      return String(e);
    }
    throw new Error("expected an error");
  };

  it("matmul of vectors reports the vector shapes, not the [1,k] / [k,1] matrices they become", () => {
    assert.equal(
      message(() => matmul(tensor([1, 2, 3]), tensor([1, 2, 3, 4]))),
      "ShapeError: matmul: inner dimensions differ: [3] @ [4] (3 ≠ 4)",
    );
    assert.match(message(() => matmul(tensor([[1, 2, 3]]), tensor([1, 2]))), /\[1,3\] @ \[2\] \(3 ≠ 2\)/);
    assert.match(message(() => matmul(tensor([1, 2]), tensor([[1, 2, 3]]))), /\[2\] @ \[1,3\] \(2 ≠ 1\)/);
  });

  it("zeros and ones name themselves, not full", () => {
    assert.match(message(() => zeros([-1, 2])), /^ValueError: zeros: shape \[-1,2\]/);
    assert.match(message(() => ones([2.5])), /^ValueError: ones: /);
  });

  it("random samplers name themselves for a bad key, not bits", () => {
    assert.match(message(() => random.normal(3 as never, [2])), /^ValueError: normal: expected a Key/);
    assert.match(message(() => random.uniform("k" as never, [2])), /^ValueError: uniform: expected a Key/);
    assert.match(message(() => random.bernoulli({} as never, 0.5, [2])), /^ValueError: bernoulli: expected a Key/);
  });
});
