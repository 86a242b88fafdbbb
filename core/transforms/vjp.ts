/**
 * Reverse mode: `vjp` records the primitives a function applies on a tape,
 * then walks the tape backwards applying each primitive's VJP rule
 * ("factorised" accumulation). The backward pass is made of ordinary ops, so
 * under an outer transform it is itself traced and can be differentiated
 * again.
 *
 * @module
 */
import { isFloat } from "../dtype.ts";
import { TransformError } from "../errors.ts";
import type { MultiPrimitive, Params, Primitive } from "../primitive.ts";
import { add } from "../prims/binary.ts";
import { zerosFor } from "../prims/zeros.ts";
import { formatShape, shapeEqual } from "../shape.ts";
import { onesLike } from "../creation.ts";
import { madeDuring, releaseInternal } from "../memory.ts";
import { ConcreteTensor, Tensor } from "../tensor.ts";
import { bind, bindMulti, currentLevel, inContext, PrimalTracer, Trace, withTrace } from "../trace.ts";
import { flatten, type TreeDef, unflatten } from "../tree/mod.ts";
import { type Argnums, selectArgs } from "./args.ts";

/** One recorded application: inputs' values and where they came from on the tape. */
export class TapeNode {
  constructor(
    /** `null` for an input of the differentiated function (and for the nodes of a {@link MultiCall}). */
    readonly prim: Primitive | null,
    readonly primals: readonly Tensor[],
    readonly out: Tensor,
    readonly params: Params,
    /** For each input, the node that produced it on this tape, or `null` for a constant. */
    readonly parents: readonly (TapeNode | null)[],
    /** Set on the nodes of a primitive with several outputs (see {@link MultiCall}). */
    readonly multi?: MultiCall,
  ) {}
}

/**
 * How a primitive with several outputs sits on the tape: one node for the
 * call (`index` undefined: its `parents` are the inputs', its rule runs
 * once with every output's cotangent), and one node per output (`index`
 * i, whose only parent is the call's node) that collects output i's
 * cotangent for it.
 */
export interface MultiCall {
  readonly prim: MultiPrimitive;
  readonly outs: readonly Tensor[];
  /** The output this node stands for; undefined on the call's own node. */
  readonly index?: number;
}

/** A value followed by one `vjp`: its (lower-level) value and its tape node. */
export class VjpTracer extends PrimalTracer {
  readonly node: TapeNode;
  constructor(trace: VjpTrace, primal: Tensor, node: TapeNode) {
    super(trace, primal);
    this.node = node;
  }
}

/** The trace of one running `vjp`: owns the tape. */
export class VjpTrace extends Trace {
  readonly kind: string;
  readonly tape: TapeNode[] = [];

  constructor(level: number, kind = "vjp") {
    super(level);
    this.kind = kind;
  }

  processPrimitive(prim: Primitive, args: readonly Tensor[], params: Params): Tensor {
    if (prim.processVjp !== undefined) return prim.processVjp(this, args, params);
    const n = args.length;
    const primals = new Array<Tensor>(n);
    const parents = new Array<TapeNode | null>(n);
    let tracked = false;
    for (let i = 0; i < n; i++) {
      const a = args[i];
      if (a instanceof VjpTracer && a.trace === this) {
        primals[i] = a.primal;
        parents[i] = a.node;
        tracked = true;
      } else {
        primals[i] = a;
        parents[i] = null;
      }
    }
    const out = bind(prim, primals, params);
    if (!tracked) return out;
    const node = new TapeNode(prim, primals, out, params, parents);
    this.tape.push(node);
    return new VjpTracer(this, out, node);
  }

  processMulti(prim: MultiPrimitive, args: readonly Tensor[], params: Params): Tensor[] {
    if (prim.processVjp !== undefined) return prim.processVjp(this, args, params);
    const [primals, parents] = this.unpack(args);
    if (parents.every((p) => p === null)) return bindMulti(prim, primals, params);
    return this.recordMulti(prim, primals, bindMulti(prim, primals, params), params, parents);
  }

