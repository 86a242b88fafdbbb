/**
 * The wasm gemm split over its worker pool (`backends/wasm/threads.ts`):
 * a split product equals the one-thread product bit for bit (same chunks of
 * the same kernel, whichever threads run them) and is within the rounding
 * bound of the TS kernel and the float64 triple loop, for both dtypes, every
 * transpose, shared and strided batches, and sizes that split unevenly over
 * 2–4 threads; the pool is forced on for small sizes (`splitFrom: 0`) so
 * this stays fast. Workers really take chunks, learn tiles first used after
 * they started, and see the arena grow. A failed chunk is reported, not
 * lost. Last, in fresh Deno and Bun processes: loading the library starts
 * no worker, a large product starts them (none with `DENDRITE_THREADS=1`),
 * and the process still ends on its own.
 */
import { spawnSync } from "node:child_process";
import path from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { assert, describe, fc, it } from "./lib/test.ts";
import { wasmGemm, type WasmGemmOptions } from "../backends/wasm/gemm.ts";
import { gemm as tsGemm } from "../backends/ts/gemm.ts";
import { engineFacts } from "../backends/wasm/engine.ts";
import { Arena } from "../backends/wasm/memory.ts";
import { type GemmPool, gemmPool, MAX_THREADS, THREADS_VARIABLE } from "../backends/wasm/threads.ts";
import { CONTROL, JOB_FIELDS, MAX_ROW_CHUNKS } from "../backends/wasm/gemm_worker.ts";
import { chooseBlocking, chooseTile, type TileConfig } from "../backends/wasm/tiles.ts";
import { gemmLayout } from "../backends/wasm/gemm.ts";
import { gemmKernels } from "../backends/wasm/kernels.ts";
import { assertNear, type Float, gemmReference, operands } from "./lib/gemm.ts";
import { dimsOf, type Problem, problem } from "./lib/gemm.ts";

const facts = engineFacts();
const SLOW = { timeout: 60_000 };

/** A shared arena with a pool of `threads` threads whose workers are all up. */
async function pooled(threads: number): Promise<{ arena: Arena; pool: GemmPool }> {
  const arena = new Arena({ shared: true });
  const pool = gemmPool(arena, threads);
  assert.ok(pool !== undefined, "both runtimes have workers and shared memory");
  await pool.whenReady();
  assert.equal(pool.ready, threads - 1);
  return { arena, pool };
}

/** The split product: bitwise the one-thread product, within the bound of the reference and the TS kernel. */
function check(p: Problem, dtype: Float, options: WasmGemmOptions) {
  const d = dimsOf(p);
  const { a, b } = operands(d, dtype, p.seed);
  const a0 = a.slice(), b0 = b.slice();
  const split = wasmGemm(a, b, d, dtype, { ...options, splitFrom: 0 });
  const alone = wasmGemm(a, b, d, dtype, { ...options, threads: 1 });
  assert.deepEqual(split, alone, `split vs one thread ${JSON.stringify(d)}`);
  const { c, tol } = gemmReference(a, b, d, dtype);
  assertNear(split, c, tol, JSON.stringify(d));
  assertNear(split, tsGemm(a, b, d, dtype), tol, `vs TS kernel ${JSON.stringify(d)}`);
  assert.deepEqual(a, a0);
  assert.deepEqual(b, b0);
}

