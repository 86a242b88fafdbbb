/**
 * Convolution and pooling (`conv2d`, `maxPool2d`, `avgPool2d`) and the patch
 * primitives under them (`extractPatches`, `foldPatches`), against slow
 * nd-loop references written here: random small images, kernels, strides,
 * paddings ("valid", "same", explicit) and dilations, in float32 and
 * float64. Gradients through `checkGrads` (float64, both modes, order 2);
 * "same" padding against TensorFlow's rule; error messages; and no op
 * writes into its inputs.
 *
 * A float result is compared with its reference within the rounding error of
 * a sum of K products: `(K + 2)·u·Σ|terms|` (u the unit roundoff).
 */
import { assert, describe, fc, it } from "./lib/test.ts";
import {
  abs,
  avgPool2d,
  cast,
  conv2d,
  DTypeError,
  extractPatches,
  foldPatches,
  grad,
  maxPool2d,
  mul,
  type Padding,
  reshape,
  ShapeError,
  sum,
  type Tensor,
  tensor,
  ValueError,
  withDebugNans,
  zeros,
} from "../mod.ts";
import { checkGrads } from "../testing/mod.ts";
import { data, dtypeArb, type FloatD, fromPool, POOL, poolArb, ravel, sizeOf } from "./lib/reference.ts";

// ================================================================ geometry

type Pair2 = [number, number];

/** An image `[n, h, w, c]`, `o` output channels, and the windows over it. */
interface Geo {
  readonly n: number;
  readonly h: number;
  readonly w: number;
  readonly c: number;
  readonly o: number;
  readonly kernel: Pair2;
  readonly strides: Pair2;
  readonly dilation: Pair2;
  readonly padding: Padding;
}

const int = (min: number, max: number) => fc.integer({ min, max });
const pairArb = (max: number) => fc.tuple(int(1, max), int(1, max));
const widths = fc.tuple(fc.tuple(int(0, 2), int(0, 2)), fc.tuple(int(0, 2), int(0, 2)));

const geoArb: fc.Arbitrary<Geo> = fc.record({
  n: int(1, 2),
  h: int(1, 6),
  w: int(1, 6),
  c: int(1, 3),
  o: int(1, 3),
  kernel: pairArb(3),
  strides: pairArb(3),
  dilation: pairArb(2),
  padding: fc.oneof(fc.constant<Padding>("valid"), fc.constant<Padding>("same"), widths),
});

const span = (k: number, d: number) => (k - 1) * d + 1;

/** The padding of one axis, by TensorFlow's documented rule for "same". */
const refPad = (p: Padding, axis: 0 | 1, size: number, k: number, s: number, d: number): Pair2 => {
  if (p === "valid") return [0, 0];
  if (p === "same") {
    const total = Math.max((Math.ceil(size / s) - 1) * s + span(k, d) - size, 0);
    return [Math.floor(total / 2), total - Math.floor(total / 2)];
  }
  return [p[axis][0], p[axis][1]];
};

/** Per axis: padding, number of windows (0 when the window overhangs the padded image). */
interface Axis {
  readonly size: number;
  readonly k: number;
  readonly s: number;
  readonly d: number;
  readonly before: number;
  readonly windows: number;
}

const refAxes = (g: Geo, strides = g.strides, dilation = g.dilation): [Axis, Axis] =>
  ([0, 1] as const).map((a) => {
    const size = a === 0 ? g.h : g.w;
    const [k, s, d] = [g.kernel[a], strides[a], dilation[a]];
    const [before, after] = refPad(g.padding, a, size, k, s, d);
    const room = size + before + after - span(k, d);
    return { size, k, s, d, before, windows: room < 0 ? 0 : Math.floor(room / s) + 1 };
  }) as [Axis, Axis];

/** The pixel index that tap `u` of window `i` reads along an axis, or −1 in the padding. */
const tap = (ax: Axis, i: number, u: number): number => {
  const r = i * ax.s - ax.before + u * ax.d;
  return r >= 0 && r < ax.size ? r : -1;
};

const fits = (axes: readonly Axis[]) => axes.every((a) => a.windows > 0);

/** Some window holds no pixel at all. */
const someWindowEmpty = (axes: readonly Axis[]) =>
  axes.some((ax) =>
    Array.from({ length: ax.windows }, (_, i) => i).some((i) =>
      Array.from({ length: ax.k }, (_, u) => tap(ax, i, u)).every((r) => r < 0)
    )
  );

