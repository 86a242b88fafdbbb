/**
 * The OpenBLAS backend's level-1 paths (`blas1.ts`): large `a ± b` through
 * copy + `axpy(±1)` and `x · s` through copy + `scal(s)` give the TypeScript
 * kernels' results bit for bit, including NaN, ±∞ and −0, for both float
 * dtypes; cases they do not cover (small, strided, broadcast rows, s = 0 or
 * non-finite, other ops) fall through to the TypeScript kernels.
 */
import { assert, fc, it } from "./lib/test.ts";
import { describeOpenBlas } from "./lib/backends.ts";
import { tsKernels } from "../backends/ts/backend.ts";
import { openBlasKernels } from "../backends/openblas/backend.ts";
import { BLAS1_FROM, blas1Binary } from "../backends/openblas/blas1.ts";
import type { BinaryOp, BroadcastLayout } from "../backends/backend.ts";

type Float = "float32" | "float64";

/** Values with the awkward ones mixed in: NaN, ±∞, ±0, tiny and huge magnitudes. */
function values(n: number, seed: number, dtype: Float): Float32Array | Float64Array {
  const out = dtype === "float32" ? new Float32Array(n) : new Float64Array(n);
  const special = [NaN, Infinity, -Infinity, 0, -0, 1e-40, -3e38, 3e38, 1e-310];
  let s = seed | 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = (s & 63) === 0
      ? special[(s >>> 6) % special.length]
      : ((s >>> 0) / 2 ** 32 - 0.5) * 2 ** ((s >>> 8) % 40 - 20);
  }
  return out;
}

const bitsEqual = (x: ArrayLike<number>, y: ArrayLike<number>, what: string) => {
  assert.equal(x.length, y.length, what);
  for (let i = 0; i < x.length; i++) {
    if (!(Object.is(x[i], y[i]) || (Number.isNaN(x[i]) && Number.isNaN(y[i])))) {
      assert.fail(`${what}: element ${i} is ${x[i]}, the TypeScript kernel gives ${y[i]}`);
    }
  }
};

describeOpenBlas("OpenBLAS level-1 paths for large elementwise ops", (lib) => {
  const blas = openBlasKernels(lib);
  const sizeArb = fc.integer({ min: BLAS1_FROM, max: BLAS1_FROM + 3000 });

  it("a + b and a − b (same shape, contiguous) equal the TypeScript kernel bit for bit", () => {
    fc.assert(
      fc.property(
        fc.constantFrom<Float>("float32", "float64"),
        fc.constantFrom<BinaryOp>("add", "sub"),
        sizeArb,
        fc.nat(),
        (dtype, op, n, seed) => {
          const a = values(n, seed, dtype), b = values(n, seed + 1, dtype);
          const shape = [n / (n % 2 === 0 ? 2 : 1), n % 2 === 0 ? 2 : 1];
          const layout: BroadcastLayout = { shape, strides: [[shape[1], 1], [shape[1], 1]] };
          const got = blas1Binary(lib, op, a, b, layout, dtype);
          assert.ok(got !== undefined, "the level-1 path applies");
          bitsEqual(got, tsKernels.binary(op, a, b, layout, dtype), `${op} ${dtype} n=${n}`);
        },
      ),
      { numRuns: 20 },
    );
  });

  it("x · s and s · x (s a broadcast scalar) equal the TypeScript kernel bit for bit", () => {
    fc.assert(
      fc.property(
        fc.constantFrom<Float>("float32", "float64"),
        fc.boolean(),
        fc.double({ min: -1e3, max: 1e3, noNaN: true }).filter((s) => s !== 0),
        sizeArb,
        fc.nat(),
        (dtype, scalarFirst, s, n, seed) => {
          const x = values(n, seed, dtype);
          const sv = dtype === "float32" ? Float32Array.of(s) : Float64Array.of(s);
          fc.pre(sv[0] !== 0); // a float32 underflow to 0 takes the other path (tested below)
          const layout: BroadcastLayout = { shape: [n], strides: scalarFirst ? [[0], [1]] : [[1], [0]] };
          const [a, b] = scalarFirst ? [sv, x] : [x, sv];
          const got = blas1Binary(lib, "mul", a, b, layout, dtype);
          assert.ok(got !== undefined, "the level-1 path applies");
          bitsEqual(got, tsKernels.binary("mul", a, b, layout, dtype), `mul by ${s} ${dtype} n=${n}`);
        },
      ),
      { numRuns: 20 },
    );
  });

  it("falls through where it does not apply, and the backend's answer is still the TypeScript one", () => {
    const n = BLAS1_FROM;
    const a = values(2 * n, 3, "float32"), b = values(2 * n, 4, "float32");
    const cases: [string, BinaryOp, Float32Array | Float64Array, Float32Array | Float64Array, BroadcastLayout][] = [
      ["too small", "add", a.subarray(0, 100), b.subarray(0, 100), { shape: [100], strides: [[1], [1]] }],
      ["strided a", "add", a, b, { shape: [n], strides: [[2], [1]] }],
      ["broadcast row", "add", a, b.subarray(0, 8), { shape: [n / 8, 8], strides: [[8, 1], [0, 1]] }],
      ["times 0", "mul", a, Float32Array.of(0), { shape: [n], strides: [[1], [0]] }],
      ["times NaN", "mul", a, Float32Array.of(NaN), { shape: [n], strides: [[1], [0]] }],
      ["times ∞", "mul", a, Float32Array.of(-Infinity), { shape: [n], strides: [[1], [0]] }],
      ["elementwise product", "mul", a, b, { shape: [n], strides: [[1], [1]] }],
      ["division", "div", a, b, { shape: [n], strides: [[1], [1]] }],
    ];
    for (const [what, op, x, y, layout] of cases) {
      assert.equal(blas1Binary(lib, op, x, y, layout, "float32"), undefined, what);
      bitsEqual(blas.binary(op, x, y, layout, "float32"), tsKernels.binary(op, x, y, layout, "float32"), what);
    }
    // Integer tensors never take it.
    const i32 = new Int32Array(n).fill(7);
    assert.equal(blas1Binary(lib, "add", i32, i32, { shape: [n], strides: [[1], [1]] }, "int32"), undefined);
  });

  it("never writes to its inputs", () => {
    const n = BLAS1_FROM;
    const a = values(n, 5, "float64"), b = values(n, 6, "float64");
    const [a0, b0] = [a.slice(), b.slice()];
    blas.binary("sub", a, b, { shape: [n], strides: [[1], [1]] }, "float64");
    blas.binary("mul", a, Float64Array.of(3), { shape: [n], strides: [[1], [0]] }, "float64");
    bitsEqual(a, a0, "a");
    bitsEqual(b, b0, "b");
  });
});
