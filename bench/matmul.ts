/**
 * Benchmark of the pure-TypeScript matrix product (`backends/ts/gemm.ts`)
 * against the naive triple loop a user would write, and on the shapes of one
 * MLP training step (784 → 512 → 512, batch 128: forward X·W and the two
 * backward products Xᵀ·G and G·Wᵀ), and on the skinny products of a 3×3
 * convolution lowered to im2col (forward patches·W, weight gradient
 * patchesᵀ·G, input gradient G·Wᵀ) for a 1→16 and a 16→32 channel layer.
 *
 * Run with `deno run -A bench/matmul.ts` or `bun bench/matmul.ts`; add
 * `--json` for machine-readable output. Times are medians over several
 * repetitions after a warm-up; GFLOP/s counts 2·m·n·k per product.
 *
 * @module
 */
import process from "node:process";
import { gemm } from "../backends/ts/gemm.ts";
import type { GemmDims } from "../backends/backend.ts";
import { lcgArray } from "./harness.ts";

const host = globalThis as unknown as {
  Bun?: { version: string };
  Deno?: { version: { deno: string } };
};

/** The runtime this script runs on, as printed in the report. */
const runtime = typeof host.Bun !== "undefined"
  ? `bun ${host.Bun.version}`
  : "Deno" in globalThis
  ? `deno ${host.Deno?.version.deno}`
  : `node ${process.version}`;

/** Median wall time in ms of `reps` calls of `f`, after `warmup` calls. */
function median(f: () => unknown, reps: number, warmup: number): number {
  for (let i = 0; i < warmup; i++) f();
  const times: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    f();
    times.push(performance.now() - t0);
  }
  times.sort((x, y) => x - y);
  return times[times.length >> 1];
}

/** The triple loop a typical user writes: i-j-k order, a running sum, a fresh output. */
function naiveMatmul(a: Float32Array, b: Float32Array, m: number, n: number, k: number): Float32Array {
  const c = new Float32Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += a[i * k + p] * b[p * n + j];
      c[i * n + j] = s;
    }
  }
  return c;
}

const dimsOf = (m: number, n: number, k: number, transA = false, transB = false): GemmDims => ({
  batch: 1,
  m,
  n,
  k,
  transA,
  transB,
  aBatchStride: 0,
  bBatchStride: 0,
});

const gflops = (m: number, n: number, k: number, ms: number) => (2 * m * n * k) / (ms * 1e6);

interface SquareRow {
  n: number;
  gemmMs: number;
  gemmGflops: number;
  naiveMs: number;
  naiveGflops: number;
  speedup: number;
}

function benchSquare(n: number): SquareRow {
  const a = lcgArray(n * n, 1), b = lcgArray(n * n, 2);
  const dims = dimsOf(n, n, n);
  // Enough repetitions for a stable median, fewer where one call is slow.
  const reps = n <= 64 ? 200 : n <= 256 ? 21 : 5;
  const gemmMs = median(() => gemm(a, b, dims, "float32"), reps, Math.min(reps, 10));
  const naiveMs = n >= 1024
    ? median(() => naiveMatmul(a, b, n, n, n), 1, 1)
    : median(() => naiveMatmul(a, b, n, n, n), reps, 3);
  return {
    n,
    gemmMs,
    gemmGflops: gflops(n, n, n, gemmMs),
    naiveMs,
    naiveGflops: gflops(n, n, n, naiveMs),
    speedup: naiveMs / gemmMs,
  };
}

interface ShapeRow {
  name: string;
  ms: number;
  gflops: number;
}

/** One MLP training step's products, as `[name, A rows, A cols, B rows, B cols, dims]`. */
const mlpShapes: readonly [string, number, number, number, number, GemmDims][] = [
  ["X·W1      [128,784]@[784,512]", 128, 784, 784, 512, dimsOf(128, 512, 784)],
  ["H·W2      [128,512]@[512,512]", 128, 512, 512, 512, dimsOf(128, 512, 512)],
  ["Xᵀ·G (tA) [784,128]ᵀ@[128,512]", 128, 784, 128, 512, dimsOf(784, 512, 128, true, false)],
  ["G·Wᵀ (tB) [128,512]@[784,512]ᵀ", 128, 512, 784, 512, dimsOf(128, 784, 512, false, true)],
];

/**
 * Convolution products, batch 32 of 28×28 images (3×3, padding 1): layer 1 has
 * 1 input and 16 output channels over 25088 = 32·28·28 positions, layer 2 has
 * 16 → 32 channels over 6272 = 32·14·14 positions (patches 9·16 = 144 wide).
 */
const convShapes: readonly [string, number, number, number, number, GemmDims][] = [
  ["conv1 fwd  [25088,9]@[9,16]", 25088, 9, 9, 16, dimsOf(25088, 16, 9)],
  ["conv1 dW   [25088,9]ᵀ@[25088,16]", 25088, 9, 25088, 16, dimsOf(9, 16, 25088, true, false)],
  ["conv1 dX   [25088,16]@[9,16]ᵀ", 25088, 16, 9, 16, dimsOf(25088, 9, 16, false, true)],
  ["conv2 fwd  [6272,144]@[144,32]", 6272, 144, 144, 32, dimsOf(6272, 32, 144)],
  ["conv2 dW   [6272,144]ᵀ@[6272,32]", 6272, 144, 6272, 32, dimsOf(144, 32, 6272, true, false)],
  ["conv2 dX   [6272,32]@[144,32]ᵀ", 6272, 32, 144, 32, dimsOf(6272, 144, 32, false, true)],
];

function benchShapes(list: readonly [string, number, number, number, number, GemmDims][]): ShapeRow[] {
  return list.map(([name, ar, ac, br, bc, dims]) => {
    const a = lcgArray(ar * ac, 3), b = lcgArray(br * bc, 4);
    const ms = median(() => gemm(a, b, dims, "float32"), 21, 5);
    return { name, ms, gflops: gflops(dims.m, dims.n, dims.k, ms) };
  });
}

const json = process.argv.includes("--json");
const square = [64, 256, 1024].map(benchSquare);
const shapes = benchShapes(mlpShapes);
const conv = benchShapes(convShapes);

if (json) {
  console.log(JSON.stringify({ runtime, square, shapes, conv }, null, 2));
} else {
  const f = (x: number, d = 2) => x.toFixed(d).padStart(8);
  console.log(`matmul float32 on ${runtime}`);
  console.log("     n    gemm ms  GFLOP/s   naive ms  GFLOP/s   speed-up");
  for (const r of square) {
    console.log(
      `${String(r.n).padStart(6)} ${f(r.gemmMs, 3)} ${f(r.gemmGflops)}  ${f(r.naiveMs, 3)} ${f(r.naiveGflops)}   ${
        f(r.speedup, 1)
      }×`,
    );
  }
  console.log("\nMLP training-step shapes              ms   GFLOP/s");
  for (const r of shapes) console.log(`${r.name.padEnd(33)} ${f(r.ms, 3)} ${f(r.gflops)}`);
  console.log("\nconv shapes (im2col, batch 32, 28×28)  ms   GFLOP/s");
  for (const r of conv) console.log(`${r.name.padEnd(33)} ${f(r.ms, 3)} ${f(r.gflops)}`);
}
