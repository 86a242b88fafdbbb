/**
 * User-defined reverse-mode rules (`customVjp`), as `jax.custom_vjp`.
 *
 * A call with traced arguments binds one primitive, `customVjp`, whose
 * attribute is the call's {@link CustomRule} (the function, its forward
 * pass with residuals, and the backward rule). So the rule survives every
 * transform: a reverse-mode trace runs `fwd` and records `bwd` on its tape
 * (`processVjp`); `trace` records the call as one node, which `evalGraph`
 * binds again; `vmap` batches the call into a call of the batched
 * functions, so `grad(vmap(f))` still uses the rule. Forward mode is an
 * error, as in JAX: the rule says nothing about tangents.
 *
 * @module
 */
import { TransformError } from "../errors.ts";
import { definePrimitive, type MultiPrimitive, type Params, type Primitive } from "../primitive.ts";
import { broadcastTo, reshape, transpose } from "../prims/shape.ts";
import { formatShape, shapeEqual } from "../shape.ts";
import { type Aval, ConcreteTensor, pinStorage, Tensor } from "../tensor.ts";
import { bind, Trace, Tracer, withTrace } from "../trace.ts";
import { flatten, type TreeDef, unflatten } from "../tree/mod.ts";
import { vmap } from "./vmap.ts";
import { TapeNode, VjpTrace, VjpTracer } from "./vjp.ts";

/**
 * One call's custom rule over the tensor leaves of its arguments (the
 * primitive's inputs); the other leaves (numbers, strings) are fixed in
 * `rebuild`. Printed as `customVjp` in a graph.
 */
class CustomRule {
  constructor(
    /** The primal function of the rebuilt arguments. */
    readonly f: (...args: never[]) => Tensor,
    /** `[output, residuals]` of the rebuilt arguments. */
    readonly fwd: (...args: never[]) => readonly [Tensor, unknown],
    /** One cotangent tree (or `null`) per argument, from the residuals and the output's cotangent. */
    readonly bwd: (residuals: never, g: Tensor) => readonly unknown[],
    /** The arguments from the tensor leaves. */
    readonly rebuild: (leaves: readonly Tensor[]) => unknown[],
    /** The arguments' structure, for checking and flattening `bwd`'s cotangents. */
    readonly argTrees: readonly unknown[],
  ) {}

  /** The output of `f` on these inputs: its shape and dtype, found without computing it. */
  outAval(inputs: readonly Aval[]): Aval {
    const out = evalShape(() => this.f(...(this.rebuild(inputs.map(avalTensor)) as never[])));
    if (!(out instanceof Tensor)) throw new TransformError("customVjp", "the function must return a single tensor");
    return { shape: out.shape, dtype: out.dtype };
  }

  /** The cotangents of the tensor leaves, from `bwd`'s per-argument trees (checked against the arguments). */
  cotangents(residuals: unknown, g: Tensor): (Tensor | null)[] {
    const cts = this.bwd(residuals as never, g);
    const n = this.argTrees.length;
    if (!Array.isArray(cts) || cts.length !== n) {
      throw new TransformError("customVjp", `bwd must return ${n} cotangent(s), one per argument`);
    }
    const flat: (Tensor | null)[] = [];
    cts.forEach((ct, i) => {
      const ls = flatten(this.argTrees[i])[0].filter((l) => l instanceof Tensor) as Tensor[];
      if (ct === null || ct === undefined) return ls.forEach(() => flat.push(null));
      const cls = flatten(ct)[0];
      if (cls.length !== ls.length) {
        throw new TransformError("customVjp", `bwd's cotangent ${i} does not have the structure of argument ${i}`);
      }
      cls.forEach((c, j) => {
        if (c !== null && (!(c instanceof Tensor) || !shapeEqual(c.shape, ls[j].shape))) {
          throw new TransformError(
            "customVjp",
            `bwd's cotangent ${i} has a leaf of shape ${c instanceof Tensor ? formatShape(c.shape) : typeof c}, ` +
              `expected ${formatShape(ls[j].shape)}`,
          );
        }
        flat.push(c as Tensor | null);
      });
    });
    return flat;
  }

