/**
 * `dispose`, `tidy`, `keep` and the storage pool behind them: a disposed
 * tensor cannot be used (and says so), recycled storage never changes a
 * result (random programs give bit-identical results with and without
 * disposal, on every backend, although recycled arrays arrive dirty), and
 * storage that another tensor or the caller still sees is never recycled.
 */
import { assert, describe, fc, it } from "./lib/test.ts";
import { forEachBackend } from "./lib/backends.ts";
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
  vjp,
  where,
  zeros,
} from "../mod.ts";
import { ConcreteTensor } from "../core/tensor.ts";
import { TransformError, ValueError } from "../core/errors.ts";
import { poolBytes } from "../backends/ts/pool.ts";

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
     * step has run. With `free`, a value marked `drop` is disposed right
     * after its last use, so later steps get its storage, dirty.
     */
    const freed = new WeakSet<object>();
    let reused = 0;
    const run = (program: readonly Step[], free: boolean): number[][] => {
      const lastUse = program.map(() => -1);
      program.forEach((step, i) => operands(step, i).forEach((v) => v >= 2 && (lastUse[v - 2] = i)));
      const values: Tensor[] = [
        reshape(big(11, side * side), [side, side]),
        reshape(big(12, side * side), [side, side]),
      ];
      const out: number[][] = [];
      program.forEach((step, i) => {
        const [a, b] = operands(step, i);
        const y = ops[step.op]([values[a], values[b]]);
        if (freed.has(bufOf(y))) reused++;
        out.push([...y.toTypedArray()]);
        values.push(y);
        if (!free) return;
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
      });
      return out;
    };

    it("random programs give the same bits with and without disposal (40 programs)", () => {
      fc.assert(
        fc.property(programArb, (program) => {
          const kept = run(program, false);
          assert.deepEqual(run(program, true), kept);
          assert.deepEqual(tidy(() => run(program, true)), kept);
        }),
        { numRuns: 40 },
      );
      assert.ok(reused > 20, `only ${reused} outputs landed in recycled storage`);
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
