/**
 * Forward mode: `jvp` pushes tangents through a function alongside its
 * values, one primitive at a time ("sum over paths" evaluated left to
 * right).
 *
 * @module
 */
import { isFloat } from "../dtype.ts";
import { TransformError } from "../errors.ts";
import type { MultiPrimitive, Params, Primitive } from "../primitive.ts";
import { formatShape, shapeEqual } from "../shape.ts";
import { Tensor } from "../tensor.ts";
import { bind, bindMulti, inContext, PrimalTracer, Trace, withTrace } from "../trace.ts";
import { flatten, unflatten } from "../tree/mod.ts";
import { zerosFor } from "../prims/zeros.ts";
import { type Argnums, selectArgs } from "./args.ts";

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
    const [primals, tangents] = this.unpack(args);
    const out = bind(prim, primals, params);
    const t = prim.jvp(primals, tangents, out, params);
    return t === null ? out : this.wrap(prim.name, out, t);
  }

  processMulti(prim: MultiPrimitive, args: readonly Tensor[], params: Params): Tensor[] {
    const [primals, tangents] = this.unpack(args);
    if (tangents.every((t) => t === null)) return bindMulti(prim, primals, params);
    const [outs, ts] = prim.jvp(primals, tangents, params);
    return outs.map((o, i) => (ts[i] === null ? o : this.wrap(prim.name, o, ts[i]!)));
  }

  /** The values and tangents (`null`: zero) of `args`. */
  private unpack(args: readonly Tensor[]): [Tensor[], (Tensor | null)[]] {
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
    return [primals, tangents];
  }

  /** `out` with the tangent `t`, which must match it in shape and dtype. */
  private wrap(name: string, out: Tensor, t: Tensor): JvpTracer {
    if (!shapeEqual(t.shape, out.shape) || t.dtype !== out.dtype) {
      throw new TransformError(
        name,
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

/** Options of `jvp`. */
export interface JvpOptions {
  /**
   * Which positional arguments carry tangents (default: all). `tangents`
   * then holds one entry per selected argument, in this order; the other
   * arguments are constants.
   */
  readonly argnums?: Argnums;
  /** `f` returns `[output, aux]`; aux is passed through undifferentiated and returned third. */
  readonly hasAux?: boolean;
}

/**
 * Evaluates `f(...primals)` and its directional derivative along `tangents`
 * (trees of the same structure, shapes and dtypes as `primals`, or as the
 * `argnums` arguments). Returns `[output, outputTangent]`, the tangent with
 * the output's structure; with `hasAux`, `[output, outputTangent, aux]`.
 *
 * Integer and bool tensors among the primals are constants, as in JAX:
 * their tangents (same shape and dtype, e.g. the values themselves) are
 * ignored. Leave them out with `argnums` to pass no tangent for them.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { jvp, mul, sin, tensor } from "../../mod.ts";
 * const [y, dy] = jvp((x) => mul(x, sin(x)), [tensor([0])], [tensor([1])]);
 * assert.deepEqual(y.toArray(), [0]);
 * assert.deepEqual(dy.toArray(), [0]); // d/dx x·sin x = sin x + x cos x = 0 at 0
 * ```
 *
 * @example A tangent for the second argument only
 * ```ts
 * import assert from "node:assert/strict";
 * import { jvp, mul, tensor } from "../../mod.ts";
 * const [y, dy] = jvp(mul, [tensor([2]), tensor([5])], [tensor([1])], { argnums: 1 });
 * assert.deepEqual([y.toArray(), dy.toArray()], [[10], [2]]);
 * ```
 */
export function jvp<Args extends readonly unknown[], R>(
  f: (...args: Args) => R,
  primals: Args,
  tangents: Args,
  opts?: { readonly hasAux?: false },
): [R, R];
/** Tangents for the `argnums` arguments only (one entry each, in order). */
export function jvp<Args extends readonly unknown[], R>(
  f: (...args: Args) => R,
  primals: Args,
  tangents: readonly unknown[],
  opts: JvpOptions & { readonly argnums: Argnums; readonly hasAux?: false },
): [R, R];
/** With `hasAux`: `f` returns `[output, aux]`; the result is `[output, outputTangent, aux]`. */
export function jvp<Args extends readonly unknown[], R, Aux>(
  f: (...args: Args) => readonly [R, Aux],
  primals: Args,
  tangents: readonly unknown[],
  opts: JvpOptions & { readonly hasAux: true },
): [R, R, Aux];
export function jvp(
  f: (...args: never[]) => unknown,
  primals: readonly unknown[],
  tangents: readonly unknown[],
  opts: JvpOptions = {},
): unknown[] {
  if (!Array.isArray(primals) || !Array.isArray(tangents)) {
    throw new TransformError("jvp", "primals and tangents must be arrays (one entry per argument)");
  }
  const argnums = opts.argnums ?? Array.from({ length: primals.length }, (_, i) => i);
  const nums = typeof argnums === "number" ? [argnums] : argnums;
  if (tangents.length !== nums.length) {
    throw new TransformError(
      "jvp",
      `expected ${nums.length} tangent(s), one per ${
        opts.argnums === undefined ? "primal" : "argnums entry"
      }, got ${tangents.length}`,
    );
  }
  const p = selectArgs("jvp", primals, argnums, false);
  const t = selectArgs("jvp", tangents, nums.map((_, i) => i), false);
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
  const hasAux = opts.hasAux ?? false;
  return withTrace((level) => new JvpTrace(level), (trace) =>
    inContext(`jvp (level ${trace.level})`, () => {
      // Integer and bool primals are constants: they enter f untraced.
      const inputs = p.leaves.map((x, i) => (isFloat(x.dtype) ? new JvpTracer(trace, x, t.leaves[i]) : x));
      const raw = f(...(p.substitute(inputs) as never[]));
      if (hasAux && (!Array.isArray(raw) || raw.length !== 2)) {
        throw new TransformError("jvp", "with hasAux, the function must return [output, aux]");
      }
      const [out, aux] = hasAux ? raw as [unknown, unknown] : [raw, undefined];
      const [leaves, def] = flatten(out);
      const pairs = leaves.map((l) => unpackJvp(trace, l));
      const result = [unflatten(def, pairs.map((x) => x[0])), unflatten(def, pairs.map((x) => x[1]))];
      if (!hasAux) return result;
      const [auxLeaves, auxDef] = flatten(aux);
      return [
        ...result,
        unflatten(auxDef, auxLeaves.map((l) => (l instanceof JvpTracer && l.trace === trace ? l.primal : l))),
      ];
    }));
}
