/**
 * Shape and dtype rules shared by primitives' `abstractEval`.
 *
 * @module
 */
import { type DType, isFloat } from "../dtype.ts";
import { DTypeError } from "../errors.ts";
import type { Aval } from "../tensor.ts";

const verb = (what: string): string => (what.endsWith("s") ? "have" : "has");

/** Requires a floating-point input (transcendental functions, division, matmul). */
export const requireFloat = (op: string, x: Aval, what = "input"): void => {
  if (!isFloat(x.dtype)) {
    throw new DTypeError(op, `${what} ${verb(what)} dtype ${x.dtype}; expected float32 or float64 (cast it first)`);
  }
};

/** Requires a numeric (non-bool) input. */
export const requireNumeric = (op: string, x: Aval, what = "input"): void => {
  if (x.dtype === "bool") {
    throw new DTypeError(op, `${what} ${verb(what)} dtype bool; expected a numeric dtype (cast it first)`);
  }
};

/** Requires every input to share one dtype, and returns it. */
export const sameDType = (op: string, xs: readonly Aval[]): DType => {
  const d = xs[0].dtype;
  for (const x of xs) {
    if (x.dtype !== d) {
      throw new DTypeError(
        op,
        `dtype mismatch: ${xs.map((t) => t.dtype).join(" vs ")}; cast one operand, e.g. cast(x, "${d}")`,
      );
    }
  }
  return d;
};
