/**
 * The OpenBLAS backend: matrix products in OpenBLAS through `bun:ffi` on Bun
 * and `Deno.dlopen` on Deno (which needs `--allow-ffi`), every other kernel
 * in TypeScript. Select it with `setBackend("openblas")`, or
 * `setBackend("auto")` / `DENDRITE_BACKEND=auto` to use it when present and
 * fall back to the TypeScript backend otherwise.
 *
 * Threads: OpenBLAS reads `OPENBLAS_NUM_THREADS` when it loads (at the first
 * use of this backend); set it before starting the program. One thread per
 * process is best when several processes or workers share the cores.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { openblasInfo } from "./mod.ts";
 * const info = openblasInfo();
 * if (info !== undefined) assert.match(info.config, /OpenBLAS/);
 * ```
 *
 * @module
 */
import * as E from "npm:fp-ts@2.16.11/lib/Either.js";
import { BackendError } from "../../core/errors.ts";
import type { Backend } from "../backend.ts";
import { createOpenBlasBackend } from "./backend.ts";
import { describeFailure, loadOpenBlas, type OpenBlasUnavailable } from "./library.ts";
import type { NativeBlas } from "./native.ts";

export { candidatePaths, describeFailure, INSTALL_HINT, loadOpenBlas, PATH_VARIABLE } from "./library.ts";
export type { OpenBlasUnavailable } from "./library.ts";
export type { LoadAttempt, NativeBlas } from "./native.ts";
export { createOpenBlasBackend, openBlasKernels } from "./backend.ts";

// The library is searched for once per process: dlopen is not free, and a
// failed search would otherwise repeat on every attempt.
let loaded: E.Either<OpenBlasUnavailable, NativeBlas> | undefined;

/**
 * The process's OpenBLAS, loaded on first call: the library, or every
 * candidate tried and why it failed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { openblasLibrary } from "./mod.ts";
 * const r = openblasLibrary();
 * assert.ok(r._tag === "Right" ? typeof r.right.path === "string" : r.left.attempts.length > 0);
 * ```
 */
export function openblasLibrary(): E.Either<OpenBlasUnavailable, NativeBlas> {
  loaded ??= loadOpenBlas();
  return loaded;
}

/**
 * The OpenBLAS backend, or a `BackendError` that lists every library tried
 * and how to install one.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { openblasBackend, openblasLibrary } from "./mod.ts";
 * if (openblasLibrary()._tag === "Right") assert.equal(openblasBackend().name, "openblas");
 * else assert.throws(() => openblasBackend(), /apt-get install libopenblas0/);
 * ```
 */
export function openblasBackend(): Backend {
  const lib = openblasLibrary();
  if (E.isLeft(lib)) throw new BackendError("setBackend", describeFailure(lib.left));
  return createOpenBlasBackend(lib.right);
}

/** What was loaded: the library file, its build configuration and its thread count. */
export interface OpenBlasInfo {
  /** The path or soname that loaded. */
  readonly path: string;
  /** `openblas_get_config()`, e.g. "OpenBLAS 0.3.21 NO_LAPACKE DYNAMIC_ARCH NO_AFFINITY Cooperlake MAX_THREADS=64". */
  readonly config: string;
  /** `openblas_get_num_threads()`: from OPENBLAS_NUM_THREADS, capped by the cores. */
  readonly threads: number;
}

/**
 * Facts about the loaded OpenBLAS, or `undefined` when none can be loaded.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { openblasInfo } from "./mod.ts";
 * const info = openblasInfo();
 * if (info !== undefined) assert.ok(info.threads >= 1);
 * ```
 */
export function openblasInfo(): OpenBlasInfo | undefined {
  const lib = openblasLibrary();
  if (E.isLeft(lib)) return undefined;
  const l = lib.right;
  return { path: l.path, config: l.openblas_get_config(), threads: l.openblas_get_num_threads() };
}
