/**
 * The WebAssembly SIMD matrix product against a float64 triple loop and
 * against the TypeScript kernel (G7): every transpose, shared and strided
 * batches, odd sizes that leave partial tiles, several k slices and row
 * blocks, both dtypes and every tile the engines may pick. Then the scratch
 * arena: growth in the middle of a run changes no result, and a product too
 * big for it raises a typed error naming gemm and the bytes. Last, the
 * engine facts agree with each other and with what the kernel computes.
 */
import { assert, describe, fc, it } from "./lib/test.ts";
import { wasmGemm } from "../backends/wasm/gemm.ts";
import { gemm as tsGemm } from "../backends/ts/gemm.ts";
import { engineFacts } from "../backends/wasm/engine.ts";
import { Arena, WasmMemoryError } from "../backends/wasm/memory.ts";
import { chooseTile, type TileConfig } from "../backends/wasm/tiles.ts";
import type { GemmDims } from "../backends/backend.ts";
import { DendriteError, DTypeError, ShapeError } from "../core/errors.ts";
import { assertClose, assertNear, type Float, gemmReference, operands } from "./lib/gemm.ts";
import { dimsOf, type Problem, problem } from "./lib/gemm.ts";

/** Runs the wasm product and checks it against the reference and the TS kernel, inputs untouched. */
function check(p: Problem, dtype: Float, options?: Parameters<typeof wasmGemm>[4]) {
  const d = dimsOf(p);
  const { a, b } = operands(d, dtype, p.seed);
  const a0 = a.slice(), b0 = b.slice();
  const c = wasmGemm(a, b, d, dtype, options);
  assert.ok(c instanceof (dtype === "float32" ? Float32Array : Float64Array));
  assert.equal(c.length, d.batch * d.m * d.n);
  assertClose(c, d, a, b, dtype);
  // The TS kernel is itself within the bound; the wasm result must be within
  // the same bound of it (|wasm − ts| ≤ (k + 1)·u·|A|·|B| ≤ 4·k·u·|A|·|B|).
  const { tol } = gemmReference(a, b, d, dtype);
  assertNear(c, tsGemm(a, b, d, dtype), tol, `vs TS kernel ${JSON.stringify(d)}`);
  assert.deepEqual(a, a0);
  assert.deepEqual(b, b0);
}

const facts = engineFacts();

/** Every tile either engine may be given, plus some shapes that only tests run. */
const TILES: readonly TileConfig[] = [
  { dtype: "float32", mr: 6, nr: 8, fma: facts.relaxedSimd },
  { dtype: "float32", mr: 2, nr: 16, fma: false },
  { dtype: "float32", mr: 1, nr: 4, fma: false },
  { dtype: "float32", mr: 5, nr: 12, fma: false },
  { dtype: "float64", mr: 6, nr: 4, fma: facts.relaxedSimd },
  { dtype: "float64", mr: 2, nr: 8, fma: false },
  { dtype: "float64", mr: 3, nr: 2, fma: facts.relaxedSimd },
];

/** The heavy properties run for seconds (the float64 triple loop); a loaded 2-core machine doubles that. */
const SLOW = { timeout: 60_000 };

