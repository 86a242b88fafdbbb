/**
 * What the recurrent layers share: the `RecurrentLayer` type (a `Layer`
 * plus `run`, `cell`, `zeroState`) and the one loop over time that `rnn`,
 * `lstm` and `gru` are built from, given a cell's gate count, state fields
 * and step.
 *
 * @module
 */
import type { FloatDType } from "../core/dtype.ts";
import { DTypeError, ShapeError, ValueError } from "../core/errors.ts";
import { zeros } from "../core/creation.ts";
import { reshape, slice, stack } from "../core/ops/mod.ts";
import { split, uniform } from "../core/random/mod.ts";
import { formatShape, type Shape } from "../core/shape.ts";
import type { Tensor } from "../core/tensor.ts";
import { type Layer, statelessLayer } from "./layer.ts";
import { checkParams, checkState, type HiddenState, inputProjection, type RecurrentParams } from "./recurrent_cells.ts";

/**
 * Options of `run`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { layers, ones, random } from "../mod.ts";
 * const layer = layers.rnn(2);
 * const { params } = layer.init(random.key(0), [1, 4, 3]);
 * const opts: layers.RecurrentRunOptions<layers.HiddenState> = { initialState: { h: ones([1, 2]) } };
 * assert.deepEqual(layer.run(params, ones([1, 4, 3]), opts).outputs.shape, [1, 4, 2]);
 * ```
 */
export interface RecurrentRunOptions<S> {
  /** The state before the first step (default zeros); each tensor `[batch, units]`. */
  readonly initialState?: S;
}

/**
 * What `run` returns.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { layers, ones, random } from "../mod.ts";
 * const layer = layers.lstm(2);
 * const { params } = layer.init(random.key(0), [1, 4, 3]);
 * const r: layers.RecurrentRunResult<layers.LstmState> = layer.run(params, ones([1, 4, 3]));
 * assert.deepEqual([r.outputs.shape, r.finalState.c.shape], [[1, 4, 2], [1, 2]]);
 * ```
 */
export interface RecurrentRunResult<S> {
  /** The hidden state after every step, `[batch, time, units]`. */
  readonly outputs: Tensor;
  /** The state after the last step (the initial state for an empty sequence). */
  readonly finalState: S;
}

/**
 * A recurrent layer: a `Layer` over `[batch, time, features]` whose `apply`
 * returns the outputs `[batch, time, units]`, plus `run` (outputs and final
 * state, from an optional initial state), `cell` (one step) and `zeroState`.
 *
 * @example One step by hand is one step of the layer
 * ```ts
 * import assert from "node:assert/strict";
 * import { layers, random, reshape } from "../mod.ts";
 * const layer: layers.RecurrentLayer<layers.HiddenState> = layers.gru(3);
 * const { params } = layer.init(random.key(0), [2, 1, 4]);
 * const x = random.normal(random.key(1), [2, 1, 4]);
 * const byHand = layer.cell(params, reshape(x, [2, 4]), layer.zeroState(2));
 * assert.deepEqual(layer.run(params, x).finalState.h.toArray(), byHand.h.toArray());
 * assert.equal(layer.units, 3);
 * ```
 */
export interface RecurrentLayer<S extends HiddenState> extends Layer<RecurrentParams, Record<string, never>> {
  /** The hidden size. */
  readonly units: number;
  /** Runs the sequence `x` from `initialState` (default zeros). */
  run(params: RecurrentParams, x: Tensor, opts?: RecurrentRunOptions<S>): RecurrentRunResult<S>;
  /** One step: the state after input `x` `[batch, features]`. */
  cell(params: RecurrentParams, x: Tensor, state: S): S;
  /** The all-zeros state for `batch` sequences. */
  zeroState(batch: number, dtype?: FloatDType): S;
}

/** @internal What a recurrent layer is made of. */
export interface RecurrentSpec<S extends HiddenState> {
  readonly name: string;
  readonly units: number;
  readonly gates: number;
  readonly stateNames: readonly (keyof S & string)[];
  readonly dtype: FloatDType;
  readonly recur: (p: RecurrentParams, wx: Tensor, s: S) => S;
  readonly cell: (p: RecurrentParams, x: Tensor, s: S) => S;
}

