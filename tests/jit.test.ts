/**
 * `jit`: compiled programs against eager evaluation, each compilation pass
 * alone, the signature cache, errors, and composition with the other
 * transforms.
 *
 * The random programs are the G2 generator's expression trees
 * (tests/lib/compositions.ts) over float64 inputs, where a compiled program
 * must give the eager result bit for bit: folding, CSE and DCE compute the
 * same kernels on the same values, and a fused float64 chain computes each
 * op in doubles as the unfused ones do. Float32 is checked on a training
 * step, within the rounding a fused chain saves (it rounds once at the end
 * instead of after every op).
 *
 * Each suite runs once per backend (tests/lib/backends.ts).
 */
import { assert, describe, fc } from "./lib/test.ts";
import { forEachBackend } from "./lib/backends.ts";
import {
  add,
  cast,
  customVjp,
  exp,
  grad,
  greater,
  hessian,
  jit,
  jvp,
  matmul,
  mean,
  mul,
  neg,
  optim,
  random,
  reshape,
  sin,
  slice,
  square,
  stack,
  sub,
  sum,
  tanh,
  type Tensor,
  tensor,
  tidy,
  trace,
  TransformError,
  tree,
  valueAndGrad,
  vmap,
  where,
  zeros,
} from "../mod.ts";
import { assertAllclose } from "../testing/mod.ts";

const f64 = { dtype: "float64" } as const;
import { activeBackend } from "../core/backend_registry.ts";
import { eliminateCommonSubexpressions } from "../core/jit/cse.ts";
import { eliminateDeadCode } from "../core/jit/dce.ts";
import { foldConstants } from "../core/jit/fold.ts";
import { fuseElementwise, isFusable, type Step } from "../core/jit/fusion.ts";
import { planBuffers, stepReads, stepWrites } from "../core/jit/plan.ts";
import { compileProgram } from "../core/jit/program.ts";
import type { ConcreteTensor } from "../core/tensor.ts";
import { evalGraph, type Graph } from "../core/transforms/graph.ts";
import { type Case, caseArb, constant, constPool, explain } from "./lib/compositions.ts";

const exact = { rtol: 0, atol: 0 };
const nodeSteps = (g: Graph): Step[] => g.nodes.map((node) => ({ kind: "node", node }));
/** Runs a graph's steps as a program on the active backend. */
const runSteps = (g: Graph, steps: readonly Step[], xs: readonly Tensor[], poison = false): Tensor[] =>
  compileProgram(g, steps, planBuffers(steps, g.outputs), activeBackend()).run(xs as ConcreteTensor[], { poison });
const copy = (t: Tensor): Tensor => add(t, 0);

