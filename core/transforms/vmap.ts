/**
 * `vmap`: vectorizing a function written for one example over a batch. A
 * batching trace follows values that carry an extra batch axis; each
 * primitive applied to them runs its batching rule (`Primitive.batch`),
 * which calls the primitive once on the whole batch. As every transform
 * here, it is one interpreter on the trace stack, so it nests and composes
 * with `grad`, `jvp`, `vjp` and the Jacobians in any order.
 *
 * @module
 */
import { TransformError } from "../errors.ts";
import type { MultiPrimitive, Params, Primitive } from "../primitive.ts";
import { broadcastTo, reshape, transpose } from "../prims/shape.ts";
import { formatShape } from "../shape.ts";
import { frozenShape, Tensor } from "../tensor.ts";
import { inContext, Trace, Tracer, withTrace } from "../trace.ts";
import { flatten, flattenWithPath, formatPath, isPlainObject, type Path, unflatten } from "../tree/mod.ts";

/** A value of one `vmap`: the whole batch (`val`) and where its batch axis is. */
export class BatchTracer extends Tracer {
  /** The batched value: the per-example value with the batch axis inserted at `bdim`. */
  readonly val: Tensor;
  /** The position of the batch axis in `val`. */
  readonly bdim: number;
  constructor(trace: BatchTrace, val: Tensor, bdim: number) {
    super(trace, { shape: frozenShape(val.shape.filter((_, i) => i !== bdim)), dtype: val.dtype });
    this.val = val;
    this.bdim = bdim;
  }
  concrete(): never {
    throw new TransformError(
      "vmap",
      `cannot read the values of a ${this.dtype}${formatShape(this.shape)} tensor inside vmap: it stands for ` +
        `${(this.trace as BatchTrace).size} different examples (return it, and read the batched result)`,
    );
  }
}

/** The trace of one running `vmap` over a batch of `size`. */
export class BatchTrace extends Trace {
  readonly kind = "vmap";
  /** The batch size. */
  readonly size: number;
  constructor(level: number, size: number) {
    super(level);
    this.size = size;
  }

  processPrimitive(prim: Primitive, args: readonly Tensor[], params: Params): Tensor {
    const [vals, dims] = this.unpack(args);
    const [out, d] = prim.batch(vals, dims, params, this.size);
    return this.wrap(prim.name, out, d);
  }

  processMulti(prim: MultiPrimitive, args: readonly Tensor[], params: Params): Tensor[] {
    const [vals, dims] = this.unpack(args);
    const [outs, ds] = prim.batch(vals, dims, params, this.size);
    return outs.map((o, i) => this.wrap(prim.name, o, ds[i]));
  }

  /** The batched values of `args` and their batch axes (`null`: not of this vmap). */
  private unpack(args: readonly Tensor[]): [Tensor[], (number | null)[]] {
    const vals = new Array<Tensor>(args.length);
    const dims = new Array<number | null>(args.length);
    for (let i = 0; i < args.length; i++) {
      const a = args[i];
      if (a instanceof BatchTracer && a.trace === this) {
        vals[i] = a.val;
        dims[i] = a.bdim;
      } else {
        vals[i] = a;
        dims[i] = null;
      }
    }
    return [vals, dims];
  }

  /** A rule's output batched at `d` (checked to be this batch), or itself when not batched. */
  private wrap(name: string, out: Tensor, d: number | null): Tensor {
    if (d === null) return out;
    if (out.shape[d] !== this.size) {
      throw new TransformError(
        name,
        `internal: the batching rule put an axis of ${out.shape[d]} at ${d} of ${formatShape(out.shape)}; ` +
          `expected the batch of ${this.size}`,
      );
    }
    return new BatchTracer(this, out, d);
  }
}

/**
 * Which axis of each argument (or output) is mapped: a number (negative
 * counts from the end), `null` for none, or a tree prefix of the arguments
 * (outputs) whose leaves are numbers or `null` and apply to the whole
 * subtree below them.
 */
export type AxisSpec = number | null | readonly AxisSpec[] | { readonly [key: string]: AxisSpec };

