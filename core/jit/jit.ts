/**
 * `jit(f)`: compiles a function into one planned program, as `jax.jit`.
 *
 * The first call with a given signature (the arguments' tree structure,
 * shapes and dtypes, and the values of static arguments) traces `f` with
 * every op staged (omnistaging), runs the compilation passes — constant
 * folding, common-subexpression elimination, dead-code elimination, fusion
 * of elementwise chains, the buffer plan — and caches the program. Later
 * calls with that signature run the program: no tracing, no tape, no shape
 * checks, one kernel per fused chain, intermediates handed back to the
 * backend as soon as they are dead. A new signature traces again.
 *
 * JS numbers among the arguments are traced as values (weakly typed
 * scalars: they take the dtype of the tensor they meet), so a learning rate
 * that changes does not retrace; an argument used as a setting (a layer
 * size, a flag, a number used in JS arithmetic) is declared `static` and
 * becomes part of the signature. Strings, booleans and `null` leaves are
 * static always.
 *
 * Inside another transform (`grad(jit(f))`, `vmap(jit(f))`) or while
 * another function is being staged (`jit(g)` where `g` calls it, `trace`),
 * a call is one `jit` node (`call.ts`): it runs `f`'s compiled program, and
 * its derivatives and batching are calls of the graphs of `jvp(f)`,
 * `vjp(f)` and `vmap(f)`, each traced and compiled once. Values of the
 * running transform that `f` closes over become inputs of the call. With
 * `debugNans` on it runs `f` op by op, so every primitive is checked.
 *
 * @module
 */
import type { Workspace } from "../../backends/backend.ts";
import { activeBackend } from "../backend_registry.ts";
import { SHORT_DTYPE } from "../dtype.ts";
import { TransformError } from "../errors.ts";
import { keep, madeDuring, releaseInternal } from "../memory.ts";
import { constant } from "../prims/lift.ts";
import { Key } from "../random/key.ts";
import { formatShape } from "../shape.ts";
import { ConcreteTensor, disposedError, markPermanent, Tensor } from "../tensor.ts";
import { debugNansOn, stagingTrace, Tracer } from "../trace.ts";
import { checkOwners } from "../transfer.ts";
import { type Graph, makeGraph } from "../transforms/graph.ts";
import { flatten, type TreeDef, unflatten } from "../tree/mod.ts";
import { bindCall, Callee } from "./call.ts";
import { compileGraph } from "./compile.ts";
import { traceClosed } from "../transforms/closure.ts";
import type { Step } from "./fusion.ts";
import type { BufferPlan } from "./plan.ts";
import type { Program } from "./program.ts";
import { formatProgram } from "./format.ts";

/** Options of {@link jit}. */
export interface JitOptions {
  /**
   * Arguments (by position) whose values are part of the signature: the
   * function is traced once per value. For settings, not data: sizes,
   * flags, numbers used in JS arithmetic. Compared by value for numbers,
   * strings, booleans and arrays or plain objects of them, by identity for
   * anything else.
   */
  readonly static?: number | readonly number[];
  /**
   * Arguments (by position) whose storage the call may reuse once it has
   * read them: the parameters and optimizer state of a training step, which
   * the call replaces by its outputs. Their tensors are disposed by the
   * call; using one afterwards is an error naming the function.
   */
  readonly donate?: number | readonly number[];
}

/** A compiled program, for inspection (`jit(f).lower(...args)`). */
export interface Lowered {
  /** The graph as traced. */
  readonly traced: Graph;
  /** The graph after folding, CSE and DCE. */
  readonly graph: Graph;
  /** The program's steps: nodes and fused kernels. */
  readonly steps: readonly Step[];
  /** The intermediates' storage plan (`peakBytes`: the workspace). */
  readonly plan: BufferPlan;
  /** Milliseconds spent tracing and compiling. */
  readonly compileMs: number;
  /**
   * The storage the program keeps between calls (`bytes`), and how many
   * outputs its last call had to take from elsewhere (`misses`).
   */
  readonly workspace: Workspace;
  /** The program in the style of `trace`'s listing, with its fused kernels and plan. */
  toString(): string;
}

/** A jitted function: `f`, compiled per signature. */
export interface Jitted<A extends readonly unknown[], R> {
  (...args: A): R;
  /** Compiles (or takes from the cache) the program for these arguments, without running it. */
  lower(...args: A): Lowered;
  /** How many times `f` has been traced (once per signature, unless the cache was bypassed). */
  readonly traceCount: number;
}

