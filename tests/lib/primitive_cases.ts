/**
 * Random calls of every registered primitive, one row per primitive, shared
 * by the suites that must cover all of them: G1 (derivative rules against
 * finite differences, tests/grad_primitives.test.ts) and the batching rules
 * (tests/vmap_primitives.test.ts). A row's cases bind its primitive most of
 * the time, with inputs away from kinks and poles (see G1).
 */
import { fc } from "./test.ts";

import {
  abs,
  add,
  argmax,
  argmin,
  argsort,
  broadcastTo,
  cast,
  ceil,
  concat,
  cos,
  cumsum,
  customVjp,
  div,
  equal,
  erf,
  exp,
  expm1,
  extractPatches,
  flip,
  type FloatDType,
  floor,
  foldPatches,
  gather,
  greater,
  greaterEqual,
  less,
  lessEqual,
  log,
  log1p,
  logicalAnd,
  logicalNot,
  logicalOr,
  matmul,
  max,
  maximum,
  min,
  minimum,
  mul,
  neg,
  notEqual,
  pad,
  type PatchOptions,
  pow,
  prod,
  random,
  relu,
  reshape,
  round,
  rsqrt,
  scatterAdd,
  sigmoid,
  sign,
  sin,
  slice,
  type SliceSpec,
  softplus,
  sqrt,
  square,
  stack,
  stopGradient,
  sub,
  sum,
  tan,
  tanh,
  type Tensor,
  tensor,
  transpose,
  where,
} from "../../mod.ts";

import { broadcastShapesArb, floatTensorArb, shapeArb, type ShapeOptions } from "../../testing/mod.ts";

// ------------------------------------------------------------ the cases

/** One random call of a primitive: `f(...args)`, differentiated in `argnums` (default all). */
export interface Case {
  readonly f: (...args: Tensor[]) => Tensor;
  readonly args: readonly Tensor[];
  readonly argnums?: readonly number[];
}

export interface Row {
  /** Random calls that bind the primitive (most of the time). */
  readonly cases: fc.Arbitrary<Case>;
  /** The primitive has zero derivative: tangents and cotangents must be exactly 0. */
  readonly nonDifferentiable?: true;
  /** Reverse mode only (a custom VJP rule): forward mode must be a clear error. */
  readonly reverseOnly?: true;
}

/**
 * a·exp(b) with a hand-written rule from residuals [a, exp(b)]: the rule is
 * what gets differentiated (twice at order 2), and its tree residuals and
 * two cotangents go through every transform.
 */
const scaledExp = customVjp(
  (a: Tensor, b: Tensor) => mul(a, exp(b)),
  (a: Tensor, b: Tensor) => [mul(a, exp(b)), { a, e: exp(b) }] as const,
  ({ a, e }: { a: Tensor; e: Tensor }, g: Tensor) => [mul(g, e), mul(g, mul(a, e))],
);

const MAX = 625; // the largest tensor `shapeArb()` describes (5⁴)

interface Values {
  readonly min?: number;
  readonly max?: number;
  readonly exclude?: (x: number) => boolean;
}

/** A pool of values, cut to a shape drawn elsewhere (so no `chain` is needed). */
const pool = (v: Values = {}): fc.Arbitrary<Float64Array> =>
  floatTensorArb({ shape: [MAX], ...v }).map((t) => t.toTypedArray() as Float64Array);

const take = (data: Float64Array, shape: readonly number[]): Tensor => {
  const n = shape.reduce((a, b) => a * b, 1);
  return tensor(data.slice(0, n), { shape, dtype: "float64" });
};

const kink = (x: number) => Math.abs(x) < 1e-3;

export const small: ShapeOptions = { maxRank: 3, maxDim: 4 };

const unaryRow = (f: (x: Tensor) => Tensor, v: Values = {}): Row => ({
  cases: fc.tuple(shapeArb(), pool(v)).map(([s, d]) => ({ f, args: [take(d, s)] })),
});

