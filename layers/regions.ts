/**
 * Counting the linear regions ("joints") of a 1-D → 1-D piecewise-linear
 * network, such as a stack of dense layers and ReLUs, on an interval.
 *
 * ## Method
 * 1. Sample `samples + 1` evenly spaced points of `[a, b]` and get, in one
 *    batch, each point's value f(x) and slope f′(x) (one `vjp` of f with a
 *    cotangent of ones: f acts row by row, so the gradient of Σⱼ f(xⱼ) with
 *    respect to xᵢ is f′(xᵢ)). Inside a linear piece the slope is that
 *    piece's exactly; at a kink of a ReLU network it is one side's, because
 *    relu′(0) = 0 switches that unit off.
 * 2. For each pair of neighbouring points P < Q with lines L_P, L_Q (through
 *    the point, with its slope):
 *    - equal slopes and Q on L_P: f is linear on [P, Q], no kink;
 *    - different slopes: if f has exactly one kink in [P, Q] it is where
 *      L_P and L_Q meet, x*. Accept x* when it lies in [P, Q], f(x*) is on
 *      L_P, the slope just left of x* is P's and just right Q's, and f is on
 *      L_P at (P + x*)/2 and on L_Q at (x* + Q)/2;
 *    - otherwise (two or more kinks, or a bump between equal slopes): bisect
 *      and repeat on both halves, all intervals in one batch per round.
 * 3. Keep the kinks strictly inside (a, b), merge those closer than the
 *    resolution, and join neighbouring pieces whose slopes are equal, so the
 *    count is of f's linear pieces (a unit whose kink does not change f's
 *    slope, e.g. with output weight 0, adds no region).
 *
 * Limits: f must be continuous and piecewise linear, and act on each row
 * independently (no batch statistics). A feature narrower than the sample
 * spacing that leaves f on the same line on both sides (a thin tent between
 * two points of equal slope) is invisible to sampling; raise `samples` to
 * see it. Slopes and values are compared with a relative tolerance `rtol`
 * of the scale of f on [a, b], so pieces whose slopes differ by less are
 * counted as one. An interval that bisection cannot resolve after
 * `maxDepth` halvings is reported in `unresolved` (the count is then a lower
 * bound).
 *
 * @module
 */
import { onesLike, tensor } from "../core/creation.ts";
import type { FloatDType } from "../core/dtype.ts";
import { ShapeError, ValueError } from "../core/errors.ts";
import { formatShape } from "../core/shape.ts";
import type { Tensor } from "../core/tensor.ts";
import { vjp } from "../core/transforms/vjp.ts";
import { positiveInt } from "../core/args.ts";

/** Options of `linearRegions` and `countLinearRegions`. */
export interface LinearRegionsOptions {
  /** Grid cells on [a, b] before refinement (default 1024). */
  readonly samples?: number;
  /** The dtype of the inputs given to f: that of its parameters (default float32). */
  readonly dtype?: FloatDType;
  /** Relative tolerance for equal slopes and points on a line (default 1e-9 in float64, 1e-4 in float32). */
  readonly rtol?: number;
  /** The most halvings of a grid cell while looking for its kinks (default 40). */
  readonly maxDepth?: number;
}

/** What `linearRegions` finds. */
export interface LinearRegions {
  /** The kinks strictly inside (a, b), ascending. */
  readonly breakpoints: readonly number[];
  /** The slope of each linear piece, left to right (one more than the breakpoints). */
  readonly slopes: readonly number[];
  /** Intervals too small to resolve after `maxDepth` halvings (0 when the count is exact). */
  readonly unresolved: number;
}

interface Pt {
  readonly x: number;
  readonly y: number;
  readonly s: number;
}

/** A pair of neighbouring points still to be explained, and how often its cell was halved. */
type Pair = readonly [Pt, Pt, number];

/**
 * The linear pieces of a 1-D ReLU network `f: [n, 1] → [n, 1]` on `[a, b]`:
 * their breakpoints and slopes, found by sampling, line intersection and
 * bisection (see the module doc for the method and its limits).
 *
 * @example |x| on [−1, 2] has one kink, at 0
 * ```ts
 * import assert from "node:assert/strict";
 * import { add, layers, relu, neg, type Tensor } from "../mod.ts";
 * const abs = (x: Tensor) => add(relu(x), relu(neg(x)));
 * const r = layers.linearRegions(abs, [-1, 2], { dtype: "float32" });
 * assert.deepEqual(r.breakpoints, [0]);
 * assert.deepEqual(r.slopes, [-1, 1]);
 * ```
 */
