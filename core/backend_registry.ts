/**
 * Which backend runs the kernels. This is the library's only global state:
 * every op asks `activeBackend()` for its kernels.
 *
 * @module
 */
import type { Backend } from "../backends/backend.ts";
import { tsBackend } from "../backends/ts/backend.ts";
import { ValueError } from "./errors.ts";

const registry = new Map<string, () => Backend>([["ts", () => tsBackend]]);
let active: Backend = tsBackend;

/**
 * Makes a backend available to `setBackend` under its name. The factory runs
 * on first use, so a backend that needs a native library loads it lazily.
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
  registry.set(name, factory);
};

/**
 * Chooses the backend by name (`"ts"` is always there).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { setBackend, getBackend } from "../mod.ts";
 * setBackend("ts");
 * assert.equal(getBackend(), "ts");
 * assert.throws(() => setBackend("cuda"), /unknown backend/);
 * ```
 */
export const setBackend = (name: string): void => {
  const factory = registry.get(name);
  if (factory === undefined) {
    throw new ValueError(
      "setBackend",
      `unknown backend ${JSON.stringify(name)}; available: ${[...registry.keys()].join(", ")}`,
    );
  }
  active = factory();
};

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
export const getBackend = (): string => active.name;

/** @internal The active backend's kernels, for the core. */
export const activeBackend = (): Backend => active;
