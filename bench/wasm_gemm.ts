/**
 * The WebAssembly SIMD gemm (`backends/wasm/gemm.ts`) split over its worker
 * pool and on one thread, against the TypeScript kernel
 * (`backends/ts/gemm.ts`) and against the measurement probe it grew from
 * (`shared/probes/wasm_simd/probe.ts`, run as a subprocess between rounds
 * of ours, on the same machine, with the same tile on 1 thread and on 2
 * workers: the probe's best configuration on both runtimes), in GFLOP/s =
 * 2·m·n·k / t. Times are medians over 7 batches of ≥ 150 ms after three
 * warm-up batches, and include everything a caller pays: copying the
 * operands into the arena, packing, the kernel, and the fresh output. The
 * probe times only packB + kernel on operands already in its memory, so the
 * ratio shows what the library's copies and generality cost. The contenders
 * take turns, batch by batch, so all see the same machine.
 *
 * Shapes: n×n at 256 and 1024; the Fashion-MNIST MLP's products at batch
 * 128 (forward [128,784]@[784,512], its weight gradient xᵀ·dy and input
 * gradient dy·Wᵀ, the hidden [128,512]@[512,512] and the head
 * [128,512]@[512,10]); float64 at 256.
 *
 *   deno run -A bench/wasm_gemm.ts      bun run bench/wasm_gemm.ts
 *   args: probe=0 (skip the probe)  rounds=3 (square shapes: rounds of ours between probe runs)
 *         phases=1 (time copy-in / pack / kernel / copy-out apart, one thread)
 *         ts=0 (skip the TS kernel)  shapes=square (only n = 256 and 1024)
 *         openblas=0 (skip cblas_?gemm, which otherwise runs, where it loads, after everything else:
 *         its threads spin for a while after each call and would take the cores from the others)
 *   DENDRITE_THREADS sets the pool's size (default: the cores).
 *
 * @module
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import process from "node:process";
import type { GemmDims } from "../backends/backend.ts";
import { gemm as tsGemm } from "../backends/ts/gemm.ts";
import { gemm as blasGemm } from "../backends/openblas/blas.ts";
import { describeFailure, openblasLibrary } from "../backends/openblas/mod.ts";
import { engineFacts } from "../backends/wasm/engine.ts";
import { gemmLayout, prefersTransposed, wasmGemm } from "../backends/wasm/gemm.ts";
import { gemmKernels } from "../backends/wasm/kernels.ts";
import { defaultArena } from "../backends/wasm/memory.ts";
import { gemmPool, gemmThreads } from "../backends/wasm/threads.ts";
import { chooseBlocking, chooseTile, type FloatDType } from "../backends/wasm/tiles.ts";
import { lcgArray, meanMs, medianOf, printTable, runtime } from "./harness.ts";

const args = new Map(process.argv.slice(2).map((a) => [a.split("=")[0], a.split("=")[1] ?? "1"] as const));

interface Shape {
  readonly name: string;
  readonly dims: GemmDims;
  readonly dtype: FloatDType;
}
const shape = (name: string, m: number, k: number, n: number, dtype: FloatDType, transA = false, transB = false) => ({
  name,
  dtype,
  dims: { batch: 1, m, n, k, transA, transB, aBatchStride: 0, bBatchStride: 0 },
});
const ALL_SHAPES: readonly Shape[] = [
  shape("n=256", 256, 256, 256, "float32"),
  shape("n=1024", 1024, 1024, 1024, "float32"),
  shape("mlp x@W1 [128,784]@[784,512]", 128, 784, 512, "float32"),
  shape("mlp dW1 = xᵀ·dy (transA)", 784, 128, 512, "float32", true),
  shape("mlp dx = dy·W1ᵀ (transB)", 128, 512, 784, "float32", false, true),
  shape("mlp [128,512]@[512,512]", 128, 512, 512, "float32"),
  shape("mlp [128,512]@[512,10]", 128, 512, 10, "float32"),
  shape("f64 n=256", 256, 256, 256, "float64"),
];
const SHAPES = args.get("shapes") === "square" ? ALL_SHAPES.slice(0, 2) : ALL_SHAPES;

/** Calls per batch so that a batch lasts at least 150 ms. */
function innerFor(f: () => unknown): number {
  f();
  return Math.max(1, Math.ceil(150 / Math.max(meanMs(f, 1), 0.005)));
}

