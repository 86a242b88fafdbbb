/**
 * Small synthetic data sets for the course's experiments: XOR, two
 * interleaved spirals, Gaussian blobs, a noisy 1-D function, and random
 * inputs with random labels (for memorisation). Each is a pure function of
 * its key and options: the same key gives the same tensors, bit for bit, on
 * every runtime and backend (the numbers come from `random.uniform` and
 * `random.normal` in float64 and are combined in plain JavaScript), and a
 * new key new samples. Inputs are float32 unless `dtype` says float64;
 * class labels are int32 and balanced (example `i` has class `i mod k`, so
 * every prefix is balanced too).
 *
 * @module
 */
import { finiteNumber, positiveInt } from "../core/args.ts";
import { fromTyped } from "../core/creation.ts";
import { type FloatDType, isFloat } from "../core/dtype.ts";
import { DTypeError, ValueError } from "../core/errors.ts";
import { checkKey, type Key, split } from "../core/random/key.ts";
import { normal, randint, uniform } from "../core/random/mod.ts";
import type { Tensor } from "../core/tensor.ts";

/** Inputs and targets. */
export interface XY {
  /** The inputs, `[n, features]`. */
  readonly x: Tensor;
  /** The targets: int32 labels `[n]` for classification sets, floats `[n, 1]` for XOR and regression. */
  readonly y: Tensor;
}

/** The option every set takes. */
export interface SyntheticOptions {
  /** The dtype of the inputs (and of float targets): float32 (default) or float64. */
  readonly dtype?: FloatDType;
}

const dtypeOf = (op: string, opts: SyntheticOptions): FloatDType => {
  const d = opts.dtype ?? "float32";
  if (typeof d !== "string" || !isFloat(d as FloatDType)) {
    throw new DTypeError(op, `dtype must be float32 or float64, got ${String(d)}`);
  }
  return d;
};

const nonNegative = (op: string, name: string, v: unknown): number => {
  const x = finiteNumber(op, name, v);
  if (x < 0) throw new ValueError(op, `${name} must be ≥ 0, got ${x}`);
  return x;
};

/** Float64 values as a tensor of `dtype` (float32 rounds each value once). */
const floats = (values: Float64Array, shape: readonly number[], dtype: FloatDType): Tensor =>
  fromTyped(dtype === "float64" ? values : Float32Array.from(values), shape);

/** `count` standard normal (or uniform [0, 1)) float64 draws from `k`, as a fresh array. */
const normals = (k: Key, count: number): Float64Array =>
  Float64Array.from(normal(k, [count], { dtype: "float64" }).toTypedArray());
const uniforms = (k: Key, count: number, lo = 0, hi = 1): Float64Array =>
  Float64Array.from(uniform(k, [count], { dtype: "float64", minval: lo, maxval: hi }).toTypedArray());

/** Balanced labels: example `i` has class `i mod classes`. */
const roundRobin = (n: number, classes: number): Int32Array => Int32Array.from({ length: n }, (_, i) => i % classes);

/** Options of `xor` with a key. */
export interface XorOptions extends SyntheticOptions {
  /** The number of samples (default 100). */
  readonly n?: number;
  /** The standard deviation of the Gaussian noise added to each corner (default 0.1). */
  readonly noise?: number;
}

const CORNERS = [[0, 0], [0, 1], [1, 0], [1, 1]] as const;

/**
 * XOR. Without a key: the four points `x` `[[0, 0], [0, 1], [1, 0], [1, 1]]`
 * with targets `y` `[[0], [1], [1], [0]]` (float, shape `[4, 1]`, for a
 * sigmoid or a binary cross-entropy). With a key: `n` noisy samples, sample
 * `i` at corner `i mod 4` plus Gaussian noise of std `noise`, with that
 * corner's target.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { xor } from "./synthetic.ts";
 * import { key } from "../core/random/mod.ts";
 * const { x, y } = xor();
 * assert.deepEqual([x.toArray(), y.toArray()], [[[0, 0], [0, 1], [1, 0], [1, 1]], [[0], [1], [1], [0]]]);
 * const noisy = xor(key(0), { n: 8, noise: 0.05 });
 * assert.deepEqual([noisy.x.shape, noisy.y.toArray()], [[8, 2], [[0], [1], [1], [0], [0], [1], [1], [0]]]);
 * ```
 */