const EPS: Record<FloatD, number> = { float32: 2 ** -24, float64: 2 ** -53 };

/** Elementwise `|got − want| ≤ (K + 2)·u·scale + tiny`. */
const assertWithin = (got: Tensor, want: number[], scale: number[], k: number, what: string) => {
  const g = data(got);
  assert.equal(g.length, want.length, `${what}: size`);
  const u = EPS[got.dtype as FloatD];
  for (let i = 0; i < g.length; i++) {
    const tol = (k + 2) * u * scale[i] + 1e-300;
    assert.ok(Math.abs(g[i] - want[i]) <= tol, `${what}: element ${i} is ${g[i]}, expected ${want[i]} (tol ${tol})`);
  }
};

// ================================================================ references

const refConv = (x: number[], w: number[], g: Geo, [ah, aw]: Axis[]) => {
  const out: number[] = [];
  const scale: number[] = [];
  for (let n = 0; n < g.n; n++) {
    for (let i = 0; i < ah.windows; i++) {
      for (let j = 0; j < aw.windows; j++) {
        for (let o = 0; o < g.o; o++) {
          let acc = 0;
          let abs = 0;
          for (let u = 0; u < ah.k; u++) {
            for (let v = 0; v < aw.k; v++) {
              const r = tap(ah, i, u);
              const q = tap(aw, j, v);
              if (r < 0 || q < 0) continue;
              for (let c = 0; c < g.c; c++) {
                const t = x[ravel([n, r, q, c], [g.n, g.h, g.w, g.c])] * w[ravel([u, v, c, o], [ah.k, aw.k, g.c, g.o])];
                acc += t;
                abs += Math.abs(t);
              }
            }
          }
          out.push(acc);
          scale.push(abs);
        }
      }
    }
  }
  return { out, scale };
};

/** Per window and channel, the pixels it holds (padding left out). */
const windowValues = (x: number[], g: Geo, [ah, aw]: Axis[], n: number, i: number, j: number, c: number) => {
  const vals: number[] = [];
  for (let u = 0; u < ah.k; u++) {
    for (let v = 0; v < aw.k; v++) {
      const r = tap(ah, i, u);
      const q = tap(aw, j, v);
      if (r >= 0 && q >= 0) vals.push(x[ravel([n, r, q, c], [g.n, g.h, g.w, g.c])]);
    }
  }
  return vals;
};

const refPool = (x: number[], g: Geo, axes: Axis[], f: (vals: number[]) => number): number[] => {
  const out: number[] = [];
  for (let n = 0; n < g.n; n++) {
    for (let i = 0; i < axes[0].windows; i++) {
      for (let j = 0; j < axes[1].windows; j++) {
        for (let c = 0; c < g.c; c++) out.push(f(windowValues(x, g, axes, n, i, j, c)));
      }
    }
  }
  return out;
};

/** im2col by its definition: out[n, i, j, u, v, c] = x[n, tap(i, u), tap(j, v), c], or `padValue`. */
const refPatches = (x: number[], g: Geo, [ah, aw]: Axis[], padValue: number): number[] => {
  const out: number[] = [];
  for (let n = 0; n < g.n; n++) {
    for (let i = 0; i < ah.windows; i++) {
      for (let j = 0; j < aw.windows; j++) {
        for (let u = 0; u < ah.k; u++) {
          for (let v = 0; v < aw.k; v++) {
            for (let c = 0; c < g.c; c++) {
              const r = tap(ah, i, u);
              const q = tap(aw, j, v);
              out.push(r < 0 || q < 0 ? padValue : x[ravel([n, r, q, c], [g.n, g.h, g.w, g.c])]);
            }
          }
        }
      }
    }
  }
  return out;
};

const imageOf = (g: Geo): number[] => [g.n, g.h, g.w, g.c];
const kernelOf = (g: Geo): number[] => [g.kernel[0], g.kernel[1], g.c, g.o];
const patchShapeOf = (g: Geo, [ah, aw]: Axis[]) => [g.n, ah.windows, aw.windows, ah.k, aw.k, g.c];
const convOpts = (g: Geo) => ({ strides: g.strides, padding: g.padding, dilation: g.dilation });
const patchOpts = (g: Geo) => ({ kernel: g.kernel, ...convOpts(g) });

