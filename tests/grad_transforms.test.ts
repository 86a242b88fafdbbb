/**
 * The transforms, checked against each other and against calculus
 * (TESTPLAN §7):
 *
 * - G3: `⟨u, J v⟩` from `jvp` equals `⟨Jᵀu, v⟩` from `vjp` on random
 *   compositions (no finite differences), relative error ≤ 1e-12;
 * - G4: `jacfwd` equals `jacrev` (rtol 1e-12) and `hessian` is symmetric;
 * - G5: nesting (perturbation confusion, grad of grad, jvp of grad, …),
 *   options (`argnums`, `hasAux`), `valueAndGrad`, `customVjp`,
 *   `stopGradient`, and the errors of misuse;
 * - G6: float32 against a float64 reference, values and gradients, on random
 *   compositions, rtol 1e-4, atol 1e-5.
 *
 * A random composition is a short program over three inputs of mutually
 * broadcastable shapes: each step applies an op to earlier values, and every
 * value stays broadcastable against the inputs' broadcast shape.
 */
import { assert, describe, fc, it } from "./lib/test.ts";
import {
  abs,
  add,
  cast,
  cos,
  customVjp,
  div,
  DTypeError,
  evalGraph,
  exp,
  grad,
  hessian,
  jacfwd,
  jacrev,
  jvp,
  linearize,
  logSumExp,
  losses,
  matmul,
  maximum,
  mean,
  mul,
  neg,
  relu,
  reshape,
  scalar,
  sigmoid,
  sign,
  sin,
  slice,
  square,
  stack,
  stopGradient,
  sub,
  sum,
  tanh,
  type Tensor,
  tensor,
  trace,
  TransformError,
  transpose,
  valueAndGrad,
  vjp,
  vjpOf,
  vmap,
  where,
  zerosLike,
} from "../mod.ts";
import { assertAllclose, broadcastShapesArb, floatTensorArb, type ShapeOptions } from "../testing/mod.ts";

// ------------------------------------------------------- random programs

type Unary = (x: Tensor) => Tensor;
type Binary = (a: Tensor, b: Tensor) => Tensor;

const count = (x: Tensor, axes: readonly number[]) => axes.reduce((n, a) => n * x.shape[a], 1);

// Every op keeps its results within the bound of its inputs (|x| ≤ 2 for the
// inputs), so float32 stays well conditioned for G6.
const SMOOTH_UNARY: readonly Unary[] = [
  tanh,
  sigmoid,
  sin,
  cos,
  (x) => exp(neg(square(x))), // Gaussian
  (x) => mul(x, sigmoid(x)), // SiLU
];
const SMOOTH_BINARY: readonly Binary[] = [
  (a, b) => mul(add(a, b), 0.5),
  (a, b) => mul(sub(a, b), 0.5),
  (a, b) => mul(a, tanh(b)),
  (a, b) => div(a, add(1, square(b))),
];
// Kinks are fine where no finite differences are taken (G3, G4).
const KINKED_UNARY: readonly Unary[] = [abs, relu, (x) => maximum(x, mul(x, 0.5))];

/** A reduction over the picked axes, with kept dimensions (so the result still broadcasts). */
const REDUCE: readonly ((x: Tensor, axes: number[]) => Tensor)[] = [
  (x, axes) => mean(x, axes, true),
  (x, axes) => sub(logSumExp(x, axes, true), Math.log(count(x, axes))),
];

interface Step {
  readonly op: number;
  readonly a: number;
  readonly b: number;
  readonly axes: readonly boolean[];
}

interface Program {
  readonly shapes: readonly number[][];
  readonly steps: readonly Step[];
  readonly kinks: boolean;
}

const stepArb: fc.Arbitrary<Step> = fc.record({
  op: fc.nat(),
  a: fc.nat(),
  b: fc.nat(),
  axes: fc.array(fc.boolean(), { minLength: 2, maxLength: 2 }),
});

const programArb = (kinks: boolean, shapes: ShapeOptions): fc.Arbitrary<Program> =>
  fc.tuple(broadcastShapesArb(3, shapes), fc.array(stepArb, { minLength: 1, maxLength: 8 })).map((
    [{ inputs }, steps],
  ) => ({ shapes: inputs, steps, kinks }));

/** Runs the program: the result of the last step. */
const run = (p: Program, xs: readonly Tensor[]): Tensor => {
  const unary = p.kinks ? [...SMOOTH_UNARY, ...KINKED_UNARY] : SMOOTH_UNARY;
  const ops = unary.length + SMOOTH_BINARY.length + REDUCE.length;
  const vals = [...xs];
  for (const s of p.steps) {
    const a = vals[s.a % vals.length];
    const b = vals[s.b % vals.length];
    let k = s.op % ops;
    if (k < unary.length) vals.push(unary[k](a));
    else if ((k -= unary.length) < SMOOTH_BINARY.length) vals.push(SMOOTH_BINARY[k](a, b));
    else {
      const axes = s.axes.slice(0, a.ndim).flatMap((on, i) => (on ? [i] : []));
      vals.push(axes.length === 0 ? a : REDUCE[k - SMOOTH_BINARY.length](a, axes));
    }
  }
  return vals[vals.length - 1];
};

