/**
 * The G2 generator (TESTPLAN §7): random op compositions drawn by
 * fast-check as expression trees, shared by the suites that check them
 * (derivatives against finite differences in tests/grad_compositions.test.ts,
 * `jit` against eager evaluation in tests/jit.test.ts).
 *
 * A tree's leaves are the function's inputs (2–3 float64 tensors of mutually
 * broadcastable shapes, values in [−2, 2]) or constants (scalars, and constant
 * tensors shaped like an input). Its internal nodes (≤ 8, at most 4 on any
 * path from the root) are smooth unary ops, kinked unary ops (`abs`,
 * `relu`), broadcasting binary ops, reductions over random axes with and
 * without kept axes, normalizations along an axis (softmax), shape ops
 * (transpose, reshape, expandDims, squeeze, slice, pad, broadcastTo, concat
 * of two subtrees), matmul (of two subtrees when their shapes allow one,
 * else against a constant matrix) and `where` on a comparison.
 *
 * fast-check draws only the raw structure (an op index and a few integers per
 * node); `realize` then builds the expression against the drawn input shapes,
 * so every tree type-checks by construction: where two subtrees' shapes do
 * not broadcast, the second is averaged (`mean`, kept axes) over the axes
 * that clash, and `concat` broadcasts it to the first one's shape. Such
 * adapters are printed in the expression but not counted among the 8 nodes.
 *
 * Finite differences are only trusted where the function is smooth and well
 * scaled, so the generator is constrained rather than the tolerances loosened:
 *
 * - Scale: every node carries a bound on |value| (worst case from its
 *   children); a node whose bound exceeds 4 is multiplied by 4/bound
 *   (printed `(…)·s`). The tolerances have an absolute part (atol 1e-8 at
 *   order 1), and the rounding of a central difference is ≈ u·|f|·(terms)/ε,
 *   so |f| must stay O(1): without this guard, 8,000-tree runs failed on 5
 *   of 5 seeds, e.g. sum(softmax(…, 0)) (value n, derivative exactly 0)
 *   gave a finite difference of 1.4e-8 > atol, and a sum of 9 sines missed
 *   by 1.6e-8 against 1.2e-8. It also bounds the truncation error ε²·|f‴|,
 *   which ruins towers such as sin(x¹⁶) (|Δ| ≈ 4e3 at x = 1.9; one level
 *   deeper than these trees go). Poles are avoided by the op forms:
 *   log(1 + x²), sqrt(1 + x²), a / (1.5 + tanh b), (0.5 + σ(a))^b.
 * - Kinks and jumps (`abs`, `relu`, `maximum`, `minimum`, `max`/`min`
 *   reductions, `where`): the tree is first evaluated on the concrete inputs,
 *   each such node reporting its distance to the kink (|x|, |a − b|, the gap
 *   between the two largest reduced elements, |c − t|); cases with a distance
 *   below 1e-3 are discarded with `fc.pre` (about 15 % of cases; the
 *   perturbation ε·v, ε = 1e-6, moves an intermediate value far less).
 *   Exact ties (a `max` over a broadcast axis) are thereby excluded too.
 *   Without this check the first runs fail (sin(sin(abs(x))) at x = 0).
 *
 * Trees whose output does not depend on an input (only on constants) are
 * not drawn. The generator found one library bug (where's JVP rule did not
 * broadcast its tangent to the output's shape); its minimal reproduction is
 * the regression test at the end of
 * tests/grad_compositions.test.ts.
 */
import { fc } from "./test.ts";
import {
  abs,
  add,
  broadcastTo,
  concat,
  cos,
  div,
  exp,
  expandDims,
  expm1,
  greater,
  log,
  log1p,
  logSoftmax,
  logSumExp,
  matmul,
  max,
  maximum,
  mean,
  min,
  minimum,
  mul,
  neg,
  pad,
  pow,
  relu,
  reshape,
  rsqrt,
  sigmoid,
  sin,
  slice,
  softmax,
  sqrt,
  square,
  squeeze,
  sub,
  sum,
  tanh,
  type Tensor,
  tensor,
  transpose,
  variance,
  where,
} from "../../mod.ts";
import { broadcastShapesArb, floatTensorArb } from "../../testing/mod.ts";

