/**
 * Optimizers (`optim.*`), the optax way: gradient transformations
 * `{ init, update }` composed with `chain`, learning-rate schedules,
 * clipping, and the training loop `fit`.
 *
 * @module
 */
export * from "./types.ts";
// Gradient transformations, optimizers and schedules (optimizers engineer).
export {
  applyUpdates,
  elementwise,
  type ElementwiseForm,
  type ElementwiseRule,
  type ElementwiseSpec,
  type LeafContext,
  type PreparedStep,
} from "./elementwise.ts";
export { chain, identity } from "./chain.ts";
export { type CountState, type LearningRateOptions, scale, scaleByLearningRate, scaleBySchedule } from "./scale.ts";
export { type AdamOptions, type AdamState, scaleByAdam } from "./adam.ts";
export { type RmsOptions, type RmsState, scaleByRms, scaleByStddev, type StddevState } from "./rms.ts";
export { type RssOptions, type RssState, scaleByRss } from "./rss.ts";
export { ema, type EmaOptions, type EmaState, trace, type TraceOptions, type TraceState } from "./trace.ts";
export { addDecayedWeights, type DecayOptions } from "./weight_decay.ts";
export { clipByGlobalNorm, clipByValue, globalNorm } from "./clipping.ts";
export {
  freeze,
  type Mask,
  masked,
  type MaskedState,
  multiTransform,
  type MultiTransformState,
  setToZero,
} from "./masking.ts";
export { momentum, type MomentumOptions, nesterov, sgd, type SgdOptions } from "./sgd.ts";
export {
  adagrad,
  adam,
  type AdamLikeOptions,
  adamw,
  type AdamwOptions,
  rmsprop,
  type RmspropOptions,
} from "./adaptive.ts";
export { unfused, updateAndApply } from "./step.ts";
export {
  constant,
  cosineDecay,
  type CosineOptions,
  exponentialDecay,
  type ExponentialDecayOptions,
  linear,
  piecewiseConstant,
  polynomial,
  stepDecay,
  type TransitionOptions,
  warmupCosine,
  type WarmupCosineOptions,
} from "./schedules.ts";
export {
  type BatchInfo,
  type EarlyStoppingOptions,
  type EmptyState,
  fit,
  type FitBaseOptions,
  type FitCallbacks,
  type FitContext,
  type FitLossOptions,
  type FitModelOptions,
  type FitResult,
  type Logs,
  type Metric,
  type TrainingState,
} from "./fit.ts";
export {
  formatValue,
  type Progress,
  progressBar,
  type ProgressOptions,
  type ProgressSink,
  silentProgress,
  stderrSink,
} from "./progress.ts";
export {
  type GridConfig,
  gridSearch,
  randomSearch,
  type SampledConfig,
  sampleInt,
  sampleLogUniform,
  sampleUniform,
  type SearchOptions,
  type SpaceEntry,
  type TrialInfo,
  type TrialOutcome,
  type TrialResult,
} from "./search.ts";
