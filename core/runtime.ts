/**
 * What the library needs to know about the JavaScript runtime it runs on:
 * which one it is, and the value of an environment variable (read only when
 * Deno has granted access to it, so that reading never prompts or throws).
 *
 * @module
 */

/** The runtimes the library knows how to use natively. */
export type Runtime = "deno" | "bun" | "other";

interface DenoLike {
  readonly build: { readonly os: string; readonly arch: string };
  readonly env: { get(name: string): string | undefined };
  readonly permissions: { querySync(d: { name: "env"; variable: string }): { state: string } };
}
interface ProcessLike {
  readonly platform: string;
  readonly arch: string;
  readonly env: Record<string, string | undefined>;
}

const g = globalThis as { Deno?: DenoLike; Bun?: unknown; process?: ProcessLike };

/**
 * The runtime this code runs on. Bun is checked first because it also
 * defines a `process` object, as Deno does.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { runtime } from "./runtime.ts";
 * assert.ok(["deno", "bun", "other"].includes(runtime()));
 * ```
 */
export const runtime = (): Runtime => g.Bun !== undefined ? "bun" : g.Deno !== undefined ? "deno" : "other";

/**
 * The operating system (`"linux"`, `"darwin"`, `"windows"`, …) and CPU
 * architecture (`"x86_64"`, `"aarch64"`, …) in Deno's spelling.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { platform } from "./runtime.ts";
 * assert.equal(typeof platform().os, "string");
 * ```
 */
export function platform(): { readonly os: string; readonly arch: string } {
  if (runtime() === "deno") return g.Deno!.build;
  const p = g.process;
  if (p === undefined) return { os: "unknown", arch: "unknown" };
  const arch = p.arch === "x64" ? "x86_64" : p.arch === "arm64" ? "aarch64" : p.arch;
  return { os: p.platform === "win32" ? "windows" : p.platform, arch };
}

/**
 * An environment variable, or `undefined` when it is unset or when Deno has
 * not been granted access to it (the library never triggers a permission
 * prompt by itself).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readEnv } from "./runtime.ts";
 * assert.equal(readEnv("DENDRITE_SURELY_UNSET_VARIABLE"), undefined);
 * ```
 */
export function readEnv(name: string): string | undefined {
  if (runtime() === "deno") {
    const deno = g.Deno!;
    if (deno.permissions.querySync({ name: "env", variable: name }).state !== "granted") return undefined;
    return deno.env.get(name);
  }
  return g.process?.env[name];
}