  /** The values of `args` one level down, and the tape nodes of those this trace follows (`null`: a constant). */
  unpack(args: readonly Tensor[]): [Tensor[], (TapeNode | null)[]] {
    const mine = (a: Tensor): a is VjpTracer => a instanceof VjpTracer && a.trace === this;
    return [args.map((a) => (mine(a) ? a.primal : a)), args.map((a) => (mine(a) ? a.node : null))];
  }

  /**
   * Puts a call of `prim` (its outputs `outs` computed already) on the tape
   * and returns its traced outputs; the backward pass runs `prim.vjp` once
   * with every output's cotangent.
   */
  recordMulti(
    prim: MultiPrimitive,
    primals: readonly Tensor[],
    outs: readonly Tensor[],
    params: Params,
    parents: readonly (TapeNode | null)[],
  ): Tensor[] {
    const call = new TapeNode(null, primals, outs[0], params, parents, { prim, outs });
    this.tape.push(call);
    return outs.map((o, index) => {
      const node = new TapeNode(null, [], o, {}, [call], { prim, outs, index });
      this.tape.push(node);
      return new VjpTracer(this, o, node);
    });
  }

  /** Wraps a value as an input of the differentiated function. */
  input(x: Tensor): VjpTracer {
    const node = new TapeNode(null, [], x, {}, []);
    this.tape.push(node);
    return new VjpTracer(this, x, node);
  }
}

const accumulate = (cts: Map<TapeNode, Tensor>, node: TapeNode, ct: Tensor): void => {
  const prev = cts.get(node);
  cts.set(node, prev === undefined ? ct : add(prev, ct));
};

/**
 * Runs the tape backwards from output cotangents to the inputs' cotangents
 * (`null` where no path leads).
 */
export const backward = (
  trace: VjpTrace,
  outputs: readonly (TapeNode | null)[],
  cotangents: readonly Tensor[],
  inputs: readonly TapeNode[],
): (Tensor | null)[] => {
  const cts = new Map<TapeNode, Tensor>();
  outputs.forEach((node, i) => node !== null && accumulate(cts, node, cotangents[i]));
  const label = `${trace.kind} (level ${trace.level}, backward pass)`;
  inContext(label, () => {
    const tape = trace.tape;
    // The outputs' cotangents of each call of a primitive with several outputs, gathered by its output nodes.
    const callCts = new Map<TapeNode, (Tensor | null)[]>();
    for (let t = tape.length - 1; t >= 0; t--) {
      const node = tape[t];
      const { prim, multi } = node;
      if (prim === null && multi === undefined) continue;
      if (multi?.index !== undefined) {
        // An output of a call: hand its cotangent to the call's node (which comes earlier on the tape).
        const g = cts.get(node);
        if (g === undefined) continue;
        cts.delete(node);
        const call = node.parents[0]!;
        let gs = callCts.get(call);
        if (gs === undefined) callCts.set(call, gs = multi.outs.map(() => null));
        gs[multi.index] = g;
        continue;
      }
      const needs = node.parents.map((p) => p !== null);
      let grads: readonly (Tensor | null)[];
      if (multi !== undefined) {
        const gs = callCts.get(node);
        if (gs === undefined) continue;
        callCts.delete(node);
        grads = multi.prim.vjp(gs, node.primals, multi.outs, node.params, needs);
      } else {
        const g = cts.get(node);
        if (g === undefined) continue;
        cts.delete(node);
        grads = prim!.vjp(g, node.primals, node.out, node.params, needs);
      }
      const name = multi?.prim.name ?? prim!.name;
      for (let i = 0; i < node.parents.length; i++) {
        const parent = node.parents[i];
        const ct = grads[i];
        if (parent === null || ct === null) continue;
        const x = node.primals[i];
        if (!shapeEqual(ct.shape, x.shape) || ct.dtype !== x.dtype) {
          throw new TransformError(
            name,
            `internal: VJP rule gave a cotangent ${ct.dtype}${formatShape(ct.shape)} for input ${i} of ${x.dtype}${
              formatShape(x.shape)
            }`,
          );
        }
        accumulate(cts, parent, ct);
      }
    }
  });
  return inputs.map((n) => cts.get(n) ?? null);
};

/** The result of `vjp`: the output, and the function that pulls cotangents back. */
export type VjpResult<R, G> = [R, (cotangent: R) => G];

