/**
 * The pure TypeScript backend: storage is an ordinary typed array and every
 * kernel is a loop written for the JavaScript JIT. It runs anywhere Deno or
 * Bun runs and is the reference the native backends are tested against.
 *
 * @module
 */
import type { Backend } from "../backend.ts";
import { hostBackend, type HostKernels } from "../host.ts";
import { binary, cast, full, unary, where } from "./elementwise.ts";
import { fused } from "./fused.ts";
import { gemm } from "./gemm.ts";
import { argsort, cumsum } from "./cumulative.ts";
import { concat, copyStrided, gather, pad, scatterAdd } from "./layout.ts";
import { extractPatches, foldPatches } from "./patches.ts";
import { release, workspace } from "./pool.ts";
import { random } from "./random.ts";
import { reduce } from "./reduce.ts";

/**
 * The TypeScript kernels over typed arrays, for backends that reuse some of
 * them (OpenBLAS runs every kernel but its products and large axpy-shaped
 * sums here).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { tsKernels } from "./backend.ts";
 * const y = tsKernels.binary("mul", Float32Array.of(1, 2), Float32Array.of(3, 4), { shape: [2], strides: [[1], [1]] }, "float32");
 * assert.deepEqual([...y], [3, 8]);
 * ```
 */
export const tsKernels: HostKernels = {
  name: "ts",
  release,
  workspace,
  full,
  unary,
  binary,
  where,
  cast,
  reduce,
  cumsum,
  argsort,
  gemm,
  copyStrided,
  pad,
  concat,
  gather,
  scatterAdd,
  extractPatches,
  foldPatches,
  fused,
  random,
};

/**
 * The TypeScript backend. Its `Buf` is the typed array itself
 * (`backends/host.ts`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { tsBackend } from "./backend.ts";
 * const x = tsBackend.fromTypedArray(Float32Array.of(1, 2, 3));
 * const y = tsBackend.binary("mul", x, x, { shape: [3], strides: [[1], [1]] }, "float32");
 * assert.deepEqual([...tsBackend.toTypedArray(tsBackend.reduce("sum", y, [3], [0], "float32"))], [14]);
 * ```
 */
export const tsBackend: Backend = hostBackend(tsKernels);
