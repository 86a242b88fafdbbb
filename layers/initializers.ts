/**
 * The initializers, gathered for `layers.initializers.*`: `zeros`, `ones`,
 * `constant(c)`, `normal(σ)`, `uniform(a, b)`, `truncatedNormal(σ)`,
 * `varianceScaling(scale, mode, distribution)` and the Glorot, He and LeCun
 * initializers, plus `fans`. Each is `(key, shape, dtype?) → Tensor`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { layers, random } from "../mod.ts";
 * const { glorotUniform, zeros } = layers.initializers;
 * const w = glorotUniform(random.key(0), [3, 2]);
 * assert.deepEqual([w.shape, zeros(random.key(0), [2]).toArray()], [[3, 2], [0, 0]]);
 * ```
 *
 * @module
 */
export { constant, fans, type Initializer, normal, ones, truncatedNormal, uniform, zeros } from "./init.ts";
export {
  type Distribution,
  type FanMode,
  glorotNormal,
  glorotUniform,
  heNormal,
  heUniform,
  lecunNormal,
  lecunUniform,
  varianceScaling,
} from "./init_scaling.ts";