/** `f` traced for one signature: its graph over `[captured…, dynamic leaves…]` and how to rebuild its result. */
interface Traced {
  readonly graph: Graph;
  readonly captured: Tensor[];
  readonly outTree: TreeDef;
  readonly outKeys: readonly boolean[];
}

/** A jitted function's callee for calls inside transforms, and how to rebuild its result. */
interface CallEntry {
  readonly callee: Callee;
  readonly outTree: TreeDef;
  readonly outKeys: readonly boolean[];
}

interface Entry {
  readonly lowered: Lowered;
  readonly program: Program;
  readonly outTree: TreeDef;
  /** Which outputs are keys' words, to be handed back as keys. */
  readonly outKeys: readonly boolean[];
}

/** What a call's arguments are made of. */
interface Signature {
  /** Equal for calls that can share a program. */
  readonly key: string;
  /** The traced leaves, in order: tensors, and numbers (traced as weak scalars). */
  readonly dynamic: readonly (Tensor | number)[];
  /** Where each dynamic leaf sits, for messages (`argument 0, leaf 2`). */
  readonly where: readonly string[];
  /** The argument each dynamic leaf belongs to. */
  readonly argOf: readonly number[];
  /** The arguments again, with these values for the dynamic leaves. */
  rebuild(dynamic: readonly unknown[]): unknown[];
}

const asList = (op: string, name: string, v: number | readonly number[] | undefined): Set<number> => {
  const list = v === undefined ? [] : typeof v === "number" ? [v] : v;
  for (const i of list) {
    if (!Number.isInteger(i) || i < 0) {
      throw new TransformError(op, `${name} must list argument positions (integers ≥ 0), got ${i}`);
    }
  }
  return new Set(list);
};

const objectIds = new WeakMap<object, number>();
let nextObjectId = 0;
/** A static value's part of the signature: by value for plain data, by identity otherwise. */
const staticKey = (op: string, x: unknown): string => {
  if (typeof x === "number") return Object.is(x, -0) ? "-0" : String(x);
  if (typeof x === "string") return JSON.stringify(x);
  if (x === null || x === undefined || typeof x === "boolean" || typeof x === "bigint") return String(x);
  if (x instanceof Tensor) {
    throw new TransformError(op, "a tensor cannot be a static argument: pass it as an ordinary (traced) argument");
  }
  if (Array.isArray(x)) return `[${x.map((y) => staticKey(op, y)).join(",")}]`;
  if (Object.getPrototypeOf(x) === Object.prototype) {
    const o = x as Record<string, unknown>;
    return `{${Object.keys(o).sort().map((k) => `${JSON.stringify(k)}:${staticKey(op, o[k])}`).join(",")}}`;
  }
  let id = objectIds.get(x as object);
  if (id === undefined) objectIds.set(x as object, id = nextObjectId++);
  return `#${id}`;
};

const signatureOf = (op: string, args: readonly unknown[], statics: ReadonlySet<number>): Signature => {
  const parts: string[] = [];
  const dynamic: (Tensor | number)[] = [];
  const where: string[] = [];
  const argOf: number[] = [];
  const trees: (TreeDef | undefined)[] = [];
  const slots: number[][] = []; // per argument: index into dynamic of each leaf, or −1 (static leaf)
  const staticLeaves: unknown[][] = [];
  const keyLeaves = new Set<number>(); // dynamic leaves that are keys' words
  args.forEach((a, i) => {
    if (statics.has(i)) {
      parts.push(`s${staticKey(op, a)}`);
      trees.push(undefined);
      slots.push([]);
      staticLeaves.push([]);
      return;
    }
    const [leaves, def] = flatten(a as never) as [unknown[], TreeDef];
    trees.push(def);
    const mine: number[] = [];
    const fixed: unknown[] = [];
    const desc: string[] = [];
    leaves.forEach((l, j) => {
      if (l instanceof Tensor) {
        desc.push(`${SHORT_DTYPE[l.dtype]}${formatShape(l.shape)}`);
      } else if (typeof l === "number") {
        desc.push("n");
      } else if (l instanceof Key) {
        desc.push("key"); // traced through its words: new keys draw new numbers in the same program
        keyLeaves.add(dynamic.length);
      } else {
        desc.push(`s${staticKey(op, l)}`);
        mine.push(-1);
        fixed.push(l);
        return;
      }
      mine.push(dynamic.length);
      fixed.push(undefined);
      dynamic.push(l instanceof Key ? l.data : l);
      where.push(leaves.length === 1 ? `argument ${i}` : `argument ${i}, leaf ${j}`);
      argOf.push(i);
    });
    slots.push(mine);
    staticLeaves.push(fixed);
    parts.push(`${def}:${desc.join(";")}`);
  });
  const rebuild = (values: readonly unknown[]): unknown[] =>
    args.map((a, i) => {
      const def = trees[i];
      if (def === undefined) return a;
      return unflatten(
        def,
        slots[i].map((
          k,
          j,
        ) => (k < 0 ? staticLeaves[i][j] : keyLeaves.has(k) ? Key.fromData(values[k] as Tensor) : values[k])),
      );
    });
  return { key: parts.join("|"), dynamic, where, argOf, rebuild };
};

