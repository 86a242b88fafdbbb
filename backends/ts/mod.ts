/**
 * The pure TypeScript backend.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { tsBackend } from "./mod.ts";
 * assert.equal(tsBackend.name, "ts");
 * ```
 *
 * @module
 */
export { tsBackend } from "./backend.ts";
