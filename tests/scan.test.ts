/**
 * `scan`: against the unrolled loop in value, JVP and VJP (checkGrads at
 * orders 1 and 2), under `jit`, `grad` and `vmap`; lengths 0 and 1; trees
 * as carry; `reverse` and `length`; errors. Once per backend.
 */
import { assert, describe, fc } from "./lib/test.ts";
import { forEachBackend } from "./lib/backends.ts";
import {
  add,
  cast,
  cumsum,
  grad,
  hessian,
  jit,
  jvp,
  matmul,
  mul,
  onesLike,
  reshape,
  scalar,
  scan,
  slice,
  stack,
  sum,
  tanh,
  type Tensor,
  tensor,
  trace,
  vmap,
  zeros,
} from "../mod.ts";
import { assertAllclose, checkGrads, floatTensorArb } from "../testing/mod.ts";

const f64 = { dtype: "float64" } as const;
const exact = { rtol: 0, atol: 0 };
const row = (x: Tensor, i: number) => reshape(slice(x, [{ start: i, stop: i + 1 }]), x.shape.slice(1));

/** An RNN cell: h' = tanh(h W + x U), y = sum(h'). */
const cell = (w: Tensor, u: Tensor) => (h: Tensor, x: Tensor): [Tensor, Tensor] => {
  const h2 = tanh(add(matmul(h, w), matmul(x, u)));
  return [h2, sum(h2)];
};
/** The same loop written out. */
const unrolled = (w: Tensor, u: Tensor, h0: Tensor, xs: Tensor, reverse = false): [Tensor, Tensor] => {
  let h = h0;
  const ys: Tensor[] = [];
  const n = xs.shape[0];
  for (let k = 0; k < n; k++) {
    const i = reverse ? n - 1 - k : k;
    const [h2, y] = cell(w, u)(h, row(xs, i));
    h = h2;
    ys[i] = y;
  }
  return [h, stack(ys, 0)];
};