/** Options of `vjpOf`. */
export interface VjpOptions {
  /** Which positional arguments to pull cotangents back to (default: all). An array gives a tuple. */
  readonly argnums?: Argnums;
  /** `f` returns `[output, aux]`; aux is passed through undifferentiated and returned third. */
  readonly hasAux?: boolean;
}

/**
 * Evaluates `f(...primals)` and returns `[output, pullback]`, where
 * `pullback(ct)` gives the cotangent of every argument (a tuple of trees with
 * the arguments' structure) for an output cotangent `ct` of the output's
 * structure. The pullback can be called many times.
 *
 * Integer and bool tensors among the arguments (labels, indices, masks) are
 * constants, as in JAX: nothing is traced through them and their cotangents
 * are zeros of their own dtype and shape (JAX's `float0` zeros). For a
 * subset of the arguments, or with an auxiliary output, use `vjpOf`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { vjp, mul, tensor } from "../../mod.ts";
 * const [y, pullback] = vjp((a, b) => mul(a, b), tensor([2]), tensor([3]));
 * assert.deepEqual(y.toArray(), [6]);
 * const [da, db] = pullback(tensor([1]));
 * assert.deepEqual([da.toArray(), db.toArray()], [[3], [2]]);
 * ```
 *
 * @example Integer labels pass through as constants
 * ```ts
 * import assert from "node:assert/strict";
 * import { losses, tensor, vjp } from "../../mod.ts";
 * const logits = tensor([[2, 0, 1]]), labels = tensor([0], { dtype: "int32" });
 * const [loss, pullback] = vjp(losses.softmaxCrossEntropy, logits, labels);
 * const [dLogits, dLabels] = pullback(tensor(1));
 * assert.deepEqual(dLogits.shape, [1, 3]);
 * assert.ok(loss.item() > 0);
 * assert.deepEqual([dLabels.dtype, dLabels.toArray()], ["int32", [0]]);
 * ```
 */
export const vjp = <Args extends readonly unknown[], R>(
  f: (...args: Args) => R,
  ...primals: Args
): VjpResult<R, Args> => {
  const all = Array.from({ length: primals.length }, (_, i) => i);
  const [out, pullback] = vjpWith("vjp", f as unknown as (...a: never[]) => R, primals, all, undefined, true);
  return [out, (ct: R) => pullback(ct) as unknown as Args];
};

/** The cotangents `vjpOf` returns for argnums N of arguments A: one tree for a number, a tuple for an array. */
export type CotangentsOf<A extends readonly unknown[], N> = N extends number ? A[N]
  : { -readonly [K in keyof N]: N[K] extends number ? A[N[K]] : never };

/**
 * `vjp` with options, curried like `grad`: `vjpOf(f, { argnums, hasAux })`
 * returns a function of `f`'s arguments giving `[output, pullback]` (with
 * `hasAux`, `[output, pullback, aux]`, as JAX's `vjp(…, has_aux=True)`).
 * Only the `argnums` arguments are traced; the pullback returns their
 * cotangents (one tree for a number, a tuple for an array). Integer and bool
 * tensors are constants, as in `vjp`.
 *
 * @example Pull back to the parameters only, with an auxiliary output
 * ```ts
 * import assert from "node:assert/strict";
 * import { matmul, sum, tensor, type Tensor, vjpOf } from "../../mod.ts";
 * const f = (w: Tensor, x: Tensor): [Tensor, number] => [sum(matmul(x, w)), x.shape[0]];
 * const [y, pullback, rows] = vjpOf(f, { argnums: 0, hasAux: true })(tensor([[1], [2]]), tensor([[3, 4]]));
 * assert.equal(y.item(), 11);
 * assert.equal(rows, 1);
 * assert.deepEqual(pullback(tensor(1)).toArray(), [[3], [4]]);
 * ```
 */
