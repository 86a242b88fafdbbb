/**
 * One time step of the recurrent cells: Elman RNN, LSTM and GRU, with
 * PyTorch's equations and gate layout (`torch.nn.RNNCell`, `LSTMCell`,
 * `GRUCell`), so weights move between the two by a transpose.
 *
 * Every cell has the same four parameters, for `G` gates of `units` each
 * (G = 1 for the RNN, 4 for the LSTM, 3 for the GRU):
 *
 * | parameter | shape              | PyTorch       |
 * | --------- | ------------------ | ------------- |
 * | `wIh`     | `[in, G·units]`    | `weight_ih`ᵀ  |
 * | `wHh`     | `[units, G·units]` | `weight_hh`ᵀ  |
 * | `bIh`     | `[G·units]`        | `bias_ih`     |
 * | `bHh`     | `[G·units]`        | `bias_hh`     |
 *
 * The weights are stored transposed (`x @ wIh`, rows are inputs) so that a
 * batch `[batch, in]` multiplies them directly. Along the `G·units` axis the
 * gates are stacked in PyTorch's order: LSTM `i, f, g, o`, GRU `r, z, n`.
 * With `Wx = x·wIh + bIh` and `Wh = h·wHh + bHh`, split into gates:
 *
 * - RNN:  `h' = act(Wx + Wh)` (`act` = tanh by default)
 * - LSTM: `i = σ(Wx_i + Wh_i)`, `f = σ(Wx_f + Wh_f)`, `g = tanh(Wx_g + Wh_g)`,
 *   `o = σ(Wx_o + Wh_o)`; `c' = f ⊙ c + i ⊙ g`, `h' = o ⊙ tanh(c')`
 * - GRU:  `r = σ(Wx_r + Wh_r)`, `z = σ(Wx_z + Wh_z)`,
 *   `n = tanh(Wx_n + r ⊙ Wh_n)` (the reset gate multiplies `W_hn h + b_hn`,
 *   PyTorch's convention, Keras' `reset_after=True`), `h' = (1 − z) ⊙ n + z ⊙ h`
 *
 * (`Wx_i` is gate `i`'s block of `Wx`, columns `0..units`, and so on in
 * gate order.) Each cell is split into the input projection `Wx` and the
 * recurrence given `Wx`, so a layer could project many steps at once.
 *
 * @module
 */
import { isFloat } from "../core/dtype.ts";
import { DTypeError, ShapeError } from "../core/errors.ts";
import { add, matmul, mul, sigmoid, slice, sub, tanh } from "../core/ops/mod.ts";
import { formatShape } from "../core/shape.ts";
import type { Tensor } from "../core/tensor.ts";

/**
 * The parameters of every cell (see the module doc for shapes and gate order).
 *
 * @example From PyTorch's `nn.LSTM(3, 2)` state dict: transpose the weights
 * ```ts
 * import assert from "node:assert/strict";
 * import { layers, transpose, zeros } from "../mod.ts";
 * const weightIh = zeros([8, 3]), weightHh = zeros([8, 2]); // PyTorch: [4·hidden, in], [4·hidden, hidden]
 * const p: layers.RecurrentParams = {
 *   wIh: transpose(weightIh), wHh: transpose(weightHh), bIh: zeros([8]), bHh: zeros([8]),
 * };
 * assert.deepEqual(p.wIh.shape, [3, 8]);
 * ```
 */
export type RecurrentParams = {
  /** Input weights `[in, G·units]` (PyTorch's `weight_ih` transposed). */
  readonly wIh: Tensor;
  /** Recurrent weights `[units, G·units]` (PyTorch's `weight_hh` transposed). */
  readonly wHh: Tensor;
  /** Input bias `[G·units]`. */
  readonly bIh: Tensor;
  /** Recurrent bias `[G·units]` (for the GRU's `n` gate it sits inside `r ⊙ (·)`). */
  readonly bHh: Tensor;
};

/**
 * The state of an RNN or GRU: the hidden state `h` `[batch, units]`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { layers } from "../mod.ts";
 * const s: layers.HiddenState = layers.gru(3).zeroState(2);
 * assert.deepEqual(s.h.shape, [2, 3]);
 * ```
 */
export type HiddenState = { readonly h: Tensor };

/**
 * The state of an LSTM: hidden state `h` and cell state `c`, both `[batch, units]`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { layers } from "../mod.ts";
 * const s: layers.LstmState = layers.lstm(3).zeroState(2);
 * assert.deepEqual([s.h.shape, s.c.shape], [[2, 3], [2, 3]]);
 * ```
 */
export type LstmState = { readonly h: Tensor; readonly c: Tensor };

/**
 * Options of `rnnCell`.
 *
 * @example A ReLU RNN cell
 * ```ts
 * import assert from "node:assert/strict";
 * import { layers, relu, tensor } from "../mod.ts";
 * const p = { wIh: tensor([[1]]), wHh: tensor([[1]]), bIh: tensor([0]), bHh: tensor([0]) };
 * const opts: layers.RnnCellOptions = { activation: relu };
 * assert.equal(layers.rnnCell(p, tensor([[-3]]), { h: tensor([[1]]) }, opts).h.item(), 0);
 * ```
 */
