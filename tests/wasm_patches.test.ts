/**
 * The wasm conv patch kernels (`backends/wasm/patches_emit.ts`) against the
 * TS kernels they stand in for, on random geometries: batch, image size,
 * channels, window, strides, dilation and asymmetric padding (windows may
 * also stop short of the image's far edge), both float dtypes, values that
 * include NaN, ±Inf and ±0, and pad values including −Infinity (max-pool's).
 * extractPatches moves data and foldPatches adds in the TS order, so both
 * must be bit-identical (NaN payloads aside). Inputs are never written.
 * Chunking is exercised by batches larger than one chunk. Last, the
 * dispatch: small calls and declined cases run the base kernel.
 */
import { assert, describe, fc, it } from "./lib/test.ts";
import type { PatchLayout } from "../backends/backend.ts";
import type { HostKernels } from "../backends/host.ts";
import { tsKernels } from "../backends/ts/backend.ts";
import { PATCH_CHUNK_BYTES, wasmExtractPatches, wasmFoldPatches } from "../backends/wasm/patches_emit.ts";
import { WASM_PATCHES_FROM, wasmPatchKernels } from "../backends/wasm/patch_kernels.ts";

type Float = "float32" | "float64";
type FloatArray = Float32Array | Float64Array;

const SPECIALS = [NaN, Infinity, -Infinity, 0, -0, 0.5, -1.5, 3];

/** `n` values from `seed`: mostly uniform in (−10, 10), one in `special` from {@link SPECIALS}. */
function fill(n: number, seed: number, dtype: Float, special = 8): FloatArray {
  const out = dtype === "float32" ? new Float32Array(n) : new Float64Array(n);
  let s = seed >>> 0 || 1;
  const next = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  for (let i = 0; i < n; i++) {
    out[i] = special > 0 && next() * special < 1 ? SPECIALS[Math.floor(next() * SPECIALS.length)] : 20 * next() - 10;
  }
  return out;
}

/** Bit-identical, treating every NaN as one value (payloads are not part of the contract). */
function assertSame(got: ArrayLike<number> | undefined, want: ArrayLike<number>, what: string) {
  if (got === undefined) return assert.fail(`${what}: the wasm kernel declined`);
  const have: ArrayLike<number> = got;
  assert.equal(have.length, want.length, `${what}: length`);
  for (let i = 0; i < want.length; i++) {
    const g: number = have[i], w: number = want[i];
    if (!(Object.is(g, w) || (g !== g && w !== w))) assert.fail(`${what}[${i}]: ${g} vs TS ${w}`);
  }
}

/** Runs `f`, checking that it leaves its input arrays as they were. */
function unchanged<T>(inputs: readonly ArrayLike<number>[], f: () => T): T {
  const before = inputs.map((x) => Array.from(x));
  const out = f();
  inputs.forEach((x, j) => assertSame(x, before[j], `input ${j} after the call`));
  return out;
}

/**
 * A layout as the conv ops make them: per axis, the grid is as many windows
 * as fit the padded image (`extra` more padding after may leave part of it
 * unread, as a strided conv does).
 */
const axisArb = fc.record({
  size: fc.integer({ min: 1, max: 9 }),
  taps: fc.integer({ min: 1, max: 4 }),
  stride: fc.integer({ min: 1, max: 3 }),
  dilation: fc.oneof({ weight: 3, arbitrary: fc.constant(1) }, {
    weight: 1,
    arbitrary: fc.integer({ min: 2, max: 3 }),
  }),
  before: fc.integer({ min: 0, max: 3 }),
  after: fc.integer({ min: 0, max: 3 }),
});
type Axis = { size: number; taps: number; stride: number; dilation: number; before: number; after: number };
const windows = (a: Axis) => Math.floor((a.size + a.before + a.after - (a.taps - 1) * a.dilation - 1) / a.stride) + 1;

