/**
 * Storage without `dispose`: the benchmark MLP step (784-512-512-10, batch
 * 128, fused Adam) written with no `dispose` or `tidy` at all, against the
 * same step inside `tidy` with the old parameters disposed, on every
 * backend. The two loops take turns in blocks of steps (so drifting machine
 * load hits both alike); the report gives each one's median ms/step over the
 * blocks and their ratio (target ≤ 1.1×), and the live memory after a forced
 * full GC at the end of each block of the loop that never disposes, second
 * half of the run against the first (target: growth < 5 %).
 *
 *   deno run -A --v8-flags=--expose-gc bench/storage_no_dispose.ts      bun bench/storage_no_dispose.ts
 *
 * Options: `--steps N` per loop (default 1000; the TS backend runs a fifth of
 * that, its step being 8× slower), `--backends ts,wasm` to choose.
 *
 * @module
 */
import process from "node:process";
import { availableBackends, setBackend } from "../mod.ts";
import { collectGarbage, liveBytes, printTable, runtime } from "./harness.ts";
import { trainer } from "./mlp_model.ts";

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const steps = Number(arg("steps", "1000"));
const wanted = arg("backends", "ts,openblas,wasm").split(",");
const BLOCK = 25;

const collect = collectGarbage;
if (!collect()) console.warn("no forced GC available (run Deno with --v8-flags=--expose-gc): memory figures are raw");
const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(1);

/** ms/step of `block` steps. */
const timeBlock = (step: () => number, block: number): number => {
  const t0 = performance.now();
  for (let i = 0; i < block; i++) step();
  return (performance.now() - t0) / block;
};

const rows: string[][] = [];
let failed = false;
for (const name of wanted) {
  if (!availableBackends().includes(name)) {
    console.warn(`backend "${name}" is not available here: skipped`);
    continue;
  }
  setBackend(name);
  const n = name === "ts" ? Math.max(2 * BLOCK, Math.round(steps / 5)) : steps;
  const plain = trainer(true, false), tidied = trainer(true, true);
  timeBlock(plain.step, 5); // warm-up: compile the fused kernels, fill the pool
  timeBlock(tidied.step, 5);
  const tPlain: number[] = [], tTidy: number[] = [], live: number[] = [];
  for (let done = 0; done < n; done += BLOCK) {
    tPlain.push(timeBlock(plain.step, BLOCK));
    collect();
    await new Promise((resolve) => setTimeout(resolve, 20)); // V8 frees buffers on a background thread
    collect();
    live.push(liveBytes());
    tTidy.push(timeBlock(tidied.step, BLOCK));
  }
  const half = live.length >> 1;
  const early = median(live.slice(0, half)), late = median(live.slice(half));
  const growth = (late - early) / early;
  const ratio = median(tPlain) / median(tTidy);
  failed ||= growth >= 0.05;
  rows.push([
    name,
    String(n),
    median(tPlain).toFixed(2),
    median(tTidy).toFixed(2),
    ratio.toFixed(2),
    `${mib(early)} → ${mib(late)}`,
    `${(growth * 100).toFixed(1)} %`,
  ]);
}
console.log(`MLP step with no dispose vs with tidy/dispose — ${runtime()}, blocks of ${BLOCK} steps, taking turns`);
printTable(
  ["backend", "steps", "no dispose ms", "tidy ms", "ratio", "live MiB (1st → 2nd half)", "growth"],
  rows,
);
if (failed) {
  console.log("live memory grew by 5 % or more on some backend: FAILED");
  process.exitCode = 1;
}