const MAX = 125; // 5³, the largest input `LARGE` describes
const LARGE: ShapeOptions = { minRank: 1, maxRank: 3, maxDim: 5 };
const SMALL: ShapeOptions = { minRank: 1, maxRank: 2, maxDim: 4 }; // for Jacobians and Hessians, which cost n passes

const pool = floatTensorArb({ shape: [MAX] }).map((t) => t.toTypedArray() as Float64Array);
const pools = fc.tuple(pool, pool, pool);
const take = (data: Float64Array, shape: readonly number[]): Tensor => {
  const n = shape.reduce((x, y) => x * y, 1);
  return tensor(data.slice(0, n), { shape, dtype: "float64" });
};

/** A program with its inputs, directions `v` for them, and values to draw a cotangent from. */
const caseArb = (kinks: boolean, shapes: ShapeOptions) =>
  fc.tuple(programArb(kinks, shapes), pools, pools, pool).map(([p, d, dv, du]) => ({
    p,
    xs: p.shapes.map((s, i) => take(d[i], s)),
    vs: p.shapes.map((s, i) => take(dv[i], s)),
    du,
  }));

const RUNS = 100;

/** `Σ aᵢbᵢ` over tensors, and `Σ |aᵢbᵢ|`, the scale of its rounding error. */
const dot = (as: readonly Tensor[], bs: readonly Tensor[]): [number, number] => {
  let s = 0;
  let scale = 0;
  as.forEach((a, j) => {
    const x = a.toTypedArray();
    const y = bs[j].toTypedArray();
    for (let i = 0; i < x.length; i++) {
      s += x[i] * y[i];
      scale += Math.abs(x[i] * y[i]);
    }
  });
  return [s, scale];
};

const f64 = (x: number | number[] | number[][]) => tensor(x, { dtype: "float64" });

// ------------------------------------------------------------------- G3

describe("G3: jvp and vjp are transposes: ⟨u, J v⟩ = ⟨Jᵀu, v⟩", () => {
  it("on random compositions, to a relative error of 1e-12", () =>
    fc.assert(
      fc.property(caseArb(true, LARGE), ({ p, xs, vs, du }) => {
        const f = (...a: Tensor[]) => run(p, a);
        const [out, jv] = jvp(f, xs, vs);
        const u = take(du, out.shape);
        const [, pullback] = vjp(f, ...xs);
        const [uJv, s1] = dot([u], [jv]);
        const [Jtuv, s2] = dot(pullback(u), vs);
        // Relative to the size of the summed terms, or of ‖u‖·‖v‖ where a derivative is
        // itself a cancellation (d/dx x/(1+x²) near x = 1) and so carries rounding at that scale.
        const scale = Math.max(s1, s2, Math.sqrt(dot([u], [u])[0] * dot(vs, vs)[0]));
        assert.ok(
          Math.abs(uJv - Jtuv) <= 1e-12 * scale,
          `⟨u, Jv⟩ = ${uJv}, ⟨Jᵀu, v⟩ = ${Jtuv}, relative error ${Math.abs(uJv - Jtuv) / scale}`,
        );
      }),
      { numRuns: RUNS },
    ));
});

// ------------------------------------------------- argnums and integer constants in vjp and jvp

const bitsOf = (t: Tensor) => Array.from(t.toTypedArray());
const subsetArb = fc.shuffledSubarray([0, 1, 2], { minLength: 1 });

