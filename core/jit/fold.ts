/**
 * Constant folding: a node whose operands are all constants is computed
 * once, when the program is compiled, and becomes a constant itself.
 * Under omnistaging a function's own tensors are staged (`exp(w)` of a
 * closed-over `w` is a node), so this is where work that does not depend on
 * the arguments leaves the per-call program. A node is folded only when its
 * value is no larger than its largest operand (or 1,024 elements), so a
 * `broadcastTo` of a scalar to a large shape stays a cheap node instead of
 * becoming a large constant the program must keep.
 *
 * @module
 */
import { ConcreteTensor, type Tensor } from "../tensor.ts";
import { bind } from "../trace.ts";
import { type Graph, type GraphConst, type GraphNode, makeGraph, primitiveTable } from "../transforms/graph.ts";

const SMALL = 1024;
const sizeOf = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/**
 * `g` with the nodes of constant operands computed. `made` receives each
 * tensor it computes (the compiled program keeps them).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { add, exp, tensor, trace } from "../../mod.ts";
 * import { foldConstants } from "./fold.ts";
 * const w = tensor([0, 1]);
 * const g = foldConstants(trace((x) => add(x, exp(w)), tensor([1, 2])));
 * assert.deepEqual(g.nodes.map((n) => n.primitive), ["add"]);
 * assert.equal(g.consts.length, 2); // w, and exp(w) computed
 * ```
 */
export const foldConstants = (g: Graph, made?: (t: Tensor) => void): Graph => {
  const prims = primitiveTable();
  const known = new Map<number, ConcreteTensor>();
  for (const c of g.consts) if (c.value instanceof ConcreteTensor) known.set(c.v.id, c.value);
  const consts: GraphConst[] = [...g.consts];
  const nodes: GraphNode[] = [];
  for (const n of g.nodes) {
    const values = n.inputs.map((v) => known.get(v.id));
    const largest = Math.max(SMALL, ...n.inputs.map((v) => sizeOf(v.shape)));
    // A primitive with several outputs (a loop) is left to run: its cost is not its outputs' size.
    if (
      n.outputs !== undefined || n.inputs.length === 0 || values.some((x) => x === undefined) ||
      sizeOf(n.output.shape) > largest
    ) {
      nodes.push(n);
      continue;
    }
    const value = bind(prims.get(n.primitive)!, values as ConcreteTensor[], n.params) as ConcreteTensor;
    made?.(value);
    known.set(n.output.id, value);
    consts.push({ v: n.output, value });
  }
  return makeGraph({ ...g, consts, nodes });
};