// ================================================================ patches

describe("extractPatches and foldPatches", () => {
  it("extractPatches reads pixel (i·sh − top + u·dh, j·sw − left + v·dw), or padValue (both dtypes)", () =>
    fc.assert(
      fc.property(geoArb, dtypeArb, int(-3, 3), poolArb, (g, dtype, padValue, pool) => {
        const axes = refAxes(g);
        const x = fromPool(pool, imageOf(g), dtype);
        fc.pre(fits(axes)); // windows that overhang are the next test's cases
        const p = extractPatches(x, { ...patchOpts(g), padValue });
        assert.deepEqual(p.shape, patchShapeOf(g, axes));
        assert.equal(p.dtype, dtype);
        assert.deepEqual(data(p), refPatches(data(x), g, axes, padValue));
      }),
      { numRuns: 150 },
    ));

  it("extractPatches rejects windows that overhang the padded image with a ShapeError", () =>
    fc.assert(
      fc.property(geoArb, dtypeArb, poolArb, (g, dtype, pool) => {
        fc.pre(!fits(refAxes(g)));
        const x = fromPool(pool, imageOf(g), dtype);
        assert.throws(() => extractPatches(x, patchOpts(g)), ShapeError);
      }),
      { numRuns: 30, maxSkipsPerRun: 1000 },
    ));

  it("foldPatches is the transpose of extractPatches: ⟨extract(x), p⟩ = ⟨x, fold(p)⟩", () =>
    fc.assert(
      fc.property(geoArb, poolArb, (g, pool) => {
        const axes = refAxes(g);
        fc.pre(fits(axes));
        const x = fromPool(pool, imageOf(g), "float64");
        const p = fromPool(pool, patchShapeOf(g, axes), "float64", (v) => v, 7);
        const folded = foldPatches(p, { ...patchOpts(g), shape: imageOf(g) });
        assert.deepEqual(folded.shape, imageOf(g));
        const lhs = sum(mul(extractPatches(x, patchOpts(g)), p)).item();
        const rhs = sum(mul(x, folded)).item();
        const scale = sum(abs(mul(extractPatches(x, patchOpts(g)), p))).item();
        assert.ok(Math.abs(lhs - rhs) <= 1e-13 * scale + 1e-300, `${lhs} vs ${rhs}`);
      }),
      { numRuns: 150 },
    ));

  it("foldPatches in float32 sums overlapping windows in doubles and rounds once", () =>
    fc.assert(
      fc.property(geoArb, poolArb, (g, pool) => {
        const axes = refAxes(g);
        fc.pre(fits(axes));
        const p = fromPool(pool, patchShapeOf(g, axes), "float32");
        const opts = { ...patchOpts(g), shape: imageOf(g) };
        const want = data(foldPatches(cast(p, "float64"), opts)).map(Math.fround);
        assert.deepEqual(data(foldPatches(p, opts)), want);
      }),
      { numRuns: 100 },
    ));

  it("int32 patches: exact, with an integer pad value", () => {
    const x = tensor([1, 2, 3, 4], { shape: [1, 2, 2, 1], dtype: "int32" });
    const p = extractPatches(x, { kernel: 2, padding: [[1, 0], [0, 1]], padValue: -7 });
    assert.equal(p.dtype, "int32");
    assert.deepEqual(data(reshape(p, [4, 4])), [-7, -7, 1, 2, -7, -7, 2, -7, 1, 2, 3, 4, 2, -7, 4, -7]);
    const f = foldPatches(p, { kernel: 2, padding: [[1, 0], [0, 1]], shape: [1, 2, 2, 1] });
    assert.deepEqual(data(f), [1 * 2, 2 * 4, 3 * 1, 4 * 2]); // each pixel times the windows that read it
  });
});

// ================================================================ conv2d