export const xor = (key?: Key, opts: XorOptions = {}): XY => {
  const op = "xor";
  const dtype = dtypeOf(op, opts);
  const n = key === undefined ? 4 : positiveInt(op, "n", opts.n ?? 100);
  const noise = key === undefined ? 0 : nonNegative(op, "noise", opts.noise ?? 0.1);
  const e = key === undefined ? new Float64Array(2 * n) : normals(checkKey(op, key), 2 * n);
  const x = new Float64Array(2 * n), y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const [a, b] = CORNERS[i % 4];
    x[2 * i] = a + noise * e[2 * i];
    x[2 * i + 1] = b + noise * e[2 * i + 1];
    y[i] = a ^ b;
  }
  return { x: floats(x, [n, 2], dtype), y: floats(y, [n, 1], dtype) };
};

/** Options of `twoSpirals`. */
export interface SpiralOptions extends SyntheticOptions {
  /** The number of points, both spirals together (default 200; class 0 gets the odd one out). */
  readonly n?: number;
  /** The standard deviation of the Gaussian noise added to each coordinate (default 0: points on the curves). */
  readonly noise?: number;
  /** How many full turns each spiral makes (default 1.5). */
  readonly turns?: number;
}

/**
 * Two interleaved Archimedean spirals, the classic hard case for a linear
 * model: point `i` has class `c = i mod 2` and a position `t` drawn uniformly
 * in `[0, 1)`, radius `t` and angle `2π · turns · t + π · c` (the second
 * spiral is the first turned half a turn), plus Gaussian noise of std
 * `noise`. `x` is `[n, 2]`, `y` int32 `[n]` in {0, 1}; without noise every
 * radius is in `[0, 1)`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { twoSpirals } from "./synthetic.ts";
 * import { key } from "../core/random/mod.ts";
 * const { x, y } = twoSpirals(key(0), { n: 100, turns: 2 });
 * assert.deepEqual([x.shape, y.dtype, y.shape], [[100, 2], "int32", [100]]);
 * const r = (x.toArray() as number[][]).map(([a, b]) => Math.hypot(a, b));
 * assert.ok(r.every((v) => v < 1));
 * ```
 */
export const twoSpirals = (key: Key, opts: SpiralOptions = {}): XY => {
  const op = "twoSpirals";
  const k = checkKey(op, key);
  const dtype = dtypeOf(op, opts);
  const n = positiveInt(op, "n", opts.n ?? 200);
  const noise = nonNegative(op, "noise", opts.noise ?? 0);
  const turns = finiteNumber(op, "turns", opts.turns ?? 1.5);
  if (turns <= 0) throw new ValueError(op, `turns must be > 0, got ${turns}`);
  const [kt, ke] = split(k);
  const t = uniforms(kt, n);
  const e = normals(ke, 2 * n);
  const x = new Float64Array(2 * n);
  const y = roundRobin(n, 2);
  for (let i = 0; i < n; i++) {
    const angle = 2 * Math.PI * turns * t[i] + Math.PI * y[i];
    x[2 * i] = t[i] * Math.cos(angle) + noise * e[2 * i];
    x[2 * i + 1] = t[i] * Math.sin(angle) + noise * e[2 * i + 1];
  }
  return { x: floats(x, [n, 2], dtype), y: fromTyped(y, [n]) };
};

/** Options of `blobs`. */
export interface BlobOptions extends SyntheticOptions {
  /** The number of points (default 100). */
  readonly n?: number;
  /**
   * The number of blobs, their centres drawn uniformly in `box` (default 3),
   * or the centres themselves, one row of `dim` coordinates each.
   */
  readonly centers?: number | readonly (readonly number[])[];
  /** The standard deviation of each blob, the same on every axis (default 1). */
  readonly std?: number;
  /** The number of features when the centres are drawn (default 2; otherwise the centres' length). */
  readonly dim?: number;
  /** The range `[lo, hi)` drawn centres lie in, per axis (default `[-10, 10]`, as scikit-learn's make_blobs). */
  readonly box?: readonly [number, number];
}

