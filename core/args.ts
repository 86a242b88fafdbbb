/**
 * Checks of plain-number arguments (sizes, counts, hyper-parameters) shared
 * by layers, optimizers, data and the classic algorithms, so every one of
 * them words its error the same way: a `ValueError` naming the function and
 * the argument.
 *
 * @module
 */
import { ValueError } from "./errors.ts";

/**
 * @internal `v` if it is a positive safe integer (a number of units, a batch
 * size, a step count), else a `ValueError` naming `op` and `name`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { positiveInt } from "./args.ts";
 * assert.equal(positiveInt("dense", "units", 3), 3);
 * assert.throws(() => positiveInt("dense", "units", 0), /dense: units must be a positive integer, got 0/);
 * ```
 */
export const positiveInt = (op: string, name: string, v: unknown): number => {
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 1) {
    throw new ValueError(op, `${name} must be a positive integer, got ${String(v)}`);
  }
  return v;
};

/**
 * @internal `v` if it is a finite number, else a `ValueError` naming `op`
 * and `name`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { finiteNumber } from "./args.ts";
 * assert.equal(finiteNumber("elu", "alpha", 0.5), 0.5);
 * assert.throws(() => finiteNumber("elu", "alpha", NaN), /elu: alpha must be a finite number, got NaN/);
 * ```
 */
export const finiteNumber = (op: string, name: string, v: unknown): number => {
  if (typeof v !== "number" || !Number.isFinite(v)) {
    throw new ValueError(op, `${name} must be a finite number, got ${String(v)}`);
  }
  return v;
};