/**
 * Medians (ms per call) of contenders timed in turns: three warm-up rounds,
 * then 7. Three, because a process's first few hundred fresh outputs of
 * 256 KiB and more each fault in new pages (0.7 ms per 256 KiB here, on both
 * runtimes, for any way of allocating) until the allocator starts reusing
 * freed memory; one round of 150 ms measured that transient instead.
 */
function race(fs: readonly (() => unknown)[]): number[] {
  const WARMUP = 3;
  const inner = fs.map(innerFor);
  const times = fs.map(() => [] as number[]);
  for (let round = 0; round < WARMUP + 7; round++) {
    fs.forEach((f, i) => {
      const t = meanMs(f, inner[i]);
      if (round >= WARMUP) times[i].push(t);
    });
  }
  return times.map((t) => medianOf(t));
}

const facts = engineFacts();
const tile32 = chooseTile("float32", facts), tile64 = chooseTile("float64", facts);

/** The probe's GFLOP/s by `n:threads` (1 thread, 2 workers), with the tile the library picked for float32; undefined if it is absent. */
function runProbe(): Map<string, number> | undefined {
  const path = fileURLToPath(new URL("../../shared/probes/wasm_simd/probe.ts", import.meta.url));
  if (args.get("probe") === "0" || !existsSync(path)) return undefined;
  const probeArgs = [`mr=${tile32.mr}`, `nr=${tile32.nr}`, "uk=2", `fma=${tile32.fma ? 1 : 0}`, "threads=1,2"];
  const cmd = (globalThis as { Deno?: unknown }).Deno ? ["run", "-A", path] : ["run", path];
  const text = execFileSync(process.execPath, [...cmd, ...probeArgs, "n=256,1024", "nojs=1"], { encoding: "utf8" });
  const got = new Map<string, number>();
  for (const m of text.matchAll(/ n=(\d+) .*threads=(\d+) .*: ([\d.]+) GFLOP\/s median/g)) {
    got.set(`${m[1]}:${m[2]}`, Number(m[3]));
  }
  return got;
}

/**
 * CPU time of the whole machine and of this process (with its finished
 * children), in seconds, from /proc (Linux, 100 ticks a second); undefined
 * elsewhere. The difference is what other work took from the run.
 */
function machineLoad(): { busy: number; ours: number; wall: number } | undefined {
  try {
    const f = readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).slice(1).map(Number);
    const busy = f.reduce((p, q) => p + q, 0) - f[3] - f[4]; // all but idle and iowait
    // utime, stime, cutime, cstime: this process's threads and the probe runs it waited for.
    const self = readFileSync("/proc/self/stat", "utf8").split(") ")[1].split(" ").slice(11, 15).map(Number);
    const ours = self.reduce((p, q) => p + q, 0);
    return { busy: busy / 100, ours: ours / 100, wall: performance.now() / 1000 };
  } catch {
    return undefined;
  }
}

const gflops = (d: GemmDims, ms: number) => (2 * d.m * d.n * d.k) / ms / 1e6;

const threads = gemmThreads();
// Start the pool and wait for its workers, so the race measures it warm.
await gemmPool(defaultArena(), threads)?.whenReady();
const withTs = args.get("ts") !== "0";
const rounds = Math.max(1, Number(args.get("rounds") ?? 3));

/** GFLOP/s by contender: pool, one, ts, and for square float32 shapes poolReused, oneReused. */
type Rates = Record<string, number>;
const square = (s: Shape) => s.dtype === "float32" && s.dims.m === s.dims.n && s.dims.n === s.dims.k;

/** Races the contenders of one shape (after checking that wasm and TS agree). */
function measure(s: Shape, ts: boolean): Rates {
  const { dims, dtype } = s;
  const a = lcgArray(dims.m * dims.k, 1, dtype), b = lcgArray(dims.k * dims.n, 2, dtype);
  // The same answer within float32 rounding first, so the race is between equal work.
  const cw = wasmGemm(a, b, dims, dtype), ct = tsGemm(a, b, dims, dtype);
  const scale = 4 * dims.k * dims.k * (dtype === "float32" ? 2 ** -24 : 2 ** -53); // 4·k·u·Σ|a·b|, |a|, |b| < 1
  if (cw.some((x, i) => !(Math.abs(x - ct[i]) <= scale))) throw new Error(`${s.name}: wasm and TS results differ`);
  // "Reused": the output array handed back each call, as the backend's pool
  // does for a loop that disposes; a fresh array's pages are faulted in on
  // first write, which on this VM can cost as much as the kernel at n = 256.
  const reused = cw.slice();
  const allocate = () => reused;
  const contenders: Record<string, () => unknown> = {
    pool: () => wasmGemm(a, b, dims, dtype),
    one: () => wasmGemm(a, b, dims, dtype, { threads: 1 }),
  };
  if (square(s)) {
    contenders.poolReused = () => wasmGemm(a, b, dims, dtype, { allocate });
    contenders.oneReused = () => wasmGemm(a, b, dims, dtype, { threads: 1, allocate });
  }
  if (ts) contenders.ts = () => tsGemm(a, b, dims, dtype);
  const names = Object.keys(contenders);
  const ms = race(names.map((k) => contenders[k]));
  return Object.fromEntries(names.map((k, i) => [k, gflops(dims, ms[i])]));
}

