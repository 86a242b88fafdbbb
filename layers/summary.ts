/**
 * Counting parameters and printing a model summary (Keras's
 * `model.summary()`).
 *
 * @module
 */
import { DendriteError } from "../core/errors.ts";
import { type Key, key as makeKey, split } from "../core/random/mod.ts";
import { formatShape, type Shape } from "../core/shape.ts";
import { Summary } from "./summary_table.ts";
import { Tensor } from "../core/tensor.ts";
import { leaves } from "../core/tree/mod.ts";
import type { Tree } from "../core/tree/types.ts";
import { inputShape as checkInputShape } from "./checks.ts";
import type { Layer } from "./layer.ts";

/**
 * The number of scalars in a parameter (or state) tree: the sum of its
 * tensor leaves' sizes.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { layers, random, zeros } from "../mod.ts";
 * assert.equal(layers.paramCount({ w: zeros([3, 4]), b: zeros([4]) }), 16);
 * const { params } = layers.mlp([64, 1]).init(random.key(0), [1, 10]);
 * assert.equal(layers.paramCount(params), 10 * 64 + 64 + 64 + 1);
 * ```
 */
export const paramCount = (params: Tree): number =>
  leaves<Tensor>(params).reduce((n, t) => n + (t instanceof Tensor ? t.size : 0), 0);

const BYTES: Readonly<Record<string, number>> = { float32: 4, float64: 8, int32: 4, bool: 1 };

const byteCount = (t: Tree): number =>
  leaves<Tensor>(t).reduce((n, x) => n + (x instanceof Tensor ? x.size * BYTES[x.dtype] : 0), 0);

interface Row {
  readonly type: string;
  readonly shape: Shape;
  readonly count: number;
  readonly depth: number;
}

interface Described {
  readonly outputShape: Shape;
  readonly params: Tree;
  readonly state: Tree;
  /** The rows of the layer's children, when they form a chain; empty for a leaf. */
  readonly inner: readonly Row[];
}

/**
 * Initializes `layer` and, when it is a container whose children form a
 * chain (each one's output the next one's input, as in `sequential`) that
 * reproduces the container's output shape and parameter count, the rows of
 * its children. Other containers are shown as one row.
 */
const describe = (layer: Layer, key: Key, shape: Shape, depth: number): Described => {
  const r = layer.init(key, shape);
  const total = paramCount(r.params) + paramCount(r.state);
  const children = layer.children ?? [];
  let inner: Row[] = [];
  if (children.length > 0) {
    try {
      const keys = split(key, children.length);
      let s = shape;
      let sum = 0;
      for (const [i, child] of children.entries()) {
        const d = describe(child, keys[i], s, depth + 1);
        const count = paramCount(d.params) + paramCount(d.state);
        inner.push({ type: child.name, shape: d.outputShape, count, depth: depth + 1 }, ...d.inner);
        s = d.outputShape;
        sum += count;
      }
      if (formatShape(s) !== formatShape(r.outputShape) || sum !== total) inner = [];
    } catch (e) {
      // Children that do not chain (a cell inside a recurrent layer) cannot be shown one by one.
      if (!(e instanceof DendriteError)) throw e;
      inner = [];
    }
  }
  return { outputShape: r.outputShape, params: r.params, state: r.state, inner };
};

/** Keras-style instance names: the first `dense` is `dense`, the next `dense_1`, … */
const namer = () => {
  const seen = new Map<string, number>();
  return (type: string): string => {
    const k = seen.get(type) ?? 0;
    seen.set(type, k + 1);
    return k === 0 ? type : `${type}_${k}`;
  };
};

/**
 * A Keras-style summary of `model` for inputs of `inputShape` (batch axis
 * included): the model's name and input shape, then one row per layer —
 * name (type), output shape, parameter count (state included, as Keras
 * counts batch-norm statistics) — with the layers of a `sequential` (and of
 * containers nested in it, indented) listed one by one, then the totals:
 * total = trainable (params) + non-trainable (state) parameters, each with
 * its size in bytes (units of 1024, as Keras). The result is a `Summary`:
 * the text (what `console.log` prints), the rows and totals as data, and an
 * HTML table in notebooks. The model is initialized
 * with a fixed key to find shapes and counts; its values play no part.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { layers } from "../mod.ts";
 * const { text, totals } = layers.summary(layers.mlp([64, 10]), [32, 784]);
 * assert.equal(totals.total, 50_890);
 * assert.match(text, /^Model: "mlp"/);
 * assert.match(text, /dense \(dense\) +\[32,64\] +50,240/);
 * assert.match(text, /dense_1 \(dense\) +\[32,10\] +650/);
 * assert.match(text, /Total params: 50,890 \(198\.79 KB\)/);
 * assert.match(text, /Non-trainable params: 0 \(0\.00 B\)/);
 * ```
 */
export const summary = (model: Layer, inputShape: Shape): Summary => {
  const s = checkInputShape("summary", inputShape, {});
  const top = describe(model, makeKey(0), s, 0);
  const rows: readonly Row[] = top.inner.length > 0
    ? top.inner
    : [{ type: model.name, shape: top.outputShape, count: paramCount(top.params) + paramCount(top.state), depth: 1 }];
  const name = namer();
  const trainable = paramCount(top.params);
  const fixed = paramCount(top.state);
  const pb = byteCount(top.params);
  const sb = byteCount(top.state);
  return new Summary(
    model.name,
    s,
    rows.map((r) => ({ name: name(r.type), type: r.type, outputShape: r.shape, params: r.count, depth: r.depth })),
    {
      total: trainable + fixed,
      trainable,
      nonTrainable: fixed,
      totalBytes: pb + sb,
      trainableBytes: pb,
      nonTrainableBytes: sb,
    },
  );
};
