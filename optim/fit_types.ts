/**
 * The types of `fit`: its options (two forms: a model with a loss on
 * predictions, or a loss over the parameters), the context a step sees, the
 * callbacks and the result.
 *
 * @module
 */
import type { Key } from "../core/random/key.ts";
import type { Tensor } from "../core/tensor.ts";
import type { Tree } from "../core/tree/types.ts";
import type { Layer } from "../layers/layer.ts";
import type { EarlyStoppingOptions } from "./early_stopping.ts";
import type { Progress, ProgressOptions } from "./progress.ts";
import type { GradientTransformation, OptState } from "./types.ts";

export type { EarlyStoppingOptions } from "./early_stopping.ts";

/** One epoch's figures by history name (`loss`, `accuracy`, `valLoss`, …). */
export type Logs = Readonly<Record<string, number>>;

/** What a loss (or a model, as its `ctx`) is told about the call. */
export interface FitContext {
  /** True in a training step, false in validation. */
  readonly training: boolean;
  /** A key for this step alone (dropout masks); derived when first read. */
  readonly key: Key;
  /** The epoch, from 0. */
  readonly epoch: number;
  /** The training step, from 0, counted over all epochs (in validation: the batch, from 0). */
  readonly step: number;
}

/** A metric: prediction and target to a scalar (averaged over examples, batch by batch). */
export type Metric<Y = Tensor> = (pred: Tensor, target: Y) => Tensor;

/** Parameters, state and optimizer state: what training changes. */
export interface TrainingState<P, S> {
  /** The parameters. */
  readonly params: P;
  /** The model state (`{}` for stateless models). */
  readonly state: S;
  /** The optimizer's state. */
  readonly optState: OptState;
}

/** What a callback hears after a batch. */
export interface BatchInfo {
  /** The epoch, from 0. */
  readonly epoch: number;
  /** The batch within the epoch, from 0. */
  readonly batch: number;
  /** The examples in the batch. */
  readonly size: number;
  /** The batch's loss (a scalar tensor; reading it waits for the step). */
  readonly loss: Tensor;
}

/** Hooks into the loop; `onEpochEnd` returning `"stop"` ends training after that epoch. */
export interface FitCallbacks<P = Tree, S = Tree> {
  /** Before the first batch of an epoch. */
  onEpochBegin?(epoch: number): void;
  /** After each training step (`step` counts over all epochs). */
  onBatchEnd?(step: number, info: BatchInfo): void;
  /** After validation; `logs` holds this epoch's history entries. */
  onEpochEnd?(epoch: number, logs: Logs, now: TrainingState<P, S>): void | "stop";
  /** Once, with the result. */
  onTrainEnd?(result: FitResult<P, S>): void;
}

/** What every form of `fit` accepts. */
export interface FitBaseOptions<P, S, X, Y> {
  /** The initial parameters (e.g. from `model.init`). */
  readonly params: P;
  /** The optimizer (`optim.adam(1e-3)`, any `GradientTransformation`). */
  readonly optimizer: GradientTransformation;
  /** The optimizer state to resume from (default `optimizer.init(params)`). */
  readonly optState?: OptState;
  /** The training examples: `x` and `y` share their leading axis. */
  readonly data: { readonly x: X; readonly y: Y };
  /** Examples per step (default 32, as Keras). */
  readonly batchSize?: number;
  /** Passes over the data (default 1). */
  readonly epochs?: number;
  /**
   * The epoch to start from (default 0), as Keras's `initial_epoch`: epochs `initialEpoch … epochs − 1` run, with the
   * keys and step count an uninterrupted run has there. Resume a run by passing its `params`, `state` and `optState`
   * after epoch `initialEpoch − 1`, the same `key` and `epochs`: the loss curve continues as if never interrupted.
   */
  readonly initialEpoch?: number;
  /** Reshuffle every epoch (default true); false keeps the data's order. */
  readonly shuffle?: boolean;
  /** Skip the last, smaller batch of each epoch (default false). */
  readonly dropLast?: boolean;
  /** Held-out examples, evaluated after every epoch (`valLoss`, `val<Metric>`). */
  readonly validation?: { readonly x: X; readonly y: Y };
  /** Examples per validation batch (default `batchSize`). */
  readonly validationBatchSize?: number;
  /** Named metrics, recorded per epoch for training and validation data. */
  readonly metrics?: Readonly<Record<string, Metric<Y>>>;
  /** The randomness: shuffling, `ctx.key` per step, augmentation (default `random.key(0)`). */
  readonly key?: Key;
  /** Applied to each training batch's inputs with a fresh key (e.g. `data.randomFlipHorizontal`). */
  readonly augment?: (key: Key, x: X) => X;
  /** Stop when a history entry stops improving, returning the best epoch's parameters. */
  readonly earlyStopping?: EarlyStoppingOptions;
  /** Hooks into the loop. */
  readonly callbacks?: NoInfer<FitCallbacks<P, S> | readonly FitCallbacks<P, S>[]>;
  /** The display: true (default: live on a terminal, one line per epoch elsewhere), false, options, or your own. */
  readonly progress?: boolean | ProgressOptions | Progress;
}

/** `fit` with a model and a loss on its predictions. */
export interface FitModelOptions<P extends Tree, S extends Tree> extends FitBaseOptions<P, S, Tensor, Tensor> {
  /** The model. */
  readonly model: Layer<P, S>;
  /** Its state (from `model.init`); needed when the model is stateful, `{}` otherwise. */
  readonly state?: S;
  /** The loss of a prediction against a target, a scalar (e.g. `losses.softmaxCrossEntropy`). */
  readonly loss: (pred: Tensor, target: Tensor) => Tensor;
}

/** `fit` with a loss over the parameters. */
export interface FitLossOptions<P extends Tree, X, Y> extends FitBaseOptions<P, EmptyState, X, Y> {
  /** No model: `loss` sees the parameters. */
  readonly model?: undefined;
  /** The scalar loss of the parameters on a batch. */
  readonly loss: (params: P, x: X, y: Y, ctx: FitContext) => Tensor;
  /** Predictions for metrics (needed only with `metrics`). */
  readonly predict?: (params: P, x: X) => Tensor;
}

/** The state of a model without state. */
export type EmptyState = Record<string, never>;

/** What `fit` returns. */
export interface FitResult<P, S> extends TrainingState<P, S> {
  /** One entry per epoch for `loss`, every metric, and with validation `valLoss` and `val<Metric>`. */
  readonly history: Readonly<Record<string, number[]>> & { readonly loss: number[] };
  /** The epoch (from 0) whose parameters are returned: the best one under early stopping, else the last. */
  readonly bestEpoch: number;
  /** Whether early stopping (or a callback) ended training before `epochs`. */
  readonly stoppedEarly: boolean;
}
