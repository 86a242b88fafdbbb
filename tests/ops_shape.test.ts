/**
 * Shape ops against nd-index references: reshape, flatten, transpose, squeeze,
 * expandDims, slice, concat, stack, broadcastTo and pad; then cast, clip and
 * stopGradient.
 *
 * References compute in float64 JS numbers; a float32 result is compared
 * with the reference rounded to float32.
 */
import { assert, describe, fc, it } from "./lib/test.ts";
import {
  broadcastTo,
  cast,
  clip,
  concat,
  type DType,
  expandDims,
  flatten,
  grad,
  mul,
  pad,
  reshape,
  scalar,
  ShapeError,
  slice,
  type SliceSpec,
  squeeze,
  stack,
  stopGradient,
  sum,
  type Tensor,
  tensor,
  transpose,
  ValueError,
  zeros,
} from "../mod.ts";
import { broadcastShapesArb, shapeArb } from "../testing/mod.ts";
import {
  assertExact,
  data,
  dtypeArb,
  fromPool,
  half,
  poolArb,
  ravel,
  readBroadcast,
  sizeOf,
  unravel,
} from "./lib/reference.ts";

/** A permutation of `rank` axes from sort keys (no chain: keys are drawn for the largest rank). */
const permOf = (keys: readonly number[], rank: number): number[] =>
  Array.from({ length: rank }, (_, i) => i).sort((a, b) => keys[a] - keys[b] || a - b);

// ================================================================= shape ops