export const linearRegions = (
  f: (x: Tensor) => Tensor,
  interval: readonly [number, number],
  opts: LinearRegionsOptions = {},
): LinearRegions => {
  const op = "linearRegions";
  const [a, b] = interval;
  if (!Number.isFinite(a) || !Number.isFinite(b) || !(a < b)) {
    throw new ValueError(op, `the interval [a, b] needs finite a < b, got [${a}, ${b}]`);
  }
  const samples = positiveInt(op, "samples", opts.samples ?? 1024);
  const maxDepth = positiveInt(op, "maxDepth", opts.maxDepth ?? 40);
  const dtype = opts.dtype ?? "float32";
  const rtol = opts.rtol ?? (dtype === "float64" ? 1e-9 : 1e-4);
  // A smooth f fails every one-kink test and would be halved without end: cap the work.
  const budget = 64 * (samples + 1);
  let evaluated = 0;
  const evaluate = (xs: readonly number[]): Pt[] => {
    evaluated += xs.length;
    if (evaluated > budget) {
      throw new ValueError(
        op,
        `gave up after ${budget} evaluations of f on [${a}, ${b}]: f does not look continuous and piecewise linear ` +
          `(or has far more than ${samples} pieces: raise samples)`,
      );
    }
    return evalPoints(op, f, xs, dtype);
  };

  const grid = evaluate(
    Array.from({ length: samples + 1 }, (_, i) => (i === samples ? b : a + ((b - a) * i) / samples)),
  );
  const sScale = grid.reduce((m, p) => Math.max(m, Math.abs(p.s)), 0);
  const yScale = grid.reduce((m, p) => Math.max(m, Math.abs(p.y)), 0);
  const scale = yScale + sScale * (b - a);
  const sTol = rtol * sScale;
  const vTol = rtol * scale;
  // The rounding error of an intersection x* is about ε·scale/|Δs|; probes beside x* stay well beyond it.
  const xErr = 64 * (dtype === "float64" ? 2 ** -52 : 2 ** -23) * scale;
  // Kinks closer than this to each other or to an end cannot be told apart in `dtype`.
  const xTol = (dtype === "float64" ? 1e-12 : 1e-6) * Math.max(Math.abs(a), Math.abs(b), b - a);
  const onLine = (p: Pt, x: number, y: number) => Math.abs(y - (p.y + p.s * (x - p.x))) <= vTol;

  const kinks: number[] = [];
  let unresolved = 0;
  let pairs: Pair[] = grid.slice(1).map((q, i) => [grid[i], q, 0]);
  while (pairs.length > 0) {
    const split: Pair[] = [];
    const candidates: { pair: Pair; x: number }[] = [];
    for (const pair of pairs) {
      const [p, q] = pair;
      if (Math.abs(p.s - q.s) <= sTol) {
        if (!onLine(p, q.x, q.y)) split.push(pair);
        continue;
      }
      const x = p.x + (q.y - p.y - q.s * (q.x - p.x)) / (p.s - q.s);
      const slack = 1e-9 * (q.x - p.x);
      if (x >= p.x - slack && x <= q.x + slack) candidates.push({ pair, x: Math.min(Math.max(x, p.x), q.x) });
      else split.push(pair);
    }
    // Check each candidate kink x*: f(x*) on L_P, the slopes just left and right of x* (δ beyond the error
    // of x*), and f halfway to each side on L_P and L_Q; all candidates in one batch.
    const probes = candidates.flatMap(({ pair: [p, q], x }) => {
      const delta = Math.max(1e-6 * (q.x - p.x), xErr / Math.abs(p.s - q.s));
      return [x, Math.max(x - delta, p.x), Math.min(x + delta, q.x), (p.x + x) / 2, (x + q.x) / 2];
    });
    const checks = evaluate(probes);
    candidates.forEach(({ pair, x }, i) => {
      const [p, q] = pair;
      const [c, left, right, l, r] = checks.slice(5 * i, 5 * i + 5);
      const sidesOk = Math.abs(left.s - p.s) <= sTol && Math.abs(right.s - q.s) <= sTol;
      if (sidesOk && onLine(p, c.x, c.y) && onLine(p, l.x, l.y) && onLine(q, r.x, r.y)) kinks.push(x);
      else split.push(pair);
    });
    const deeper = split.filter(([p, q, depth]) => {
      if (depth < maxDepth && q.x - p.x > xTol) return true;
      unresolved++;
      if (Math.abs(p.s - q.s) > sTol) kinks.push((p.x + q.x) / 2);
      return false;
    });
    const mids = evaluate(deeper.map(([p, q]) => (p.x + q.x) / 2));
    pairs = deeper.flatMap(([p, q, depth], i) => [[p, mids[i], depth + 1], [mids[i], q, depth + 1]] as const);
  }

  const inside = kinks.filter((k) => k > a + xTol && k < b - xTol).sort((u, v) => u - v);
  const merged = inside.filter((k, i) => i === 0 || k - inside[i - 1] > xTol);
  // Each piece's slope at its midpoint; neighbours with equal slopes are one piece of f.
  const ends = [a, ...merged, b];
  const mids = evaluate(ends.slice(1).map((e, i) => (ends[i] + e) / 2));
  const breakpoints: number[] = [];
  const slopes: number[] = [mids[0].s];
  for (let i = 1; i < mids.length; i++) {
    if (Math.abs(mids[i].s - slopes[slopes.length - 1]) <= sTol) continue;
    breakpoints.push(merged[i - 1]);
    slopes.push(mids[i].s);
  }
  return { breakpoints, slopes, unresolved };
};

