/**
 * Line charts: loss and metric curves, several series on shared axes.
 *
 * @module
 */
import { ValueError } from "../core/errors.ts";
import { frame } from "./frame.ts";
import { curve, dots } from "./marks.ts";
import { color } from "./palette.ts";
import { Plot } from "./plot.ts";
import { type Numbers, toNumbers } from "./values.ts";

/** How one series is drawn. */
export interface SeriesStyle {
  /** A CSS colour (default: the palette colour of the series' position). */
  readonly color?: string;
  /** A dashed line: true, or an SVG dash array such as "6 3". */
  readonly dash?: boolean | string;
  /** The stroke width (default 2). */
  readonly width?: number;
  /** Dots at every point as well (default: only when a series has ≤ 30 points). */
  readonly markers?: boolean;
}

/** One curve. */
export interface Series {
  /** The name in the legend. */
  readonly name: string;
  /** The x values (default 0, 1, …); as many as `y`. */
  readonly x?: Numbers;
  /** The y values; non-finite ones leave a gap. */
  readonly y: Numbers;
  /** How it is drawn. */
  readonly style?: SeriesStyle;
}

/** What `lineChart` draws. */
export interface LineChartOptions {
  /** The curves. */
  readonly series: readonly Series[];
  /** The title. */
  readonly title?: string;
  /** The x axis label. */
  readonly xLabel?: string;
  /** The y axis label. */
  readonly yLabel?: string;
  /** A logarithmic y axis (values ≤ 0 leave gaps). */
  readonly logY?: boolean;
  /** Width in pixels (default 640). */
  readonly width?: number;
  /** Height in pixels (default 400). */
  readonly height?: number;
}

/**
 * Curves on shared axes, with a legend when there is more than one.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { lineChart } from "./mod.ts";
 * const p = lineChart({ series: [{ name: "loss", y: [1, 0.5, 0.25] }], title: "training" });
 * assert.equal(p.svg.match(/<path class="series"/g)?.length, 1);
 * assert.match(p.svg, /training/);
 * ```
 */
export const lineChart = (o: LineChartOptions): Plot => {
  const series = o.series.map((s, i) => {
    const y = toNumbers(s.y, "lineChart", `series[${i}].y`);
    const x = s.x === undefined ? y.map((_, j) => j) : toNumbers(s.x, "lineChart", `series[${i}].x`);
    if (x.length !== y.length) {
      throw new ValueError("lineChart", `series[${i}] ("${s.name}") has ${x.length} x values but ${y.length} y values`);
    }
    const st = s.style ?? {};
    const dash = st.dash === true ? "6 4" : st.dash === false ? undefined : st.dash;
    return {
      name: s.name,
      x,
      y,
      color: st.color ?? color(i),
      dash,
      width: st.width,
      markers: st.markers ?? y.length <= 30,
    };
  });
  const f = frame({
    xs: series.flatMap((s) => s.x.filter((_, j) => Number.isFinite(s.y[j]))),
    ys: series.flatMap((s) => s.y),
    title: o.title,
    xLabel: o.xLabel,
    yLabel: o.yLabel,
    logY: o.logY,
    width: o.width,
    height: o.height,
    legend: series.length > 1
      ? series.map((s) => ({ name: s.name, color: s.color, kind: "line" as const, dash: s.dash }))
      : [],
  });
  const body = series.map((s) => {
    const pts = s.x.map((x, j) => [f.sx(x), f.sy(s.y[j])] as const);
    return curve(pts, s.name, s.color, { dash: s.dash, width: s.width }) +
      (s.markers ? dots(pts, s.color, { r: 2.5 }) : "");
  }).join("");
  const what = series.map((s) => `${s.name} (${s.y.length})`).join(", ");
  return new Plot(f.render(body), `line chart${o.title ? ` "${o.title}"` : ""}: ${what || "no series"}`);
};