describe("backends/wasm threads: split products", () => {
  for (const dtype of ["float32", "float64"] as const) {
    it(`${dtype}: over 2–4 threads equals one thread and the TS kernel, m, n, k in 1..97`, SLOW, async () => {
      const { arena, pool } = await pooled(4);
      try {
        const threads = fc.integer({ min: 2, max: 4 });
        fc.assert(
          fc.property(
            problem(fc.integer({ min: 1, max: 97 })),
            threads,
            (p, t) => check(p, dtype, { arena, threads: t }),
          ),
          { numRuns: 150 },
        );
      } finally {
        pool.close();
      }
    });
  }

  it("tiles first used after the workers started, with small k slices and row blocks", SLOW, async () => {
    const { arena, pool } = await pooled(3);
    const tiles: readonly TileConfig[] = [
      { dtype: "float32", mr: 6, nr: 8, fma: facts.relaxedSimd },
      { dtype: "float32", mr: 2, nr: 16, fma: false },
      { dtype: "float32", mr: 5, nr: 12, fma: false },
      { dtype: "float64", mr: 6, nr: 4, fma: facts.relaxedSimd },
      { dtype: "float64", mr: 3, nr: 2, fma: facts.relaxedSimd },
    ];
    try {
      fc.assert(
        fc.property(
          problem(fc.integer({ min: 1, max: 60 })),
          fc.constantFrom(...tiles),
          fc.integer({ min: 1, max: 12 }),
          fc.integer({ min: 1, max: 4 }),
          (p, tile, kcHalf, mcTiles) =>
            check(p, tile.dtype, { arena, threads: 3, tile, blocking: { kc: 2 * kcHalf, mc: mcTiles * tile.mr } }),
        ),
        { numRuns: 120 },
      );
    } finally {
      pool.close();
    }
  });

  it("the workers take chunks, and see the arena grow between products", SLOW, async () => {
    const { arena, pool } = await pooled(3);
    try {
      const before = pool.chunksRun();
      const before0 = arena.byteLength;
      // Growing sizes, so most products grow the arena first.
      for (const size of [48, 64, 96, 128, 160, 200]) {
        for (const dtype of ["float32", "float64"] as const) {
          const p: Problem = {
            m: size + 5,
            n: size - 3,
            k: size + 1,
            batch: 1,
            transA: size % 32 === 0,
            transB: size % 40 === 0,
            shareA: false,
            shareB: false,
            seed: size,
          };
          check(p, dtype, { arena, threads: 3 });
        }
      }
      assert.ok(arena.byteLength > before0, "the arena grew");
      const after = pool.chunksRun();
      const byWorkers = after.slice(1).reduce((s, x, i) => s + x - before[i + 1], 0);
      assert.ok(byWorkers > 0, `chunks run by workers: ${after} (before ${before})`);
    } finally {
      pool.close();
    }
  });

  it(
    "closing a pool ends its workers' threads, even while they sleep in Atomics.wait; the arena still multiplies",
    SLOW,
    async () => {
      const { arena, pool } = await pooled(3);
      const p: Problem = {
        m: 90,
        n: 70,
        k: 50,
        batch: 2,
        transA: false,
        transB: true,
        shareA: false,
        shareB: true,
        seed: 9,
      };
      check(p, "float32", { arena, threads: 3 });
      assert.equal(pool.alive, 2);
      pool.close();
      assert.equal(pool.threads, 1);
      for (let waited = 0; pool.alive > 0 && waited < 20_000; waited += 10) await new Promise((r) => setTimeout(r, 10));
      assert.equal(pool.alive, 0, "every worker's thread exited");
      check(p, "float64", { arena, threads: 3 }); // grows the pool again
      assert.equal(pool.alive, 2);
      pool.close();
    },
  );

  it("a chunk that fails is reported (the caller redoes the product), and the pool is then not used", () => {
    const arena = new Arena({ initialPages: 1, maximumPages: 1, shared: true });
    const pool = gemmPool(arena, 2)!;
    const warn = console.warn;
    const notices: unknown[] = [];
    console.warn = (...x: unknown[]) => void notices.push(x);
    try {
      const throwing = {
        packA() {},
        packB() {},
        gemm() {
          throw new Error("injected");
        },
      };
      const tile: TileConfig = { dtype: "float32", mr: 2, nr: 4, fma: false };
      const job = { ap: 4096, bp: 8192, c: 12288, mPad: 8, nPad: 4, kPad: 2, kc0: 2, mc0: 2, es: 4, rows: 2, k: 2 };
      assert.equal(pool.run(tile, throwing, 2, job), false);
      assert.equal(pool.failed, true);
      assert.equal(gemmPool(arena, 2), undefined);
      assert.ok(notices.length <= 1, "one notice at most");
    } finally {
      console.warn = warn;
      pool.close();
    }
  });

  it("the control block's fields fit the header, apart from the words threads contend on", () => {
    const last = Math.max(CONTROL.JOB + JOB_FIELDS.length, CONTROL.STATS + MAX_THREADS, CONTROL.FLAGS + MAX_ROW_CHUNKS);
    assert.ok(last * 4 <= 4096);
    assert.ok(CONTROL.DONE - CONTROL.CLAIM >= 16 && CONTROL.JOB - CONTROL.DONE >= 16, "64 bytes apart");
    assert.ok(CONTROL.JOB + JOB_FIELDS.length <= CONTROL.STATS);
    assert.ok(CONTROL.STATS + MAX_THREADS <= CONTROL.FLAGS);
  });

  it("rows of C reach the caller's collect hook in order, each chunk only once it is done", SLOW, async () => {
    const { arena, pool } = await pooled(3);
    try {
      const tile = chooseTile("float32", facts);
      const [m, n, k] = [61, 24, 37];
      const L = gemmLayout(m, n, k, tile, chooseBlocking(tile));
      arena.ensure("test", L.end);
      const kern = gemmKernels(arena, tile);
      const { a, b } = operands(
        { batch: 1, m, n, k, transA: false, transB: false, aBatchStride: 0, bBatchStride: 0 },
        "float32",
        7,
      );
      arena.f32().set(a, L.stageA / 4);
      arena.f32().set(b, L.stageB / 4);
      kern.packB(L.stageB, 1, n, n, k, L.kPad, L.bp);
      kern.packA(L.stageA, k, 1, m, k, L.kPad, L.ap);
      const rows = tile.mr; // as many chunks as panels: the workers finish some while others run
      const job = { ...L, es: 4, rows, k }; // the layout's addresses, sizes and blocking
      for (let round = 0; round < 20; round++) {
        arena.f32().fill(Number.NaN, L.c / 4, L.end / 4);
        const seen: [number, number][] = [], copied: Float32Array[] = [];
        const ok = pool.run(tile, kern, 3, job, {
          collect: (r0, r1) => {
            seen.push([r0, r1]);
            copied.push(arena.f32().slice(L.c / 4 + r0 * L.nPad, L.c / 4 + r1 * L.nPad));
          },
        });
        assert.equal(ok, true);
        const expected = Array.from({ length: L.mPad / rows }, (_, i) => [i * rows, (i + 1) * rows]);
        assert.deepEqual(seen, expected, "every row chunk, in order, once");
        const final = arena.f32().subarray(L.c / 4, L.c / 4 + L.mPad * L.nPad);
        const whole = new Float32Array(L.mPad * L.nPad);
        copied.forEach((rowsOf, i) => whole.set(rowsOf, seen[i][0] * L.nPad));
        assert.deepEqual(whole, final, "what was collected is the finished product");
        assert.ok(!whole.some(Number.isNaN), "no row was collected before its chunk wrote it");
      }
    } finally {
      pool.close();
    }
  });
});

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const FIXTURE = "tests/fixtures/wasm_threads_exit.ts";