export function vjpOf<A extends readonly unknown[], R, const N extends Argnums = 0>(
  f: (...args: A) => R,
  opts?: VjpOptions & { readonly argnums?: N; readonly hasAux?: false },
): (...args: A) => [R, (cotangent: R) => CotangentsOf<A, N>];
/** With `hasAux`: `f` returns `[output, aux]`; the result is `[output, pullback, aux]`. */
export function vjpOf<A extends readonly unknown[], R, Aux, const N extends Argnums = 0>(
  f: (...args: A) => readonly [R, Aux],
  opts: VjpOptions & { readonly argnums?: N; readonly hasAux: true },
): (...args: A) => [R, (cotangent: R) => CotangentsOf<A, N>, Aux];
export function vjpOf(
  f: (...args: never[]) => unknown,
  opts: VjpOptions = {},
): (...args: readonly unknown[]) => unknown[] {
  const hasAux = opts.hasAux ?? false;
  return (...args) => {
    let aux: unknown;
    const [out, pullback] = vjpWith(
      "vjpOf",
      hasAux
        ? (...a: never[]) => {
          const r = f(...a);
          if (!Array.isArray(r) || r.length !== 2) {
            throw new TransformError("vjpOf", "with hasAux, the function must return [output, aux]");
          }
          return r;
        }
        : f,
      args,
      opts.argnums ?? 0,
      hasAux ? (x) => (aux = x) : undefined,
      true,
    );
    return hasAux ? [out, pullback, aux] : [out, pullback];
  };
}

/**
 * Shared by `vjp`, `grad`, `jacrev`: traces `f` with the `argnums` arguments
 * followed, and returns the output with a pullback to those arguments.
 */
export const vjpWith = <R>(
  kind: string,
  f: (...args: never[]) => R,
  args: readonly unknown[],
  argnums: Argnums,
  auxOut?: (aux: unknown) => void,
  intConstants = false,
): [R, (ct: unknown) => unknown, (cts: readonly (Tensor | null)[]) => unknown, () => ConcreteTensor[]] => {
  const sel = selectArgs(kind, args, argnums, !intConstants);
  // Integer and bool leaves (allowed when intConstants) are not traced: they enter f as they are.
  const traced = sel.leaves.map((x) => isFloat(x.dtype));
  let trace!: VjpTrace;
  let inputNodes!: TapeNode[];
  let outDef!: TreeDef;
  let outNodes!: (TapeNode | null)[];
  const out = withTrace(
    (level) => new VjpTrace(level, kind),
    (t) =>
      inContext(`${kind} (level ${t.level}, forward pass)`, () => {
        trace = t;
        const inputs = sel.leaves.map((x, i) => (traced[i] ? t.input(x) : x));
        inputNodes = inputs.flatMap((x) => (x instanceof VjpTracer ? [x.node] : []));
        const raw = (f as (...a: unknown[]) => unknown)(...sel.substitute(inputs));
        // With aux, `f` returned [y, aux]: aux leaves leave this trace as plain values too.
        const [y, aux] = auxOut === undefined ? [raw as R, undefined] : (raw as [R, unknown]);
        if (auxOut !== undefined) {
          const [auxLeaves, auxDef] = flatten(aux);
          auxOut(unflatten(auxDef, auxLeaves.map((l) => (l instanceof VjpTracer && l.trace === t ? l.primal : l))));
        }
        const [leaves, def] = flatten(y);
        outDef = def;
        outNodes = leaves.map((l) => (l instanceof VjpTracer && l.trace === t ? l.node : null));
        return unflatten(def, leaves.map((l) => (l instanceof VjpTracer && l.trace === t ? l.primal : l))) as R;
      }),
  );
  const [outLeaves] = flatten(out);
  // Cotangents per output leaf; `null` is a symbolic zero: that output's node is not seeded at all.
  const pullLeaves = (ctLeaves: readonly (Tensor | null)[]): unknown => {
    ctLeaves.forEach((c, i) => {
      const o = outLeaves[i] as Tensor;
      if (c !== null && (!(c instanceof Tensor) || !shapeEqual(c.shape, o.shape) || c.dtype !== o.dtype)) {
        throw new TransformError(
          kind,
          `cotangent ${i} must be a ${o.dtype}${formatShape(o.shape)} tensor like the output, got ${
            c instanceof Tensor ? `${c.dtype}${formatShape(c.shape)}` : typeof c
          }`,
        );
      }
    });
    const seeded = outNodes.map((n, i) => (ctLeaves[i] === null ? null : n));
    const grads = backward(trace, seeded, ctLeaves as Tensor[], inputNodes);
    let next = 0;
    return sel.rebuild(sel.leaves.map((x, i) => (traced[i] ? grads[next++] : null) ?? zerosFor(x)));
  };
  const pullback = (ct: unknown): unknown => {
    const [ctLeaves, ctDef] = flatten(ct);
    if (ctLeaves.length !== outLeaves.length) {
      throw new TransformError(kind, `cotangent has structure ${ctDef} but the output has ${outDef}`);
    }
    // A tree's leaves are never null (null is an empty subtree), so pullLeaves checks every one.
    return pullLeaves(ctLeaves as Tensor[]);
  };
  // The concrete values behind the forward pass's tracers: nobody outside the trace can hold them, except as outputs.
  const tapeValues = () =>
    trace.tape.flatMap((n) => (n.prim !== null && n.out instanceof ConcreteTensor ? [n.out] : []));
  return [out, pullback, pullLeaves, tapeValues];
};

