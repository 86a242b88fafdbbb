/**
 * What the Fashion-MNIST examples print after training: seconds per epoch
 * (timed by a `fit` callback) and the best and last test accuracy.
 *
 * @module
 */
import type { optim } from "../mod.ts";

/** A `fit` callback that times each epoch, and the mean of those times. */
export interface EpochClock {
  readonly callback: optim.FitCallbacks<never, never>;
  /** Mean seconds per epoch so far (training and evaluation). */
  meanSeconds(): number;
}

/**
 * Times every epoch of a `fit` run.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { epochClock } from "./report.ts";
 * assert.ok(Number.isNaN(epochClock().meanSeconds())); // no epoch yet
 * ```
 */
export const epochClock = (): EpochClock => {
  const times: number[] = [];
  let start = 0;
  return {
    callback: {
      onEpochBegin: () => void (start = performance.now()),
      onEpochEnd: () => void times.push((performance.now() - start) / 1000),
    },
    meanSeconds: () => times.reduce((a, b) => a + b, 0) / times.length,
  };
};

/**
 * Prints the seconds per epoch, the best test accuracy with its epoch, and
 * the last one.
 *
 * @example
 * ```ts
 * import { printAccuracy } from "./report.ts";
 * printAccuracy([0.8, 0.9, 0.85], 2.5);
 * ```
 */
export const printAccuracy = (valAccuracy: readonly number[], secondsPerEpoch: number): void => {
  const best = valAccuracy.indexOf(Math.max(...valAccuracy));
  console.log(`seconds per epoch (training and evaluation): ${secondsPerEpoch.toFixed(1)}`);
  console.log(`best test accuracy ${(100 * valAccuracy[best]).toFixed(2)} % after epoch ${best + 1}`);
  console.log(`test accuracy ${(100 * valAccuracy.at(-1)!).toFixed(2)} % after ${valAccuracy.length} epochs`);
};
