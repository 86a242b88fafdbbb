/**
 * A jitted function called inside a transform or another staged function:
 * the `jit` primitive, one call of a traced graph. Eagerly (and when the
 * enclosing program runs) it runs the graph's compiled program; its rules
 * are calls of graphs derived from it, each traced and compiled once and
 * kept with the callee:
 *
 * - forward mode: a call of the graph of `jvp(f)`, giving outputs and tangents;
 * - reverse mode: a call of the graph of `vjp(f)`'s pullback (it recomputes
 *   the forward pass inside, so the backward pass is one compiled program too);
 * - batching: a call of the graph of `vmap(f)`.
 *
 * So `grad(jit(f))` runs two compiled programs, `vmap(jit(f))` one, and
 * `jit(g)` where `g` calls `jit(f)` holds `f` as one node.
 *
 * @module
 */
import { activeBackend } from "../backend_registry.ts";
import { isFloat } from "../dtype.ts";
import { TransformError } from "../errors.ts";
import { defineMultiPrimitive, type MultiPrimitive } from "../primitive.ts";
import { moveToFront } from "../prims/batching.ts";
import { zerosFor } from "../prims/zeros.ts";
import { type Aval, type ConcreteTensor, type Tensor } from "../tensor.ts";
import { bindMulti } from "../trace.ts";
import { traceClosed } from "../transforms/closure.ts";
import type { Graph } from "../transforms/graph.ts";
import { jvp } from "../transforms/jvp.ts";
import { vjp } from "../transforms/vjp.ts";
import { vmap } from "../transforms/vmap.ts";
import { GraphFunction } from "./compile.ts";

const READ_HINT = "a jitted function is traced once for all values of these shapes; use where() to branch on a value";

/** One traced function: its graph, its compiled programs, and the graphs its rules call. */
export class Callee extends GraphFunction {
  readonly #derived = new Map<string, { callee: Callee; captured: Tensor[] }>();

  constructor(readonly name: string, graph: Graph) {
    super(graph);
  }

  /** The callee of `f` over `avals`, traced once per `key` (a rule's graph). */
  derived(key: string, f: (ins: Tensor[]) => Tensor[], avals: readonly Aval[]): { callee: Callee; captured: Tensor[] } {
    let d = this.#derived.get(key);
    if (d === undefined) {
      const { graph, captured } = traceClosed(`${this.name} (${key})`, f, avals, READ_HINT);
      d = { callee: new Callee(`${this.name}.${key.split(":")[0]}`, graph), captured };
      // A rule's graph that closes over values of a running transform is good for this call only.
      if (captured.length === 0) this.#derived.set(key, d);
    }
    return d;
  }

  override toString(): string {
    return this.name;
  }
}

interface CallParams {
  readonly fn: Callee;
  readonly [k: string]: unknown;
}

const avalOf = (t: Aval): Aval => ({ shape: t.shape, dtype: t.dtype });

const callP: MultiPrimitive<CallParams> = defineMultiPrimitive({
  name: "jit",
  multipleResults: true,
  abstractEval: (ins, { fn }) => {
    if (ins.length !== fn.graph.inputs.length) {
      throw new TransformError(fn.name, `internal: ${ins.length} inputs for a graph of ${fn.graph.inputs.length}`);
    }
    return fn.graph.outputs.map(avalOf);
  },

  impl: (ins, { fn }) => fn.program(activeBackend()).run(ins as ConcreteTensor[]),

  jvp: (primals, tangents, { fn }) => {
    const n = primals.length;
    const given = tangents.map((t) => t !== null);
    const outFloat = fn.graph.outputs.map((v) => isFloat(v.dtype));
    const key = `jvp:${given.map(Number).join("")}`;
    const { callee, captured } = fn.derived(key, (ins) => {
      let k = n;
      const ts = ins.slice(0, n).map((p, i) => (given[i] ? ins[k++] : zerosFor(p)));
      const [outs, touts] = jvp((...a: Tensor[]) => fn.call(a), ins.slice(0, n), ts) as [Tensor[], Tensor[]];
      return [...outs, ...touts.filter((_, j) => outFloat[j])];
    }, [...primals, ...tangents.filter((t): t is Tensor => t !== null)].map(avalOf));
    const res = bindMulti(callP, [...captured, ...primals, ...tangents.filter((t): t is Tensor => t !== null)], {
      fn: callee,
    });
    const outs = res.slice(0, outFloat.length);
    let k = outFloat.length;
    return [outs, outFloat.map((f) => (f ? res[k++] : null))];
  },

  vjp: (gs, primals, outs, { fn }, needs) => {
    const n = primals.length;
    const inFloat = primals.map((p, i) => needs[i] && isFloat(p.dtype));
    const key = `vjp:${inFloat.map(Number).join("")}`;
    const { callee, captured } = fn.derived(key, (ins) => {
      const [, pull] = vjp((...a: Tensor[]) => fn.call(a), ...ins.slice(0, n));
      const cts = pull(ins.slice(n)) as Tensor[];
      return cts.filter((_, i) => inFloat[i]);
    }, [...primals, ...outs].map(avalOf));
    const res = bindMulti(callP, [...captured, ...primals, ...outs.map((o, j) => gs[j] ?? zerosFor(o))], {
      fn: callee,
    });
    let k = 0;
    return inFloat.map((f) => (f ? res[k++] : null));
  },

  batch: (args, dims, { fn }, size) => {
    // Batched arguments move their batch axis to the front; the outputs come out batched there.
    const front = args.map((x, i) => (dims[i] === null ? x : moveToFront(x, dims[i]!)));
    const inAxes = dims.map((d) => (d === null ? null : 0));
    const key = `vmap:${size}:${inAxes.map((a) => (a === null ? "n" : "0")).join("")}`;
    const avals = front.map((x, i) => (dims[i] === null ? avalOf(x) : { shape: x.shape.slice(1), dtype: x.dtype }));
    const { callee, captured } = fn.derived(
      key,
      (ins) => vmap((...a: Tensor[]) => fn.call(a), { inAxes, axisSize: size })(...ins) as Tensor[],
      avals.map((a, i) => (dims[i] === null ? a : { shape: [size, ...a.shape], dtype: a.dtype })),
    );
    const outs = bindMulti(callP, [...captured, ...front], { fn: callee });
    return [outs, outs.map(() => 0)];
  },
});

/**
 * @internal Calls `callee` on `ins` (its captured values first) as one
 * node of the running transforms.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { exp, grad, sum, tensor, type Tensor } from "../../mod.ts";
 * import { traceClosed } from "../transforms/closure.ts";
 * import { bindCall, Callee } from "./call.ts";
 * const { graph } = traceClosed("f", ([x]: Tensor[]) => [sum(exp(x))], [{ shape: [2], dtype: "float64" }], "");
 * const f = new Callee("jit(f)", graph);
 * const g = grad((x: Tensor) => bindCall(f, [x])[0])(tensor([0, 0], { dtype: "float64" }));
 * assert.deepEqual(g.toArray(), [1, 1]);
 * ```
 */
export const bindCall = (callee: Callee, ins: readonly Tensor[]): Tensor[] => bindMulti(callP, ins, { fn: callee });
