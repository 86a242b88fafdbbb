/**
 * `sequential`: layers applied one after the other, and `functionLayer`,
 * which makes a plain function `x → y` a parameterless layer (so
 * activations sit in a container as they are).
 *
 * @module
 */
import { ValueError } from "../core/errors.ts";
import { type Key, split } from "../core/random/mod.ts";
import type { Shape } from "../core/shape.ts";
import type { Tensor } from "../core/tensor.ts";
import type { Tree } from "../core/tree/types.ts";
import { inputShape } from "./checks.ts";
import { type ApplyContext, type InitResult, type Layer, statefulLayer, statelessLayer } from "./layer.ts";
import { outputShapeOf } from "./shape_of.ts";

/** What `sequential` accepts: a layer, or a plain function `x → y` (a parameterless layer). */
// deno-lint-ignore no-explicit-any
export type SequentialItem = Layer<any, any> | ((x: Tensor) => Tensor);

/** The params of one `sequential` item: a layer's own, `{}` for a function. */
// deno-lint-ignore no-explicit-any
export type ItemParams<I> = I extends Layer<infer P, any> ? P : Record<string, never>;

/** The params of a `sequential` of `Items`: one entry per item, typed per item when the items are a literal list. */
export type SequentialParams<Items extends readonly SequentialItem[]> = {
  readonly [K in keyof Items]: ItemParams<Items[K]>;
};

/** Options of `sequential`. */
export interface SequentialOptions {
  /** The container's name in summaries and errors (default `"sequential"`). */
  readonly name?: string;
}

/**
 * A parameterless layer from a function `x → y`, named `name` (default the
 * function's own name, or `"function"`). Its `init` finds the output shape by
 * tracing `f` on a symbolic input (nothing is computed), so `f` must not
 * read tensor values. `sequential` wraps plain functions with it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { layers, mul, random, tensor, type Tensor } from "../mod.ts";
 * const double = layers.functionLayer((x: Tensor) => mul(x, 2), "double");
 * const { params, outputShape } = double.init(random.key(0), [2]);
 * assert.deepEqual([params, outputShape, double.name], [{}, [2], "double"]);
 * assert.deepEqual(double.apply(params, tensor([1, 2])).toArray(), [2, 4]);
 * ```
 */
export const functionLayer = (f: (x: Tensor) => Tensor, name?: string): Layer<Record<string, never>> => {
  if (typeof f !== "function") throw new ValueError("functionLayer", `expected a function x → y, got ${typeof f}`);
  const label = name ?? (f.name !== "" ? f.name : "function");
  return statelessLayer({
    name: label,
    init: (_key, shape) => ({ params: {}, state: {}, outputShape: outputShapeOf(f, inputShape(label, shape, {})) }),
    apply: (_params, x) => f(x),
  });
};

const isLayer = (x: unknown): x is Layer =>
  typeof x === "object" && x !== null && typeof (x as Layer).init === "function" &&
  typeof (x as Layer).apply === "function" && typeof (x as Layer).applyWithState === "function";

const asLayer = (item: unknown, i: number): Layer => {
  if (isLayer(item)) return item;
  if (typeof item === "function") return functionLayer(item as (x: Tensor) => Tensor);
  throw new ValueError("sequential", `item ${i} is neither a layer nor a function x → y (got ${typeof item})`);
};

const perLayer = (op: string, what: string, t: unknown, n: number): readonly Tree[] => {
  if (!Array.isArray(t) || t.length !== n) {
    const got = Array.isArray(t) ? `an array of ${t.length}` : typeof t;
    throw new ValueError(op, `${what} must be an array of ${n} entries, one per layer (from init), got ${got}`);
  }
  return t;
};

/** One key per layer (split from `key`), or none when there is no key. */
const keysFor = (key: Key | undefined, n: number): (Key | undefined)[] =>
  key === undefined ? new Array(n).fill(undefined) : split(key, n);

const ctxFor = (ctx: ApplyContext | undefined, key: Key | undefined): ApplyContext | undefined =>
  key === undefined ? ctx : { ...ctx, key };

/**
 * Layers applied in order: layer `i + 1` gets layer `i`'s output. Items are
 * layers or plain functions `x → y` (parameterless layers, as
 * `functionLayer` makes them). Params are an array with one entry per item
 * (`{}` for functions). `init`'s key, and `ctx.key` when given, are split
 * into one key per item (`random.split(key, n)[i]` for item `i`), so a
 * dropout layer draws its own mask. The container is stateful when any item
 * is: then its state is an array with one entry per item, threaded through
 * `applyWithState`; otherwise its state is `{}` and `apply` suffices.
 *
 * @example An MLP with a ReLU between its layers
 * ```ts
 * import assert from "node:assert/strict";
 * import { layers, random, zeros } from "../mod.ts";
 * const model = layers.sequential([layers.dense(4), layers.relu, layers.dense(1)]);
 * const { params, outputShape } = model.init(random.key(0), [10, 3]);
 * assert.equal(params.length, 3);
 * assert.deepEqual(params[1], {});
 * assert.deepEqual(outputShape, [10, 1]);
 * assert.deepEqual(model.apply(params, zeros([10, 3])).shape, [10, 1]);
 * assert.deepEqual(model.children?.map((l) => l.name), ["dense", "relu", "dense"]);
 * ```
 */
export const sequential = <const Items extends readonly SequentialItem[]>(
  items: Items,
  opts: SequentialOptions = {},
): Layer<SequentialParams<Items> & readonly Tree[], Tree> => {
  if (!Array.isArray(items)) throw new ValueError("sequential", `expected an array of layers, got ${typeof items}`);
  const name = opts.name ?? "sequential";
  const children = items.map(asLayer);
  const n = children.length;
  const stateful = children.some((l) => l.stateful);

  type P = SequentialParams<Items> & readonly Tree[];
  const init = (key: Key, shape: Shape): InitResult<P, Tree> => {
    let s = inputShape(name, shape, {});
    const params: Tree[] = [];
    const states: Tree[] = [];
    const keys = split(key, n);
    children.forEach((layer, i) => {
      const r = layer.init(keys[i], s);
      params.push(r.params);
      states.push(r.state);
      s = r.outputShape;
    });
    // One entry per item, in order: the shape SequentialParams describes.
    return { params: params as unknown as P, state: stateful ? states : {}, outputShape: s };
  };

  if (!stateful) {
    return statelessLayer<P, Tree>({
      name,
      children,
      init,
      apply: (params, x, ctx) => {
        const ps = perLayer(name, "params", params, n);
        const keys = keysFor(ctx?.key, n);
        return children.reduce((y, layer, i) => layer.apply(ps[i], y, ctxFor(ctx, keys[i])), x);
      },
    });
  }
  return statefulLayer<P, Tree>({
    name,
    children,
    init,
    applyWithState: (params, state, x, ctx) => {
      const ps = perLayer(name, "params", params, n);
      const ss = perLayer(name, "state", state, n);
      const keys = keysFor(ctx?.key, n);
      const next: Tree[] = [];
      let y = x;
      children.forEach((layer, i) => {
        const [out, s] = layer.applyWithState(ps[i], ss[i], y, ctxFor(ctx, keys[i]));
        next.push(s);
        y = out;
      });
      return [y, next];
    },
  });
};