const binaryCases = (f: (a: Tensor, b: Tensor) => Tensor, va: Values = {}, vb: Values = {}) =>
  fc.tuple(broadcastShapesArb(2), pool(va), pool(vb)).map(({ 0: { inputs: [sa, sb] }, 1: da, 2: db }) => ({
    f,
    args: [take(da, sa), take(db, sb)],
  }));

/** Elementwise |a − b| > 1e-3 after broadcasting: away from the ties of maximum and minimum. */
const apart = (c: Case): boolean => (sub(c.args[0], c.args[1]).toTypedArray() as Float64Array).every((d) => !kink(d));

/** Axes to reduce over: a random subset of the tensor's axes. */
const axesOf = (rank: number, picks: readonly boolean[]): number[] => {
  const axes = picks.slice(0, rank).flatMap((p, i) => (p ? [i] : []));
  return axes.length === 0 ? Array.from({ length: rank }, (_, i) => i) : axes; // none picked: all
};

const reductionCases = (
  reduce: (x: Tensor, axes: number[], keep: boolean) => Tensor,
  v: Values = {},
  shapes: ShapeOptions = {},
) =>
  fc.tuple(
    shapeArb({ minRank: 1, ...shapes }),
    pool(v),
    fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
    fc.boolean(),
  ).map(
    ([s, d, picks, keep]) => {
      const axes = axesOf(s.length, picks);
      return { f: (x: Tensor) => reduce(x, axes, keep), args: [take(d, s)], axes };
    },
  );

/** The largest (or smallest) element of every reduced group leads the next one by more than 1e-3. */
const uniqueExtremum = (which: "max" | "min") => (c: Case & { axes: number[] }): boolean => {
  const x = which === "max" ? c.args[0] : neg(c.args[0]);
  const m = max(x, c.axes, true);
  const near = sum(cast(greater(x, sub(m, 1e-3)), "float64"), c.axes);
  return (near.toTypedArray() as Float64Array).every((k) => k === 1);
};

/** A random permutation of `rank` axes from sort keys. */
const permOf = (rank: number, keys: readonly number[]): number[] =>
  Array.from({ length: rank }, (_, i) => i).sort((a, b) => keys[a] - keys[b] || a - b);

const sliceSpec = (d: number, [start, len, step, single]: readonly [number, number, number, boolean]) => {
  if (single) return (start % d) - (start % 2 === 0 ? 0 : d); // a single index, sometimes negative
  const s = start % d;
  return { start: s, stop: Math.min(d, s + 1 + (len % d)), step } satisfies SliceSpec;
};

/** int32 indices in [−d, d) of a given shape. */
const indicesOf = (raw: readonly number[], shape: readonly number[], d: number): Tensor => {
  const n = shape.reduce((a, b) => a * b, 1);
  return tensor(raw.slice(0, n).map((r) => (r % (2 * d)) - d), { shape, dtype: "int32" });
};

const matmulCases = fc.tuple(
  broadcastShapesArb(2, { maxRank: 2, maxDim: 3 }),
  fc.tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 })),
  fc.tuple(fc.boolean(), fc.boolean()),
  fc.constantFrom("matrix", "matrix", "matrix", "vecA", "vecB", "both"),
  pool(),
  pool(),
).map(([{ inputs: [ba, bb] }, [m, n, k], [transA, transB], vec, da, db]) => {
  if (vec === "both") return { f: (a: Tensor, b: Tensor) => matmul(a, b), args: [take(da, [k]), take(db, [k])] };
  const sa = vec === "vecA" ? [k] : [...ba, ...(transA ? [k, m] : [m, k])];
  const sb = vec === "vecB" ? [k] : [...bb, ...(transB ? [n, k] : [k, n])];
  return { f: (a: Tensor, b: Tensor) => matmul(a, b, { transA, transB }), args: [take(da, sa), take(db, sb)] };
});

const ints = fc.array(fc.nat(1000), { minLength: 9, maxLength: 9 });