  /** The same rule over inputs that all carry a leading batch axis of `size`: every function vmapped. */
  batched(size: number): CustomRule {
    const apply = <R>(fn: (...a: never[]) => R) => (...leaves: Tensor[]): R => fn(...(this.rebuild(leaves) as never[]));
    // Residuals may hold numbers or null: only their tensors cross the vmap boundary.
    let resDef: TreeDef | undefined, resStatic: unknown[] = [];
    const fwdLeaves = (...leaves: Tensor[]): [Tensor, Tensor[]] => {
      const [out, res] = apply(this.fwd)(...leaves);
      const [rl, def] = flatten(res);
      [resDef, resStatic] = [def, rl];
      return [out, rl.filter((l): l is Tensor => l instanceof Tensor)];
    };
    const bwdLeaves = (resTensors: Tensor[], g: Tensor): (Tensor | null)[] => {
      let next = 0;
      const res = unflatten(resDef!, resStatic.map((l) => (l instanceof Tensor ? resTensors[next++] : l)));
      return this.cotangents(res, g);
    };
    const bwdBatched = vmap(bwdLeaves, { axisSize: size });
    // The batched call takes the tensor leaves as its arguments, one each.
    const leafAvals = this.argTrees.flatMap((a) => flatten(a)[0].filter((l): l is Tensor => l instanceof Tensor));
    return new CustomRule(
      vmap(apply(this.f), { axisSize: size }) as (...a: never[]) => Tensor,
      vmap(fwdLeaves, { axisSize: size }) as (...a: never[]) => readonly [Tensor, unknown],
      ((res: Tensor[], g: Tensor) => bwdBatched(res, g)) as never,
      (leaves) => [...leaves],
      leafAvals.map((l) => batchAval(l, size)),
    );
  }

  toString(): string {
    return "customVjp";
  }
}

const batchAval = (t: Tensor, size: number): Tensor => avalTensor({ shape: [size, ...t.shape], dtype: t.dtype });

/**
 * The custom-rule call. Its attribute `rule` is the {@link CustomRule}.
 * Eagerly (concrete inputs) it runs `f`; a reverse-mode trace records the
 * rule instead of differentiating `f`.
 */
const customVjpCall = definePrimitive<{ readonly rule: CustomRule }>({
  name: "customVjp",
  abstractEval: (inputs, { rule }) => rule.outAval(inputs),
  impl: (_backend, inputs, { rule }) => {
    const y = rule.f(...(rule.rebuild(inputs) as never[]));
    if (!(y instanceof ConcreteTensor)) {
      throw new TransformError(
        "customVjp",
        "the function closes over a traced value; pass every traced value as an argument",
      );
    }
    pinStorage(y.buf); // the output's storage is y's too
    return y.buf;
  },
  jvp: () => {
    throw new TransformError(
      "customVjp",
      "a function with a custom VJP rule cannot be differentiated in forward mode (jvp, jacfwd, hessian's outer " +
        "jacfwd), as in JAX: use reverse mode (grad, vjp, jacrev), or differentiate the function without the rule",
    );
  },
  batch: (args, dims, { rule }, size) => {
    const front = args.map((a, i) => {
      const d = dims[i];
      if (d === null) return broadcastTo(reshape(a, [1, ...a.shape]), [size, ...a.shape]);
      if (d === 0) return a;
      const perm = Array.from({ length: a.ndim }, (_, j) => j).filter((j) => j !== d);
      return transpose(a, [d, ...perm]);
    });
    return [bindCustom(rule.batched(size), front), 0];
  },
  vjp: () => {
    throw new TransformError("customVjp", "internal: a reverse-mode trace records the rule itself (processVjp)");
  },
  processVjp: (trace, args, { rule }) => recordRule(trace as VjpTrace, args, rule),
});

/** Binds one call of `rule` on its tensor leaves. */
const bindCustom = (rule: CustomRule, leaves: readonly Tensor[]): Tensor => bind(customVjpCall, leaves, { rule });

