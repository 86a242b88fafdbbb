/**
 * Early stopping for `fit`, with Keras' `EarlyStopping` rules: watch one
 * history entry, count the epochs in a row without an improvement larger
 * than `minDelta`, stop once the count reaches `patience`, and keep the best
 * epoch so its parameters can be returned.
 *
 * @module
 */
import { ValueError } from "../core/errors.ts";

/** Options of `fit`'s `earlyStopping`. */
export interface EarlyStoppingOptions {
  /** The history entry to watch (default `"valLoss"`, or `"loss"` without validation data). */
  readonly monitor?: string;
  /**
   * Epochs in a row without improvement before stopping (default 0, as
   * Keras: stop at the first epoch that does not improve; 0 and 1 agree).
   */
  readonly patience?: number;
  /**
   * `"min"` (lower is better), `"max"`, or `"auto"` (default): `"max"` when
   * the monitored name contains "acc" (an accuracy), `"min"` otherwise.
   */
  readonly mode?: "min" | "max" | "auto";
  /** The least change that counts as an improvement (default 0). */
  readonly minDelta?: number;
  /**
   * Return the parameters (and state, optimizer state) of the best epoch
   * rather than the last (default true; Keras' `restore_best_weights`
   * defaults to false, but keeping the best epoch is why one stops early).
   */
  readonly restoreBest?: boolean;
}

/** What an epoch's figure meant. */
export interface Verdict {
  /** The monitored value is the best so far. */
  readonly improved: boolean;
  /** Patience ran out: stop after this epoch. */
  readonly stop: boolean;
}

/** The early-stopping rule of one `fit` call (it counts epochs, so it lives as long as the call). */
export interface EarlyStopper {
  /** The entry watched (`undefined` when early stopping is off). */
  readonly monitor: string | undefined;
  /** Whether the best epoch's parameters are returned. */
  readonly restoreBest: boolean;
  /** Takes one epoch's history entries. */
  observe(logs: Readonly<Record<string, number>>): Verdict;
}

const OFF: EarlyStopper = {
  monitor: undefined,
  restoreBest: false,
  observe: () => ({ improved: false, stop: false }),
};

/**
 * The stopper for `opts` (off when `undefined`), checked against the history
 * entries `fit` records (`recorded`): an unknown `monitor` is a `ValueError`
 * naming the entries there are.
 *
 * @example Patience 1: stop at the first epoch that is not better
 * ```ts
 * import assert from "node:assert/strict";
 * import { earlyStopper } from "./early_stopping.ts";
 * const s = earlyStopper({ monitor: "valLoss", patience: 1 }, ["loss", "valLoss"]);
 * assert.deepEqual(s.observe({ valLoss: 3 }), { improved: true, stop: false });
 * assert.deepEqual(s.observe({ valLoss: 2 }), { improved: true, stop: false });
 * assert.deepEqual(s.observe({ valLoss: 2.5 }), { improved: false, stop: true });
 * assert.throws(() => earlyStopper({ monitor: "valAcc" }, ["loss"]), /valAcc.*loss/);
 * ```
 */
export const earlyStopper = (opts: EarlyStoppingOptions | undefined, recorded: readonly string[]): EarlyStopper => {
  if (opts === undefined) return OFF;
  const monitor = opts.monitor ?? (recorded.includes("valLoss") ? "valLoss" : "loss");
  if (!recorded.includes(monitor)) {
    throw new ValueError(
      "fit",
      `earlyStopping.monitor "${monitor}" is not recorded; the history has ${recorded.join(", ")}`,
    );
  }
  const patience = opts.patience ?? 0;
  if (!Number.isSafeInteger(patience) || patience < 0) {
    throw new ValueError("fit", `earlyStopping.patience must be an integer ≥ 0, got ${patience}`);
  }
  const minDelta = opts.minDelta ?? 0;
  if (typeof minDelta !== "number" || !(minDelta >= 0)) {
    throw new ValueError("fit", `earlyStopping.minDelta must be a number ≥ 0, got ${minDelta}`);
  }
  const mode = opts.mode ?? "auto";
  if (mode !== "min" && mode !== "max" && mode !== "auto") {
    throw new ValueError("fit", `earlyStopping.mode must be "min", "max" or "auto", got ${String(mode)}`);
  }
  const sign = (mode === "auto" ? (/acc/i.test(monitor) ? "max" : "min") : mode) === "max" ? -1 : 1;
  // Lower is better after multiplying by `sign`; NaN never improves.
  let best = Infinity;
  let wait = 0;
  return {
    monitor,
    restoreBest: opts.restoreBest ?? true,
    observe: (logs) => {
      const v = sign * logs[monitor];
      wait++;
      if (v + minDelta < best) {
        best = v;
        wait = 0;
        return { improved: true, stop: false };
      }
      return { improved: false, stop: wait >= patience };
    },
  };
};
