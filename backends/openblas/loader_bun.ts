/**
 * Loads OpenBLAS with `bun:ffi`. Arrays are declared `ptr` and passed as the
 * typed array itself, so Bun takes the address at the moment of the call:
 * an address taken earlier with `ptr()` can go stale once the JIT moves a
 * small typed array's storage (oven-sh/bun#32054).
 *
 * `bun:ffi` is reached through `process.getBuiltinModule`, a synchronous
 * lookup, so that this module can be imported (and type-checked) on Deno,
 * where the specifier does not exist.
 *
 * @module
 */
import * as E from "npm:fp-ts@2.16.11/lib/Either.js";
import type { NativeBlas } from "./native.ts";
import { SIGNATURES } from "./native.ts";
import type { LoadFailure } from "./loader_deno.ts";

interface BunFfi {
  dlopen(
    path: string,
    symbols: Record<string, { args: readonly string[]; returns: string }>,
  ): { symbols: Record<string, (...args: unknown[]) => unknown> };
}

const bunFfi = (): BunFfi =>
  (globalThis as unknown as { process: { getBuiltinModule(id: string): unknown } }).process.getBuiltinModule(
    "bun:ffi",
  ) as BunFfi;

/**
 * Opens `path` (a soname or a file) and binds every symbol of
 * {@link SIGNATURES}. Only callable on Bun.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { openBun } from "./loader_bun.ts";
 * if ("Bun" in globalThis) assert.equal(openBun("/nonexistent/libopenblas.so.0")._tag, "Left");
 * ```
 */
export function openBun(path: string): E.Either<LoadFailure, NativeBlas> {
  let symbols: Record<string, (...args: unknown[]) => unknown>;
  try {
    symbols = bunFfi().dlopen(path, SIGNATURES).symbols;
  } catch (e) {
    return E.left({ reason: String(e instanceof Error ? e.message : e).split("\n")[0], stop: false });
  }
  const getConfig = symbols.openblas_get_config as () => { toString(): string } | null;
  return E.right({
    ...(symbols as unknown as NativeBlas),
    path,
    openblas_get_config: () => String(getConfig() ?? ""),
  });
}