// --------------------------------------------------------------- raw trees

/** The structure fast-check draws: op indices and integer parameters, no shapes. */
export type Raw =
  | { readonly k: "input"; readonly i: number }
  | { readonly k: "scalar"; readonly c: number }
  | { readonly k: "const"; readonly i: number; readonly at: number }
  | { readonly k: "unary"; readonly op: number; readonly x: Raw }
  | { readonly k: "binary"; readonly op: number; readonly a: Raw; readonly b: Raw }
  | { readonly k: "reduce"; readonly op: number; readonly axes: number; readonly keep: boolean; readonly x: Raw }
  | { readonly k: "shape"; readonly op: number; readonly ps: readonly number[]; readonly x: Raw }
  | { readonly k: "concat"; readonly axis: number; readonly a: Raw; readonly b: Raw }
  | { readonly k: "matmul"; readonly m: number; readonly a: Raw; readonly b: Raw | null }
  | { readonly k: "where"; readonly t: number; readonly c: Raw; readonly a: Raw; readonly b: Raw };

export const MAX_DEPTH = 4;
export const MAX_OPS = 8;

export const opCount = (r: Raw): number => {
  switch (r.k) {
    case "input":
    case "scalar":
    case "const":
      return 0;
    case "unary":
    case "reduce":
    case "shape":
      return 1 + opCount(r.x);
    case "binary":
    case "concat":
      return 1 + opCount(r.a) + opCount(r.b);
    case "matmul":
      return 1 + opCount(r.a) + (r.b === null ? 0 : opCount(r.b));
    case "where":
      return 1 + opCount(r.c) + opCount(r.a) + opCount(r.b);
  }
};

/** Whether a raw tree has an input leaf (a cheap pre-filter; `Expr.live` decides). */
export const usesInput = (r: Raw): boolean => {
  switch (r.k) {
    case "input":
      return true;
    case "scalar":
    case "const":
      return false;
    case "unary":
    case "reduce":
    case "shape":
      return usesInput(r.x);
    case "binary":
    case "concat":
      return usesInput(r.a) || usesInput(r.b);
    case "matmul":
      return usesInput(r.a) || (r.b !== null && usesInput(r.b));
    case "where":
      return usesInput(r.c) || usesInput(r.a) || usesInput(r.b);
  }
};

const idx = (n: number) => fc.integer({ min: 0, max: n - 1 });

// Mostly inputs among the leaves; scalars are k/4 for k in [−8, 8].
const leafArb: fc.Arbitrary<Raw> = fc.oneof(
  { weight: 6, arbitrary: idx(3).map((i): Raw => ({ k: "input", i })) },
  { weight: 1, arbitrary: fc.integer({ min: -8, max: 8 }).map((c): Raw => ({ k: "scalar", c })) },
  { weight: 1, arbitrary: fc.tuple(idx(3), fc.nat(1000)).map(([i, at]): Raw => ({ k: "const", i, at })) },
);