/** Runs the fixture on `runtime` with DENDRITE_THREADS=`threads`; its JSON line and how long the process lived. */
function runFixture(runtime: "deno" | "bun", threads: string) {
  const args = runtime === "deno" ? ["run", "-A", FIXTURE] : [FIXTURE];
  const t0 = performance.now();
  const r = spawnSync(path.join(root, "node_modules", ".bin", runtime), args, {
    cwd: root,
    env: { ...process.env, NO_COLOR: "1", [THREADS_VARIABLE]: threads },
    encoding: "utf8",
    timeout: 60_000,
  });
  const wall = performance.now() - t0;
  const what = `${runtime} ${args.join(" ")} (${THREADS_VARIABLE}=${threads}):\n${r.stdout}\n${r.stderr}`;
  assert.equal(r.signal, null, `killed after ${Math.round(wall)} ms, so it did not end on its own: ${what}`);
  assert.equal(r.status, 0, what);
  assert.equal(r.stderr, "", "no notice");
  const out = JSON.parse(r.stdout.trim().split("\n").at(-1) ?? "") as {
    afterLoad: number;
    afterSmall: number;
    afterLarge: number;
    right: boolean;
    ms: number;
  };
  return { out, wall };
}

describe("backends/wasm threads: lifetime, in a fresh process", () => {
  for (const runtime of ["deno", "bun"] as const) {
    it(`${runtime}: loading starts no worker, a large product starts one, and the program still ends`, SLOW, () => {
      const { out, wall } = runFixture(runtime, "2");
      assert.equal(out.afterLoad, 0);
      assert.equal(out.afterSmall, 0, "a small product stays on the calling thread");
      assert.equal(out.afterLarge, 1, "DENDRITE_THREADS=2: one worker beside the caller");
      assert.ok(out.right);
      // Startup and the product take a second or two; a worker that kept the
      // process alive would hold it until the 60 s kill.
      assert.ok(wall < 30_000, `${Math.round(wall)} ms`);
    });

    it(`${runtime}: DENDRITE_THREADS=1 starts no worker`, SLOW, () => {
      const { out } = runFixture(runtime, "1");
      assert.deepEqual([out.afterLoad, out.afterSmall, out.afterLarge, out.right], [0, 0, 0, true]);
    });
  }
});