/**
 * Isotropic Gaussian blobs: point `i` belongs to blob `c = i mod k` and lies
 * at its centre plus Gaussian noise of std `std` on each axis. Returns `x`
 * `[n, dim]`, `y` int32 `[n]` (the blob) and `centers` `[k, dim]`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { blobs } from "./synthetic.ts";
 * import { key } from "../core/random/mod.ts";
 * const { x, y, centers } = blobs(key(0), { n: 6, centers: [[0, 0], [10, 10]], std: 0.1 });
 * assert.deepEqual([x.shape, y.toArray(), centers.shape], [[6, 2], [0, 1, 0, 1, 0, 1], [2, 2]]);
 * assert.ok(Math.abs((x.toArray() as number[][])[1][0] - 10) < 1);
 * ```
 */
export const blobs = (key: Key, opts: BlobOptions = {}): XY & { readonly centers: Tensor } => {
  const op = "blobs";
  const k = checkKey(op, key);
  const dtype = dtypeOf(op, opts);
  const n = positiveInt(op, "n", opts.n ?? 100);
  const std = nonNegative(op, "std", opts.std ?? 1);
  const [kc, ke] = split(k);
  const spec = opts.centers ?? 3;
  let c: Float64Array, count: number, dim: number;
  if (typeof spec === "number") {
    count = positiveInt(op, "centers", spec);
    dim = positiveInt(op, "dim", opts.dim ?? 2);
    const [lo, hi] = opts.box ?? [-10, 10];
    finiteNumber(op, "box[0]", lo);
    finiteNumber(op, "box[1]", hi);
    if (!(lo < hi)) throw new ValueError(op, `box must be [lo, hi] with lo < hi, got [${lo}, ${hi}]`);
    c = uniforms(kc, count * dim, lo, hi);
  } else {
    if (!Array.isArray(spec) || spec.length === 0 || !spec.every((r) => Array.isArray(r) && r.length > 0)) {
      throw new ValueError(op, `centers must be a positive integer or a non-empty array of coordinate rows`);
    }
    count = spec.length;
    dim = spec[0].length;
    if (opts.dim !== undefined && opts.dim !== dim) {
      throw new ValueError(op, `dim ${opts.dim} differs from the centres' ${dim} coordinates`);
    }
    c = new Float64Array(count * dim);
    spec.forEach((row, i) => {
      if (row.length !== dim) {
        throw new ValueError(op, `centre ${i} has ${row.length} coordinates; centre 0 has ${dim}`);
      }
      row.forEach((v: number, j: number) => (c[i * dim + j] = finiteNumber(op, `centers[${i}][${j}]`, v)));
    });
  }
  const e = normals(ke, n * dim);
  const y = roundRobin(n, count);
  const x = new Float64Array(n * dim);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < dim; j++) x[i * dim + j] = c[y[i] * dim + j] + std * e[i * dim + j];
  }
  return { x: floats(x, [n, dim], dtype), y: fromTyped(y, [n]), centers: floats(c, [count, dim], dtype) };
};

/** Options of `noisy1d`. */
export interface Noisy1dOptions extends SyntheticOptions {
  /** The number of samples (default 100). */
  readonly n?: number;
  /** The function to sample, number → number (default `Math.sin`). */
  readonly fn?: (x: number) => number;
  /** The standard deviation of the Gaussian noise added to each target (default 0.1). */
  readonly noise?: number;
  /** The interval `[lo, hi)` the inputs are drawn from (default `[-π, π]`). */
  readonly range?: readonly [number, number];
}

