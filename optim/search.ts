/**
 * Hyper-parameter search over a training function: every combination of a
 * grid (`gridSearch`), or configurations drawn from keys (`randomSearch`,
 * Bergstra & Bengio 2012: with a few parameters that matter, random points
 * cover each one's range better than a grid of the same size). Results come
 * back ranked, best first.
 *
 * @module
 */
import { ValueError } from "../core/errors.ts";
import { checkKey, foldIn, type Key, split } from "../core/random/key.ts";
import { nextDown64 } from "../core/random/portable_math.ts";
import { randint, uniform } from "../core/random/mod.ts";

/** What the training function returns: a score, or an object with a `score` and anything else to keep. */
export type TrialOutcome = number | { readonly score: number; readonly [k: string]: unknown };

/** One evaluated configuration. */
export interface TrialResult<C> {
  /** The configuration. */
  readonly config: C;
  /** Its score (NaN ranks last). */
  readonly score: number;
  /** Where it stands: 0 is the best. */
  readonly rank: number;
  /** The order in which it was tried, from 0. */
  readonly trial: number;
  /** What the function returned when it returned an object (e.g. the history); otherwise undefined. */
  readonly outcome?: Readonly<Record<string, unknown>>;
}

/** Options of both searches. */
export interface SearchOptions {
  /** Higher scores are better (an accuracy); default false (a loss). */
  readonly maximize?: boolean;
}

/** What a trial is told besides its configuration. */
export interface TrialInfo {
  /** The trial's index, from 0. */
  readonly trial: number;
  /** A key for the trial's own randomness (initialisation, shuffling), independent of the sampling. */
  readonly key?: Key;
}

/** The configuration type of a grid: one value of each list. */
export type GridConfig<S extends Readonly<Record<string, readonly unknown[]>>> = {
  -readonly [K in keyof S]: S[K][number];
};

/** A random-search entry: a list to pick from uniformly, or a sampler of one value from a key. */
export type SpaceEntry<T = unknown> = readonly T[] | ((key: Key) => T);

/** The configuration type of a random-search space. */
export type SampledConfig<S extends Readonly<Record<string, SpaceEntry>>> = {
  -readonly [K in keyof S]: S[K] extends (key: Key) => infer T ? T : S[K] extends readonly (infer E)[] ? E : never;
};

const scoreOf = (op: string, trial: number, r: unknown): [number, Readonly<Record<string, unknown>> | undefined] => {
  if (typeof r === "number") return [r, undefined];
  if (typeof r === "object" && r !== null && typeof (r as { score?: unknown }).score === "number") {
    return [(r as { score: number }).score, r as Record<string, unknown>];
  }
  throw new ValueError(op, `trial ${trial} returned ${typeof r}; expected a number or { score: number, ... }`);
};

/** Sorts best first (stable: ties keep trial order; NaN last) and numbers the ranks. */
const rank = <C>(rows: Omit<TrialResult<C>, "rank">[], maximize: boolean): TrialResult<C>[] => {
  const key = (s: number) => (Number.isNaN(s) ? Infinity : maximize ? -s : s);
  return rows
    .map((r, i) => ({ r, i }))
    .sort((a, b) =>
      Number.isNaN(a.r.score) !== Number.isNaN(b.r.score)
        ? (Number.isNaN(a.r.score) ? 1 : -1)
        : key(a.r.score) - key(b.r.score) || a.i - b.i
    )
    .map(({ r }, rankIndex) => ({ ...r, rank: rankIndex }));
};

/**
 * Every combination of the values in `space` (`{ name: values[] }`), in
 * order (the last name varies fastest), passed to `fn`; the results ranked
 * by score, lowest first (or highest with `maximize`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { optim } from "../mod.ts";
 * const results = optim.gridSearch({ lr: [0.1, 0.01], width: [8, 16, 32] }, (c) => Math.abs(Math.log10(c.lr) + 2) + 1 / c.width);
 * assert.equal(results.length, 6);
 * assert.deepEqual(results[0].config, { lr: 0.01, width: 32 });
 * assert.equal(results[0].rank, 0);
 * ```
 */
export const gridSearch = <S extends Readonly<Record<string, readonly unknown[]>>>(
  space: S,
  fn: (config: GridConfig<S>, info: TrialInfo) => TrialOutcome,
  opts: SearchOptions = {},
): TrialResult<GridConfig<S>>[] => {
  const names = checkSpace("gridSearch", space);
  for (const n of names) {
    if (!Array.isArray(space[n]) || space[n].length === 0) {
      throw new ValueError("gridSearch", `space.${n} must be a non-empty array of values`);
    }
  }
  const total = names.reduce((c, n) => c * space[n].length, 1);
  const rows: Omit<TrialResult<GridConfig<S>>, "rank">[] = [];
  for (let t = 0; t < total; t++) {
    const config: Record<string, unknown> = {};
    let rest = t;
    for (let j = names.length - 1; j >= 0; j--) {
      const values = space[names[j]];
      config[names[j]] = values[rest % values.length];
      rest = Math.floor(rest / values.length);
    }
    const ordered = Object.fromEntries(names.map((n) => [n, config[n]])) as GridConfig<S>;
    const [score, outcome] = scoreOf("gridSearch", t, fn(ordered, { trial: t }));
    rows.push({ config: ordered, score, trial: t, outcome });
  }
  return rank(rows, opts.maximize ?? false);
};