/** @internal `units` must be a positive integer. */
export const checkUnits = (op: string, units: number): void => {
  if (!Number.isSafeInteger(units) || units < 1) {
    throw new ValueError(op, `units must be a positive integer, got ${units}`);
  }
};

/** @internal A sequence shape must be `[batch, time, features]`. */
export const checkSequenceShape = (op: string, shape: Shape, what: string): void => {
  if (shape.length !== 3) {
    throw new ShapeError(op, `expects ${what} [batch, time, features] of rank 3, got shape ${formatShape(shape)}`);
  }
};

/** @internal The layer of a cell: init (PyTorch's), the loop over time, apply = the outputs. */
export const recurrentLayer = <S extends HiddenState>(spec: RecurrentSpec<S>): RecurrentLayer<S> => {
  const { name, units, gates, stateNames, recur } = spec;
  const zeroState = (batch: number, dtype: FloatDType = spec.dtype): S =>
    Object.fromEntries(stateNames.map((k) => [k, zeros([batch, units], { dtype })])) as unknown as S;

  const run = (p: RecurrentParams, x: Tensor, opts: RecurrentRunOptions<S> = {}): RecurrentRunResult<S> => {
    checkParams(name, p, gates, units);
    checkSequenceShape(name, x.shape, "an input");
    const [batch, time, features] = x.shape;
    if (features !== p.wIh.shape[0]) {
      throw new ShapeError(
        name,
        `input ${formatShape(x.shape)} has ${features} features, but the parameters were made for ${
          p.wIh.shape[0]
        } (wIh ${formatShape(p.wIh.shape)})`,
      );
    }
    if (x.dtype !== p.wIh.dtype) {
      throw new DTypeError(name, `input is ${x.dtype} but the parameters are ${p.wIh.dtype}; cast one of them`);
    }
    const s0 = opts.initialState ?? zeroState(batch, p.wIh.dtype as FloatDType);
    checkState(name, "initialState", s0 as unknown as Record<string, Tensor>, stateNames, batch, units, x.dtype);
    // Each step projects its own input. Projecting all steps in one
    // [time·batch, in] matmul and slicing it per step saves little forward,
    // but every slice's backward pass pads its cotangent to the whole
    // projection and adds it up: O(time²·batch·G·units) work. For the LSTM
    // of bench/rnn_cnn_step.ts (time 32) that made a training step 2.6–5×
    // slower on OpenBLAS and 1.2–2.1× on the TypeScript backend. (A split
    // whose backward pass is one concat would make the single matmul pay.)
    // Written as one `scan` (bench/rnn_cnn_step.ts, ms a step) it measured the same on OpenBLAS (Deno 82–97
    // against 80–107, Bun 97 against 98) and slower on the TS backend (Deno 324–404 against 234–268): scan's
    // reverse mode recomputes every step's forward pass from the saved carries, and TS matmuls are dear.
    let s = s0;
    const hs: Tensor[] = [];
    for (let t = 0; t < time; t++) {
      const xt = reshape(slice(x, [null, t]), [batch, features]);
      s = recur(p, inputProjection(p, xt), s);
      hs.push(s.h);
    }
    const outputs = time === 0 ? zeros([batch, 0, units], { dtype: x.dtype }) : stack(hs, 1);
    return { outputs, finalState: s };
  };

  const layer = statelessLayer<RecurrentParams>({
    name,
    init: (key, inputShape) => {
      checkSequenceShape(name, inputShape, "inputs");
      const [batch, time, features] = inputShape;
      if (!Number.isSafeInteger(features) || features < 1) {
        throw new ShapeError(name, `inputs ${formatShape(inputShape)} need a positive number of features`);
      }
      const bound = 1 / Math.sqrt(units);
      const range = { dtype: spec.dtype, minval: -bound, maxval: bound };
      const [k1, k2, k3, k4] = split(key, 4);
      const params: RecurrentParams = {
        wIh: uniform(k1, [features, gates * units], range),
        wHh: uniform(k2, [units, gates * units], range),
        bIh: uniform(k3, [gates * units], range),
        bHh: uniform(k4, [gates * units], range),
      };
      return { params, state: {}, outputShape: [batch, time, units] };
    },
    apply: (p, x) => run(p, x).outputs,
  });
  return { ...layer, units, run, cell: spec.cell, zeroState };
};