/** Trees with at most `depth` op nodes on any path (leaves only at depth 0). */
export const rawArb = (depth: number): fc.Arbitrary<Raw> => {
  if (depth === 0) return leafArb;
  const sub = rawArb(depth - 1);
  const nat = fc.nat(1000);
  return fc.oneof(
    { weight: depth === MAX_DEPTH ? 0 : 2, arbitrary: leafArb }, // the root is an op
    { weight: 4, arbitrary: fc.tuple(idx(UNARY.length), sub).map(([op, x]): Raw => ({ k: "unary", op, x })) },
    {
      weight: 4,
      arbitrary: fc.tuple(idx(BINARY.length), sub, sub).map(([op, a, b]): Raw => ({ k: "binary", op, a, b })),
    },
    {
      weight: 3,
      arbitrary: fc.tuple(idx(REDUCE.length), fc.nat(15), fc.boolean(), sub).map((
        [op, axes, keep, x],
      ): Raw => ({ k: "reduce", op, axes, keep, x })),
    },
    {
      weight: 3,
      arbitrary: fc.tuple(idx(SHAPE_OPS.length), fc.array(nat, { minLength: 4, maxLength: 4 }), sub).map((
        [op, ps, x],
      ): Raw => ({ k: "shape", op, ps, x })),
    },
    { weight: 1, arbitrary: fc.tuple(nat, sub, sub).map(([axis, a, b]): Raw => ({ k: "concat", axis, a, b })) },
    {
      weight: 1,
      arbitrary: fc.tuple(idx(4), sub, fc.option(sub, { freq: 2 })).map(([m, a, b]): Raw => ({
        k: "matmul",
        m: m + 1,
        a,
        b,
      })),
    },
    {
      weight: 1,
      arbitrary: fc.tuple(idx(THRESHOLDS.length), sub, sub, sub).map(([t, c, a, b]): Raw => ({
        k: "where",
        t,
        c,
        a,
        b,
      })),
    },
  );
};

// ------------------------------------------------------------ expressions

/** Receives a kinked node's distance to its kink, when the tree runs on concrete inputs. */
type Probe = (distance: number) => void;

/** A realized expression: shape, a bound on |value|, a readable form, and its evaluation. */
export interface Expr {
  readonly shape: readonly number[];
  readonly bound: number;
  readonly text: string;
  /** Whether it has a tangent: depends on an input other than through a `where` condition. */
  readonly live: boolean;
  readonly ev: (xs: readonly Tensor[], probe?: Probe) => Tensor;
}

const LIMIT = 4;
const sizeOf = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
const fmt = (s: readonly number[]) => `[${s.join(",")}]`;
const values = (t: Tensor) => Array.from(t.toTypedArray() as Float64Array);
const minAbs = (t: Tensor) => values(t).reduce((m, x) => Math.min(m, Math.abs(x)), Infinity);

/** Keeps |value| ≤ LIMIT by a constant factor (see the module comment). */
export const fit = (e: Expr): Expr => {
  if (e.bound <= LIMIT) return e;
  const s = Number((LIMIT / e.bound).toPrecision(3));
  return { ...e, bound: e.bound * s, text: `(${e.text})·${s}`, ev: (xs, p) => mul(e.ev(xs, p), s) };
};

/** NumPy broadcasting of two shapes, or null. */
const broadcast = (a: readonly number[], b: readonly number[]): number[] | null => {
  const r = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < r; i++) {
    const x = a[a.length - r + i] ?? 1;
    const y = b[b.length - r + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) return null;
    out.push(x === 1 ? y : x);
  }
  return out;
};

/**
 * `e`, averaged (kept axes) over the axes whose extent clashes with `target`,
 * so that it broadcasts against it (`strict`: so that it broadcasts to it).
 */
const conform = (e: Expr, target: readonly number[], strict = false): Expr => {
  const off = e.shape.length - target.length;
  const axes = e.shape.flatMap((d, i) => {
    const t = target[i - off];
    return t !== undefined && d !== 1 && d !== t && (strict || t !== 1) ? [i] : [];
  });
  if (axes.length === 0) return e;
  return {
    shape: e.shape.map((d, i) => (axes.includes(i) ? 1 : d)),
    bound: e.bound,
    live: e.live,
    text: `mean(${e.text}, ${fmt(axes)}, keep)`,
    ev: (xs, p) => mean(e.ev(xs, p), axes, true),
  };
};

interface UnaryOp {
  readonly show: (x: string) => string;
  readonly f: (x: Tensor) => Tensor;
  readonly bound: (b: number) => number;
  readonly kink?: true;
}

const fn = (name: string) => (x: string) => `${name}(${x})`;

