/**
 * Forward mode: `jvp` pushes tangents through a function alongside its
 * values, one primitive at a time ("sum over paths" evaluated left to
 * right).
 *
 * @module
 */
import { TransformError } from "../errors.ts";
import type { Params, Primitive } from "../primitive.ts";
import { formatShape, shapeEqual } from "../shape.ts";
import { Tensor } from "../tensor.ts";
import { bind, inContext, PrimalTracer, Trace, withTrace } from "../trace.ts";
import { flatten, unflatten } from "../tree/mod.ts";
import { zerosFor } from "../prims/zeros.ts";
import { selectArgs } from "./args.ts";

/** A value and its tangent under one `jvp`. */
export class JvpTracer extends PrimalTracer {
  readonly tangent: Tensor;
  constructor(trace: JvpTrace, primal: Tensor, tangent: Tensor) {
    super(trace, primal);
    this.tangent = tangent;
  }
}

/** The trace of one running `jvp`. */
export class JvpTrace extends Trace {
  readonly kind = "jvp";

  processPrimitive(prim: Primitive, args: readonly Tensor[], params: Params): Tensor {
    const n = args.length;
    const primals = new Array<Tensor>(n);
    const tangents = new Array<Tensor | null>(n);
    for (let i = 0; i < n; i++) {
      const a = args[i];
      if (a instanceof JvpTracer && a.trace === this) {
        primals[i] = a.primal;
        tangents[i] = a.tangent;
      } else {
        primals[i] = a;
        tangents[i] = null;
      }
    }
    const out = bind(prim, primals, params);
    const t = prim.jvp(primals, tangents, out, params);
    if (t === null) return out;
    if (!shapeEqual(t.shape, out.shape) || t.dtype !== out.dtype) {
      throw new TransformError(
        prim.name,
        `internal: JVP rule gave a tangent ${t.dtype}${formatShape(t.shape)} for an output ${out.dtype}${
          formatShape(out.shape)
        }`,
      );
    }
    return new JvpTracer(this, out, t);
  }
}

/** Splits an output leaf of a `jvp`'d function into its value and tangent. */
export const unpackJvp = (trace: JvpTrace, leaf: unknown): [unknown, unknown] => {
  if (leaf instanceof JvpTracer && leaf.trace === trace) return [leaf.primal, leaf.tangent];
  if (leaf instanceof Tensor) return [leaf, zerosFor(leaf)];
  return [leaf, leaf];
};

/**
 * Evaluates `f(...primals)` and its directional derivative along `tangents`
 * (trees of the same structure, shapes and dtypes as `primals`). Returns
 * `[output, outputTangent]`, the tangent with the output's structure.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { jvp, mul, sin, tensor } from "../../mod.ts";
 * const [y, dy] = jvp((x) => mul(x, sin(x)), [tensor([0])], [tensor([1])]);
 * assert.deepEqual(y.toArray(), [0]);
 * assert.deepEqual(dy.toArray(), [0]); // d/dx x·sin x = sin x + x cos x = 0 at 0
 * ```
 */
export const jvp = <Args extends readonly unknown[], R>(
  f: (...args: Args) => R,
  primals: Args,
  tangents: Args,
): [R, R] => {
  const all = Array.from({ length: primals.length }, (_, i) => i);
  const p = selectArgs("jvp", primals, all);
  const t = selectArgs("jvp", tangents, all);
  if (p.leaves.length !== t.leaves.length) {
    throw new TransformError("jvp", `primals have ${p.leaves.length} tensors but tangents have ${t.leaves.length}`);
  }
  p.leaves.forEach((x, i) => {
    const dx = t.leaves[i];
    if (!shapeEqual(x.shape, dx.shape) || x.dtype !== dx.dtype) {
      throw new TransformError(
        "jvp",
        `tangent ${i} is ${dx.dtype}${formatShape(dx.shape)} but its primal is ${x.dtype}${formatShape(x.shape)}`,
      );
    }
  });
  return withTrace((level) => new JvpTrace(level), (trace) =>
    inContext(`jvp (level ${trace.level})`, () => {
      const inputs = p.leaves.map((x, i) => new JvpTracer(trace, x, t.leaves[i]));
      const out = f(...(p.substitute(inputs) as unknown as Args));
      const [leaves, def] = flatten(out);
      const pairs = leaves.map((l) => unpackJvp(trace, l));
      return [unflatten(def, pairs.map((x) => x[0])) as R, unflatten(def, pairs.map((x) => x[1])) as R];
    }));
};