/** Options of `vmap`. */
export interface VmapOptions {
  /**
   * The mapped axis of each argument (default 0 for every tensor): one spec
   * for all arguments, or an array with one spec per argument.
   */
  readonly inAxes?: AxisSpec;
  /** Where the batch axis goes in each output (default 0); `null` for an output that must not depend on the batch. */
  readonly outAxes?: AxisSpec;
  /** The batch size; needed only when no argument is mapped, and checked against the mapped ones otherwise. */
  readonly axisSize?: number;
}

/** The spec that applies to the leaf at `path`, walking a prefix tree. */
const specAt = (op: string, what: string, spec: AxisSpec, path: Path): number | null => {
  let s: AxisSpec = spec;
  for (let i = 0; i < path.length; i++) {
    if (s === null || typeof s === "number") return s;
    const key = path[i];
    const next: AxisSpec | undefined = Array.isArray(s)
      ? (typeof key === "number" ? (s as readonly AxisSpec[])[key] : undefined)
      : isPlainObject(s)
      ? (s as { readonly [k: string]: AxisSpec })[String(key)]
      : undefined;
    if (next === undefined) {
      throw new TransformError(
        op,
        `${what} has no entry for ${formatPath(path.slice(0, i + 1))}: give a number or null there, ` +
          `or one for the whole subtree above it`,
      );
    }
    s = next;
  }
  if (s === null || typeof s === "number") return s;
  throw new TransformError(op, `${what} at ${formatPath(path) || "the root"} must be a number or null here (a leaf)`);
};

const axisIn = (op: string, axis: number, rank: number, where: string): number => {
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank) {
    throw new TransformError(op, `${where}: axis ${axis} is out of range for a tensor of rank ${rank}`);
  }
  return axis < 0 ? axis + rank : axis;
};

const argName = (path: Path): string =>
  `argument ${path[0]}${path.length > 1 ? ` at ${formatPath(path.slice(1))}` : ""}`;

/** `x` with axis `from` moved to position `to`. */
const moveAxis = (x: Tensor, from: number, to: number): Tensor => {
  if (from === to) return x;
  const rest = Array.from({ length: x.ndim }, (_, i) => i).filter((i) => i !== from);
  rest.splice(to, 0, from);
  return transpose(x, rest);
};

/**
 * Vectorizes `f` over a batch axis of its arguments, as JAX's `vmap`:
 * `vmap(f)(xs)` computes `f` of each example `xs[i]` and stacks the results
 * along axis 0, in one pass of batched primitives rather than a loop.
 * `inAxes` says which axis of each argument is mapped (`null`: the argument
 * is shared by every example), `outAxes` where the batch axis goes in each
 * output. Composes with every transform: `vmap(grad(loss), { inAxes: [null, 0, 0] })`
 * gives per-example gradients, `grad` of a `vmap`-ed function differentiates
 * through it, and `vmap` of `vmap` maps over two axes.
 *
 * @example Per-example dot products, and a shared argument
 * ```ts
 * import assert from "node:assert/strict";
 * import { mul, sum, tensor, type Tensor, vmap } from "../../mod.ts";
 * const dot = (a: Tensor, b: Tensor) => sum(mul(a, b));
 * const xs = tensor([[1, 2], [3, 4], [5, 6]]);
 * assert.deepEqual(vmap(dot)(xs, xs).toArray(), [5, 25, 61]);
 * assert.deepEqual(vmap(dot, { inAxes: [0, null] })(xs, tensor([1, -1])).toArray(), [-1, -1, -1]);
 * assert.deepEqual(vmap(dot, { inAxes: 1 })(xs, xs).toArray(), [35, 56]); // columns as examples
 * ```
 *
 * @example Per-example gradients
 * ```ts
 * import assert from "node:assert/strict";
 * import { grad, mul, square, sub, sum, tensor, type Tensor, vmap } from "../../mod.ts";
 * const loss = (w: Tensor, x: Tensor, y: Tensor) => square(sub(sum(mul(w, x)), y));
 * const w = tensor([1, 1]);
 * const g = vmap(grad(loss), { inAxes: [null, 0, 0] })(w, tensor([[1, 0], [0, 2]]), tensor([0, 0]));
 * assert.deepEqual(g.toArray(), [[2, 0], [0, 8]]); // 2·(w·x − y)·x for each example
 * ```
 */
