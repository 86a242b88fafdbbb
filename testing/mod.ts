/**
 * Property-testing tools for code built on dendrite (the library tests
 * itself with them): fast-check arbitraries for shapes, broadcastable
 * shapes, float tensors and parameter trees; `allclose` and
 * `assertAllclose` with the `torch.testing.assert_close` rule; and
 * `checkGrads`, autodiff against finite differences in both modes.
 *
 * fast-check is imported as `npm:fast-check@4.10.2`; use the same version
 * in your tests so the arbitraries' types match.
 *
 * @example A gradient property
 * ```ts
 * import fc from "npm:fast-check@4.10.2";
 * import { checkGrads, floatTensorArb } from "./mod.ts";
 * import { sum, tanh } from "../mod.ts";
 * fc.assert(
 *   fc.property(floatTensorArb({ shape: [3] }), fc.nat(), (x, seed) => checkGrads((x) => sum(tanh(x)), [x], { seed })),
 *   { numRuns: 10 },
 * );
 * ```
 *
 * @module
 */
export {
  type BroadcastShapes,
  broadcastShapesArb,
  floatTensorArb,
  type FloatTensorOptions,
  paramTreeArb,
  type ParamTreeOptions,
  shapeArb,
  type ShapeOptions,
  shapeWithZeroArb,
} from "./arbitraries.ts";
export { awkwardKeyArb, identifierKeyArb, treeArb, type TreeArbOptions } from "./arbitraries_tree.ts";
export {
  allclose,
  type AllcloseOptions,
  assertAllclose,
  type AssertAllcloseOptions,
  type Comparable,
} from "./allclose.ts";
export { checkGrads, type CheckGradsOptions, type GradMode } from "./check_grads.ts";
