/**
 * The WebAssembly SIMD gemm (`backends/wasm/gemm.ts`) against the
 * TypeScript kernel (`backends/ts/gemm.ts`) and against the measurement
 * probe it grew from (`shared/probes/wasm_simd/probe.ts`, run as a
 * subprocess in the same run, on the same machine, with the same tile), in
 * GFLOP/s = 2·m·n·k / t. Times are medians over 7 batches of ≥ 150 ms after
 * three warm-up batches, and include everything a caller pays: copying the
 * operands into the arena, packing, the kernel, and the fresh output. The
 * probe times only packB + kernel on operands already in its memory, so the
 * ratio shows what the library's copies and generality cost. wasm and TS
 * take turns, batch by batch, so both see the same machine.
 *
 * Shapes: n×n at 256 and 1024; the Fashion-MNIST MLP's products at batch
 * 128 (forward [128,784]@[784,512], its weight gradient xᵀ·dy and input
 * gradient dy·Wᵀ, the hidden [128,512]@[512,512] and the head
 * [128,512]@[512,10]); float64 at 256.
 *
 *   deno run -A bench/wasm_gemm.ts      bun run bench/wasm_gemm.ts
 *   args: probe=0 (skip the probe)  phases=1 (time copy-in / pack / kernel / copy-out apart)
 *
 * @module
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import process from "node:process";
import type { GemmDims } from "../backends/backend.ts";
import { gemm as tsGemm } from "../backends/ts/gemm.ts";
import { engineFacts } from "../backends/wasm/engine.ts";
import { gemmLayout, prefersTransposed, wasmGemm } from "../backends/wasm/gemm.ts";
import { gemmKernels } from "../backends/wasm/kernels.ts";
import { defaultArena } from "../backends/wasm/memory.ts";
import { chooseBlocking, chooseTile, type FloatDType } from "../backends/wasm/tiles.ts";
import { printTable, runtime } from "./harness.ts";

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
const SHAPES: readonly Shape[] = [
  shape("n=256", 256, 256, 256, "float32"),
  shape("n=1024", 1024, 1024, 1024, "float32"),
  shape("mlp x@W1 [128,784]@[784,512]", 128, 784, 512, "float32"),
  shape("mlp dW1 = xᵀ·dy (transA)", 784, 128, 512, "float32", true),
  shape("mlp dx = dy·W1ᵀ (transB)", 128, 512, 784, "float32", false, true),
  shape("mlp [128,512]@[512,512]", 128, 512, 512, "float32"),
  shape("mlp [128,512]@[512,10]", 128, 512, 10, "float32"),
  shape("f64 n=256", 256, 256, 256, "float64"),
];

/** Uniform [-1, 1) entries from a fixed linear congruential sequence. */
function randomArray(size: number, seed: number, dtype: FloatDType): Float32Array | Float64Array {
  const out = dtype === "float32" ? new Float32Array(size) : new Float64Array(size);
  let s = seed >>> 0;
  for (let i = 0; i < size; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

/** Mean ms per call over `inner` calls. */
function timeOnce(f: () => unknown, inner: number): number {
  const t0 = performance.now();
  for (let i = 0; i < inner; i++) f();
  return (performance.now() - t0) / inner;
}

/** Calls per batch so that a batch lasts at least 150 ms. */
function innerFor(f: () => unknown): number {
  f();
  return Math.max(1, Math.ceil(150 / Math.max(timeOnce(f, 1), 0.005)));
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
      const t = timeOnce(f, inner[i]);
      if (round >= WARMUP) times[i].push(t);
    });
  }
  return times.map(median);
}

const facts = engineFacts();
const tile32 = chooseTile("float32", facts), tile64 = chooseTile("float64", facts);

