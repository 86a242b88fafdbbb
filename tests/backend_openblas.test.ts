/**
 * The OpenBLAS backend (TESTPLAN §6, §7 G7 and F1), on whichever runtime runs
 * the file:
 *
 * - G7: its batched gemm against the TypeScript kernel and a float64 triple
 *   loop, elementwise |Δ| ≤ 4·k·u·(|A|·|B|), over m, n, k ∈ 1..97 (mostly 1,
 *   small and odd sizes), batches of 1–4 with shared, packed and gapped batch
 *   strides, both transposes, 300 cases per dtype; the same through the public
 *   `matmul` (2-D, broadcast batches, vectors that route to gemv and dot), and
 *   gradients that agree between the backends.
 * - F1: the checked BLAS wrappers of `blas.ts`: sub-array views and element
 *   offsets (nothing outside the written region changes), 1×1 and empty
 *   products, padded leading dimensions, and every bad argument rejected with
 *   a typed error naming the routine and the argument before OpenBLAS is
 *   called (it would only print a warning and return).
 * - How the library is found and reported.
 *
 * Where OpenBLAS cannot be loaded the suites are skipped, or fail under
 * `DENDRITE_REQUIRE_OPENBLAS=1` (tests/lib/backends.ts).
 */
import process from "node:process";
import { assert, fc, it } from "./lib/test.ts";
import { describeOpenBlas, withBackend } from "./lib/backends.ts";
import {
  assertClose,
  assertNear,
  fill,
  type Float,
  gemmReference,
  operands,
  type Real,
  unitRoundoff as u,
} from "./lib/gemm.ts";
import type { GemmDims } from "../backends/backend.ts";
import { gemm as tsGemm } from "../backends/ts/gemm.ts";
import { axpy, dot, gemm, type GemmArgs, gemv, type GemvArgs, scal } from "../backends/openblas/blas.ts";
import {
  candidatePaths,
  describeFailure,
  INSTALL_HINT,
  loadOpenBlas,
  type NativeBlas,
  openblasInfo,
  openBlasKernels,
  PATH_VARIABLE,
} from "../backends/openblas/mod.ts";
import { availableBackends } from "../core/backend_registry.ts";
import {
  abs,
  cast,
  DTypeError,
  getBackend,
  grad,
  matmul,
  type MatmulOptions,
  reshape,
  setBackend,
  ShapeError,
  slice,
  sum,
  tanh,
  type Tensor,
  tensor,
  transpose,
  ValueError,
} from "../mod.ts";
import { assertAllclose } from "../testing/mod.ts";

const Ctor = (dtype: Float) => (dtype === "float32" ? Float32Array : Float64Array);
const DTYPES: readonly Float[] = ["float32", "float64"];

/** The same library, except that every native function throws: shows that a check ran before any call. */
const refusing = (lib: NativeBlas): NativeBlas =>
  new Proxy(lib, {
    get: (target, key, receiver) => {
      const v = Reflect.get(target, key, receiver);
      return typeof v === "function"
        ? () => {
          throw new Error(`native ${String(key)} was called`);
        }
        : v;
    },
  });

/** `f` throws a `type` whose message matches every pattern. */
function rejects(f: () => unknown, type: new (...a: never[]) => Error, ...patterns: RegExp[]) {
  assert.throws(f, (e: unknown) => {
    assert.ok(e instanceof type, `expected a ${type.name}, got ${e}`);
    for (const p of patterns) assert.match((e as Error).message, p);
    return true;
  });
}

/** `size` values for an array whose view starts `before` elements into its buffer and leaves `after` behind. */
function framed(dtype: Float, before: number, size: number, after: number, seed: number) {
  const parent = fill(before + size + after, seed, dtype);
  return { parent, view: parent.subarray(before, before + size) as Real };
}

/** Indices of `len` elements from `offset`, `inc` apart. */
const strided = (offset: number, len: number, inc: number) => Array.from({ length: len }, (_, i) => offset + i * inc);

/** Every element of `after` not in `written` equals (bit for bit) the one in `before`. */
function assertUntouched(before: Real, after: Real, written: ReadonlySet<number>, what: string) {
  for (let i = 0; i < before.length; i++) {
    if (!written.has(i)) assert.ok(Object.is(after[i], before[i]), `${what}: element ${i} changed`);
  }
}

// ----------------------------------------------------------------------- G7

/** Sizes 1..97: mostly 1, small sizes and odd sizes, sometimes any. */
const dim97 = fc.oneof(
  { weight: 3, arbitrary: fc.constant(1) },
  { weight: 5, arbitrary: fc.integer({ min: 2, max: 9 }) },
  { weight: 3, arbitrary: fc.integer({ min: 5, max: 48 }).map((h) => 2 * h + 1) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 97 }) },
);
/** How a batch of operands is laid out: one shared matrix, back to back, or with a gap between matrices. */
const layoutArb = fc.constantFrom("shared", "packed", "gapped");

const g7Case = fc.record({
  m: dim97,
  n: dim97,
  k: dim97,
  batch: fc.oneof(fc.constant(1), fc.integer({ min: 2, max: 4 })),
  transA: fc.boolean(),
  transB: fc.boolean(),
  layoutA: layoutArb,
  layoutB: layoutArb,
  gap: fc.integer({ min: 1, max: 5 }),
  seed: fc.integer(),
});
type G7Case = typeof g7Case extends fc.Arbitrary<infer T> ? T : never;

const g7Dims = (c: G7Case): GemmDims => {
  const stride = (
    layout: string,
    size: number,
  ) => (layout === "shared" ? 0 : layout === "packed" ? size : size + c.gap);
  return {
    batch: c.batch,
    m: c.m,
    n: c.n,
    k: c.k,
    transA: c.transA,
    transB: c.transB,
    aBatchStride: stride(c.layoutA, c.m * c.k),
    bBatchStride: stride(c.layoutB, c.k * c.n),
  };
};

