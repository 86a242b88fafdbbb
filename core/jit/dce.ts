/**
 * Dead-code elimination: a compiled program keeps only the nodes its
 * outputs depend on. Primitives are pure, so a node whose value nobody
 * reads can go, and so can the constants only it used. Under omnistaging
 * a traced function records every op it applies, including work whose
 * result it then drops (a loss computed for logging and not returned).
 *
 * @module
 */
import { type Graph, type GraphNode, makeGraph, outputsOf } from "../transforms/graph.ts";

/**
 * `g` without the nodes and constants its outputs do not depend on; the
 * order of what is kept is unchanged.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { exp, neg, tensor, trace } from "../../mod.ts";
 * import { eliminateDeadCode } from "./dce.ts";
 * const g = trace((x) => { exp(x); return neg(x); }, tensor([1]));
 * assert.deepEqual(eliminateDeadCode(g).nodes.map((n) => n.primitive), ["neg"]);
 * ```
 */
export const eliminateDeadCode = (g: Graph): Graph => {
  const live = new Set<number>(g.outputs.map((v) => v.id));
  const kept: GraphNode[] = [];
  for (let i = g.nodes.length - 1; i >= 0; i--) {
    const n = g.nodes[i];
    if (!outputsOf(n).some((v) => live.has(v.id))) continue;
    kept.push(n);
    for (const v of n.inputs) live.add(v.id);
  }
  kept.reverse();
  return makeGraph({ ...g, consts: g.consts.filter((c) => live.has(c.v.id)), nodes: kept });
};