export const UNARY: readonly UnaryOp[] = [
  { show: fn("sin"), f: sin, bound: () => 1 },
  { show: fn("cos"), f: cos, bound: () => 1 },
  { show: fn("tanh"), f: tanh, bound: () => 1 },
  { show: fn("sigmoid"), f: sigmoid, bound: () => 1 },
  { show: fn("neg"), f: neg, bound: (b) => b },
  { show: fn("square"), f: square, bound: (b) => b * b },
  { show: (x) => `exp(tanh(${x}))`, f: (x) => exp(tanh(x)), bound: () => Math.E },
  { show: (x) => `expm1(tanh(${x}))`, f: (x) => expm1(tanh(x)), bound: () => Math.E - 1 },
  { show: (x) => `log(1 + ${x}²)`, f: (x) => log(add(1, square(x))), bound: (b) => Math.log1p(b * b) },
  { show: (x) => `log1p(${x}²)`, f: (x) => log1p(square(x)), bound: (b) => Math.log1p(b * b) },
  { show: (x) => `sqrt(1 + ${x}²)`, f: (x) => sqrt(add(1, square(x))), bound: (b) => Math.sqrt(1 + b * b) },
  { show: (x) => `rsqrt(1 + ${x}²)`, f: (x) => rsqrt(add(1, square(x))), bound: () => 1 },
  { show: fn("abs"), f: abs, bound: (b) => b, kink: true },
  { show: fn("relu"), f: relu, bound: (b) => b, kink: true },
];

interface BinaryOp {
  readonly show: (a: string, b: string) => string;
  readonly f: (a: Tensor, b: Tensor) => Tensor;
  readonly bound: (a: number, b: number) => number;
  readonly kink?: true;
}

export const BINARY: readonly BinaryOp[] = [
  { show: (a, b) => `(${a} + ${b})`, f: add, bound: (a, b) => a + b },
  { show: (a, b) => `(${a} − ${b})`, f: sub, bound: (a, b) => a + b },
  { show: (a, b) => `(${a} · ${b})`, f: mul, bound: (a, b) => a * b },
  { show: (a, b) => `(${a} / (1.5 + tanh(${b})))`, f: (a, b) => div(a, add(1.5, tanh(b))), bound: (a) => 2 * a },
  { show: (a, b) => `(0.5 + sigmoid(${a}))^${b}`, f: (a, b) => pow(add(0.5, sigmoid(a)), b), bound: (_, b) => 2 ** b },
  { show: (a, b) => `maximum(${a}, ${b})`, f: maximum, bound: Math.max, kink: true },
  { show: (a, b) => `minimum(${a}, ${b})`, f: minimum, bound: Math.max, kink: true },
];

/** The smallest gap between the largest two elements of each group reduced over `axes` (+∞ for groups of one). */
const topGap = (x: Tensor, axes: readonly number[], sign: 1 | -1): number => {
  const kept = x.shape.map((_, i) => i).filter((i) => !axes.includes(i));
  const inner = sizeOf(axes.map((a) => x.shape[a]));
  const v = values(transpose(x, [...kept, ...axes]));
  let gap = Infinity;
  for (let at = 0; at < v.length; at += inner) {
    let first = -Infinity;
    let second = -Infinity;
    for (let j = 0; j < inner; j++) {
      const y = sign * v[at + j];
      if (y > first) [first, second] = [y, first];
      else if (y > second) second = y;
    }
    gap = Math.min(gap, first - second);
  }
  return gap;
};

interface ReduceOp {
  readonly name: string;
  /** Along one axis (softmax), else over a set of axes. */
  readonly single?: true;
  readonly f: (x: Tensor, axes: number[], keep: boolean) => Tensor;
  readonly bound: (b: number, n: number) => number;
  readonly gap?: 1 | -1;
}

