/**
 * Command-line flags for the examples: `--name value` pairs read from
 * `process.argv` (Deno and Bun alike), with a clear error for a bad value.
 *
 * @module
 */
import process from "node:process";

/**
 * The value after `--name`, or undefined when the flag is absent.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { flag } from "./cli.ts";
 * assert.equal(flag("no-such-flag"), undefined);
 * ```
 */
export const flag = (name: string): string | undefined => {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return undefined;
  const v = process.argv[i + 1];
  if (v === undefined || v.startsWith("--")) throw new Error(`--${name} needs a value`);
  return v;
};

/**
 * `--name` as a positive number (an integer when `integer` is set), or `fallback` when absent.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { positiveFlag } from "./cli.ts";
 * assert.equal(positiveFlag("no-such-flag", 3, { integer: true }), 3);
 * ```
 */
export const positiveFlag = (name: string, fallback: number, opts: { integer?: boolean } = {}): number => {
  const raw = flag(name);
  if (raw === undefined) return fallback;
  const v = Number(raw);
  if (!Number.isFinite(v) || v <= 0 || (opts.integer === true && !Number.isInteger(v))) {
    throw new Error(`--${name} must be a positive ${opts.integer === true ? "integer" : "number"}, got ${raw}`);
  }
  return v;
};
