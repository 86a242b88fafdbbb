/**
 * `checkGrads`: autodiff against central finite differences, in the manner
 * of JAX's `check_grads`.
 *
 * For inputs `x` and one random direction `v`, the finite difference
 * `fd = (f(x + εv) − f(x − εv)) / 2ε` approximates the directional
 * derivative `J v`. Forward mode is checked by comparing the tangent from
 * `jvp` with `fd` elementwise; reverse mode by comparing `⟨Jᵀu, v⟩` (with
 * `Jᵀu` from `vjp`, for a random cotangent `u`) with `⟨u, fd⟩`. At order 2
 * the same checks are applied to the derivative functions themselves:
 * `(x, v) ↦ jvp(f, x, v)` and `x ↦ Jᵀ(x)·(f(x) + u)`, so every mode is
 * also differentiated by every mode (JVP of JVP, VJP of JVP, …).
 *
 * Everything runs in float64. The directions are drawn from an explicit
 * PRNG key (`key` or `seed`), so a check is reproducible.
 *
 * @module
 */
import { cast } from "../core/prims/misc.ts";
import { add, mul, sub } from "../core/prims/binary.ts";
import { type FloatDType, isFloat } from "../core/dtype.ts";
import { Tensor } from "../core/tensor.ts";
import { flatten, unflatten } from "../core/tree/mod.ts";
import { jvp } from "../core/transforms/jvp.ts";
import { vjp } from "../core/transforms/vjp.ts";
import { type Key, key as makeKey, normal, split } from "../core/random/mod.ts";

/** A differentiation mode `checkGrads` can check. */
export type GradMode = "fwd" | "rev";

/** Options of `checkGrads`. */
export interface CheckGradsOptions {
  /** Check derivatives up to this order (1 or 2; default 1). */
  readonly order?: 1 | 2;
  /** Modes to check (default both). */
  readonly modes?: readonly GradMode[];
  /** Finite-difference step (default 1e-6). */
  readonly eps?: number;
  /** Relative tolerance, or one per order `[order 1, order 2]` (default `[1e-6, 1e-5]`). */
  readonly rtol?: number | readonly number[];
  /** Absolute tolerance, or one per order (default `[1e-8, 1e-7]`). */
  readonly atol?: number | readonly number[];
  /** The positional arguments to perturb (default all); the others are held fixed. */
  readonly argnums?: number | readonly number[];
  /** The PRNG key the random directions come from. */
  readonly key?: Key;
  /** A seed for that key, when `key` is absent (default 0). */
  readonly seed?: number;
}

/** A function of flat float64 inputs to flat float64 outputs. */
type Flat = (xs: readonly Tensor[]) => Tensor[];

interface Ctx {
  readonly eps: number;
  readonly modes: readonly GradMode[];
  readonly rtol: readonly number[];
  readonly atol: readonly number[];
}

const perOrder = (x: number | readonly number[] | undefined, dflt: readonly number[]): number[] =>
  x === undefined ? [...dflt] : typeof x === "number" ? [x, x] : [x[0], x[1] ?? x[0]];

const outputs = (y: unknown, what: string): Tensor[] => {
  const [leaves] = flatten(y);
  for (const l of leaves) {
    if (!(l instanceof Tensor) || !isFloat(l.dtype)) {
      const got = l instanceof Tensor ? l.dtype : typeof l;
      throw new Error(`checkGrads: ${what} has a ${got} output leaf; only float outputs can be checked`);
    }
  }
  return leaves as Tensor[];
};

const directions = (k: Key, like: readonly Tensor[]): Tensor[] => {
  const ks = split(k, like.length);
  return like.map((x, i) => normal(ks[i], x.shape, { dtype: x.dtype as FloatDType }));
};

const values = (t: Tensor): Float64Array => Float64Array.from(t.toTypedArray());

