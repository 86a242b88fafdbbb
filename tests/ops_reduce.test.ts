/**
 * Reductions over random axis sets (sum, max, min, prod, mean, variance,
 * logSumExp), argmax/argmin ties, empty reductions, and softmax/logSoftmax,
 * against references written here with nd-indices.
 *
 * References compute in float64 JS numbers; a float32 result is compared
 * with the reference rounded to float32.
 */
import { assert, describe, fc, it } from "./lib/test.ts";
import {
  argmax,
  argmin,
  type DType,
  logSoftmax,
  logSumExp,
  max,
  mean,
  min,
  ones,
  prod,
  ShapeError,
  softmax,
  sum,
  type Tensor,
  tensor,
  variance,
  zeros,
} from "../mod.ts";
import { assertAllclose, shapeArb } from "../testing/mod.ts";
import {
  assertExact,
  data,
  dtypeArb,
  fromPool,
  POOL,
  poolArb,
  ravel,
  type Ref,
  refTensor,
  sizeOf,
  toInt,
  unravel,
} from "./lib/reference.ts";

// ================================================================ reductions

interface ReduceCase {
  readonly name: string;
  readonly f: (x: Tensor, axis: number | number[] | undefined, keepDims: boolean, viaOptions: boolean) => Tensor;
  readonly ref: (xs: readonly number[]) => number;
  readonly exact?: boolean;
  readonly ints?: boolean;
}

const call = (
  r: (
    x: Tensor,
    axis?: number | readonly number[] | { axis?: number | readonly number[]; keepDims?: boolean },
    k?: boolean,
  ) => Tensor,
) =>
(x: Tensor, axis: number | number[] | undefined, keepDims: boolean, viaOptions: boolean) =>
  viaOptions ? r(x, { axis, keepDims }) : r(x, axis, keepDims);

const refMean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const refLse = (xs: readonly number[]) => {
  const m = Math.max(...xs);
  return m + Math.log(xs.reduce((s, x) => s + Math.exp(x - m), 0));
};

const REDUCE: readonly ReduceCase[] = [
  { name: "sum", f: call(sum), ref: (xs) => xs.reduce((a, b) => a + b, 0), ints: true },
  { name: "max", f: call(max), ref: (xs) => Math.max(...xs), exact: true, ints: true },
  { name: "min", f: call(min), ref: (xs) => Math.min(...xs), exact: true, ints: true },
  { name: "prod", f: call(prod), ref: (xs) => xs.reduce((a, b) => a * b, 1) },
  { name: "mean", f: call(mean), ref: refMean },
  {
    name: "variance",
    f: call(variance),
    ref: (xs) => {
      const m = refMean(xs);
      return xs.reduce((s, x) => s + (x - m) ** 2, 0) / xs.length;
    },
  },
  { name: "logSumExp", f: call(logSumExp), ref: refLse },
];

/** Reference reduction: groups the elements of each output position. */
const refReduce = (
  x: Tensor,
  axes: readonly number[],
  keepDims: boolean,
  f: (xs: readonly number[]) => number,
): Ref => {
  const kept = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const groups: number[][] = Array.from({ length: sizeOf(kept) }, () => []);
  const xs = data(x);
  for (let i = 0; i < xs.length; i++) {
    const idx = unravel(i, x.shape).map((v, d) => (axes.includes(d) ? 0 : v));
    groups[ravel(idx, kept)].push(xs[i]);
  }
  const shape = keepDims ? kept : x.shape.filter((_, i) => !axes.includes(i));
  return { shape, data: groups.map(f) };
};

/** An axis argument: all axes, one (maybe negative) axis, or a list, drawn from masks. */
const axisArgArb = fc.tuple(
  fc.constantFrom("all", "list", "single"),
  fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
  fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
  fc.nat(3),
);

