/**
 * `trace(f, ...args)`: the immutable graph of the primitives a function
 * applies, found by running it on symbolic values with the shapes and dtypes
 * of `args`. The graph prints readably and can be evaluated again
 * (`evalGraph`), which is what a compiled step will build on.
 *
 * @module
 */
import { SHORT_DTYPE } from "../dtype.ts";
import { TransformError } from "../errors.ts";
import { allMultiPrimitives, allPrimitives, type MultiPrimitive, type Params, type Primitive } from "../primitive.ts";
import { formatShape } from "../shape.ts";
import { type Aval, ConcreteTensor, frozenShape, Tensor } from "../tensor.ts";
import { bind, bindMulti, Trace, Tracer, withTrace } from "../trace.ts";
import { flatten, type TreeDef, unflatten } from "../tree/mod.ts";

/** A value in a graph: an input, a constant, or the output of a node. */
export interface Var {
  /** Position in the graph, from 0. */
  readonly id: number;
  /** Printed name: `a`, `b`, …, `z`, `ba`, … */
  readonly name: string;
  /** The value's shape. */
  readonly shape: readonly number[];
  /** The value's dtype. */
  readonly dtype: Tensor["dtype"];
}

/** One primitive application. */
export interface GraphNode {
  /** The primitive's name (`add`, `matmul`, …). */
  readonly primitive: string;
  /** Its operands. */
  readonly inputs: readonly Var[];
  /** Its attributes (axes, permutation, transposes, …). */
  readonly params: Params;
  /** The value it produces (the first, for a primitive with several outputs). */
  readonly output: Var;
  /** Every value it produces, for a primitive with several outputs (`scan`); absent otherwise. */
  readonly outputs?: readonly Var[];
}

/**
 * @internal The values a node produces: its `outputs`, or its one `output`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { exp, tensor, trace } from "../../mod.ts";
 * import { outputsOf } from "./graph.ts";
 * const g = trace((x) => exp(x), tensor([1]));
 * assert.deepEqual(outputsOf(g.nodes[0]), [g.nodes[0].output]);
 * ```
 */
export const outputsOf = (n: GraphNode): readonly Var[] => n.outputs ?? [n.output];

/** A captured constant (a tensor created or closed over by the function). */
export interface GraphConst {
  /** The variable that stands for the constant. */
  readonly v: Var;
  /** Its value. */
  readonly value: Tensor;
}

/** The immutable graph of a function. */
export interface Graph {
  /** One variable per tensor leaf of the arguments. */
  readonly inputs: readonly Var[];
  /** Tensors the function created or closed over. */
  readonly consts: readonly GraphConst[];
  /** The primitives applied, in order. */
  readonly nodes: readonly GraphNode[];
  /** One variable per tensor leaf of the result. */
  readonly outputs: readonly Var[];
  /** Structure of the arguments. */
  readonly inTree: TreeDef;
  /** Structure of the result. */
  readonly outTree: TreeDef;
  /** Readable listing, one node a line. */
  toString(): string;
}

const varName = (id: number): string => {
  let s = "";
  let n = id;
  do {
    s = String.fromCharCode(97 + (n % 26)) + s;
    n = Math.floor(n / 26) - 1;
  } while (n >= 0);
  return s;
};

/** @internal How a staging trace reports a value read, and what it does with outer tracers. */
export interface StagingOptions {
  /** Names the transform in messages: `trace`, `jit(step)`. */
  readonly label: string;
  /** Why a value cannot be read, and what to do instead (appended to the message). */
  readonly readHint: string;
  /**
   * Whether a value of an outer transform used inside becomes a constant of
   * the graph (closure conversion, as `jit` inside `grad` needs) instead of
   * an error.
   */
  readonly closeOverTracers: boolean;
  /**
   * False for partial evaluation: an op on no value of this trace runs at
   * trace time and its result becomes a constant (what `linearize` wants
   * of the primal computation). True (`trace`, `jit`): every op is staged.
   */
  readonly omnistaging?: boolean;
}

/** @internal The options of `trace`. */
export const TRACE_OPTIONS: StagingOptions = {
  label: "trace",
  readHint: "it is symbolic (only its shape and dtype are known)",
  closeOverTracers: false,
};

/** @internal A value inside a staging trace: a variable of the graph being built. */
export class GraphTracer extends Tracer {
  readonly v: Var;
  constructor(trace: GraphTrace, v: Var) {
    super(trace, v);
    this.v = v;
  }
  concrete(): ConcreteTensor {
    const { label, readHint } = (this.trace as GraphTrace).options;
    throw new TransformError(
      label,
      `cannot read the value of ${this.v.name}: ${SHORT_DTYPE[this.dtype]}${formatShape(this.shape)} inside ` +
        `${label === "trace" ? "trace()" : label}; ${readHint}`,
    );
  }
  /** JS arithmetic on a traced value (`x * 2`, `Math.exp(n)`) would silently give NaN: it is an error. */
  [Symbol.toPrimitive](hint: string): string {
    if (hint === "string") return `${SHORT_DTYPE[this.dtype]}${formatShape(this.shape)} (traced)`;
    return this.concrete() as never;
  }
}