const load0 = machineLoad();
// The square float32 shapes take turns with the probe, `rounds` times (probe,
// ours, probe, ours, …, probe): the machine drifts by ±15 % within minutes,
// so each round of ours is set against the probe runs just before and after.
const squares = SHAPES.filter(square);
const probes = [runProbe()];
const squareRounds: Rates[][] = [];
for (let r = 0; r < rounds; r++) {
  squareRounds.push(squares.map((s) => measure(s, withTs && r === 0)));
  probes.push(runProbe());
}
const others = SHAPES.filter((s) => !square(s)).map((s) => ({ s, g: measure(s, withTs) }));
const load1 = machineLoad();
const blas = args.get("openblas") === "0" ? undefined : openblasLibrary();
/** GFLOP/s of cblas_?gemm into a fresh output, by shape name (OpenBLAS's own threads, all cores). */
const blasRates = new Map<string, number>();
if (blas?._tag === "Right") {
  for (const { name, dims, dtype } of SHAPES) {
    const { m, n, k, transA, transB } = dims;
    const a = lcgArray(m * k, 1, dtype), b = lcgArray(k * n, 2, dtype);
    const call = () => {
      const c = dtype === "float32" ? new Float32Array(m * n) : new Float64Array(m * n);
      blasGemm(blas.right, {
        transA,
        transB,
        m,
        n,
        k,
        alpha: 1,
        a,
        aOffset: 0,
        lda: transA ? m : k,
        b,
        bOffset: 0,
        ldb: transB ? k : n,
        beta: 0,
        c,
        cOffset: 0,
        ldc: n,
      });
      return c;
    };
    blasRates.set(name, gflops(dims, race([call])[0]));
  }
}

const f1 = (x: number | undefined) => (x === undefined || Number.isNaN(x) ? "" : x.toFixed(1));
const f2 = (x: number | undefined, y: number | undefined) => (x === undefined || !y ? "" : (x / y).toFixed(2));
/** Each contender's median over the rounds (the TS kernel ran in the first only). */
const squareMedian = (i: number): Rates => {
  const keys = Object.keys(squareRounds[0][i]);
  return Object.fromEntries(
    keys.map((k) => [k, medianOf(squareRounds.map((r) => r[i][k]).filter((x) => x !== undefined))]),
  );
};
const results = [...squares.map((s, i) => ({ s, g: squareMedian(i) })), ...others]
  .map(({ s, g }): { s: Shape; g: Rates } => ({ s, g: { ...g, openblas: blasRates.get(s.name) ?? NaN } }));

const t = (x: typeof tile32) => `${x.mr}×${x.nr} ${x.fma ? "relaxed_madd (fused)" : "mul+add"}`;
console.log(
  `wasm SIMD gemm vs TS kernel — ${runtime()}; pool of ${threads} threads; float32 tile ${t(tile32)}, float64 ${
    t(tile64)
  }`,
);
if (load0 && load1) {
  const busy = (load1.busy - load0.busy - (load1.ours - load0.ours)) / (load1.wall - load0.wall);
  console.log(`other processes used ${Math.max(0, 100 * busy).toFixed(0)} % of a core during the run`);
}
console.log(`GFLOP/s, median (fresh output arrays; square shapes: median of ${rounds} rounds)`);
if (blas?._tag === "Left") console.log(`openblas: not loaded (${describeFailure(blas.left)})`);
printTable(
  ["shape", "dtype", "pool", "1 thread", "ts", "openblas", "pool/1 thread", "pool/ts", "pool/openblas"],
  results.map(({ s, g }) => [
    s.name,
    s.dtype,
    f1(g.pool),
    f1(g.one),
    f1(g.ts),
    f1(g.openblas),
    f2(g.pool, g.one),
    f2(g.pool, g.ts),
    f2(g.pool, g.openblas),
  ]),
);

