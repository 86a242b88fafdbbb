/**
 * What a layer is: a pair of pure functions over a parameter tree, and the
 * one documented way state (batch-norm running statistics) moves.
 *
 * - `init(key, inputShape)` returns `{ params, state, outputShape }`; both
 *   trees hold tensors only (sizes and options live in the closure, as
 *   Equinox's static fields do), so `tree.map`, optimizers and checkpoints
 *   work on any model unchanged. `inputShape` includes the batch axis.
 * - `apply(params, x, ctx?)` returns the output tensor. For a stateless
 *   layer that is all there is: no empty state to thread.
 * - **State**: a stateful layer (`stateful: true`) is run with
 *   `applyWithState(params, state, x, ctx?)`, which returns `[y, newState]`,
 *   a new tree; nothing is mutated. Every layer has `applyWithState` (a
 *   stateless one returns its state unchanged), so containers such as
 *   `sequential` thread state through any mix of layers. Calling `apply` on a
 *   stateful layer is a `ValueError` that says to use `applyWithState`.
 * - `ctx` carries `training` (default false) and a PRNG `key` for layers
 *   that draw randomness (dropout); `sequential` splits the key per layer.
 *
 * @module
 */
import { ValueError } from "../core/errors.ts";
import type { Key } from "../core/random/key.ts";
import type { Shape } from "../core/shape.ts";
import type { Tensor } from "../core/tensor.ts";
import type { Tree } from "../core/tree/types.ts";

/**
 * What `apply` may be told about the call.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { random } from "../mod.ts";
 * import type { ApplyContext } from "./layer.ts";
 * const ctx: ApplyContext = { training: true, key: random.key(0) };
 * assert.equal(ctx.training, true);
 * ```
 */
export interface ApplyContext {
  /** Training mode (dropout on, batch statistics); default false. */
  readonly training?: boolean;
  /** Randomness for this call (dropout masks); containers split it per layer. */
  readonly key?: Key;
}

/**
 * What `init` returns.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { zeros } from "../mod.ts";
 * import type { InitResult } from "./layer.ts";
 * const r: InitResult = { params: { w: zeros([2, 3]) }, state: {}, outputShape: [1, 3] };
 * assert.deepEqual(r.outputShape, [1, 3]);
 * ```
 */
export interface InitResult<P extends Tree = Tree, S extends Tree = Tree> {
  /** The trainable parameters (tensors only). */
  readonly params: P;
  /** The non-trainable state (running statistics), `{}` when there is none. */
  readonly state: S;
  /** The shape `apply` returns for an input of `inputShape`. */
  readonly outputShape: Shape;
}

/**
 * A layer: `init` and `apply`, pure functions; see the module doc for state.
 *
 * @example A layer written by hand
 * ```ts
 * import assert from "node:assert/strict";
 * import { mul, tensor, type Tensor } from "../mod.ts";
 * import { type Layer, statelessLayer } from "./layer.ts";
 * const double: Layer = statelessLayer({
 *   name: "double",
 *   init: (_key, shape) => ({ params: {}, state: {}, outputShape: shape }),
 *   apply: (_p, x: Tensor) => mul(x, 2),
 * });
 * assert.deepEqual(double.apply({}, tensor([1, 2])).toArray(), [2, 4]);
 * ```
 */
export interface Layer<P extends Tree = Tree, S extends Tree = Tree> {
  /** A short name for summaries and errors (`dense`, `conv2d`, …). */
  readonly name: string;
  /** True when the layer has state that `applyWithState` updates. */
  readonly stateful: boolean;
  /** Makes the parameters and state for inputs of `inputShape` (batch axis included). */
  init(key: Key, inputShape: Shape): InitResult<P, S>;
  /** The output for `x`; a `ValueError` for a stateful layer (use `applyWithState`). */
  apply(params: P, x: Tensor, ctx?: ApplyContext): Tensor;
  /** The output for `x` and the new state (the old one, for a stateless layer). */
  applyWithState(params: P, state: S, x: Tensor, ctx?: ApplyContext): readonly [Tensor, S];
  /** The layers inside a container (for `summary`); absent for a leaf layer. */
  readonly children?: readonly Layer[];
}

/**
 * Builds a stateless layer from its name, `init` and `apply`; fills in
 * `applyWithState` (returns the state it is given).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { zeros } from "../mod.ts";
 * import { statelessLayer } from "./layer.ts";
 * const id = statelessLayer({
 *   name: "id",
 *   init: (_k, s) => ({ params: {}, state: {}, outputShape: s }),
 *   apply: (_p, x) => x,
 * });
 * assert.equal(id.stateful, false);
 * assert.deepEqual(id.applyWithState({}, {}, zeros([2]))[1], {});
 * ```
 */
export const statelessLayer = <P extends Tree, S extends Tree = Record<string, never>>(
  spec: {
    readonly name: string;
    readonly init: (key: Key, inputShape: Shape) => InitResult<P, S>;
    readonly apply: (params: P, x: Tensor, ctx?: ApplyContext) => Tensor;
    readonly children?: readonly Layer[];
  },
): Layer<P, S> => ({
  name: spec.name,
  stateful: false,
  init: spec.init,
  apply: spec.apply,
  applyWithState: (params, state, x, ctx) => [spec.apply(params, x, ctx), state],
  ...(spec.children === undefined ? {} : { children: spec.children }),
});

/**
 * Builds a stateful layer from its name, `init` and `applyWithState`;
 * `apply` throws a `ValueError` naming the layer and saying what to call.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { add, scalar, zeros } from "../mod.ts";
 * import { statefulLayer } from "./layer.ts";
 * const counter = statefulLayer({
 *   name: "counter",
 *   init: (_k, s) => ({ params: {}, state: { n: scalar(0) }, outputShape: s }),
 *   applyWithState: (_p, st, x) => [x, { n: add(st.n, 1) }],
 * });
 * const [, st] = counter.applyWithState({}, { n: scalar(0) }, zeros([1]));
 * assert.equal(st.n.item(), 1);
 * assert.throws(() => counter.apply({}, zeros([1])), /applyWithState/);
 * ```
 */
export const statefulLayer = <P extends Tree, S extends Tree>(
  spec: {
    readonly name: string;
    readonly init: (key: Key, inputShape: Shape) => InitResult<P, S>;
    readonly applyWithState: (params: P, state: S, x: Tensor, ctx?: ApplyContext) => readonly [Tensor, S];
    readonly children?: readonly Layer[];
  },
): Layer<P, S> => ({
  name: spec.name,
  stateful: true,
  init: spec.init,
  apply: () => {
    throw new ValueError(
      spec.name,
      "this layer has state (e.g. running statistics): call applyWithState(params, state, x, ctx), " +
        "which returns [output, newState]",
    );
  },
  applyWithState: spec.applyWithState,
  ...(spec.children === undefined ? {} : { children: spec.children }),
});