describe("vjp and jvp: argnums, hasAux, integer and bool arguments as constants", () => {
  it("property: vjpOf's cotangents for any argnums are the matching entries of vjp's, bit for bit", () =>
    fc.assert(
      fc.property(caseArb(true, LARGE), subsetArb, ({ p, xs, du }, nums) => {
        const f = (...a: Tensor[]) => run(p, a);
        const [out, all] = vjp(f, ...xs);
        const u = take(du, out.shape);
        const [out2, some] = vjpOf(f, { argnums: nums })(...xs);
        assert.deepEqual(bitsOf(out2), bitsOf(out));
        const full = all(u);
        const part = some(u) as unknown as Tensor[];
        assert.deepEqual(part.map(bitsOf), nums.map((i) => bitsOf(full[i])));
        // A number argnums gives the one tree, not a tuple.
        assert.deepEqual(bitsOf(vjpOf(f, { argnums: nums[0] })(...xs)[1](u)), bitsOf(full[nums[0]]));
      }),
      { numRuns: RUNS },
    ));

  it("property: jvp with argnums equals jvp with zero tangents for the other arguments", () =>
    fc.assert(
      fc.property(caseArb(true, LARGE), subsetArb, ({ p, xs, vs }, nums) => {
        const f = (...a: Tensor[]) => run(p, a);
        const padded = xs.map((x, i) => (nums.includes(i) ? vs[i] : zerosLike(x)));
        const [out, dAll] = jvp(f, xs, padded);
        const [out2, dSome] = jvp(f, xs, nums.map((i) => vs[i]), { argnums: nums });
        assert.deepEqual(bitsOf(out2), bitsOf(out));
        // Equal as numbers (a zero tangent may add a -0 where the selected form has +0).
        bitsOf(dSome).forEach((v, i) => assert.ok(v === bitsOf(dAll)[i], `element ${i}: ${v} vs ${bitsOf(dAll)[i]}`));
      }),
      { numRuns: RUNS },
    ));

  it("integer labels pass through vjp as constants; their cotangent is int32 zeros of their shape", () => {
    const logits = f64([[2, 0, 1], [0.5, 0.5, -1]]);
    const labels = tensor([0, 2], { dtype: "int32" });
    const [loss, pullback] = vjp(losses.softmaxCrossEntropy, logits, labels);
    const [dLogits, dLabels] = pullback(scalar(1, "float64"));
    assert.deepEqual(bitsOf(dLogits), bitsOf(grad(losses.softmaxCrossEntropy)(logits, labels)));
    assert.equal(loss.item(), losses.softmaxCrossEntropy(logits, labels).item());
    assert.deepEqual([dLabels.dtype, dLabels.shape, dLabels.toArray()], ["int32", [2], [0, 0]]);
    assert.deepEqual(labels.toArray(), [0, 2], "the labels are unchanged");
  });

  it("a bool mask passes through vjp and jvp as a constant", () => {
    const mask = tensor([true, false, true], { dtype: "bool" });
    const x = f64([1, 2, 3]);
    const f = (m: Tensor, v: Tensor) => sum(where(m, mul(v, v), neg(v)));
    const [, pullback] = vjp(f, mask, x);
    const [dm, dx] = pullback(scalar(1, "float64"));
    assert.deepEqual([dm.dtype, dm.toArray(), dx.toArray()], ["bool", [0, 0, 0], [2, -1, 6]]);
    const [y, dy] = jvp(f, [mask, x], [mask, f64([1, 1, 1])]);
    assert.deepEqual([y.item(), dy.item()], [1 - 2 + 9, 2 - 1 + 6]);
    assert.equal(jvp(f, [mask, x], [f64([1, 1, 1])], { argnums: 1 })[1].item(), 7);
  });

  it("hasAux: vjpOf returns [output, pullback, aux] and jvp [output, tangent, aux], aux as plain values", () => {
    const f = (w: Tensor, x: Tensor): [Tensor, { pred: Tensor; n: number }] => {
      const pred = matmul(x, w);
      return [sum(square(pred)), { pred, n: x.shape[0] }];
    };
    const w = f64([[1], [-1]]), x = f64([[1, 2], [3, 5]]);
    const [y, pullback, aux] = vjpOf(f, { argnums: 0, hasAux: true })(w, x);
    assert.equal(y.item(), 1 + 4);
    assert.equal(aux.n, 2);
    assert.deepEqual(aux.pred.toArray(), [[-1], [-2]]);
    assert.deepEqual(add(aux.pred, 1).toArray(), [[0], [-1]], "aux is usable after the transform");
    assert.deepEqual(pullback(scalar(1, "float64")).toArray(), grad((v: Tensor) => f(v, x)[0])(w).toArray());
    const [y2, dy, aux2] = jvp(f, [w, x], [f64([[1], [0]])], { argnums: 0, hasAux: true });
    assert.equal(y2.item(), 5);
    assert.equal(dy.item(), 2 * (-1 * 1) + 2 * (-2 * 3)); // d/dw Σ(xw)² · e₁ = Σ 2·pred·x[:, 0]
    assert.equal(aux2.n, 2);
  });

  it("nests: the gradient of a pullback taken with integer labels is a Hessian-vector product", () => {
    const labels = tensor([1, 0], { dtype: "int32" });
    const v = f64([[1, 0, -1], [0.5, 2, 0]]);
    const logits = f64([[0.2, -0.3, 1], [1.5, 0, 0.1]]);
    const viaVjp = grad((z: Tensor) => {
      const [dz] = vjp(losses.softmaxCrossEntropy, z, labels)[1](scalar(1, "float64"));
      return sum(mul(dz, v));
    })(logits);
    const viaJvp = jvp((z: Tensor) => grad(losses.softmaxCrossEntropy)(z, labels), [logits], [v])[1];
    bitsOf(viaVjp).forEach((a, i) =>
      assert.ok(Math.abs(a - bitsOf(viaJvp)[i]) <= 1e-14, `${a} vs ${bitsOf(viaJvp)[i]}`)
    );
  });

  it("bad arguments are TransformErrors that say what was expected", () => {
    const f = (a: Tensor, b: Tensor) => mul(a, b);
    const x = f64([1]);
    assert.throws(
      // The types reject this call; an untyped caller gets the error.
      () => (jvp as (...a: unknown[]) => unknown)(f, [x, x], [x]),
      (e) => e instanceof TransformError && /expected 2 tangent\(s\), one per primal, got 1/.test(e.message),
    );
    assert.throws(
      () => jvp(f, [x, x], [x, x], { argnums: 1 }),
      (e) => e instanceof TransformError && /expected 1 tangent\(s\), one per argnums entry, got 2/.test(e.message),
    );
    assert.throws(
      () => vjpOf(f, { argnums: 2 })(x, x),
      (e) => e instanceof TransformError && /argnums 2 is out of range for 2 argument/.test(e.message),
    );
    assert.throws(
      () => vjpOf(f as unknown as (a: Tensor, b: Tensor) => [Tensor, number], { hasAux: true })(x, x),
      (e) => e instanceof TransformError && /must return \[output, aux\]/.test(e.message),
    );
    assert.throws(
      () => jvp((a: Tensor) => [a] as unknown as [Tensor, number], [x], [x], { hasAux: true }),
      (e) => e instanceof TransformError && /must return \[output, aux\]/.test(e.message),
    );
    // grad still refuses an integer argument it is asked to differentiate, and says how to leave it out.
    assert.throws(
      () => grad((a: Tensor) => sum(cast(a, "float64")))(tensor([1], { dtype: "int32" })),
      (e) => e instanceof DTypeError && /leave it out of argnums/.test(e.message),
    );
  });
});

