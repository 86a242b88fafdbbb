/**
 * Recurrent layers over sequences `[batch, time, features]`: an Elman RNN
 * (`rnn`), an LSTM (`lstm`) and a GRU (`gru`), with PyTorch's equations,
 * gate layout and initialization (see `recurrent_cells.ts` for the
 * equations and the parameter table).
 *
 * Each is a stateless `Layer` whose `apply(params, x)` returns the output
 * sequence `[batch, time, units]` (the hidden state after every step), so it
 * goes into `sequential` as it is; `lastTimeStep` picks the last step for a
 * head. For the final state, or to start from a given state (a sequence
 * continued in chunks, an encoder's state handed to a decoder), call
 * `run(params, x, { initialState })`, which returns
 * `{ outputs, finalState }`; `finalState` is `{ h }` (RNN, GRU) or
 * `{ h, c }` (LSTM), so `finalState.h` is the last hidden state for all
 * three. The recurrent state is an argument and a result, never a hidden
 * field: the layer's own `state` tree is empty.
 *
 * Initialization is PyTorch's: every weight and bias drawn from
 * `U(−1/√units, 1/√units)`. (Keras uses Glorot-uniform input weights,
 * orthogonal recurrent weights and zero biases with a forget-gate bias of
 * 1; replace `params` after `init` to get that.)
 *
 * @module
 */
import type { FloatDType } from "../core/dtype.ts";
import { ShapeError } from "../core/errors.ts";
import { reshape, slice, tanh } from "../core/ops/mod.ts";
import { formatShape } from "../core/shape.ts";
import type { Tensor } from "../core/tensor.ts";
import {
  gruCell,
  gruRecur,
  type HiddenState,
  lstmCell,
  lstmRecur,
  type LstmState,
  rnnCell,
  rnnRecur,
} from "./recurrent_cells.ts";
import { checkSequenceShape, checkUnits, type RecurrentLayer, recurrentLayer } from "./recurrent_layer.ts";

/**
 * Options of `lstm` and `gru`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { layers, random } from "../mod.ts";
 * const opts: layers.RecurrentOptions = { dtype: "float64" };
 * assert.equal(layers.lstm(2, opts).init(random.key(0), [1, 1, 1]).params.wHh.dtype, "float64");
 * ```
 */
export interface RecurrentOptions {
  /** The parameters' dtype (default `float32`). */
  readonly dtype?: FloatDType;
}

/**
 * Options of `rnn`.
 *
 * @example PyTorch's `nn.RNN(nonlinearity="relu")`
 * ```ts
 * import assert from "node:assert/strict";
 * import { layers, random, relu } from "../mod.ts";
 * const opts: layers.RnnOptions = { activation: relu };
 * const layer = layers.rnn(4, opts);
 * const { params } = layer.init(random.key(0), [2, 3, 1]);
 * const y = layer.apply(params, random.normal(random.key(1), [2, 3, 1]));
 * assert.ok([...y.toTypedArray()].every((v) => v >= 0));
 * ```
 */
export interface RnnOptions extends RecurrentOptions {
  /** The nonlinearity (default `tanh`; PyTorch also offers `relu`). */
  readonly activation?: (x: Tensor) => Tensor;
}

/**
 * An Elman RNN over `[batch, time, features]` (PyTorch's `nn.RNN`, one
 * layer): `h_t = act(x_t·wIh + bIh + h_{t−1}·wHh + bHh)`; `apply` returns
 * every `h_t`, `[batch, time, units]`.
 *
 * @example Final state, and a sequence continued from it
 * ```ts
 * import assert from "node:assert/strict";
 * import { layers, random, slice } from "../mod.ts";
 * const layer = layers.rnn(8);
 * const { params, outputShape } = layer.init(random.key(0), [2, 5, 3]);
 * assert.deepEqual(outputShape, [2, 5, 8]);
 * const x = random.normal(random.key(1), [2, 5, 3]);
 * const { outputs, finalState } = layer.run(params, x);
 * assert.deepEqual(outputs.shape, [2, 5, 8]);
 * const firstHalf = layer.run(params, slice(x, [null, { stop: 2 }]));
 * const rest = layer.run(params, slice(x, [null, { start: 2 }]), { initialState: firstHalf.finalState });
 * assert.deepEqual(rest.finalState.h.toArray(), finalState.h.toArray());
 * ```
 */