export const REDUCE: readonly ReduceOp[] = [
  { name: "sum", f: (x, a, k) => sum(x, a, k), bound: (b, n) => b * n },
  { name: "mean", f: (x, a, k) => mean(x, a, k), bound: (b) => b },
  { name: "max", f: (x, a, k) => max(x, a, k), bound: (b) => b, gap: 1 },
  { name: "min", f: (x, a, k) => min(x, a, k), bound: (b) => b, gap: -1 },
  { name: "logSumExp", f: (x, a, k) => logSumExp(x, a, k), bound: (b, n) => b + Math.log(n) },
  { name: "variance", f: (x, a, k) => variance(x, a, k), bound: (b) => b * b },
  { name: "softmax", single: true, f: (x, a) => softmax(x, a[0]), bound: () => 1 },
  { name: "logSoftmax", single: true, f: (x, a) => logSoftmax(x, a[0]), bound: (b, n) => 2 * b + Math.log(n) },
];

/** The `p`-th permutation of `0..r−1` (mod r!). */
const permutation = (r: number, p: number): number[] => {
  const left = Array.from({ length: r }, (_, i) => i);
  const out: number[] = [];
  for (let n = r; n > 0; n--) {
    out.push(left.splice(p % n, 1)[0]);
    p = Math.floor(p / n);
  }
  return out;
};

type ShapeOp = (e: Expr, ps: readonly number[]) => Expr;

const same = (e: Expr, shape: readonly number[], text: string, f: (x: Tensor) => Tensor): Expr => ({
  shape,
  bound: e.bound,
  live: e.live,
  text,
  ev: (xs, p) => f(e.ev(xs, p)),
});

export const SHAPE_OPS: readonly ShapeOp[] = [
  (e, [p]) => {
    const perm = permutation(e.shape.length, p);
    return same(e, perm.map((i) => e.shape[i]), `transpose(${e.text}, ${fmt(perm)})`, (x) => transpose(x, perm));
  },
  (e, [p, q]) => {
    const s = e.shape;
    const r = s.length;
    const targets = [
      [sizeOf(s)],
      [...s].reverse(),
      [...s.slice(0, q % (r + 1)), 1, ...s.slice(q % (r + 1))],
      r >= 2 ? [...s.slice(0, r - 2), s[r - 2] * s[r - 1]] : [1, sizeOf(s)],
    ];
    const t = targets[p % targets.length];
    return same(e, t, `reshape(${e.text}, ${fmt(t)})`, (x) => reshape(x, t));
  },
  (e, [p]) => {
    const a = p % (e.shape.length + 1);
    const t = [...e.shape.slice(0, a), 1, ...e.shape.slice(a)];
    return same(e, t, `expandDims(${e.text}, ${a})`, (x) => expandDims(x, a));
  },
  (e) => {
    const t = e.shape.filter((d) => d !== 1);
    return same(e, t, `squeeze(${e.text})`, (x) => squeeze(x));
  },
  (e, ps) => {
    const specs = e.shape.map((d, i) => {
      const p = ps[i % ps.length] + i;
      const start = p % d;
      const stop = start + 1 + (Math.floor(p / d) % (d - start));
      return { start, stop, step: 1 + (Math.floor(p / 7) % 2) };
    });
    const t = specs.map((s) => Math.ceil((s.stop - s.start) / s.step));
    const text = `${e.text}[${specs.map((s) => `${s.start}:${s.stop}:${s.step}`).join(", ")}]`;
    return same(e, t, text, (x) => slice(x, specs));
  },
  (e, ps) => {
    const widths = e.shape.map((
      _,
      i,
    ): [number, number] => [ps[i % ps.length] % 2, Math.floor(ps[i % ps.length] / 2) % 2]);
    const t = e.shape.map((d, i) => d + widths[i][0] + widths[i][1]);
    return same(e, t, `pad(${e.text}, ${JSON.stringify(widths)})`, (x) => pad(x, widths));
  },
  (e, [p]) => {
    const t = e.shape.includes(1) ? e.shape.map((d) => (d === 1 ? 2 + (p % 2) : d)) : [2 + (p % 2), ...e.shape];
    return same(e, t, `broadcastTo(${e.text}, ${fmt(t)})`, (x) => broadcastTo(x, t));
  },
];