/** Options of `grad` and `valueAndGrad`. */
export interface GradOptions {
  /** Which positional arguments to differentiate (default 0). An array gives a tuple of gradients. */
  readonly argnums?: Argnums;
  /** `f` returns `[loss, aux]`; aux is passed through undifferentiated. */
  readonly hasAux?: boolean;
}

const splitAux = (kind: string, y: unknown, hasAux: boolean): [unknown, unknown] => {
  if (!hasAux) return [y, undefined];
  if (!Array.isArray(y) || y.length !== 2) {
    throw new TransformError(kind, "with hasAux, the function must return [loss, aux]");
  }
  return [y[0], y[1]];
};

const checkScalar = (kind: string, y: unknown): Tensor => {
  if (!(y instanceof Tensor)) {
    throw new TransformError(kind, `the function must return a scalar tensor, got ${typeof y}`);
  }
  if (y.ndim !== 0 || !isFloat(y.dtype)) {
    throw new TransformError(
      kind,
      `the function must return a float scalar (shape []), got ${y.dtype}${
        formatShape(y.shape)
      }; reduce it first, e.g. with sum or mean`,
    );
  }
  return y;
};

/** The gradient type for `argnums` N of a function with arguments A. */
export type GradOf<A extends readonly unknown[], N> = N extends number ? Exclude<A[N], number>
  : { -readonly [K in keyof N]: N[K] extends number ? Exclude<A[N[K]], number> : never };

/** What `f` returns: a scalar loss, or `[loss, aux]` with `hasAux`. */
type LossOf<Aux> = Tensor | readonly [Tensor, Aux];

/**
 * One forward and one backward pass of `grad`/`valueAndGrad`. Called on
 * concrete values (no transform around it), it then hands back the storage
 * of everything it made for itself (the values behind its tracers, the
 * backward pass's cotangents and temporaries) the moment it returns, as
 * `tidy` would: no caller can hold those, so a training loop written without
 * `dispose` recycles them anyway. What `f` made on concrete values (outside
 * the trace), the loss, the aux and the gradients are left alone.
 */
const run = <A extends readonly unknown[]>(
  f: (...args: A) => unknown,
  opts: GradOptions,
  args: A,
): [Tensor, unknown, unknown] => {
  const hasAux = opts.hasAux ?? false;
  let aux: unknown;
  const forward = () =>
    vjpWith(
      "grad",
      (...a: never[]) => {
        const [loss, x] = splitAux("grad", (f as unknown as (...b: unknown[]) => unknown)(...a), hasAux);
        return [checkScalar("grad", loss), x] as unknown as Tensor; // vjpWith splits off the aux
      },
      args,
      opts.argnums ?? 0,
      (x) => (aux = x),
    );
  if (currentLevel() > 0) {
    const [out, pullback] = forward();
    return [out, aux, pullback(onesLike(out))];
  }
  const [[out, pullback, , tapeValues], madeForward] = madeDuring(forward);
  const [g, madeBackward] = madeDuring(() => pullback(onesLike(out)));
  const kept = new Set<ConcreteTensor>();
  for (const leaf of [out, ...flatten(aux)[0], ...flatten(g)[0]]) if (leaf instanceof ConcreteTensor) kept.add(leaf);
  releaseInternal(tapeValues().filter((t) => madeForward.has(t)), kept);
  releaseInternal(madeBackward, kept);
  return [out, aux, g];
};