describe("conv2d", () => {
  it("matches the nd-loop reference over random shapes, strides, paddings and dilations (both dtypes)", () =>
    fc.assert(
      fc.property(geoArb, dtypeArb, poolArb, (g, dtype, pool) => {
        const axes = refAxes(g);
        const x = fromPool(pool, imageOf(g), dtype);
        const w = fromPool(pool, kernelOf(g), dtype, (v) => v, 300);
        fc.pre(fits(axes)); // windows that overhang are the next test's cases
        const y = conv2d(x, w, convOpts(g));
        assert.deepEqual(y.shape, [g.n, axes[0].windows, axes[1].windows, g.o]);
        assert.equal(y.dtype, dtype);
        const { out, scale } = refConv(data(x), data(w), g, axes);
        assertWithin(y, out, scale, g.kernel[0] * g.kernel[1] * g.c, "conv2d");
      }),
      { numRuns: 200 },
    ));

  it("rejects windows larger than the padded image, naming conv2d", () =>
    fc.assert(
      fc.property(geoArb, dtypeArb, poolArb, (g, dtype, pool) => {
        fc.pre(!fits(refAxes(g)));
        const x = fromPool(pool, imageOf(g), dtype);
        const w = fromPool(pool, kernelOf(g), dtype, (v) => v, 300);
        assert.throws(() => conv2d(x, w, convOpts(g)), /conv2d: the .* window.* is larger than the padded image/);
      }),
      { numRuns: 30, maxSkipsPerRun: 1000 },
    ));

  it("gradients in x and w match finite differences (f64, fwd + rev, order 2)", () =>
    fc.assert(
      fc.property(geoArb, poolArb, fc.nat(), (g, pool, seed) => {
        const axes = refAxes(g);
        fc.pre(fits(axes));
        const x = fromPool(pool, imageOf(g), "float64");
        const w = fromPool(pool, kernelOf(g), "float64", (v) => v, 300);
        checkGrads((x: Tensor, w: Tensor) => conv2d(x, w, convOpts(g)), [x, w], { order: 2, seed });
      }),
      { numRuns: 40 },
    ));

  it('"same" padding gives ⌈H/s⌉ × ⌈W/s⌉ outputs for every stride and dilation (TensorFlow\'s rule)', () =>
    fc.assert(
      fc.property(geoArb, (g) => {
        const y = conv2d(zeros(imageOf(g)), zeros(kernelOf(g)), { ...convOpts(g), padding: "same" });
        assert.deepEqual(y.shape, [g.n, Math.ceil(g.h / g.strides[0]), Math.ceil(g.w / g.strides[1]), g.o]);
      }),
      { numRuns: 200 },
    ));

  it('"same" puts the odd padding row at the bottom: H = 4, k = 3, s = 2 pads [0, 1]', () => {
    // windows over rows 0..2 and 2..3 (+1 pad row), not −1..1 and 1..3
    const x = reshape(tensor([0, 1, 2, 3]), [1, 4, 1, 1]);
    const y = conv2d(x, reshape(tensor([1, 1, 1]), [3, 1, 1, 1]), { strides: 2, padding: "same" });
    assert.deepEqual(data(y), [0 + 1 + 2, 2 + 3]);
    // stride 1, k = 4: total 3, top 1, bottom 2
    const z = conv2d(x, reshape(tensor([1, 10, 100, 1000]), [4, 1, 1, 1]), { padding: "same" });
    assert.deepEqual(data(z), [10 * 0 + 100 * 1 + 1000 * 2, 1 * 0 + 10 * 1 + 100 * 2 + 1000 * 3, 1 + 20 + 300, 2 + 30]);
  });

  it("a 3×3 ones kernel with 'same' padding sums each neighbourhood", () => {
    const x = reshape(tensor([1, 2, 3, 4, 5, 6, 7, 8, 9]), [1, 3, 3, 1]);
    const y = conv2d(x, tensor(new Float32Array(9).fill(1), { shape: [3, 3, 1, 1] }), { padding: "same" });
    assert.deepEqual(data(y), [12, 21, 16, 27, 45, 33, 24, 39, 28]);
  });
});

// ================================================================ pooling

interface PoolDraw {
  readonly g: Geo;
  readonly strides: Pair2 | undefined;
}

const poolArbOf = fc.record({ g: geoArb, strides: fc.option(pairArb(3), { nil: undefined }) });

/** The reference axes of a pool: no dilation, strides defaulting to the window. */
const poolAxes = ({ g, strides }: PoolDraw) => refAxes(g, strides ?? g.kernel, [1, 1]);
const poolOpts = ({ g, strides }: PoolDraw) => ({ window: g.kernel, strides, padding: g.padding });

