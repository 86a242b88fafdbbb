/**
 * The pure TypeScript backend: storage is an ordinary typed array and every
 * kernel is a loop written for the JavaScript JIT. It runs anywhere Deno or
 * Bun runs and is the reference the native backends are tested against.
 *
 * @module
 */
import type { Backend } from "../backend.ts";
import { binary, cast, full, unary, where } from "./elementwise.ts";
import { fused } from "./fused.ts";
import { gemm } from "./gemm.ts";
import { argsort, cumsum } from "./cumulative.ts";
import { concat, copyStrided, gather, pad, scatterAdd } from "./layout.ts";
import { extractPatches, foldPatches } from "./patches.ts";
import { release } from "./pool.ts";
import { reduce } from "./reduce.ts";

/**
 * The TypeScript backend. A `Buf` is the typed array itself, so
 * `fromTypedArray` and `toTypedArray` hand it through unchanged.
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
export const tsBackend: Backend = {
  name: "ts",
  fromTypedArray: (data) => data,
  toTypedArray: (buf) => buf,
  release,
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
};
