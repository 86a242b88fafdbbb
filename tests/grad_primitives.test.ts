/**
 * G1 (TESTPLAN §7): the derivative rules of every registered primitive
 * against central finite differences in float64, in forward and reverse
 * mode, at orders 1 and 2 (`checkGrads` checks JVP, VJP, and at order 2
 * JVP and VJP of each), 50 random cases per primitive.
 *
 * The table below has one row per primitive; a test compares its keys with
 * `allPrimitives()`, so declaring a primitive without a row here fails.
 * Inputs stay away from kinks and poles (`|x| > 1e-3` at the kinks of
 * `abs`, `relu`, `maximum`, `max`; `x ≥ 1e-2` for `log`, `sqrt`, `rsqrt`;
 * a base ≥ 0.1 for `pow`), where finite differences mislead. Primitives with
 * zero derivative (comparisons, `floor`, `argmax`, …) are checked to give
 * exactly zero tangents and cotangents.
 *
 * Everything runs once per backend (`ts`, and `openblas` where it loads; see
 * tests/lib/backends.ts), each test named after its backend.
 */
import { assert, describe, fc } from "./lib/test.ts";
import { forEachBackend } from "./lib/backends.ts";
import {
  cast,
  type DType,
  grad,
  jvp,
  logicalAnd,
  logicalNot,
  logicalOr,
  max,
  maximum,
  mul,
  pow,
  prod,
  sin,
  square,
  sum,
  type Tensor,
  tensor,
  trace,
  vjp,
} from "../mod.ts";
import { allPrimitives } from "../core/primitive.ts";
import { assertAllclose, checkGrads, floatTensorArb, shapeArb } from "../testing/mod.ts";

import { type Case, small, table } from "./lib/primitive_cases.ts";

// ------------------------------------------------------------ the tests

const TOL = { eps: 1e-6, rtol: [1e-6, 1e-5], atol: [1e-8, 1e-7] } as const;
const RUNS = 50;

/** Whether calling `c` binds the primitive `name` (a row whose cases never do would test nothing). */
const binds = (name: string, c: Case): boolean =>
  trace((...a: Tensor[]) => c.f(...a), ...c.args).nodes.some((n) => n.primitive === name);

const isZero = (t: Tensor): boolean => Array.from(t.toTypedArray()).every((x) => x === 0);

const floatArgnums = (c: Case): number[] => c.argnums === undefined ? c.args.map((_, i) => i) : [...c.argnums];

/** Zero tangent out of `jvp` and zero cotangents out of `vjp`, exactly. */
const assertZeroDerivative = (c: Case, seed: number): void => {
  const nums = floatArgnums(c);
  const g = (...xs: Tensor[]) => {
    const all = [...c.args];
    nums.forEach((n, i) => (all[n] = xs[i]));
    return c.f(...all);
  };
  const xs = nums.map((n) => c.args[n]);
  const vs = xs.map((x, i) => filled(x.shape, (j) => ((seed + i + j) % 7) - 3, "float64"));
  const [out, t] = jvp(g, xs, vs);
  assert.ok(isZero(t), `jvp tangent should be 0, got ${t}`);
  const [, pullback] = vjp(g, ...xs);
  const cts = pullback(filled(out.shape, () => 1, out.dtype));
  cts.forEach((ct, i) => assert.ok(isZero(ct), `vjp cotangent ${i} should be 0, got ${ct}`));
};

const filled = (shape: readonly number[], at: (i: number) => number, dtype: DType): Tensor => {
  const n = shape.reduce((a, b) => a * b, 1);
  return tensor(Float64Array.from({ length: n }, (_, i) => at(i)), { shape, dtype });
};

