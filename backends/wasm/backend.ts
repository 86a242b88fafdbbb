/**
 * The WebAssembly backend: kernels that are WebAssembly SIMD modules the
 * library writes itself at run time (`wasm_writer.ts`), no toolchain and
 * nothing to download. Storage stays host typed arrays, owned by the garbage
 * collector like any value (so a loop that never disposes cannot grow the
 * wasm memory): each kernel copies its operands into a reused scratch arena
 * in linear memory and its result out once into the fresh output. Tensors
 * move freely between this backend and `ts`/`openblas`.
 *
 * Kernels here: the matrix product (`gemm.ts`, register-tiled over packed
 * panels, float32 and float64), elementwise binary and unary ops, `where`,
 * `sum` and `fused` programs (`elementwise_kernels.ts`), and the conv patch
 * kernels `extractPatches`/`foldPatches` (`patch_kernels.ts`), each from
 * the size where it measured faster than the TypeScript kernel after the
 * copies. Every other kernel, and every call below those sizes, is the
 * TypeScript one.
 *
 * Nothing compiles or allocates until the backend is first used.
 *
 * @module
 */
import { BackendError } from "../../core/errors.ts";
import type { Backend } from "../backend.ts";
import { hostBackend, type HostKernels } from "../host.ts";
import { tsKernels } from "../ts/backend.ts";
import { allocUninitialized } from "../ts/pool.ts";
import { engineFacts } from "./engine.ts";
import { wasmGemm } from "./gemm.ts";
import { wasmElementwiseKernels } from "./elementwise_kernels.ts";
import { wasmPatchKernels } from "./patch_kernels.ts";

/**
 * Products with fewer multiply-adds than this run the TS kernel: below it
 * the fixed cost of a wasm call (copies in and out, packing) outweighs SIMD.
 */
export const WASM_GEMM_FROM = 4096;

/**
 * Outputs come from the pool that `dispose` fills, so a disposing loop
 * reuses warm pages instead of faulting in fresh ones (about 11 µs per
 * 4 KiB page, measured: the largest loss in the MLP backward products).
 */
const POOLED = { allocate: allocUninitialized } as const;

/**
 * The wasm backend's kernels over typed arrays.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { wasmKernels } from "./backend.ts";
 * const dims = { batch: 1, m: 32, n: 32, k: 32, transA: false, transB: false, aBatchStride: 0, bBatchStride: 0 };
 * const ones = new Float32Array(32 * 32).fill(1);
 * const c = wasmKernels().gemm(ones, ones, dims, "float32");
 * assert.equal(c[0], 32);
 * ```
 */
export function wasmKernels(): HostKernels {
  return {
    ...tsKernels,
    ...wasmElementwiseKernels(tsKernels),
    ...wasmPatchKernels(tsKernels),
    name: "wasm",
    gemm: (a, b, dims, dtype) =>
      (dtype === "float32" || dtype === "float64") && dims.m * dims.n * dims.k >= WASM_GEMM_FROM &&
        (a instanceof Float32Array || a instanceof Float64Array) &&
        (b instanceof Float32Array || b instanceof Float64Array)
        ? wasmGemm(a, b, dims, dtype, POOLED)
        : tsKernels.gemm(a, b, dims, dtype),
  };
}

let made: Backend | undefined;

/**
 * The wasm backend, made on first use; a `BackendError` when the engine's
 * WebAssembly lacks SIMD128 (then `"auto"` falls back to `ts`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { wasmBackend } from "./backend.ts";
 * assert.equal(wasmBackend().name, "wasm");
 * assert.equal(wasmBackend().hostStorage, true);
 * ```
 */
export function wasmBackend(): Backend {
  if (made !== undefined) return made;
  if (typeof WebAssembly !== "object" || !engineFacts().simd) {
    throw new BackendError("setBackend", "the wasm backend needs WebAssembly SIMD128, which this engine lacks");
  }
  made = hostBackend(wasmKernels());
  return made;
}
