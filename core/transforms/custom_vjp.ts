/**
 * User-defined reverse-mode rules (`customVjp`), as `jax.custom_vjp`.
 *
 * @module
 */
import { TransformError } from "../errors.ts";
import type { Params, Primitive } from "../primitive.ts";
import { zerosFor } from "../prims/zeros.ts";
import { formatShape, shapeEqual } from "../shape.ts";
import { Tensor } from "../tensor.ts";
import { Tracer } from "../trace.ts";
import { flatten, leaves, unflatten } from "../tree/mod.ts";
import { TapeNode, VjpTrace, VjpTracer } from "./vjp.ts";

/**
 * Gives `f` a custom backward rule. `fwd(...args)` returns `[output,
 * residuals]` (the output must equal `f(...args)`); `bwd(residuals, g)`
 * returns one cotangent per argument (a tree like the argument, or `null`
 * for none). The output must be a single tensor.
 *
 * The rule is used whenever `f` is differentiated in reverse mode (`grad`,
 * `vjp`, `jacrev`); `bwd` is itself differentiated when a gradient is taken
 * of a gradient. Forward mode (`jvp`, `jacfwd`) differentiates `f` itself.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { customVjp, grad, log1p, exp, mul, sigmoid, sum, tensor, type Tensor } from "../../mod.ts";
 * // softplus with a rule that stays finite for large x
 * const softplus = customVjp(
 *   (x: Tensor) => log1p(exp(x)),
 *   (x: Tensor) => [log1p(exp(x)), x] as const,
 *   (x: Tensor, g: Tensor) => [mul(g, sigmoid(x))],
 * );
 * assert.ok(Math.abs(grad((x: Tensor) => sum(softplus(x)))(tensor([0])).item() - 0.5) < 1e-7);
 * ```
 */
export const customVjp = <A extends readonly unknown[], Res>(
  f: (...args: A) => Tensor,
  fwd: (...args: A) => readonly [Tensor, Res],
  bwd: (residuals: Res, g: Tensor) => readonly unknown[],
): (...args: A) => Tensor =>
(...args: A): Tensor => {
  // The highest-level trace among the arguments decides: only a reverse-mode
  // trace uses the rule.
  let top: VjpTrace | null = null;
  let topLevel = 0;
  for (const l of leaves(args)) {
    if (l instanceof Tracer && l.trace.level > topLevel) {
      topLevel = l.trace.level;
      top = l.trace instanceof VjpTrace ? l.trace : null;
    }
  }
  if (top === null) return f(...args);
  const trace = top;
  const [argLeaves, argsDef] = flatten(args);
  const unwrap = (l: unknown) => (l instanceof VjpTracer && l.trace === trace ? l.primal : l);
  const primalArgs = argLeaves.map(unwrap);
  const parents = argLeaves.map((l) => (l instanceof VjpTracer && l.trace === trace ? l.node : null));
  const [out, res] = fwd(...(unflatten(argsDef, primalArgs) as unknown as A));
  if (!(out instanceof Tensor)) throw new TransformError("customVjp", "fwd must return [output tensor, residuals]");
  const rule: Primitive = {
    name: "customVjp",
    abstractEval: () => out,
    impl: () => {
      throw new TransformError("customVjp", "internal: the custom rule node is never evaluated");
    },
    // A tape record, never bound: vmap batches the fwd and bwd functions themselves.
    batch: () => {
      throw new TransformError("customVjp", "internal: the custom rule node is never batched");
    },
    jvp: () => null,
    vjp: (g) => {
      const cts = bwd(res, g);
      if (!Array.isArray(cts) || cts.length !== args.length) {
        throw new TransformError("customVjp", `bwd must return ${args.length} cotangent(s), one per argument`);
      }
      const flat: (Tensor | null)[] = [];
      cts.forEach((ct, i) => {
        const [ls] = flatten(args[i]);
        if (ct === null || ct === undefined) ls.forEach(() => flat.push(null));
        else {
          const [cls] = flatten(ct);
          if (cls.length !== ls.length) {
            throw new TransformError("customVjp", `bwd's cotangent ${i} does not have the structure of argument ${i}`);
          }
          cls.forEach((c, j) => {
            const x = ls[j] as Tensor;
            if (c !== null && (!(c instanceof Tensor) || !shapeEqual(c.shape, x.shape))) {
              throw new TransformError(
                "customVjp",
                `bwd's cotangent ${i} has a leaf of shape ${
                  c instanceof Tensor ? formatShape(c.shape) : typeof c
                }, expected ${formatShape(x.shape)}`,
              );
            }
            flat.push(c as Tensor | null);
          });
        }
      });
      return flat;
    },
  };
  const node = new TapeNode(
    rule,
    primalArgs.map((p) => (p instanceof Tensor ? p : zerosFor({ shape: [], dtype: "float32" }))),
    out,
    {} as Params,
    parents,
  );
  trace.tape.push(node);
  return new VjpTracer(trace, out, node);
};