/** Where a comparison splits: off the grid of the scalar constants (k/4), so a constant never sits on it. */
const THRESHOLDS = [-0.35, 0.15, 0.65];

/** `matmul(a, b, opts)`'s shape (NumPy rules), or null when the shapes do not fit. */
const matmulShape = (a: readonly number[], b: readonly number[], tA: boolean, tB: boolean): number[] | null => {
  if (a.length === 0 || b.length === 0) return null;
  const a2 = a.length === 1 ? [1, a[0]] : tA ? [...a.slice(0, -2), a[a.length - 1], a[a.length - 2]] : [...a];
  const b2 = b.length === 1 ? [b[0], 1] : tB ? [...b.slice(0, -2), b[b.length - 1], b[b.length - 2]] : [...b];
  if (a2[a2.length - 1] !== b2[b2.length - 2]) return null;
  const batch = broadcast(a2.slice(0, -2), b2.slice(0, -2));
  if (batch === null) return null;
  const out = [...batch];
  if (a.length > 1) out.push(a2[a2.length - 2]);
  if (b.length > 1) out.push(b2[b2.length - 1]);
  return out;
};

interface Ctx {
  readonly shapes: readonly (readonly number[])[];
  /** Values in [−1, 1] for constant tensors. */
  readonly pool: Float64Array;
}

/** A constant tensor of `shape`, read from the pool from `at` on (cyclically). */
export const constant = (ctx: Ctx, shape: readonly number[], at: number): Tensor => {
  const data = Float64Array.from({ length: sizeOf(shape) }, (_, j) => ctx.pool[(at + j) % ctx.pool.length]);
  return tensor(data, { shape, dtype: "float64" });
};