forEachBackend((backend, it) => {
  describe(`jit [${backend}]: random programs (G2) equal eager evaluation bit for bit in float64`, () => {
    it("jit(f), with and without donation, and jit(grad(f)), grad(jit(f))", () => {
      fc.assert(
        fc.property(caseArb, constPool, (c: Case, pool) => {
          explain(c, () => {
            const y = c.f(...c.xs);
            const jf = jit(c.f);
            assertAllclose(jf(...c.xs), y, { ...exact, message: "jit(f)" });
            assertAllclose(jf(...c.xs), y, { ...exact, message: "jit(f), cached" });
            assert.equal(jf.traceCount, 1);
            // donated copies: the result is the same, and the copies are used up
            const donating = jit(c.f, { donate: c.xs.map((_, i) => i) });
            const copies = c.xs.map(copy);
            assertAllclose(donating(...copies), y, { ...exact, message: "jit(f) donating" });
            assert.ok(copies.every((t) => (t as ConcreteTensor).disposed || c.f(...c.xs) === t));
            const u = constant({ shapes: [], pool }, y.shape, 0);
            const loss = (...xs: Tensor[]) => sum(mul(c.f(...xs), u));
            const argnums = c.xs.map((_, i) => i);
            const g1 = grad(loss, { argnums })(...c.xs) as Tensor[];
            const g2 = jit(grad(loss, { argnums }))(...c.xs) as Tensor[];
            const g3 = grad(jit(loss), { argnums })(...c.xs) as Tensor[];
            g1.forEach((gi, i) => {
              assertAllclose(g2[i], gi, { ...exact, message: `jit(grad) ${i}` });
              assertAllclose(g3[i], gi, { ...exact, message: `grad(jit) ${i}` });
            });
          });
        }),
        { numRuns: 60 },
      );
    });
  });

  describe(`jit [${backend}]: each pass alone`, () => {
    /** The graph of a case, and of its gradient (more nodes, more sharing). */
    const graphsOf = (c: Case): Graph[] => [
      trace(c.f, ...c.xs),
      trace((...xs: Tensor[]) => grad((a: Tensor[]) => sum(c.f(...a)))(xs), ...c.xs),
    ];

    it("DCE keeps exactly the nodes the outputs depend on, and the values", () => {
      fc.assert(
        fc.property(caseArb, (c) =>
          explain(c, () => {
            for (const g0 of graphsOf(c)) {
              // dead work: a node whose value is dropped
              const g = trace((...xs: Tensor[]) => {
                exp(xs[0]);
                return evalGraph(g0, ...xs);
              }, ...c.xs);
              const d = eliminateDeadCode(g);
              const reachable = new Set<number>(g.outputs.map((v) => v.id));
              for (const n of [...g.nodes].reverse()) {
                if (reachable.has(n.output.id)) n.inputs.forEach((v) => reachable.add(v.id));
              }
              assert.deepEqual(
                d.nodes.map((n) => n.output.id),
                g.nodes.filter((n) => reachable.has(n.output.id)).map((n) => n.output.id),
              );
              assert.ok(d.nodes.length < g.nodes.length, "the dropped exp is removed");
              const want = evalGraph(g, ...c.xs);
              tree.leaves(evalGraph(d, ...c.xs)).forEach((t, i) =>
                assertAllclose(t as Tensor, tree.leaves(want)[i] as Tensor, exact)
              );
            }
          })),
        { numRuns: 40 },
      );
    });

    it("CSE merges only equal nodes: a program computed twice costs one node more than once", () => {
      fc.assert(
        fc.property(caseArb, (c) =>
          explain(c, () => {
            const once = eliminateCommonSubexpressions(trace(c.f, ...c.xs));
            const twice = eliminateCommonSubexpressions(
              trace((...xs: Tensor[]) => add(c.f(...xs), c.f(...xs)), ...c.xs),
            );
            assert.equal(twice.nodes.length, once.nodes.length + 1);
            // no two remaining nodes are equal
            const keys = once.nodes.map((n) =>
              `${n.primitive}|${n.inputs.map((v) => v.id)}|${JSON.stringify(n.params)}`
            );
            assert.equal(new Set(keys).size, keys.length);
            assertAllclose(evalGraph(once, ...c.xs) as Tensor, c.f(...c.xs), exact);
          })),
        { numRuns: 40 },
      );
    });

    it("CSE keeps apart what differs: operands, attributes, -0 and 0", () => {
      const x = tensor([1, 2]), y = tensor([3, 4]);
      const g = eliminateCommonSubexpressions(trace(
        (
          a: Tensor,
          b: Tensor,
        ) => [exp(a), exp(b), exp(a), sum(reshape(a, [2, 1]), 0), sum(reshape(a, [2, 1]), 1), mul(a, 0), mul(a, -0)],
        x,
        y,
      ));
      const count = (p: string) => g.nodes.filter((n) => n.primitive === p).length;
      assert.equal(count("exp"), 2);
      assert.equal(count("reshape"), 1);
      assert.equal(count("sum"), 2);
      assert.equal(count("mul"), 2);
      assert.equal(g.outputs[0], g.outputs[2]);
    });

    it("fusion reads a bias row along the output: matmul, bias add and activation in two steps", () => {
      const f = (x: Tensor, w: Tensor, b: Tensor) => tanh(add(matmul(x, w), b));
      const x = tensor([[0.1, 0.2], [0.3, -0.4], [0.5, 0.6]], { dtype: "float64" });
      const w = tensor([[1, -1, 0.5], [0.25, 2, -3]], { dtype: "float64" });
      const b = tensor([0.1, -0.2, 0.3], { dtype: "float64" });
      const steps = fuseElementwise(trace(f, x, w, b));
      assert.deepEqual(steps.map((st) => st.kind), ["node", "fused"]);
      const fusedStep = steps[1];
      assert.ok(fusedStep.kind === "fused" && fusedStep.program.rowLength === 3);
      assertAllclose(jit(f)(x, w, b), f(x, w, b), exact);
      // a column ([3,1] against [3,3]) is not a row: that add is not fused
      const g = (x: Tensor, c: Tensor) => tanh(add(x, c));
      const col = fuseElementwise(trace(g, zeros([3, 3]), zeros([3, 1])));
      assert.deepEqual(col.map((st) => st.kind), ["node", "node"]);
    });

    it("constant folding computes what depends on constants only, and nothing else", () => {
      const w = tensor([0.5, 1.5]);
      const g = trace((x: Tensor) => add(x, mul(exp(w), sin(w))), tensor([1, 2]));
      const f = foldConstants(g);
      assert.deepEqual(f.nodes.map((n) => n.primitive), ["add"]);
      assertAllclose(evalGraph(f, tensor([3, 4])) as Tensor, evalGraph(g, tensor([3, 4])) as Tensor, exact);
      // a broadcast of a scalar to a large shape is not made a large constant
      const big = foldConstants(trace((x: Tensor) => add(x, zeros([])), zeros([64, 64])));
      assert.ok(big.consts.every((c) => c.value.size <= 1), big.toString());
    });

    it("the buffer plan never gives two live values one slot, and a poisoning run gives the same results", () => {
      fc.assert(
        fc.property(caseArb, (c) =>
          explain(c, () => {
            for (const g0 of graphsOf(c)) {
              const g = eliminateDeadCode(eliminateCommonSubexpressions(foldConstants(g0)));
              for (const steps of [nodeSteps(g), fuseElementwise(g)]) {
                const plan = planBuffers(steps, g.outputs);
                const ids = [...plan.live.keys()];
                for (const a of ids) {
                  for (const b of ids) {
                    if (a >= b || plan.slotOf.get(a) !== plan.slotOf.get(b)) continue;
                    const [s1, e1] = plan.live.get(a)!, [s2, e2] = plan.live.get(b)!;
                    assert.ok(
                      e1 < s2 || e2 < s1,
                      `values ${a} and ${b} share slot ${plan.slotOf.get(a)} while both live`,
                    );
                  }
                }
                const want = evalGraph(g, ...c.xs);
                const got = runSteps(g, steps, c.xs, true);
                tree.leaves(want).forEach((t, i) => assertAllclose(got[i], t as Tensor, exact));
              }
            }
          })),
        { numRuns: 40 },
      );
    });

    it("fusion groups only fusable nodes of one shape, in a valid order, without changing float64 results", () => {
      fc.assert(
        fc.property(caseArb, (c) =>
          explain(c, () => {
            for (const g0 of graphsOf(c)) {
              const g = eliminateDeadCode(eliminateCommonSubexpressions(foldConstants(g0)));
              const steps = fuseElementwise(g);
              const defined = new Set<number>([...g.inputs, ...g.consts.map((k) => k.v)].map((v) => v.id));
              let members = 0;
              for (const s of steps) {
                for (const v of stepReads(s)) assert.ok(defined.has(v.id), `${v.name} read before it is made`);
                if (s.kind === "fused") {
                  members += s.members.length;
                  assert.ok(s.members.length >= 2);
                  for (const n of s.members) assert.ok(isFusable(n) && n.output.shape.join() === s.shape.join());
                  s.members.forEach((n) => defined.add(n.output.id));
                }
                for (const v of stepWrites(s)) defined.add(v.id);
              }
              assert.equal(members + steps.filter((s) => s.kind === "node").length, g.nodes.length);
              const want = evalGraph(g, ...c.xs);
              const got = runSteps(g, steps, c.xs);
              tree.leaves(want).forEach((t, i) => assertAllclose(got[i], t as Tensor, exact));
            }
          })),
        { numRuns: 40 },
      );
    });
  });

  describe(`jit [${backend}]: float32 training step`, () => {
    type P = { w1: Tensor; b1: Tensor; w2: Tensor; b2: Tensor };
    const ks = random.split(random.key(3), 3);
    const p0: P = {
      w1: random.normal(ks[0], [1, 16]),
      b1: zeros([16]),
      w2: mul(random.normal(ks[1], [16, 1]), 0.25),
      b2: zeros([1]),
    };
    const x = reshape(random.uniform(ks[2], [32], { minval: -1, maxval: 1 }), [32, 1]);
    const y = sin(mul(x, 3));
    const loss = (p: P, x: Tensor, y: Tensor) =>
      mean(square(sub(add(matmul(tanh(add(matmul(x, p.w1), p.b1)), p.w2), p.b2), y)));
    const tx = optim.adam(1e-2);
    const step = (p: P, s: optim.OptState, x: Tensor, y: Tensor) => {
      const [l, g] = valueAndGrad(loss)(p, x, y);
      const [p2, s2] = optim.updateAndApply(tx, g, s, p);
      return [p2, s2, l] as [P, optim.OptState, Tensor];
    };

    it("20 Adam steps under jit (donating parameters and state) track the eager steps within fused rounding", () => {
      const jstep = jit(step, { donate: [0, 1] });
      let pe = p0, se: optim.OptState = tx.init(p0);
      let pj = tree.map((t: Tensor) => copy(t), p0) as P, sj: optim.OptState = tx.init(pj);
      for (let i = 0; i < 20; i++) {
        const [a, b, le] = step(pe, se, x, y);
        const [c, d, lj]: [P, optim.OptState, Tensor] = jstep(pj, sj, x, y);
        [pe, se, pj, sj] = [a, b, c, d];
        assertAllclose(lj, le, { rtol: 1e-5, atol: 1e-7, message: `loss at step ${i}` });
      }
      tree.leaves(pj).forEach((t, i) =>
        assertAllclose(t as Tensor, tree.leaves(pe)[i] as Tensor, { rtol: 1e-4, atol: 1e-6 })
      );
      assert.equal(jstep.traceCount, 1);
      const text = String(jstep.lower(pj, sj, x, y));
      assert.match(text, /fused f32\[16\]/);
      assert.match(text, /buffer plan: \d+ intermediates in \d+ slots, peak workspace [\d.]+ KiB/);
    });
    it("a fused kernel writes in place into a donated input that it reads last", () => {
      const f = jit((x: Tensor, y: Tensor) => exp(mul(add(x, y), 0.5)), { donate: [0] });
      // x made by an op (storage the library owns: a typed array handed to `tensor` stays the caller's).
      const x = add(tensor([1, 2, 3, 4, 5, 6, 7, 8], f64), 0), y = tensor([8, 7, 6, 5, 4, 3, 2, 1], f64);
      const want = exp(mul(add(x, y), 0.5)).toArray();
      const xBuf = (x as ConcreteTensor).buf;
      const out = f(x, y);
      assert.deepEqual(out.toArray(), want);
      assert.equal((out as ConcreteTensor).buf, xBuf); // x was donated and read last by the kernel
      assert.throws(() => x.toArray(), /donated/);
      // Undonated, the caller's x is left alone: the output is new storage.
      const x2 = add(tensor([1, 2, 3, 4, 5, 6, 7, 8], f64), 0);
      const g = jit((x: Tensor, y: Tensor) => exp(mul(add(x, y), 0.5)));
      const out2 = g(x2, y);
      assert.notEqual((out2 as ConcreteTensor).buf, (x2 as ConcreteTensor).buf);
      assert.deepEqual(x2.toArray(), [1, 2, 3, 4, 5, 6, 7, 8]);
      assert.deepEqual(out2.toArray(), want);
    });

    it("a donated step takes new storage after its first call only for its undonated output (counted by the backend)", () => {
      const jstep = jit(step, { donate: [0, 1] });
      const own = (t: Tensor) => copy(t); // storage of its own, so it can be donated
      let p = tree.map(own, p0) as P;
      let s: optim.OptState = tree.map(own, tx.init(p) as never) as optim.OptState;
      const lowered = jstep.lower(p, s, x, y);
      const misses: number[] = [], bytes: number[] = [];
      for (let i = 0; i < 6; i++) {
        [p, s] = jstep(p, s, x, y);
        misses.push(lowered.workspace.misses);
        bytes.push(lowered.workspace.bytes);
      }
      assert.ok(misses[0] > 1, `the first call allocates its intermediates (${misses[0]})`);
      // then only the loss: parameters and state reuse the donated storage, intermediates the workspace
      assert.deepEqual(misses.slice(1), [1, 1, 1, 1, 1]);
      assert.ok(bytes.slice(1).every((b) => b === bytes[1]), `the workspace stays the same size: ${bytes}`);
      // bounded by the plan: its intermediates' slots, plus the donated storage the outputs did not take
      const donated = tree.leaves([p, s]).reduce((a, t) => a + (t as Tensor).size * 4, 0);
      assert.ok(bytes[1] <= lowered.plan.peakBytes + donated, `${bytes[1]} ≤ ${lowered.plan.peakBytes} + ${donated}`);
    });
  });

  describe(`jit [${backend}]: the signature cache`, () => {
    it("traces once per signature: shapes, dtypes, structure and static values retrace; numbers do not", () => {
      const f = jit((x: Tensor, lr: number) => mul(x, lr));
      assert.deepEqual(f(tensor([1, 2]), 0.5).toArray(), [0.5, 1]);
      assert.deepEqual(f(tensor([1, 2]), 3).toArray(), [3, 6]);
      assert.equal(f.traceCount, 1);
      assert.equal(f(tensor([1, 2]), 2).dtype, "float32"); // a number is weakly typed
      f(tensor([1, 2, 3]), 1);
      assert.equal(f.traceCount, 2);
      assert.equal(f(tensor([1, 2], { dtype: "float64" }), 1).dtype, "float64");
      assert.equal(f.traceCount, 3);
      const g = jit((p: { a: Tensor; b?: Tensor }, n: number) => (p.b === undefined ? mul(p.a, n) : add(p.a, p.b)), {
        static: 1,
      });
      g({ a: tensor([1]) }, 2);
      g({ a: tensor([5]) }, 2);
      assert.equal(g.traceCount, 1);
      assert.deepEqual(g({ a: tensor([1]) }, 3).toArray(), [3]);
      assert.equal(g.traceCount, 2);
      assert.deepEqual(g({ a: tensor([1]), b: tensor([1]) }, 3).toArray(), [2]);
      assert.equal(g.traceCount, 3);
      // a static number may be used in JS arithmetic
      const h = jit((x: Tensor, n: number) => reshape(x, [n * 2]), { static: [1] });
      assert.deepEqual(h(tensor([[1, 2], [3, 4]]), 2).toArray(), [1, 2, 3, 4]);
    });
  });

  describe(`jit [${backend}]: edge cases`, () => {
    it("an argument returned as it is, a function of no arguments, the same output twice", () => {
      const id = jit((x: Tensor) => x, { donate: 0 });
      const t = copy(tensor([1, 2]));
      assert.equal(id(t), t); // returned, so not used up
      assert.deepEqual(t.toArray(), [1, 2]);
      const made = jit(() => exp(tensor([0, 1], { dtype: "float64" })));
      assert.deepEqual(made().toArray(), [1, Math.E]);
      assert.deepEqual(made().toArray(), [1, Math.E]);
      const twice = jit((x: Tensor) => {
        const y = exp(x);
        return [y, y] as const;
      });
      const [a, b] = twice(tensor([0]));
      assert.equal(a, b);
    });

    it("inside tidy, a donated step's outputs survive and its temporaries are recycled without harm", () => {
      const step = jit((w: Tensor, g: Tensor) => {
        const u = mul(g, 0.5);
        return [sub(w, u), sum(square(u))] as const;
      }, { donate: 0 });
      let w = copy(tensor([4, 8]));
      for (let i = 0; i < 5; i++) {
        const g = tensor([2, 2]);
        w = tidy(() => step(w, g)[0]); // the loss is disposed by tidy, the parameters kept
      }
      assert.deepEqual(w.toArray(), [-1, 3]);
    });
  });

  describe(`jit [${backend}]: errors`, () => {
    it("reading a traced value names the function and suggests where, a static argument or scan", () => {
      const f = jit(function step(x: Tensor) {
        return x.item() > 0 ? x : neg(x);
      });
      assert.throws(
        () => f(tensor(1)),
        (e: unknown) =>
          e instanceof TransformError &&
          /^jit\(step\): cannot read the value of a: f32\[\] inside jit\(step\)/.test(e.message) &&
          /where\(\)/.test(e.message) && /static: \[position\]/.test(e.message) && /scan\(\)/.test(e.message),
      );
      // the where() it suggests
      const g = jit((x: Tensor) => where(greater(x, 0), x, neg(x)));
      assert.deepEqual(g(tensor([-2, 3])).toArray(), [2, 3]);
      // JS arithmetic on a traced number
      const h = jit(function scaled(x: Tensor, n: number) {
        return mul(x, Math.sqrt(n));
      });
      assert.throws(() => h(tensor([1]), 4), /jit\(scaled\): cannot read the value of b: f64\[\]/);
    });

    it("a donated tensor cannot be used afterwards, and says so", () => {
      const step = jit(function update(w: Tensor, g: Tensor) {
        return sub(w, g);
      }, { donate: 0 });
      const w = copy(tensor([1, 2]));
      const w2 = step(w, tensor([1, 1]));
      assert.deepEqual(w2.toArray(), [0, 1]);
      assert.throws(() => w.toArray(), /was donated to jit\(update\) and cannot be used any more/);
      assert.throws(() => exp(w), /exp: operand 0 was donated to jit\(update\)/);
      assert.throws(() => step(w, tensor([1, 1])), /jit\(update\): argument 0 was donated to jit\(update\)/);
    });

    it("bad options and static tensors are errors naming the function", () => {
      assert.throws(() =>
        jit(function f(x: Tensor) {
          return x;
        }, { static: [-1] }), /jit\(f\): static must list argument positions/);
      assert.throws(() => jit((x: Tensor) => x, { static: 0, donate: 0 }), /cannot be both static and donated/);
      const g = jit((x: Tensor, y: Tensor) => add(x, y), { static: 1 });
      assert.throws(() => g(tensor([1]), tensor([2])), /a tensor cannot be a static argument/);
    });
  });

  describe(`jit [${backend}]: composes with the other transforms`, () => {
    const f = (x: Tensor) => sum(mul(sin(x), exp(x)));
    const x = tensor([0.1, 0.2, -0.3], { dtype: "float64" });

    it("grad, jvp, hessian, vmap and nested jit, in either order", () => {
      const df = grad(f)(x);
      assertAllclose(jit(grad(f))(x), df, exact);
      assertAllclose(grad(jit(f))(x), df, exact);
      assertAllclose(jit(jit(grad(f)))(x), df, exact);
      const v = tensor([1, 0, 2], { dtype: "float64" });
      const [, t] = jvp(f, [x], [v]);
      assertAllclose(jit((a: Tensor, b: Tensor) => jvp(f, [a], [b])[1])(x, v), t, exact);
      assertAllclose(jvp(jit(f), [x], [v])[1], t, exact);
      assertAllclose(hessian(jit(f))(x), hessian(f)(x), exact);
      const xs = tensor([[0.1, 0.2, 0.3], [1, 2, 3]], { dtype: "float64" });
      const want = vmap(f)(xs);
      assertAllclose(vmap(jit(f))(xs), want, exact);
      assertAllclose(jit(vmap(f))(xs), want, exact);
    });

    it("a custom VJP rule is kept inside jit (straight-through estimator)", () => {
      const ste = customVjp(
        (x: Tensor) => cast(cast(x, "int32"), "float32"),
        (x: Tensor) => [cast(cast(x, "int32"), "float32"), null] as const,
        (_r: null, g: Tensor) => [g],
      );
      const loss = (x: Tensor) => sum(ste(x));
      assert.deepEqual(jit(grad(loss))(tensor([0.4, 1.7])).toArray(), [1, 1]);
    });

    it("a jitted function closing over a value of a running transform takes it as an input of its call", () => {
      const outer = (x: Tensor) => sum(jit((y: Tensor) => mul(x, y))(tensor([2, 3])));
      assert.deepEqual(grad(outer)(tensor([1, 1])).toArray(), [2, 3]);
      const g = trace((x: Tensor) => jit((y: Tensor) => mul(x, y))(tensor([2, 3])), tensor([1, 1]));
      assert.deepEqual(g.nodes.map((n) => n.primitive), ["jit"]);
      assert.equal(g.nodes[0].inputs[0], g.inputs[0]); // the closed-over value comes first
    });

    it("inside a transform a jitted function is one call: its JVP, VJP and batching are calls of graphs too", () => {
      const jf = jit(f);
      // Staged: grad(jit(f)) holds two calls (the forward program and the backward one), none of f's ops.
      const g = trace(grad(jf), x);
      assert.deepEqual(g.nodes.map((n) => n.primitive).filter((p) => p === "jit").length, 2);
      assert.ok(!g.nodes.some((n) => n.primitive === "sin"));
      assert.match(String(g), /jit\[fn=jit\(f\)\]/);
      assert.ok(trace(vmap(jf), tensor([[1, 2, 3]], { dtype: "float64" })).nodes.every((n) => n.primitive === "jit"));
      // f is traced once; the derived graphs are kept with it, so a loop of gradients traces nothing new.
      for (let i = 0; i < 3; i++) assertAllclose(grad(jf)(x), grad(f)(x), exact);
      assertAllclose(jvp(jf, [x], [x])[1], jvp(f, [x], [x])[1], exact);
      assert.equal(jf.traceCount, 1);
      // A jitted function returning no tensors is no call at all.
      const nothing = jit((_: Tensor) => []);
      const withNothing = (y: Tensor) => {
        assert.deepEqual(nothing(y), []);
        return f(y);
      };
      assertAllclose(jit(grad(withNothing))(x), grad(f)(x), exact);
      // Nested: the inner function is one node of the outer program.
      const outer = jit((y: Tensor) => add(jf(y), 1));
      assert.deepEqual(outer.lower(x).graph.nodes.map((n) => n.primitive), ["jit", "add"]);
      assertAllclose(outer(x), add(f(x), 1), exact);
      // Per-example gradients of a jitted loss, and a key passed through.
      const loss = jit((w: Tensor, xi: Tensor, k: random.Key) => sum(mul(mul(w, xi), random.uniform(k, [3], f64))));
      const k = random.key(4);
      const w = tensor([1, 2, 3], f64), xs = tensor([[1, 0, 0], [0, 1, 1]], f64);
      const per = vmap(grad(loss), { inAxes: [null, 0, null] })(w, xs, k);
      const u = random.uniform(k, [3], f64);
      assertAllclose(per, stack([mul(slice(xs, [0]), u), mul(slice(xs, [1]), u)].map((r) => reshape(r, [3]))), exact);
    });
  });
});
