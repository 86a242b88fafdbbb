/**
 * `fit`: the training loop, as Keras' `model.fit` reads, over pure functions
 * and an optax-style optimizer: shuffled mini-batches per epoch (keys), one
 * gradient step per batch, validation and metrics per epoch, a recorded
 * history, early stopping that returns the best parameters, callbacks, data
 * augmentation per batch, and a progress display.
 *
 * Two ways to say what is trained:
 * - a **model** (a `Layer`) and a loss `(pred, target) → scalar`: the step
 *   runs `model.applyWithState(params, state, x, { training: true, key })`
 *   and threads the new state (batch-norm statistics) to the next step;
 *   metrics reuse the step's predictions;
 * - a **loss** `(params, x, y, ctx) → scalar` over the parameters directly
 *   (any function, any data tree); metrics then need `predict(params, x)`.
 *
 * Cost per step beyond a hand-written loop: a few objects and, when a
 * model reads `ctx.key`, one key derivation; predictions and state leave
 * the gradient as `aux` only when metrics or a stateful model need them.
 * The loss is read from the device only when the display redraws and at
 * the end of the epoch. `bench/fit_loop.ts` measures it against a hand loop
 * on the same batches (the two end with bit-identical parameters).
 *
 * @module
 */
import { ValueError } from "../core/errors.ts";
import { foldIn, type Key, key as makeKey, split } from "../core/random/key.ts";
import { Tensor } from "../core/tensor.ts";
import { valueAndGrad } from "../core/transforms/vjp.ts";
import { batches } from "../data/batches.ts";
import { leadingSize, positiveInt } from "../data/rows.ts";
import { earlyStopper } from "./early_stopping.ts";
import type {
  EmptyState,
  FitBaseOptions,
  FitContext,
  FitLossOptions,
  FitModelOptions,
  FitResult,
  Logs,
  TrainingState,
} from "./fit_types.ts";
import { updateAndApply } from "./step.ts";
import { type Progress, progressBar, type ProgressOptions, silentProgress } from "./progress.ts";
import type { Tree } from "../core/tree/types.ts";

export type {
  BatchInfo,
  EarlyStoppingOptions,
  EmptyState,
  FitBaseOptions,
  FitCallbacks,
  FitContext,
  FitLossOptions,
  FitModelOptions,
  FitResult,
  Logs,
  Metric,
  TrainingState,
} from "./fit_types.ts";
/** A forward pass: the loss tensor, predictions (when metrics need them) and the next state. */
type Forward<P, S, X, Y> = (p: P, s: S, x: X, y: Y, ctx: FitContext) => readonly [Tensor, Tensor | undefined, S];

const contextFor = (base: Key, epoch: number, step: number, training: boolean): FitContext => {
  let k: Key | undefined;
  // An own getter (not a class's), so that `{ ...ctx, key }` in containers keeps the other fields.
  return {
    training,
    epoch,
    step,
    get key() {
      return k ??= foldIn(base, step);
    },
  };
};

/**
 * Trains, epoch by epoch, and returns the trained (or, with early stopping,
 * the best) parameters with the history.
 *
 * Per epoch: the training data in batches of `batchSize`, in a new order
 * drawn from `key`; per batch, `augment` (if any) on the inputs, then one
 * `valueAndGrad` of the loss and one `optim.updateAndApply` (the update and
 * `p + u` in one fused kernel per leaf where the optimizer allows). `loss` and the
 * metrics are averaged over the epoch's examples (batch values weighted by
 * batch size, as Keras reports them); the validation set is then evaluated
 * with `training: false`. Early stopping follows Keras' `EarlyStopping`:
 * after `patience` epochs in a row without an improvement of more than
 * `minDelta` in `monitor` (default `valLoss`, or `loss` without
 * validation), training stops, and the parameters, state and optimizer
 * state of the best epoch are returned (`restoreBest`, default true).
 *
 * Keys (a promise, so a hand loop can reproduce a run): `key` is split into
 * `[k0, k1, k2, k3] = random.split(key, 4)`; epoch `e` is shuffled by
 * `random.foldIn(k0, e)` (as `data.batches`), step `t` (counted over all
 * epochs) gets `ctx.key = random.foldIn(k1, t)` and augments with
 * `random.foldIn(k2, t)`; validation batch `i` of epoch `e` gets
 * `random.foldIn(random.foldIn(k3, e), i)`. Resuming a run: the same key with `initialEpoch` continues it exactly
 * (history then holds epochs `initialEpoch …` only).
 *
 * @example Linear regression y = 2x − 1
 * ```ts
 * import assert from "node:assert/strict";
 * import { add, matmul, mean, mul, optim, random, square, sub, zeros, type Tensor } from "../mod.ts";
 * const x = random.uniform(random.key(1), [256, 1], { minval: -1, maxval: 1 });
 * const y = sub(mul(x, 2), 1);
 * const { params, history } = optim.fit({
 *   params: { w: zeros([1, 1]), b: zeros([1]) },
 *   loss: (p, xb: Tensor, yb: Tensor) => mean(square(sub(add(matmul(xb, p.w), p.b), yb))),
 *   optimizer: optim.sgd(0.5),
 *   data: { x, y },
 *   batchSize: 32,
 *   epochs: 20,
 *   progress: false,
 * });
 * assert.ok(Math.abs(params.w.item() - 2) < 1e-3 && Math.abs(params.b.item() + 1) < 1e-3);
 * assert.equal(history.loss.length, 20);
 * assert.ok(history.loss[19] < history.loss[0]);
 * ```
 */
