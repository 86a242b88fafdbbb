/**
 * The interpreter stack behind every transform.
 *
 * Each running transform (`jvp`, `vjp`/`grad`, `trace`) owns a `Trace` with
 * a level: its position in the stack, counted from 1 (level 0 is plain
 * evaluation). Values it follows are `Tracer`s carrying that trace. When an
 * op is applied, `bind` hands it to the highest-level trace among the
 * arguments; that trace unwraps its own tracers, binds the op again on the
 * unwrapped values (reaching lower levels, down to evaluation) and wraps the
 * result. A tracer of another level is just a constant to a trace, which is
 * why a tangent of one `jvp` is never mistaken for another's (the
 * "perturbation confusion" bug).
 *
 * @module
 */
import { activeBackend } from "./backend_registry.ts";
import { isFloat } from "./dtype.ts";
import { NanError, TransformError } from "./errors.ts";
import type { MultiPrimitive, Params, Primitive } from "./primitive.ts";
import { formatShape, type Shape } from "./shape.ts";
import { checkOwners } from "./transfer.ts";
import { type Aval, ConcreteTensor, disposedError, frozenShape, pinStorage, Tensor } from "./tensor.ts";

/** One running transform. */
export abstract class Trace {
  /** Position in the stack: 1 for the outermost transform. */
  readonly level: number;
  /** False once the transform has returned; its tracers must not be used again. */
  active = true;
  /** For messages: `"grad"`, `"jvp"`, `"trace"`, … */
  abstract readonly kind: string;
  /**
   * Whether this trace stages every op applied while it is the innermost
   * staging trace, also ops on no tracer at all ("omnistaging", as JAX's
   * `jit`): `trace`/`jit` record them instead of evaluating them at trace
   * time, so tensors the function makes become part of its program.
   */
  readonly stages: boolean = false;

  constructor(level: number) {
    this.level = level;
  }

  /** Applies `prim` to `args`, at least one of which is a tracer of this trace. */
  abstract processPrimitive(prim: Primitive, args: readonly Tensor[], params: Params): Tensor;

  /** Applies a primitive with several outputs, as {@link processPrimitive} does one with one. */
  abstract processMulti(prim: MultiPrimitive, args: readonly Tensor[], params: Params): Tensor[];
}

/** A tensor followed by a trace. */
export abstract class Tracer extends Tensor {
  readonly trace: Trace;
  constructor(trace: Trace, aval: Aval) {
    super(aval.shape, aval.dtype);
    this.trace = trace;
  }
}

/**
 * A tracer that carries a value of the level below (its primal), as the
 * differentiation transforms' tracers do: reading it reads the primal.
 */
export abstract class PrimalTracer extends Tracer {
  readonly primal: Tensor;
  constructor(trace: Trace, primal: Tensor) {
    super(trace, primal);
    this.primal = primal;
  }
  concrete(): ConcreteTensor {
    return this.primal.concrete();
  }
}

const stack: Trace[] = [];
/** The innermost running staging trace (see {@link Trace.stages}). */
let dynamic: Trace | null = null;

/**
 * Runs `body` with a new trace of the next level pushed on the stack.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { currentLevel } from "./trace.ts";
 * assert.equal(currentLevel(), 0);
 * ```
 */
export const withTrace = <T extends Trace, R>(make: (level: number) => T, body: (trace: T) => R): R => {
  const trace = make(stack.length + 1);
  const before = dynamic;
  stack.push(trace);
  if (trace.stages) dynamic = trace;
  try {
    return body(trace);
  } finally {
    trace.active = false;
    stack.pop();
    dynamic = before;
  }
};

/**
 * The level of the innermost running transform (0 outside any transform).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { currentLevel } from "./trace.ts";
 * assert.equal(currentLevel(), 0);
 * ```
 */
export const currentLevel = (): number => stack.length;

/**
 * The innermost running staging trace (`trace`, `jit`), or null: where an op
 * on no tracer goes instead of being evaluated.
 */
export const stagingTrace = (): Trace | null => dynamic;

/**
 * Applies a primitive: to the highest-level trace among the arguments and
 * the innermost staging trace, or, with neither, by running its kernel.
 */
export const bind = (prim: Primitive, args: readonly Tensor[], params: Params): Tensor => {
  const top = topTrace(prim.name, args);
  if (top === null) return evaluate(prim, args as readonly ConcreteTensor[], params);
  return top.processPrimitive(prim, args, params);
};

/**
 * Applies a primitive with several outputs, as {@link bind} applies one
 * with one: to the highest-level trace among the arguments and the
 * innermost staging trace, or by running its `impl`.
 */
export const bindMulti = (prim: MultiPrimitive, args: readonly Tensor[], params: Params): Tensor[] => {
  const top = topTrace(prim.name, args);
  if (top !== null) return top.processMulti(prim, args, params);
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as ConcreteTensor;
    if (a.disposed) throw disposedError(prim.name, `operand ${i}`, a.disposedBy);
  }
  checkOwners(prim.name, activeBackend(), args as readonly ConcreteTensor[]);
  return prim.impl(args as readonly ConcreteTensor[], params);
};

