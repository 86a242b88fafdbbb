/**
 * Every tensor op, as plain functions.
 *
 * @module
 */
export * from "../prims/unary.ts";
export * from "../prims/binary.ts";
export { argmax, argmin, type AxisArg, max, min, prod, type ReduceOptions, sum } from "../prims/reduce.ts";
export {
  broadcastTo,
  concat,
  flip,
  pad,
  reshape,
  slice,
  type SliceSpec,
  sumToShape,
  transpose,
} from "../prims/shape.ts";
export { argsort, cumsum, type CumsumOptions } from "../prims/cumulative.ts";
export { cast, stopGradient } from "../prims/misc.ts";
export { matmul, type MatmulOptions } from "../prims/linalg.ts";
export { gather, scatterAdd } from "../prims/indexing.ts";
export {
  extractPatches,
  type ExtractPatchesOptions,
  foldPatches,
  type FoldPatchesOptions,
  type Padding,
  type Pair,
  type PatchOptions,
} from "../prims/patches.ts";
export type { TensorLike } from "../prims/lift.ts";
export {
  logSoftmax,
  logSumExp,
  mean,
  type MomentOptions,
  norm,
  type NormOptions,
  softmax,
  std,
  variance,
} from "./reductions.ts";
export { clip, expandDims, flatten, oneHot, split, squeeze, stack, tile } from "./shaping.ts";
export { isFinite, isNan, logAddExp, logSigmoid } from "./special.ts";
export { takeAlongAxis } from "./indexing.ts";
export { sort, topk } from "./sorting.ts";
export {
  avgPool2d,
  type AvgPoolOptions,
  conv1d,
  type Conv1dOptions,
  conv2d,
  type Conv2dOptions,
  maxPool2d,
  type PoolOptions,
} from "./conv.ts";
