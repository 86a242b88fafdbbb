/**
 * The scalar side of a step: the int32 step count and hyper-parameters that
 * are numbers or schedules. Scalars are float64 tensors here, cast by the
 * runner to each leaf's dtype: a bias correction 1 − 0.999ᵗ computed from a
 * float32 0.999 is off by 1.3e-5 (Adam's first step on float32 parameters
 * would be 0.99999 η). Bias corrections are computed by one fused scalar
 * kernel, one call instead of six: at a microsecond or more per op, the
 * scalar work is a visible part of a step.
 *
 * @module
 */
import { ValueError } from "../core/errors.ts";
import { fuse } from "../core/fuse.ts";
import { scalar } from "../core/creation.ts";
import { isFloat } from "../core/dtype.ts";
import { add, cast, div, less, pow, sub, where } from "../core/ops/mod.ts";
import { Tensor } from "../core/tensor.ts";
import type { Tree } from "../core/tree/mod.ts";
import type { ScalarOrSchedule } from "./types.ts";

const INT32_MAX = 2147483647;

/** @internal A step count of 0: an int32 scalar. */
export const zeroCount = (): Tensor => scalar(0, "int32");

/**
 * @internal `count + 1`, staying at the int32 maximum instead of wrapping
 * (optax's `safe_increment`).
 */
export const incrementCount = (name: string, count: Tree): Tensor => {
  if (!(count instanceof Tensor) || count.dtype !== "int32" || count.shape.length !== 0) {
    throw new ValueError(name, `the state's count must be an int32 scalar tensor (from init), got ${describe(count)}`);
  }
  return where(less(count, INT32_MAX), add(count, 1), count);
};

/**
 * @internal `f` of the step t (the new count as a float64 scalar), run as
 * one fused scalar kernel. Numbers `f` closes over are read once (`fuse`):
 * fixed hyper-parameters only.
 */
export const stepScalars = (f: (t: Tensor) => Tensor[]): (count: Tensor) => Tensor[] => {
  const fused = fuse(f);
  return (count) => fused(cast(count, "float64"));
};

/** @internal 1 / (1 − βᵗ), the reciprocal of a bias correction (multiplied by: a division per element costs more). */
export const inverseCorrection = (beta: number, t: Tensor): Tensor => div(1, sub(1, pow(beta, t)));

/** @internal The value of a number or a schedule at `count`, as a float64 scalar tensor. */
export const valueAt = (name: string, v: ScalarOrSchedule, count: Tensor): Tensor => {
  const x = typeof v === "number" ? v : v(count);
  if (typeof x === "number") return scalar(x, "float64");
  if (!(x instanceof Tensor) || x.shape.length !== 0 || !isFloat(x.dtype)) {
    throw new ValueError(name, `a schedule must return a number or a float scalar tensor, got ${describe(x)}`);
  }
  return cast(x, "float64");
};

/** @internal How a value reads in an error message. */
export const describe = (x: unknown): string => {
  if (x instanceof Tensor) return `a ${x.dtype} tensor of shape [${x.shape.join(", ")}]`;
  if (Array.isArray(x)) return `an array of ${x.length}`;
  if (x === null || x === undefined) return String(x);
  return typeof x === "object" ? "an object" : `${typeof x} ${String(x)}`;
};

/** @internal Throws unless `x` is a finite number (≥ `min` when given). */
export const checkNumber = (name: string, field: string, x: unknown, min?: number): number => {
  if (typeof x !== "number" || !Number.isFinite(x) || (min !== undefined && x < min)) {
    throw new ValueError(name, `${field} must be a finite number${min === undefined ? "" : ` ≥ ${min}`}, got ${x}`);
  }
  return x;
};