export interface RnnCellOptions {
  /** The nonlinearity (default `tanh`; PyTorch also offers `relu`). */
  readonly activation?: (x: Tensor) => Tensor;
}

/** Gate `k` (`[batch, units]`) of a `[batch, G·units]` pre-activation. */
const gate = (z: Tensor, k: number, units: number): Tensor =>
  slice(z, [null, { start: k * units, stop: (k + 1) * units }]);

/** @internal The input projection `x·wIh + bIh` of rows `x` `[n, in]`. */
export const inputProjection = (p: RecurrentParams, x: Tensor): Tensor => add(matmul(x, p.wIh), p.bIh);

/** @internal The recurrent projection `h·wHh + bHh`. */
const hiddenProjection = (p: RecurrentParams, h: Tensor): Tensor => add(matmul(h, p.wHh), p.bHh);

/** @internal The RNN step given the input projection `wx` `[batch, units]`. */
export const rnnRecur = (p: RecurrentParams, wx: Tensor, s: HiddenState, act: (x: Tensor) => Tensor): HiddenState => ({
  h: act(add(wx, hiddenProjection(p, s.h))),
});

/** @internal The LSTM step given the input projection `wx` `[batch, 4·units]`. */
export const lstmRecur = (p: RecurrentParams, wx: Tensor, s: LstmState): LstmState => {
  const u = s.h.shape[1];
  const z = add(wx, hiddenProjection(p, s.h));
  const i = sigmoid(gate(z, 0, u));
  const f = sigmoid(gate(z, 1, u));
  const g = tanh(gate(z, 2, u));
  const o = sigmoid(gate(z, 3, u));
  const c = add(mul(f, s.c), mul(i, g));
  return { h: mul(o, tanh(c)), c };
};

/** @internal The GRU step given the input projection `wx` `[batch, 3·units]`. */
export const gruRecur = (p: RecurrentParams, wx: Tensor, s: HiddenState): HiddenState => {
  const u = s.h.shape[1];
  const wh = hiddenProjection(p, s.h);
  const r = sigmoid(add(gate(wx, 0, u), gate(wh, 0, u)));
  const z = sigmoid(add(gate(wx, 1, u), gate(wh, 1, u)));
  const n = tanh(add(gate(wx, 2, u), mul(r, gate(wh, 2, u))));
  // (1 − z) ⊙ n + z ⊙ h, with one product fewer.
  return { h: add(n, mul(z, sub(s.h, n))) };
};

/**
 * @internal Checks that `p` are the parameters of a cell with `gates` gates
 * of `units` each over `features` inputs; `units` and `features` default to
 * what `wHh` and `wIh` say. Errors name `op` and the offending shape.
 */
export const checkParams = (
  op: string,
  p: RecurrentParams,
  gates: number,
  units: number = p.wHh?.shape?.[0],
  features: number = p.wIh?.shape?.[0],
): void => {
  const expected: [keyof RecurrentParams, number[]][] = [
    ["wIh", [features, gates * units]],
    ["wHh", [units, gates * units]],
    ["bIh", [gates * units]],
    ["bHh", [gates * units]],
  ];
  for (const [name, shape] of expected) {
    const t = p[name];
    if (t === undefined || t === null || !Array.isArray(t.shape)) {
      throw new ShapeError(op, `the parameters have no tensor ${name}; expected { wIh, wHh, bIh, bHh }`);
    }
    if (formatShape(t.shape) !== formatShape(shape)) {
      throw new ShapeError(
        op,
        `parameter ${name} has shape ${formatShape(t.shape)}, expected ${formatShape(shape)} ` +
          `(${gates} gate${gates > 1 ? "s" : ""} of ${units} units over ${features} input features)`,
      );
    }
    if (!isFloat(t.dtype)) throw new DTypeError(op, `parameter ${name} is ${t.dtype}; expected float32 or float64`);
    if (t.dtype !== p.wIh.dtype) {
      throw new DTypeError(op, `parameter ${name} is ${t.dtype} but wIh is ${p.wIh.dtype}; cast them to one dtype`);
    }
  }
};

/**
 * @internal Checks a state `s` (fields `names`) against `[batch, units]` and
 * `dtype`; `what` says where it came from (`state`, `initialState`).
 */
export const checkState = (
  op: string,
  what: string,
  s: Readonly<Record<string, Tensor>>,
  names: readonly string[],
  batch: number,
  units: number,
  dtype: string,
): void => {
  for (const k of names) {
    const t = s?.[k];
    if (t === undefined || t === null || !Array.isArray(t.shape)) {
      throw new ShapeError(op, `${what} has no tensor ${k}; expected { ${names.join(", ")} }`);
    }
    if (formatShape(t.shape) !== formatShape([batch, units])) {
      throw new ShapeError(
        op,
        `${what}.${k} has shape ${formatShape(t.shape)}, expected [batch, units] = ${formatShape([batch, units])}`,
      );
    }
    if (t.dtype !== dtype) throw new DTypeError(op, `${what}.${k} is ${t.dtype} but the parameters are ${dtype}`);
  }
};

