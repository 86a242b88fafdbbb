/**
 * Loads OpenBLAS with `Deno.dlopen`. Arrays are `buffer` parameters (Deno
 * passes the view's own address, so a sub-array's offset is honoured), and
 * calls stay synchronous: `nonblocking` calls would let the typed array be
 * collected or resized while OpenBLAS still reads it.
 *
 * @module
 */
import * as E from "npm:fp-ts@2.16.11/lib/Either.js";
import { type CType, type NativeBlas, SIGNATURES } from "./native.ts";

/** Why a load failed; `stop` says that no other candidate can do better (a missing permission). */
export interface LoadFailure {
  /** What went wrong, in a few words. */
  readonly reason: string;
  /** Trying other paths is pointless (e.g. FFI is not allowed at all). */
  readonly stop: boolean;
}

const denoType = (t: CType): Deno.NativeType | Deno.NativeResultType =>
  t === "ptr" ? "buffer" : t === "cstring" ? "pointer" : t;

/**
 * Opens `path` (a soname or a file) and binds every symbol of
 * {@link SIGNATURES}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { openDeno } from "./loader_deno.ts";
 * const result = openDeno("/nonexistent/libopenblas.so.0");
 * assert.equal(result._tag, "Left");
 * ```
 */
export function openDeno(path: string): E.Either<LoadFailure, NativeBlas> {
  const symbols: Record<string, Deno.ForeignFunction> = {};
  for (const [name, sig] of Object.entries(SIGNATURES)) {
    symbols[name] = {
      parameters: sig.args.map(denoType) as Deno.NativeType[],
      result: denoType(sig.returns),
    };
  }
  let lib: Deno.DynamicLibrary<Record<string, Deno.ForeignFunction>>;
  try {
    lib = Deno.dlopen(path, symbols);
  } catch (e) {
    if (e instanceof Deno.errors.NotCapable || e instanceof Deno.errors.PermissionDenied) {
      return E.left({
        reason: "Deno has not been granted FFI access: run with --allow-ffi (or -A)",
        stop: true,
      });
    }
    return E.left({ reason: firstLine(e), stop: false });
  }
  // deno-lint-ignore no-explicit-any
  const s = lib.symbols as Record<string, any>;
  const getConfig = s.openblas_get_config as () => Deno.PointerValue;
  return E.right({
    ...(s as unknown as NativeBlas),
    path,
    openblas_get_config: () => {
      const p = getConfig();
      return p === null ? "" : Deno.UnsafePointerView.getCString(p);
    },
  });
}

const firstLine = (e: unknown) => String(e instanceof Error ? e.message : e).split("\n")[0];
