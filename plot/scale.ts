/**
 * Axis ranges and "nice" ticks (steps of 1, 2 or 5 times a power of ten).
 *
 * @module
 */

/**
 * The finite minimum and maximum of `values`, widened so that the range is
 * never empty: `[0, 1]` with no finite value, `v ± 1` (or `v ± |v|/10`) for
 * a constant.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { extent } from "./scale.ts";
 * assert.deepEqual(extent([3, NaN, -1]), [-1, 3]);
 * assert.deepEqual(extent([]), [0, 1]);
 * assert.deepEqual(extent([5, 5]), [4.5, 5.5]);
 * ```
 */
export const extent = (values: Iterable<number>): [number, number] => {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (lo > hi) return [0, 1];
  // A range too narrow for distinct tick labels (constant data, or values
  // that differ in the last bits) is treated as constant.
  if (hi - lo <= 1e-9 * Math.max(Math.abs(lo), Math.abs(hi)) || hi - lo < 1e-200) {
    const c = lo / 2 + hi / 2;
    const d = Math.abs(c) < 1e-200 ? 1 : Math.abs(c) / 10;
    return [c - d, c + d];
  }
  return [lo, hi];
};

/** Ticks and the domain they cover. */
export interface Ticks {
  /** The tick values, increasing. */
  readonly values: readonly number[];
  /** The step between ticks. */
  readonly step: number;
  /** The axis range: the outer ticks, which bracket the data. */
  readonly domain: readonly [number, number];
}

/**
 * About `count` ticks with a 1-2-5 step whose outer ticks bracket `[lo, hi]`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { niceTicks } from "./scale.ts";
 * const t = niceTicks(0.3, 9.2);
 * assert.deepEqual(t.values, [0, 2, 4, 6, 8, 10]);
 * assert.deepEqual(t.domain, [0, 10]);
 * ```
 */
export const niceTicks = (lo: number, hi: number, count = 5): Ticks => {
  const raw = (hi - lo) / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const f = raw / mag;
  const step = (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * mag;
  const first = Math.floor(lo / step + 1e-9);
  const last = Math.ceil(hi / step - 1e-9);
  // Multiplying integers by the step (rather than adding steps) keeps labels
  // free of drift such as 0.30000000000000004.
  const values = Array.from({ length: last - first + 1 }, (_, i) => clean((first + i) * step));
  // Rounding to 12 digits may pull an outer tick inside the data: add one more.
  if (values[0] > lo) values.unshift(clean((first - 1) * step));
  if (values[values.length - 1] < hi) values.push(clean((last + 1) * step));
  return { values, step, domain: [values[0], values[values.length - 1]] };
};

/**
 * Ticks at the powers of ten bracketing `[lo, hi]` (both > 0), for log axes.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { logTicks } from "./scale.ts";
 * assert.deepEqual(logTicks(0.05, 3).values, [0.01, 0.1, 1, 10]);
 * ```
 */
export const logTicks = (lo: number, hi: number): Ticks => {
  const a = Math.floor(Math.log10(lo) + 1e-9);
  const b = Math.max(a + 1, Math.ceil(Math.log10(hi) - 1e-9));
  const values = Array.from({ length: b - a + 1 }, (_, i) => clean(10 ** (a + i)));
  return { values, step: 10, domain: [values[0], values[values.length - 1]] };
};

const clean = (v: number): number => Number(v.toPrecision(12));

/**
 * A tick label: plain decimals for moderate values, exponent form for very
 * small or large ones.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatTick } from "./scale.ts";
 * assert.equal(formatTick(0.2), "0.2");
 * assert.equal(formatTick(1e-5), "1e-5");
 * assert.equal(formatTick(-0), "0");
 * ```
 */
export const formatTick = (v: number): string => {
  if (v === 0) return "0";
  const a = Math.abs(v);
  if (a >= 1e-3 && a < 1e6) return String(clean(v));
  return v.toExponential().replace("e+", "e").replace(/\.?0+e/, "e");
};

/**
 * The linear map from `domain` onto `range` (pixels).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { linear } from "./scale.ts";
 * assert.equal(linear([0, 10], [100, 200])(5), 150);
 * ```
 */
export const linear = (domain: readonly [number, number], range: readonly [number, number]): (v: number) => number => {
  const [d0, d1] = domain;
  const [r0, r1] = range;
  const k = (r1 - r0) / (d1 - d0);
  return (v) => r0 + (v - d0) * k;
};