export function fit<P extends Tree, S extends Tree>(opts: FitModelOptions<P, S>): FitResult<P, S>;
/** With a loss over the parameters. */
export function fit<P extends Tree, X, Y>(opts: FitLossOptions<P, X, Y>): FitResult<P, EmptyState>;
export function fit(opts: FitModelOptions<Tree, Tree> | FitLossOptions<Tree, unknown, unknown>): FitResult<Tree, Tree> {
  const o = opts as FitBaseOptions<Tree, Tree, unknown, unknown>;
  if (typeof opts !== "object" || opts === null) throw new ValueError("fit", "expected an options object");
  if (typeof opts.loss !== "function") throw new ValueError("fit", "loss must be a function");
  if (typeof o.optimizer?.update !== "function") {
    throw new ValueError("fit", "optimizer must be a GradientTransformation");
  }
  const batchSize = positiveInt("fit", "batchSize", o.batchSize ?? 32);
  const valBatch = positiveInt("fit", "validationBatchSize", o.validationBatchSize ?? batchSize);
  const epochs = o.epochs ?? 1;
  if (!Number.isSafeInteger(epochs) || epochs < 0) {
    throw new ValueError("fit", `epochs must be an integer ≥ 0, got ${epochs}`);
  }
  const initialEpoch = o.initialEpoch ?? 0;
  if (!Number.isSafeInteger(initialEpoch) || initialEpoch < 0 || initialEpoch > epochs) {
    throw new ValueError("fit", `initialEpoch must be an integer in [0, epochs = ${epochs}], got ${initialEpoch}`);
  }
  const train = { x: o.data?.x, y: o.data?.y };
  const examples = leadingSize("fit", train);
  if (examples === 0) throw new ValueError("fit", "data has no examples");
  const val = o.validation === undefined ? undefined : { x: o.validation.x, y: o.validation.y };
  if (val !== undefined) leadingSize("fit", val);
  const metricNames = Object.keys(o.metrics ?? {});
  const keys = historyKeys(metricNames, val !== undefined);
  const stopper = earlyStopper(o.earlyStopping, keys);
  const callbacks = o.callbacks === undefined ? [] : Array.isArray(o.callbacks) ? o.callbacks : [o.callbacks];
  const progress = o.progress === false
    ? silentProgress
    : typeof (o.progress as Progress | undefined)?.epochStart === "function"
    ? o.progress as Progress
    : progressBar(o.progress === true || o.progress === undefined ? {} : o.progress as ProgressOptions);

  const forward = makeForward(opts, metricNames.length > 0);
  const step = makeStep(forward, opts.model !== undefined && (opts.model.stateful || metricNames.length > 0));
  const [kShuffle, kStep, kAugment, kEval] = split(o.key ?? makeKey(0), 4);
  let now: TrainingState<Tree, Tree> = {
    params: o.params,
    state: (opts.model === undefined ? {} : opts.state) ?? {},
    optState: o.optState ?? o.optimizer.init(o.params),
  };
  const history: Record<string, number[]> = Object.fromEntries(keys.map((k) => [k, []]));
  let best: { epoch: number; at: TrainingState<Tree, Tree> } | undefined;
  let stoppedEarly = false;
  // Every epoch has the same number of steps, so a resumed run knows its step count (and so its keys).
  const stepsPerEpoch = o.dropLast === true ? Math.floor(examples / batchSize) : Math.ceil(examples / batchSize);
  let globalStep = initialEpoch * stepsPerEpoch;

  for (let epoch = initialEpoch; epoch < epochs; epoch++) {
    for (const c of callbacks) c.onEpochBegin?.(epoch);
    const order = o.shuffle === false ? null : foldIn(kShuffle, epoch);
    const epochBatches = batches(order, train, batchSize, { dropLast: o.dropLast });
    if (epochBatches.length === 0) {
      throw new ValueError("fit", `dropLast leaves no batch: fewer examples than batchSize ${batchSize}`);
    }
    const losses: Tensor[] = [], sizes: number[] = [];
    const metricValues: Tensor[][] = metricNames.map(() => []);
    let read = 0, runSum = 0, runCount = 0;
    const runningLoss = () => {
      // Host reads happen here, at the display's rate, not per step.
      for (; read < losses.length; read++) {
        [runSum, runCount] = [runSum + losses[read].item() * sizes[read], runCount + sizes[read]];
      }
      return runSum / runCount;
    };
    progress.epochStart(epoch, epochs, epochBatches.length);
    for (let b = 0; b < epochBatches.length; b++) {
      const batch = epochBatches.at(b);
      const x = o.augment === undefined ? batch.x : o.augment(foldIn(kAugment, globalStep), batch.x);
      const ctx = contextFor(kStep, epoch, globalStep, true);
      const [loss, pred, nextState, grads] = step(now.params, now.state, x, batch.y, ctx);
      const [params, optState] = updateAndApply(o.optimizer, grads, now.optState, now.params);
      const size = b < epochBatches.length - 1 ? batchSize : epochBatches.examples - batchSize * b;
      if (metricNames.length > 0) {
        const p = predFor(opts, pred, now.params, x);
        metricNames.forEach((name, i) => metricValues[i].push(o.metrics![name](p, batch.y)));
      }
      now = { params, state: nextState, optState };
      losses.push(loss);
      sizes.push(size);
      progress.step(b + 1, runningLoss);
      for (const c of callbacks) c.onBatchEnd?.(globalStep, { epoch, batch: b, size, loss });
      globalStep++;
    }
    const logs: Record<string, number> = { loss: meanOf(losses, sizes) };
    metricNames.forEach((name, i) => (logs[name] = meanOf(metricValues[i], sizes)));
    if (val !== undefined) {
      const v = evaluateOn(opts, forward, now, val, valBatch, metricNames, foldIn(kEval, epoch), epoch);
      for (const [name, value] of Object.entries(v)) logs[valName(name)] = value;
    }
    for (const k of keys) history[k].push(logs[k]);
    progress.epochEnd(logs);
    const verdict = stopper.observe(logs);
    // As Keras, the first epoch is the best until one improves on it (even when its figure is NaN).
    if (verdict.improved || best === undefined) best = { epoch, at: now };
    const requested = callbacks.map((c) => c.onEpochEnd?.(epoch, logs, now)).includes("stop");
    if ((verdict.stop || requested) && epoch < epochs - 1) {
      stoppedEarly = true;
      break;
    }
  }
  const last = initialEpoch + history.loss.length - 1;
  const chosen = stopper.restoreBest && best !== undefined ? best : { epoch: last, at: now };
  const result = {
    ...chosen.at,
    history: history as FitResult<Tree, Tree>["history"],
    bestEpoch: chosen.epoch,
    stoppedEarly,
  };
  for (const c of callbacks) c.onTrainEnd?.(result);
  return result;
}

