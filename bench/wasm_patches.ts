/**
 * The conv patch kernels: the TS im2col/col2im (`extractPatches`,
 * `foldPatches`) against the wasm ones (`backends/wasm/patches_emit.ts`),
 * every wasm time INCLUDING the copies into the scratch arena and out into
 * the output array. The wasm kernels are called directly, bypassing the size
 * thresholds these rows are there to choose. Shapes: the Fashion-MNIST CNN's
 * layers ([128,28,28,1] and [128,14,14,32], 3×3, stride 1, pad 1) and smaller
 * ones for the threshold; fold runs on the patches of the same layouts.
 *
 * Outputs go back to the pool after each call (`tsKernels.release`), as in a
 * loop that disposes. Contenders take turns, batch by batch (each batch
 * ≥ 25 ms), two warm-up rounds then 7; figures are medians in ms per call,
 * and the ratio is TS / wasm (above 1: wasm faster).
 *
 *   deno run -A bench/wasm_patches.ts      bun bench/wasm_patches.ts
 *   args: only=<text>[,<text>…] (the cases whose name contains one of them)
 *
 * @module
 */
import process from "node:process";
import type { PatchLayout } from "../backends/backend.ts";
import { tsKernels } from "../backends/ts/backend.ts";
import { wasmExtractPatches, wasmFoldPatches } from "../backends/wasm/patches_emit.ts";
import { lcgArray, meanMs, medianOf, printTable, runtime } from "./harness.ts";

const args = new Map(process.argv.slice(2).map((a) => [a.split("=")[0], a.split("=")[1] ?? "1"] as const));
const only = args.get("only");

const recycled = (f: () => unknown) => () => tsKernels.release(f() as Float32Array);
/** Medians (ms per call), the contenders timed in turns. */
function race(contenders: readonly (() => unknown)[]): number[] {
  const fs = contenders.map(recycled);
  const inner = fs.map((f) => {
    f();
    return Math.max(1, Math.ceil(25 / Math.max(meanMs(f, 3), 0.0005)));
  });
  const times = fs.map(() => [] as number[]);
  for (let round = 0; round < 9; round++) {
    fs.forEach((f, i) => {
      const t = meanMs(f, inner[i]);
      if (round >= 2) times[i].push(t);
    });
  }
  return times.map((t) => medianOf(t));
}

interface Case {
  readonly name: string;
  readonly ts: () => unknown;
  readonly wasm: () => unknown;
}
const cases: Case[] = [];
const conv = (n: number, h: number, c: number, k = 3, pad = 1, stride = 1): PatchLayout => {
  const o = Math.floor((h + 2 * pad - k) / stride) + 1;
  return {
    image: [n, h, h, c],
    grid: [o, o],
    kernel: [k, k],
    strides: [stride, stride],
    dilation: [1, 1],
    padding: [[pad, pad], [pad, pad]],
  };
};
const shapes: [string, PatchLayout, ("float32" | "float64")[]][] = [
  ["[1,4,4,2] 3×3 pad 1", conv(1, 4, 2), ["float32"]],
  ["[1,6,6,4] 3×3 pad 1", conv(1, 6, 4), ["float32"]],
  ["[1,8,8,4] 3×3 pad 1", conv(1, 8, 4), ["float32"]],
  ["[4,14,14,8] 3×3 pad 1", conv(4, 14, 8), ["float32"]],
  ["[16,28,28,1] 3×3 pad 1", conv(16, 28, 1), ["float32"]],
  ["[128,28,28,1] 3×3 pad 1", conv(128, 28, 1), ["float32", "float64"]],
  ["[128,14,14,32] 3×3 pad 1", conv(128, 14, 32), ["float32", "float64"]],
  ["[128,28,28,32] 2×2 stride 2", conv(128, 28, 32, 2, 0, 2), ["float32"]],
];
for (const [what, layout, dtypes] of shapes) {
  for (const dtype of dtypes) {
    const [n, h, w, c] = layout.image;
    const x = lcgArray(n * h * w * c, 12, dtype);
    const p = tsKernels.extractPatches(x, layout, 0, dtype);
    cases.push({
      name: `extractPatches ${what} ${dtype}`,
      ts: () => tsKernels.extractPatches(x, layout, 0, dtype),
      wasm: () => wasmExtractPatches(x, layout, 0, dtype),
    });
    cases.push({
      name: `foldPatches ${what} ${dtype}`,
      ts: () => tsKernels.foldPatches(p, layout, dtype),
      wasm: () => wasmFoldPatches(p, layout, dtype),
    });
  }
}

// Agreement first (bit for bit), so that the race is between equal work.
for (const c of cases) {
  const t = c.ts() as Float32Array, w = c.wasm() as Float32Array | undefined;
  if (w === undefined) throw new Error(`${c.name}: the wasm kernel declined`);
  if (t.length !== w.length || t.some((v, i) => !Object.is(v, w[i]))) {
    throw new Error(`${c.name}: wasm and TS disagree`);
  }
}

const rows: string[][] = [];
for (const c of cases) {
  if (only !== undefined && !only.split(",").some((o) => c.name.includes(o))) continue;
  const [tt, tw] = race([c.ts, c.wasm]);
  rows.push([c.name, tt.toFixed(4), tw.toFixed(4), (tt / tw).toFixed(2)]);
}
console.log(`wasm patch kernels, ${runtime()}`);
printTable(["case", "TS ms", "wasm ms", "TS/wasm"], rows);
