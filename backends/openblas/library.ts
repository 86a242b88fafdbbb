/**
 * Finding and checking OpenBLAS. Candidates are tried in order: the path in
 * `DENDRITE_OPENBLAS_PATH`, then the sonames the system loader resolves
 * (`libopenblas.so.0` is what Debian's `libopenblas0` installs; the
 * `libopenblas.so` development link; Fedora's `libopenblasp.so.0` and
 * `libopenblaso.so.0`), then the files where distributions keep them outside
 * the loader's path (Debian's multiarch `openblas-pthread/` directory,
 * Homebrew's keg on macOS).
 *
 * A library that loads is checked before use: it must be a 32-bit-integer
 * build (`openblas_get_config()` without `USE64BITINT`; the ILP64 builds
 * named `libopenblas64*` are skipped outright) and a 2×2 product in each
 * precision must come out right.
 *
 * The thread count is OpenBLAS's own: it reads `OPENBLAS_NUM_THREADS` (then
 * `GOTO_NUM_THREADS`, `OMP_NUM_THREADS`) once, when the library loads.
 *
 * @module
 */
import * as E from "npm:fp-ts@2.16.11/lib/Either.js";
import { platform, readEnv, runtime } from "../../core/runtime.ts";
import { type LoadFailure, openDeno } from "./loader_deno.ts";
import { openBun } from "./loader_bun.ts";
import { CBLAS, type LoadAttempt, type NativeBlas } from "./native.ts";

/** The environment variable naming an OpenBLAS library file to try first. */
export const PATH_VARIABLE = "DENDRITE_OPENBLAS_PATH";

/** How to install OpenBLAS, for error messages. */
export const INSTALL_HINT =
  "install it with `apt-get install libopenblas0` (Debian/Ubuntu), `dnf install openblas` (Fedora) " +
  `or \`brew install openblas\` (macOS), or set ${PATH_VARIABLE} to the library file`;

/**
 * The paths tried, in order, on this machine.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { candidatePaths } from "./library.ts";
 * const paths = candidatePaths();
 * assert.ok(paths.every((p) => !p.includes("openblas64")));
 * ```
 */
export function candidatePaths(): string[] {
  const explicit = readEnv(PATH_VARIABLE);
  const { os, arch } = platform();
  const system = os === "darwin"
    ? [
      "libopenblas.dylib",
      "/opt/homebrew/opt/openblas/lib/libopenblas.dylib", // Apple silicon
      "/usr/local/opt/openblas/lib/libopenblas.dylib", // Intel
    ]
    : [
      "libopenblas.so.0",
      "libopenblas.so",
      "libopenblasp.so.0",
      "libopenblaso.so.0",
      `/usr/lib/${arch}-linux-gnu/openblas-pthread/libopenblas.so.0`,
      `/usr/lib/${arch}-linux-gnu/libopenblas.so.0`,
      "/usr/lib64/libopenblas.so.0",
      "/usr/lib/libopenblas.so.0",
    ];
  return explicit ? [explicit, ...system] : system;
}

/** Every candidate tried and why it failed. */
export interface OpenBlasUnavailable {
  /** The candidates in the order tried, each with its reason. */
  readonly attempts: readonly LoadAttempt[];
}

/**
 * Loads and checks the first candidate that works. Never throws: a failure
 * comes back as a `Left` listing every attempt.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadOpenBlas } from "./library.ts";
 * const r = loadOpenBlas(["/nonexistent/libopenblas.so.0"]);
 * assert.equal(r._tag, "Left");
 * if (r._tag === "Left") assert.equal(r.left.attempts[0].path, "/nonexistent/libopenblas.so.0");
 * ```
 */
export function loadOpenBlas(paths: readonly string[] = candidatePaths()): E.Either<OpenBlasUnavailable, NativeBlas> {
  const attempts: LoadAttempt[] = [];
  const rt = runtime();
  if (rt === "other") {
    return E.left({ attempts: [{ path: "(none)", reason: "FFI needs Deno or Bun" }] });
  }
  for (const path of paths) {
    if (/openblas64/.test(path)) {
      attempts.push({ path, reason: "skipped: an ILP64 build (64-bit integers, suffixed symbols)" });
      continue;
    }
    const opened: E.Either<LoadFailure, NativeBlas> = rt === "deno" ? openDeno(path) : openBun(path);
    if (E.isLeft(opened)) {
      attempts.push({ path, reason: opened.left.reason });
      if (opened.left.stop) break;
      continue;
    }
    const problem = check(opened.right);
    if (problem === undefined) return opened;
    attempts.push({ path, reason: problem });
  }
  return E.left({ attempts });
}

/** Why a loaded library must not be used, or `undefined` if it is fine. */
function check(lib: NativeBlas): string | undefined {
  const config = lib.openblas_get_config();
  if (/USE64BITINT/.test(config)) return `an ILP64 build (${config}); a 32-bit-integer build is needed`;
  const s = new Float32Array(4), d = new Float64Array(4);
  const a = [1, 2, 3, 4], b = [5, 6, 7, 8], want = [19, 22, 43, 50];
  const { RowMajor, NoTrans } = CBLAS;
  lib.cblas_sgemm(RowMajor, NoTrans, NoTrans, 2, 2, 2, 1, Float32Array.from(a), 2, Float32Array.from(b), 2, 0, s, 2);
  lib.cblas_dgemm(RowMajor, NoTrans, NoTrans, 2, 2, 2, 1, Float64Array.from(a), 2, Float64Array.from(b), 2, 0, d, 2);
  if (want.some((w, i) => s[i] !== w || d[i] !== w)) {
    return `self-test failed: 2×2 product gave [${[...s]}] / [${[...d]}], expected [${want}]`;
  }
  return undefined;
}

/**
 * The message for a failed search: every attempt and how to install.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { describeFailure } from "./library.ts";
 * const text = describeFailure({ attempts: [{ path: "libopenblas.so.0", reason: "not found" }] });
 * assert.match(text, /libopenblas\.so\.0: not found/);
 * assert.match(text, /apt-get install libopenblas0/);
 * ```
 */
export function describeFailure(failure: OpenBlasUnavailable): string {
  const tried = failure.attempts.map((a) => `  - ${a.path}: ${a.reason}`).join("\n");
  const denied = failure.attempts.some((a) => a.reason.includes("--allow-ffi"));
  const hint = denied ? "run Deno with --allow-ffi (or -A)" : INSTALL_HINT;
  return `OpenBLAS could not be loaded. Tried:\n${tried}\nTo use it, ${hint}.`;
}