// ------------------------------------------------------------------- vmap

/** The case's inputs rotated by `by` places: another valid example of the same shapes. */
const rotated = (t: Tensor, by: number): Tensor => {
  const d = t.toTypedArray() as Float64Array;
  const n = d.length, k = by % Math.max(n, 1);
  return tensor(Float64Array.from({ length: n }, (_, i) => d[(i + k) % n]), { shape: t.shape, dtype: "float64" });
};

const exactly = (got: Tensor, want: Tensor, what: string) => {
  assert.deepEqual(got.shape, want.shape, `${what}: shape`);
  const a = got.toTypedArray(), b = want.toTypedArray();
  a.forEach((x, i) =>
    assert.ok(x === b[i] || (Number.isNaN(x) && Number.isNaN(b[i])), `${what}: ${x} vs ${b[i]} at ${i}`)
  );
};

describe("vmap on random compositions equals the loop over examples", () => {
  const batchArb = fc.tuple(
    caseArb(true, LARGE),
    fc.integer({ min: 1, max: 3 }),
    fc.array(fc.nat(), { minLength: 3, maxLength: 3 }),
  ).map(([c, size, picks]) => {
    const axes = c.xs.map((x, i) => (picks[i] % (x.ndim + 2)) - 1); // −1: shared
    if (axes.every((a) => a < 0)) axes[0] = 0;
    const examples = Array.from({ length: size }, (_, b) => c.xs.map((x, i) => (axes[i] < 0 ? x : rotated(x, b))));
    const batched = c.xs.map((x, i) => (axes[i] < 0 ? x : stack(examples.map((e) => e[i]), axes[i])));
    return { ...c, axes: axes.map((a) => (a < 0 ? null : a)), examples, batched };
  });

  it("property: vmap(f) equals stacking f of each example, bit for bit", () =>
    fc.assert(
      fc.property(batchArb, ({ p, axes, examples, batched }) => {
        const f = (...a: Tensor[]) => run(p, a);
        exactly(vmap(f, { inAxes: axes })(...batched), stack(examples.map((e) => f(...e))), "vmap");
      }),
      { numRuns: RUNS },
    ));

  it("property: vmap(grad) equals the loop of grad, and jvp through vmap equals vmap of jvp", () =>
    fc.assert(
      fc.property(batchArb, ({ p, axes, examples, batched }) => {
        const loss = (...a: Tensor[]) => sum(run(p, a));
        const g = vmap(grad(loss, { argnums: [0, 1, 2] }), { inAxes: axes })(...batched);
        const loop = examples.map((e) => grad(loss, { argnums: [0, 1, 2] })(...e));
        // A shared input's gradient is per example too (outAxes 0): row b is example b's.
        g.forEach((gi, i) => exactly(gi, stack(loop.map((l) => l[i])), `vmap(grad) of input ${i}`));
        const i0 = axes.findIndex((a) => a !== null);
        const f = (...a: Tensor[]) => run(p, a);
        const dirs = batched.map((b, i) => (i === i0 ? mul(b, 0.5) : zerosLike(b)));
        const [, viaJvp] = jvp(vmap(f, { inAxes: axes }), batched, dirs);
        const perExample = vmap((...a: Tensor[]) => {
          const half = a.map((x, i) => (i === i0 ? mul(x, 0.5) : zerosLike(x)));
          return jvp(f, a, half)[1];
        }, { inAxes: axes })(...batched);
        exactly(viaJvp, perExample, "jvp of vmap vs vmap of jvp");
      }),
      { numRuns: RUNS },
    ));
});

