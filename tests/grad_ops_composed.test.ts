/**
 * G1 for the composed ops the models need (they are not primitives, so the
 * registry-driven table in grad_primitives.test.ts does not list them):
 * forward and reverse mode, orders 1 and 2, against central finite
 * differences in float64, on every backend. Inputs avoid kinks and ties
 * (sort, topk, norm at 0), where finite differences mislead.
 */
import { describe, fc } from "./lib/test.ts";
import { forEachBackend } from "./lib/backends.ts";
import {
  concat,
  conv1d,
  logAddExp,
  logSigmoid,
  mul,
  norm,
  sin,
  sort,
  split,
  std,
  takeAlongAxis,
  type Tensor,
  tensor,
  tile,
  topk,
  variance,
} from "../mod.ts";
import { broadcastShapesArb, checkGrads, floatTensorArb, shapeArb } from "../testing/mod.ts";

const TOL = { eps: 1e-6, rtol: [1e-6, 1e-5], atol: [1e-8, 1e-7], order: 2 } as const;
const RUNS = 30;

const small = shapeArb({ minRank: 1, maxRank: 3, maxDim: 4 });
const x64 = (o: { min?: number; max?: number } = {}) => floatTensorArb({ shapeArb: small, dtype: "float64", ...o });

/** Values at least `gap` apart (so sorting has no ties within FD's reach). */
const distinct = (t: Tensor, gap = 1e-3): boolean => {
  const v = Array.from(t.toTypedArray()).sort((a, b) => a - b);
  return v.every((x, i) => i === 0 || x - v[i - 1] > gap);
};

interface Row {
  readonly name: string;
  readonly arb: fc.Arbitrary<{ f: (...a: Tensor[]) => Tensor; args: Tensor[]; argnums?: number[] }>;
}

const rows: readonly Row[] = [
  { name: "logSigmoid", arb: x64({ min: -5, max: 5 }).map((x) => ({ f: logSigmoid, args: [x] })) },
  {
    name: "logAddExp (broadcasting)",
    arb: fc.tuple(broadcastShapesArb(2, { maxRank: 3, maxDim: 3 }), fc.nat()).chain(([{ inputs: [sa, sb] }]) =>
      fc.tuple(
        floatTensorArb({ shape: sa, dtype: "float64" }),
        floatTensorArb({ shape: sb, dtype: "float64" }),
      )
    ).map(([a, b]) => ({ f: logAddExp, args: [a, b] })),
  },
  {
    name: "variance with ddof over an axis",
    arb: fc.tuple(x64(), fc.nat(), fc.constantFrom(0, 1)).filter(([x, a]) => x.shape[a % x.ndim] > 1).map((
      [x, a, ddof],
    ) => ({ f: (t: Tensor) => variance(t, { axis: a % x.ndim, ddof }), args: [x] })),
  },
  {
    name: "std (away from zero spread)",
    arb: fc.tuple(x64(), fc.nat())
      .map(([x, a]) => ({ x, axis: a % x.ndim }))
      .filter(({ x, axis }) => Array.from(variance(x, axis).toTypedArray()).every((v) => v > 1e-2))
      .map(({ x, axis }) => ({ f: (t: Tensor) => std(t, { axis, keepDims: true }), args: [x] })),
  },
  {
    name: "norm, ord 2 / 3 (away from 0)",
    arb: fc.tuple(x64(), fc.constantFrom(2, 3)).map(([x, ord]) => ({
      f: (t: Tensor) => norm(t, { ord, axis: -1 }),
      args: [x],
    })).filter((c) => Array.from(c.args[0].toTypedArray()).every((v) => Math.abs(v) > 1e-2)),
  },
  {
    name: "takeAlongAxis",
    arb: fc.tuple(x64(), fc.nat(), fc.array(fc.nat(50), { minLength: 64, maxLength: 64 })).map(([x, a, raw]) => {
      const axis = a % x.ndim;
      const shape = x.shape.map((d, i) => (i === axis ? 3 : d));
      const n = shape.reduce((p, q) => p * q, 1);
      const idx = tensor(raw.slice(0, n).map((r) => r % x.shape[axis]), { shape, dtype: "int32" });
      return { f: (t: Tensor, i: Tensor) => takeAlongAxis(t, i, axis), args: [x, idx], argnums: [0] };
    }),
  },
  {
    name: "sort (distinct values)",
    arb: fc.tuple(x64(), fc.nat(), fc.boolean()).filter(([x]) => distinct(x)).map(([x, a, descending]) => ({
      f: (t: Tensor) => sort(t, a % x.ndim, { descending }),
      args: [x],
    })),
  },
  {
    name: "topk values (distinct values)",
    arb: x64().filter((x) => distinct(x)).map((x) => ({
      f: (t: Tensor) => topk(t, Math.min(2, t.shape[t.ndim - 1]))[0],
      args: [x],
    })),
  },
  {
    name: "split (each part weighted differently)",
    arb: fc.tuple(x64(), fc.nat()).map(([x, a]) => {
      const axis = a % x.ndim;
      return {
        f: (t: Tensor) => {
          const [head, rest] = split(t, [1], axis);
          return concat([mul(head, 2), sin(rest)], axis);
        },
        args: [x],
      };
    }),
  },
  {
    name: "tile",
    arb: fc.tuple(x64(), fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 4 })).map((
      [x, reps],
    ) => ({ f: (t: Tensor) => tile(t, reps), args: [x] })),
  },
  {
    name: "conv1d (stride, dilation, padding)",
    arb: fc.tuple(
      fc.integer({ min: 1, max: 2 }),
      fc.integer({ min: 3, max: 6 }),
      fc.integer({ min: 1, max: 2 }),
      fc.integer({ min: 1, max: 2 }),
      fc.integer({ min: 1, max: 3 }),
      fc.integer({ min: 1, max: 2 }),
      fc.constantFrom("valid", "same"),
    ).chain(([n, w, c, o, k, s, padding]) =>
      fc.tuple(
        floatTensorArb({ shape: [n, w, c], dtype: "float64" }),
        floatTensorArb({ shape: [k, c, o], dtype: "float64" }),
        fc.constant({ s, padding }),
      )
    ).map(([x, w, { s, padding }]) => ({
      f: (a: Tensor, b: Tensor) => conv1d(a, b, { stride: s, padding: padding as "valid" | "same" }),
      args: [x, w],
    })),
  },
];

forEachBackend((backend, it) => {
  describe(`G1 composed ops [${backend}]: derivatives vs finite differences (f64, fwd+rev, orders 1–2)`, () => {
    for (const row of rows) {
      it(row.name, () => {
        fc.assert(
          fc.property(row.arb, fc.nat(), (c, seed) => {
            checkGrads(c.f, c.args, { ...TOL, argnums: c.argnums, seed });
          }),
          { numRuns: RUNS },
        );
      });
    }
  });
});