describe("shape ops", () => {
  it("reshape keeps row-major order and infers one −1 axis (property)", () => {
    fc.assert(
      fc.property(
        shapeArb({ maxDim: 4 }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 4, maxLength: 4 }),
        fc.nat(4),
        poolArb,
        (shape, keys, hole, pool) => {
          const x = fromPool(pool, shape, "float64");
          const target = permOf(keys, shape.length).map((i) => shape[i]);
          assert.deepEqual(data(reshape(x, target)), data(x));
          assert.deepEqual(reshape(x, target).shape, target);
          if (target.length > 0) {
            const withHole = target.map((d, i) => (i === hole % target.length ? -1 : d));
            assert.deepEqual(reshape(x, withHole).shape, target);
          }
          assert.deepEqual(reshape(x, [-1]).shape, [sizeOf(shape)]);
          assert.deepEqual(data(flatten(x)), data(x));
        },
      ),
    );
  });

  it("reshape errors: wrong size, two −1s, negative entries", () => {
    assert.throws(
      () => reshape(zeros([2, 3]), [4, -1]),
      (e: unknown) =>
        e instanceof ShapeError && /^reshape: cannot reshape \[2,3\] \(6 elements\) into \[4,-1\]/.test(e.message),
    );
    assert.throws(() => reshape(zeros([2, 3]), [5]), /cannot reshape \[2,3\] \(6 elements\) into \[5\]/);
    assert.throws(
      () => reshape(zeros([2, 3]), [-1, -1]),
      (e: unknown) => e instanceof ValueError && /at most one axis may be -1/.test(e.message),
    );
    assert.throws(() => reshape(zeros([2, 3]), [-2, -3]), ValueError);
  });

  it("transpose by a random permutation moves element idx to idx∘perm (property)", () => {
    fc.assert(
      fc.property(
        shapeArb({ maxDim: 4 }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 4, maxLength: 4 }),
        fc.boolean(),
        poolArb,
        (shape, keys, negAxes, pool) => {
          const x = fromPool(pool, shape, "float32");
          const perm = permOf(keys, shape.length);
          const out = transpose(x, negAxes ? perm.map((p) => p - shape.length) : perm);
          const outShape = perm.map((p) => shape[p]);
          const xs = data(x);
          const expected = Array.from({ length: sizeOf(outShape) }, (_, i) => {
            const o = unravel(i, outShape);
            const src = new Array<number>(shape.length);
            perm.forEach((p, j) => (src[p] = o[j]));
            return xs[ravel(src, shape)];
          });
          assertExact(out, { shape: outShape, data: expected }, "float32", `transpose ${perm}`);
          // the default reverses the axes
          assert.deepEqual(transpose(x).shape, [...shape].reverse());
        },
      ),
    );
    assert.throws(
      () => transpose(zeros([2, 3]), [0, 0]),
      /transpose: permutation \[0,0\] is not a permutation of 2 axes/,
    );
    assert.throws(() => transpose(zeros([2, 3]), [0]), ValueError);
  });

  it("squeeze and expandDims", () => {
    assert.deepEqual(squeeze(zeros([1, 3, 1])).shape, [3]);
    assert.deepEqual(squeeze(zeros([1, 3, 1]), 0).shape, [3, 1]);
    assert.deepEqual(squeeze(zeros([1, 3, 1]), [-1, 0]).shape, [3]);
    assert.deepEqual(squeeze(zeros([1])).shape, []);
    assert.throws(
      () => squeeze(zeros([2, 3]), 0),
      (e: unknown) => e instanceof ShapeError && /^squeeze: axis 0 of shape \[2,3\] has size 2, not 1/.test(e.message),
    );
    assert.deepEqual(expandDims(zeros([3]), 0).shape, [1, 3]);
    assert.deepEqual(expandDims(zeros([3]), -1).shape, [3, 1]);
    assert.deepEqual(expandDims(scalar(1), 0).shape, [1]);
    assert.throws(() => expandDims(zeros([3]), 2), /expandDims: axis 2 is out of range for rank 2/);
    fc.assert(
      fc.property(shapeArb({ maxDim: 4 }), fc.integer({ min: -5, max: 4 }), poolArb, (shape, a, pool) => {
        const r = shape.length + 1;
        fc.pre(a >= -r && a < r);
        const x = fromPool(pool, shape, "float64");
        const e = expandDims(x, a);
        const at = a < 0 ? a + r : a;
        assert.deepEqual(e.shape, [...shape.slice(0, at), 1, ...shape.slice(at)]);
        assert.deepEqual(data(squeeze(e, a)), data(x));
        assert.deepEqual(squeeze(e, a).shape, shape);
      }),
      { numRuns: 100 },
    );
  });

  const specArb: fc.Arbitrary<SliceSpec | number | null> = fc.oneof(
    fc.constant(null),
    fc.integer({ min: -4, max: 3 }),
    fc.record(
      {
        start: fc.integer({ min: -6, max: 6 }),
        stop: fc.integer({ min: -6, max: 6 }),
        step: fc.integer({ min: 1, max: 3 }),
      },
      { requiredKeys: [] },
    ),
  );

  it("slice with steps, negative and clamped bounds, and integer indices equals the reference (property)", () => {
    fc.assert(
      fc.property(
        shapeArb({ minRank: 1, maxDim: 4 }),
        fc.array(specArb, { maxLength: 4 }),
        poolArb,
        (shape, rawSpecs, pool) => {
          const specs = rawSpecs.slice(0, shape.length).map((s, i) =>
            typeof s === "number" ? ((s % shape[i]) + shape[i]) % shape[i] - (s < 0 ? shape[i] : 0) : s
          );
          const x = fromPool(pool, shape, "float64");
          const picks = shape.map((d, i) => {
            const s = specs[i] ?? null;
            if (typeof s === "number") return [s < 0 ? s + d : s];
            const norm = (v: number) => Math.min(Math.max(v < 0 ? v + d : v, 0), d);
            const start = norm(s?.start ?? 0);
            const stop = norm(s?.stop ?? d);
            const out: number[] = [];
            for (let j = start; j < stop; j += s?.step ?? 1) out.push(j);
            return out;
          });
          const outShape = picks.map((p) => p.length);
          const xs = data(x);
          const expected = Array.from({ length: sizeOf(outShape) }, (_, i) => {
            const o = unravel(i, outShape);
            return xs[ravel(o.map((v, d) => picks[d][v]), shape)];
          });
          assertExact(
            slice(x, specs),
            { shape: outShape, data: expected },
            "float64",
            `slice ${JSON.stringify(specs)}`,
          );
        },
      ),
      { numRuns: 400 },
    );
    assert.throws(() => slice(zeros([4]), [4]), /slice: index 4 is out of range for axis 0 of size 4/);
    assert.throws(() => slice(zeros([4]), [{ step: -1 }]), /slice: axis 0: step must be a positive integer, got -1/);
    assert.throws(() => slice(zeros([4]), [null, null]), /slice: 2 slice specs for a tensor of rank 1/);
  });

  it("concat joins along any axis, zero-size parts included (property)", () => {
    fc.assert(
      fc.property(
        shapeArb({ minRank: 1, maxRank: 3, maxDim: 3 }),
        fc.nat(2),
        fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 3 }),
        poolArb,
        dtypeArb,
        (base, a, sizes, pool, dtype) => {
          const axis = a % base.length;
          const parts = sizes.map((s, j) =>
            fromPool(pool, base.map((d, i) => (i === axis ? s : d)), dtype, (x) => x, 37 * j)
          );
          const out = concat(parts, axis - (a % 2) * base.length);
          const outShape = base.map((d, i) => (i === axis ? sizes.reduce((x, y) => x + y, 0) : d));
          const expected = Array.from({ length: sizeOf(outShape) }, (_, i) => {
            const o = unravel(i, outShape);
            let j = 0;
            let at = o[axis];
            while (at >= sizes[j]) at -= sizes[j++];
            const src = [...o];
            src[axis] = at;
            return data(parts[j])[ravel(src, parts[j].shape)];
          });
          assertExact(out, { shape: outShape, data: expected }, dtype, "concat");
        },
      ),
    );
    assert.throws(
      () => concat([zeros([2, 3]), zeros([3, 3])], 1),
      (e: unknown) =>
        e instanceof ShapeError && /^concat: shapes \[2,3\], \[3,3\] differ outside axis 1/.test(e.message),
    );
    assert.throws(() => concat([]), /concat: needs at least one tensor/);
    assert.throws(() => concat([scalar(1), scalar(2)]), /concat: cannot concatenate scalars; use stack/);
  });

  it("stack inserts a new axis at any position (property)", () => {
    fc.assert(
      fc.property(
        shapeArb({ maxRank: 3, maxDim: 3 }),
        fc.integer({ min: -4, max: 3 }),
        fc.integer({ min: 1, max: 3 }),
        poolArb,
        (shape, a, k, pool) => {
          const r = shape.length + 1;
          fc.pre(a >= -r && a < r);
          const axis = a < 0 ? a + r : a;
          const parts = Array.from({ length: k }, (_, j) => fromPool(pool, shape, "float64", (x) => x, 50 * j));
          const out = stack(parts, a);
          const outShape = [...shape.slice(0, axis), k, ...shape.slice(axis)];
          const expected = Array.from({ length: sizeOf(outShape) }, (_, i) => {
            const o = unravel(i, outShape);
            const j = o[axis];
            return data(parts[j])[ravel(o.filter((_, d) => d !== axis), shape)];
          });
          assertExact(out, { shape: outShape, data: expected }, "float64", "stack");
        },
      ),
    );
    assert.throws(() => stack([zeros([2]), zeros([3])]), /stack: shapes differ: \[2\], \[3\]/);
    assert.throws(() => stack([]), ValueError);
  });

  it("broadcastTo repeats along new and size-1 axes (property)", () => {
    fc.assert(
      fc.property(
        broadcastShapesArb(1, { maxDim: 4 }),
        shapeArb({ maxRank: 2, maxDim: 3 }),
        poolArb,
        (bs, lead, pool) => {
          const [s] = bs.inputs;
          const target = [...lead, ...bs.result];
          const x = fromPool(pool, s, "float32");
          const xs = data(x);
          const expected = Array.from({ length: sizeOf(target) }, (_, i) => readBroadcast(xs, s, unravel(i, target)));
          assertExact(broadcastTo(x, target), { shape: target, data: expected }, "float32", "broadcastTo");
        },
      ),
    );
    assert.throws(
      () => broadcastTo(tensor([1, 2]), [3]),
      (e: unknown) => e instanceof ShapeError && /^broadcastTo: cannot broadcast \[2\] to \[3\]/.test(e.message),
    );
    assert.throws(() => broadcastTo(zeros([2, 1]), [2]), /cannot broadcast \[2,1\] to \[2\]/);
  });

  it("pad adds before/after elements of a value (property)", () => {
    fc.assert(
      fc.property(
        shapeArb({ maxRank: 3, maxDim: 3 }),
        fc.array(fc.tuple(fc.nat(2), fc.nat(2)), { minLength: 3, maxLength: 3 }),
        fc.integer({ min: -3, max: 3 }),
        poolArb,
        dtypeArb,
        (shape, ws, value, pool, dtype) => {
          const widths = shape.map((_, i) => ws[i]);
          const x = fromPool(pool, shape, dtype);
          const outShape = shape.map((d, i) => d + widths[i][0] + widths[i][1]);
          const xs = data(x);
          const expected = Array.from({ length: sizeOf(outShape) }, (_, i) => {
            const o = unravel(i, outShape);
            const src = o.map((v, d) => v - widths[d][0]);
            return src.every((v, d) => v >= 0 && v < shape[d]) ? xs[ravel(src, shape)] : value;
          });
          assertExact(
            pad(x, widths, value),
            { shape: outShape, data: expected },
            dtype,
            `pad ${JSON.stringify(widths)}`,
          );
        },
      ),
    );
    assert.deepEqual(pad(tensor([1, 2]), [[1, 2]]).toArray(), [0, 1, 2, 0, 0]);
    assert.throws(() => pad(zeros([4]), [[-1, 0]]), /pad: pad widths must be non-negative integers, got \[-1, 0\]/);
    assert.throws(() => pad(zeros([4]), [[1, 0], [0, 0]]), /pad: 2 pad widths for a tensor of rank 1 \(shape \[4\]\)/);
  });
});

