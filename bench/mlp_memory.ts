/**
 * F3: memory over 1,000 training steps of the benchmark MLP (Adam, fused) on
 * the OpenBLAS backend. Every step allocates fresh output arrays, including
 * those OpenBLAS writes through FFI; if any were kept alive (by the loader,
 * a cache or the tape) the resident set would climb step after step. The
 * report samples, every 50 steps, the resident set (RSS: the peak a user
 * sees) and then, right after a forced full collection, the memory the
 * engine still holds for live objects and array buffers (what a leak would
 * grow). It compares the second half of the run with the first: the median
 * live memory must grow by less than 5 % (a leak of even one step's outputs
 * would add some 20 MiB a step). The peak RSS is reported beside it but not
 * judged: it also moves with how much freed memory the allocator keeps
 * (Bun's wandered between 134 and 240 MiB over 3,000 steps while live
 * memory stayed at 12 MiB).
 *
 *   deno run -A --v8-flags=--expose-gc bench/mlp_memory.ts      bun bench/mlp_memory.ts
 *
 * Options: `--steps N` (default 1000), `--backend ts` to compare,
 * `--recycle` to run each step in `tidy` and dispose the old parameters.
 *
 * @module
 */
import process from "node:process";
import { getBackend, setBackend } from "../mod.ts";
import { collectGarbage, liveBytes, printTable, runtime } from "./harness.ts";
import { trainer } from "./mlp_model.ts";

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const steps = Number(arg("steps", "1000"));
setBackend(arg("backend", "openblas"));

const collect = collectGarbage;
if (!collect()) console.warn("no forced GC available (run Deno with --v8-flags=--expose-gc): collected RSS = RSS");

const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(1);
const recycle = process.argv.includes("--recycle");
const t = trainer(true, recycle);

const samples: { step: number; rss: number; live: number; loss: number }[] = [];
let stepMs = 0;
for (let s = 1; s <= steps; s++) {
  const t0 = performance.now();
  const loss = t.step();
  stepMs += performance.now() - t0;
  if (s % 50 === 0) {
    const rss = process.memoryUsage().rss;
    // V8 frees array buffers on a background thread after a collection: let
    // it finish (the event loop must turn) and collect once more.
    collect();
    await new Promise((resolve) => setTimeout(resolve, 20));
    collect();
    samples.push({ step: s, rss, live: liveBytes(), loss });
  }
}

const half = steps / 2;
const part = (late: boolean) => samples.filter((x) => (x.step > half) === late);
const peakRss = (late: boolean) => Math.max(...part(late).map((x) => x.rss));
const medianLive = (late: boolean) => {
  const xs = part(late).map((x) => x.live).sort((a, b) => a - b);
  return xs[xs.length >> 1];
};
const rssGrowth = (peakRss(true) - peakRss(false)) / peakRss(false);
const liveGrowth = (medianLive(true) - medianLive(false)) / medianLive(false);
const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
console.log(
  `${steps} training steps on "${getBackend()}"${recycle ? " (tidy, old parameters disposed)" : ""} — ` +
    `${runtime()}, ${(stepMs / steps).toFixed(1)} ms/step`,
);
printTable(
  ["step", "RSS MiB", "live after GC MiB", "loss"],
  samples.filter((_, i) => i % 2 === 1).map((x) => [String(x.step), mib(x.rss), mib(x.live), x.loss.toExponential(2)]),
);
printTable(["", `steps 1–${half}`, `steps ${half + 1}–${steps}`, "growth"], [
  ["peak RSS MiB", mib(peakRss(false)), mib(peakRss(true)), pct(rssGrowth)],
  ["median live after GC MiB", mib(medianLive(false)), mib(medianLive(true)), pct(liveGrowth)],
]);
// A leak grows live memory; RSS also moves with what the allocator keeps, so it is reported, not judged.
const ok = liveGrowth < 0.05;
console.log(
  `live memory growth ${pct(liveGrowth)} (limit 5 %): ${ok ? "ok" : "FAILED"}; peak RSS growth ${pct(rssGrowth)}`,
);
if (!ok) process.exitCode = 1;