/** A training step's loss, predictions, next state and gradient. */
type Step = (p: Tree, s: Tree, x: unknown, y: unknown, ctx: FitContext) => [Tensor, Tensor | undefined, Tree, Tree];

/**
 * The gradient of `forward`'s loss, carrying predictions and state out as
 * `aux` only when something needs them (`hasAux` costs a little per step).
 */
const makeStep = (forward: Forward<Tree, Tree, unknown, unknown>, needAux: boolean): Step => {
  if (needAux) {
    const vg = valueAndGrad(
      (p: Tree, s: Tree, x: unknown, y: unknown, ctx: FitContext) => {
        const [loss, pred, next] = forward(p, s, x, y, ctx);
        return [loss, [pred, next]] as const;
      },
      { hasAux: true },
    );
    return (p, s, x, y, ctx) => {
      const [[loss, aux], grads] = vg(p, s, x, y, ctx);
      const [pred, next] = aux; // plain values: valueAndGrad unwraps aux
      return [loss, pred, next, grads];
    };
  }
  const vg = valueAndGrad((p: Tree, s: Tree, x: unknown, y: unknown, ctx: FitContext) => forward(p, s, x, y, ctx)[0]);
  return (p, s, x, y, ctx) => {
    const [loss, grads] = vg(p, s, x, y, ctx);
    return [loss, undefined, s, grads];
  };
};

