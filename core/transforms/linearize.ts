/**
 * `linearize`: a function's value at a point and its linear map there (the
 * JVP), as a function that can be evaluated many times without running the
 * primal computation again (JAX's `linearize`).
 *
 * @module
 */
import { TransformError } from "../errors.ts";
import { Tensor } from "../tensor.ts";
import { flatten } from "../tree/mod.ts";
import { evalGraph, TRACE_OPTIONS, traceWith } from "./graph.ts";
import { jvp } from "./jvp.ts";

/**
 * Evaluates `f(...primals)` once and returns `[output, fJvp]`, where
 * `fJvp(...tangents)` is the directional derivative of `f` at `primals`
 * along `tangents` (the same as `jvp(f, primals, tangents)[1]`). The JVP is
 * traced once, with the tangents symbolic: the primal values it needs are
 * computed then and kept as constants, so each call of `fJvp` runs only the
 * tangent's operations. Worth it when the same linear map is applied to
 * many tangents (Newton–Krylov solvers, Jacobian columns one at a time).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { linearize, mul, sin, tensor, type Tensor } from "../../mod.ts";
 * let calls = 0;
 * const f = (x: Tensor) => (calls++, mul(x, sin(x)));
 * const [y, fJvp] = linearize(f, tensor([0, 1], { dtype: "float64" }));
 * assert.deepEqual(y.toArray(), [0, Math.sin(1)]);
 * const d = fJvp(tensor([1, 1], { dtype: "float64" })).toArray() as number[];
 * assert.ok(Math.abs(d[1] - (Math.sin(1) + Math.cos(1))) < 1e-15); // sin x + x cos x
 * fJvp(tensor([2, 0], { dtype: "float64" }));
 * assert.equal(calls, 1); // f ran once, when linearized
 * ```
 */
export const linearize = <Args extends readonly unknown[], R>(
  f: (...args: Args) => R,
  ...primals: Args
): [R, (...tangents: Args) => R] => {
  for (const [i, leaf] of flatten(primals)[0].entries()) {
    if (!(leaf instanceof Tensor)) {
      throw new TransformError("linearize", `primal leaf ${i} is ${typeof leaf}, not a tensor`);
    }
  }
  let out: R | undefined;
  // Partial evaluation: the trace is outside the jvp and does not stage ops on
  // values it does not follow, so only operations on the (symbolic) tangents are
  // recorded; the primal's operations run on concrete values as the trace is built.
  const graph = traceWith({ ...TRACE_OPTIONS, omnistaging: false }, (...tangents: never[]) => {
    const [y, dy] = jvp(f, primals, tangents as unknown as Args);
    out = y;
    return dy as unknown;
  }, primals);
  return [out as R, (...tangents: Args) => evalGraph(graph, ...tangents) as R];
};