/** Which native routine (or batch shortcut) a product goes through, for coverage counts. */
const route = (d: GemmDims) => {
  const kind = d.m === 1 && d.n === 1 ? "dot" : d.m === 1 ? "gemv (row)" : d.n === 1 ? "gemv (column)" : "gemm";
  const folded = d.batch > 1 && d.bBatchStride === 0 && !d.transA && d.aBatchStride === d.m * d.k;
  const copied = d.batch > 1 && d.aBatchStride === 0 && d.bBatchStride === 0;
  return [kind, ...(folded ? ["batch folded into m"] : []), ...(copied ? ["batch copied"] : [])];
};

/** A matmul case through the public API: shapes, transposes, vector operands, broadcast batch axes. */
const small = fc.oneof(fc.constant(1), fc.integer({ min: 1, max: 9 }));
const batchShape = fc.constantFrom<number[]>([], [3], [2, 1], [1, 3], [2, 3]);
const apiCase = fc.record({
  m: small,
  n: small,
  k: small,
  batchA: batchShape,
  batchB: batchShape,
  vecA: fc.boolean(),
  vecB: fc.boolean(),
  transA: fc.boolean(),
  transB: fc.boolean(),
  dtype: fc.constantFrom<Float>("float32", "float64"),
  seed: fc.integer(),
});
type ApiCase = typeof apiCase extends fc.Arbitrary<infer T> ? T : never;

/** The operands of an API case as tensors of its dtype. */
function apiOperands(c: ApiCase): { a: Tensor; b: Tensor; opts: MatmulOptions } {
  const aShape = c.vecA ? [c.k] : [...c.batchA, ...(c.transA ? [c.k, c.m] : [c.m, c.k])];
  const bShape = c.vecB ? [c.k] : [...c.batchB, ...(c.transB ? [c.n, c.k] : [c.k, c.n])];
  const size = (s: number[]) => s.reduce((x, y) => x * y, 1);
  const a = tensor(fill(size(aShape), c.seed, c.dtype), { shape: aShape, dtype: c.dtype });
  const b = tensor(fill(size(bShape), c.seed ^ 0x2545f491, c.dtype), { shape: bShape, dtype: c.dtype });
  return { a, b, opts: { transA: c.transA, transB: c.transB } };
}

/**
 * `matmul(a, b, opts)` on OpenBLAS against the TypeScript backend (|Δ| ≤
 * 2·4·k·u·(|A|·|B|)) and against the float64 product of the same inputs
 * (|Δ| ≤ 4·k·(u + 2⁻⁵³)·(|A|·|B|)).
 */
function assertMatmulAgrees(a: Tensor, b: Tensor, opts: MatmulOptions, what: string) {
  const ob = withBackend("openblas", () => matmul(a, b, opts));
  const ts = withBackend("ts", () => matmul(a, b, opts));
  const { exact, scale } = withBackend("ts", () => {
    const [a64, b64] = [cast(a, "float64"), cast(b, "float64")];
    return { exact: matmul(a64, b64, opts), scale: matmul(abs(a64), abs(b64), opts) };
  });
  assert.deepEqual(ob.shape, ts.shape, `${what}: shape`);
  assert.equal(ob.dtype, a.dtype, `${what}: dtype`);
  const k = a.ndim === 1 ? a.shape[0] : a.shape[a.ndim - (opts.transA ? 2 : 1)];
  const bound = (f: number) => Array.from(scale.toTypedArray(), (s) => f * k * s);
  const got = ob.toTypedArray();
  assertNear(got, ts.toTypedArray(), bound(8 * u(a.dtype as Float)), `${what}: openblas vs ts`);
  assertNear(got, exact.toTypedArray(), bound(4 * (u(a.dtype as Float) + 2 ** -53)), `${what}: vs float64`);
}