describe("backends/wasm gemm", () => {
  for (const dtype of ["float32", "float64"] as const) {
    it(
      `${dtype}: matches the triple loop and the TS kernel for m, n, k in 1..97, inputs unchanged`,
      SLOW,
      () => fc.assert(fc.property(problem(fc.integer({ min: 1, max: 97 })), (p) => check(p, dtype)), { numRuns: 300 }),
    );
  }

  it("empty dimensions give an empty buffer, and k = 0 gives zeros", () => {
    fc.assert(
      fc.property(
        problem(fc.integer({ min: 0, max: 9 })),
        fc.constantFrom("m", "n", "k"),
        fc.constantFrom<Float>("float32", "float64"),
        fc.integer({ min: 0, max: 3 }),
        (p, zero, dtype, batch) => {
          const q: Problem = {
            ...p,
            batch,
            m: zero === "m" ? 0 : p.m,
            n: zero === "n" ? 0 : p.n,
            k: zero === "k" ? 0 : p.k,
          };
          const d = dimsOf(q);
          const { a, b } = operands(d, dtype, q.seed);
          const c = wasmGemm(a, b, d, dtype);
          assert.ok(c instanceof (dtype === "float32" ? Float32Array : Float64Array));
          assert.equal(c.length, batch * q.m * q.n);
          assert.ok(c.every((x) => Object.is(x, 0)));
        },
      ),
      { numRuns: 100 },
    );
    const d: GemmDims = { batch: 2, m: 3, n: 4, k: 0, transA: false, transB: true, aBatchStride: 0, bBatchStride: 0 };
    assert.deepEqual([...wasmGemm(new Float32Array(0), new Float32Array(0), d, "float32")], new Array(24).fill(0));
  });

  it("every tile shape with small k slices and row blocks (several of each per product)", SLOW, () =>
    fc.assert(
      fc.property(
        problem(fc.integer({ min: 1, max: 40 })),
        fc.constantFrom(...TILES),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 4 }),
        (p, tile, kcHalf, mcTiles) =>
          check(p, tile.dtype, { tile, blocking: { kc: 2 * kcHalf, mc: mcTiles * tile.mr } }),
      ),
      { numRuns: 200 },
    ));

  it("products that cross the default k slice and row block", SLOW, () =>
    fc.assert(
      fc.property(
        problem(fc.integer({ min: 1, max: 30 })),
        fc.integer({ min: 120, max: 140 }),
        fc.integer({ min: 250, max: 600 }),
        fc.constantFrom<Float>("float32", "float64"),
        (p, m, k, dtype) => check({ ...p, m, k, batch: 1 }, dtype),
      ),
      { numRuns: 12 },
    ));

  it("propagates NaN and ±∞ as the triple loop does, also next to padded tiles", () =>
    fc.assert(
      fc.property(
        problem(fc.integer({ min: 1, max: 23 })),
        fc.constantFrom<Float>("float32", "float64"),
        fc.boolean(),
        fc.nat(),
        fc.constantFrom(NaN, Infinity, -Infinity),
        (p, dtype, inA, at, special) => {
          const d = dimsOf(p);
          const { a, b } = operands(d, dtype, p.seed);
          const x = inA ? a : b;
          x[at % x.length] = special;
          assertClose(wasmGemm(a, b, d, dtype), d, a, b, dtype);
        },
      ),
      { numRuns: 150 },
    ));

  it("[1,2;3,4]·[5,6;7,8] = [19,22;43,50] in every transpose", () => {
    const d: GemmDims = { batch: 1, m: 2, n: 2, k: 2, transA: false, transB: false, aBatchStride: 0, bBatchStride: 0 };
    const a = new Float64Array([1, 2, 3, 4]), at = new Float64Array([1, 3, 2, 4]);
    const b = new Float64Array([5, 6, 7, 8]), bt = new Float64Array([5, 7, 6, 8]);
    for (const dtype of ["float32", "float64"] as const) {
      const cast = (x: Float64Array) => (dtype === "float32" ? new Float32Array(x) : x);
      assert.deepEqual([...wasmGemm(cast(a), cast(b), d, dtype)], [19, 22, 43, 50]);
      assert.deepEqual([...wasmGemm(cast(at), cast(b), { ...d, transA: true }, dtype)], [19, 22, 43, 50]);
      assert.deepEqual([...wasmGemm(cast(a), cast(bt), { ...d, transB: true }, dtype)], [19, 22, 43, 50]);
      assert.deepEqual([...wasmGemm(cast(at), cast(bt), { ...d, transA: true, transB: true }, dtype)], [
        19,
        22,
        43,
        50,
      ]);
    }
  });

  it("returns a fresh buffer each call", () => {
    const d: GemmDims = { batch: 2, m: 5, n: 7, k: 3, transA: false, transB: false, aBatchStride: 15, bBatchStride: 0 };
    const { a, b } = operands(d, "float32", 3);
    const c1 = wasmGemm(a, b, d, "float32"), c2 = wasmGemm(a, b, d, "float32");
    assert.notEqual(c1, c2);
    assert.notEqual(c1.buffer, c2.buffer);
    assert.deepEqual(c1, c2);
  });

  it("writes into the array a given allocator returns, whatever it held", () => {
    for (const [batch, n] of [[1, 7], [1, 40], [3, 7]]) {
      const d: GemmDims = { batch, m: 6, n, k: 9, transA: false, transB: true, aBatchStride: 54, bBatchStride: 0 };
      const { a, b } = operands(d, "float64", 4);
      const given = new Float64Array(batch * 6 * n).fill(NaN);
      const c = wasmGemm(a, b, d, "float64", {
        allocate: (dtype, size) => (assert.equal(dtype, "float64"), assert.equal(size, given.length), given),
      });
      assert.equal(c, given);
      assertClose(c, d, a, b, "float64");
    }
  });

  it("rejects integer dtypes and buffers too short for the dimensions, as the TS kernel does", () => {
    const d: GemmDims = { batch: 2, m: 2, n: 2, k: 2, transA: false, transB: false, aBatchStride: 4, bBatchStride: 0 };
    const call = (a: Float32Array, b: Float32Array, dtype: string) => wasmGemm(a, b, d, dtype as "float32");
    assert.throws(() => call(new Float32Array(8), new Float32Array(4), "int32"), DTypeError);
    assert.throws(() => call(new Float32Array(4), new Float32Array(4), "float32"), ShapeError);
    assert.throws(() => call(new Float32Array(8), new Float32Array(3), "float32"), /gemm: B holds 3 elements/);
  });
});