/** Pixels with distinct values (gaps of 0.05) in a pool-driven order, so no window has tied maxima. */
const distinct = (pool: readonly number[], shape: number[]): Tensor => {
  const n = sizeOf(shape);
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => pool[a % POOL] - pool[b % POOL] || a - b);
  const vals = new Float64Array(n);
  order.forEach((at, rank) => (vals[at] = (rank - n / 2) * 0.05));
  return tensor(vals, { shape, dtype: "float64" });
};

/** Checks the op throws as the reference geometry says, or returns false when it must not. */
const poolRejects = (axes: Axis[], call: () => unknown, op: string): boolean => {
  if (!fits(axes)) {
    assert.throws(call, (e: unknown) => e instanceof ShapeError && e.message.startsWith(`${op}: the `));
    return true;
  }
  if (someWindowEmpty(axes)) {
    assert.throws(call, (e: unknown) => e instanceof ValueError && /wholly outside the image/.test(e.message));
    return true;
  }
  return false;
};

describe("pooling rejects bad windows", () => {
  it("windows that overhang the padded image or lie wholly in the padding are errors naming the pool", () =>
    fc.assert(
      fc.property(poolArbOf, dtypeArb, poolArb, (d, dtype, pool) => {
        const axes = poolAxes(d);
        fc.pre(!fits(axes) || someWindowEmpty(axes));
        const x = fromPool(pool, imageOf(d.g), dtype);
        assert.ok(poolRejects(axes, () => maxPool2d(x, poolOpts(d)), "maxPool2d"));
        assert.ok(poolRejects(axes, () => avgPool2d(x, poolOpts(d)), "avgPool2d"));
      }),
      { numRuns: 30, maxSkipsPerRun: 1000 },
    ));
});

describe("maxPool2d", () => {
  it("matches the reference max over each window (padding never wins; both dtypes)", () =>
    fc.assert(
      fc.property(poolArbOf, dtypeArb, poolArb, (d, dtype, pool) => {
        const axes = poolAxes(d);
        const x = fromPool(pool, imageOf(d.g), dtype);
        fc.pre(fits(axes) && !someWindowEmpty(axes)); // the rejected windows are checked below
        const y = maxPool2d(x, poolOpts(d));
        assert.deepEqual(y.shape, [d.g.n, axes[0].windows, axes[1].windows, d.g.c]);
        assert.deepEqual(data(y), refPool(data(x), d.g, axes, (v) => Math.max(...v)));
      }),
      { numRuns: 200 },
    ));

  it("gradients match finite differences at distinct values (f64, fwd + rev, order 2)", () =>
    fc.assert(
      fc.property(poolArbOf, poolArb, fc.nat(), (d, pool, seed) => {
        const axes = poolAxes(d);
        fc.pre(fits(axes) && !someWindowEmpty(axes));
        checkGrads((x: Tensor) => maxPool2d(x, poolOpts(d)), [distinct(pool, imageOf(d.g))], { order: 2, seed });
      }),
      { numRuns: 40 },
    ));

  it("tied maxima share the gradient, as max does", () => {
    const x = tensor([1, 1, 0, 1], { shape: [1, 2, 2, 1], dtype: "float64" });
    const g = grad((x: Tensor) => sum(maxPool2d(x, { window: 2 })))(x);
    assert.deepEqual(data(g), [1 / 3, 1 / 3, 0, 1 / 3]);
  });

  it("debugNans does not take the −∞ padding for a NaN: the pad value is a deliberate input", () => {
    const x = tensor([1, 2, 3, 4], { shape: [1, 2, 2, 1], dtype: "float64" });
    const g = withDebugNans(() =>
      grad((x: Tensor) => sum(maxPool2d(x, { window: 2, strides: 1, padding: "same" })))(x)
    );
    assert.deepEqual(data(g), [0, 0, 0, 4]); // 4 is the max of all four windows
  });

  it("int32 images pool exactly, padding with the smallest int32", () => {
    const x = tensor([-5, -9, -3, -4], { shape: [1, 2, 2, 1], dtype: "int32" });
    const y = maxPool2d(x, { window: 2, strides: 1, padding: "same" });
    assert.equal(y.dtype, "int32");
    assert.deepEqual(data(y), [-3, -4, -3, -4]);
  });
});

