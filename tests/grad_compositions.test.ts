/**
 * G2 (TESTPLAN §7): random op compositions, drawn by fast-check as
 * expression trees, through `checkGrads` in forward and reverse mode: 200
 * trees at order 1 (eps 1e-6, rtol 1e-6, atol 1e-8) and 50 at order 2
 * (rtol 1e-5, atol 1e-7). The same trees traced with `trace` and run again
 * with `evalGraph` give the same values, and the same derivatives under
 * `jvp`, `vjp` and `grad`.
 *
 * The generator (tests/lib/compositions.ts) draws and realizes the trees.
 *
 * The suites run once per backend (`ts`, and `openblas` where it loads; see
 * tests/lib/backends.ts), each test named after its backend.
 */
import { assert, describe, fc } from "./lib/test.ts";
import { forEachBackend } from "./lib/backends.ts";
import { evalGraph, grad, greater, jvp, mul, sum, type Tensor, tensor, trace, vjp, where } from "../mod.ts";
import { allclose, assertAllclose, checkGrads } from "../testing/mod.ts";
import {
  BINARY,
  type Case,
  caseArb,
  constant,
  constPool,
  explain,
  MARGIN,
  MAX_DEPTH,
  MAX_OPS,
  opCount,
  type Raw,
  REDUCE,
  SHAPE_OPS,
  treeArb,
  UNARY,
} from "./lib/compositions.ts";

const gradCheck = (order: 1 | 2) => (c: Case) => {
  fc.pre(c.margin >= MARGIN);
  explain(c, () => checkGrads(c.f, c.xs, { order, modes: ["fwd", "rev"], seed: c.seed }));
};

// Once per backend (tests/lib/backends.ts): each test body runs with that backend selected.
forEachBackend((backend, it) => {
  // ------------------------------------------------------------------- G2

  describe(`G2 [${backend}]: random expression trees against finite differences`, () => {
    it("the generator covers every op and keeps trees within depth 4 and 8 op nodes", () => {
      const raws = fc.sample(treeArb, { numRuns: 300, seed: 7 });
      const seen = new Set<string>();
      const walk = (r: Raw, depth: number): number => {
        seen.add("op" in r ? `${r.k} ${r.op}` : r.k);
        switch (r.k) {
          case "input":
          case "scalar":
          case "const":
            return depth;
          case "unary":
          case "reduce":
          case "shape":
            return walk(r.x, depth + 1);
          case "binary":
          case "concat":
            return Math.max(walk(r.a, depth + 1), walk(r.b, depth + 1));
          case "matmul":
            return Math.max(walk(r.a, depth + 1), r.b === null ? 0 : walk(r.b, depth + 1));
          case "where":
            return Math.max(walk(r.c, depth + 1), walk(r.a, depth + 1), walk(r.b, depth + 1));
        }
      };
      for (const r of raws) assert.ok(walk(r, 0) <= MAX_DEPTH && opCount(r) <= MAX_OPS);
      const table = (k: string, n: number) => Array.from({ length: n }, (_, i) => `${k} ${i}`);
      const expected = [
        ...["input", "scalar", "const", "concat", "matmul", "where"],
        ...table("unary", UNARY.length),
        ...table("binary", BINARY.length),
        ...table("reduce", REDUCE.length),
        ...table("shape", SHAPE_OPS.length),
      ];
      assert.deepEqual([...seen].sort(), expected.sort());
      // Trees are realized with the shapes their evaluation gives.
      fc.assert(
        fc.property(caseArb, (c) => explain(c, () => assert.deepEqual(c.f(...c.xs).shape, c.expr.shape))),
        { numRuns: 200 },
      );
    });

    it("200 trees at order 1 (fwd and rev; eps 1e-6, rtol 1e-6, atol 1e-8)", () => {
      fc.assert(fc.property(caseArb, gradCheck(1)), { numRuns: 200 });
    });

    it("50 trees at order 2 (JVP and VJP of JVP and VJP; rtol 1e-5, atol 1e-7)", () => {
      fc.assert(fc.property(caseArb, gradCheck(2)), { numRuns: 50 });
    });
  });

  describe(`G2 [${backend}]: trace + evalGraph replays a tree exactly, under jvp, vjp and grad`, () => {
    it("same values and derivatives as the direct function", () => {
      fc.assert(
        fc.property(caseArb, constPool, (c, du) => {
          const direct = c.f;
          const g = trace(direct, ...c.xs);
          const replay = (...a: Tensor[]) => evalGraph(g, ...a) as Tensor;
          const exact = { rtol: 0, atol: 0 };
          explain(c, () => {
            const y = direct(...c.xs);
            assertAllclose(replay(...c.xs), y, { ...exact, message: "value" });
            const u = constant({ shapes: [], pool: du }, y.shape, 0);
            const vs = c.xs.map((x, i) => constant({ shapes: [], pool: du }, x.shape, 37 * (i + 1)));
            const [, t1] = jvp(direct, [...c.xs], vs);
            const [, t2] = jvp(replay, [...c.xs], vs);
            assertAllclose(t2, t1, { ...exact, message: "jvp" });
            const g1 = vjp(direct, ...c.xs)[1](u);
            const g2 = vjp(replay, ...c.xs)[1](u);
            g1.forEach((gi, i) => assertAllclose(g2[i], gi, { ...exact, message: `vjp ${i}` }));
            const loss = (f: (...a: Tensor[]) => Tensor) => (xs: Tensor[]) => sum(mul(f(...xs), u));
            const h1 = grad(loss(direct))([...c.xs]);
            const h2 = grad(loss(replay))([...c.xs]);
            h1.forEach((hi, i) => assert.ok(allclose(h2[i], hi, exact), `grad ${i}`));
            // and the replayed graph's own derivatives are right
            if (c.margin >= MARGIN) checkGrads(replay, c.xs, { order: 1, modes: ["fwd", "rev"], seed: c.seed });
          });
        }),
        { numRuns: 50 },
      );
    });
  });

  describe(`G2 [${backend}]: regressions found by the generator`, () => {
    // A branch without a tangent that is wider than the condition and the other
    // branch's tangent: the JVP rule must still give a tangent of the output's shape.
    it("jvp of where with a constant branch wider than the other", () => {
      const c = tensor([1, 2], { dtype: "float64" });
      const f = (x: Tensor) => where(greater(x, 0), c, x);
      const x = tensor(-0.5, { dtype: "float64" });
      const [y, t] = jvp(f, [x], [tensor(1, { dtype: "float64" })]);
      assert.deepEqual(y.toArray(), [-0.5, -0.5]);
      assert.deepEqual(t.toArray(), [1, 1]);
    });
  });
});
