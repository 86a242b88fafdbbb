/**
 * The dtype of what a {@link RandomDraw} gives, shared by the `random`
 * primitive's shape rule and the kernels.
 *
 * @module
 */
import type { RandomDraw } from "../../backends/backend.ts";
import type { DType } from "../dtype.ts";

/**
 * @internal The dtype of a draw's elements: floats for the continuous
 * samplers (float64 for Gumbel noise), bool for coin flips, int32 for words,
 * keys and integers.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { drawDType } from "./draw_dtype.ts";
 * assert.equal(drawDType({ kind: "bernoulli", size: 1, p: 0.5 }), "bool");
 * assert.equal(drawDType({ kind: "split", size: 4 }), "int32");
 * ```
 */
export const drawDType = (d: RandomDraw): DType => {
  switch (d.kind) {
    case "uniform":
    case "normal":
      return d.dtype;
    case "gumbel":
      return "float64";
    case "bernoulli":
      return "bool";
    default:
      return "int32";
  }
};
