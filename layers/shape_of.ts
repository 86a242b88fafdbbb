/**
 * The output shape of a function of one tensor, found without computing it:
 * the function is traced (`trace`) on a symbolic input, so only shapes and
 * dtypes flow. Layers use it at `init` for parameterless steps (activations,
 * pooling, flatten) and for their own outputs, so the shape `init` reports
 * is by construction the shape `apply` returns.
 *
 * @module
 */
import { zeros } from "../core/creation.ts";
import type { DType } from "../core/dtype.ts";
import { ValueError } from "../core/errors.ts";
import type { Shape } from "../core/shape.ts";
import { Tensor } from "../core/tensor.ts";
import { trace } from "../core/transforms/graph.ts";

/**
 * The shape `f` returns for an input of `inputShape` and `dtype` (default
 * float32). `f` is traced, not run: it must not read tensor values
 * (`item`, `toArray`), and it must return one tensor. Shape errors of the
 * ops inside `f` surface here, with their own messages.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { flatten, layers, type Tensor } from "../mod.ts";
 * assert.deepEqual(layers.outputShapeOf((x: Tensor) => flatten(x, 1), [8, 3, 4]), [8, 12]);
 * ```
 */
export const outputShapeOf = (f: (x: Tensor) => Tensor, inputShape: Shape, dtype: DType = "float32"): Shape => {
  const g = trace((x: Tensor) => {
    const y = f(x);
    if (!(y instanceof Tensor)) {
      throw new ValueError("outputShapeOf", `the function must return one tensor, got ${describe(y)}`);
    }
    return y;
  }, zeros(inputShape, { dtype }));
  return [...g.outputs[0].shape];
};

const describe = (x: unknown): string =>
  x === null ? "null" : Array.isArray(x) ? "an array" : typeof x === "object" ? "an object" : typeof x;
