/**
 * Storage without `dispose`: the benchmark MLP step (784-512-512-10, batch
 * 128, fused Adam) written with no `dispose` or `tidy` at all, against the
 * same step inside `tidy` with the old parameters disposed, on every
 * backend. The two loops take turns in blocks of steps (so drifting machine
 * load hits both alike); the report gives each one's median ms/step over the
 * blocks and their ratio (target ≤ 1.1×), and the live memory after a forced
 * full GC at the end of each block of the loop that never disposes, second
 * half of the run against the first (target: growth < 5 %). The `jit` rows
 * run the same step jitted with the parameters and moments donated (so a
 * loop without `dispose` reuses their storage), against it with the loss
 * disposed too.
 *
 *   deno run -A --v8-flags=--expose-gc bench/storage_no_dispose.ts      bun bench/storage_no_dispose.ts
 *
 * Options: `--steps N` per loop (default 1000; the TS backend runs a fifth of
 * that, its step being 8× slower), `--backends ts,wasm` to choose. A second
 * table splits the step into the gradient and the Adam update, each loop
 * measured twice in turn over 60 steps: where the remaining gap lies.
 *
 * @module
 */
import process from "node:process";
import { availableBackends, setBackend } from "../mod.ts";
import { collectGarbage, liveBytes, printTable, runtime } from "./harness.ts";
import { adamStep, gradStep, initAdam, initParams, jitTrainer, trainer } from "./mlp_model.ts";
import { dispose } from "../mod.ts";

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
  await measure(name, n, trainer(true, false), trainer(true, true));
  // The same loop as a jitted step with donation, written without dispose, against it with the loss disposed.
  await measure(`${name}, jit`, n, jitTrainer(false), jitTrainer(true));
}

/** Times the two loops in turns, with the live memory of the one that never disposes; adds a row. */
async function measure(name: string, n: number, plain: { step: () => number }, tidied: { step: () => number }) {
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

/** ms per step of the gradient and of the Adam update, with or without disposing what the step replaced. */
function phases(disposing: boolean, n = 60): [number, number] {
  let ps = initParams(), s = initAdam(ps), tg = 0, ta = 0;
  for (let i = 0; i < n + 10; i++) {
    const t0 = performance.now();
    const [loss, g] = gradStep(ps);
    const t1 = performance.now();
    const [next, state] = adamStep(ps, g, s, true);
    const t2 = performance.now();
    if (disposing) dispose([loss, g, ps, s.m, s.v]);
    if (i >= 10) [tg, ta] = [tg + t1 - t0, ta + t2 - t1];
    [ps, s] = [next, state];
  }
  return [tg / n, ta / n];
}
const split: string[][] = [];
for (const name of wanted.filter((n) => n !== "ts" && availableBackends().includes(n))) {
  setBackend(name);
  const runs = [false, true, false, true].map((disposing) => phases(disposing));
  const best = (d: number, j: number) => Math.min(runs[d][j], runs[d + 2][j]).toFixed(2);
  split.push([name, best(0, 0), best(1, 0), best(0, 1), best(1, 1)]);
}
if (split.length > 0) {
  console.log(`\nwhere the difference lies (ms per step, best of two runs of 60 steps each)`);
  printTable(["backend", "gradient, no dispose", "gradient, dispose", "Adam, no dispose", "Adam, dispose"], split);
}
