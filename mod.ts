/**
 * dendrite: functional deep learning for Deno and Bun.
 *
 * Immutable tensors, ops as plain functions, JAX-style transforms (`grad`,
 * `jvp`, `vjp`, `jacfwd`, `jacrev`, `hessian`) over parameter trees,
 * splittable PRNG keys, and a pluggable numeric backend.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { grad, mean, square, sub, tensor, type Tensor } from "./mod.ts";
 * const loss = (w: Tensor) => mean(square(sub(w, 3)));
 * assert.deepEqual(grad(loss)(tensor([1])).toArray(), [-4]);
 * ```
 *
 * @module
 */
export { type Aval, ConcreteTensor, type NestedArray, Tensor } from "./core/tensor.ts";
export { type DType, type FloatDType, isFloat, type TypedArray } from "./core/dtype.ts";
export type { Shape } from "./core/shape.ts";
export {
  BackendError,
  DendriteError,
  DTypeError,
  NanError,
  ShapeError,
  TransformError,
  TreeError,
  ValueError,
} from "./core/errors.ts";
export {
  arange,
  type CreateOptions,
  eye,
  full,
  linspace,
  ones,
  onesLike,
  scalar,
  tensor,
  type TensorData,
  zeros,
  zerosLike,
} from "./core/creation.ts";
export * from "./core/ops/mod.ts";
export {
  type CotangentsOf,
  grad,
  type GradOf,
  type GradOptions,
  valueAndGrad,
  vjp,
  vjpOf,
  type VjpOptions,
} from "./core/transforms/vjp.ts";
export { jvp, type JvpOptions } from "./core/transforms/jvp.ts";
export { hessian, jacfwd, type JacobianOptions, jacrev } from "./core/transforms/jacobian.ts";
export { customVjp } from "./core/transforms/custom_vjp.ts";
export { type AxisSpec, vmap, type VmapOptions } from "./core/transforms/vmap.ts";
export { linearize } from "./core/transforms/linearize.ts";
export { scan, type ScanOptions } from "./core/transforms/scan.ts";
export { fuse } from "./core/fuse.ts";
export { jit, type JitOptions, type Jitted, type Lowered } from "./core/jit/jit.ts";
export type { FusedStep, NodeStep, Step } from "./core/jit/fusion.ts";
export type { BufferPlan, Slot } from "./core/jit/plan.ts";
export { dispose, keep, tidy } from "./core/memory.ts";
export { evalGraph, type Graph, type GraphConst, type GraphNode, trace, type Var } from "./core/transforms/graph.ts";
export type { Argnums } from "./core/transforms/args.ts";
export { setDebugNans, withDebugNans } from "./core/trace.ts";
export { availableBackends, getBackend, registerBackend, setBackend } from "./core/backend_registry.ts";
export { toBackend } from "./core/transfer.ts";
export { type OpenBlasInfo, openblasInfo } from "./backends/openblas/mod.ts";
export type {
  Backend,
  BinaryOp,
  BroadcastLayout,
  Buf,
  FusedBinaryOp,
  FusedInstr,
  FusedProgram,
  FusedUnaryOp,
  GemmDims,
  PatchLayout,
  RandomDraw,
  ReduceOp,
  StridedView,
  UnaryOp,
  Workspace,
} from "./backends/backend.ts";
export type { Params, Primitive } from "./core/primitive.ts";
export type { TreeDef } from "./core/tree/mod.ts";
export type { Tree } from "./core/tree/types.ts";
export * as tree from "./core/tree/mod.ts";
export * as random from "./core/random/mod.ts";
export * as layers from "./layers/mod.ts";
export * as losses from "./losses/mod.ts";
export * as optim from "./optim/mod.ts";
export * as data from "./data/mod.ts";
export * as metrics from "./metrics/mod.ts";
export * as classic from "./classic/mod.ts";
export * as io from "./io/mod.ts";
export * as plot from "./plot/mod.ts";
