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

const registry = new Map<string, Primitive>();

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
  if (registry.has(p.name)) throw new Error(`definePrimitive: ${p.name} is declared twice`);
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
