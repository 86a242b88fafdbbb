/**
 * The one place that picks the test API, so that it can be swapped later.
 *
 * `deno test` and `bun test` both run `node:test` suites with
 * `node:assert/strict` (JSR, and so Deno's std testing library, is out of
 * reach here). fast-check is seeded once from the environment: `FC_SEED`
 * (default 42, fixed so CI is reproducible) and `FC_NUM_RUNS` (default: each
 * property's own count). A failing property prints its seed and path; replay
 * it with `FC_SEED=<seed>` and `{ seed, path }` in the property's parameters.
 *
 * @module
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import process from "node:process";
import fc from "npm:fast-check@4.10.2";

const seed = Number(process.env.FC_SEED ?? 42);
const numRuns = process.env.FC_NUM_RUNS === undefined ? undefined : Number(process.env.FC_NUM_RUNS);
fc.configureGlobal({ seed, ...(numRuns === undefined ? {} : { numRuns }) });

/** The seed every property of this run starts from. */
export const FC_SEED = seed;

export { assert, describe, fc, it };