describeOpenBlas("G7: the OpenBLAS backend's gemm against the TypeScript kernel and a float64 triple loop", (lib) => {
  const backend = openBlasKernels(lib);

  for (const dtype of DTYPES) {
    it(`${dtype}: 300 cases, m, n, k in 1..97, batches, transposes; |Δ| ≤ 4·k·u·(|A|·|B|)`, () => {
      const seen = new Map<string, number>();
      fc.assert(
        fc.property(g7Case, (c) => {
          const d = g7Dims(c);
          const { a, b } = operands(d, dtype, c.seed);
          const a0 = a.slice(), b0 = b.slice();
          const got = backend.gemm(a, b, d, dtype);
          assert.ok(got instanceof Ctor(dtype), "result type");
          const { c: want, tol } = gemmReference(a, b, d, dtype);
          const what = JSON.stringify(d);
          assertNear(got, want, tol, `${what} vs float64`);
          assertNear(got, tsGemm(a, b, d, dtype), tol.map((t) => 2 * t), `${what} vs the TypeScript backend`);
          assert.deepEqual(a, a0, "A unchanged");
          assert.deepEqual(b, b0, "B unchanged");
          for (const r of route(d)) seen.set(r, (seen.get(r) ?? 0) + 1);
        }),
        { numRuns: 300 },
      );
      // Every routine and batch shortcut was exercised (counts include shrinking, if any).
      for (const r of ["dot", "gemv (row)", "gemv (column)", "gemm", "batch folded into m", "batch copied"]) {
        assert.ok((seen.get(r) ?? 0) >= 5, `only ${seen.get(r) ?? 0} cases went through ${r}`);
      }
    });
  }

  it("outputs of 2^16 elements and more, through gemm, both gemvs, dot and the batch shortcuts", () => {
    const base = { transA: false, transB: false, aBatchStride: 0, bBatchStride: 0 };
    const cases: GemmDims[] = [
      { ...base, batch: 4, m: 130, n: 131, k: 3, transA: true, aBatchStride: 390 },
      { ...base, batch: 3, m: 150, n: 150, k: 2, aBatchStride: 300 }, // folded into one 450×150 product
      { ...base, batch: 2, m: 1, n: 40_000, k: 3, transB: true, bBatchStride: 120_000 },
      { ...base, batch: 1, m: 70_000, n: 1, k: 2 },
      { ...base, batch: 70_000, m: 1, n: 1, k: 3, aBatchStride: 3, bBatchStride: 3 },
      { ...base, batch: 70_000, m: 1, n: 1, k: 3 }, // one dot, copied to every batch
    ];
    for (const dtype of DTYPES) {
      for (const d of cases) {
        const { a, b } = operands(d, dtype, d.m + d.n);
        assertClose(backend.gemm(a, b, d, dtype), d, a, b, dtype);
      }
    }
  });

  it("NaN and ±∞ propagate as in the triple loop, through gemm, gemv and dot", () =>
    fc.assert(
      fc.property(
        g7Case,
        fc.constantFrom<Float>("float32", "float64"),
        fc.boolean(),
        fc.nat(),
        fc.constantFrom(NaN, Infinity, -Infinity),
        (c, dtype, inA, at, special) => {
          const d = g7Dims(c);
          const { a, b } = operands(d, dtype, c.seed);
          const x = inA ? a : b;
          x[at % x.length] = special;
          assertClose(backend.gemm(a, b, d, dtype), d, a, b, dtype);
        },
      ),
      { numRuns: 100 },
    ));

  it("public matmul: 2-D, broadcast batches, vectors (gemv, dot), transposes agree with the ts backend", () => {
    fc.assert(
      fc.property(apiCase, (c) => {
        const { a, b, opts } = apiOperands(c);
        assertMatmulAgrees(a, b, opts, JSON.stringify({ a: a.shape, b: b.shape, ...opts, dtype: c.dtype }));
      }),
      { numRuns: 200 },
    );
  });

  it("gradients of sum(tanh(matmul(x, w))) agree between the backends (float64, rtol 1e-12)", () => {
    fc.assert(
      fc.property(apiCase, (c) => {
        const { a, b, opts } = apiOperands({ ...c, dtype: "float64" });
        const f = (x: Tensor, w: Tensor) => sum(tanh(matmul(x, w, opts)));
        const g = grad(f, { argnums: [0, 1] });
        const [obA, obB] = withBackend("openblas", () => g(a, b));
        const [tsA, tsB] = withBackend("ts", () => g(a, b));
        const tol = { rtol: 1e-12, atol: 1e-13 };
        assertAllclose(obA, tsA, { ...tol, message: `d/dx for ${a.shape} @ ${b.shape} ${JSON.stringify(opts)}` });
        assertAllclose(obB, tsB, { ...tol, message: `d/dw for ${a.shape} @ ${b.shape} ${JSON.stringify(opts)}` });
      }),
      { numRuns: 50 },
    );
  });

  it("non-contiguous operands through the public API: transposed and strided slices", () => {
    const x = tensor(fill(7 * 10, 11, "float32"), { shape: [7, 10] });
    const y = tensor(fill(10 * 6, 12, "float32"), { shape: [10, 6] });
    const z = tensor(fill(2 * 7 * 5, 13, "float64"), { shape: [2, 7, 5], dtype: "float64" });
    const cases: [string, () => [Tensor, Tensor, MatmulOptions?]][] = [
      ["transpose(x)ᵀ @ y", () => [transpose(transpose(x)), y]],
      ["transpose(x) @ x", () => [transpose(x), x]],
      ["every other row of x @ y", () => [slice(x, [{ step: 2 }, null]), y]],
      [
        "columns 1..7 of x @ rows 3..9 of y",
        () => [slice(x, [null, { start: 1, stop: 7 }]), slice(y, [{ start: 3, stop: 9 }])],
      ],
      [
        "x @ every other column of y, transposed",
        () => [x, transpose(slice(y, [null, { step: 2 }])), { transB: true }],
      ],
      ["a strided row of x (vector) @ y", () => [reshape(slice(x, [{ start: 4, stop: 5 }, null]), [10]), y]],
      [
        "batched slice @ its own transpose",
        () => [slice(z, [null, { step: 3 }]), slice(z, [null, { step: 3 }]), { transB: true }],
      ],
      ["transposed batch axes", () => [transpose(z, [0, 2, 1]), z]],
    ];
    for (const [what, make] of cases) {
      const [a, b, opts = {}] = make();
      assertMatmulAgrees(a, b, opts, what);
    }
  });

  it("[1,2;3,4]·[5,6;7,8] = [19,22;43,50] exactly, in every transpose and dtype", () => {
    for (const dtype of DTYPES) {
      const a = tensor([[1, 2], [3, 4]], { dtype }), b = tensor([[5, 6], [7, 8]], { dtype });
      const at = transpose(a), bt = transpose(b);
      withBackend("openblas", () => {
        assert.deepEqual(matmul(a, b).toArray(), [[19, 22], [43, 50]]);
        assert.deepEqual(matmul(at, b, { transA: true }).toArray(), [[19, 22], [43, 50]]);
        assert.deepEqual(matmul(a, bt, { transB: true }).toArray(), [[19, 22], [43, 50]]);
        assert.deepEqual(matmul(at, bt, { transA: true, transB: true }).toArray(), [[19, 22], [43, 50]]);
        assert.deepEqual(matmul(tensor([1, 2], { dtype }), b).toArray(), [19, 22]);
        assert.deepEqual(matmul(a, tensor([5, 7], { dtype })).toArray(), [19, 43]);
        assert.deepEqual(matmul(tensor([1, 2], { dtype }), tensor([5, 7], { dtype })).toArray(), 19);
      });
    }
  });

  it("Backend.gemm: k = 0 gives zeros, empty m, n or batch an empty buffer, a fresh buffer every call", () => {
    const d: GemmDims = { batch: 2, m: 3, n: 4, k: 0, transA: false, transB: true, aBatchStride: 0, bBatchStride: 0 };
    assert.deepEqual([...backend.gemm(new Float32Array(0), new Float32Array(0), d, "float32")], new Array(24).fill(0));
    assert.equal(backend.gemm(new Float64Array(0), new Float64Array(20), { ...d, m: 0, k: 5 }, "float64").length, 0);
    assert.equal(backend.gemm(new Float64Array(15), new Float64Array(0), { ...d, n: 0, k: 5 }, "float64").length, 0);
    assert.equal(backend.gemm(new Float64Array(0), new Float64Array(0), { ...d, batch: 0, k: 5 }, "float64").length, 0);
    const one: GemmDims = { ...d, batch: 1, m: 2, n: 2, k: 2, transB: false };
    const a = Float64Array.of(1, 2, 3, 4), b = Float64Array.of(5, 6, 7, 8);
    const c1 = backend.gemm(a, b, one, "float64"), c2 = backend.gemm(a, b, one, "float64");
    assert.notEqual(c1, c2);
    assert.deepEqual([...c1], [19, 22, 43, 50]);
    assert.deepEqual(c1, c2);
  });

  it("Backend.gemm rejects integer dtypes, mixed array types and buffers too short for the dimensions", () => {
    const d: GemmDims = { batch: 2, m: 2, n: 2, k: 2, transA: false, transB: false, aBatchStride: 4, bBatchStride: 0 };
    rejects(() => backend.gemm(new Int32Array(8), new Int32Array(4), d, "int32"), DTypeError, /^gemm: /);
    rejects(() => backend.gemm(new Float64Array(8), new Float32Array(4), d, "float32"), DTypeError, /Float32Array/);
    rejects(() => backend.gemm(new Float32Array(4), new Float32Array(4), d, "float32"), ShapeError, /A holds 4/);
    rejects(() => backend.gemm(new Float32Array(8), new Float32Array(3), d, "float32"), ShapeError, /B holds 3/);
  });
});