/**
 * `n` configurations drawn from `space`, each entry a list (one value picked
 * uniformly) or a sampler `(key) → value` (`sampleUniform`,
 * `sampleLogUniform`, `sampleInt`, or your own); trial `t` draws entry `name`
 * from `random.foldIn(random.foldIn(key, t), j)`, `j` the entry's index in
 * sorted name order, so results do not depend on how `space` was written.
 * `fn` also gets a key of its own per trial. Ranked as `gridSearch`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { optim, random } from "../mod.ts";
 * const space = { lr: optim.sampleLogUniform(1e-4, 1), layers: [1, 2, 3] };
 * const results = optim.randomSearch(random.key(0), space, 20, (c) => Math.abs(Math.log10(c.lr) + 2) + c.layers);
 * assert.equal(results.length, 20);
 * assert.ok(results.every((r, i) => i === 0 || r.score >= results[i - 1].score));
 * assert.ok(results.every((r) => r.config.lr >= 1e-4 && r.config.lr < 1 && [1, 2, 3].includes(r.config.layers)));
 * ```
 */
export const randomSearch = <S extends Readonly<Record<string, SpaceEntry>>>(
  key: Key,
  space: S,
  n: number,
  fn: (config: SampledConfig<S>, info: TrialInfo) => TrialOutcome,
  opts: SearchOptions = {},
): TrialResult<SampledConfig<S>>[] => {
  const k = checkKey("randomSearch", key);
  const names = checkSpace("randomSearch", space);
  if (!Number.isSafeInteger(n) || n < 0) throw new ValueError("randomSearch", `n must be an integer ≥ 0, got ${n}`);
  const sorted = [...names].sort();
  for (const name of names) {
    const e = space[name];
    if (typeof e !== "function" && (!Array.isArray(e) || e.length === 0)) {
      throw new ValueError("randomSearch", `space.${name} must be a non-empty array or a sampler (key) => value`);
    }
  }
  const [kSample, kTrial] = split(k);
  const rows: Omit<TrialResult<SampledConfig<S>>, "rank">[] = [];
  for (let t = 0; t < n; t++) {
    const kt = foldIn(kSample, t);
    const config: Record<string, unknown> = {};
    for (const name of names) {
      const kj = foldIn(kt, sorted.indexOf(name));
      const e = space[name];
      config[name] = typeof e === "function"
        ? (e as (key: Key) => unknown)(kj)
        : (e as readonly unknown[])[randint(kj, [], 0, (e as readonly unknown[]).length).item()];
    }
    const c = config as SampledConfig<S>;
    const [score, outcome] = scoreOf("randomSearch", t, fn(c, { trial: t, key: foldIn(kTrial, t) }));
    rows.push({ config: c, score, trial: t, outcome });
  }
  return rank(rows, opts.maximize ?? false);
};

const checkSpace = (op: string, space: unknown): string[] => {
  if (typeof space !== "object" || space === null || Array.isArray(space)) {
    throw new ValueError(op, "space must be an object { name: values } ");
  }
  return Object.keys(space);
};

const finiteRange = (op: string, lo: number, hi: number, positive = false): void => {
  if (!Number.isFinite(lo) || !Number.isFinite(hi) || !(lo < hi) || (positive && !(lo > 0))) {
    throw new ValueError(op, `expected finite bounds lo < hi${positive ? " with lo > 0" : ""}, got [${lo}, ${hi})`);
  }
};

/**
 * A sampler of a float uniform in `[lo, hi)` (float64, from `random.uniform`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { optim, random } from "../mod.ts";
 * const v = optim.sampleUniform(0.1, 0.5)(random.key(0));
 * assert.ok(v >= 0.1 && v < 0.5);
 * ```
 */
export const sampleUniform = (lo: number, hi: number): (key: Key) => number => {
  finiteRange("sampleUniform", lo, hi);
  return (key) => uniform(key, [], { minval: lo, maxval: hi, dtype: "float64" }).item();
};

/**
 * A sampler whose logarithm is uniform: `exp(u)`, `u` uniform in
 * `[log lo, log hi)`, the usual prior for learning rates and weight decay
 * (each decade equally likely). Values stay in `[lo, hi)`; `Math.exp` may
 * differ by an ulp between engines, so draws agree across runtimes to ~1e-16.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { optim, random } from "../mod.ts";
 * const draws = Array.from({ length: 200 }, (_, i) => optim.sampleLogUniform(1e-4, 1)(random.key(i)));
 * assert.ok(draws.every((v) => v >= 1e-4 && v < 1));
 * const small = draws.filter((v) => v < 1e-2).length; // half the decades, about half the draws
 * assert.ok(small > 70 && small < 130);
 * ```
 */
export const sampleLogUniform = (lo: number, hi: number): (key: Key) => number => {
  finiteRange("sampleLogUniform", lo, hi, true);
  const [a, b] = [Math.log(lo), Math.log(hi)];
  const below = nextDown64(hi);
  return (key) => {
    // exp may round to just outside the bounds.
    const v = Math.exp(uniform(key, [], { minval: a, maxval: b, dtype: "float64" }).item());
    return v < lo ? lo : v >= hi ? below : v;
  };
};

/**
 * A sampler of an integer uniform in `[lo, hi)` (exactly uniform, `random.randint`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { optim, random } from "../mod.ts";
 * const v = optim.sampleInt(16, 65)(random.key(0));
 * assert.ok(Number.isInteger(v) && v >= 16 && v <= 64);
 * ```
 */
export const sampleInt = (lo: number, hi: number): (key: Key) => number => {
  if (!Number.isSafeInteger(lo) || !Number.isSafeInteger(hi) || !(lo < hi)) {
    throw new ValueError("sampleInt", `expected integer bounds lo < hi, got [${lo}, ${hi})`);
  }
  return (key) => randint(key, [], lo, hi).item();
};