/** Builds the expression of a raw tree against the input shapes (always well-shaped). */
const realize = (r: Raw, ctx: Ctx): Expr => {
  const n = ctx.shapes.length;
  switch (r.k) {
    case "input": {
      const i = r.i % n;
      return { shape: ctx.shapes[i], bound: 2, live: true, text: `x${i}`, ev: (xs) => xs[i] };
    }
    case "scalar": {
      const c = r.c / 4;
      return { shape: [], bound: Math.abs(c), live: false, text: String(c), ev: () => tensor(c, { dtype: "float64" }) };
    }
    case "const": {
      const shape = ctx.shapes[r.i % n];
      const t = constant(ctx, shape, r.at);
      return { shape, bound: 1, live: false, text: `c${fmt(shape)}@${r.at}`, ev: () => t };
    }
    case "unary": {
      const x = realize(r.x, ctx);
      const op = UNARY[r.op];
      return fit({
        shape: x.shape,
        bound: op.bound(x.bound),
        live: x.live,
        text: op.show(x.text),
        ev: (xs, probe) => {
          const v = x.ev(xs, probe);
          if (probe && op.kink) probe(minAbs(v));
          return op.f(v);
        },
      });
    }
    case "binary": {
      const a = realize(r.a, ctx);
      const b = conform(realize(r.b, ctx), a.shape);
      const op = BINARY[r.op];
      return fit({
        shape: broadcast(a.shape, b.shape)!,
        bound: op.bound(a.bound, b.bound),
        live: a.live || b.live,
        text: op.show(a.text, b.text),
        ev: (xs, probe) => {
          const [va, vb] = [a.ev(xs, probe), b.ev(xs, probe)];
          if (probe && op.kink) probe(minAbs(sub(va, vb)));
          return op.f(va, vb);
        },
      });
    }
    case "reduce": {
      const x = realize(r.x, ctx);
      const op = REDUCE[r.op];
      const rank = x.shape.length;
      let axes = x.shape.map((_, i) => i).filter((i) => (r.axes >> i) & 1);
      if (axes.length === 0) axes = x.shape.map((_, i) => i);
      if (op.single) {
        if (rank === 0) return x; // no axis to normalize along
        axes = [axes[0]];
      }
      const keep = op.single || r.keep;
      const count = sizeOf(axes.map((a) => x.shape[a]));
      const shape = keep
        ? x.shape.map((d, i) => (axes.includes(i) ? 1 : d))
        : x.shape.filter((_, i) => !axes.includes(i));
      return fit({
        shape: op.single ? x.shape : shape,
        bound: op.bound(x.bound, count),
        live: x.live,
        text: `${op.name}(${x.text}, ${op.single ? axes[0] : fmt(axes)}${keep && !op.single ? ", keep" : ""})`,
        ev: (xs, probe) => {
          const v = x.ev(xs, probe);
          if (probe && op.gap) probe(topGap(v, axes, op.gap));
          return op.f(v, axes, keep);
        },
      });
    }
    case "shape":
      return SHAPE_OPS[r.op](realize(r.x, ctx), r.ps);
    case "concat": {
      let a = realize(r.a, ctx);
      if (a.shape.length === 0) a = same(a, [1], `reshape(${a.text}, [1])`, (x) => reshape(x, [1]));
      const rank = a.shape.length;
      const axis = r.axis % rank;
      // b: average away its extra leading axes and the axes that clash with a's
      // (other than `axis`), then broadcast it to a's shape except along `axis`.
      let b = realize(r.b, ctx);
      if (b.shape.length > rank) {
        const lead = Array.from({ length: b.shape.length - rank }, (_, i) => i);
        const bb = b;
        b = {
          ...bb,
          shape: bb.shape.slice(lead.length),
          text: `mean(${bb.text}, ${fmt(lead)})`,
          ev: (xs, p) => mean(bb.ev(xs, p), lead),
        };
      }
      const off = rank - b.shape.length; // b's axis j is a's axis j + off (conform keeps the rank)
      const withB = (s: readonly number[]) => a.shape.map((d, i) => (i === axis ? s[i - off] ?? 1 : d));
      const bc = conform(b, withB(b.shape), true);
      const target = withB(bc.shape);
      const b2 = fmt(bc.shape) === fmt(target)
        ? bc
        : same(bc, target, `broadcastTo(${bc.text}, ${fmt(target)})`, (x) => broadcastTo(x, target));
      return {
        shape: a.shape.map((d, i) => (i === axis ? d + target[i] : d)),
        bound: Math.max(a.bound, b2.bound),
        live: a.live || b2.live,
        text: `concat([${a.text}, ${b2.text}], ${axis})`,
        ev: (xs, p) => concat([a.ev(xs, p), b2.ev(xs, p)], axis),
      };
    }
    case "matmul": {
      const a = realize(r.a, ctx);
      if (r.b !== null) {
        const b = realize(r.b, ctx);
        for (const [tA, tB] of [[false, true], [false, false], [true, false]]) {
          const shape = matmulShape(a.shape, b.shape, tA, tB);
          if (shape === null) continue;
          const k = a.shape.length === 1 ? a.shape[0] : a.shape[a.shape.length - (tA ? 2 : 1)];
          const t = `${tA ? "ᵀ" : ""}@${tB ? "ᵀ" : ""}`;
          return fit({
            shape,
            bound: k * a.bound * b.bound,
            live: a.live || b.live,
            text: `(${a.text} ${t} ${b.text})`,
            ev: (xs, p) => matmul(a.ev(xs, p), b.ev(xs, p), { transA: tA, transB: tB }),
          });
        }
      }
      // Against a constant matrix W of shape [k, m].
      const a1 = a.shape.length === 0 ? same(a, [1], `reshape(${a.text}, [1])`, (x) => reshape(x, [1])) : a;
      const k = a1.shape[a1.shape.length - 1];
      const w = constant(ctx, [k, r.m], 17 * r.m);
      return fit({
        shape: matmulShape(a1.shape, [k, r.m], false, false)!,
        bound: k * a1.bound,
        live: a1.live,
        text: `(${a1.text} @ W${fmt([k, r.m])})`,
        ev: (xs, p) => matmul(a1.ev(xs, p), w),
      });
    }
    case "where": {
      const a = realize(r.a, ctx);
      const b = conform(realize(r.b, ctx), a.shape);
      const ab = broadcast(a.shape, b.shape)!;
      const c = conform(realize(r.c, ctx), ab);
      const t = THRESHOLDS[r.t];
      const shape = broadcast(ab, c.shape)!;
      return {
        shape,
        bound: Math.max(a.bound, b.bound),
        live: a.live || b.live,
        text: `where(${c.text} > ${t}, ${a.text}, ${b.text})`,
        ev: (xs, probe) => {
          const vc = c.ev(xs, probe);
          if (probe) probe(minAbs(sub(vc, t)));
          return where(greater(vc, t), a.ev(xs, probe), b.ev(xs, probe));
        },
      };
    }
  }
};

