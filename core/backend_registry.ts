/**
 * Which backend runs the kernels. This is the library's only global state:
 * every op asks `activeBackend()` for its kernels.
 *
 * The choice starts from the `DENDRITE_BACKEND` environment variable
 * (`ts`, `openblas`, `wasm` or `auto`), read at the first op, and
 * `setBackend` changes it. `"auto"` takes the first of OpenBLAS, wasm and ts
 * that loads. Unset (or unreadable: Deno without `--allow-env`) means the
 * automatic choice made silently, since the user asked for nothing:
 * `getBackend()` says which ran. A backend named through the variable, or an
 * explicit `"auto"`, that cannot be loaded falls back with one notice on
 * stderr; `setBackend("openblas")` instead throws a `BackendError` saying
 * what was tried and how to install it.
 *
 * Nothing loads at import: OpenBLAS is opened and wasm modules are compiled
 * only when the first op asks for the active backend.
 *
 * @module
 */
import type { Backend } from "../backends/backend.ts";
import { tsBackend } from "../backends/ts/backend.ts";
import { openblasBackend } from "../backends/openblas/mod.ts";
import { wasmBackend } from "../backends/wasm/backend.ts";
import { ValueError } from "./errors.ts";
import { readEnv } from "./runtime.ts";

/** The environment variable that picks the backend at start-up. */
export const BACKEND_VARIABLE = "DENDRITE_BACKEND";

const registry = new Map<string, () => Backend>([
  ["ts", () => tsBackend],
  ["openblas", openblasBackend],
  ["wasm", wasmBackend],
]);
/** Tried in order by `"auto"`; the last one must always load. */
const AUTO_ORDER = ["openblas", "wasm", "ts"];
/** Tried in order when the backend named by the environment cannot be used. */
const FALLBACK_ORDER = ["wasm", "ts"];
/** Backends made so far, one per name (a factory runs once until its name is registered again). */
const made = new Map<string, Backend>();
let active: Backend | undefined;
let noticed = false;

/**
 * Makes a backend available to `setBackend` under its name. The factory runs
 * when the backend is selected, so a backend that needs a native library
 * loads it lazily; it throws if the backend cannot be used.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { registerBackend, setBackend, getBackend } from "../mod.ts";
 * import { tsBackend } from "../backends/ts/backend.ts";
 * registerBackend("ts-copy", () => ({ ...tsBackend, name: "ts-copy" }));
 * setBackend("ts-copy");
 * assert.equal(getBackend(), "ts-copy");
 * setBackend("ts");
 * ```
 */
export const registerBackend = (name: string, factory: () => Backend): void => {
  if (name === "auto") throw new ValueError("registerBackend", `"auto" is reserved for automatic selection`);
  registry.set(name, factory);
  made.delete(name);
};

/**
 * Chooses the backend by name: `"ts"` (always there), `"openblas"` (throws a
 * `BackendError` naming every library tried when OpenBLAS cannot be loaded),
 * `"wasm"` (WebAssembly SIMD kernels; throws where the engine lacks SIMD128),
 * or `"auto"` (OpenBLAS when it loads, else wasm, else `"ts"`, with one
 * notice when it had to skip one).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { setBackend, getBackend } from "../mod.ts";
 * setBackend("ts");
 * assert.equal(getBackend(), "ts");
 * assert.throws(() => setBackend("cuda"), /unknown backend/);
 * setBackend("auto");
 * assert.ok(["openblas", "wasm", "ts"].includes(getBackend()));
 * setBackend("ts");
 * ```
 */
export const setBackend = (name: string): void => {
  active = backendNamed(name);
};

/**
 * @internal The backend called `name` (or the automatic choice), made on
 * first use; throws as `setBackend` does.
 */
export const backendNamed = (name: string): Backend => (name === "auto" ? automatic() : lookup(name)());

/**
 * The name of the active backend.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { getBackend } from "../mod.ts";
 * assert.equal(typeof getBackend(), "string");
 * ```
 */
export const getBackend = (): string => activeBackend().name;

/** @internal The active backend's kernels, for the core. */
export const activeBackend = (): Backend => active ??= fromEnvironment();

/**
 * Names accepted by `setBackend`, each with whether it can be used here
 * (loading a native library if needed; nothing is printed).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { availableBackends } from "./backend_registry.ts";
 * assert.ok(availableBackends().includes("ts"));
 * ```
 */
export function availableBackends(): string[] {
  return [...registry.keys()].filter((name) => {
    try {
      registry.get(name)!();
      return true;
    } catch {
      return false;
    }
  });
}

function lookup(name: string): () => Backend {
  const factory = registry.get(name);
  const ready = made.get(name);
  if (ready !== undefined) return () => ready;
  if (factory === undefined) {
    throw new ValueError(
      "setBackend",
      `unknown backend ${JSON.stringify(name)}; available: ${[...registry.keys(), "auto"].join(", ")}`,
    );
  }
  return () => {
    const backend = factory();
    made.set(name, backend);
    return backend;
  };
}

function fromEnvironment(): Backend {
  const name = readEnv(BACKEND_VARIABLE);
  if (name === undefined || name === "") return firstThatLoads(AUTO_ORDER, []);
  if (name === "ts") return tsBackend;
  if (name === "auto") return automatic();
  try {
    return lookup(name)();
  } catch (e) {
    const reasons = [e];
    const backend = firstThatLoads(FALLBACK_ORDER.filter((n) => n !== name), reasons);
    notice(`${BACKEND_VARIABLE}=${name} could not be used; running on the "${backend.name}" backend.`, ...reasons);
    return backend;
  }
}

/** The first backend of {@link AUTO_ORDER} that loads; a failure is reported once. */
function automatic(): Backend {
  const reasons: unknown[] = [];
  const backend = firstThatLoads(AUTO_ORDER, reasons);
  if (reasons.length > 0) notice(`running on the "${backend.name}" backend.`, ...reasons);
  return backend;
}

/** The first of `names` that loads; why each before it failed is pushed on `reasons`. */
function firstThatLoads(names: readonly string[], reasons: unknown[]): Backend {
  for (const name of names) {
    try {
      return lookup(name)();
    } catch (e) {
      reasons.push(e);
    }
  }
  throw reasons[reasons.length - 1];
}

/** Prints one notice per process to stderr: falling back is not an error, but it should be seen. */
function notice(what: string, ...reasons: unknown[]) {
  if (noticed) return;
  noticed = true;
  const why = reasons.map((r) => `dendrite: ${r instanceof Error ? r.message : String(r)}`).join("\n");
  console.warn(`${why}\ndendrite: ${what}`);
}
