/**
 * Forcing a full garbage collection in a test, on both runtimes: Bun has
 * `Bun.gc(true)`; Deno exposes `gc()` only when V8 is started with
 * `--expose-gc` (`scripts/test.sh` passes `--v8-flags=--expose-gc`).
 *
 * @module
 */
const host = globalThis as { Bun?: { gc(force: boolean): void }; gc?: () => void };

/**
 * Runs a full, synchronous garbage collection; throws (naming the flag) where
 * the runtime offers none, so a test that needs one cannot pass without it.
 *
 * @example
 * ```ts
 * import { forceGc } from "./gc.ts";
 * if ("Bun" in globalThis || "gc" in globalThis) forceGc();
 * ```
 */
export function forceGc(): void {
  if (host.Bun !== undefined) host.Bun.gc(true);
  else if (host.gc !== undefined) host.gc();
  else throw new Error("no forced GC here: run deno test with --v8-flags=--expose-gc (as scripts/test.sh does)");
}
