/**
 * Common-subexpression elimination: two nodes that apply the same
 * primitive with the same attributes to the same values compute the same
 * value (primitives are pure and deterministic), so the later one is
 * dropped and its readers read the earlier one. Scalar constants of equal
 * dtype and value (the `2` of `mul(x, 2)` met twice) become one constant
 * first, so nodes that use them merge too. A `grad` traced into a program
 * recomputes forward values its rules need (the `exp` of a softmax, a
 * transpose of a weight); this is where those meet.
 *
 * @module
 */
import { SHORT_DTYPE } from "../dtype.ts";
import { ConcreteTensor } from "../tensor.ts";
import { type Graph, type GraphConst, type GraphNode, makeGraph, type Var } from "../transforms/graph.ts";

const ids = new WeakMap<object, number>();
let nextId = 0;
/** Identity of an attribute that is not plain data (a custom rule): equal only to itself. */
const identity = (o: object): number => {
  let id = ids.get(o);
  if (id === undefined) ids.set(o, id = nextId++);
  return id;
};

/** A key equal for equal attributes: -0 and 0 differ, NaN equals NaN, arrays and plain objects compare by element. */
const paramKey = (x: unknown): string => {
  if (typeof x === "number") return Object.is(x, -0) ? "-0" : String(x);
  if (typeof x === "string") return JSON.stringify(x);
  if (x === null || typeof x !== "object" && typeof x !== "function") return String(x);
  if (Array.isArray(x)) return `[${x.map(paramKey).join(",")}]`;
  if (Object.getPrototypeOf(x) === Object.prototype) {
    const o = x as Record<string, unknown>;
    return `{${Object.keys(o).sort().map((k) => `${JSON.stringify(k)}:${paramKey(o[k])}`).join(",")}}`;
  }
  return `#${identity(x as object)}`;
};

/** Equal for scalar constants of one dtype and value; undefined for anything else. */
const scalarKey = (c: GraphConst): string | undefined => {
  if (c.value.size !== 1 || !(c.value instanceof ConcreteTensor)) return undefined;
  const x = c.value.hostData("cse")[0];
  return `${SHORT_DTYPE[c.v.dtype]}[${c.v.shape.join(",")}]=${Object.is(x, -0) ? "-0" : String(x)}`;
};

/**
 * `g` with each repeated computation done once. Only equal nodes are
 * merged: same primitive, same attributes, same operands.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { add, exp, tensor, trace } from "../../mod.ts";
 * import { eliminateCommonSubexpressions } from "./cse.ts";
 * const g = trace((x) => add(exp(x), exp(x)), tensor([1]));
 * assert.deepEqual(eliminateCommonSubexpressions(g).nodes.map((n) => n.primitive), ["exp", "add"]);
 * ```
 */
export const eliminateCommonSubexpressions = (g: Graph): Graph => {
  const rename = new Map<number, Var>();
  const get = (v: Var): Var => rename.get(v.id) ?? v;
  const consts: GraphConst[] = [];
  const scalars = new Map<string, Var>();
  for (const c of g.consts) {
    const key = scalarKey(c);
    const seen = key === undefined ? undefined : scalars.get(key);
    if (seen !== undefined) {
      rename.set(c.v.id, seen);
      continue;
    }
    if (key !== undefined) scalars.set(key, c.v);
    consts.push(c);
  }
  const seen = new Map<string, Var>();
  const nodes: GraphNode[] = [];
  for (const n of g.nodes) {
    const inputs = n.inputs.map(get);
    const key = `${n.primitive}(${inputs.map((v) => v.id).join(",")}){${
      Object.keys(n.params).sort().map((k) => `${k}:${paramKey(n.params[k])}`).join(";")
    }}`;
    const same = n.outputs === undefined ? seen.get(key) : undefined; // several outputs: never merged
    if (same !== undefined) {
      rename.set(n.output.id, same);
      continue;
    }
    seen.set(key, n.output);
    const changed = inputs.some((v, i) => v !== n.inputs[i]);
    nodes.push(changed ? Object.freeze({ ...n, inputs: Object.freeze(inputs) }) : n);
  }
  return makeGraph({ ...g, consts, nodes, outputs: g.outputs.map(get) });
};
