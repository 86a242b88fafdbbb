/**
 * `dispose`, `tidy`, `keep` and the storage pool behind them: a disposed
 * tensor cannot be used (and says so), recycled storage never changes a
 * result (random programs give bit-identical results with and without
 * disposal, on every backend, although recycled arrays arrive dirty), and
 * storage that another tensor or the caller still sees is never recycled.
 */
import { assert, describe, fc, it } from "./lib/test.ts";
import { forEachBackend } from "./lib/backends.ts";
import { forceGc } from "./lib/gc.ts";
import {
  add,
  broadcastTo,
  cast,
  concat,
  dispose,
  exp,
  extractPatches,
  fuse,
  gather,
  grad,
  greater,
  keep,
  matmul,
  max,
  mul,
  neg,
  pad,
  reshape,
  scatterAdd,
  sin,
  square,
  sum,
  type Tensor,
  tensor,
  tidy,
  transpose,
  valueAndGrad,
  vjp,
  where,
  zeros,
} from "../mod.ts";
import { ConcreteTensor } from "../core/tensor.ts";
import { TransformError, ValueError } from "../core/errors.ts";
import { poolBytes } from "../backends/ts/pool.ts";
import { madeDuring } from "../core/memory.ts";

/** Large enough (64 KiB of float32) for the pool to take. */
const N = 1 << 14;
const big = (seed: number, n = N): Tensor =>
  tensor(Float32Array.from({ length: n }, (_, i) => Math.sin(seed * 7.1 + i * 0.37)));
const bufOf = (t: Tensor) => (t as ConcreteTensor).buf;

describe("dispose", () => {
  it("a disposed tensor cannot be read or used, and the error names the op", async () => {
    const y = exp(tensor([0, 1]));
    dispose(y);
    assert.throws(
      () => y.toArray(),
      (e) => e instanceof ValueError && /toArray: a tensor was disposed/.test(e.message),
    );
    await assert.rejects(y.data(), (e) => e instanceof ValueError && /data: a tensor was disposed/.test(e.message));
    await assert.rejects(y.array(), /data: a tensor was disposed/);
    const one = exp(tensor([0]));
    dispose(one);
    assert.throws(() => one.item(), /disposed/);
    assert.throws(() => y.toTypedArray(), /disposed/);
    assert.throws(() => add(tensor([1, 1]), y), /add: operand 1 was disposed/);
    assert.throws(() => fuse((a: Tensor) => neg(a))(y), /fuse: an argument was disposed/);
  });

  it("is harmless twice, ignores non-tensor leaves, and walks trees", () => {
    const t = { a: [exp(tensor([1])), 3, "x"], b: { c: exp(tensor([2])) } };
    dispose(t);
    dispose(t);
    assert.throws(() => t.a[0] instanceof ConcreteTensor && (t.a[0] as Tensor).toArray(), /disposed/);
    assert.throws(() => t.b.c.toArray(), /disposed/);
  });

  it("refuses traced values", () => {
    assert.throws(() => grad((x: Tensor) => (dispose(x), sum(x)))(tensor([1])), TransformError);
  });

  it("recycles the storage of a large result into the next output of that size", () => {
    const x = big(1);
    const y = exp(x);
    const storage = bufOf(y);
    dispose(y);
    const z = sin(x);
    assert.equal(bufOf(z), storage);
    const want = Float32Array.from(x.toTypedArray(), (v) => Math.fround(Math.sin(v)));
    assert.deepEqual(z.toTypedArray(), want);
  });

  it("never recycles storage that another tensor shares (reshape) or that the caller gave (tensor)", () => {
    const x = exp(big(2));
    const r = reshape(x, [128, N / 128]);
    assert.equal(bufOf(r), bufOf(x), "reshape shares storage");
    const before = [...x.toTypedArray()];
    const pooled = poolBytes();
    dispose(r);
    assert.equal(poolBytes(), pooled, "shared storage was not pooled");
    for (let i = 0; i < 4; i++) sin(big(3 + i)); // allocations that would take it
    assert.deepEqual([...x.toTypedArray()], before);

    const mine = Float32Array.from({ length: N }, (_, i) => i);
    const t = tensor(mine);
    dispose(t);
    assert.equal(poolBytes(), pooled, "the caller's array was not pooled");
    sin(big(9));
    assert.equal(mine[5], 5);
  });
});