if (probes.some((p) => p !== undefined)) {
  /** The probe's mean around round r (the run before it and the run after it). */
  const probeAround = (r: number, n: number, th: number) => {
    const xs = [probes[r], probes[r + 1]].map((p) => p?.get(`${n}:${th}`)).filter((x): x is number => x !== undefined);
    return xs.length ? xs.reduce((p, q) => p + q) / xs.length : undefined;
  };
  console.log(
    "\nagainst the probe (same tile; 1 thread, and 2 workers for the pool), each round against the probe runs around it;",
  );
  console.log("GFLOP/s per round as ours/probe, then the median of the rounds' ratios");
  const rows: string[][] = [];
  squares.forEach((s, i) => {
    const n = s.dims.n;
    const lines = [["1 thread", "one", 1], ["1 thread, reused out", "oneReused", 1], ["pool", "pool", 2], [
      "pool, reused out",
      "poolReused",
      2,
    ]] as const;
    for (const [what, key, th] of lines) {
      const per = squareRounds.map((round, r) => [round[i][key], probeAround(r, n, th)] as const);
      const ratios = per.filter(([, p]) => p !== undefined).map(([x, p]) => x / p!);
      rows.push([
        s.name,
        what,
        per.map(([x, p]) => `${f1(x)}/${f1(p)}`).join("  "),
        ratios.length ? medianOf(ratios).toFixed(2) : "",
      ]);
    }
  });
  printTable(["shape", "library", "rounds: ours/probe GFLOP/s", "median ratio"], rows);
}

if (args.get("phases") === "1") printPhases();

/**
 * Where the time goes: each phase of wasmGemm run on its own (the same
 * calls, in the same arena, timed apart), in ms, with the kernel's own rate.
 */
function printPhases() {
  const arena = defaultArena();
  const out: string[][] = [];
  for (const { dims, dtype, name } of SHAPES) {
    const { m, n, k, transA, transB } = dims;
    const tile = dtype === "float32" ? tile32 : tile64;
    // As wasmGemm does it: C, or Cᵀ from the operands' packers swapped.
    const swap = prefersTransposed(m, n, k, tile);
    const L = swap ? gemmLayout(n, m, k, tile, chooseBlocking(tile)) : gemmLayout(m, n, k, tile, chooseBlocking(tile));
    arena.ensure("gemm", L.end);
    const K = gemmKernels(arena, tile);
    const a = lcgArray(m * k, 1, dtype), b = lcgArray(k * n, 2, dtype);
    const view = () => (dtype === "float32" ? arena.f32() : arena.f64());
    const [aRs, aPs] = transA ? [1, m] : [k, 1];
    const [bRs, bPs] = transB ? [k, 1] : [1, n];
    const [packA, packB] = swap ? [K.packB, K.packA] : [K.packA, K.packB];
    const [aDst, bDst] = swap ? [L.bp, L.ap] : [L.ap, L.bp];
    const c = L.c / L.es;
    const copyOut = () => {
      if (!swap) {
        if (L.nPad !== n) K.compact(L.c, m, n, L.nPad);
        return view().subarray(c, c + m * n).slice();
      }
      const v = view(), out = dtype === "float32" ? new Float32Array(m * n) : new Float64Array(m * n);
      for (let j = 0; j < n; j++) for (let i = 0; i < m; i++) out[i * n + j] = v[c + j * L.nPad + i];
      return out;
    };
    const phases = [
      () => (view().set(b, (swap ? L.stageA : L.stageB) / L.es), view().set(a, (swap ? L.stageB : L.stageA) / L.es)),
      () => packB(swap ? L.stageA : L.stageB, bRs, bPs, n, k, L.kPad, bDst),
      () => packA(swap ? L.stageB : L.stageA, aRs, aPs, m, k, L.kPad, aDst),
      () => K.gemm(L.ap, L.bp, L.c, L.mPad, L.nPad, L.kPad, L.kc0, L.mc0),
      copyOut,
    ];
    const ms = race(phases);
    const total = ms.reduce((p, q) => p + q);
    out.push([name, ...ms.map((x) => x.toFixed(3)), gflops(dims, ms[3]).toFixed(1), gflops(dims, total).toFixed(1)]);
  }
  console.log("\nphases, ms (median; packB/packA = op(B)/op(A), whichever side they take); kernel GFLOP/s; of the sum");
  printTable(["shape", "copy-in", "packB", "packA", "kernel", "copy-out", "kernel GF", "sum GF"], out);
}