describe("avgPool2d", () => {
  it("matches the reference mean over each window, with and without countIncludePad (both dtypes)", () =>
    fc.assert(
      fc.property(poolArbOf, dtypeArb, fc.boolean(), poolArb, (d, dtype, includePad, pool) => {
        const axes = poolAxes(d);
        const x = fromPool(pool, imageOf(d.g), dtype);
        const opts = { ...poolOpts(d), countIncludePad: includePad };
        fc.pre(fits(axes) && !someWindowEmpty(axes)); // the rejected windows are checked below
        const y = avgPool2d(x, opts);
        assert.deepEqual(y.shape, [d.g.n, axes[0].windows, axes[1].windows, d.g.c]);
        const k = d.g.kernel[0] * d.g.kernel[1];
        const count = (v: number[]) => (includePad ? k : v.length);
        const want = refPool(data(x), d.g, axes, (v) => v.reduce((a, b) => a + b, 0) / count(v));
        const scale = refPool(data(x), d.g, axes, (v) => v.reduce((a, b) => a + Math.abs(b), 0) / count(v));
        assertWithin(y, want, scale, k, "avgPool2d");
      }),
      { numRuns: 200 },
    ));

  it("gradients match finite differences (f64, fwd + rev, order 2)", () =>
    fc.assert(
      fc.property(poolArbOf, fc.boolean(), poolArb, fc.nat(), (d, includePad, pool, seed) => {
        const axes = poolAxes(d);
        fc.pre(fits(axes) && !someWindowEmpty(axes));
        const x = fromPool(pool, imageOf(d.g), "float64");
        const opts = { ...poolOpts(d), countIncludePad: includePad };
        checkGrads((x: Tensor) => avgPool2d(x, opts), [x], { order: 2, seed });
      }),
      { numRuns: 40 },
    ));
});

// ================================================================ errors