describe("tidy and keep", () => {
  it("disposes what the function made except its result; tensors from outside stay", () => {
    const x = big(1);
    let inner: Tensor | undefined;
    const out = tidy(() => {
      inner = exp(x);
      return { y: mul(inner, 2), list: [neg(x)] };
    });
    assert.throws(() => inner!.toArray(), /disposed/);
    assert.equal(out.y.size, N);
    assert.equal(out.list[0].size, N);
    assert.equal(x.toTypedArray().length, N);
  });

  it("nests: an inner result belongs to the outer scope", () => {
    let innerResult: Tensor | undefined;
    const outer = tidy(() => {
      innerResult = tidy(() => exp(tensor([1])));
      return add(innerResult, 1);
    });
    assert.throws(() => innerResult!.toArray(), /disposed/);
    assert.equal(outer.toArray().toString(), String(Math.fround(Math.fround(Math.E) + 1)));
  });

  it("disposes on a throw and rethrows", () => {
    let made: Tensor | undefined;
    assert.throws(() =>
      tidy(() => {
        made = exp(tensor([1]));
        throw new Error("boom");
      }), /boom/);
    assert.throws(() => made!.toArray(), /disposed/);
  });

  it("keep exempts a tensor; a Promise result is refused", () => {
    let saved: Tensor | undefined;
    tidy(() => {
      saved = keep(exp(tensor([0])));
    });
    assert.deepEqual(saved!.toArray(), [1]);
    assert.throws(() => tidy(() => Promise.resolve(1)), /synchronous/);
  });

  it("inside grad it only runs the function, so gradients are exact", () => {
    const f = (w: Tensor) => tidy(() => sum(mul(square(w), exp(w))));
    const w = tensor([0.5, -1, 2], { dtype: "float64" });
    const g = grad(f)(w).toArray() as number[];
    const want = [0.5, -1, 2].map((v) => (2 * v + v * v) * Math.exp(v));
    g.forEach((x, i) => assert.ok(Math.abs(x - want[i]) < 1e-12, `${x} vs ${want[i]}`));
  });

  it("around grad, the result survives and scalar constants stay usable", () => {
    const w = tensor([1, 2, 3]);
    const g = tidy(() => grad((v: Tensor) => sum(mul(square(v), 0.5)))(w));
    assert.deepEqual(g.toArray(), [1, 2, 3]);
    assert.deepEqual(mul(w, 0.5).toArray(), [0.5, 1, 1.5]); // the cached 0.5 was not disposed
  });

  it("a vjp function that outlives its scope fails loudly instead of reading recycled data", () => {
    const [, back] = tidy(() => vjp((x: Tensor) => sum(exp(x)), big(4)));
    assert.throws(() => back(tensor(1)), /disposed/);
  });
});