/** Under reverse mode: runs `fwd` one level down and puts `bwd` on the tape in place of `f`'s own rules. */
function recordRule(trace: VjpTrace, args: readonly Tensor[], rule: CustomRule): Tensor {
  const [primals, parents] = trace.unpack(args);
  const [out, res] = rule.fwd(...(rule.rebuild(primals) as never[]));
  if (!(out instanceof Tensor)) throw new TransformError("customVjp", "fwd must return [output tensor, residuals]");
  const prim: Primitive = { ...(customVjpCall as unknown as Primitive), vjp: (g) => rule.cotangents(res, g) };
  const node = new TapeNode(prim, primals, out, {}, parents);
  trace.tape.push(node);
  return new VjpTracer(trace, out, node);
}

// ------------------------------------------------------------ shapes only

/** A value of known shape and dtype only, for {@link evalShape}. */
class ShapeTracer extends Tracer {
  concrete(): ConcreteTensor {
    throw new TransformError(
      "customVjp",
      "the function reads a value while its output shape is found (only shapes and dtypes are known there)",
    );
  }
}

/** Applies each primitive's shape rule only. */
class ShapeTrace extends Trace {
  readonly kind = "evalShape";
  override readonly stages = true;
  processPrimitive(prim: Primitive, args: readonly Tensor[], params: Params): Tensor {
    return new ShapeTracer(this, prim.abstractEval(args, params));
  }
  processMulti(prim: MultiPrimitive, args: readonly Tensor[], params: Params): Tensor[] {
    return prim.abstractEval(args, params).map((a) => new ShapeTracer(this, a));
  }
}

let shapeTrace: ShapeTrace | undefined;
/** A tensor standing for an aval inside the running shape trace (or a detached one for argument trees). */
const avalTensor = (a: Aval): Tensor => new ShapeTracer(shapeTrace ?? detached, a);
const detached = new ShapeTrace(0);
detached.active = false;

/** What `fn` returns, run on shape tracers: every op gives only its output's shape and dtype. */
function evalShape(fn: () => unknown): unknown {
  return withTrace((level) => new ShapeTrace(level), (t) => {
    const before = shapeTrace;
    shapeTrace = t;
    try {
      return fn();
    } finally {
      shapeTrace = before;
    }
  });
}

// ------------------------------------------------------------ the API

/**
 * Gives `f` a custom backward rule. `fwd(...args)` returns `[output,
 * residuals]` (the output must equal `f(...args)`); `bwd(residuals, g)`
 * returns one cotangent per argument (a tree like the argument, or `null`
 * for none). The output must be a single tensor, and every traced value `f`
 * uses must be an argument (not closed over).
 *
 * The rule is used whenever `f` is differentiated in reverse mode (`grad`,
 * `vjp`, `jacrev`), also through `vmap` (`grad(vmap(f))`) and through a
 * traced graph (`evalGraph(trace(f, …))`); `bwd` is itself differentiated
 * when a gradient is taken of a gradient (reverse over reverse, or
 * `jacfwd(grad(f))`). Forward mode applied to the call itself (`jvp(f)`) is
 * a `TransformError`, as in JAX.
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
  const [leaves, def] = flatten(args);
  // With nothing traced there is nothing to differentiate: just f.
  if (!leaves.some((l) => l instanceof Tracer)) return f(...args);
  const at = leaves.flatMap((l, i) => (l instanceof Tensor ? [i] : []));
  const rebuild = (tensors: readonly Tensor[]): unknown[] => {
    const all: unknown[] = [...leaves];
    at.forEach((i, j) => (all[i] = tensors[j]));
    return unflatten(def, all as typeof leaves) as unknown[];
  };
  const rule = new CustomRule(
    f as unknown as (...a: never[]) => Tensor,
    fwd as unknown as (...a: never[]) => readonly [Tensor, unknown],
    bwd as unknown as (residuals: never, g: Tensor) => readonly unknown[],
    rebuild,
    args,
  );
  return bindCustom(rule, at.map((i) => leaves[i] as Tensor));
};