/** The trace an op on `args` goes to (null: evaluate it), checked to be still running. */
const topTrace = (op: string, args: readonly Tensor[]): Trace | null => {
  let top: Trace | null = dynamic;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a instanceof Tracer && (top === null || a.trace.level > top.level)) top = a.trace;
  }
  if (top !== null && !top.active) {
    throw new TransformError(
      op,
      `a tracer of a ${top.kind} transform (level ${top.level}) was used after that transform returned; ` +
        `a value computed inside a transform escaped it (through a closure or outer variable)`,
    );
  }
  return top;
};

const evaluate = (prim: Primitive, args: readonly ConcreteTensor[], params: Params): Tensor => {
  for (let i = 0; i < args.length; i++) {
    if (args[i].disposed) throw disposedError(prim.name, `operand ${i}`, args[i].disposedBy);
  }
  const aval = prim.abstractEval(args, params);
  const be = activeBackend();
  checkOwners(prim.name, be, args);
  const buf = prim.impl(be, args, params, aval);
  // An output that is an operand's storage (reshape, a no-op cast) is shared
  // by two tensors from now on, so disposing one must not recycle it.
  for (let i = 0; i < args.length; i++) {
    if (args[i].buf === buf) {
      pinStorage(buf);
      break;
    }
  }
  // A shape taken from an input is frozen already; a new one is frozen here.
  let shape = aval.shape;
  if (!sharesShape(shape, args)) shape = frozenShape(shape);
  const out = new ConcreteTensor(shape, aval.dtype, buf, be);
  if (nanChecks) checkFinite(prim, args, params, out);
  return out;
};

const sharesShape = (shape: Shape, args: readonly Tensor[]): boolean => {
  for (let i = 0; i < args.length; i++) if (args[i].shape === shape) return true;
  return false;
};

// ---------------------------------------------------------------------------
// debugNans

let nanChecks = false;

/** @internal Whether `debugNans` checks are on (fused kernels step aside for them). */
export const debugNansOn = (): boolean => nanChecks;
const context: string[] = [];

/**
 * Turns NaN/Inf checking on or off for every primitive evaluated from now on.
 * When on, the first primitive that produces NaN or ±Inf from finite inputs
 * (and finite numeric attributes: padding with −∞ is deliberate)
 * throws a `NanError` naming the primitive, the shapes and the transforms it
 * ran under (also inside `grad`'s backward pass). When off, the only cost is
 * one boolean test per primitive. Prefer `withDebugNans` for a scoped switch.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { setDebugNans, log, tensor } from "../mod.ts";
 * setDebugNans(true);
 * assert.throws(() => log(tensor([-1])), /log: produced NaN/);
 * setDebugNans(false);
 * ```
 */
export const setDebugNans = (on: boolean): void => {
  nanChecks = on;
};

/**
 * Runs `f` with `debugNans` on, restoring the previous setting afterwards.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { withDebugNans, grad, log, sum, tensor, type Tensor } from "../mod.ts";
 * assert.throws(
 *   () => withDebugNans(() => grad((x: Tensor) => sum(log(x)))(tensor([-1]))),
 *   /log: produced NaN .* under grad/,
 * );
 * ```
 */
export const withDebugNans = <R>(f: () => R): R => {
  const before = nanChecks;
  nanChecks = true;
  try {
    return f();
  } finally {
    nanChecks = before;
  }
};

/**
 * Runs `body` with a description of where it runs pushed on the context stack
 * that `debugNans` messages report (e.g. `grad (level 1, backward pass)`).
 */
export const inContext = <R>(label: string, body: () => R): R => {
  context.push(label);
  try {
    return body();
  } finally {
    context.pop();
  }
};

const allFinite = (t: ConcreteTensor): boolean => {
  if (!isFloat(t.dtype)) return true;
  const d = t.hostData("debugNans");
  for (let i = 0; i < d.length; i++) if (!Number.isFinite(d[i])) return false;
  return true;
};

/** A numeric attribute that is NaN or ±∞ (a pad value of −∞) is a non-finite input too. */
const finiteParams = (params: Params): boolean => {
  for (const k in params) {
    const v = params[k];
    if (typeof v === "number" && !Number.isFinite(v)) return false;
  }
  return true;
};

const checkFinite = (prim: Primitive, args: readonly ConcreteTensor[], params: Params, out: ConcreteTensor): void => {
  if (allFinite(out) || !args.every(allFinite) || !finiteParams(params)) return;
  const d = out.hostData("debugNans");
  let bad = 0;
  while (Number.isFinite(d[bad])) bad++;
  const what = Number.isNaN(d[bad]) ? "NaN" : d[bad] > 0 ? "+Inf" : "-Inf";
  const where = context.length === 0 ? "outside any transform" : `under ${context.join(" > ")}`;
  throw new NanError(
    prim.name,
    `produced ${what} (first at flat index ${bad}) from finite inputs of shapes ` +
      `${args.map((a) => formatShape(a.shape)).join(", ")} → ${formatShape(out.shape)}, ${where}`,
  );
};