describe("linearize", () => {
  it("property: the linear map equals jvp at the same point, bit for bit, and f runs once", () =>
    fc.assert(
      fc.property(caseArb(true, LARGE), pools, ({ p, xs, vs }, other) => {
        let calls = 0;
        const f = (...a: Tensor[]) => (calls++, run(p, a));
        const [y, fJvp] = linearize(f, ...xs);
        const ws = p.shapes.map((sh, i) => take(other[i], sh));
        for (const dirs of [vs, ws]) exactly(fJvp(...dirs), jvp(f, xs, dirs)[1], "linearize vs jvp");
        exactly(y, run(p, xs), "linearize's output");
        assert.equal(calls, 1 + 2, "once by linearize, once by each reference jvp");
      }),
      { numRuns: RUNS },
    ));

  it("the linear map composes: its gradient is the JVP's transpose (a VJP), and it rejects other shapes", () => {
    const x = f64([0.5, -1, 2]);
    const f = (v: Tensor) => mul(sin(v), v);
    const [, fJvp] = linearize(f, x);
    const u = f64([1, 2, 3]);
    const viaGrad = grad((t: Tensor) => sum(mul(fJvp(t), u)))(f64([0, 0, 0]));
    const [, pullback] = vjp(f, x);
    exactly(viaGrad, pullback(u)[0], "grad of the linear map vs vjp");
    assert.throws(() => fJvp(f64([1, 2])), (e) => e instanceof TransformError && /input 0 must be/.test(e.message));
  });
});

// ------------------------------------------------------------------- G4

/** `allclose` with rtol 1e-12 and an atol of 1e-12 of the largest entry (entries that should be 0). */
const assertClose12 = (a: Tensor, b: Tensor, message: string) => {
  const big = Math.max(1, ...Array.from(b.toTypedArray(), Math.abs));
  assertAllclose(a, b, { rtol: 1e-12, atol: 1e-12 * big, message });
};

/** The program as a function of one flat vector, cut into the three inputs. */
const flatProgram = (p: Program) => (x: Tensor): Tensor => {
  let at = 0;
  const xs = p.shapes.map((s) => {
    const n = s.reduce((a, b) => a * b, 1);
    const part = reshape(slice(x, [{ start: at, stop: at + n }]), s);
    at += n;
    return part;
  });
  return run(p, xs);
};

const flatInput = (xs: readonly Tensor[]): Tensor => f64(xs.flatMap((x) => Array.from(x.toTypedArray())));

describe("G4: Jacobians and Hessians", () => {
  it("jacfwd = jacrev on random compositions (three arguments, argnums [0, 1, 2])", () =>
    fc.assert(
      fc.property(caseArb(true, SMALL), ({ p, xs }) => {
        const f = (a: Tensor, b: Tensor, c: Tensor) => run(p, [a, b, c]);
        const fwd = jacfwd(f, { argnums: [0, 1, 2] })(xs[0], xs[1], xs[2]) as Tensor[];
        const rev = jacrev(f, { argnums: [0, 1, 2] })(xs[0], xs[1], xs[2]) as Tensor[];
        assert.equal(fwd.length, 3);
        fwd.forEach((j, i) => assertClose12(j, rev[i], `∂f/∂x${i}`));
      }),
      { numRuns: RUNS },
    ));

  it("hessian is symmetric on random compositions (smooth ops)", () =>
    fc.assert(
      fc.property(caseArb(false, SMALL), ({ p, xs }) => {
        const x = flatInput(xs);
        const h = hessian((x: Tensor) => sum(flatProgram(p)(x)))(x) as Tensor;
        assert.deepEqual(h.shape, [x.size, x.size]);
        assertClose12(h, transpose(h), "H vs Hᵀ");
      }),
      { numRuns: RUNS },
    ));

  it("hessian of xᵀAx is A + Aᵀ, and jacfwd(jacrev) is hessian", () => {
    const a = f64([[1, 2, 0], [-1, 3, 4], [0.5, 0, -2]]);
    const q = (x: Tensor) => sum(mul(x, matmul(a, x)));
    const x = f64([0.3, -1, 2]);
    assert.deepEqual((hessian(q)(x) as Tensor).toArray(), add(a, transpose(a)).toArray());
    assert.deepEqual((jacfwd(jacrev(q))(x) as Tensor).toArray(), add(a, transpose(a)).toArray());
  });
});

// ------------------------------------------------------------------- G5

