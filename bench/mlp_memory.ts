/**
 * F3: memory over 1,000 training steps of the benchmark MLP (Adam, fused) on
 * the OpenBLAS backend. Every step allocates fresh output arrays, including
 * those OpenBLAS writes through FFI; if any were kept alive (by the loader,
 * a cache or the tape) the resident set would climb step after step. The
 * report samples RSS every 50 steps, both as it is (the peak a user sees,
 * which moves with the garbage collector's timing) and right after a forced
 * full collection (what is really kept alive), and compares the second half
 * of the run with the first: growth of the collected RSS must stay under
 * 5 %.
 *
 *   deno run -A --v8-flags=--expose-gc bench/mlp_memory.ts      bun bench/mlp_memory.ts
 *
 * Options: `--steps N` (default 1000), `--backend ts` to compare.
 *
 * @module
 */
import process from "node:process";
import { getBackend, setBackend } from "../mod.ts";
import { printTable, runtime } from "./harness.ts";
import { trainer } from "./mlp_model.ts";

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const steps = Number(arg("steps", "1000"));
setBackend(arg("backend", "openblas"));

const host = globalThis as { gc?: () => void; Bun?: { gc(full: boolean): void } };
/** A full garbage collection, where the runtime offers one. */
const collect = (): boolean => {
  if (host.Bun) host.Bun.gc(true);
  else if (host.gc) host.gc();
  else return false;
  return true;
};
if (!collect()) console.warn("no forced GC available (run Deno with --v8-flags=--expose-gc): collected RSS = RSS");

const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(1);
const t = trainer();
const samples: { step: number; rss: number; live: number; loss: number }[] = [];
let stepMs = 0;
for (let s = 1; s <= steps; s++) {
  const t0 = performance.now();
  const loss = t.step();
  stepMs += performance.now() - t0;
  if (s % 50 === 0) {
    const rss = process.memoryUsage().rss;
    collect();
    samples.push({ step: s, rss, live: process.memoryUsage().rss, loss });
  }
}

const half = steps / 2;
const peak = (key: "rss" | "live", late: boolean) =>
  Math.max(...samples.filter((x) => (x.step > half) === late).map((x) => x[key]));
const growth = (key: "rss" | "live") => (peak(key, true) - peak(key, false)) / peak(key, false);
const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
console.log(`${steps} training steps on "${getBackend()}" — ${runtime()}, ${(stepMs / steps).toFixed(1)} ms/step`);
printTable(
  ["step", "RSS MiB", "after GC MiB", "loss"],
  samples.filter((_, i) => i % 2 === 1).map((x) => [String(x.step), mib(x.rss), mib(x.live), x.loss.toExponential(2)]),
);
printTable(["", `steps 1–${half}`, `steps ${half + 1}–${steps}`, "growth"], [
  ["peak RSS MiB", mib(peak("rss", false)), mib(peak("rss", true)), pct(growth("rss"))],
  ["peak RSS after GC MiB", mib(peak("live", false)), mib(peak("live", true)), pct(growth("live"))],
]);
const ok = growth("live") < 0.05;
console.log(`growth of the collected RSS ${pct(growth("live"))} (limit 5 %): ${ok ? "ok" : "FAILED"}`);
if (!ok) process.exitCode = 1;
