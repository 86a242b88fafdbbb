/**
 * The training curves of `optim.fit`'s history.
 *
 * @module
 */
import { ValueError } from "../core/errors.ts";
import { lineChart, type Series } from "./line_chart.ts";
import { color } from "./palette.ts";
import type { Plot } from "./plot.ts";

/** What `historyChart` draws. */
export interface HistoryChartOptions {
  /** The history entries to draw, in order (default: all). */
  readonly keys?: readonly string[];
  /** The title (default "Training history"). */
  readonly title?: string;
  /** The y axis label (default: the key when there is one base name, else "value"). */
  readonly yLabel?: string;
  /** A logarithmic y axis. */
  readonly logY?: boolean;
}

// "valLoss" pairs with "loss": the same colour, dashed.
const base = (key: string): string =>
  key.startsWith("val") && key.length > 3 ? key[3].toLowerCase() + key.slice(4) : key;

/**
 * One curve per history entry against the epoch (from 1); a validation entry
 * (`valLoss`) is drawn dashed in the colour of its training entry (`loss`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { historyChart } from "./mod.ts";
 * const p = historyChart({ loss: [0.9, 0.5, 0.3], valLoss: [1, 0.6, 0.45] });
 * assert.equal(p.svg.match(/<path class="series"/g)?.length, 2);
 * assert.match(p.svg, /stroke-dasharray/);
 * ```
 */
export const historyChart = (
  history: Readonly<Record<string, readonly number[]>>,
  o: HistoryChartOptions = {},
): Plot => {
  const keys = o.keys ?? Object.keys(history);
  const missing = keys.filter((k) => !(k in history));
  if (missing.length > 0) {
    throw new ValueError(
      "historyChart",
      `no history entry ${missing.map((k) => `"${k}"`).join(", ")}; entries: ${Object.keys(history).join(", ")}`,
    );
  }
  const bases = [...new Set(keys.map(base))];
  const series: Series[] = keys.map((k) => ({
    name: k,
    x: history[k].map((_, i) => i + 1),
    y: history[k],
    style: { color: color(bases.indexOf(base(k))), dash: k !== base(k) },
  }));
  return lineChart({
    series,
    title: o.title ?? "Training history",
    xLabel: "epoch",
    yLabel: o.yLabel ?? (bases.length === 1 ? bases[0] : "value"),
    logY: o.logY,
  });
};
