/**
 * Layers (`layers.*`): pure `init`/`apply` pairs over parameter trees (see
 * `layer.ts` for the contract and the one way state moves), activation
 * functions that are layers as they are, initializers, containers, and
 * ready-made models.
 *
 * @module
 */
export * from "./layer.ts";
// -- layers, activations, initializers, containers, summary (one file per family)
export {
  type Activation,
  elu,
  gaussian,
  gelu,
  type GeluOptions,
  hardTanh,
  heaviside,
  identity,
  leakyRelu,
  logSigmoid,
  relu,
  sigmoid,
  sign,
  silu,
  softplus,
  swish,
  tanh,
} from "./activations.ts";
export { exp, linear, logSoftmax, softmax } from "./output_functions.ts";
export * as initializers from "./initializers.ts";
export type { Initializer } from "./init.ts";
export { dense, type DenseOptions, type DenseParams } from "./dense.ts";
export {
  functionLayer,
  type ItemParams,
  sequential,
  type SequentialItem,
  type SequentialOptions,
  type SequentialParams,
} from "./sequential.ts";
export { dropout } from "./dropout.ts";
export { conv2d, type Conv2dLayerOptions, type Conv2dParams } from "./conv.ts";
export { avgPool2d, type AvgPoolLayerOptions, flatten, maxPool2d, type PoolLayerOptions } from "./pool.ts";
export { embedding, type EmbeddingOptions, type EmbeddingParams } from "./embedding.ts";
export {
  batchNorm,
  type BatchNormOptions,
  type BatchNormState,
  layerNorm,
  type LayerNormOptions,
  type NormParams,
} from "./norm.ts";
export {
  linearRegression,
  logisticRegression,
  mlp,
  type MlpOptions,
  type ModelParams,
  type RegressionOptions,
  softmaxRegression,
} from "./models.ts";
export { paramCount, summary } from "./summary.ts";
export { Summary, type SummaryRow, type SummaryTotals } from "./summary_table.ts";
export { outputShapeOf } from "./shape_of.ts";
// -- recurrent layers and ready-made models
export {
  perceptron,
  type PerceptronOptions,
  type PerceptronParams,
  perceptronPredict,
  type PerceptronResult,
} from "./perceptron.ts";
export { countLinearRegions, type LinearRegions, linearRegions, type LinearRegionsOptions } from "./regions.ts";
export { gru, lastTimeStep, lstm, type RecurrentOptions, rnn, type RnnOptions } from "./recurrent.ts";
export { type RecurrentLayer, type RecurrentRunOptions, type RecurrentRunResult } from "./recurrent_layer.ts";
export {
  gruCell,
  type HiddenState,
  lstmCell,
  type LstmState,
  type RecurrentParams,
  rnnCell,
  type RnnCellOptions,
} from "./recurrent_cells.ts";
