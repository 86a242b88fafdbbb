/**
 * Output functions: the last step of a model, mapping its raw outputs to the
 * parameters of a distribution (the course's "network outputs φ"): `linear`
 * for a Normal's mean, `sigmoid` (in `activations.ts`) for a Bernoulli's
 * probability, `softmax` / `logSoftmax` for a Categorical's, `exp` for a
 * positive rate or scale. Plain functions `x → y`, so layers as they are.
 *
 * @module
 */
import { exp as coreExp, logSoftmax as coreLogSoftmax, softmax as coreSoftmax } from "../core/ops/mod.ts";
import type { Tensor } from "../core/tensor.ts";

/**
 * The linear (identity) output: x ↦ x, for a Normal mean or any real value.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { layers, tensor } from "../mod.ts";
 * const x = tensor([1, -2]);
 * assert.equal(layers.linear(x), x);
 * ```
 */
export const linear = (x: Tensor): Tensor => x;

/**
 * Softmax along `axis` (default the last): exp(x − logSumExp(x)), stable for
 * large inputs (the core `softmax`); rows sum to 1.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { layers, tensor } from "../mod.ts";
 * assert.deepEqual(layers.softmax(tensor([[0, 0], [1e4, 0]])).toArray(), [[0.5, 0.5], [1, 0]]);
 * ```
 */
export const softmax = (x: Tensor, axis = -1): Tensor => coreSoftmax(x, axis);

/**
 * log softmax along `axis` (default the last): x − logSumExp(x), exact for
 * large inputs (the core `logSoftmax`); a +∞ input gives NaN, as JAX.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { layers, tensor } from "../mod.ts";
 * assert.deepEqual(layers.logSoftmax(tensor([1e4, 0], { dtype: "float64" })).toArray(), [0, -1e4]);
 * ```
 */
export const logSoftmax = (x: Tensor, axis = -1): Tensor => coreLogSoftmax(x, axis);

/**
 * The exponential output eˣ, for a positive rate (Poisson) or scale.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { layers, tensor } from "../mod.ts";
 * assert.deepEqual(layers.exp(tensor([0, -Infinity])).toArray(), [1, 0]);
 * ```
 */
export const exp = (x: Tensor): Tensor => coreExp(x);