/**
 * The gradient of a scalar function: `grad(f)(...args)` has the structure of
 * the differentiated argument (argument 0 by default; `argnums: [0, 1]`
 * gives a tuple). With `hasAux`, `f` returns `[loss, aux]` and the result is
 * `[gradient, aux]`. Transforms nest: `grad(grad(f))`, `grad` of a function
 * that calls `grad`, `jacfwd(grad(f))` all work.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { grad, mul, sin, sum, tensor } from "../../mod.ts";
 * const f = (x: ReturnType<typeof tensor>) => sum(sin(x));
 * assert.equal(grad(f)(tensor(0)).item(), 1);
 * assert.equal(Math.abs(grad(grad(f))(tensor(0)).item()), 0); // −sin(0) = −0
 * const g = grad((p: { w: ReturnType<typeof tensor> }) => sum(mul(p.w, p.w)))({ w: tensor([3]) });
 * assert.deepEqual(g.w.toArray(), [6]);
 * ```
 */
export function grad<A extends readonly unknown[]>(f: (...args: A) => Tensor): (...args: A) => GradOf<A, 0>;
/** The gradient with respect to the `argnums` arguments. */
export function grad<A extends readonly unknown[], const N extends Argnums = 0>(
  f: (...args: A) => Tensor,
  opts?: GradOptions & { readonly argnums?: N; readonly hasAux?: false },
): (...args: A) => GradOf<A, N>;
/** With `hasAux`: `f` returns `[loss, aux]`; the result is `[gradient, aux]`. */
export function grad<A extends readonly unknown[], Aux, const N extends Argnums = 0>(
  f: (...args: A) => readonly [Tensor, Aux],
  opts: GradOptions & { readonly argnums?: N; readonly hasAux: true },
): (...args: A) => [GradOf<A, N>, Aux];
export function grad<A extends readonly unknown[]>(
  f: (...args: A) => LossOf<unknown>,
  opts: GradOptions = {},
): (...args: A) => unknown {
  return (...args: A) => {
    const [, aux, g] = run(f, opts, args);
    return opts.hasAux ? [g, aux] : g;
  };
}

/**
 * `valueAndGrad(f, opts)(...args)` returns `[value, gradient]` (with
 * `hasAux`: `[[value, aux], gradient]`, as JAX), from one forward and one
 * backward pass.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { valueAndGrad, square, sum, tensor } from "../../mod.ts";
 * const [v, g] = valueAndGrad((x: ReturnType<typeof tensor>) => sum(square(x)))(tensor([1, 2]));
 * assert.equal(v.item(), 5);
 * assert.deepEqual(g.toArray(), [2, 4]);
 * ```
 */
export function valueAndGrad<A extends readonly unknown[]>(
  f: (...args: A) => Tensor,
): (...args: A) => [Tensor, GradOf<A, 0>];
/** The value and the gradient with respect to the `argnums` arguments. */
export function valueAndGrad<A extends readonly unknown[], const N extends Argnums = 0>(
  f: (...args: A) => Tensor,
  opts?: GradOptions & { readonly argnums?: N; readonly hasAux?: false },
): (...args: A) => [Tensor, GradOf<A, N>];
/** With `hasAux`: `f` returns `[loss, aux]`; the result is `[[value, aux], gradient]`. */
export function valueAndGrad<A extends readonly unknown[], Aux, const N extends Argnums = 0>(
  f: (...args: A) => readonly [Tensor, Aux],
  opts: GradOptions & { readonly argnums?: N; readonly hasAux: true },
): (...args: A) => [[Tensor, Aux], GradOf<A, N>];
export function valueAndGrad<A extends readonly unknown[]>(
  f: (...args: A) => LossOf<unknown>,
  opts: GradOptions = {},
): (...args: A) => unknown {
  return (...args: A) => {
    const [value, aux, g] = run(f, opts, args);
    return [opts.hasAux ? [value, aux] : value, g];
  };
}