describe("grad and valueAndGrad release their own intermediates", () => {
  const side = 128;
  const x = reshape(big(31, side * side), [side, side]);
  const loss = (w: Tensor) => sum(exp(mul(matmul(x, w), 0.01)));

  it("on concrete values: the intermediates' storage goes to the pool, the results are exact and stay usable", () => {
    const w = reshape(big(32, side * side), [side, side]);
    // vjp keeps its tape (its pullback may be called again): the reference, with nothing recycled.
    const [y, pullback] = vjp(loss, w);
    const [want] = pullback(tensor(1, { dtype: "float32" }));
    const before = poolBytes();
    const [[v, g], made] = madeDuring(() => valueAndGrad(loss)(w));
    assert.ok(poolBytes() > before, `pool ${before} → ${poolBytes()} bytes`);
    const released = [...made].filter((t) => t.disposed).length;
    assert.equal(released, made.size - 2, "everything but the value and the gradient is released");
    assert.equal(v.item(), y.item());
    assert.deepEqual([...g.toTypedArray()], [...want.toTypedArray()]);
    for (let i = 0; i < 4; i++) {
      // Later steps write into the recycled storage and still give the same bits; inputs are untouched.
      const g2 = grad(loss)(w);
      assert.deepEqual([...g2.toTypedArray()], [...want.toTypedArray()], `step ${i}`);
      assert.deepEqual([...w.toTypedArray()], [...reshape(big(32, side * side), [side, side]).toTypedArray()]);
    }
  });

  it("what the function made outside the trace, its aux, and kept tensors are left alone", () => {
    const w = reshape(big(33, side * side), [side, side]);
    let outside: Tensor | undefined, kept: Tensor | undefined;
    const [[, aux], g] = valueAndGrad((v: Tensor): [Tensor, Tensor] => {
      outside = exp(mul(x, 0.001)); // concrete: computed from constants only
      const h = mul(matmul(x, v), 0.01);
      kept = keep(mul(outside, 2));
      return [sum(mul(exp(h), outside)), h];
    }, { hasAux: true })(w);
    assert.deepEqual(aux.shape, [side, side]);
    assert.ok(Number.isFinite(sum(aux).item()));
    assert.ok(Number.isFinite(sum(g).item()));
    assert.ok(Number.isFinite(sum(outside!).item()));
    assert.ok(Number.isFinite(sum(kept!).item()));
  });

  it("under another transform nothing is released (the outer tape may need it)", () => {
    const w = reshape(big(34, side * side), [side, side]);
    const [[, outer], made] = madeDuring(() => vjp((v: Tensor) => grad(loss)(v), w));
    assert.ok(made.size >= 8, `${made.size} made`);
    assert.deepEqual([...made].filter((t) => t.disposed), []);
    assert.ok(Number.isFinite(sum(outer(zeros([side, side]))[0]).item()));
  });
});

