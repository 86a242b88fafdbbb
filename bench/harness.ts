/**
 * A tiny timing harness that runs the same way on Deno and Bun: warm up,
 * then take the median of several timed batches.
 *
 * @module
 */

/** Which runtime is running this benchmark. */
export const runtime = (): string => {
  const g = globalThis as { Bun?: { version: string }; Deno?: { version: { deno: string } } };
  if (g.Bun) return `bun ${g.Bun.version}`;
  if (g.Deno) return `deno ${g.Deno.version.deno}`;
  return "unknown";
};

/**
 * Median time of one call of `f`, in milliseconds: `f` runs `inner` times
 * per batch, over `batches` batches after `warmup` batches.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { timeMedian } from "./harness.ts";
 * assert.ok(timeMedian(() => Math.sqrt(2), { inner: 10, batches: 3, warmup: 1 }) >= 0);
 * ```
 */
export const timeMedian = (
  f: () => unknown,
  { inner = 1, batches = 7, warmup = 2 }: { inner?: number; batches?: number; warmup?: number } = {},
): number => {
  const times: number[] = [];
  for (let b = 0; b < warmup + batches; b++) {
    const t0 = performance.now();
    for (let i = 0; i < inner; i++) f();
    const dt = (performance.now() - t0) / inner;
    if (b >= warmup) times.push(dt);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
};

/** Prints rows as an aligned plain-text table. */
export const printTable = (header: readonly string[], rows: readonly (readonly string[])[]): void => {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: readonly string[]) => r.map((c, i) => c.padStart(widths[i])).join("  ");
  console.log(line(header));
  for (const r of rows) console.log(line(r));
};