const layoutArb = fc.record({
  n: fc.integer({ min: 1, max: 3 }),
  c: fc.oneof(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 6, max: 19 })),
  rows: axisArb,
  cols: axisArb,
}).filter(({ rows, cols }) => windows(rows) >= 1 && windows(cols) >= 1).map(({ n, c, rows, cols }): PatchLayout => ({
  image: [n, rows.size, cols.size, c],
  grid: [windows(rows), windows(cols)],
  kernel: [rows.taps, cols.taps],
  strides: [rows.stride, cols.stride],
  dilation: [rows.dilation, cols.dilation],
  padding: [[rows.before, rows.after], [cols.before, cols.after]],
}));

const sizeOf = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
const patchSize = (l: PatchLayout) => l.image[0] * sizeOf(l.grid) * sizeOf(l.kernel) * l.image[3];
const PADS = [0, -0, -Infinity, Infinity, NaN, 1.5, -3.25, 1e-40];

describe("wasm extractPatches", () => {
  it("is bit-identical to the TS im2col on random geometries, both dtypes, NaN/±0 values and pad values", () => {
    fc.assert(
      fc.property(
        layoutArb,
        fc.constantFrom<Float>("float32", "float64"),
        fc.constantFrom(...PADS),
        fc.integer(),
        (layout, dtype, padValue, seed) => {
          const x = fill(sizeOf(layout.image), seed, dtype);
          const got = unchanged([x], () => wasmExtractPatches(x, layout, padValue, dtype));
          assertSame(got, tsKernels.extractPatches(x, layout, padValue, dtype), `${dtype} ${JSON.stringify(layout)}`);
        },
      ),
      { numRuns: 500 },
    );
  });

  it("runs batches across chunk boundaries (max-pool's −Infinity padding, CNN shapes)", () => {
    for (const dtype of ["float32", "float64"] as const) {
      for (const [h, c, k, s, pad] of [[28, 1, 3, 1, 1], [14, 32, 3, 1, 1], [28, 8, 2, 2, 0], [7, 3, 5, 2, 2]]) {
        const o = Math.floor((h + 2 * pad - k) / s) + 1, n = 9;
        const layout: PatchLayout = {
          image: [n, h, h, c],
          grid: [o, o],
          kernel: [k, k],
          strides: [s, s],
          dilation: [1, 1],
          padding: [[pad, pad], [pad, pad]],
        };
        assert.ok(n * patchSize(layout) * 4 > PATCH_CHUNK_BYTES || h === 7);
        const x = fill(sizeOf(layout.image), h * c, dtype);
        const got = unchanged([x], () => wasmExtractPatches(x, layout, -Infinity, dtype));
        assertSame(got, tsKernels.extractPatches(x, layout, -Infinity, dtype), `${dtype} [${layout.image}] ${k}×${k}`);
      }
    }
  });

  it("declines other dtypes, mismatched arrays and empty results", () => {
    const layout: PatchLayout = {
      image: [1, 2, 2, 1],
      grid: [2, 2],
      kernel: [1, 1],
      strides: [1, 1],
      dilation: [1, 1],
      padding: [[0, 0], [0, 0]],
    };
    assert.equal(wasmExtractPatches(Int32Array.of(1, 2, 3, 4), layout, 0, "int32"), undefined);
    assert.equal(wasmExtractPatches(Float64Array.of(1, 2, 3, 4), layout, 0, "float32"), undefined);
    assert.equal(wasmExtractPatches(Float32Array.of(1, 2, 3), layout, 0, "float32"), undefined);
    const empty = { ...layout, image: [0, 2, 2, 1] } as PatchLayout;
    assert.equal(wasmExtractPatches(new Float32Array(0), empty, 0, "float32"), undefined);
  });
});