// ----------------------------------------------------------------------- F1

/** A gemm call with every layout knob: sub-array views, element offsets, padded leading dimensions, alpha, beta. */
const gemmCallArb = fc.record({
  m: fc.oneof(fc.constantFrom(0, 1), fc.integer({ min: 0, max: 12 })),
  n: fc.oneof(fc.constantFrom(0, 1), fc.integer({ min: 0, max: 12 })),
  k: fc.oneof(fc.constantFrom(0, 1), fc.integer({ min: 0, max: 12 })),
  transA: fc.boolean(),
  transB: fc.boolean(),
  pad: fc.tuple(fc.nat(3), fc.nat(3), fc.nat(3)),
  offset: fc.tuple(fc.nat(4), fc.nat(4), fc.nat(4)),
  frame: fc.tuple(fc.nat(3), fc.nat(3)),
  alpha: fc.constantFrom(1, -0.5, 2, 0),
  beta: fc.constantFrom(0, 1, -1.5),
  dtype: fc.constantFrom<Float>("float32", "float64"),
  seed: fc.integer(),
});

/** A gemv call: views, offsets, a padded lda, increments, alpha, beta. */
const gemvCallArb = fc.record({
  m: fc.oneof(fc.constantFrom(0, 1), fc.integer({ min: 0, max: 12 })),
  n: fc.oneof(fc.constantFrom(0, 1), fc.integer({ min: 0, max: 12 })),
  trans: fc.boolean(),
  pad: fc.nat(3),
  offset: fc.tuple(fc.nat(4), fc.nat(4), fc.nat(4)),
  inc: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })),
  frame: fc.tuple(fc.nat(3), fc.nat(3)),
  alpha: fc.constantFrom(1, -0.5, 2),
  beta: fc.constantFrom(0, 1, -1.5),
  dtype: fc.constantFrom<Float>("float32", "float64"),
  seed: fc.integer(),
});

/** A level-1 call (axpy, scal, dot): views, offsets, increments. */
const vectorCallArb = fc.record({
  n: fc.oneof(fc.constantFrom(0, 1), fc.integer({ min: 0, max: 40 })),
  offset: fc.tuple(fc.nat(4), fc.nat(4)),
  inc: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })),
  frame: fc.tuple(fc.nat(3), fc.nat(3)),
  alpha: fc.constantFrom(1, -0.5, 3),
  dtype: fc.constantFrom<Float>("float32", "float64"),
  seed: fc.integer(),
});
type VectorCall = typeof vectorCallArb extends fc.Arbitrary<infer T> ? T : never;

/** Two vectors of `n` elements as sub-array views of larger arrays, at offsets, `inc` apart. */
function vectorOperands(c: VectorCall) {
  const [ox, oy] = c.offset, [ix, iy] = c.inc, [before, after] = c.frame;
  const extent = (o: number, inc: number) => o + (c.n === 0 ? 0 : (c.n - 1) * inc + 1);
  const x = framed(c.dtype, before, extent(ox, ix), after, c.seed);
  const y = framed(c.dtype, after, extent(oy, iy), before, c.seed ^ 0x68e31da4);
  return { x, y, xs: strided(ox, c.n, ix), ys: strided(oy, c.n, iy) };
}

/** op(A)·op(B) of a gemm call with unpadded operands, by the TypeScript kernel. */
const product = (g: GemmArgs, dtype: Float) =>
  tsGemm(g.a, g.b, {
    batch: 1,
    m: g.m,
    n: g.n,
    k: g.k,
    transA: g.transA,
    transB: g.transB,
    aBatchStride: 0,
    bBatchStride: 0,
  }, dtype);

/** A valid 2×3 · 3×4 product, for the argument checks to break one argument at a time. */
const validGemm = (dtype: Float): GemmArgs => ({
  transA: false,
  transB: false,
  m: 2,
  n: 4,
  k: 3,
  alpha: 1,
  a: fill(6, 1, dtype),
  aOffset: 0,
  lda: 3,
  b: fill(12, 2, dtype),
  bOffset: 0,
  ldb: 4,
  beta: 0,
  c: new (Ctor(dtype))(8),
  cOffset: 0,
  ldc: 4,
});

/** A valid y (2) = A (2×3) · x (3), likewise. */
const validGemv = (dtype: Float): GemvArgs => ({
  trans: false,
  m: 2,
  n: 3,
  alpha: 1,
  a: fill(6, 3, dtype),
  aOffset: 0,
  lda: 3,
  x: fill(3, 4, dtype),
  xOffset: 0,
  incx: 1,
  beta: 0,
  y: new (Ctor(dtype))(2),
  yOffset: 0,
  incy: 1,
});