/** Values and slopes of f at `xs`, in one batch. */
const evalPoints = (op: string, f: (x: Tensor) => Tensor, xs: readonly number[], dtype: FloatDType): Pt[] => {
  if (xs.length === 0) return [];
  const m = xs.length;
  const [out, pullback] = vjp(f, tensor(Float64Array.from(xs), { dtype, shape: [m, 1] }));
  const shapeOk = (out.ndim === 2 && out.shape[0] === m && out.shape[1] === 1) ||
    (out.ndim === 1 && out.shape[0] === m);
  if (!shapeOk) {
    throw new ShapeError(
      op,
      `f must map an input [${m}, 1] to [${m}, 1] (one value per row), got ${formatShape(out.shape)}`,
    );
  }
  const [g] = pullback(onesLike(out));
  const y = out.toTypedArray();
  const s = g.toTypedArray();
  const bad = xs.findIndex((_, i) => !Number.isFinite(y[i]) || !Number.isFinite(s[i]));
  if (bad >= 0) throw new ValueError(op, `f or its slope is not finite at x = ${xs[bad]} (${y[bad]}, slope ${s[bad]})`);
  // In float32, f saw each x rounded: keep the point it was evaluated at.
  return xs.map((x, i) => ({ x: dtype === "float32" ? Math.fround(x) : x, y: y[i], s: s[i] }));
};

/**
 * The number of linear pieces of a 1-D ReLU network `f: [n, 1] → [n, 1]` on
 * `[a, b]` (`linearRegions(...).slopes.length`; see `linearRegions` for the
 * method and its limits). A shallow network with D hidden units has at most
 * D + 1 of them: each unit's pre-activation crosses zero at most once on a
 * line.
 *
 * @example A shallow network with 3 hidden units and all 3 kinks in [−1, 1]
 * ```ts
 * import assert from "node:assert/strict";
 * import { add, layers, matmul, relu, tensor, type Tensor } from "../mod.ts";
 * const w1 = tensor([[1, 1, 1]]), b1 = tensor([0.5, 0, -0.5]);
 * const w2 = tensor([[1], [-2], [2]]);
 * const f = (x: Tensor) => matmul(relu(add(matmul(x, w1), b1)), w2);
 * assert.equal(layers.countLinearRegions(f, [-1, 1]), 4);
 * assert.equal(layers.countLinearRegions(f, [0.1, 1]), 2); // only the kink at 0.5 is inside
 * ```
 */
export const countLinearRegions = (
  f: (x: Tensor) => Tensor,
  interval: readonly [number, number],
  opts: LinearRegionsOptions = {},
): number => linearRegions(f, interval, opts).slopes.length;