/** Like `take`, repeating the pool when the shape needs more values (patches outgrow it). */
const takeCycled = (data: Float64Array, shape: readonly number[]): Tensor => {
  const n = shape.reduce((a, b) => a * b, 1);
  return tensor(Float64Array.from({ length: n }, (_, i) => data[i % data.length]), { shape, dtype: "float64" });
};

const pair = (max: number) => fc.tuple(fc.integer({ min: 1, max }), fc.integer({ min: 1, max }));

/**
 * Random windows (kernel 1–3, strides 1–3, dilation 1–2, padding 0–2 per side)
 * over a random `[N ≤ 2, H ≤ 5, W ≤ 5, C ≤ 3]` image; a window that overhangs
 * the padded image is narrowed (undilated) to fit. `grid` is the patch grid.
 */
const patchGeometry = fc.tuple(
  fc.tuple(fc.integer({ min: 1, max: 2 }), pair(5), fc.integer({ min: 1, max: 3 })),
  pair(3),
  pair(3),
  pair(2),
  fc.array(fc.nat(2), { minLength: 4, maxLength: 4 }),
).map(([[n, [h, w], c], kernel, strides, dilation, [t, b, l, r]]) => {
  const padded = [h + t + b, w + l + r];
  const fit = [0, 1].map((a) => (kernel[a] - 1) * dilation[a] + 1 <= padded[a]);
  const k = [0, 1].map((a) => (fit[a] ? kernel[a] : Math.min(kernel[a], padded[a]))) as [number, number];
  const d = [0, 1].map((a) => (fit[a] ? dilation[a] : 1)) as [number, number];
  const grid = [0, 1].map((a) => Math.floor((padded[a] - (k[a] - 1) * d[a] - 1) / strides[a]) + 1);
  const opts: PatchOptions = { kernel: k, strides, dilation: d, padding: [[t, b], [l, r]] };
  return { image: [n, h, w, c], patches: [n, grid[0], grid[1], k[0], k[1], c], opts };
});

/** One draw from the key `k` (any sampler; foldIn's data comes from the argument `d`). */
type Draw = (k: random.Key, d: Tensor) => Tensor;
const draws: fc.Arbitrary<Draw> = fc.oneof(
  fc.tuple(shapeArb(small)).map(([s]): Draw => (k) => random.bits(k, s)),
  fc.integer({ min: 1, max: 3 }).map((n): Draw => (k) => stack(random.split(k, n).map((c) => c.data))),
  fc.integer({ min: -(2 ** 40), max: 2 ** 40 }).map((n): Draw => (k) => random.foldIn(k, n).data),
  fc.constant<Draw>((k, d) => random.foldIn(k, d).data),
  fc.tuple(shapeArb(small), fc.constantFrom("float32", "float64") as fc.Arbitrary<FloatDType>).map(
    ([s, dtype]): Draw => (k) => random.uniform(k, s, { dtype, minval: -2, maxval: 3 }),
  ),
  fc.tuple(shapeArb(small)).map(([s]): Draw => (k) => random.normal(k, s, { dtype: "float64", mean: 1, std: 2 })),
  fc.tuple(shapeArb(small), fc.double({ min: 0, max: 1, noNaN: true })).map(([s, p]): Draw => (k) =>
    random.bernoulli(k, p, s)
  ),
  fc.tuple(shapeArb(small)).map(([s]): Draw => (k) => random.randint(k, s, -5, 7)),
  fc.integer({ min: 0, max: 6 }).map((n): Draw => (k) => random.permutation(k, n)),
);
const randomCases: fc.Arbitrary<Case> = fc.oneof(
  fc.tuple(draws, fc.integer({ min: -9, max: 9 }), fc.nat(), fc.nat()).map(([draw, x, w0, w1]) => ({
    f: (x: Tensor, k: Tensor) => draw(random.Key.fromData(k), cast(x, "int32")),
    args: [tensor(x, { dtype: "float64" }), tensor([w0 | 0, w1 | 0], { dtype: "int32" })],
    argnums: [0],
  })),
  // categorical: argmax over logits plus Gumbel noise (the logits get no derivative either)
  fc.tuple(shapeArb({ minRank: 1, ...small }), pool(), fc.nat(), fc.nat()).map(([s, d, w0, w1]) => ({
    f: (x: Tensor, k: Tensor) => random.categorical(random.Key.fromData(k), x),
    args: [take(d, s), tensor([w0 | 0, w1 | 0], { dtype: "int32" })],
    argnums: [0],
  })),
);