describe("backends/wasm arena", () => {
  const small: GemmDims = {
    batch: 2,
    m: 9,
    n: 13,
    k: 11,
    transA: true,
    transB: false,
    aBatchStride: 99,
    bBatchStride: 0,
  };
  const big: GemmDims = {
    batch: 1,
    m: 300,
    n: 200,
    k: 400,
    transA: false,
    transB: true,
    aBatchStride: 0,
    bBatchStride: 0,
  };

  for (const shared of facts.sharedMemory ? [false, true] : [false]) {
    it(`growth between products changes no result (${shared ? "shared" : "non-shared"} memory)`, SLOW, () => {
      const arena = new Arena({ initialPages: 1, shared });
      const before = arena.byteLength, staleView = arena.f32();
      for (const dtype of ["float32", "float64"] as const) {
        const s = operands(small, dtype, 5), g = operands(big, dtype, 6);
        const first = wasmGemm(s.a, s.b, small, dtype, { arena });
        const grownFrom = arena.byteLength;
        const large = wasmGemm(g.a, g.b, big, dtype, { arena });
        assertClose(large, big, g.a, g.b, dtype);
        const again = wasmGemm(s.a, s.b, small, dtype, { arena });
        assert.deepEqual(again, first);
        assertClose(again, small, s.a, s.b, dtype);
        if (dtype === "float32") assert.ok(arena.byteLength > grownFrom, "the big product grew the arena");
      }
      assert.ok(arena.byteLength > before);
      // A view taken before growth no longer covers the memory; the arena's does.
      assert.ok(staleView.length < arena.byteLength / 4);
      assert.equal(arena.f32().length, arena.byteLength / 4);
      assert.equal(arena.f64().length, arena.byteLength / 8);
    });
  }

  it("a product bigger than the arena's maximum raises a WasmMemoryError naming gemm and the bytes", () => {
    const arena = new Arena({ initialPages: 1, maximumPages: 3, shared: facts.sharedMemory });
    const s = operands(small, "float32", 7), g = operands(big, "float32", 8);
    const first = wasmGemm(s.a, s.b, small, "float32", { arena });
    let caught: unknown;
    try {
      wasmGemm(g.a, g.b, big, "float32", { arena });
    } catch (e) {
      caught = e;
    }
    assert.ok(caught instanceof WasmMemoryError);
    assert.ok(caught instanceof DendriteError);
    assert.equal(caught.op, "gemm");
    const bytes = Number(/^gemm: needs (\d+) bytes of wasm memory/.exec(caught.message)?.[1]);
    assert.equal(bytes, caught.bytes);
    assert.ok(bytes > 3 * 65536, `${bytes} bytes is more than the maximum`);
    assert.ok(bytes >= 4 * (300 * 400 + 200 * 400 + 300 * 200), "at least the operands and the result");
    // The arena still serves products that fit.
    assert.deepEqual(wasmGemm(s.a, s.b, small, "float32", { arena }), first);
  });

  it("a product beyond the 4 GiB wasm32 limit is refused before anything is allocated", () => {
    // C alone is 40000² float32s = 6.4 GB; A and B are tiny (k = 1).
    for (const dtype of ["float32", "float64"] as const) {
      const d: GemmDims = {
        batch: 1,
        m: 40000,
        n: 40000,
        k: 1,
        transA: false,
        transB: false,
        aBatchStride: 0,
        bBatchStride: 0,
      };
      const a = dtype === "float32" ? new Float32Array(40000) : new Float64Array(40000);
      assert.throws(
        () => wasmGemm(a, a, d, dtype),
        (e: unknown) =>
          e instanceof WasmMemoryError && e.bytes > 2 ** 32 && e.message.includes(`${e.bytes} bytes`) &&
          e.message.startsWith("gemm: ") && /4294967296-byte wasm32 limit/.test(e.message),
      );
    }
  });
});