/** The probe's single-thread GFLOP/s by n, with the tile the library picked for float32; undefined if it is absent. */
function runProbe(): Map<number, number> | undefined {
  const path = fileURLToPath(new URL("../../shared/probes/wasm_simd/probe.ts", import.meta.url));
  if (args.get("probe") === "0" || !existsSync(path)) return undefined;
  const probeArgs = [`mr=${tile32.mr}`, `nr=${tile32.nr}`, "uk=2", `fma=${tile32.fma ? 1 : 0}`, "threads=1"];
  const cmd = (globalThis as { Deno?: unknown }).Deno ? ["run", "-A", path] : ["run", path];
  const text = execFileSync(process.execPath, [...cmd, ...probeArgs, "n=256,1024", "nojs=1"], { encoding: "utf8" });
  const got = new Map<number, number>();
  for (const m of text.matchAll(/ n=(\d+) .*threads=1 .*: ([\d.]+) GFLOP\/s median/g)) {
    got.set(Number(m[1]), Number(m[2]));
  }
  return got;
}

const gflops = (d: GemmDims, ms: number) => (2 * d.m * d.n * d.k) / ms / 1e6;

const probeBefore = runProbe();
const rows: string[][] = [];
const results: { s: Shape; wasm: number; ts: number }[] = [];
for (const s of SHAPES) {
  const { dims, dtype } = s;
  const a = randomArray(dims.m * dims.k, 1, dtype), b = randomArray(dims.k * dims.n, 2, dtype);
  // The same answer within float32 rounding first, so the race is between equal work.
  const cw = wasmGemm(a, b, dims, dtype), ct = tsGemm(a, b, dims, dtype);
  const scale = 4 * dims.k * dims.k * (dtype === "float32" ? 2 ** -24 : 2 ** -53); // 4·k·u·Σ|a·b|, |a|, |b| < 1
  if (cw.some((x, i) => !(Math.abs(x - ct[i]) <= scale))) throw new Error(`${s.name}: wasm and TS results differ`);
  const [tw, tt] = race([() => wasmGemm(a, b, dims, dtype), () => tsGemm(a, b, dims, dtype)]);
  results.push({ s, wasm: gflops(dims, tw), ts: gflops(dims, tt) });
}
const probeAfter = runProbe();
/** Mean of the probe's runs before and after ours, so drift of the machine shows in neither alone. */
const probe = (n: number) => {
  const xs = [probeBefore?.get(n), probeAfter?.get(n)].filter((x): x is number => x !== undefined);
  return xs.length ? xs.reduce((p, q) => p + q) / xs.length : undefined;
};
for (const { s, wasm, ts } of results) {
  const square = s.dtype === "float32" && s.dims.m === s.dims.n && s.dims.n === s.dims.k ? probe(s.dims.n) : undefined;
  rows.push([
    s.name,
    s.dtype,
    wasm.toFixed(1),
    ts.toFixed(1),
    (wasm / ts).toFixed(1),
    square === undefined ? "" : square.toFixed(1),
    square === undefined ? "" : (wasm / square).toFixed(2),
  ]);
}

const t = (x: typeof tile32) => `${x.mr}×${x.nr} ${x.fma ? "relaxed_madd (fused)" : "mul+add"}`;
console.log(`wasm SIMD gemm vs TS kernel — ${runtime()}; 1 thread; float32 tile ${t(tile32)}, float64 ${t(tile64)}`);
console.log(
  `probe (same tile, 1 thread, no copies) before/after: ${
    probeBefore ? [...probeBefore].map(([n, g]) => `n=${n} ${g}`).join(", ") : "—"
  } / ${probeAfter ? [...probeAfter].map(([n, g]) => `n=${n} ${g}`).join(", ") : "—"}`,
);
console.log("GFLOP/s, median");
printTable(["shape", "dtype", "wasm", "ts", "wasm/ts", "probe", "wasm/probe"], rows);

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
    const a = randomArray(m * k, 1, dtype), b = randomArray(k * n, 2, dtype);
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
      () => (view().set(b, L.stage / L.es), view().set(a, L.stage / L.es)),
      () => packB(L.stage, bRs, bPs, n, k, L.kPad, bDst),
      () => packA(L.stage, aRs, aPs, m, k, L.kPad, aDst),
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