// Once per backend (tests/lib/backends.ts): each test body runs with that backend selected.
forEachBackend((backend, it) => {
  describe(`G1 [${backend}]: derivative rules of every primitive vs finite differences (f64, fwd+rev, orders 1–2)`, () => {
    it("the table has exactly one row per registered primitive", () => {
      const registered = allPrimitives().map((p) => p.name).sort();
      assert.deepEqual(Object.keys(table).sort(), registered);
    });

    for (const [name, row] of Object.entries(table)) {
      if (row.nonDifferentiable) {
        it(`${name} has zero derivative in both modes`, () => {
          let bound = 0;
          fc.assert(
            fc.property(row.cases, fc.nat(), (c, seed) => {
              if (binds(name, c)) bound++;
              assertZeroDerivative(c, seed);
            }),
            { numRuns: RUNS },
          );
          assert.ok(bound >= RUNS / 2, `only ${bound} of ${RUNS} cases bound ${name}`);
        });
      } else if (row.reverseOnly) {
        it(`${name}: VJP and its derivative match finite differences; forward mode is a clear error`, () => {
          let bound = 0;
          fc.assert(
            fc.property(row.cases, fc.nat(), (c, seed) => {
              if (binds(name, c)) bound++;
              checkGrads(c.f, c.args, { ...TOL, order: 2, argnums: c.argnums, seed, modes: ["rev"] });
              assert.throws(() => checkGrads(c.f, c.args, { modes: ["fwd"] }), /cannot be differentiated in forward/);
            }),
            { numRuns: RUNS },
          );
          assert.ok(bound >= RUNS / 2, `only ${bound} of ${RUNS} cases bound ${name}`);
        });
      } else {
        it(`${name}: JVP, VJP and their derivatives match finite differences`, () => {
          let bound = 0;
          fc.assert(
            fc.property(row.cases, fc.nat(), (c, seed) => {
              if (binds(name, c)) bound++;
              checkGrads(c.f, c.args, { ...TOL, order: 2, argnums: c.argnums, seed });
            }),
            { numRuns: RUNS },
          );
          assert.ok(bound >= RUNS / 2, `only ${bound} of ${RUNS} cases bound ${name}`);
        });
      }
    }
  });

  describe(`G1 examples [${backend}]: edge points of the rules`, () => {
    const f64 = (x: number[]) => tensor(x, { dtype: "float64" });

    it("the rules of the bool primitives give no tangent and no cotangents", () => {
      // Through the public API their inputs come from comparisons, which would hide a wrong rule.
      const a = tensor([true, false, true]);
      const b = tensor([true, true, false]);
      const calls: [string, Tensor[], Tensor][] = [
        ["logicalAnd", [a, b], logicalAnd(a, b)],
        ["logicalOr", [a, b], logicalOr(a, b)],
        ["logicalNot", [a], logicalNot(a)],
      ];
      for (const [name, args, out] of calls) {
        const p = allPrimitives().find((q) => q.name === name)!;
        assert.equal(p.jvp(args, args, out, {}), null, name);
        assert.ok(p.vjp(out, args, out, {}, args.map(() => true)).every((c) => c === null), name);
      }
    });

    // Regression: the second derivatives at zeros were once 0 (∂²Π/∂x₀∂x₁ at [0, 1.5, 2] is 2).
    it("prod with one zero: ∂/∂xᵢ Πx is the product of the others, at the zero too", () => {
      checkGrads((x: Tensor) => prod(x), [f64([2, 0, -1.5, 0.5])], { ...TOL, order: 2 });
      assert.deepEqual(grad((x: Tensor) => prod(x))(f64([2, 0, 3])).toArray(), [0, 6, 0]);
    });

    it("prod with two zeros: the gradient is 0, the Hessian is not", () => {
      checkGrads((x: Tensor) => prod(x), [f64([0, 1.5, 0])], { ...TOL, order: 2 });
      assert.deepEqual(grad((x: Tensor) => prod(x))(f64([0, 2, 0])).toArray(), [0, 0, 0]);
    });

    it("pow with a zero base: ∂/∂b aᵇ = 0 there, not NaN", () => {
      const [, gb] = grad((a: Tensor, b: Tensor) => sum(pow(a, b)), { argnums: [0, 1] })(f64([0, 2]), f64([2, 3]));
      assert.deepEqual(gb.toArray(), [0, 8 * Math.log(2)]);
    });

    it("maximum and max split the derivative evenly at ties", () => {
      const [ga, gb] = grad((a: Tensor, b: Tensor) => sum(maximum(a, b)), { argnums: [0, 1] })(
        f64([1, 2]),
        f64([1, 3]),
      );
      assert.deepEqual([ga.toArray(), gb.toArray()], [[0.5, 0], [0.5, 1]]);
      assert.deepEqual(grad((x: Tensor) => max(x))(f64([3, 1, 3])).toArray(), [0.5, 0, 0.5]);
    });

    it("float casts carry tangents and cotangents unchanged (up to rounding), to any order", () =>
      fc.assert(
        fc.property(floatTensorArb({ shapeArb: shapeArb(small), maxSize: 64 }), (x) => {
          const down = (t: Tensor) => cast(t, "float32");
          const [, t] = jvp(down, [x], [x]);
          assert.deepEqual(t.toArray(), down(x).toArray());
          const [, pullback] = vjp(down, x);
          const u = down(sin(x));
          const [ct] = pullback(u);
          assert.equal(ct.dtype, "float64");
          assert.deepEqual(ct.toArray(), cast(u, "float64").toArray());
          // d²/dx² Σ cast(x)³ = 6·cast(x), through two casts in each pass
          const cube = (t: Tensor) => sum(cast(mul(square(down(t)), down(t)), "float64"));
          const [, h] = jvp(grad(cube), [x], [filled(x.shape, () => 1, "float64")]);
          assertAllclose(h, cast(mul(down(x), 6), "float64"), { rtol: 1e-6, atol: 1e-6 });
        }),
        { numRuns: RUNS },
      ));
  });
});
