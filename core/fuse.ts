/**
 * `fuse(f)`: runs a chain of elementwise ops as one kernel. An optimizer
 * update such as Adam's is a dozen elementwise ops per parameter; run one by
 * one they read and write memory a dozen times and allocate a dozen arrays,
 * which costs more than the step's matrix products (see bench/README.md).
 * `fuse` traces `f` once per pattern of arguments, and when the graph holds
 * only float elementwise primitives it compiles them into one loop
 * (`Backend.fused`).
 *
 * Otherwise it simply calls `f`: under a transform (so `grad` of a fused
 * function works), with debugNans on (so each primitive is checked), when
 * the arguments differ in shape or dtype, or when `f` does anything but
 * elementwise arithmetic. The results are the same either way, except that
 * a fused float32 chain keeps its intermediate values in doubles and rounds
 * once at the end (float64 results are identical).
 *
 * As under `jax.jit`, numbers and tensors that `f` closes over are read at
 * the first call and kept: pass values that change (a step size) as scalar
 * tensor arguments.
 *
 * @module
 */
import { FUSED_BINARY_OPS, FUSED_UNARY_OPS, type FusedInstr, type FusedProgram } from "../backends/backend.ts";
import { activeBackend } from "./backend_registry.ts";
import { zeros } from "./creation.ts";
import { isFloat } from "./dtype.ts";
import { ValueError } from "./errors.ts";
import { ConcreteTensor, disposedError, type Tensor } from "./tensor.ts";
import { debugNansOn } from "./trace.ts";
import { checkOwners } from "./transfer.ts";
import { type Graph, trace, type Var } from "./transforms/graph.ts";
import { type TreeDef, unflatten } from "./tree/mod.ts";

const UNARY: ReadonlySet<string> = new Set(FUSED_UNARY_OPS);
const BINARY: ReadonlySet<string> = new Set(FUSED_BINARY_OPS);

interface Compiled {
  readonly program: FusedProgram;
  readonly outTree: TreeDef;
}

/**
 * Returns `f` as one fused elementwise kernel where it can be (see the
 * module doc). Arguments are tensors of one float dtype, each of the same
 * shape or a scalar (rank 0); the results have that shape.
 *
 * @example Adam's moment updates in one pass
 * ```ts
 * import assert from "node:assert/strict";
 * import { add, fuse, mul, scalar, square, tensor, type Tensor } from "../mod.ts";
 * const moments = fuse((g: Tensor, m: Tensor, v: Tensor, b1: Tensor, b2: Tensor) => [
 *   add(mul(m, b1), mul(g, 1 - 0.9)),
 *   add(mul(v, b2), mul(square(g), 1 - 0.999)),
 * ]);
 * const g = tensor([1, -2]), zero = tensor([0, 0]);
 * const [m, v] = moments(g, zero, zero, scalar(0.9), scalar(0.999));
 * const round6 = (t: Tensor) => [...t.toTypedArray()].map((x) => Number(x.toFixed(6)));
 * assert.deepEqual(round6(m), [0.1, -0.2]);
 * assert.deepEqual(round6(v), [0.001, 0.004]);
 * ```
 */
export function fuse<A extends Tensor[], R extends Tensor | readonly Tensor[]>(
  f: (...args: A) => R,
): (...args: A) => R {
  // One entry per dtype and pattern of scalar arguments; null: not fusable.
  const cache = new Map<string, Compiled | null>();
  return (...args: A): R => {
    const plan = fusible(args);
    if (plan === undefined) return f(...args);
    const key = `${plan.dtype}:${args.map((a) => (a.shape.length === 0 ? "s" : "t")).join("")}`;
    let c = cache.get(key);
    if (c === undefined) {
      c = compile(f as (...a: Tensor[]) => unknown, args, plan.dtype);
      cache.set(key, c);
    }
    if (c === null) return f(...args);
    const be = activeBackend(), concrete = args as readonly Tensor[] as readonly ConcreteTensor[];
    checkOwners("fuse", be, concrete);
    const bufs = be.fused(c.program, concrete.map((a) => a.buf), plan.size, plan.dtype);
    const outs = bufs.map((buf) => new ConcreteTensor(plan.shape, plan.dtype, buf, be));
    return unflatten(c.outTree, outs) as R;
  };
}