// `grad(grad(f))` written inline does not type-check (TypeScript infers the
// inner call's argnums as the whole `Argnums` union; reported to the lead), so
// nested derivatives go through this typed alias.
const d = (f: (x: Tensor) => Tensor): (x: Tensor) => Tensor => grad(f, { argnums: 0 });
const sinT = (x: Tensor) => sin(x);

describe("G5: nested and composed transforms", () => {
  it("no perturbation confusion: d/dx [x · d/dy (x + y)] = 1 exactly", () => {
    const inner = (x: Tensor) => grad((y: Tensor) => add(x, y))(scalar(2, "float64"));
    const f = (x: Tensor) => mul(x, inner(x));
    assert.equal(grad(f)(scalar(3, "float64")).item(), 1);
    // and in forward mode over forward mode
    const innerFwd = (x: Tensor) => jvp((y: Tensor) => add(x, y), [scalar(2, "float64")], [scalar(1, "float64")])[1];
    assert.equal(jvp((x: Tensor) => mul(x, innerFwd(x)), [scalar(3, "float64")], [scalar(1, "float64")])[1].item(), 1);
  });

  it("grad(grad(sin)) = −sin, to 1e-12", () =>
    fc.assert(
      fc.property(fc.integer({ min: -1e6, max: 1e6 }).map((k) => k / 1e5), (x) => {
        const d2 = d(d(sinT))(scalar(x, "float64")).item();
        assert.ok(Math.abs(d2 + Math.sin(x)) <= 1e-12, `sin''(${x}) = ${d2}, want ${-Math.sin(x)}`);
      }),
      { numRuns: RUNS },
    ));

  it("third derivatives: grad³(x⁴) = 24x and grad³(sin) = −cos", () => {
    const x = scalar(0.7, "float64");
    assert.ok(Math.abs(d(d(d((x: Tensor) => square(square(x)))))(x).item() - 24 * 0.7) < 1e-12);
    assert.ok(Math.abs(d(d(d(sinT)))(x).item() + Math.cos(0.7)) < 1e-12);
  });

  const cubeSum = (x: Tensor) => sum(mul(square(x), x)); // ∇ = 3x², H = diag(6x)
  const x0 = f64([0.5, -1, 2]);
  const v0 = f64([1, 2, -1]);
  const hv = [6 * 0.5 * 1, 6 * -1 * 2, 6 * 2 * -1];

  it("jvp of grad is the Hessian-vector product", () => {
    assert.deepEqual(jvp(grad(cubeSum), [x0], [v0])[1].toArray(), hv);
  });

  it("grad of jvp is the Hessian-vector product", () => {
    const dir = (x: Tensor) => jvp(cubeSum, [x], [v0])[1];
    assert.deepEqual(grad(dir)(x0).toArray(), hv);
  });

  it("vjp of jvp and jvp of vjp agree with jacfwd(jacrev)", () => {
    const h = jacfwd(jacrev(cubeSum))(x0) as Tensor;
    assertAllclose(h, [[3, 0, 0], [0, -6, 0], [0, 0, 12]], { rtol: 0, atol: 0 }); // exact, and −0 = 0
    const [, pullback] = vjp((x: Tensor) => jvp(cubeSum, [x], [v0])[1], x0);
    assert.deepEqual(pullback(scalar(1, "float64"))[0].toArray(), hv);
  });

  it("grad of a function that calls grad", () => {
    // g(x) = ⟨∇f(x), x⟩ = 3 Σx³, so ∇g = 9x²
    const g = (x: Tensor) => sum(mul(grad(cubeSum)(x), x));
    assert.deepEqual(grad(g)(x0).toArray(), [9 * 0.25, 9, 36]);
  });

  it("argnums as a tuple gives a tuple of gradients", () => {
    const f = (a: Tensor, b: Tensor, c: Tensor) => sum(mul(mul(a, b), c));
    const [gc, ga] = grad(f, { argnums: [2, 0] })(f64([2]), f64([3]), f64([5]));
    assert.deepEqual([gc.toArray(), ga.toArray()], [[6], [15]]);
    const gb = grad(f, { argnums: 1 })(f64([2]), f64([3]), f64([5]));
    assert.deepEqual(gb.toArray(), [10]);
  });

  it("hasAux passes the auxiliary value through undifferentiated", () => {
    const f = (x: Tensor) => [sum(square(x)), { norm: sum(abs(x)), label: "metrics" }] as const;
    const [g, aux] = grad(f, { hasAux: true })(x0);
    assert.deepEqual(g.toArray(), [1, -2, 4]);
    assert.equal(aux.norm.item(), 3.5);
    assert.equal(aux.label, "metrics");
    const [[value, aux2], g2] = valueAndGrad(f, { hasAux: true })(x0);
    assert.equal(value.item(), 5.25);
    assert.equal(aux2.norm.item(), 3.5);
    assert.deepEqual(g2.toArray(), [1, -2, 4]);
  });

  it("hasAux: the auxiliary tensors leave the transform as plain values, usable in later ops and outer transforms", () => {
    // Regression: aux once came back as the transform's tracers, and using one afterwards threw.
    const [, aux] = grad((x: Tensor) => [sum(square(x)), mul(x, 3)] as const, { hasAux: true })(x0);
    assert.deepEqual(add(aux, 1).toArray(), [2.5, -2, 7]);
    const outer = grad((x: Tensor) => {
      const [g, a] = grad((z: Tensor) => [sum(square(z)), mul(z, 3)] as const, { hasAux: true })(x);
      return sum(mul(g, a)); // Σ 2x · 3x, so the gradient is 12x
    });
    assert.deepEqual(outer(f64([1, 2])).toArray(), [12, 24]);
  });

  it("valueAndGrad gives the value and the gradient of a tree argument", () => {
    const params = { w: f64([1, 2]), b: f64(0.5) };
    const loss = (p: typeof params) => add(sum(square(p.w)), p.b);
    const [value, g] = valueAndGrad(loss)(params);
    assert.equal(value.item(), 5.5);
    assert.deepEqual([g.w.toArray(), g.b.toArray()], [[2, 4], 1]);
  });

  // A custom rule for x ↦ x³ that computes its cotangent from a residual.
  const cube = customVjp(
    (x: Tensor) => mul(square(x), x),
    (x: Tensor) => [mul(square(x), x), x] as const,
    (x: Tensor, g: Tensor) => [mul(g, mul(3, square(x)))],
  );

  it("customVjp: grad uses the rule, and grad of grad differentiates the rule", () => {
    const x = f64([0.5, -2]);
    assert.deepEqual(grad((x: Tensor) => sum(cube(x)))(x).toArray(), [0.75, 12]);
    assert.deepEqual(grad((x: Tensor) => sum(grad((y: Tensor) => sum(cube(y)))(x)))(x).toArray(), [3, -12]);
    // Forward over reverse differentiates the rule: the Hessian of Σx³ is diag(6x).
    const h = jacfwd(grad((y: Tensor) => sum(cube(y))))(x).toArray() as number[][];
    assert.deepEqual(h.map((row) => row.map((v) => v + 0)), [[3, 0], [0, -12]]); // + 0: an off-diagonal −0 is 0
  });

  it("customVjp: forward mode on the call itself is a TransformError (as in JAX), not a silent derivative of f", () => {
    assert.throws(() => jvp(cube, [f64([0.5])], [f64([1])]), (e: unknown) => {
      assert.ok(e instanceof TransformError);
      assert.match((e as Error).message, /^customVjp: .*cannot be differentiated in forward mode.*use reverse mode/);
      return true;
    });
  });

  describe("customVjp: the rule survives trace, evalGraph and vmap", () => {
    const straightThrough = customVjp(
      (x: Tensor) => sign(x),
      (x: Tensor) => [sign(x), null] as const,
      (_: null, g: Tensor) => [g],
    );
    const loss = (x: Tensor) => sum(straightThrough(x));
    const x = f64([-0.3, 2, 0.5]);

    it("trace records one customVjp node; grad of the replayed graph uses the rule", () => {
      const g = trace(loss, x);
      assert.deepEqual(g.nodes.map((n) => n.primitive), ["customVjp", "sum"]);
      assert.match(g.toString(), /customVjp\[rule=customVjp\] a/);
      assert.deepEqual(grad((y: Tensor) => evalGraph(g, y) as Tensor)(x).toArray(), [1, 1, 1]);
      assert.deepEqual((evalGraph(g, x) as Tensor).toArray(), 1);
    });

    it("grad(vmap(f)) and vmap(grad(f)) both use the rule", () => {
      const rows = tensor([[-1, 2], [3, -4]], { dtype: "float64" });
      assert.deepEqual(grad((r: Tensor) => sum(vmap(straightThrough)(r)))(rows).toArray(), [[1, 1], [1, 1]]);
      assert.deepEqual(vmap(grad(loss))(rows).toArray(), [[1, 1], [1, 1]]);
      assert.deepEqual(vmap(straightThrough)(rows).toArray(), [[-1, 1], [1, -1]]);
    });

    it("under vmap a shared argument gets its cotangent summed over the batch; tree residuals are batched", () => {
      const scaled = customVjp(
        (a: Tensor, b: Tensor) => mul(a, exp(b)),
        (a: Tensor, b: Tensor) => [mul(a, exp(b)), { a, e: exp(b), n: 2 }] as const,
        ({ a, e, n }: { a: Tensor; e: Tensor; n: number }, g: Tensor) => [mul(g, e), mul(mul(g, mul(a, e)), n / 2)],
      );
      const a = tensor([[1, 2], [3, 4]], { dtype: "float64" }), b = f64([0, 1]);
      const [da, db] = grad((p: Tensor, q: Tensor) => sum(vmap(scaled, { inAxes: [0, null] })(p, q)), {
        argnums: [0, 1],
      })(a, b);
      assert.deepEqual(da.toArray(), [[1, Math.E], [1, Math.E]]);
      assert.deepEqual(db.toArray(), [4, 6 * Math.E]);
    });

    it("a bwd with the wrong number of cotangents is a TransformError naming customVjp", () => {
      const bad = customVjp((x: Tensor) => x, (x: Tensor) => [x, null] as const, () => []);
      assert.throws(() => grad((x: Tensor) => sum(bad(x)))(x), /customVjp: bwd must return 1 cotangent/);
    });
  });

  it("customVjp: the rule wins over the function's own derivative (straight-through estimator)", () => {
    const straightThrough = customVjp(
      (x: Tensor) => sign(x),
      (x: Tensor) => [sign(x), null] as const,
      (_: null, g: Tensor) => [g],
    );
    assert.deepEqual(grad((x: Tensor) => sum(straightThrough(x)))(f64([-0.3, 2])).toArray(), [1, 1]);
  });

  it("stopGradient blocks derivatives at every order", () => {
    const f = (x: Tensor) => mul(x, stopGradient(square(x))); // value x³, derivative x²
    const x = scalar(1.5, "float64");
    assert.equal(grad(f)(x).item(), 2.25);
    assert.equal(d(d(f))(x).item(), 0); // d/dx of the constant x² is 0
    assert.equal(jvp(f, [x], [scalar(1, "float64")])[1].item(), 2.25);
    assert.equal(jvp(grad(f), [x], [scalar(1, "float64")])[1].item(), 0);
    assert.equal(grad((x: Tensor) => sum(stopGradient(x)))(x).item(), 0);
  });

  it("relu'(0) = 0 and |x|'(0) = 0", () => {
    assert.deepEqual(grad((x: Tensor) => sum(relu(x)))(f64([0, 1, -1])).toArray(), [0, 1, 0]);
    assert.deepEqual(grad((x: Tensor) => sum(abs(x)))(f64([0, 1, -1])).toArray(), [0, 1, -1]);
  });
});