forEachBackend((backend, it) => {
  describe(`scan [${backend}]`, () => {
    const caseArb = fc.record({
      n: fc.integer({ min: 1, max: 5 }),
      reverse: fc.boolean(),
      w: floatTensorArb({ shape: [3, 3], min: -0.8, max: 0.8 }),
      u: floatTensorArb({ shape: [2, 3], min: -0.8, max: 0.8 }),
      h0: floatTensorArb({ shape: [1, 3], min: -1, max: 1 }),
      pool: floatTensorArb({ shape: [10], min: -1, max: 1 }),
    });
    const xsOf = (c: { n: number; pool: Tensor }) => reshape(slice(c.pool, [{ start: 0, stop: 2 * c.n }]), [c.n, 1, 2]);

    it("equals the unrolled loop in value, eagerly and under jit, forward and reverse (property)", () => {
      fc.assert(
        fc.property(caseArb, (c) => {
          const xs = xsOf(c);
          const [hw, yw] = unrolled(c.w, c.u, c.h0, xs, c.reverse);
          const [h, y] = scan(cell(c.w, c.u), c.h0, xs, { reverse: c.reverse });
          assertAllclose(h, hw, exact);
          assertAllclose(y, yw, exact);
          const j = jit((h0: Tensor, xs: Tensor) => scan(cell(c.w, c.u), h0, xs, { reverse: c.reverse }));
          const [hj, yj] = j(c.h0, xs);
          assertAllclose(hj, hw, exact);
          assertAllclose(yj, yw, exact);
        }),
        { numRuns: 30 },
      );
    });

    it("its JVP and VJP are the loop's: checkGrads at orders 1 and 2, and grad equals the unrolled grad (property)", () => {
      fc.assert(
        fc.property(caseArb, (c) => {
          const xs = xsOf(c);
          const viaScan = (w: Tensor, u: Tensor, h0: Tensor) => {
            const [h, y] = scan(cell(w, u), h0, xs, { reverse: c.reverse });
            return add(sum(h), sum(mul(y, y)));
          };
          const viaLoop = (w: Tensor, u: Tensor, h0: Tensor) => {
            const [h, y] = unrolled(w, u, h0, xs, c.reverse);
            return add(sum(h), sum(mul(y, y)));
          };
          const g1 = grad(viaScan, { argnums: [0, 1, 2] })(c.w, c.u, c.h0) as Tensor[];
          const g2 = grad(viaLoop, { argnums: [0, 1, 2] })(c.w, c.u, c.h0) as Tensor[];
          g1.forEach((g, i) => assertAllclose(g, g2[i], exact));
          checkGrads(viaScan, [c.w, c.u, c.h0], { order: 1, modes: ["fwd", "rev"] });
        }),
        { numRuns: 15 },
      );
      const c = fc.sample(caseArb, { numRuns: 1, seed: 5 })[0];
      const xs = xsOf(c);
      checkGrads((w: Tensor) => sum(scan(cell(w, c.u), c.h0, xs)[1]), [c.w], { order: 2, modes: ["fwd", "rev"] });
    });

    it("lengths 0 and 1, length without xs, and trees as carry", () => {
      const xs = tensor([[1, 2], [3, 4]], f64);
      const add2 = (c: Tensor, x: Tensor): [Tensor, Tensor] => [add(c, x), mul(c, 2)];
      const [c0, y0] = scan(add2, zeros([2], f64), slice(xs, [{ start: 0, stop: 0 }]));
      assert.deepEqual(c0.toArray(), [0, 0]);
      assert.deepEqual(y0.shape, [0, 2]);
      const [c1, y1] = scan(add2, zeros([2], f64), slice(xs, [{ start: 0, stop: 1 }]));
      assert.deepEqual(c1.toArray(), [1, 2]);
      assert.deepEqual(y1.toArray(), [[0, 0]]);
      // a counter without xs: powers of two
      const [last, seq] = scan((c: Tensor) => [mul(c, 2), c] as [Tensor, Tensor], scalar(1), null, { length: 5 });
      assert.equal(last.item(), 32);
      assert.deepEqual(seq.toArray(), [1, 2, 4, 8, 16]);
      // an LSTM-like {h, c} carry and a tree of outputs
      type HC = { h: Tensor; c: Tensor };
      const [hc, ys] = scan(
        (s: HC, x: Tensor): [HC, { h: Tensor; sum: Tensor }] => {
          const c = add(s.c, x), h = tanh(c);
          return [{ h, c }, { h, sum: sum(c) }];
        },
        { h: zeros([2], f64), c: zeros([2], f64) },
        xs,
      );
      assert.deepEqual(hc.c.toArray(), [4, 6]);
      assert.deepEqual(ys.sum.toArray(), [3, 10]);
      assert.deepEqual(ys.h.shape, [2, 2]);
      // a cumulative sum is a scan
      assertAllclose(
        scan(
          (c: Tensor, x: Tensor): [Tensor, Tensor] => [add(c, x), add(c, x)],
          scalar(0, "float64"),
          tensor([1, 2, 3], f64),
        )[1],
        cumsum(tensor([1, 2, 3], f64), 0),
        exact,
      );
    });

    it("the body is traced once for all steps when run eagerly, and scan composes with vmap", () => {
      let calls = 0;
      const body = (c: Tensor, x: Tensor): [Tensor, Tensor] => {
        calls++;
        return [add(c, x), c];
      };
      scan(body, scalar(0), tensor([1, 2, 3, 4, 5, 6, 7, 8]));
      assert.equal(calls, 1);
      const batched = vmap((x: Tensor) => scan(body, scalar(0), x)[0])(tensor([[1, 2], [3, 4], [5, 6]]));
      assert.deepEqual(batched.toArray(), [3, 7, 11]);
    });

    it("is one primitive: under jit the body is one node whatever the length, compiled once", () => {
      const w = tensor([[0.5, -0.2], [0.1, 0.3]], f64), u = tensor([[0.2, 0.1]], f64);
      const loop = (h0: Tensor, xs: Tensor) => scan(cell(w, u), h0, xs);
      const h0 = tensor([[0.1, -0.1]], f64);
      for (const n of [3, 40]) {
        const xs = reshape(tensor(Array.from({ length: n }, (_, i) => Math.sin(i)), f64), [n, 1, 1]);
        const lowered = jit(loop).lower(h0, xs);
        assert.deepEqual(lowered.graph.nodes.map((node) => node.primitive), ["scan"]);
        assert.match(String(lowered), new RegExp(`= scan\\[body=\\{\\d+ nodes\\}, length=${n}, reverse=false\\]`));
        const [h, y] = jit(loop)(h0, xs);
        const [hw, yw] = unrolled(w, u, h0, xs);
        assertAllclose(h, hw, exact);
        assertAllclose(y, yw, exact);
      }
    });

    it("grad and jvp through jit, closed-over weights, an int counter in the carry, and hessian", () => {
      const xs = tensor([[[0.3, -0.1]], [[0.2, 0.5]], [[-0.4, 0.1]]], f64);
      const h0 = tensor([[0.1, 0.2, -0.3]], f64);
      const w = tensor([[0.2, -0.1, 0.3], [0.1, 0.2, -0.2], [0.0, 0.3, 0.1]], f64);
      const u = tensor([[0.5, -0.3, 0.2], [0.1, 0.4, -0.1]], f64);
      const loss = (w: Tensor) => {
        // The counter rides in the carry as int32; the gradient flows through the float part only.
        const [[h, k], y] = scan(
          ([h, k]: [Tensor, Tensor], x: Tensor) => {
            const [h2, yy] = cell(w, u)(h, x);
            return [[h2, add(k, 1)], mul(yy, cast(k, "float64"))] as [[Tensor, Tensor], Tensor];
          },
          [h0, scalar(0, "int32")],
          xs,
        );
        assert.equal(k.dtype, "int32");
        return add(sum(h), sum(y));
      };
      const loopLoss = (w: Tensor) => {
        let h = h0, total = scalar(0, "float64");
        for (let i = 0; i < 3; i++) {
          const [h2, yy] = cell(w, u)(h, row(xs, i));
          total = add(total, mul(yy, i));
          h = h2;
        }
        return add(sum(h), total);
      };
      const want = grad(loopLoss)(w);
      // Reverse mode is two loops: the forward one saving its carries, and the reversed one.
      assert.equal(trace(grad(loss), w).nodes.filter((n) => n.primitive === "scan").length, 2);
      assertAllclose(grad(loss)(w), want, { rtol: 1e-12, atol: 1e-14 });
      assertAllclose(jit(grad(loss))(w), want, { rtol: 1e-12, atol: 1e-14 });
      assertAllclose(grad(jit(loss))(w), want, { rtol: 1e-12, atol: 1e-14 });
      const v = onesLike(w);
      assertAllclose(jvp(loss, [w], [v])[1], jvp(loopLoss, [w], [v])[1], { rtol: 1e-12, atol: 1e-14 });
      assertAllclose(hessian(loss)(w), hessian(loopLoss)(w), { rtol: 1e-10, atol: 1e-12 });
    });

    it("vmap batches consts, carry and xs at any axis, and per-example gradients through a scan", () => {
      const ws = tensor([[[0.2, -0.1], [0.3, 0.1]], [[-0.2, 0.4], [0.1, 0.0]]], f64); // two weight matrices
      const xs = tensor([[[[0.3], [0.1]]], [[[-0.2], [0.4]]], [[[0.5], [-0.3]]]], f64); // [3 steps, 1, 2, 1]
      const run = (w: Tensor, xs: Tensor) =>
        scan(
          (h: Tensor, x: Tensor): [Tensor, Tensor] => {
            const h2 = tanh(add(matmul(h, w), reshape(x, [1, 2])));
            return [h2, sum(h2)];
          },
          zeros([1, 2], f64),
          xs,
        );
      // weights batched at 0, xs shared
      const [hb, yb] = vmap(run, { inAxes: [0, null] })(ws, xs);
      [0, 1].forEach((b) => {
        const [h, y] = run(reshape(slice(ws, [b]), [2, 2]), xs);
        assertAllclose(reshape(slice(hb, [b]), [1, 2]), h, exact);
        assertAllclose(reshape(slice(yb, [b]), [3]), y, exact);
      });
      // xs batched along their axis 2 (not the scan axis)
      const xs2 = tensor([[[[0.3], [0.1]], [[0.2], [0.2]]], [[[-0.2], [0.4]], [[0.0], [0.1]]], [[[0.5], [-0.3]], [[
        0.1,
      ], [0.1]]]], f64); // [3, 2 examples, 2, 1]
      const w0 = reshape(slice(ws, [0]), [2, 2]);
      const per = vmap((x: Tensor) => run(w0, reshape(x, [3, 1, 2, 1]))[1], { inAxes: 1 })(xs2);
      [0, 1].forEach((b) => {
        const x = reshape(slice(xs2, [null, b]), [3, 1, 2, 1]);
        assertAllclose(reshape(slice(per, [b]), [3]), run(w0, x)[1], exact);
      });
      // per-example gradients with respect to the shared weights
      const lossOf = (w: Tensor, x: Tensor) => sum(run(w, reshape(x, [3, 1, 2, 1]))[1]);
      const g = vmap(grad(lossOf), { inAxes: [null, 1] })(w0, xs2);
      [0, 1].forEach((b) => {
        const x = slice(xs2, [null, b]);
        assertAllclose(reshape(slice(g, [b]), [2, 2]), grad(lossOf)(w0, x), { rtol: 1e-12, atol: 1e-14 });
      });
    });

    it("errors: a carry that changes shape, leaves of different lengths, a wrong length, no length", () => {
      assert.throws(
        () => scan((c: Tensor, x: Tensor) => [stack([c, c]), x] as [Tensor, Tensor], scalar(0), tensor([1, 2])),
        /scan: the carry must keep its structure, shapes and dtypes: .* float32\[\].* float32\[2\]/,
      );
      assert.throws(
        () =>
          scan((c: Tensor, x: Tensor[]) => [c, x[0]] as [Tensor, Tensor], scalar(0), [
            tensor([1, 2]),
            tensor([1, 2, 3]),
          ]),
        /scan: the leaves of xs differ in their leading size: float32\[2\], float32\[3\]/,
      );
      assert.throws(
        () => scan((c: Tensor, x: Tensor) => [c, x], scalar(0), tensor([1, 2]), { length: 3 }),
        /length is 3 but xs has leading size 2/,
      );
      assert.throws(() => scan((c: Tensor) => [c, c], scalar(0), null), /the length option is required/);
    });
  });
});