describe("backends/wasm engine facts", () => {
  it("are measured once and consistent with each other and the runtime", () => {
    assert.equal(engineFacts(), facts);
    assert.ok(facts.simd, "both pinned runtimes have SIMD128");
    if (facts.relaxedSimd) assert.ok(facts.simd);
    if (facts.fusedMaddF32 || facts.fusedMaddF64) assert.ok(facts.relaxedSimd);
    if (facts.sharedMemory) assert.equal(typeof SharedArrayBuffer, "function");
    const g = globalThis as { Deno?: unknown; Bun?: unknown };
    assert.equal(facts.engine, g.Deno ? "deno" : g.Bun ? "bun" : "other");
    for (const dtype of ["float32", "float64"] as const) {
      const tile = chooseTile(dtype, facts);
      assert.equal(tile.fma, dtype === "float32" ? facts.fusedMaddF32 : facts.fusedMaddF64, "FMA only where fused");
    }
  });

  it("the kernel rounds a·b + c once exactly when the facts say relaxed_madd is fused", () => {
    // op(A)·op(B) = 1·(−1) + (1 + ε)(1 − ε) = −ε² exactly; rounding the
    // product first gives 1 − 1 = 0. Both are within the error bound.
    for (const dtype of ["float32", "float64"] as const) {
      const eps = dtype === "float32" ? 2 ** -23 : 2 ** -52;
      const Arr = dtype === "float32" ? Float32Array : Float64Array;
      const a = new Arr([1, 1 + eps]), b = new Arr([-1, 1 - eps]);
      const d: GemmDims = {
        batch: 1,
        m: 1,
        n: 1,
        k: 2,
        transA: false,
        transB: false,
        aBatchStride: 0,
        bBatchStride: 0,
      };
      const fused = dtype === "float32" ? facts.fusedMaddF32 : facts.fusedMaddF64;
      const base = { dtype, mr: 2, nr: dtype === "float32" ? 4 : 2 };
      assert.equal(wasmGemm(a, b, d, dtype, { tile: { ...base, fma: false } })[0], 0);
      if (facts.relaxedSimd) {
        assert.equal(wasmGemm(a, b, d, dtype, { tile: { ...base, fma: true } })[0], fused ? -(eps * eps) : 0);
      }
      assert.equal(wasmGemm(a, b, d, dtype)[0], fused ? -(eps * eps) : 0, "the default tile uses FMA where fused");
    }
  });
});
