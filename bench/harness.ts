/**
 * A tiny timing harness that runs the same way on Deno and Bun: warm up,
 * then take the median of several timed batches.
 *
 * @module
 */
import process from "node:process";

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

const host = globalThis as { gc?: () => void; Bun?: { gc(full: boolean): void } };

/**
 * A full garbage collection where the runtime offers one (`Bun.gc(true)`, or
 * Deno with `--v8-flags=--expose-gc`); `false` when it does not.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { collectGarbage } from "./harness.ts";
 * assert.equal(typeof collectGarbage(), "boolean");
 * ```
 */
export const collectGarbage = (): boolean => {
  if (host.Bun) host.Bun.gc(true);
  else if (host.gc) host.gc();
  else return false;
  return true;
};

/**
 * Bytes of live JS objects and array buffers (Bun counts buffers in
 * `heapUsed`; V8 counts them as external).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { liveBytes } from "./harness.ts";
 * assert.ok(liveBytes() > 0);
 * ```
 */
export const liveBytes = (): number => {
  const m = process.memoryUsage();
  return host.Bun ? m.heapUsed : m.heapUsed + m.external;
};

/**
 * Uniform [-1, 1) entries from a fixed linear congruential sequence, so that
 * runs (and runtimes) see the same operands.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { lcgArray } from "./harness.ts";
 * assert.deepEqual([...lcgArray(3, 1)], [...lcgArray(3, 1)]);
 * assert.ok(lcgArray(4, 2, "float64") instanceof Float64Array);
 * ```
 */
export function lcgArray(size: number, seed: number, dtype?: "float32"): Float32Array;
/** The same entries as a `Float64Array`, or in either precision. */
export function lcgArray(size: number, seed: number, dtype: "float64"): Float64Array;
export function lcgArray(size: number, seed: number, dtype: "float32" | "float64"): Float32Array | Float64Array;
export function lcgArray(
  size: number,
  seed: number,
  dtype: "float32" | "float64" = "float32",
): Float32Array | Float64Array {
  const out = dtype === "float32" ? new Float32Array(size) : new Float64Array(size);
  let s = seed >>> 0;
  for (let i = 0; i < size; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

/**
 * The median of a list of figures (the upper one of an even count).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { medianOf } from "./harness.ts";
 * assert.equal(medianOf([3, 1, 2]), 2);
 * ```
 */
export const medianOf = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1];

/**
 * Mean milliseconds of one call of `f` over `inner` back-to-back calls.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { meanMs } from "./harness.ts";
 * assert.ok(meanMs(() => Math.sqrt(2), 10) >= 0);
 * ```
 */
export function meanMs(f: () => unknown, inner: number): number {
  const t0 = performance.now();
  for (let i = 0; i < inner; i++) f();
  return (performance.now() - t0) / inner;
}
