/**
 * The compilation pipeline `jit` runs on a traced graph, and the `scan`
 * primitive on its body: folding, CSE and DCE, then fusion, the buffer plan
 * and the program bound to a backend.
 *
 * @module
 */
import type { Backend } from "../../backends/backend.ts";
import type { Tensor } from "../tensor.ts";
import { evalGraph, type Graph } from "../transforms/graph.ts";
import { eliminateCommonSubexpressions } from "./cse.ts";
import { eliminateDeadCode } from "./dce.ts";
import { foldConstants } from "./fold.ts";
import { fuseElementwise, type Step } from "./fusion.ts";
import { type BufferPlan, planBuffers } from "./plan.ts";
import { compileProgram, type Program } from "./program.ts";

/** A compiled graph: the optimized graph, its steps, their plan, and the program. */
export interface Compiled {
  readonly graph: Graph;
  readonly steps: readonly Step[];
  readonly plan: BufferPlan;
  readonly program: Program;
}

/**
 * @internal Runs every pass over `traced` and binds the result to `backend`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { add, exp, tensor, trace } from "../../mod.ts";
 * import { activeBackend } from "../backend_registry.ts";
 * import type { ConcreteTensor } from "../tensor.ts";
 * import { compileGraph } from "./compile.ts";
 * const c = compileGraph(trace((x) => add(exp(x), exp(x)), tensor([0])), activeBackend());
 * assert.equal(c.graph.nodes.length, 2); // exp once
 * assert.deepEqual(c.program.run([tensor([0]) as ConcreteTensor])[0].toArray(), [2]);
 * ```
 */
export const compileGraph = (traced: Graph, backend: Backend): Compiled => {
  const graph = eliminateDeadCode(eliminateCommonSubexpressions(foldConstants(traced)));
  const steps = fuseElementwise(graph);
  const plan = planBuffers(steps, graph.outputs);
  return { graph, steps, plan, program: compileProgram(graph, steps, plan, backend) };
};

/**
 * A graph held by a primitive (a loop body, a jitted callee): applied op by
 * op under the running transforms (`call`), or run as its program, compiled
 * once per backend (`program`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { exp, tensor, trace } from "../../mod.ts";
 * import { activeBackend } from "../backend_registry.ts";
 * import type { ConcreteTensor } from "../tensor.ts";
 * import { GraphFunction } from "./compile.ts";
 * const f = new GraphFunction(trace((x) => [exp(x)], tensor([0])));
 * assert.deepEqual(f.call([tensor([0])])[0].toArray(), [1]);
 * assert.equal(f.program(activeBackend()), f.program(activeBackend())); // compiled once
 * ```
 */
export class GraphFunction {
  readonly #programs = new Map<Backend, Program>();

  constructor(readonly graph: Graph) {}

  /** The graph applied to `ins` by binding its primitives (so the running transforms see them). */
  call(ins: readonly Tensor[]): Tensor[] {
    return evalGraph(this.graph, ...ins) as Tensor[];
  }

  /** The graph compiled for `backend`. */
  program(backend: Backend): Program {
    let p = this.#programs.get(backend);
    if (p === undefined) this.#programs.set(backend, p = compileGraph(this.graph, backend).program);
    return p;
  }
}