export const vmap = <A extends readonly unknown[], R>(
  f: (...args: A) => R,
  opts: VmapOptions = {},
): (...args: A) => R => {
  // `null` is a spec of its own (nothing mapped), so only an absent option takes the default.
  const inAxes = opts.inAxes === undefined ? 0 : opts.inAxes;
  const outAxes = opts.outAxes === undefined ? 0 : opts.outAxes;
  return (...args: A): R => {
    const op = "vmap";
    if (Array.isArray(inAxes) && inAxes.length !== args.length) {
      throw new TransformError(op, `inAxes has ${inAxes.length} entries for ${args.length} argument(s)`);
    }
    const [leaves, def] = flatten(args);
    const withPaths = flattenWithPath(args);
    const axes = withPaths.map(([path, leaf]) => {
      const a = specAt(op, "inAxes", inAxes, path);
      if (a === null) return null;
      if (!(leaf instanceof Tensor)) {
        throw new TransformError(
          op,
          `${argName(path)} is ${typeof leaf}, not a tensor, so it cannot be mapped (give it inAxes null)`,
        );
      }
      return axisIn(op, a, leaf.ndim, `inAxes of ${argName(path)} (shape ${formatShape(leaf.shape)})`);
    });
    const sizes = withPaths.flatMap(([path, leaf], i) => {
      const a = axes[i];
      return a === null ? [] : [{ path, size: (leaf as Tensor).shape[a] }];
    });
    const size = sizes.length > 0 ? sizes[0].size : opts.axisSize;
    if (size === undefined) {
      throw new TransformError(op, "no argument is mapped (every inAxes is null): give axisSize");
    }
    const differing = sizes.filter((s) => s.size !== size);
    if (differing.length > 0 || (opts.axisSize !== undefined && opts.axisSize !== size)) {
      const listed = sizes.map((s) => `${argName(s.path)}: ${s.size}`).join(", ");
      throw new TransformError(
        op,
        `the mapped axes have different sizes (${listed}${
          opts.axisSize !== undefined ? `; axisSize ${opts.axisSize}` : ""
        }); every mapped axis must have the batch size`,
      );
    }
    if (!Number.isInteger(size) || size < 0) {
      throw new TransformError(op, `axisSize must be a non-negative integer, got ${size}`);
    }
    return withTrace(
      (level) => new BatchTrace(level, size),
      (trace) =>
        inContext(`vmap (level ${trace.level}, batch of ${size})`, () => {
          const inputs = leaves.map((l, i) => (axes[i] === null ? l : new BatchTracer(trace, l as Tensor, axes[i]!)));
          const out = f(...(unflatten(def, inputs) as unknown as A));
          const [outLeaves, outDef] = flatten(out);
          const outPaths = flattenWithPath(out);
          const results = outLeaves.map((l, i) => {
            const path = outPaths[i][0];
            const want = specAt(op, "outAxes", outAxes, path);
            const where = `output${path.length > 0 ? ` at ${formatPath(path)}` : ""}`;
            if (l instanceof BatchTracer && l.trace === trace) {
              if (want === null) {
                throw new TransformError(op, `${where} depends on the batch, but its outAxes is null`);
              }
              return moveAxis(l.val, l.bdim, axisIn(op, want, l.val.ndim, `outAxes of ${where}`));
            }
            if (want === null || !(l instanceof Tensor)) return l;
            // The same for every example: repeated along the new batch axis.
            const at = axisIn(op, want, l.ndim + 1, `outAxes of ${where}`);
            const front = broadcastTo(reshape(l, [1, ...l.shape]), [size, ...l.shape]);
            return moveAxis(front, 0, at);
          });
          return unflatten(outDef, results) as R;
        }),
    );
  };
};