/** `Σ aᵢbᵢ` over all leaves, and `Σ |aᵢbᵢ|`, the scale it is compared at. */
const inner = (a: readonly Tensor[], b: readonly Tensor[]): [number, number] => {
  let s = 0;
  let scale = 0;
  a.forEach((t, j) => {
    const x = values(t);
    const y = values(b[j]);
    for (let i = 0; i < x.length; i++) {
      s += x[i] * y[i];
      scale += Math.abs(x[i] * y[i]);
    }
  });
  return [s, scale];
};

const centralDifference = (f: Flat, xs: readonly Tensor[], vs: readonly Tensor[], eps: number): Tensor[] => {
  const plus = f(xs.map((x, i) => add(x, mul(vs[i], eps))));
  const minus = f(xs.map((x, i) => sub(x, mul(vs[i], eps))));
  return plus.map((p, j) => mul(sub(p, minus[j]), 1 / (2 * eps)));
};

const mismatch = (label: string, order: number, detail: string, rtol: number, atol: number): Error =>
  new Error(
    `checkGrads: ${label} (order ${order}) disagrees with finite differences: ${detail} (rtol ${rtol}, atol ${atol})`,
  );

const checkJvp = (f: Flat, xs: readonly Tensor[], k: Key, c: Ctx, order: number, label: string): void => {
  const vs = directions(k, xs);
  const [, ts] = jvp((...a: Tensor[]) => f(a), [...xs], vs);
  const fd = centralDifference(f, xs, vs, c.eps);
  const rtol = c.rtol[order - 1];
  const atol = c.atol[order - 1];
  ts.forEach((t, j) => {
    const a = values(t);
    const e = values(fd[j]);
    for (let i = 0; i < a.length; i++) {
      const diff = Math.abs(a[i] - e[i]);
      if (!(diff <= atol + rtol * Math.abs(e[i]))) {
        throw mismatch(
          label,
          order,
          `output ${j}, element ${i} of shape [${t.shape.join(",")}]: autodiff ${a[i]}, finite difference ${e[i]}, ` +
            `|Δ| = ${diff} > atol + rtol·|fd| = ${atol + rtol * Math.abs(e[i])}`,
          rtol,
          atol,
        );
      }
    }
  });
};

const checkVjp = (f: Flat, xs: readonly Tensor[], k: Key, c: Ctx, order: number, label: string): void => {
  const [kv, ku] = split(k);
  const vs = directions(kv, xs);
  const [ys, pullback] = vjp((...a: Tensor[]) => f(a), ...xs);
  const us = directions(ku, ys);
  const cts = pullback(us) as readonly Tensor[];
  const [ad] = inner(cts, vs);
  const [fdValue, scale] = inner(us, centralDifference(f, xs, vs, c.eps));
  const rtol = c.rtol[order - 1];
  const atol = c.atol[order - 1];
  const tol = atol + rtol * scale;
  if (!(Math.abs(ad - fdValue) <= tol)) {
    throw mismatch(
      label,
      order,
      `⟨Jᵀu, v⟩ = ${ad} by autodiff, ⟨u, J v⟩ = ${fdValue} by finite differences, |Δ| = ${
        Math.abs(ad - fdValue)
      } > atol + rtol·Σ|uᵢ(Jv)ᵢ| = ${tol}`,
      rtol,
      atol,
    );
  }
};

const check = (f: Flat, xs: readonly Tensor[], order: number, max: number, k: Key, c: Ctx, of: string): void => {
  const [kf, kr, kfNext, krNext, kTangent, kCotangent] = split(k, 6);
  if (c.modes.includes("fwd")) {
    const label = `fwd mode (JVP${of})`;
    checkJvp(f, xs, kf, c, order, label);
    if (order < max) {
      // (x, v) ↦ J(x)·v: its derivative in x is the second derivative of f.
      const n = xs.length;
      const jvpOf: Flat = (a) => {
        const [, ts] = jvp((...b: Tensor[]) => f(b), a.slice(0, n), a.slice(n));
        return ts;
      };
      check(jvpOf, [...xs, ...directions(kTangent, xs)], order + 1, max, kfNext, c, ` of JVP${of}`);
    }
  }
  if (c.modes.includes("rev")) {
    const label = `rev mode (VJP${of})`;
    checkVjp(f, xs, kr, c, order, label);
    if (order < max) {
      // x ↦ J(x)ᵀ·(f(x) + u): the cotangent depends on x, as JAX's check does
      // with f(x), and the random u keeps it away from zero.
      const us = directions(kCotangent, f(xs));
      const vjpOf: Flat = (a) => {
        const [ys, pullback] = vjp((...b: Tensor[]) => f(b), ...a);
        return [...(pullback(ys.map((y, j) => add(y, us[j]))) as readonly Tensor[])];
      };
      check(vjpOf, xs, order + 1, max, krNext, c, ` of VJP${of}`);
    }
  }
};

