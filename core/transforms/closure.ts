/**
 * Closure conversion: tracing a function into a graph whose every input is
 * explicit. The primitives that hold a graph (`scan`'s body, a `jit` call)
 * are transformed by the running transforms only through their inputs, so a
 * value of a running transform that the function closes over (the weights
 * inside `grad`) must become an input; it is returned as `captured`, to be
 * passed before the others.
 *
 * @module
 */
import { keep, madeDuring } from "../memory.ts";
import { markWeak } from "../prims/lift.ts";
import { type Aval, ConcreteTensor, markPermanent, type Tensor } from "../tensor.ts";
import { Tracer } from "../trace.ts";
import { flatten } from "../tree/mod.ts";
import { type Graph, GraphTracer, makeGraph, stage, type Var } from "./graph.ts";

/** A closed graph and the values of running transforms it closed over (its first inputs). */
export interface Closed {
  readonly graph: Graph;
  readonly captured: Tensor[];
}

/**
 * @internal Traces `f` on inputs shaped like `avals` (every op staged) into
 * a graph whose inputs are `[captured…, one per aval…]` (those flagged in
 * `weak` traced as weakly typed scalars, as JS numbers are). The constants
 * made while tracing are made permanent: a program may keep the graph longer
 * than any `tidy` or transform that saw them made (tensors the function
 * closes over stay the caller's, as in `jit`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { exp, type Tensor } from "../../mod.ts";
 * import { traceClosed } from "./closure.ts";
 * const { graph, captured } = traceClosed("f", ([x]: Tensor[]) => [exp(x)], [{ shape: [2], dtype: "float32" }], "");
 * assert.equal(captured.length, 0);
 * assert.deepEqual(graph.nodes.map((n) => n.primitive), ["exp"]);
 * ```
 */
export const traceClosed = (
  label: string,
  f: (ins: Tensor[]) => readonly unknown[],
  avals: readonly Aval[],
  readHint: string,
  weak?: readonly boolean[],
): Closed => {
  const [traced, made] = madeDuring(() =>
    stage({ label, readHint, closeOverTracers: true }, (t) => {
      const inputs: Var[] = avals.map((a) => t.newVar(a));
      const tracers = inputs.map((v, i) => {
        const tr = new GraphTracer(t, v);
        return weak?.[i] === true ? markWeak(tr) : tr;
      });
      const [, inTree] = flatten(tracers);
      return { inputs, inTree, out: f(tracers) };
    })
  );
  for (const c of traced.consts) {
    if (c.value instanceof ConcreteTensor && made.has(c.value)) markPermanent(keep(c.value));
  }
  const captured = traced.consts.filter((c) => c.value instanceof Tracer);
  if (captured.length === 0) return { graph: traced, captured: [] };
  const graph = makeGraph({
    ...traced,
    inputs: [...captured.map((c) => c.v), ...traced.inputs],
    consts: traced.consts.filter((c) => !(c.value instanceof Tracer)),
    inTree: flatten(new Array<number>(captured.length + avals.length).fill(0))[1],
  });
  return { graph, captured: captured.map((c) => c.value) };
};