/** @internal The trace that builds a graph: every op applied under it becomes a node. */
export class GraphTrace extends Trace {
  readonly kind = "trace";
  override readonly stages: boolean;
  readonly nodes: GraphNode[] = [];
  readonly consts: GraphConst[] = [];
  private readonly constVars = new Map<Tensor, Var>();
  private next = 0;

  constructor(level: number, readonly options: StagingOptions = TRACE_OPTIONS) {
    super(level);
    this.stages = options.omnistaging ?? true;
  }

  newVar(a: Aval): Var {
    const id = this.next++;
    return Object.freeze({ id, name: varName(id), shape: frozenShape(a.shape), dtype: a.dtype });
  }

  varOf(x: Tensor): Var {
    if (x instanceof GraphTracer && x.trace === this) return x.v;
    if (x instanceof Tracer && !this.options.closeOverTracers) {
      throw new TransformError(
        this.options.label,
        `the traced function uses a value followed by an outer ${x.trace.kind} transform; trace the outer function instead`,
      );
    }
    let v = this.constVars.get(x);
    if (v === undefined) {
      v = this.newVar(x);
      this.constVars.set(x, v);
      this.consts.push({ v, value: x });
    }
    return v;
  }

  processPrimitive(prim: Primitive, args: readonly Tensor[], params: Params): Tensor {
    const inputs = args.map((a) => this.varOf(a));
    const aval = prim.abstractEval(args, params);
    const output = this.newVar(aval);
    this.nodes.push(
      Object.freeze({ primitive: prim.name, inputs: Object.freeze(inputs), params: freezeParams(params), output }),
    );
    return new GraphTracer(this, output);
  }

  processMulti(prim: MultiPrimitive, args: readonly Tensor[], params: Params): Tensor[] {
    const inputs = args.map((a) => this.varOf(a));
    const outputs = Object.freeze(prim.abstractEval(args, params).map((a) => this.newVar(a)));
    this.nodes.push(
      Object.freeze({
        primitive: prim.name,
        inputs: Object.freeze(inputs),
        params: freezeParams(params),
        output: outputs[0],
        outputs,
      }),
    );
    return outputs.map((v) => new GraphTracer(this, v));
  }
}

/** A frozen copy of a node's attributes (arrays inside frozen too), so the graph is immutable. */
const freezeParams = (params: Params): Params =>
  Object.freeze(
    Object.fromEntries(Object.entries(params).map(([k, v]) => [k, Array.isArray(v) ? Object.freeze([...v]) : v])),
  );

const typeOf = (v: Var): string => `${SHORT_DTYPE[v.dtype]}${formatShape(v.shape)}`;

const formatParam = (x: unknown): string => {
  if (Array.isArray(x)) return `[${x.map(formatParam).join(",")}]`;
  if (x !== null && typeof x === "object" && Object.getPrototypeOf(x) === Object.prototype) {
    return `{${Object.entries(x).map(([k, v]) => `${k}: ${formatParam(v)}`).join(", ")}}`;
  }
  return String(x);
};

/** @internal One node as a listing shows it: `c: f32[2] = mul a b`. */
export const formatNode = (n: GraphNode): string => {
  const ps = Object.entries(n.params).map(([k, v]) => `${k}=${formatParam(v)}`);
  const head = ps.length ? `${n.primitive}[${ps.join(", ")}]` : n.primitive;
  const outs = outputsOf(n).map((v) => `${v.name}: ${typeOf(v)}`).join(", ");
  return `${outs} = ${head} ${n.inputs.map((v) => v.name).join(" ")}`;
};

/** @internal A variable with its type: `a: f32[2,3]`. */
export const formatVar = (v: Var): string => `${v.name}: ${typeOf(v)}`;

const formatGraph = (g: Omit<Graph, "toString">): string => {
  const lines = [`graph(${g.inputs.map((v) => `${v.name}: ${typeOf(v)}`).join(", ")}) {`];
  for (const c of g.consts) {
    const shown = c.value instanceof Tracer
      ? `(a value of an outer ${c.value.trace.kind})`
      : c.value.size <= 6
      ? JSON.stringify(c.value.toArray())
      : "…";
    lines.push(`  const ${c.v.name}: ${typeOf(c.v)} = ${shown}`);
  }
  for (const n of g.nodes) lines.push(`  ${formatNode(n)}`);
  lines.push(`  return ${g.outputs.map((v) => v.name).join(", ")}`, "}");
  return lines.join("\n");
};

/**
 * @internal A graph from its parts: frozen, with its listing. Compilation
 * passes build their results with it.
 */
export const makeGraph = (g: Omit<Graph, "toString">): Graph => {
  const parts = {
    inputs: Object.freeze([...g.inputs]),
    consts: Object.freeze(g.consts.map((c) => Object.freeze({ ...c }))),
    nodes: Object.freeze([...g.nodes]),
    outputs: Object.freeze([...g.outputs]),
    inTree: g.inTree,
    outTree: g.outTree,
  };
  const text = formatGraph(parts);
  return Object.freeze({ ...parts, toString: () => text });
};

