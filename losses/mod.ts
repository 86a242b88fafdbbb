/**
 * Losses (`losses.*`) from maximum likelihood: regression, classification,
 * distribution heads and regularizers. Arguments are (prediction, target),
 * as in optax; reducing losses take `{ reduction: "mean" | "sum" | "none" }`
 * (default `"mean"`, as PyTorch).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { losses, tensor } from "../mod.ts";
 * assert.equal(losses.mse(tensor([1, 3]), tensor([1, 1])).item(), 2);
 * ```
 *
 * @module
 */
export { type LossOptions, type Reduction } from "./reduction.ts";
export { huber, type HuberOptions, mae, mse, sumSquares } from "./regression.ts";
export {
  binaryCrossEntropy,
  binaryCrossEntropyWithLogits,
  multiLabelBinaryCrossEntropy,
  type MultiLabelOptions,
} from "./binary.ts";
export { nll, softmaxCrossEntropy } from "./classification.ts";
export { hinge, perceptronLoss } from "./margin.ts";
export {
  bernoulli,
  categorical,
  type DistributionHead,
  normal,
  type NormalHead,
  type NormalHeadOptions,
} from "./distributions.ts";
export {
  allLeaves,
  l1,
  l2,
  type LeafFilter,
  regularized,
  type RegularizerOptions,
  weightsOnly,
} from "./regularizers.ts";