describe("G5: misuse gives clear errors", () => {
  it("grad with respect to an int32 input is a DTypeError naming the argument", () => {
    const f = (x: Tensor) => sum(cast(x, "float32"));
    assert.throws(() => grad(f)(tensor([1, 2], { dtype: "int32" })), (e: unknown) => {
      assert.ok(e instanceof DTypeError);
      assert.match((e as Error).message, /argument 0 has dtype int32/);
      return true;
    });
  });

  it("grad of a non-scalar output is a TransformError that says to reduce", () => {
    assert.throws(() => grad((x: Tensor) => square(x))(f64([1, 2])), (e: unknown) => {
      assert.ok(e instanceof TransformError);
      assert.match((e as Error).message, /scalar.*\[2\].*reduce/s);
      return true;
    });
  });

  it("a tracer leaked out of grad is a TransformError when used", () => {
    let leaked: Tensor | undefined;
    grad((x: Tensor) => {
      leaked = x;
      return sum(x);
    })(f64([1, 2]));
    assert.throws(() => mul(leaked!, 2), (e: unknown) => {
      assert.ok(e instanceof TransformError);
      assert.match((e as Error).message, /escaped/);
      return true;
    });
  });

  it("a tracer leaked out of jvp is a TransformError when used", () => {
    let leaked: Tensor | undefined;
    jvp(
      (x: Tensor) => {
        leaked = x;
        return x;
      },
      [f64([1])],
      [f64([1])],
    );
    assert.throws(() => sin(leaked!), TransformError);
  });
});

// ------------------------------------------------------------------- G6

const to32 = (x: Tensor) => cast(x, "float32");
const to64 = (x: Tensor) => cast(x, "float64");
const TOL32 = { rtol: 1e-4, atol: 1e-5 };

describe("G6: float32 agrees with a float64 reference", () => {
  it("values and gradients of random compositions, rtol 1e-4, atol 1e-5", () =>
    fc.assert(
      fc.property(caseArb(false, LARGE), ({ p, xs }) => {
        const loss = (a: Tensor, b: Tensor, c: Tensor) => mean(run(p, [a, b, c]));
        const ref = run(p, xs);
        const got = run(p, xs.map(to32));
        assert.equal(got.dtype, "float32");
        assertAllclose(to64(got), ref, { ...TOL32, message: "value" });
        const g64 = grad(loss, { argnums: [0, 1, 2] })(xs[0], xs[1], xs[2]);
        const [a, b, c] = xs.map(to32);
        const g32 = grad(loss, { argnums: [0, 1, 2] })(a, b, c);
        g32.forEach((g, i) => {
          assert.equal(g.dtype, "float32");
          assertAllclose(to64(g), g64[i], { ...TOL32, message: `gradient ${i}` });
        });
      }),
      { numRuns: RUNS },
    ));
});