/**
 * Checks the derivatives of `f` at `args` against central finite
 * differences along one random direction, in forward mode (`jvp`) and
 * reverse mode (`vjp`), up to `order` 2. Throws an `Error` naming the mode,
 * the order, both values and the tolerance at the first disagreement.
 *
 * `args` are trees of tensors; the leaves of the checked arguments
 * (`argnums`, default all) must be float and are cast to float64. `f` may
 * return a tensor or a tree of float tensors. Keep the inputs away from
 * kinks (`|x|`, `relu`, `max`) and poles, where finite differences mislead.
 *
 * @example A correct gradient passes; a wrong custom gradient is caught
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkGrads } from "./check_grads.ts";
 * import { customVjp, mul, sin, sum, tensor, type Tensor } from "../mod.ts";
 * const x = tensor([0.3, -1.2, 2], { dtype: "float64" });
 * checkGrads((x: Tensor) => sum(mul(sin(x), x)), [x], { order: 2, seed: 1 });
 * const badSquare = customVjp(
 *   (x: Tensor) => mul(x, x),
 *   (x: Tensor) => [mul(x, x), x] as const,
 *   (x: Tensor, g: Tensor) => [mul(g, x)], // should be 2·g·x
 * );
 * assert.throws(() => checkGrads(badSquare, [x], { modes: ["rev"] }), /rev mode \(VJP\) \(order 1\)/);
 * ```
 */
export const checkGrads = (
  // deno-lint-ignore no-explicit-any
  f: (...args: any[]) => unknown,
  args: readonly unknown[],
  opts: CheckGradsOptions = {},
): void => {
  const order = opts.order ?? 1;
  if (order !== 1 && order !== 2) throw new RangeError(`checkGrads: order must be 1 or 2, got ${order}`);
  const c: Ctx = {
    eps: opts.eps ?? 1e-6,
    modes: opts.modes ?? ["fwd", "rev"],
    rtol: perOrder(opts.rtol, [1e-6, 1e-5]),
    atol: perOrder(opts.atol, [1e-8, 1e-7]),
  };
  const nums = opts.argnums === undefined
    ? args.map((_, i) => i)
    : typeof opts.argnums === "number"
    ? [opts.argnums]
    : [...opts.argnums];
  for (const i of nums) {
    if (!Number.isInteger(i) || i < 0 || i >= args.length) {
      throw new RangeError(`checkGrads: argnums ${i} is out of range for ${args.length} argument(s)`);
    }
  }
  const parts = nums.map((i) => flatten(args[i]));
  const xs: Tensor[] = [];
  parts.forEach(([leaves], j) =>
    leaves.forEach((l) => {
      if (!(l instanceof Tensor) || !isFloat(l.dtype)) {
        const got = l instanceof Tensor ? `a ${l.dtype} tensor` : typeof l;
        throw new TypeError(
          `checkGrads: argument ${nums[j]} has a leaf that is ${got}; checked arguments must hold float tensors ` +
            `(leave integer inputs out of argnums)`,
        );
      }
      xs.push(cast(l, "float64"));
    })
  );
  const flat: Flat = (leaves) => {
    const full = [...args];
    let at = 0;
    parts.forEach(([ls, def], j) => {
      full[nums[j]] = unflatten(def, leaves.slice(at, at + ls.length));
      at += ls.length;
    });
    return outputs(f(...full), "f");
  };
  check(flat, xs, 1, order, opts.key ?? makeKey(opts.seed ?? 0), c, "");
};
