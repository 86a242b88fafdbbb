/**
 * Compiled gemm modules and their instances. A module per tile config (and
 * per shared/non-shared memory import) is compiled on first use and kept;
 * each arena gets its own instance of it, since an instance is bound to the
 * memory it imports. Nothing compiles at import time.
 *
 * @module
 */
import { emitGemmModule } from "./gemm_emit.ts";
import type { Arena } from "./memory.ts";
import { type TileConfig, tileKey } from "./tiles.ts";

/** The exports of a gemm module (see `gemm_emit.ts` for the layouts). Addresses are bytes, strides elements. */
export interface GemmKernels {
  /** Packs `rows`×`depth` of op(A) into MR-tall panels of depth `depthPad` at `dst`. */
  packA(src: number, rs: number, ps: number, rows: number, depth: number, depthPad: number, dst: number): void;
  /** Packs op(B)ᵀ (`rows` = columns of op(B)) into NR-wide panels. */
  packB(src: number, rs: number, ps: number, rows: number, depth: number, depthPad: number, dst: number): void;
  /** Moves the first `n` elements of each `ldc`-long row back to back, in place. */
  compact(c: number, rows: number, n: number, ldc: number): void;
  /** C = packed A · packed B, `mPad`×`nPad`, k slices of `kc0` and row blocks of `mc0`. */
  gemm(ap: number, bp: number, c: number, mPad: number, nPad: number, kPad: number, kc0: number, mc0: number): void;
}

const modules = new Map<string, WebAssembly.Module>();

/**
 * The kernels of `tile` bound to `arena`'s memory, compiled and
 * instantiated on the first call for that pair.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Arena } from "./memory.ts";
 * import { gemmKernels } from "./kernels.ts";
 * const arena = new Arena({ initialPages: 1, maximumPages: 1, shared: false });
 * const k = gemmKernels(arena, { dtype: "float64", mr: 2, nr: 8, fma: false });
 * assert.equal(typeof k.gemm, "function");
 * assert.equal(gemmKernels(arena, { dtype: "float64", mr: 2, nr: 8, fma: false }), k);
 * ```
 */
export function gemmKernels(arena: Arena, tile: TileConfig): GemmKernels {
  const key = `${tileKey(tile)}:${arena.shared ? "shared" : "unshared"}`;
  const found = arena.instances.get(key);
  if (found) return found as unknown as GemmKernels;
  let module = modules.get(key);
  if (!module) {
    // Synchronous compilation: the numeric API is synchronous, and these
    // modules are a few kilobytes.
    module = new WebAssembly.Module(emitGemmModule(tile, arena.shared));
    modules.set(key, module);
  }
  const exports = new WebAssembly.Instance(module, { env: { memory: arena.memory } }).exports;
  arena.instances.set(key, exports);
  return exports as unknown as GemmKernels;
}
