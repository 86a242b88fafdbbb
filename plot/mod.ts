/**
 * Plots as SVG, built as strings (no browser or DOM needed) and identical on
 * every run: loss curves (`lineChart`, `historyChart`), fits against data
 * (`fitChart`), classes in 2-D (`scatter`), decision regions
 * (`decisionBoundary`) and image grids (`imageGrid`). Each returns a `Plot`:
 * `.svg`, `.save(path)`, and inline display as the last expression of a Deno
 * Jupyter cell.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { historyChart, JUPYTER_DISPLAY } from "./mod.ts";
 * const p = historyChart({ loss: [1, 0.6, 0.4], valLoss: [1.1, 0.7, 0.55] });
 * assert.match(p.svg, /^<svg /);
 * assert.equal(p[JUPYTER_DISPLAY]()["image/svg+xml"], p.svg);
 * ```
 *
 * @module
 */
export { JUPYTER_DISPLAY, type MimeBundle, Plot } from "./plot.ts";
export { lineChart, type LineChartOptions, type Series, type SeriesStyle } from "./line_chart.ts";
export { historyChart, type HistoryChartOptions } from "./history_chart.ts";
export { type Fit, fitChart, type FitChartOptions } from "./fit_chart.ts";
export { scatter, type ScatterOptions } from "./scatter.ts";
export { decisionBoundary, type DecisionBoundaryOptions } from "./decision_boundary.ts";
export { imageGrid, type ImageGridOptions } from "./image_grid.ts";
export { PALETTE } from "./palette.ts";
export type { Numbers } from "./values.ts";
