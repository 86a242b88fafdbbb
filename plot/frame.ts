/**
 * The frame shared by the x-y charts: the plot area, axes with nice ticks,
 * grid lines, axis labels, title and legend. Sizes of labels are estimated
 * from their length (there is no font metric without a renderer), with
 * room to spare.
 *
 * @module
 */
import { el, svgDocument, text } from "./svg.ts";
import { extent, formatTick, linear, logTicks, niceTicks, type Ticks } from "./scale.ts";

/** One legend line. */
export interface LegendEntry {
  /** The series or class name. */
  readonly name: string;
  /** Its colour. */
  readonly color: string;
  /** A line sample, a dot, or a filled box. */
  readonly kind: "line" | "point" | "box";
  /** A stroke-dasharray for dashed lines. */
  readonly dash?: string;
}

/** What a frame shows around the data. */
export interface FrameOptions {
  /** Every x value to be shown (non-finite ones ignored). */
  readonly xs: Iterable<number>;
  /** Every y value to be shown. */
  readonly ys: Iterable<number>;
  /** The title above the plot. */
  readonly title?: string;
  /** The x axis label. */
  readonly xLabel?: string;
  /** The y axis label. */
  readonly yLabel?: string;
  /** A logarithmic y axis (values ≤ 0 are then left out). */
  readonly logY?: boolean;
  /** Legend entries, drawn right of the plot; none: no legend. */
  readonly legend?: readonly LegendEntry[];
  /** Width in pixels (default 640). */
  readonly width?: number;
  /** Height in pixels (default 400). */
  readonly height?: number;
  /** Extra room around the data, as a fraction of the range (default 0). */
  readonly pad?: number;
}

/** A laid-out frame: scales into pixels and a function that completes the SVG. */
export interface Frame {
  /** x value to pixel. */
  readonly sx: (v: number) => number;
  /** y value to pixel; NaN for values a log axis cannot show. */
  readonly sy: (v: number) => number;
  /** The plot area in pixels. */
  readonly area: { readonly left: number; readonly top: number; readonly right: number; readonly bottom: number };
  /** The x and y axis ranges (data units). */
  readonly domain: { readonly x: readonly [number, number]; readonly y: readonly [number, number] };
  /** The whole SVG with `body` (the data marks) drawn inside the frame. */
  readonly render: (body: string) => string;
}

/** Rough width of a label in pixels at font size 12. */
export const labelWidth = (s: string, size = 12): number => s.length * size * 0.6;

const padded = ([lo, hi]: [number, number], pad: number): [number, number] => {
  const d = (hi - lo) * pad;
  return [lo - d, hi + d];
};

// Fewer ticks until their labels fit side by side.
const fittingTicks = (lo: number, hi: number, pixels: number, gap: number): Ticks => {
  for (let count = Math.max(2, Math.floor(pixels / 60)); count > 2; count--) {
    const t = niceTicks(lo, hi, count);
    const widest = Math.max(...t.values.map((v) => labelWidth(formatTick(v))));
    if ((pixels / Math.max(1, t.values.length - 1)) >= widest + gap) return t;
  }
  return niceTicks(lo, hi, 2);
};

/**
 * Lays out a frame around the data.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { frame } from "./frame.ts";
 * const f = frame({ xs: [0, 10], ys: [0, 1], title: "t" });
 * assert.equal(f.sx(0), f.area.left);
 * assert.equal(f.sy(0), f.area.bottom);
 * assert.match(f.render(""), /class="title"/);
 * ```
 */