/**
 * Samples of a 1-D function with noise, for regression and the universal
 * approximation demos: `x` `[n, 1]` drawn uniformly in `range` (in the order
 * drawn, not sorted), `y` `[n, 1]` = `fn(x) + noise · ε` with `ε` standard
 * normal (`fn` sees `x` already rounded to `dtype`). A `fn` value that is
 * not finite is a `ValueError`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { noisy1d } from "./synthetic.ts";
 * import { key } from "../core/random/mod.ts";
 * const { x, y } = noisy1d(key(0), { n: 50, fn: (v) => 2 * v, noise: 0, range: [0, 1] });
 * assert.deepEqual([x.shape, y.shape], [[50, 1], [50, 1]]);
 * const xs = x.toArray() as number[][], ys = y.toArray() as number[][];
 * assert.ok(xs.every(([v], i) => v >= 0 && v < 1 && Math.abs(ys[i][0] - 2 * v) < 1e-6));
 * ```
 */
export const noisy1d = (key: Key, opts: Noisy1dOptions = {}): XY => {
  const op = "noisy1d";
  const k = checkKey(op, key);
  const dtype = dtypeOf(op, opts);
  const n = positiveInt(op, "n", opts.n ?? 100);
  const noise = nonNegative(op, "noise", opts.noise ?? 0.1);
  const fn = opts.fn ?? Math.sin;
  if (typeof fn !== "function") throw new ValueError(op, `fn must be a function number → number, got ${typeof fn}`);
  const [lo, hi] = opts.range ?? [-Math.PI, Math.PI];
  finiteNumber(op, "range[0]", lo);
  finiteNumber(op, "range[1]", hi);
  if (!(lo < hi)) throw new ValueError(op, `range must be [lo, hi] with lo < hi, got [${lo}, ${hi}]`);
  const [kx, ke] = split(k);
  // Drawn in the dtype itself, so the bound stays exclusive after rounding and fn sees the stored inputs.
  const x = Float64Array.from(uniform(kx, [n], { dtype, minval: lo, maxval: hi }).toTypedArray());
  const e = normals(ke, n);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const v = fn(x[i]);
    if (typeof v !== "number" || !Number.isFinite(v)) {
      throw new ValueError(op, `fn(${x[i]}) is ${String(v)}; expected a finite number`);
    }
    y[i] = v + noise * e[i];
  }
  return { x: floats(x, [n, 1], dtype), y: floats(y, [n, 1], dtype) };
};

/** Options of `randomLabels`. */
export interface RandomLabelsOptions extends SyntheticOptions {
  /** The number of examples. */
  readonly n: number;
  /** The number of input features. */
  readonly dim: number;
  /** The number of classes. */
  readonly classes: number;
}

/**
 * Random inputs with random labels, nothing to learn but the examples
 * themselves (Zhang et al., "Understanding deep learning requires rethinking
 * generalization"): `x` `[n, dim]` standard normal, `y` int32 `[n]` drawn
 * uniformly from `0 … classes − 1`, independently of `x`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { randomLabels } from "./synthetic.ts";
 * import { key } from "../core/random/mod.ts";
 * const { x, y } = randomLabels(key(0), { n: 20, dim: 5, classes: 3 });
 * assert.deepEqual([x.shape, y.shape, y.dtype], [[20, 5], [20], "int32"]);
 * assert.ok((y.toArray() as number[]).every((c) => c >= 0 && c < 3));
 * ```
 */
export const randomLabels = (key: Key, opts: RandomLabelsOptions): XY => {
  const op = "randomLabels";
  const k = checkKey(op, key);
  if (typeof opts !== "object" || opts === null) {
    throw new ValueError(op, "expected options { n, dim, classes }");
  }
  const dtype = dtypeOf(op, opts);
  const n = positiveInt(op, "n", opts.n);
  const dim = positiveInt(op, "dim", opts.dim);
  const classes = positiveInt(op, "classes", opts.classes);
  const [kx, ky] = split(k);
  const y = Int32Array.from(randint(ky, [n], 0, classes).toTypedArray());
  return { x: floats(normals(kx, n * dim), [n, dim], dtype), y: fromTyped(y, [n]) };
};