describeOpenBlas("F1: the checked BLAS calls (blas.ts)", (lib) => {
  it("gemm with sub-array views, offsets, padded lda/ldb/ldc, alpha and beta, all sizes 0..12: vs a loop, nothing else written", () =>
    fc.assert(
      fc.property(gemmCallArb, (c) => {
        const { m, n, k, transA, transB, alpha, beta, dtype } = c;
        const [pa, pb, pc] = c.pad, [oa, ob, oc] = c.offset, [before, after] = c.frame;
        const [ra, ca] = transA ? [k, m] : [m, k], [rb, cb] = transB ? [n, k] : [k, n];
        const lda = Math.max(1, ca) + pa, ldb = Math.max(1, cb) + pb, ldc = Math.max(1, n) + pc;
        const extent = (
          rows: number,
          cols: number,
          ld: number,
        ) => (rows === 0 || cols === 0 ? 0 : (rows - 1) * ld + cols);
        const A = framed(dtype, before, oa + extent(ra, ca, lda), after, c.seed);
        const B = framed(dtype, after, ob + extent(rb, cb, ldb), before, c.seed ^ 1);
        const C = framed(dtype, before, oc + extent(m, n, ldc), after, c.seed ^ 2);
        // beta = 0: C is not read, so NaN there must not come through.
        const written = new Set<number>();
        for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) written.add(before + oc + i * ldc + j);
        if (beta === 0) { for (const i of written) C.parent[i] = NaN; }
        const [a0, b0, c0] = [A.parent.slice(), B.parent.slice(), C.parent.slice()];
        gemm(lib, {
          transA,
          transB,
          m,
          n,
          k,
          alpha,
          a: A.view,
          aOffset: oa,
          lda,
          b: B.view,
          bOffset: ob,
          ldb,
          beta,
          c: C.view,
          cOffset: oc,
          ldc,
        });
        assert.deepEqual(A.parent, a0, "A unchanged");
        assert.deepEqual(B.parent, b0, "B unchanged");
        assertUntouched(c0, C.parent, written, "C outside the m×n block");
        for (let i = 0; i < m; i++) {
          for (let j = 0; j < n; j++) {
            let s = 0, scale = 0;
            for (let p = 0; p < k; p++) {
              const x = a0[before + oa + (transA ? p * lda + i : i * lda + p)];
              const y = b0[after + ob + (transB ? j * ldb + p : p * ldb + j)];
              s += x * y;
              scale += Math.abs(x * y);
            }
            const at = before + oc + i * ldc + j;
            const old = beta === 0 ? 0 : beta * c0[at];
            const want = alpha * s + old;
            const tol = 4 * (k + 2) * u(dtype) * (Math.abs(alpha) * scale + Math.abs(old));
            assert.ok(Math.abs(C.parent[at] - want) <= tol, `C[${i},${j}] = ${C.parent[at]}, expected ${want}`);
          }
        }
      }),
      { numRuns: 300 },
    ));

  it("gemv with views, offsets, a padded lda, increments, alpha and beta: vs a loop, nothing else written", () =>
    fc.assert(
      fc.property(gemvCallArb, (c) => {
        const { m, n, trans, alpha, beta, dtype } = c;
        const [oa, ox, oy] = c.offset, [ix, iy] = c.inc, [before, after] = c.frame;
        const lda = Math.max(1, n) + c.pad;
        const [xLen, yLen] = trans ? [m, n] : [n, m];
        const span = (len: number, inc: number) => (len === 0 ? 0 : (len - 1) * inc + 1);
        const A = framed(dtype, before, oa + (m === 0 || n === 0 ? 0 : (m - 1) * lda + n), after, c.seed);
        const X = framed(dtype, after, ox + span(xLen, ix), before, c.seed ^ 1);
        const Y = framed(dtype, before, oy + span(yLen, iy), after, c.seed ^ 2);
        const [a0, x0, y0] = [A.parent.slice(), X.parent.slice(), Y.parent.slice()];
        gemv(lib, {
          trans,
          m,
          n,
          alpha,
          a: A.view,
          aOffset: oa,
          lda,
          x: X.view,
          xOffset: ox,
          incx: ix,
          beta,
          y: Y.view,
          yOffset: oy,
          incy: iy,
        });
        assert.deepEqual(A.parent, a0, "A unchanged");
        assert.deepEqual(X.parent, x0, "x unchanged");
        const ys = strided(before + oy, yLen, iy);
        assertUntouched(y0, Y.parent, new Set(ys), "y between and around its elements");
        ys.forEach((at, i) => {
          let s = 0, scale = 0;
          for (let p = 0; p < xLen; p++) {
            const aij = a0[before + oa + (trans ? p * lda + i : i * lda + p)];
            const t = aij * x0[after + ox + p * ix];
            s += t;
            scale += Math.abs(t);
          }
          const want = alpha * s + beta * y0[at];
          const tol = 4 * (xLen + 2) * u(dtype) * (Math.abs(alpha) * scale + Math.abs(beta * y0[at]));
          assert.ok(Math.abs(Y.parent[at] - want) <= tol, `y[${i}] = ${Y.parent[at]}, expected ${want}`);
        });
      }),
      { numRuns: 200 },
    ));

  it("axpy, scal and dot with views, offsets and increments: vs loops, nothing else written", () =>
    fc.assert(
      fc.property(vectorCallArb, (c) => {
        const { n, alpha, dtype } = c;
        const [ox, oy] = c.offset, [ix, iy] = c.inc, [before, after] = c.frame;
        const { x, y, xs, ys } = vectorOperands(c);
        const x0 = x.parent.slice(), y0 = y.parent.slice();
        // dot
        let s = 0, scale = 0;
        for (let i = 0; i < n; i++) {
          s += x0[before + xs[i]] * y0[after + ys[i]];
          scale += Math.abs(x0[before + xs[i]] * y0[after + ys[i]]);
        }
        const d = dot(lib, n, x.view, ox, ix, y.view, oy, iy);
        assert.ok(Math.abs(d - s) <= 4 * (n + 1) * u(dtype) * scale, `dot = ${d}, expected ${s}`);
        assert.deepEqual([x.parent, y.parent], [x0, y0], "dot writes nothing");
        // axpy: y ← alpha·x + y
        axpy(lib, n, alpha, x.view, ox, ix, y.view, oy, iy);
        assert.deepEqual(x.parent, x0, "x unchanged");
        const yAt = new Set(ys.map((i) => after + i));
        assertUntouched(y0, y.parent, yAt, "y between and around its elements");
        ys.forEach((i, p) => {
          const want = alpha * x0[before + xs[p]] + y0[after + i];
          const tol = 2 * u(dtype) * (Math.abs(alpha * x0[before + xs[p]]) + Math.abs(y0[after + i]));
          assert.ok(Math.abs(y.parent[after + i] - want) <= tol, `axpy y[${p}] = ${y.parent[after + i]} vs ${want}`);
        });
        // scal: x ← alpha·x, one rounded product per element, as in JS
        scal(lib, n, alpha, x.view, ox, ix);
        const xAt = new Set(xs.map((i) => before + i));
        assertUntouched(x0, x.parent, xAt, "x between and around its elements");
        for (const i of xAt) assert.equal(x.parent[i], (dtype === "float32" ? Math.fround : Number)(alpha * x0[i]));
      }),
      { numRuns: 200 },
    ));

  it("1×1 products through gemm, gemv and dot", () => {
    for (const dtype of DTYPES) {
      const A = new (Ctor(dtype))([3]), B = new (Ctor(dtype))([-2.5]), C = new (Ctor(dtype))([NaN]);
      gemm(lib, { ...validGemm(dtype), m: 1, n: 1, k: 1, a: A, lda: 1, b: B, ldb: 1, c: C, ldc: 1 });
      assert.equal(C[0], -7.5);
      const y = new (Ctor(dtype))([10]);
      gemv(lib, { ...validGemv(dtype), m: 1, n: 1, a: A, lda: 1, x: B, y, beta: 1 });
      assert.equal(y[0], 2.5);
      assert.equal(dot(lib, 1, A, 0, 1, B, 0, 1), -7.5);
    }
  });

  it("gemm with k = 0 gives beta·C and writes nothing else; m = 0 or n = 0 touches nothing", () => {
    for (const dtype of DTYPES) {
      const c = new (Ctor(dtype))([1, 2, 3, 4, 5, 6, 7, 8, 9]);
      const empty = new (Ctor(dtype))(0);
      const base = { ...validGemm(dtype), k: 0, a: empty, lda: 1, b: empty, ldb: 4 };
      // C is the 2×2 block at offset 1 of a 3-wide matrix: elements 1, 2, 4, 5.
      gemm(refusing(lib), { ...base, m: 2, n: 2, c, cOffset: 1, ldc: 3, beta: 2 });
      assert.deepEqual([...c], [1, 4, 6, 4, 10, 12, 7, 8, 9]);
      c[1] = NaN;
      gemm(refusing(lib), { ...base, m: 2, n: 2, c, cOffset: 1, ldc: 3, beta: 0 });
      assert.deepEqual([...c], [1, 0, 0, 4, 0, 0, 7, 8, 9], "beta = 0 does not read C");
      const before = c.slice();
      gemm(refusing(lib), { ...validGemm(dtype), m: 0, lda: 3, a: empty, c, ldc: 4 });
      gemm(refusing(lib), { ...validGemm(dtype), n: 0, ldb: 1, b: empty, c, ldc: 1 });
      assert.deepEqual(c, before);
    }
  });

  it("gemv with x empty gives beta·y (y not read when beta = 0); with y empty touches nothing", () => {
    for (const dtype of DTYPES) {
      const empty = new (Ctor(dtype))(0);
      const y = new (Ctor(dtype))([1, 2, 3, 4, 5]);
      const noX = { ...validGemv(dtype), m: 2, n: 0, a: empty, lda: 1, x: empty, y, yOffset: 1, incy: 2 };
      gemv(refusing(lib), { ...noX, beta: -1 });
      assert.deepEqual([...y], [1, -2, 3, -4, 5]);
      y[1] = NaN;
      gemv(refusing(lib), { ...noX, beta: 0 });
      assert.deepEqual([...y], [1, 0, 3, 0, 5]);
      gemv(refusing(lib), { ...validGemv(dtype), m: 0, n: 3, a: empty, y: empty, beta: 0 });
      gemv(refusing(lib), { ...validGemv(dtype), trans: true, m: 3, n: 0, lda: 1, a: empty, y: empty });
      assert.equal(dot(refusing(lib), 0, empty, 0, 1, empty, 0, 1), 0);
      axpy(refusing(lib), 0, 2, empty, 0, 1, empty, 0, 1);
      scal(refusing(lib), 0, 2, empty, 0, 1);
    }
  });

  it("gemm with beta = 0 does not read C (NaN there is overwritten), in each precision", () => {
    for (const dtype of DTYPES) {
      const c = new (Ctor(dtype))(8).fill(NaN);
      const args = validGemm(dtype);
      gemm(lib, { ...args, c });
      assertNear(c, product(args, dtype), new Array(8).fill(1e-5), "beta = 0");
    }
  });

  // Each bad argument: the call must throw a ValueError naming the routine and
  // the argument, without reaching OpenBLAS (which would print a warning and return).
  const badGemm: [string, (g: GemmArgs) => Partial<GemmArgs>, RegExp][] = [
    ["lda < k (A not transposed)", () => ({ lda: 2 }), /lda = 2; expected an integer ≥ max\(1, columns of A = 3\)/],
    ["lda < m (A transposed, stored k×m)", () => ({ transA: true, lda: 1 }), /lda = 1;.*columns of A = 2/],
    ["a fractional lda", () => ({ lda: 3.5 }), /lda = 3\.5/],
    ["ldb < n", () => ({ ldb: 3 }), /ldb = 3;.*columns of B = 4/],
    ["ldb < k (B transposed, stored n×k)", () => ({ transB: true, ldb: 2 }), /ldb = 2;.*columns of B = 3/],
    ["ldc < n", () => ({ ldc: 3 }), /ldc = 3;.*columns of C = 4/],
    ["ldc = 0 with n = 0", () => ({ n: 0, ldb: 1, ldc: 0 }), /ldc = 0/],
    ["a negative m", () => ({ m: -1 }), /m = -1; expected an integer in \[0, 2\^31\)/],
    ["a fractional k", () => ({ k: 1.5 }), /k = 1\.5/],
    ["n = NaN", () => ({ n: NaN }), /n = NaN/],
    ["m ≥ 2^31", () => ({ m: 2 ** 31 }), /m = 2147483648/],
    ["a negative offset", () => ({ aOffset: -1 }), /offset of A = -1/],
    ["a fractional offset", () => ({ bOffset: 0.5 }), /offset of B = 0\.5/],
    [
      "an offset past the end",
      (g) => ({ cOffset: g.c.length + 1 }),
      /offset of C = 9; expected an integer in \[0, 8\]/,
    ],
    [
      "C extending past the end",
      () => ({ cOffset: 1 }),
      /C \(2×4, ldc = 4\) needs 8 elements from offset 1, but the array holds 8/,
    ],
    ["a padded ldc past the end", () => ({ ldc: 5 }), /C \(2×4, ldc = 5\) needs 9 elements/],
    [
      "A too short (a sub-array)",
      (g) => ({ a: g.a.subarray(1) }),
      /A \(2×3, lda = 3\) needs 6 elements from offset 0, but the array holds 5/,
    ],
    [
      "B too short for its transpose",
      (g) => ({ transB: true, ldb: 3, b: g.b.subarray(1) }),
      /B \(4×3, ldb = 3\) needs 12 elements from offset 0, but the array holds 11/,
    ],
  ];
  for (const dtype of DTYPES) {
    const name = dtype === "float32" ? "cblas_sgemm" : "cblas_dgemm";
    for (const [what, change, message] of badGemm) {
      it(`${name} rejects ${what} before the call`, () => {
        const g = validGemm(dtype);
        const args = { ...g, ...change(g) };
        rejects(() => gemm(refusing(lib), args), ValueError, new RegExp(`^${name}: `), message);
      });
    }
  }

  const badGemv: [string, Partial<GemvArgs>, RegExp][] = [
    ["lda < n", { lda: 2 }, /cblas_.gemv: lda = 2/],
    ["incx = 0", { incx: 0 }, /cblas_.gemv: incx = 0; expected an integer ≥ 1/],
    ["a negative incy", { incy: -1 }, /incy = -1/],
    [
      "x extending past the end",
      { incx: 2 },
      /x \(3 elements, incx = 2\) needs 5 elements from offset 0, but the array holds 3/,
    ],
    ["y extending past the end", { yOffset: 1 }, /y \(2 elements, incy = 1\) needs 2 elements from offset 1/],
    ["a negative n", { n: -3 }, /n = -3/],
  ];
  for (const [what, change, message] of badGemv) {
    it(`gemv rejects ${what} before the call`, () => {
      for (const dtype of DTYPES) {
        rejects(() => gemv(refusing(lib), { ...validGemv(dtype), ...change }), ValueError, message);
      }
    });
  }

  it("level-1 calls reject incx = 0, negative or fractional sizes and extents past the end", () => {
    const x = new Float64Array(4), y = new Float64Array(4), never = refusing(lib);
    rejects(() => axpy(never, 4, 1, x, 0, 0, y, 0, 1), ValueError, /^cblas_daxpy: incx = 0/);
    rejects(() => axpy(never, 4, 1, x, 0, 1, y, 0, 0), ValueError, /^cblas_daxpy: incy = 0/);
    rejects(() => scal(never, 4, 1, x, 0, 0), ValueError, /^cblas_dscal: incx = 0/);
    rejects(() => dot(never, 4, x, 0, 0, y, 0, 1), ValueError, /^cblas_ddot: incx = 0/);
    rejects(() => dot(never, -1, x, 0, 1, y, 0, 1), ValueError, /^cblas_ddot: n = -1/);
    rejects(() => scal(never, 2.5, 1, x, 0, 1), ValueError, /^cblas_dscal: n = 2\.5/);
    rejects(
      () => dot(never, 3, x, 2, 1, y, 0, 1),
      ValueError,
      /x \(3 elements, incx = 1\) needs 3 elements from offset 2/,
    );
    rejects(() => axpy(never, 2, 1, x, 0, 1, y, 0, 4), ValueError, /y \(2 elements, incy = 4\) needs 5 elements/);
    rejects(() => scal(never, 1, 1, new Float32Array(2), 3, 1), ValueError, /^cblas_sscal: offset of x = 3/);
  });

  it("mixed float32 and float64 arrays are a DTypeError naming the routine and the array", () => {
    const never = refusing(lib);
    rejects(
      () => gemm(never, { ...validGemm("float32"), a: fill(6, 1, "float64") }),
      DTypeError,
      /^cblas_sgemm: A is a Float64Array but the output is a Float32Array/,
    );
    rejects(
      () => gemm(never, { ...validGemm("float64"), b: fill(12, 1, "float32") }),
      DTypeError,
      /^cblas_dgemm: B is a Float32Array/,
    );
    rejects(
      () => gemv(never, { ...validGemv("float64"), x: fill(3, 1, "float32") }),
      DTypeError,
      /^cblas_dgemv: x is a Float32Array/,
    );
    rejects(
      () => axpy(never, 1, 1, new Float32Array(1), 0, 1, new Float64Array(1), 0, 1),
      DTypeError,
      /^cblas_daxpy: x is a Float32Array/,
    );
    rejects(
      () => dot(never, 1, new Float64Array(1), 0, 1, new Float32Array(1), 0, 1),
      DTypeError,
      /^cblas_ddot: y is a Float32Array/,
    );
  });

  it("an output sharing memory with an input is rejected; disjoint views of one buffer are fine", () => {
    for (const dtype of DTYPES) {
      const name = dtype === "float32" ? "cblas_sgemm" : "cblas_dgemm";
      const big = fill(64, 5, dtype);
      const g = { ...validGemm(dtype), a: big.subarray(0, 6), b: big.subarray(6, 18) };
      rejects(
        () => gemm(refusing(lib), { ...g, c: big.subarray(4, 12) }),
        ValueError,
        new RegExp(`^${name}: the output shares memory with A`),
      );
      rejects(() => gemm(refusing(lib), { ...g, c: big.subarray(17, 25) }), ValueError, /shares memory with B/);
      rejects(() => gemm(refusing(lib), { ...g, c: big.subarray(5, 13) }), ValueError, /shares memory with A/);
      rejects(
        () => gemv(refusing(lib), { ...validGemv(dtype), x: big.subarray(0, 3), y: big.subarray(2, 4) }),
        ValueError,
        /shares memory with x/,
      );
      const axpyName = dtype === "float32" ? "cblas_saxpy" : "cblas_daxpy";
      rejects(() => axpy(refusing(lib), 8, 2, big, 0, 1, big, 1, 1), ValueError, new RegExp(`^${axpyName}: .*with x`));
      const c = big.subarray(18, 26);
      gemm(lib, { ...g, c });
      assertNear(c, product(g, dtype), new Array(8).fill(1e-5), "C beside A and B in one buffer");
      assert.deepEqual(big.subarray(0, 18), fill(64, 5, dtype).subarray(0, 18), "A and B unchanged");
      assert.deepEqual(big.subarray(26), fill(64, 5, dtype).subarray(26), "the rest unchanged");
    }
  });

  it("transposed inputs: Aᵀ·Bᵀ from stored k×m and n×k matrices with padded leading dimensions", () => {
    // A is 2×3 stored transposed (3×2, lda 3), B is 3×2 stored transposed (2×3, ldb 4).
    const a = Float64Array.of(1, 4, 0, 2, 5, 0, 3, 6, 0), b = Float64Array.of(7, 9, 11, 0, 8, 10, 12, 0);
    const c = new Float64Array(4);
    gemm(lib, {
      ...validGemm("float64"),
      transA: true,
      transB: true,
      m: 2,
      n: 2,
      k: 3,
      a,
      lda: 3,
      b,
      ldb: 4,
      c,
      ldc: 2,
    });
    assert.deepEqual([...c], [58, 64, 139, 154]);
  });
});