forEachBackend((backend, it) =>
  describe(`recycled storage never changes a result [${backend}]`, () => {
    type Op = (xs: Tensor[]) => Tensor;
    const side = 128; // 128×128 float32 = 64 KiB: pooled
    const ops: Op[] = [
      (xs) => exp(mul(xs[0], 0.01)),
      (xs) => add(xs[0], xs[1]),
      (xs) => mul(xs[0], 0.5),
      (xs) => matmul(xs[0], xs[1]),
      (xs) => transpose(xs[0]),
      (xs) => sum(reshape(concat([xs[0], xs[1]], 0), [2, side, side]), 0),
      (xs) => pad(xs[0], [[0, 0], [0, 0]]),
      (xs) => scatterAdd(xs[0], tensor(Int32Array.from({ length: side }, (_, i) => (i * 7) % side)), [side, side], 0),
      // Kernels that overwrite their whole output without zeroing it first:
      (xs) => cast(cast(xs[0], "float64"), "float32"),
      (xs) => where(greater(xs[0], 0), xs[0], xs[1]),
      (xs) => gather(xs[0], tensor(Int32Array.from({ length: side }, (_, i) => ((i * 5) % side) - (i % 2) * side)), 1),
      (xs) => broadcastTo(max(xs[0], 1, true), [side, side]),
      (xs) =>
        reshape(extractPatches(reshape(xs[0], [1, side, side, 1]), { kernel: [2, 1], strides: [2, 1] }), [side, side]),
    ];
    const programArb = fc.array(
      fc.record({ op: fc.nat(ops.length - 1), a: fc.nat(), b: fc.nat(), drop: fc.boolean() }),
      { minLength: 2, maxLength: 12 },
    );

    type Step = { op: number; a: number; b: number; drop: boolean };
    /** The value indices step i reads (values 0 and 1 are the inputs; step i makes value i + 2). */
    const operands = (step: Step, i: number): [number, number] => [step.a % (i + 2), step.b % (i + 2)];

    /**
     * Runs the program and returns each step's elements, read as soon as the
     * step has run, then those of every value still alive, read again at the
     * end (so a value whose storage a later step reused would differ). With
     * `free`, a value marked `drop` is disposed right after its last use, so
     * later steps get its storage, dirty; with `gc`, a full collection runs
     * after every step (storage the collector frees must never come back
     * while a tensor, or a reshape of it, holds it).
     */
    const freed = new WeakSet<object>();
    let reused = 0;
    type Reads = { readonly steps: number[][]; readonly alive: Map<number, number[]> };
    const run = (program: readonly Step[], free: boolean, gc = false): Reads => {
      const lastUse = program.map(() => -1);
      program.forEach((step, i) => operands(step, i).forEach((v) => v >= 2 && (lastUse[v - 2] = i)));
      const values: Tensor[] = [
        reshape(big(11, side * side), [side, side]),
        reshape(big(12, side * side), [side, side]),
      ];
      const steps: number[][] = [];
      program.forEach((step, i) => {
        const [a, b] = operands(step, i);
        const y = ops[step.op]([values[a], values[b]]);
        if (freed.has(bufOf(y))) reused++;
        steps.push([...y.toTypedArray()]);
        values.push(y);
        if (free) {
          // Ops may return an operand itself (a no-op pad or transpose), so a
          // value goes only when no name for the same tensor is needed later.
          const needed = (t: Tensor) =>
            values.slice(0, 2).includes(t) || lastUse.some((last, w) => values[w + 2] === t && last > i);
          for (let v = 0; v <= i; v++) {
            const t = values[v + 2];
            if (program[v].drop && !needed(t) && !(t as ConcreteTensor).disposed) {
              dispose(t);
              freed.add(bufOf(t));
            }
          }
        }
        if (gc) forceGc();
      });
      const alive = new Map<number, number[]>();
      values.slice(2).forEach((t, v) => !(t as ConcreteTensor).disposed && alive.set(v, [...t.toTypedArray()]));
      return { steps, alive };
    };
    /** Every value still alive at the end reads as it did when its step made it. */
    const assertUnchanged = ({ steps, alive }: Reads) => {
      for (const [v, now] of alive) assert.deepEqual(now, steps[v], `value ${v} changed after it was made`);
    };

    it("random programs give the same bits with and without disposal; live values never change (40 programs)", () => {
      fc.assert(
        fc.property(programArb, (program) => {
          const kept = run(program, false);
          assert.equal(kept.alive.size, program.length);
          assertUnchanged(kept);
          const freeing = run(program, true);
          assert.deepEqual(freeing.steps, kept.steps);
          assertUnchanged(freeing);
          assert.deepEqual(tidy(() => run(program, true)).steps, kept.steps);
        }),
        { numRuns: 40 },
      );
      assert.ok(reused > 20, `only ${reused} outputs landed in recycled storage`);
    });

    it("with a full GC forced after every step, with and without disposal: the same bits (6 programs)", () => {
      fc.assert(
        fc.property(programArb, (program) => {
          const kept = run(program, false);
          for (const free of [false, true]) {
            const collected = run(program, free, true);
            assert.deepEqual(collected.steps, kept.steps, `free = ${free}`);
            assertUnchanged(collected);
          }
        }),
        { numRuns: 6 },
      );
    });

    it("a dirty recycled array is zeroed for kernels that accumulate (gemm, scatterAdd, concat)", () => {
      const x = reshape(big(21, side * side), [side, side]);
      const want = [matmul(x, x), scatterAdd(x, tensor(new Int32Array(side)), [side, side], 0), zeros([side, side])]
        .map((t) => [...t.toTypedArray()]);
      for (let round = 0; round < 3; round++) {
        dispose([exp(x), exp(x), exp(x), exp(x)]); // dirty arrays of the right size in the pool
        const got = [matmul(x, x), scatterAdd(x, tensor(new Int32Array(side)), [side, side], 0), zeros([side, side])];
        got.forEach((t, i) => assert.deepEqual([...t.toTypedArray()], want[i], `output ${i}, round ${round}`));
        dispose(got);
      }
    });
  })
);