/** The common shape, size and dtype when the arguments can take the fused path. */
function fusible(
  args: readonly Tensor[],
): { shape: Tensor["shape"]; size: number; dtype: "float32" | "float64" } | undefined {
  if (args.length === 0 || debugNansOn()) return undefined;
  const full = args.find((a) => a.shape.length > 0) ?? args[0];
  const { shape, dtype } = full;
  if (dtype !== "float32" && dtype !== "float64") return undefined;
  for (const a of args) {
    if (!(a instanceof ConcreteTensor) || a.dtype !== dtype) return undefined;
    if (a.disposed) throw disposedError("fuse", "an argument");
    if (a.shape.length !== 0 && a.shape !== shape && !sameShape(a.shape, shape)) return undefined;
  }
  return { shape, size: full.size, dtype };
}

const sameShape = (a: readonly number[], b: readonly number[]) =>
  a.length === b.length && a.every((d, i) => d === b[i]);

/** Traces `f` on stand-ins and turns its graph into a program, or null if it is not all elementwise. */
function compile(
  f: (...a: Tensor[]) => unknown,
  args: readonly Tensor[],
  dtype: "float32" | "float64",
): Compiled | null {
  // Stand-ins of shape [2]: an elementwise graph does not depend on the size.
  const standIns = args.map((a) => zeros(a.shape.length === 0 ? [] : [2], { dtype }));
  let g: Graph;
  try {
    g = trace(f as (...a: never[]) => unknown, ...standIns);
  } catch {
    return null; // f reads values or does something trace cannot follow: run it as it is
  }
  const anyFull = args.some((a) => a.shape.length > 0);
  const index = new Map<number, number>(); // graph var id → program value
  const body: FusedInstr[] = [];
  g.inputs.forEach((v, i) => index.set(v.id, i));
  const ref = (v: Var): number => {
    const i = index.get(v.id);
    if (i === undefined) throw new ValueError("fuse", `internal: ${v.name} used before it is defined`);
    return i;
  };
  const define = (v: Var, ins: FusedInstr) => {
    index.set(v.id, args.length + body.length);
    body.push(ins);
  };
  for (const c of g.consts) {
    if (c.value.size !== 1 || c.value.shape.length !== 0 || !isFloat(c.value.dtype)) return null;
    define(c.v, { op: "const", value: (c.value as ConcreteTensor).item() });
  }
  for (const node of g.nodes) {
    if (node.output.dtype !== dtype) return null;
    if (UNARY.has(node.primitive) && node.inputs.length === 1) {
      define(node.output, { op: node.primitive, args: [ref(node.inputs[0])] } as FusedInstr);
    } else if (BINARY.has(node.primitive) && node.inputs.length === 2) {
      define(node.output, { op: node.primitive, args: [ref(node.inputs[0]), ref(node.inputs[1])] } as FusedInstr);
    } else {
      return null;
    }
  }
  // Every result must have the arguments' full shape (a scalar result would need broadcasting).
  if (g.outputs.some((v) => v.dtype !== dtype || (anyFull && v.shape.length === 0))) return null;
  const scalarInputs = args.map((a) => a.shape.length === 0);
  const outputs = g.outputs.map(ref);
  // Constants are read at run time, so programs that differ only in them share one kernel.
  const shapeOnly = body.map((ins) => (ins.op === "const" ? "c" : ins));
  const key = JSON.stringify([scalarInputs, shapeOnly, outputs]);
  return { program: Object.freeze({ scalarInputs, body, outputs, key }), outTree: g.outTree };
}
