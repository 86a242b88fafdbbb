/**
 * Metrics (`metrics.*`) for training loops and evaluation. Each takes
 * `(prediction, target)` and returns a float scalar tensor, so `fit` can
 * use any of them as it is (`metrics: { accuracy: metrics.accuracy }`).
 *
 * @module
 */
export { accuracy, binaryAccuracy, type BinaryAccuracyOptions, signAccuracy } from "./accuracy.ts";
export { mae, mse } from "./regression.ts";