// ------------------------------------------------------------------ cases

/** 0: the tensor itself; 1: its sum; 2: its mean. */
export type Final = 0 | 1 | 2;

export interface Case {
  readonly expr: Expr;
  readonly final: Final;
  readonly xs: readonly Tensor[];
  readonly seed: number;
  readonly f: (...xs: Tensor[]) => Tensor;
  /** Smallest distance of a kinked node to its kink, on these inputs. */
  readonly margin: number;
  toString(): string;
}

const SHAPES = { maxRank: 4, maxDim: 5 };
const POOL = 625; // 5⁴, the most elements an input can have
export const MARGIN = 1e-3;

const valuePool = floatTensorArb({ shape: [POOL] }).map((t) => t.toTypedArray() as Float64Array);
export const constPool = floatTensorArb({ shape: [POOL], min: -1, max: 1 }).map((t) =>
  t.toTypedArray() as Float64Array
);

export const treeArb = rawArb(MAX_DEPTH).filter((r) => opCount(r) <= MAX_OPS && usesInput(r));

export const caseArb: fc.Arbitrary<Case> = fc.tuple(
  broadcastShapesArb(3, SHAPES),
  fc.integer({ min: 2, max: 3 }),
  treeArb,
  fc.constantFrom<Final>(0, 1, 2),
  fc.tuple(valuePool, valuePool, valuePool),
  constPool,
  fc.nat(),
).map(([{ inputs }, n, raw, final, pools, pool, seed]) => {
  const shapes = inputs.slice(0, n);
  const xs = shapes.map((s, i) => tensor(pools[i].slice(0, sizeOf(s)), { shape: s, dtype: "float64" }));
  const expr = realize(raw, { shapes, pool });
  const top = final === 0 ? expr : fit({
    shape: [],
    bound: final === 1 ? expr.bound * sizeOf(expr.shape) : expr.bound,
    live: expr.live,
    text: `${final === 1 ? "sum" : "mean"}(${expr.text})`,
    ev: (a, p) => (final === 1 ? sum : mean)(expr.ev(a, p)),
  });
  let margin = Infinity;
  top.ev(xs, (d) => (margin = Math.min(margin, d)));
  const head = `f(${shapes.map((s, i) => `x${i}: ${fmt(s)}`).join(", ")}) = ${top.text}  →  ${fmt(top.shape)}`;
  const text = [head, ...xs.map((x, i) => `  x${i} = ${JSON.stringify(values(x))}`), `  checkGrads seed ${seed}`]
    .join("\n");
  return {
    expr: top,
    final,
    xs,
    seed,
    f: (...a: Tensor[]) => top.ev(a),
    margin,
    toString: () => text,
  };
}).filter((c) => c.expr.live); // a tree whose output depends on its inputs

/** Runs `body`, prefixing a failure's message with the case's expression. */
export const explain = (c: Case, body: () => void): void => {
  try {
    body();
  } catch (e) {
    if (e instanceof Error) e.message = `${c}\n${e.message}`;
    throw e;
  }
};