describe("conv2d and pooling: errors a person can act on", () => {
  const x = zeros([1, 4, 4, 3]);
  const w = zeros([3, 3, 3, 2]);

  it("bad ranks name the shape", () => {
    assert.throws(() => conv2d(zeros([4, 4, 3]), w), {
      name: "ShapeError",
      message: /conv2d: .*rank 4, got shape \[4,4,3\]/,
    });
    assert.throws(() => conv2d(x, zeros([3, 3, 3])), { name: "ShapeError", message: /conv2d: .*HWIO.*\[3,3,3\]/ });
    assert.throws(() => maxPool2d(zeros([4, 4]), { window: 2 }), {
      name: "ShapeError",
      message: /maxPool2d: .*\[4,4\]/,
    });
    assert.throws(() => avgPool2d(zeros([1, 4, 4, 1, 1]), { window: 2 }), /avgPool2d: .*rank 4/);
    assert.throws(() => extractPatches(zeros([4, 4]), { kernel: 2 }), /extractPatches: .*rank 4/);
  });

  it("a channel mismatch names both shapes", () => {
    assert.throws(() => conv2d(x, zeros([3, 3, 2, 5])), {
      name: "ShapeError",
      message: "conv2d: channels differ: the image [1,4,4,3] has 3, the kernel [3,3,2,5] expects 2",
    });
  });

  it("a window larger than the padded image", () => {
    assert.throws(() => conv2d(x, zeros([5, 3, 3, 1])), {
      name: "ShapeError",
      message: /conv2d: the 5×3 window is larger than the padded image 4×4/,
    });
    assert.throws(() => conv2d(x, w, { dilation: 2 }), /the 3×3 window \(dilated to 5×5\) is larger/);
    assert.doesNotThrow(() => conv2d(x, zeros([5, 3, 3, 1]), { padding: [[1, 0], [0, 0]] }));
    assert.throws(() => maxPool2d(x, { window: 5 }), /maxPool2d: the 5×5 window is larger/);
  });

  it("non-positive or fractional strides and dilations, and malformed padding", () => {
    assert.throws(() => conv2d(x, w, { strides: 0 }), { name: "ValueError", message: /conv2d: strides must be/ });
    assert.throws(() => conv2d(x, w, { strides: [1, -1] }), /strides must be a positive integer.*\[1,-1\]/);
    assert.throws(() => avgPool2d(x, { window: 2, strides: 1.5 }), /avgPool2d: strides must be/);
    assert.throws(() => conv2d(x, w, { dilation: [0, 1] }), /dilation must be/);
    assert.throws(() => maxPool2d(x, { window: 0 }), /maxPool2d: window must be/);
    assert.throws(() => conv2d(x, w, { padding: [[1, -1], [0, 0]] }), {
      name: "ValueError",
      message: /padding must be/,
    });
    // deno-lint-ignore no-explicit-any
    assert.throws(() => conv2d(x, w, { padding: "full" as any }), /padding must be "valid", "same" or/);
    // deno-lint-ignore no-explicit-any
    assert.throws(() => conv2d(x, w, { padding: [1, 1] as any }), /padding must be/);
  });

  it("dtypes: float conv and avgPool, matching image and kernel", () => {
    assert.throws(() => conv2d(zeros([1, 4, 4, 3], { dtype: "int32" }), w), { name: "DTypeError" });
    assert.throws(() => conv2d(x, zeros([3, 3, 3, 2], { dtype: "float64" })), DTypeError);
    assert.throws(
      () => avgPool2d(zeros([1, 4, 4, 3], { dtype: "int32" }), { window: 2 }),
      /avgPool2d: image has dtype/,
    );
    assert.throws(() => maxPool2d(zeros([1, 4, 4, 3], { dtype: "bool" }), { window: 2 }), /maxPool2d: image has dtype/);
  });

  it("a pooling window wholly in the padding is refused", () => {
    assert.throws(() => maxPool2d(x, { window: 2, padding: [[2, 0], [0, 0]] }), {
      name: "ValueError",
      message: /maxPool2d: padding .* leaves a 2×2 window wholly outside the image \[1,4,4,3\]/,
    });
    assert.throws(() => avgPool2d(x, { window: 2, strides: 1, padding: [[0, 0], [0, 3]] }), /wholly outside/);
    // conv2d allows it: those outputs are 0
    const y = conv2d(tensor(new Float32Array(4).fill(1), { shape: [1, 2, 2, 1] }), zeros([1, 1, 1, 1]), {
      padding: [[1, 1], [0, 0]],
    });
    assert.deepEqual(y.shape, [1, 4, 2, 1]);
  });

  it("foldPatches: patches of the wrong shape name both shapes", () => {
    assert.throws(() => foldPatches(zeros([1, 3, 3, 2, 2, 1]), { kernel: 2, shape: [1, 3, 3, 1] }), {
      name: "ShapeError",
      message:
        "foldPatches: patches have shape [1,3,3,2,2,1]; the image [1,3,3,1] with these windows has [1,2,2,2,2,1]",
    });
    assert.throws(() => foldPatches(zeros([1, 3, 3, 1, 1, 1]), { kernel: 1, shape: [1, 3, 3, 2] }), /foldPatches: /);
  });
});

// ================================================================ immutability

describe("conv2d and pooling never write into their inputs", () => {
  it("forward and gradient passes leave x and w byte for byte unchanged", () =>
    fc.assert(
      fc.property(geoArb, dtypeArb, poolArb, (g, dtype, pool) => {
        const axes = refAxes(g);
        const pAxes = refAxes(g, g.kernel, [1, 1]);
        fc.pre(fits(axes) && fits(pAxes) && !someWindowEmpty(pAxes));
        const x = fromPool(pool, imageOf(g), dtype);
        const w = fromPool(pool, kernelOf(g), dtype, (v) => v, 300);
        const before = [data(x), data(w)];
        conv2d(x, w, convOpts(g));
        grad((x: Tensor, w: Tensor) => sum(conv2d(x, w, convOpts(g))), { argnums: [0, 1] })(x, w);
        const pool2 = { window: g.kernel, padding: g.padding };
        grad((x: Tensor) => sum(maxPool2d(x, pool2)))(x);
        grad((x: Tensor) => sum(avgPool2d(x, pool2)))(x);
        const p = extractPatches(x, patchOpts(g));
        const pBefore = data(p);
        foldPatches(p, { ...patchOpts(g), shape: imageOf(g) });
        assert.deepEqual([data(x), data(w)], before);
        assert.deepEqual(data(p), pBefore);
      }),
      { numRuns: 50 },
    ));
});