describe("wasm foldPatches", () => {
  it("is bit-identical to the TS col2im (same summation order) on random geometries, both dtypes", () => {
    fc.assert(
      fc.property(layoutArb, fc.constantFrom<Float>("float32", "float64"), fc.integer(), (layout, dtype, seed) => {
        const p = fill(patchSize(layout), seed, dtype);
        const got = unchanged([p], () => wasmFoldPatches(p, layout, dtype));
        assertSame(got, tsKernels.foldPatches(p, layout, dtype), `${dtype} ${JSON.stringify(layout)}`);
      }),
      { numRuns: 500 },
    );
  });

  it("keeps the TS order and double sums where they show: ±2^60, 1, 3, 2^-30, 2^25 in overlapping windows", () => {
    // With these values a pixel's sum changes if its terms are added in
    // reverse window order (checked when this test was written), and, in
    // float32, if each addition is rounded to float32 instead of once.
    const layout: PatchLayout = {
      image: [2, 5, 5, 3],
      grid: [5, 5],
      kernel: [3, 3],
      strides: [1, 1],
      dilation: [1, 1],
      padding: [[1, 1], [1, 1]],
    };
    const pick = [2 ** 60, -(2 ** 60), 1, 3, 2 ** -30, 2 ** 25];
    let s = 5;
    const values = Array.from(
      { length: patchSize(layout) },
      () => pick[((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) >>> 16) % pick.length],
    );
    for (const dtype of ["float32", "float64"] as const) {
      const p = dtype === "float32" ? Float32Array.from(values) : Float64Array.from(values);
      assertSame(wasmFoldPatches(p, layout, dtype), tsKernels.foldPatches(p, layout, dtype), dtype);
    }
  });

  it("runs batches across chunk boundaries, and -0 patches fold to +0 as in the TS kernel", () => {
    for (const dtype of ["float32", "float64"] as const) {
      const layout: PatchLayout = {
        image: [9, 14, 14, 32],
        grid: [14, 14],
        kernel: [3, 3],
        strides: [1, 1],
        dilation: [1, 1],
        padding: [[1, 1], [1, 1]],
      };
      const p = fill(patchSize(layout), 7, dtype);
      assertSame(
        unchanged([p], () => wasmFoldPatches(p, layout, dtype)),
        tsKernels.foldPatches(p, layout, dtype),
        dtype,
      );
      const z = (dtype === "float32" ? new Float32Array(patchSize(layout)) : new Float64Array(patchSize(layout))).fill(
        -0,
      );
      const folded = wasmFoldPatches(z, layout, dtype)!;
      assert.ok(folded.every((v) => Object.is(v, 0)));
    }
  });
});

describe("wasm patch kernels dispatch", () => {
  const spy = () => {
    const calls: string[] = [];
    const base = {
      ...tsKernels,
      extractPatches: (
        ...a: Parameters<HostKernels["extractPatches"]>
      ) => (calls.push("extract"), tsKernels.extractPatches(...a)),
      foldPatches: (...a: Parameters<HostKernels["foldPatches"]>) => (calls.push("fold"), tsKernels.foldPatches(...a)),
    } as HostKernels;
    return { calls, k: { ...base, ...wasmPatchKernels(base) } };
  };
  const square = (h: number, c: number): PatchLayout => ({
    image: [1, h, h, c],
    grid: [h, h],
    kernel: [3, 3],
    strides: [1, 1],
    dilation: [1, 1],
    padding: [[1, 1], [1, 1]],
  });

  it(`runs calls below ${WASM_PATCHES_FROM} patch elements, and declined dtypes, in the base kernel`, () => {
    const { calls, k } = spy();
    const small = square(3, 2); // 162 patch elements
    assert.ok(patchSize(small) < WASM_PATCHES_FROM);
    const x = fill(18, 1, "float32");
    assertSame(k.extractPatches(x, small, 0, "float32"), tsKernels.extractPatches(x, small, 0, "float32"), "small");
    const big = square(8, 4), xi = new Int32Array(256).fill(3);
    k.extractPatches(xi, big, 0, "int32");
    assert.deepEqual(calls, ["extract", "extract"]);
  });

  it("runs larger calls in wasm, with the same results", () => {
    const { calls, k } = spy();
    const big = square(8, 4);
    assert.ok(patchSize(big) >= WASM_PATCHES_FROM);
    for (const dtype of ["float32", "float64"] as const) {
      const x = fill(256, 2, dtype);
      const p = k.extractPatches(x, big, -Infinity, dtype);
      assertSame(p, tsKernels.extractPatches(x, big, -Infinity, dtype), `extract ${dtype}`);
      const q = fill(p.length, 3, dtype);
      assertSame(k.foldPatches(q, big, dtype), tsKernels.foldPatches(q, big, dtype), `fold ${dtype}`);
    }
    assert.deepEqual(calls, []);
  });
});