/**
 * Compiles `f` per signature (see the module doc). Returns a function that
 * gives the same results as `f` (in float32, up to the rounding of fused
 * chains, which keep intermediates in doubles), and `lower(...args)` to
 * inspect the program.
 *
 * @example A training step, traced once and then run as one program
 * ```ts
 * import assert from "node:assert/strict";
 * import { grad, jit, mean, mul, square, sub, tensor, type Tensor } from "../../mod.ts";
 * const loss = (w: Tensor, x: Tensor, y: Tensor) => mean(square(sub(mul(x, w), y)));
 * const step = jit((w: Tensor, x: Tensor, y: Tensor, lr: number) => sub(w, mul(grad(loss)(w, x, y), lr)));
 * let w = tensor([0]);
 * const x = tensor([1, 2, 3]), y = tensor([2, 4, 6]);
 * for (let i = 0; i < 50; i++) w = step(w, x, y, 0.1);
 * assert.ok(Math.abs(w.item() - 2) < 1e-4);
 * assert.equal(step.traceCount, 1); // the learning rate is traced, not baked in
 * assert.match(String(step.lower(w, x, y, 0.1)), /fused/);
 * ```
 */
export function jit<A extends readonly unknown[], R>(f: (...args: A) => R, options: JitOptions = {}): Jitted<A, R> {
  const name = f.name === "" ? "anonymous" : f.name;
  const label = `jit(${name})`;
  const statics = asList(label, "static", options.static);
  const donates = asList(label, "donate", options.donate);
  for (const i of donates) {
    if (statics.has(i)) throw new TransformError(label, `argument ${i} cannot be both static and donated`);
  }
  const cache = new Map<string, Entry>();
  let traceCount = 0;
  const hint = `it is traced: jit compiles ${name} for every value of this shape and dtype. For a choice that ` +
    `depends on a value use where(); for a setting (a size, a flag, a number used in JS arithmetic) declare ` +
    `the argument static: jit(${name}, { static: [position] }); for a loop whose length or steps depend on ` +
    `values, scan()`;

  /** `f` traced on `sig`'s shapes: a graph over the dynamic leaves (and captured values) giving the output leaves. */
  const traceFor = (sig: Signature): Traced => {
    traceCount++;
    let outTree: TreeDef | undefined, outKeys: boolean[] = [];
    const avals = sig.dynamic.map((l) => (l instanceof Tensor ? l : { shape: [], dtype: "float64" as const }));
    const { graph, captured } = traceClosed(
      label,
      (ins) => {
        const [leaves, def] = flatten(f(...(sig.rebuild(ins) as unknown as A)) as never) as [unknown[], TreeDef];
        outTree = def;
        outKeys = leaves.map((l) => l instanceof Key);
        return leaves.map((l) => (l instanceof Key ? l.data : l)); // keys travel as their words
      },
      avals,
      hint,
      sig.dynamic.map((l) => typeof l === "number"),
    );
    return { graph, captured, outTree: outTree!, outKeys };
  };

  /**
   * Traces and compiles for `sig`; when `f` closes over values of a running
   * transform the program cannot be cached, and the trace is returned for a call.
   */
  const compile = (sig: Signature): Entry | Traced => {
    const t0 = performance.now();
    const [result, made] = madeDuring((): Entry | Traced => {
      const t = traceFor(sig);
      if (t.captured.length > 0) return t;
      const traced = makeGraph({ ...t.graph, outTree: t.outTree });
      const { graph: g, steps, plan, program } = compileGraph(traced, activeBackend());
      const compileMs = performance.now() - t0;
      const text = formatProgram(g, steps, plan);
      const lowered: Lowered = Object.freeze({
        traced,
        graph: g,
        steps,
        plan,
        compileMs,
        workspace: program.workspace,
        toString: () => text,
      });
      return { lowered, program, outTree: t.outTree, outKeys: t.outKeys };
    });
    // The program keeps the tensors made while compiling that are its constants; the rest are garbage now.
    const kept = new Set<ConcreteTensor>();
    for (const c of "program" in result ? result.program.graph.consts : []) {
      if (c.value instanceof ConcreteTensor && made.has(c.value)) {
        kept.add(keep(c.value));
        markPermanent(c.value);
      }
    }
    releaseInternal(made, kept);
    return result;
  };

  const entryFor = (sig: Signature): Entry | Traced => {
    const be = activeBackend();
    const key = `${be.name}|${sig.key}`;
    const e = cache.get(key);
    if (e !== undefined && e.program.backend === be) return e;
    const made = compile(sig);
    if ("program" in made) cache.set(key, made);
    return made;
  };

  /** Callees for calls inside transforms and staged functions, by signature (backend-independent). */
  const callees = new Map<string, CallEntry>();

  /** One call of f as a `jit` node of the running transforms (see call.ts), from `traced` when given. */
  const callInside = (sig: Signature, traced?: Traced): R => {
    let c = callees.get(sig.key);
    let captured: Tensor[] = [];
    if (c === undefined) {
      const t = traced ?? traceFor(sig);
      c = { callee: new Callee(label, t.graph), outTree: t.outTree, outKeys: t.outKeys };
      captured = t.captured;
      if (captured.length === 0) callees.set(sig.key, c); // else it holds this transform's values
    }
    const inputs = sig.dynamic.map((l) => (typeof l === "number" ? constant(l, "float64") : l));
    // A call has at least one output; a function returning no tensors needs no call.
    const outs = c.callee.graph.outputs.length === 0 ? [] : bindCall(c.callee, [...captured, ...inputs]);
    const { outKeys } = c;
    return unflatten(
      c.outTree,
      outKeys.includes(true) ? outs.map((t, i) => (outKeys[i] ? Key.fromData(t) : t)) : outs,
    ) as R;
  };

  const jitted = (...args: A): R => {
    const sig = signatureOf(label, args, statics);
    // With debugNans on, op by op (so each op is checked).
    if (debugNansOn()) return f(...args);
    // Under a transform or inside another staged function, one call node there.
    if (stagingTrace() !== null || sig.dynamic.some((l) => l instanceof Tracer)) return callInside(sig);
    const e = entryFor(sig);
    if (!("program" in e)) return callInside(sig, e); // f closes over a value of a running transform
    const be = e.program.backend;
    const inputs = sig.dynamic.map((l, i) => {
      if (typeof l === "number") return constant(l, "float64") as ConcreteTensor;
      const t = l as ConcreteTensor;
      if (t.disposed) throw disposedError(label, sig.where[i], t.disposedBy);
      return t;
    });
    checkOwners(label, be, inputs);
    const donated = donates.size === 0 ? undefined : sig.argOf.map((i) => donates.has(i));
    const outs = e.program.run(inputs, { donated, donatedBy: `donated to ${label}` });
    return unflatten(
      e.outTree,
      e.outKeys.includes(true) ? outs.map((t, i) => (e.outKeys[i] ? Key.fromData(t) : t)) : outs,
    ) as R;
  };

  const lower = (...args: A): Lowered => {
    const sig = signatureOf(label, args, statics);
    if (sig.dynamic.some((l) => l instanceof Tracer) || stagingTrace() !== null) {
      throw new TransformError(`${label}.lower`, "lower takes concrete arguments (not values of a running transform)");
    }
    const e = entryFor(sig);
    if (!("program" in e)) {
      throw new TransformError(`${label}.lower`, "the function closes over a value of a running transform");
    }
    return e.lowered;
  };

  Object.defineProperty(jitted, "traceCount", { get: () => traceCount });
  Object.defineProperty(jitted, "name", { value: label });
  (jitted as unknown as { lower: typeof lower }).lower = lower;
  return jitted as unknown as Jitted<A, R>;
}
