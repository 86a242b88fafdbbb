/**
 * What a primitive is: one operation with its shape rule, its kernel call,
 * and its two derivative rules, declared together (as JAX does). Rules are
 * written with other ops, so every derivative is differentiable again.
 *
 * @module
 */
import type { Backend, Buf } from "../backends/backend.ts";
import type { Aval, ConcreteTensor, Tensor } from "./tensor.ts";

/** A primitive's attributes (axes, permutation, …): plain, printable data. */
export type Params = Readonly<Record<string, unknown>>;

/**
 * One primitive operation.
 *
 * - `abstractEval` checks the inputs and says the output's shape and dtype;
 *   it is where shape and dtype errors come from.
 * - `impl` runs the backend kernel on concrete inputs.
 * - `jvp` maps input tangents (`null` = a symbolic zero) to the output's
 *   tangent (`null` when it is zero).
 * - `vjp` maps the output's cotangent `g` to one cotangent per input;
 *   `needs[i]` is false when input `i` needs none, and then the rule may
 *   return `null` for it and skip the work.
 */
export interface Primitive<P extends Params = Params> {
  /** Unique name, shown in graphs and errors. */
  readonly name: string;
  /** Checks the inputs and gives the output's shape and dtype. */
  abstractEval(inputs: readonly Aval[], params: P): Aval;
  /** Runs the kernel on concrete inputs. */
  impl(backend: Backend, inputs: readonly ConcreteTensor[], params: P, out: Aval): Buf;
  /** The output's tangent from the inputs' tangents (`null`: zero). */
  jvp(primals: readonly Tensor[], tangents: readonly (Tensor | null)[], out: Tensor, params: P): Tensor | null;
  /**
   * The batching rule (for `vmap`): applies the primitive to inputs that
   * carry an extra batch axis — `dims[i]` is input i's batch axis, or `null`
   * when it is not batched (at least one is) — and returns the output with
   * its batch axis (`null`: the output does not depend on the batch). `size`
   * is the batch size.
   */
  batch(
    args: readonly Tensor[],
    dims: readonly (number | null)[],
    params: P,
    size: number,
  ): readonly [Tensor, number | null];
  /**
   * Optional: how a reverse-mode trace (`grad`, `vjp`) applies this
   * primitive when the default (evaluate it, then its `vjp` rule from the
   * inputs and output) does not fit — a custom rule (`customVjp`) runs its
   * own forward pass and records its own backward rule. `trace` is the
   * running reverse-mode trace (the core's `VjpTrace`). Returns the traced
   * output.
   */
  processVjp?(trace: object, args: readonly Tensor[], params: P): Tensor;
  /** The inputs' cotangents from the output's cotangent `g`. */
  vjp(
    g: Tensor,
    primals: readonly Tensor[],
    out: Tensor,
    params: P,
    needs: readonly boolean[],
  ): readonly (Tensor | null)[];
}

/**
 * A primitive with several outputs (a loop, a compiled call), each a
 * tensor. Its rules work on all outputs at once:
 *
 * - `impl` runs on concrete inputs with no transform running, and may apply
 *   other primitives (a loop runs its body);
 * - `jvp` gives the outputs and their tangents together (`null`: zero),
 *   as a loop's forward-mode rule is a loop over the body's JVP;
 * - `vjp` maps the outputs' cotangents (`null`: zero) to one per input;
 * - `batch` gives the outputs and each one's batch axis.
 */
export interface MultiPrimitive<P extends Params = Params> {
  /** Unique name, shown in graphs and errors. */
  readonly name: string;
  /** Tells it apart from a {@link Primitive}. */
  readonly multipleResults: true;
  /** Checks the inputs and gives each output's shape and dtype (at least one output). */
  abstractEval(inputs: readonly Aval[], params: P): Aval[];
  /** Computes the outputs from concrete inputs. */
  impl(inputs: readonly ConcreteTensor[], params: P): Tensor[];
  /** The outputs and their tangents from the inputs and theirs (`null`: zero). */
  jvp(primals: readonly Tensor[], tangents: readonly (Tensor | null)[], params: P): [Tensor[], (Tensor | null)[]];
  /** The inputs' cotangents from the outputs' (`null`: zero); `needs[i]` false: input i needs none. */
  vjp(
    gs: readonly (Tensor | null)[],
    primals: readonly Tensor[],
    outs: readonly Tensor[],
    params: P,
    needs: readonly boolean[],
  ): (Tensor | null)[];
  /** The batching rule: the outputs, with each one's batch axis (`null`: not batched). */
  batch(
    args: readonly Tensor[],
    dims: readonly (number | null)[],
    params: P,
    size: number,
  ): [Tensor[], (number | null)[]];
  /**
   * Optional: how a reverse-mode trace applies the primitive when the
   * default (evaluate it, then `vjp` from the inputs and outputs) would
   * recompute what the forward pass could save (a loop's carries). `trace`
   * is the running `VjpTrace`; returns the traced outputs.
   */
  processVjp?(trace: object, args: readonly Tensor[], params: P): Tensor[];
}

const registry = new Map<string, Primitive>();
const multiRegistry = new Map<string, MultiPrimitive>();

/**
 * Declares a primitive and records it in the registry that the gradient
 * tests walk (so a primitive cannot be added without being tested).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { allPrimitives } from "./primitive.ts";
 * import "../mod.ts";
 * assert.ok(allPrimitives().some((p) => p.name === "exp"));
 * ```
 */
export const definePrimitive = <P extends Params>(p: Primitive<P>): Primitive<P> => {
  if (registry.has(p.name) || multiRegistry.has(p.name)) {
    throw new Error(`definePrimitive: ${p.name} is declared twice`);
  }
  registry.set(p.name, p as unknown as Primitive);
  return p;
};

/**
 * Every declared primitive, in declaration order.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { allPrimitives } from "./primitive.ts";
 * import "../mod.ts";
 * assert.ok(allPrimitives().length > 30);
 * ```
 */
export const allPrimitives = (): readonly Primitive[] => [...registry.values()];

/**
 * Declares a primitive with several outputs (see {@link MultiPrimitive}).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { allMultiPrimitives } from "./primitive.ts";
 * import "../mod.ts";
 * assert.ok(allMultiPrimitives().some((p) => p.name === "scan"));
 * ```
 */
export const defineMultiPrimitive = <P extends Params>(p: MultiPrimitive<P>): MultiPrimitive<P> => {
  if (registry.has(p.name) || multiRegistry.has(p.name)) {
    throw new Error(`defineMultiPrimitive: ${p.name} is declared twice`);
  }
  multiRegistry.set(p.name, p as unknown as MultiPrimitive);
  return p;
};

/**
 * Every declared primitive with several outputs, in declaration order.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { allMultiPrimitives } from "./primitive.ts";
 * import "../mod.ts";
 * assert.ok(allMultiPrimitives().every((p) => p.multipleResults));
 * ```
 */
export const allMultiPrimitives = (): readonly MultiPrimitive[] => [...multiRegistry.values()];
