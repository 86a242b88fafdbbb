/**
 * The compilation pipeline `jit` runs on a traced graph, and the `scan`
 * primitive on its body: folding, CSE and DCE, then fusion, the buffer plan
 * and the program bound to a backend.
 *
 * @module
 */
import type { Backend } from "../../backends/backend.ts";
import type { Graph } from "../transforms/graph.ts";
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