export const frame = (o: FrameOptions): Frame => {
  const width = o.width ?? 640;
  const height = o.height ?? 400;
  const pad = o.pad ?? 0;
  const ysIn = [...o.ys].filter((v) => !o.logY || v > 0);
  const [ylo, yhi] = padded(extent(ysIn), pad);
  const [xlo, xhi] = padded(extent(o.xs), pad);
  const top = o.title ? 40 : 16;
  const bottom = height - (o.xLabel ? 52 : 34);
  const yTicks = o.logY ? logTicks(ylo > 0 ? ylo : 1e-3, yhi > 0 ? yhi : 1) : fittingTicks(ylo, yhi, bottom - top, 14);
  const yLabels = yTicks.values.map(formatTick);
  const left = 14 + Math.max(...yLabels.map((s) => labelWidth(s))) + (o.yLabel ? 26 : 6);
  const legend = o.legend ?? [];
  const legendWidth = legend.length === 0 ? 0 : Math.min(220, 40 + Math.max(...legend.map((e) => labelWidth(e.name))));
  const right = width - 20 - legendWidth;
  const xTicks = fittingTicks(xlo, xhi, right - left, 16);
  const lin = linear(yTicks.domain.map((v) => (o.logY ? Math.log10(v) : v)) as [number, number], [bottom, top]);
  const sy = o.logY ? (v: number) => (v > 0 ? lin(Math.log10(v)) : NaN) : lin;
  const sx = linear(xTicks.domain, [left, right]);
  const area = { left, top, right, bottom };

  const parts: string[] = [];
  for (const v of xTicks.values) {
    const x = sx(v);
    parts.push(el(
      "g",
      { class: "tick x" },
      el("line", { x1: x, y1: top, x2: x, y2: bottom, stroke: "#e6e6e6" }) +
        el("line", { x1: x, y1: bottom, x2: x, y2: bottom + 5, stroke: "#333" }) +
        text({ x, y: bottom + 18, "text-anchor": "middle", fill: "#333" }, formatTick(v)),
    ));
  }
  yTicks.values.forEach((v, i) => {
    const y = sy(v);
    parts.push(el(
      "g",
      { class: "tick y" },
      el("line", { x1: left, y1: y, x2: right, y2: y, stroke: "#e6e6e6" }) +
        el("line", { x1: left - 5, y1: y, x2: left, y2: y, stroke: "#333" }) +
        text({ x: left - 8, y: y + 4, "text-anchor": "end", fill: "#333" }, yLabels[i]),
    ));
  });
  parts.push(el("path", { class: "axis", d: `M${left} ${top}V${bottom}H${right}`, fill: "none", stroke: "#333" }));
  const axes = el("g", { class: "axes" }, parts.join(""));

  const labels: string[] = [];
  if (o.title) {
    labels.push(
      text({
        class: "title",
        x: (left + right) / 2,
        y: 24,
        "text-anchor": "middle",
        "font-size": 15,
        "font-weight": "bold",
      }, o.title),
    );
  }
  if (o.xLabel) {
    labels.push(text({ class: "xlabel", x: (left + right) / 2, y: height - 14, "text-anchor": "middle" }, o.xLabel));
  }
  if (o.yLabel) {
    const cy = (top + bottom) / 2;
    labels.push(
      text({ class: "ylabel", x: 16, y: cy, "text-anchor": "middle", transform: `rotate(-90 16 ${cy})` }, o.yLabel),
    );
  }
  const legendSvg = legend.length === 0 ? "" : el(
    "g",
    { class: "legend" },
    legend.map((e, i) => {
      const x = right + 16;
      const y = top + 8 + i * 20;
      const mark = e.kind === "line"
        ? el("line", {
          x1: x,
          y1: y,
          x2: x + 20,
          y2: y,
          stroke: e.color,
          "stroke-width": 2.5,
          "stroke-dasharray": e.dash,
        })
        : e.kind === "point"
        ? el("circle", { cx: x + 10, cy: y, r: 4, fill: e.color })
        : el("rect", { x: x + 3, y: y - 7, width: 14, height: 14, fill: e.color });
      return el("g", { class: "legend-entry" }, mark + text({ x: x + 26, y: y + 4 }, e.name));
    }).join(""),
  );
  const render = (body: string) =>
    svgDocument(width, height, axes + el("g", { class: "data" }, body) + labels.join("") + legendSvg);
  return { sx, sy, area, domain: { x: xTicks.domain, y: yTicks.domain }, render };
};