export const table: Record<string, Row> = {
  // ---- unary
  neg: unaryRow(neg),
  abs: unaryRow(abs, { exclude: kink }),
  exp: unaryRow(exp),
  log: unaryRow(log, { min: 1e-2 }),
  log1p: unaryRow(log1p, { min: -1 + 1e-2 }),
  expm1: unaryRow(expm1),
  sqrt: unaryRow(sqrt, { min: 1e-2 }),
  rsqrt: unaryRow(rsqrt, { min: 1e-2 }),
  square: unaryRow(square),
  sin: unaryRow(sin),
  cos: unaryRow(cos),
  tan: unaryRow(tan, { min: -1.2, max: 1.2 }), // poles at ±π/2
  tanh: unaryRow(tanh),
  sigmoid: unaryRow(sigmoid),
  softplus: unaryRow(softplus),
  erf: unaryRow(erf),
  relu: unaryRow(relu, { exclude: kink }),
  sign: { ...unaryRow(sign), nonDifferentiable: true },
  floor: { ...unaryRow(floor), nonDifferentiable: true },
  ceil: { ...unaryRow(ceil), nonDifferentiable: true },
  round: { ...unaryRow(round), nonDifferentiable: true },
  logicalNot: { ...unaryRow((x) => logicalNot(greater(x, 0))), nonDifferentiable: true },
  stopGradient: { ...unaryRow(stopGradient), nonDifferentiable: true },
  // float → float casts are the identity up to rounding, which finite
  // differences cannot see through: see the exact cast tests below.
  cast: { ...unaryRow((x) => cast(x, "int32")), nonDifferentiable: true },

  // ---- binary, broadcasting
  add: { cases: binaryCases(add) },
  sub: { cases: binaryCases(sub) },
  mul: { cases: binaryCases(mul) },
  div: { cases: binaryCases(div, {}, { exclude: (x) => Math.abs(x) < 0.2 }) },
  pow: { cases: binaryCases(pow, { min: 0.1 }) },
  // Regression: these rules once built their weights in float32, so float64 inputs failed.
  maximum: { cases: binaryCases(maximum).filter(apart) },
  minimum: { cases: binaryCases(minimum).filter(apart) },
  equal: { cases: binaryCases(equal), nonDifferentiable: true },
  notEqual: { cases: binaryCases(notEqual), nonDifferentiable: true },
  less: { cases: binaryCases(less), nonDifferentiable: true },
  lessEqual: { cases: binaryCases(lessEqual), nonDifferentiable: true },
  greater: { cases: binaryCases(greater), nonDifferentiable: true },
  greaterEqual: { cases: binaryCases(greaterEqual), nonDifferentiable: true },
  logicalAnd: { cases: binaryCases((a, b) => logicalAnd(greater(a, 0), less(b, 0))), nonDifferentiable: true },
  logicalOr: { cases: binaryCases((a, b) => logicalOr(greater(a, 0), less(b, 0))), nonDifferentiable: true },
  where: {
    cases: fc.tuple(broadcastShapesArb(3), pool(), pool(), pool()).map(
      ({ 0: { inputs: [sc, sa, sb] }, 1: dc, 2: da, 3: db }) => {
        const cond = greater(take(dc, sc), 0);
        return { f: (a: Tensor, b: Tensor) => where(cond, a, b), args: [take(da, sa), take(db, sb)] };
      },
    ),
  },

  // ---- reductions over random axes
  sum: { cases: reductionCases((x, axes, keep) => sum(x, axes, keep)) },
  max: { cases: reductionCases((x, axes, keep) => max(x, axes, keep)).filter(uniqueExtremum("max")) },
  min: { cases: reductionCases((x, axes, keep) => min(x, axes, keep)).filter(uniqueExtremum("min")) },
  // Zeros are drawn often (biased integers map to 0): a regression test for a rule that
  // was right only to first order at inputs with zeros.
  // (groups of ≤ 64 elements: the product of hundreds of values in [−2, 2] is ~0, which tests nothing)
  prod: { cases: reductionCases((x, axes, keep) => prod(x, axes, keep), {}, small) },
  argmax: {
    cases: fc.tuple(shapeArb({ minRank: 1 }), pool(), fc.nat()).map(([s, d, a]) => ({
      f: (x: Tensor) => argmax(x, (a % (2 * s.length)) - s.length),
      args: [take(d, s)],
    })),
    nonDifferentiable: true,
  },
  argmin: {
    cases: fc.tuple(shapeArb(), pool()).map(([s, d]) => ({ f: (x: Tensor) => argmin(x), args: [take(d, s)] })),
    nonDifferentiable: true,
  },

  // ---- shapes
  reshape: {
    cases: fc.tuple(shapeArb(), pool(), fc.array(fc.nat(), { minLength: 4, maxLength: 4 }), fc.nat(4)).map(
      ([s, d, keys, merge]) => {
        // Shuffle the axes' extents, then merge the first `merge` of them: same size, another shape.
        const dims = permOf(s.length, keys).map((i) => s[i]);
        const k = Math.min(merge, dims.length);
        const merged = k === 0 ? dims : [dims.slice(0, k).reduce((a, b) => a * b, 1), ...dims.slice(k)];
        const target = merged.every((n, i) => n === s[i]) && merged.length === s.length ? [...merged, 1] : merged;
        return { f: (x: Tensor) => reshape(x, target), args: [take(d, s)] };
      },
    ),
  },
  transpose: {
    cases: fc.tuple(shapeArb({ minRank: 2 }), pool(), fc.array(fc.nat(), { minLength: 4, maxLength: 4 })).map(
      ([s, d, keys]) => {
        const perm = permOf(s.length, keys);
        return { f: (x: Tensor) => transpose(x, perm), args: [take(d, s)] };
      },
    ),
  },
  broadcastTo: {
    cases: fc.tuple(
      broadcastShapesArb(1),
      fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 2 }),
      pool(),
    ).map(
      ({ 0: { inputs: [s], result }, 1: lead, 2: d }) => ({
        f: (x: Tensor) => broadcastTo(x, [...lead, ...result]),
        args: [take(d, s)],
      }),
    ),
  },
  slice: {
    cases: fc.tuple(
      shapeArb({ minRank: 1 }),
      pool(),
      fc.array(fc.tuple(fc.nat(20), fc.nat(20), fc.integer({ min: 1, max: 3 }), fc.boolean()), {
        minLength: 4,
        maxLength: 4,
      }),
    ).map(([s, d, raw]) => {
      const specs = s.map((dim, i) => sliceSpec(dim, raw[i]));
      return { f: (x: Tensor) => slice(x, specs), args: [take(d, s)] };
    }),
  },
  pad: {
    cases: fc.tuple(
      shapeArb({ minRank: 1 }),
      pool(),
      fc.array(fc.tuple(fc.nat(2), fc.nat(2)), { minLength: 4, maxLength: 4 }),
      fc.integer({ min: -3, max: 3 }),
    ).map(([s, d, widths, value]) => ({
      f: (x: Tensor) => pad(x, widths.slice(0, s.length), value),
      args: [take(d, s)],
    })),
  },
  concat: {
    cases: fc.tuple(
      shapeArb({ minRank: 1, ...small }),
      fc.nat(),
      fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 2, maxLength: 3 }),
      pool(),
    ).map(([s, a, sizes, d]) => {
      const axis = a % s.length;
      const parts = sizes.map((n, i) => {
        const shape = s.map((dim, j) => (j === axis ? n : dim));
        return take(d.subarray(i * 64), shape);
      });
      return { f: (...xs: Tensor[]) => concat(xs, axis - (a % 2) * s.length), args: parts };
    }),
  },

  flip: {
    cases: fc.tuple(shapeArb({ minRank: 1 }), pool(), fc.array(fc.boolean(), { minLength: 4, maxLength: 4 })).map(
      ([s, d, picks]) => {
        const axes = axesOf(s.length, picks).filter((a) => s[a] > 1);
        // a flip of axes of size 1 binds nothing: flip every axis of size > 1 then
        const chosen = axes.length > 0 ? axes : s.flatMap((n, i) => (n > 1 ? [i] : []));
        return { f: (x: Tensor) => flip(x, chosen), args: [take(d, s)] };
      },
    ).filter((c) => c.args[0].shape.some((n) => n > 1)),
  },

  // ---- along one axis
  cumsum: {
    cases: fc.tuple(shapeArb({ minRank: 1 }), pool(), fc.nat(), fc.boolean(), fc.boolean()).map(
      ([s, d, a, reverse, exclusive]) => ({
        f: (x: Tensor) => cumsum(x, (a % (2 * s.length)) - s.length, { reverse, exclusive }),
        args: [take(d, s)],
      }),
    ),
  },
  argsort: {
    cases: fc.tuple(shapeArb({ minRank: 1 }), pool(), fc.nat(), fc.boolean()).map(([s, d, a, descending]) => ({
      f: (x: Tensor) => cast(argsort(x, a % s.length, { descending }), "float64"),
      args: [take(d, s)],
    })),
    nonDifferentiable: true,
  },

  // ---- linear algebra and indexing
  matmul: { cases: matmulCases },
  gather: {
    cases: fc.tuple(shapeArb({ minRank: 1, ...small }), fc.nat(), shapeArb({ maxRank: 2, maxDim: 3 }), ints, pool())
      .map(([s, a, is, raw, d]) => {
        const axis = a % s.length;
        const idx = indicesOf(raw, is, s[axis]);
        return { f: (x: Tensor, i: Tensor) => gather(x, i, axis), args: [take(d, s), idx], argnums: [0] };
      }),
  },
  scatterAdd: {
    cases: fc.tuple(shapeArb({ minRank: 1, ...small }), fc.nat(), shapeArb({ maxRank: 2, maxDim: 3 }), ints, pool())
      .map(([s, a, is, raw, d]) => {
        const axis = a % s.length;
        const idx = indicesOf(raw, is, s[axis]);
        const us = [...s.slice(0, axis), ...is, ...s.slice(axis + 1)];
        return { f: (u: Tensor, i: Tensor) => scatterAdd(u, i, s, axis), args: [take(d, us), idx], argnums: [0] };
      }),
  },

  // ---- user rules
  customVjp: {
    cases: fc.tuple(shapeArb(), pool({ min: -2, max: 2 }), pool({ min: -2, max: 2 })).map(([sh, da, db]) => ({
      f: scaledExp,
      args: [take(da, sh), take(db, sh)],
    })),
    reverseOnly: true,
  },

  // ---- random draws: the key words are an argument (per example under vmap); the float argument x
  // only picks foldIn data (through a cast, so the derivative must be exactly zero)
  random: { cases: randomCases, nonDifferentiable: true },

  // ---- image patches (a random pad value: the padding must carry no derivative)
  extractPatches: {
    cases: fc.tuple(patchGeometry, fc.integer({ min: -3, max: 3 }), pool()).map(([{ image, opts }, padValue, d]) => ({
      f: (x: Tensor) => extractPatches(x, { ...opts, padValue }),
      args: [takeCycled(d, image)],
    })),
  },
  foldPatches: {
    cases: fc.tuple(patchGeometry, pool()).map(([{ image, patches, opts }, d]) => ({
      f: (p: Tensor) => foldPatches(p, { ...opts, shape: image }),
      args: [takeCycled(d, patches)],
    })),
  },
};