/** The loss, the predictions (if `withPred`) and the next state, for either form of options. */
const makeForward = (
  opts: FitModelOptions<Tree, Tree> | FitLossOptions<Tree, unknown, unknown>,
  withPred: boolean,
): Forward<Tree, Tree, unknown, unknown> => {
  if (opts.model !== undefined) {
    const { model, loss } = opts;
    if (model.stateful && opts.state === undefined) {
      throw new ValueError("fit", `model ${model.name} has state: pass state (from model.init) as well as params`);
    }
    return (p, s, x, y, ctx) => {
      const [pred, next] = model.applyWithState(p, s, x as Tensor, ctx);
      return [loss(pred, y as Tensor), pred, next];
    };
  }
  if (withPred && opts.predict === undefined) {
    throw new ValueError("fit", "metrics need predictions: pass predict(params, x), or use model with loss(pred, y)");
  }
  const { loss } = opts;
  return (p, s, x, y, ctx) => [loss(p, x, y, ctx), undefined, s];
};

const predFor = (
  opts: FitModelOptions<Tree, Tree> | FitLossOptions<Tree, unknown, unknown>,
  pred: Tensor | undefined,
  params: Tree,
  x: unknown,
): Tensor => pred ?? (opts as FitLossOptions<Tree, unknown, unknown>).predict!(params, x);

/** Loss and metrics over `set` in order, averaged over examples. */
const evaluateOn = (
  opts: FitModelOptions<Tree, Tree> | FitLossOptions<Tree, unknown, unknown>,
  forward: Forward<Tree, Tree, unknown, unknown>,
  now: TrainingState<Tree, Tree>,
  set: { x: unknown; y: unknown },
  batchSize: number,
  metricNames: readonly string[],
  key: Key,
  epoch: number,
): Logs => {
  const metrics = (opts as FitBaseOptions<Tree, Tree, unknown, unknown>).metrics;
  const losses: Tensor[] = [], sizes: number[] = [];
  const values: Tensor[][] = metricNames.map(() => []);
  let i = 0;
  for (const batch of batches(null, set, batchSize)) {
    const [loss, pred] = forward(now.params, now.state, batch.x, batch.y, contextFor(key, epoch, i++, false));
    losses.push(loss);
    sizes.push(leadingSize("fit", batch.y));
    if (metricNames.length > 0) {
      const p = predFor(opts, pred, now.params, batch.x);
      metricNames.forEach((name, j) => values[j].push(metrics![name](p, batch.y)));
    }
  }
  const out: Record<string, number> = { loss: meanOf(losses, sizes) };
  metricNames.forEach((name, j) => (out[name] = meanOf(values[j], sizes)));
  return out;
};

/** The history's names: `loss`, the metrics, then (with validation) `valLoss` and `val<Metric>`. */
const historyKeys = (metricNames: readonly string[], withValidation: boolean): string[] => {
  const keys = ["loss", ...metricNames];
  if (withValidation) keys.push(...keys.map(valName));
  const seen = new Set<string>();
  for (const k of keys) {
    if (seen.has(k)) throw new ValueError("fit", `metric name "${k}" clashes with another history entry`);
    seen.add(k);
  }
  return keys;
};

/** `accuracy` → `valAccuracy`. */
const valName = (name: string): string => `val${name.charAt(0).toUpperCase()}${name.slice(1)}`;

/** The mean over examples of per-batch means: Σ value·size / Σ size (read from the device here). */
const meanOf = (values: readonly Tensor[], sizes: readonly number[]): number => {
  let sum = 0, count = 0;
  for (let i = 0; i < values.length; i++) {
    sum += values[i].item() * sizes[i];
    count += sizes[i];
  }
  return sum / count;
};