const axisArgFor = (
  [mode, mask, negative, pick]: [string, boolean[], boolean[], number],
  rank: number,
): { arg: number | number[] | undefined; axes: number[] } => {
  const spell = (a: number) => (negative[a] ? a - rank : a);
  if (mode === "all" || rank === 0) return { arg: undefined, axes: Array.from({ length: rank }, (_, i) => i) };
  if (mode === "single") {
    const a = pick % rank;
    return { arg: spell(a), axes: [a] };
  }
  const axes = Array.from({ length: rank }, (_, i) => i).filter((i) => mask[i]);
  return { arg: axes.map(spell).reverse(), axes };
};

describe("reductions", () => {
  for (const op of REDUCE) {
    it(`${op.name} over random axis sets, with and without keepDims, equals the reference (property)`, () => {
      fc.assert(
        fc.property(
          shapeArb({ maxDim: 4 }),
          axisArgArb,
          fc.boolean(),
          fc.boolean(),
          poolArb,
          dtypeArb,
          fc.boolean(),
          (shape, axisDraw, keepDims, viaOptions, pool, dtype, asInt) => {
            const d: DType = op.ints && asInt ? "int32" : dtype;
            // prod stays in [0.5, 1.5]^n so float32 cannot overflow
            const domain = d === "int32" ? toInt : op.name === "prod" ? (x: number) => 1 + x / 6 : undefined;
            const x = fromPool(pool, shape, d, domain);
            const { arg, axes } = axisArgFor(axisDraw, shape.length);
            const out = op.f(x, arg, keepDims, viaOptions);
            const ref = refReduce(x, axes, keepDims, op.ref);
            assert.deepEqual(out.shape, ref.shape, `${op.name} axes ${JSON.stringify(arg)} keepDims ${keepDims}`);
            assert.equal(out.dtype, d);
            if (op.exact || d === "int32") {
              assertExact(out, ref, d, op.name);
              return;
            }
            // error bound of a length-n reduction: n·ε relative to the magnitudes involved
            const n = Math.max(1, sizeOf(axes.map((a) => shape[a])));
            const eps = d === "float32" ? 2 ** -23 : 2 ** -52;
            const tol = 4 * n * eps * (op.name === "variance" ? 9 : 3);
            assertAllclose(out, refTensor(ref), { rtol: tol, atol: tol, message: op.name });
          },
        ),
        { numRuns: 200 },
      );
    });
  }

  it("argmax/argmin along an axis or flattened take the first index among ties (property)", () => {
    fc.assert(
      fc.property(
        shapeArb({ minRank: 1, maxRank: 3, maxDim: 4 }),
        fc.option(fc.integer({ min: -3, max: 2 }), { nil: undefined }),
        fc.boolean(),
        poolArb,
        dtypeArb,
        (shape, axisDraw, keepDims, pool, dtype) => {
          // values in {0, 1, 2}: ties everywhere
          const x = fromPool(pool, shape, dtype, (v) => Math.floor(Math.abs(v)));
          const xs = data(x);
          for (
            const [name, f, better] of [
              ["argmax", argmax, (a: number, b: number) => a > b],
              ["argmin", argmin, (a: number, b: number) => a < b],
            ] as const
          ) {
            if (axisDraw === undefined) {
              const out = f(x);
              let best = 0;
              xs.forEach((v, i) => better(v, xs[best]) && (best = i));
              assert.deepEqual([out.shape, out.dtype, out.item()], [[], "int32", best], name);
              continue;
            }
            const axis = ((axisDraw % shape.length) + shape.length) % shape.length;
            const out = f(x, axisDraw < 0 ? axis - shape.length : axis, keepDims);
            const ref = refReduce(
              fromPool(Array.from({ length: POOL }, (_, i) => i), shape, "float64"),
              [axis],
              keepDims,
              (flatIdx) => {
                let best = 0;
                flatIdx.forEach((fi, j) => better(xs[fi], xs[flatIdx[best]]) && (best = j));
                return best;
              },
            );
            assertExact(out, ref, "int32", `${name} axis ${axisDraw}`);
          }
        },
      ),
    );
  });

  it("argmax of an empty axis is a ShapeError; bad axes are named", () => {
    assert.throws(() => argmax(zeros([0])), /argmax: cannot take argmax over an empty axis of shape \[0\]/);
    assert.throws(
      () => sum(zeros([2, 3]), 2),
      (e: unknown) =>
        e instanceof ShapeError && /^sum: axis 2 is out of range for rank 2 \(expected -2..1\)/.test(e.message),
    );
    assert.throws(() => sum(zeros([2, 3]), [1, -1]), /sum: axis 1 is repeated/);
    assert.throws(() => mean(zeros([2]), 0.5), /mean: axis 0.5 is not an integer/);
    // as JAX: integer and bool inputs are not errors (mean → float32, sum of bool → int32 count)
    assert.equal(mean(tensor([1, 2], { dtype: "int32" })).dtype, "float32");
    assert.deepEqual([sum(tensor([true, true])).dtype, sum(tensor([true, true])).item()], ["int32", 2]);
    assert.throws(() => prod(tensor([true])), /prod: input has dtype bool/);
  });

  it("empty reductions give the identities; mean of nothing is NaN", () => {
    assert.equal(sum(zeros([0])).item(), 0);
    assert.equal(prod(zeros([0])).item(), 1);
    assert.equal(max(zeros([0])).item(), -Infinity);
    assert.equal(min(zeros([0])).item(), Infinity);
    assert.equal(logSumExp(zeros([0])).item(), -Infinity);
    assert.ok(Number.isNaN(mean(zeros([0])).item()));
    assert.deepEqual(sum(zeros([2, 0]), 1).toArray(), [0, 0]);
  });

  it("variance with ddof = 1 is the unbiased estimate", () => {
    const x = tensor([1, 2, 3, 4], { dtype: "float64" });
    assert.equal(variance(x, undefined, false, 1).item(), 5 / 3);
    assert.deepEqual(variance(tensor([[1, 2], [3, 5]], { dtype: "float64" }), 1, true, 1).toArray(), [[0.5], [2]]);
  });
});