export const rnn = (units: number, opts: RnnOptions = {}): RecurrentLayer<HiddenState> => {
  checkUnits("rnn", units);
  const act = opts.activation ?? tanh;
  return recurrentLayer<HiddenState>({
    name: "rnn",
    units,
    gates: 1,
    stateNames: ["h"],
    dtype: opts.dtype ?? "float32",
    recur: (p, wx, s) => rnnRecur(p, wx, s, act),
    cell: (p, x, s) => rnnCell(p, x, s, { activation: act }),
  });
};

/**
 * An LSTM over `[batch, time, features]` (PyTorch's `nn.LSTM`, one layer;
 * gates `i, f, g, o`); `apply` returns every `h_t`, `[batch, time, units]`;
 * `run` also returns the final `{ h, c }`.
 *
 * @example A classifier on the last hidden state
 * ```ts
 * import assert from "node:assert/strict";
 * import { layers, matmul, random } from "../mod.ts";
 * const layer = layers.lstm(16);
 * const { params } = layer.init(random.key(0), [4, 10, 3]);
 * assert.deepEqual(params.wIh.shape, [3, 64]); // i, f, g, o stacked
 * const x = random.normal(random.key(1), [4, 10, 3]);
 * const { outputs, finalState } = layer.run(params, x);
 * assert.deepEqual(layers.lastTimeStep(outputs).toArray(), finalState.h.toArray());
 * const logits = matmul(finalState.h, random.normal(random.key(2), [16, 5]));
 * assert.deepEqual(logits.shape, [4, 5]);
 * ```
 */
export const lstm = (units: number, opts: RecurrentOptions = {}): RecurrentLayer<LstmState> => {
  checkUnits("lstm", units);
  return recurrentLayer<LstmState>({
    name: "lstm",
    units,
    gates: 4,
    stateNames: ["h", "c"],
    dtype: opts.dtype ?? "float32",
    recur: lstmRecur,
    cell: lstmCell,
  });
};

/**
 * A GRU over `[batch, time, features]` (PyTorch's `nn.GRU`, one layer;
 * gates `r, z, n`, with `n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))`);
 * `apply` returns every `h_t`, `[batch, time, units]`.
 *
 * @example From a given initial state
 * ```ts
 * import assert from "node:assert/strict";
 * import { layers, ones, random } from "../mod.ts";
 * const layer = layers.gru(4, { dtype: "float64" });
 * const { params } = layer.init(random.key(0), [1, 3, 2]);
 * const x = random.normal(random.key(1), [1, 3, 2], { dtype: "float64" });
 * const fromZero = layer.run(params, x).finalState.h;
 * const fromOnes = layer.run(params, x, { initialState: { h: ones([1, 4], { dtype: "float64" }) } }).finalState.h;
 * assert.notDeepEqual(fromZero.toArray(), fromOnes.toArray());
 * ```
 */
export const gru = (units: number, opts: RecurrentOptions = {}): RecurrentLayer<HiddenState> => {
  checkUnits("gru", units);
  return recurrentLayer<HiddenState>({
    name: "gru",
    units,
    gates: 3,
    stateNames: ["h"],
    dtype: opts.dtype ?? "float32",
    recur: gruRecur,
    cell: gruCell,
  });
};

/**
 * The last step of a sequence `[batch, time, units]`, as `[batch, units]`:
 * the hidden state a head reads after a recurrent layer in `sequential`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { layers, tensor } from "../mod.ts";
 * const y = tensor([[[1, 2], [3, 4], [5, 6]]]); // batch 1, time 3, units 2
 * assert.deepEqual(layers.lastTimeStep(y).toArray(), [[5, 6]]);
 * ```
 */
export const lastTimeStep = (x: Tensor): Tensor => {
  checkSequenceShape("lastTimeStep", x.shape, "a sequence");
  const [batch, time, units] = x.shape;
  if (time === 0) throw new ShapeError("lastTimeStep", `the sequence ${formatShape(x.shape)} has no time steps`);
  return reshape(slice(x, [null, time - 1]), [batch, units]);
};
