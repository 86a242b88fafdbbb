/**
 * Fitted 1-D functions drawn over the scattered data they were fitted to.
 *
 * @module
 */
import { ValueError } from "../core/errors.ts";
import { frame, type LegendEntry } from "./frame.ts";
import { curve, dots } from "./marks.ts";
import { color } from "./palette.ts";
import { Plot } from "./plot.ts";
import { type Numbers, toNumbers } from "./values.ts";

/** One fitted function, sampled. */
export interface Fit {
  /** The name in the legend. */
  readonly name: string;
  /** Where it was evaluated (any order: the curve is drawn by increasing x). */
  readonly x: Numbers;
  /** Its values there. */
  readonly y: Numbers;
}

/** What `fitChart` draws. */
export interface FitChartOptions {
  /** The data points. */
  readonly data: { readonly x: Numbers; readonly y: Numbers };
  /** The fits drawn over them. */
  readonly fits?: readonly Fit[];
  /** The legend name of the data (default "data"). */
  readonly dataName?: string;
  /** The title. */
  readonly title?: string;
  /** The x axis label (default "x"). */
  readonly xLabel?: string;
  /** The y axis label (default "y"). */
  readonly yLabel?: string;
  /** Width in pixels (default 640). */
  readonly width?: number;
  /** Height in pixels (default 400). */
  readonly height?: number;
}

const pairs = (x: Numbers, y: Numbers, what: string): [number, number][] => {
  const xs = toNumbers(x, "fitChart", `${what}.x`);
  const ys = toNumbers(y, "fitChart", `${what}.y`);
  if (xs.length !== ys.length) {
    throw new ValueError("fitChart", `${what} has ${xs.length} x values but ${ys.length} y values`);
  }
  return xs.map((v, i) => [v, ys[i]]);
};

/**
 * Data as grey dots and every fit as a curve in its own colour.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { fitChart } from "./mod.ts";
 * const x = [0, 1, 2, 3];
 * const p = fitChart({ data: { x, y: [0.1, 0.9, 2.2, 2.9] }, fits: [{ name: "linear", x, y: x }] });
 * assert.equal(p.svg.match(/<circle class="point"/g)?.length, 4);
 * assert.equal(p.svg.match(/<path class="series"/g)?.length, 1);
 * ```
 */
export const fitChart = (o: FitChartOptions): Plot => {
  const data = pairs(o.data.x, o.data.y, "data");
  const fits = (o.fits ?? []).map((f, i) => ({
    name: f.name,
    color: color(i),
    // Sorted copies: a fit evaluated at shuffled points still draws one curve.
    points: pairs(f.x, f.y, `fits[${i}]`).sort((a, b) => a[0] - b[0]),
  }));
  const all = [...data, ...fits.flatMap((f) => f.points)].filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
  const legend: LegendEntry[] = [
    { name: o.dataName ?? "data", color: "#777777", kind: "point" },
    ...fits.map((f) => ({ name: f.name, color: f.color, kind: "line" as const })),
  ];
  const f = frame({
    xs: all.map((p) => p[0]),
    ys: all.map((p) => p[1]),
    title: o.title,
    xLabel: o.xLabel ?? "x",
    yLabel: o.yLabel ?? "y",
    legend,
    width: o.width,
    height: o.height,
  });
  const px = (ps: readonly [number, number][]) => ps.map(([x, y]) => [f.sx(x), f.sy(y)] as const);
  const body = dots(px(data), "#777777", { r: 3, opacity: 0.7 }) +
    fits.map((fit) => curve(px(fit.points), fit.name, fit.color, { width: 2.5 })).join("");
  return new Plot(
    f.render(body),
    `fit chart${o.title ? ` "${o.title}"` : ""}: ${data.length} points, fits ${
      fits.map((x) => x.name).join(", ") || "none"
    }`,
  );
};