describe("softmax and logSoftmax", () => {
  it("softmax and logSoftmax along a random axis equal the reference; softmax sums to 1 (property)", () => {
    fc.assert(
      fc.property(
        shapeArb({ minRank: 1, maxDim: 4 }),
        fc.nat(3),
        fc.boolean(),
        poolArb,
        dtypeArb,
        (shape, a, neg, pool, dtype) => {
          const axis = a % shape.length;
          const x = fromPool(pool, shape, dtype, (v) => 10 * v);
          const arg = neg ? axis - shape.length : axis;
          const lse = refReduce(x, [axis], true, refLse);
          const xs = data(x);
          const refLsm = xs.map((v, i) => {
            const idx = unravel(i, shape);
            idx[axis] = 0;
            return v - lse.data[ravel(idx, lse.shape)];
          });
          const tol = dtype === "float32" ? 2e-5 : 1e-12;
          assertAllclose(logSoftmax(x, arg), refTensor({ shape, data: refLsm }), { rtol: tol, atol: tol });
          const s = softmax(x, arg);
          assertAllclose(s, refTensor({ shape, data: refLsm.map(Math.exp) }), { rtol: tol, atol: tol });
          assertAllclose(sum(s, arg), ones(shape.filter((_, i) => i !== axis), { dtype: "float64" }), {
            rtol: tol,
            atol: tol,
          });
        },
      ),
      { numRuns: 100 },
    );
  });

  it("softmax defaults to the last axis", () => {
    const x = tensor([[0, Math.log(3)], [0, 0]], { dtype: "float64" });
    assertAllclose(softmax(x), [[0.25, 0.75], [0.5, 0.5]], { rtol: 1e-15, atol: 0 });
  });
});