// -------------------------------------------------------------- the library

describeOpenBlas("OpenBLAS: loading and selection", (lib) => {
  it("openblasInfo() reports the path, an OpenBLAS config string and at least one thread", () => {
    const info = openblasInfo();
    assert.ok(info !== undefined);
    assert.equal(info.path, lib.path);
    assert.match(info.config, /OpenBLAS/);
    assert.doesNotMatch(info.config, /USE64BITINT/);
    assert.ok(Number.isInteger(info.threads) && info.threads >= 1, `threads = ${info.threads}`);
  });

  it("a missing file is a Left listing the attempt; a later candidate still loads", () => {
    const r = loadOpenBlas(["/nonexistent/libopenblas.so.0"]);
    assert.equal(r._tag, "Left");
    if (r._tag !== "Left") return;
    assert.equal(r.left.attempts.length, 1);
    assert.equal(r.left.attempts[0].path, "/nonexistent/libopenblas.so.0");
    assert.match(r.left.attempts[0].reason, /open library/i);
    const text = describeFailure(r.left);
    assert.match(text, / {2}- \/nonexistent\/libopenblas\.so\.0: /);
    assert.ok(text.includes(INSTALL_HINT));
    assert.equal(loadOpenBlas(["/nonexistent/libopenblas.so.0", lib.path])._tag, "Right");
  });

  it("an ILP64 build (openblas64 in its name) is skipped with a reason, without opening it", () => {
    const r = loadOpenBlas(["/usr/lib/libopenblas64_.so.0", "libopenblas64.so"]);
    assert.equal(r._tag, "Left");
    if (r._tag !== "Left") return;
    assert.deepEqual(r.left.attempts.map((a) => a.path), ["/usr/lib/libopenblas64_.so.0", "libopenblas64.so"]);
    for (const a of r.left.attempts) assert.match(a.reason, /^skipped: an ILP64 build/);
  });

  it(`candidatePaths() tries ${PATH_VARIABLE} first, then the system's sonames and files`, () => {
    const saved = process.env[PATH_VARIABLE];
    try {
      delete process.env[PATH_VARIABLE];
      const system = candidatePaths();
      assert.ok(system.length > 0 && system.every((p) => !p.includes("openblas64")), JSON.stringify(system));
      process.env[PATH_VARIABLE] = "/opt/custom/libopenblas.so.0";
      assert.deepEqual(candidatePaths(), ["/opt/custom/libopenblas.so.0", ...system]);
    } finally {
      if (saved === undefined) delete process.env[PATH_VARIABLE];
      else process.env[PATH_VARIABLE] = saved;
    }
  });

  it("describeFailure: Deno's missing permission gives the --allow-ffi hint, anything else the install hint", () => {
    const denied = describeFailure({
      attempts: [{ path: "libopenblas.so.0", reason: "run with --allow-ffi (or -A)" }],
    });
    assert.match(denied, /To use it, run Deno with --allow-ffi/);
    const missing = describeFailure({
      attempts: [{ path: "a.so", reason: "not found" }, { path: "b.so", reason: "no" }],
    });
    assert.match(
      missing,
      /Tried:\n {2}- a\.so: not found\n {2}- b\.so: no\nTo use it, install it with `apt-get install libopenblas0`/,
    );
  });

  it('setBackend("openblas") selects it; availableBackends() lists ts and openblas', () => {
    withBackend("openblas", () => assert.equal(getBackend(), "openblas"));
    const before = getBackend();
    withBackend("ts", () => {
      setBackend("openblas");
      assert.equal(getBackend(), "openblas");
    });
    assert.equal(getBackend(), before, "withBackend restored the previous backend");
    const names = availableBackends();
    assert.ok(names.includes("ts") && names.includes("openblas"), JSON.stringify(names));
  });
});