// ========================================================== cast, clip, misc

describe("cast and clip", () => {
  it("cast: float → int truncates toward zero, → bool is x ≠ 0, int/bool → float exact, float64 → float32 rounds", () => {
    assert.deepEqual(cast(tensor([1.7, -1.7, 0.5, -0.5, 2, -2.999]), "int32").toArray(), [1, -1, 0, 0, 2, -2]);
    assert.deepEqual(cast(tensor([0, -0, 0.1, -3]), "bool").toArray(), [0, 0, 1, 1]);
    assert.deepEqual(cast(tensor([2, 0, -5], { dtype: "int32" }), "bool").toArray(), [1, 0, 1]);
    assert.deepEqual(cast(tensor([true, false]), "float32").toArray(), [1, 0]);
    assert.deepEqual(cast(tensor([true, false]), "int32").toArray(), [1, 0]);
    assert.deepEqual(cast(tensor([16777217], { dtype: "int32" }), "float64").toArray(), [16777217]);
    assert.deepEqual(cast(tensor([0.1], { dtype: "float64" }), "float32").toArray(), [Math.fround(0.1)]);
    assert.equal(cast(tensor([1.5]), "float32").dtype, "float32");
    assert.throws(() => cast(tensor([1]), "f32" as DType), /cast: unknown dtype "f32"/);
    fc.assert(
      fc.property(poolArb, (pool) => {
        const x = tensor(Float64Array.from(pool.slice(0, 32), (v) => 1000 * v), { dtype: "float64" });
        assert.deepEqual(data(cast(x, "int32")), data(x).map((v) => Math.trunc(v) | 0));
        assert.deepEqual(data(cast(x, "float32")), data(x).map(Math.fround));
      }),
      { numRuns: 30 },
    );
  });

  it("the derivative of cast flows between floats and stops at integers", () => {
    assert.equal(grad((x: Tensor) => sum(cast(x, "float64")))(tensor([1.5])).dtype, "float32");
    assert.deepEqual(grad((x: Tensor) => sum(cast(x, "float64")))(tensor([1.5])).toArray(), [1]);
    assert.deepEqual(grad((x: Tensor) => sum(cast(cast(x, "int32"), "float32")))(tensor([1.5])).toArray(), [0]);
  });

  it("clip limits to [lo, hi] (property); at a bound its derivative is ½", () => {
    fc.assert(
      fc.property(
        shapeArb({ maxDim: 4 }),
        fc.integer({ min: -4, max: 4 }),
        fc.nat(4),
        poolArb,
        dtypeArb,
        (shape, lo4, w, pool, dtype) => {
          const lo = lo4 / 2;
          const hi = lo + w / 2;
          const x = fromPool(pool, shape, dtype, half);
          assertExact(
            clip(x, lo, hi),
            { shape, data: data(x).map((v) => Math.min(Math.max(v, lo), hi)) },
            dtype,
            "clip",
          );
        },
      ),
      { numRuns: 100 },
    );
    assert.deepEqual(grad((x: Tensor) => sum(clip(x, 0, 1)))(tensor([-1, 0, 0.5, 1, 2])).toArray(), [
      0,
      0.5,
      1,
      0.5,
      0,
    ]);
  });

  it("stopGradient is the identity on values and zero for derivatives", () => {
    const x = tensor([2, 3]);
    assert.deepEqual(stopGradient(x).toArray(), [2, 3]);
    assert.deepEqual(grad((x: Tensor) => sum(mul(x, stopGradient(x))))(x).toArray(), [2, 3]);
  });
});