/** Checks one step's input `x` `[batch, in]` against the parameters, and the state. */
const checkStep = (op: string, p: RecurrentParams, x: Tensor, s: HiddenState, names: string[], gates: number) => {
  const units = p.wHh?.shape?.[0];
  checkParams(op, p, gates, units);
  if (x.ndim !== 2 || x.shape[1] !== p.wIh.shape[0]) {
    throw new ShapeError(
      op,
      `expects an input [batch, features] = [batch, ${p.wIh.shape[0]}] (features from wIh ${
        formatShape(p.wIh.shape)
      }), got shape ${formatShape(x.shape)}`,
    );
  }
  if (x.dtype !== p.wIh.dtype) {
    throw new DTypeError(op, `input is ${x.dtype} but the parameters are ${p.wIh.dtype}; cast one of them`);
  }
  checkState(op, "state", s as unknown as Record<string, Tensor>, names, x.shape[0], units, x.dtype);
};

/**
 * One step of an Elman RNN (PyTorch's `RNNCell`):
 * `h' = act(x·wIh + bIh + h·wHh + bHh)`, for `x` `[batch, in]` and
 * `state.h` `[batch, units]`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { layers, tensor } from "../mod.ts";
 * const p = { wIh: tensor([[2]]), wHh: tensor([[0.5]]), bIh: tensor([0]), bHh: tensor([1]) };
 * const { h } = layers.rnnCell(p, tensor([[1]]), { h: tensor([[-2]]) });
 * assert.ok(Math.abs(h.item() - Math.tanh(2 * 1 + 0.5 * -2 + 1)) < 1e-6);
 * ```
 */
export const rnnCell = (p: RecurrentParams, x: Tensor, state: HiddenState, opts: RnnCellOptions = {}): HiddenState => {
  checkStep("rnnCell", p, x, state, ["h"], 1);
  return rnnRecur(p, inputProjection(p, x), state, opts.activation ?? tanh);
};

/**
 * One step of an LSTM (PyTorch's `LSTMCell`; gates `i, f, g, o` in that
 * order along the `4·units` axis): `c' = f ⊙ c + i ⊙ g`,
 * `h' = o ⊙ tanh(c')`. `x` is `[batch, in]`, `state.h` and `state.c` are
 * `[batch, units]`.
 *
 * @example A cell whose only nonzero bias opens the input and output gates
 * ```ts
 * import assert from "node:assert/strict";
 * import { layers, tensor, zeros } from "../mod.ts";
 * // units 1, in 1: the g gate's input weight is 1; biases push i and o to σ(10) ≈ 1
 * const p = { wIh: tensor([[0, 0, 1, 0]]), wHh: zeros([1, 4]), bIh: tensor([10, -10, 0, 10]), bHh: zeros([4]) };
 * const s = layers.lstmCell(p, tensor([[0.5]]), { h: zeros([1, 1]), c: zeros([1, 1]) });
 * assert.ok(Math.abs(s.c.item() - Math.tanh(0.5)) < 1e-4); // c' ≈ i·g = tanh(0.5)
 * assert.ok(Math.abs(s.h.item() - Math.tanh(Math.tanh(0.5))) < 1e-4);
 * ```
 */
export const lstmCell = (p: RecurrentParams, x: Tensor, state: LstmState): LstmState => {
  checkStep("lstmCell", p, x, state, ["h", "c"], 4);
  return lstmRecur(p, inputProjection(p, x), state);
};

/**
 * One step of a GRU (PyTorch's `GRUCell`; gates `r, z, n` along the
 * `3·units` axis): `n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))`,
 * `h' = (1 − z) ⊙ n + z ⊙ h`. `x` is `[batch, in]`, `state.h` is
 * `[batch, units]`.
 *
 * @example With every weight zero, z = r = ½ and n = tanh(b_in + ½·b_hn)
 * ```ts
 * import assert from "node:assert/strict";
 * import { layers, tensor, zeros } from "../mod.ts";
 * const p = { wIh: zeros([1, 3]), wHh: zeros([1, 3]), bIh: tensor([0, 0, 0.2]), bHh: tensor([0, 0, 0.6]) };
 * const { h } = layers.gruCell(p, tensor([[3]]), { h: tensor([[1]]) });
 * const n = Math.tanh(0.2 + 0.5 * 0.6);
 * assert.ok(Math.abs(h.item() - (0.5 * n + 0.5 * 1)) < 1e-6);
 * ```
 */
export const gruCell = (p: RecurrentParams, x: Tensor, state: HiddenState): HiddenState => {
  checkStep("gruCell", p, x, state, ["h"], 3);
  return gruRecur(p, inputProjection(p, x), state);
};
