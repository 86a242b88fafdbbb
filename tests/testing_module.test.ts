/**
 * Tests of the `testing` module itself: the allclose rule (with infinities
 * and NaN), the reports of `assertAllclose` and `checkGrads`, `checkGrads`
 * catching wrong gradients at orders 1 and 2, and the arbitraries producing
 * what they promise.
 */
import { assert, describe, fc, it } from "./lib/test.ts";
import {
  add,
  customVjp,
  mul,
  scalar,
  sign,
  sin,
  square,
  stopGradient,
  sum,
  tanh,
  type Tensor,
  tensor,
  tree,
  zeros,
} from "../mod.ts";
import { broadcastShapes } from "../core/shape.ts";
import {
  allclose,
  assertAllclose,
  broadcastShapesArb,
  checkGrads,
  floatTensorArb,
  paramTreeArb,
  shapeArb,
  shapeWithZeroArb,
} from "../testing/mod.ts";

const f64 = (x: number | number[]) => tensor(x, { dtype: "float64" });

describe("allclose: |actual − expected| ≤ atol + rtol·|expected|", () => {
  it("agrees with the rule on random finite pairs", () =>
    fc.assert(
      fc.property(
        fc.double({ min: -1e6, max: 1e6, noNaN: true }),
        fc.double({ min: -1e6, max: 1e6, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (a, e, rtol, atol) => {
          assert.equal(allclose(a, e, { rtol, atol }), Math.abs(a - e) <= atol + rtol * Math.abs(e));
        },
      ),
    ));

  it("is relative to the expected value, not symmetric", () => {
    // |1 − 2| = 1 ≤ 0.5·2 but not ≤ 0.5·1
    assert.ok(allclose(1, 2, { rtol: 0.5, atol: 0 }));
    assert.ok(!allclose(2, 1, { rtol: 0.5, atol: 0 }));
  });

  it("infinities are close only to themselves, whatever the tolerance", () => {
    assert.ok(allclose([Infinity, -Infinity], [Infinity, -Infinity]));
    assert.ok(!allclose(Infinity, -Infinity, { atol: Infinity }));
    assert.ok(!allclose(Infinity, 1e308, { rtol: 1, atol: 1e308 }));
    assert.ok(!allclose(1e308, Infinity, { rtol: 1, atol: 1e308 }));
  });

  it("NaN is close to NaN only with equalNan, and never to a number", () => {
    assert.ok(!allclose(NaN, NaN));
    assert.ok(allclose([1, NaN], [1, NaN], { equalNan: true }));
    assert.ok(!allclose(NaN, 0, { equalNan: true, atol: Infinity }));
    assert.ok(!allclose(0, NaN, { equalNan: true, atol: Infinity }));
  });

  it("compares tensors, nested arrays and typed arrays; shapes must match exactly", () => {
    assert.ok(allclose(f64([1, 2]), [1, 2]));
    assert.ok(allclose(tensor([[1, 2]]), [[1, 2]]));
    assert.ok(allclose(new Float32Array([0.5]), [0.5]));
    assert.ok(!allclose(f64([1, 2]), [[1, 2]]));
    assert.ok(!allclose(zeros([2, 1]), zeros([1, 2])));
    assert.ok(!allclose(zeros([1]), 0)); // [1] is not a scalar
  });

  it("defaults: 1e-7 for float64, looser (1.3e-6, 1e-5) when a float32 tensor is involved", () => {
    assert.ok(!allclose(f64([1 + 1e-6]), f64([1])));
    assert.ok(allclose(tensor([1 + 1e-6]), tensor([1])));
    assert.ok(allclose(f64([1 + 1e-8]), [1]));
  });
});

describe("assertAllclose reports the worst element", () => {
  it("names the count, the worst index, both values, the difference and the tolerance", () => {
    const actual = f64([1, 2, 3, 4, 5, 6]);
    const expected = [1, 2.01, 3, 4, 5.5, 6];
    assert.throws(() => assertAllclose(tensor(actual.toTypedArray(), { shape: [2, 3] }), [[1, 2.01, 3], [4, 5.5, 6]]), (
      e: unknown,
    ) => {
      const m = (e as Error).message;
      assert.match(m, /2 of 6 elements are not close \(shape \[2,3\]\)/);
      assert.match(m, /worst at \[1,1\]: actual 5, expected 5\.5, \|Δ\| = 0\.5/);
      assert.match(m, /rtol 1e-7, atol 1e-7/);
      return true;
    });
    assert.throws(() => assertAllclose(actual, expected, { message: "layer 2 grads" }), /\(layer 2 grads\)/);
  });

  it("reports different shapes", () => {
    assert.throws(
      () => assertAllclose(zeros([2, 3]), zeros([3, 2])),
      /shapes differ: actual \[2,3\], expected \[3,2\]/,
    );
  });

  it("reports a NaN as the worst element", () => {
    assert.throws(() => assertAllclose([1, NaN, 3], [1.5, 2, 3], { rtol: 0, atol: 1 }), /worst at \[1\]: actual NaN/);
  });

  it("passes silently when close", () => assertAllclose([[1, NaN]], [[1, NaN]], { equalNan: true }));
});

// x³ with a hand-written reverse rule; `bwd` is what the tests vary.
const cubeWith = (bwd: (x: Tensor, g: Tensor) => Tensor) =>
  customVjp(
    (x: Tensor) => mul(square(x), x),
    (x: Tensor) => [mul(square(x), x), x] as const,
    (x: Tensor, g: Tensor) => [bwd(x, g)],
  );

describe("checkGrads", () => {
  const x = f64([0.3, -1.2, 1.7]);

  it("passes correct derivatives of random smooth functions, at orders 1 and 2", () =>
    fc.assert(
      fc.property(floatTensorArb({ shapeArb: shapeArb({ maxRank: 2 }), maxSize: 25 }), fc.nat(), (t, seed) => {
        checkGrads((t: Tensor) => sum(mul(tanh(t), sin(t))), [t], { order: 2, seed });
        checkGrads((t: Tensor) => mul(square(t), t), [t], { order: 2, seed }); // a non-scalar output
      }),
      { numRuns: 50 },
    ));

  it("catches a wrong custom gradient in reverse mode, and names the mode, order, values and tolerance", () => {
    const wrong = cubeWith((x, g) => mul(g, mul(2.9, square(x)))); // 2.9x² instead of 3x²
    const f = (t: Tensor) => sum(wrong(t));
    assert.throws(() => checkGrads(f, [x], { modes: ["rev"] }), (e: unknown) => {
      const m = (e as Error).message;
      assert.match(m, /^checkGrads: rev mode \(VJP\) \(order 1\) disagrees with finite differences/);
      assert.match(m, /⟨Jᵀu, v⟩ = \S+ by autodiff, ⟨u, J v⟩ = \S+ by finite differences/);
      assert.match(m, /\(rtol 0\.000001, atol 1e-8\)/);
      return true;
    });
    // Forward mode cannot use a custom VJP rule (as in JAX): a clear error, not a pass.
    assert.throws(() => checkGrads(f, [x], { modes: ["fwd"] }), /cannot be differentiated in forward mode/);
    // The right rule passes, and its own derivative is right too.
    checkGrads((t: Tensor) => sum(cubeWith((x, g) => mul(g, mul(3, square(x))))(t)), [x], {
      order: 2,
      modes: ["rev"],
    });
  });

  it("catches a rule that is right at order 1 but whose derivative is wrong, only at order 2", () => {
    // 3x² computed from a stopped x: the first derivative is right, the second is 0.
    const f = (t: Tensor) => sum(cubeWith((x, g) => mul(g, mul(3, square(stopGradient(x)))))(t));
    checkGrads(f, [x], { order: 1, modes: ["rev"] });
    assert.throws(() => checkGrads(f, [x], { order: 2, modes: ["rev"] }), /\(order 2\)/);
  });

  it("reports forward-mode disagreements too: sign's zero derivative across its jump", () => {
    // Finite differences across the jump of sign see a spike of 1/ε.
    assert.throws(
      () => checkGrads((t: Tensor) => sign(t), [f64([0])], { modes: ["fwd"] }),
      /fwd mode \(JVP\) \(order 1\)/,
    );
  });

  it("handles trees of arguments, several outputs and argnums (integer inputs held fixed)", () => {
    const params = { w: f64([0.5, -1]), b: [f64(0.25)] };
    const idx = tensor([1, 0, 1], { dtype: "int32" });
    const f = (p: typeof params, i: Tensor, s: Tensor) => ({
      y: add(mul(p.w, p.b[0]), s),
      z: [sum(square(p.w)), scalar(i.size, "float64")],
    });
    checkGrads(f, [params, idx, f64(2)], { order: 2, argnums: [0, 2] });
    assert.throws(() => checkGrads(f, [params, idx, f64(2)]), /argument 1 has a leaf that is a int32 tensor/);
  });

  it("casts float32 inputs to float64", () =>
    checkGrads((t: Tensor) => sum(tanh(t)), [tensor([0.1, 0.2])], { order: 2 }));

  it("draws its directions from the key: the same seed gives the same verdict and message", () => {
    const wrong = (t: Tensor) => sum(cubeWith((x, g) => mul(g, square(x)))(t));
    const message = (seed: number) => {
      try {
        checkGrads(wrong, [x], { seed, modes: ["rev"] });
        return "passed";
      } catch (e) {
        return (e as Error).message;
      }
    };
    assert.equal(message(7), message(7));
    assert.notEqual(message(7), message(8));
  });

  it("rejects an order other than 1 or 2", () => {
    assert.throws(() => checkGrads(sum, [x], { order: 3 as 2 }), RangeError);
  });
});

describe("arbitraries", () => {
  it("shapeArb respects its bounds", () =>
    fc.assert(
      fc.property(shapeArb({ minRank: 1, maxRank: 3, minDim: 2, maxDim: 4 }), (s) => {
        assert.ok(s.length >= 1 && s.length <= 3);
        assert.ok(s.every((d) => Number.isInteger(d) && d >= 2 && d <= 4));
      }),
    ));

  it("shapeArb's defaults: rank 0–4, axes 1–5, and every rank occurs", () => {
    const shapes = fc.sample(shapeArb(), { numRuns: 500, seed: 3 });
    assert.ok(shapes.every((s) => s.length <= 4 && s.every((d) => d >= 1 && d <= 5)));
    assert.deepEqual([...new Set(shapes.map((s) => s.length))].sort(), [0, 1, 2, 3, 4]);
  });

  it("shapeWithZeroArb adds empty axes", () => {
    const shapes = fc.sample(shapeWithZeroArb(), { numRuns: 300, seed: 4 });
    assert.ok(shapes.some((s) => s.includes(0)));
    assert.ok(shapes.some((s) => s.length > 0 && !s.includes(0)));
    assert.ok(shapes.every((s) => s.length <= 4 && s.every((d) => d >= 0 && d <= 5)));
  });

  it("broadcastShapesArb gives shapes that broadcast to the stated result", () =>
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }).chain((n) => broadcastShapesArb(n)), ({ inputs, result }) => {
        assert.deepEqual(broadcastShapes("test", ...inputs), result);
        assert.deepEqual(inputs.map((s) => zeros(s)).reduce((a, b) => add(a, b)).shape, result);
      }),
    ));

  it("broadcastShapesArb draws unequal shapes (dropped axes and ones)", () => {
    const pairs = fc.sample(broadcastShapesArb(2), { numRuns: 300, seed: 5 });
    assert.ok(pairs.some(({ inputs: [a, b] }) => a.length !== b.length));
    assert.ok(pairs.some(({ inputs: [a, b] }) => a.length === b.length && a.some((d, i) => d !== b[i])));
  });

  it("floatTensorArb: the shape, dtype and bounds asked for, exclusions respected", () =>
    fc.assert(
      fc.property(
        floatTensorArb({
          shapeArb: shapeArb({ maxRank: 3 }),
          maxSize: 125,
          min: -1,
          max: 3,
          exclude: (v) => v < 0.5 && v > 0,
        }),
        floatTensorArb({ shape: [2, 2], dtype: "float32" }),
        (a, b) => {
          assert.equal(a.dtype, "float64");
          assert.ok(a.ndim <= 3);
          assert.ok(Array.from(a.toTypedArray()).every((v) => v >= -1 && v <= 3 && !(v < 0.5 && v > 0)));
          assert.equal(b.dtype, "float32");
          assert.deepEqual(b.shape, [2, 2]);
          assert.ok(Array.from(b.toTypedArray()).every((v) => Math.abs(v) <= 2));
        },
      ),
    ));

  it("floatTensorArb spreads values over the interval (not toward 0, as fc.double does)", () => {
    const values = fc.sample(floatTensorArb({ shape: [50] }), { numRuns: 20, seed: 6 }).flatMap((t) =>
      Array.from(t.toTypedArray())
    );
    const big = values.filter((v) => Math.abs(v) > 0.5).length / values.length;
    assert.ok(big > 0.5, `only ${big} of the values are above 0.5 in magnitude`);
  });

  it("floatTensorArb rejects a drawn shape above maxSize", () => {
    assert.throws(
      () => fc.sample(floatTensorArb({ shapeArb: fc.constant([3, 3]), maxSize: 4 }), 1),
      /shape \[3,3\] has 9 elements, above maxSize 4/,
    );
  });

  it("paramTreeArb gives trees of float64 tensors", () =>
    fc.assert(
      fc.property(paramTreeArb(), (params) => {
        for (const leaf of tree.leaves(params)) {
          assert.equal(leaf.dtype, "float64");
          assert.ok(leaf.ndim <= 2 && leaf.size <= 16);
        }
      }),
      { numRuns: 50 },
    ));
});