/**
 * @internal Builds the graph of `body`, which receives the running trace
 * (to make input variables and tracers) and returns the argument structure
 * and the function's result. `trace` and `jit` are both this.
 */
export const stage = (
  options: StagingOptions,
  body: (t: GraphTrace) => { inputs: readonly Var[]; inTree: TreeDef; out: unknown },
): Graph =>
  withTrace((level) => new GraphTrace(level, options), (t) => {
    const { inputs, inTree, out } = body(t);
    const [outLeaves, outTree] = flatten(out);
    const outputs = outLeaves.map((l, i) => {
      if (!(l instanceof Tensor)) {
        throw new TransformError(options.label, `output leaf ${i} is ${typeof l}, not a tensor`);
      }
      return t.varOf(l);
    });
    return makeGraph({ inputs, consts: t.consts, nodes: t.nodes, outputs, inTree, outTree });
  });

/**
 * Traces `f` on symbolic values shaped like `args` (trees of tensors) and
 * returns its graph. Tensors the function creates or closes over become
 * constants; reading a traced value (`item`, `toArray`) is an error.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { trace, add, mul, sum, tensor } from "../../mod.ts";
 * const g = trace((x, y) => sum(add(mul(x, y), 1)), tensor([1, 2]), tensor([3, 4]));
 * assert.deepEqual(g.nodes.map((n) => n.primitive), ["mul", "add", "sum"]);
 * assert.match(g.toString(), /f: f32\[\] = sum\[axes=\[0\]\] e/);
 * ```
 */
export const trace = (f: (...args: never[]) => unknown, ...args: readonly unknown[]): Graph =>
  traceWith(TRACE_OPTIONS, f, args);

/** @internal `trace` with other staging options (`linearize` traces without omnistaging). */
export const traceWith = (options: StagingOptions, f: (...args: never[]) => unknown, args: readonly unknown[]): Graph =>
  stage(options, (t) => {
    const [argLeaves, inTree] = flatten(args);
    const inputs = argLeaves.map((l, i) => {
      if (!(l instanceof Tensor)) throw new TransformError("trace", `argument leaf ${i} is ${typeof l}, not a tensor`);
      return t.newVar(l);
    });
    const tracers = inputs.map((v) => new GraphTracer(t, v));
    const out = (f as (...a: unknown[]) => unknown)(...(unflatten(inTree, tracers) as unknown[]));
    return { inputs, inTree, out };
  });

/**
 * Runs a graph on new arguments of the same structure, shapes and dtypes,
 * applying its primitives again (so it composes with `grad` and the other
 * transforms).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { trace, evalGraph, mul, tensor } from "../../mod.ts";
 * const g = trace((x) => mul(x, x), tensor([1, 2]));
 * assert.deepEqual((evalGraph(g, tensor([3, 4])) as ReturnType<typeof tensor>).toArray(), [9, 16]);
 * ```
 */
export const evalGraph = (g: Graph, ...args: readonly unknown[]): unknown => {
  const [leaves] = flatten(args);
  if (leaves.length !== g.inputs.length) {
    throw new TransformError("evalGraph", `expected ${g.inputs.length} input tensors, got ${leaves.length}`);
  }
  const env = new Map<number, Tensor>();
  g.inputs.forEach((v, i) => {
    const x = leaves[i];
    if (!(x instanceof Tensor) || x.dtype !== v.dtype || formatShape(x.shape) !== formatShape(v.shape)) {
      throw new TransformError("evalGraph", `input ${i} must be ${typeOf(v)}`);
    }
    env.set(v.id, x);
  });
  for (const c of g.consts) env.set(c.v.id, c.value);
  const byName = primitiveTable();
  const multis = multiPrimitiveTable();
  for (const n of g.nodes) {
    const args = n.inputs.map((v) => env.get(v.id)!);
    if (n.outputs !== undefined) {
      const prim = multis.get(n.primitive);
      if (prim === undefined) throw new TransformError("evalGraph", `unknown primitive ${n.primitive}`);
      const outs = bindMulti(prim, args, n.params);
      n.outputs.forEach((v, i) => env.set(v.id, outs[i]));
      continue;
    }
    const prim = byName.get(n.primitive);
    if (prim === undefined) throw new TransformError("evalGraph", `unknown primitive ${n.primitive}`);
    env.set(n.output.id, bind(prim, args, n.params));
  }
  return unflatten(g.outTree, g.outputs.map((v) => env.get(v.id)!));
};

/** @internal Every primitive by name. */
export const primitiveTable = (): Map<string, Primitive> => new Map(allPrimitives().map((p) => [p.name, p]));

/** @internal Every primitive with several outputs by name. */
export const multiPrimitiveTable = (): Map<string, MultiPrimitive> =>
  new Map(allMultiPrimitives().map((p) => [p.name, p]));
