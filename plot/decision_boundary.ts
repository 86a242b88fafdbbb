/**
 * The decision regions of a 2-D classifier, with the data on top.
 *
 * @module
 */
import type { Tensor } from "../core/tensor.ts";
import { tensor } from "../core/creation.ts";
import { ShapeError, ValueError } from "../core/errors.ts";
import { frame } from "./frame.ts";
import { dots } from "./marks.ts";
import { color, lighten, mix } from "./palette.ts";
import { Plot } from "./plot.ts";
import { el } from "./svg.ts";
import { type Numbers, toNumbers, toPoints } from "./values.ts";

/** What `decisionBoundary` draws. */
export interface DecisionBoundaryOptions {
  /**
   * The model on a grid of points [m,2]: probabilities of class 1 ([m] or
   * [m,1], shaded between the two class colours) or class scores [m,k]
   * (the region of the highest score).
   */
  readonly predict: (grid: Tensor) => Tensor;
  /** The data points [n,2]. */
  readonly x: Tensor | readonly (readonly number[])[];
  /** Their classes [n] (integers from 0). */
  readonly y: Numbers;
  /** Grid cells along each axis (default 60). */
  readonly resolution?: number;
  /** The legend name of each class (default "class k"). */
  readonly classNames?: readonly string[];
  /** The title. */
  readonly title?: string;
  /** The x axis label. */
  readonly xLabel?: string;
  /** The y axis label. */
  readonly yLabel?: string;
  /** Width in pixels (default 640). */
  readonly width?: number;
  /** Height in pixels (default 400). */
  readonly height?: number;
}

// Probabilities are shaded in this many steps, so that neighbouring cells of
// one shade merge into a single rectangle and the SVG stays small.
const LEVELS = 16;

/**
 * A grid of predicted classes (or class-1 probability shading) under the data.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { matmul, sigmoid, tensor, type Tensor } from "../mod.ts";
 * import { decisionBoundary } from "./mod.ts";
 * const p = decisionBoundary({
 *   predict: (g: Tensor) => sigmoid(matmul(g, tensor([[4], [0]]))),
 *   x: tensor([[-1, 0], [1, 0]]),
 *   y: [0, 1],
 *   resolution: 10,
 * });
 * assert.equal(p.svg.match(/<circle class="point"/g)?.length, 2);
 * assert.match(p.svg, /class="cell"/);
 * ```
 */
export const decisionBoundary = (o: DecisionBoundaryOptions): Plot => {
  const pts = toPoints(o.x, "decisionBoundary", "x");
  const labels = toNumbers(o.y, "decisionBoundary", "y");
  if (labels.length !== pts.length) {
    throw new ValueError("decisionBoundary", `y has ${labels.length} entries for ${pts.length} points`);
  }
  const bad = labels.findIndex((l) => !Number.isInteger(l) || l < 0);
  if (bad >= 0) throw new ValueError("decisionBoundary", `y[${bad}] is ${labels[bad]}; expected an integer ≥ 0`);
  const res = o.resolution ?? 60;
  if (!Number.isInteger(res) || res < 2 || res > 500) {
    throw new ValueError("decisionBoundary", `resolution must be an integer in [2, 500], got ${res}`);
  }
  const k0 = labels.length === 0 ? 2 : Math.max(2, Math.max(...labels) + 1);
  const f0 = frame({
    xs: pts.map((p) => p[0]),
    ys: pts.map((p) => p[1]),
    title: o.title,
    xLabel: o.xLabel,
    yLabel: o.yLabel,
    pad: 0.05,
    width: o.width,
    height: o.height,
    legend: Array.from(
      { length: k0 },
      (_, c) => ({ name: o.classNames?.[c] ?? `class ${c}`, color: color(c), kind: "point" as const }),
    ),
  });
  const [x0, x1] = f0.domain.x;
  const [y0, y1] = f0.domain.y;
  const dx = (x1 - x0) / res;
  const dy = (y1 - y0) / res;
  // Cell centres, row by row from the top (largest y) down.
  const grid = new Float32Array(res * res * 2);
  for (let r = 0; r < res; r++) {
    for (let c = 0; c < res; c++) {
      grid[2 * (r * res + c)] = x0 + (c + 0.5) * dx;
      grid[2 * (r * res + c) + 1] = y1 - (r + 0.5) * dy;
    }
  }
  const out = o.predict(tensor(grid, { shape: [res * res, 2] }));
  const m = res * res;
  const s = out.shape;
  const v = out.toTypedArray();
  let fills: string[];
  if (s.length === 1 && s[0] === m || (s.length === 2 && s[0] === m && s[1] === 1)) {
    const c0 = lighten(color(0), 0.55);
    const c1 = lighten(color(1), 0.55);
    fills = Array.from(v, (p) => {
      const q = Math.round(Math.min(1, Math.max(0, Number.isFinite(Number(p)) ? Number(p) : 0.5)) * LEVELS) / LEVELS;
      return mix(c0, c1, q);
    });
  } else if (s.length === 2 && s[0] === m) {
    const k = s[1];
    fills = Array.from({ length: m }, (_, i) => {
      let best = 0;
      for (let j = 1; j < k; j++) if (Number(v[i * k + j]) > Number(v[i * k + best])) best = j;
      return lighten(color(best), 0.6);
    });
  } else {
    throw new ShapeError(
      "decisionBoundary",
      `predict must return [${m}], [${m},1] or [${m},k] for a grid of [${m},2], got [${s.join(",")}]`,
    );
  }
  const { left, top, right, bottom } = f0.area;
  const cw = (right - left) / res;
  const ch = (bottom - top) / res;
  const cells: string[] = [];
  for (let r = 0; r < res; r++) {
    for (let c = 0; c < res;) {
      const fill = fills[r * res + c];
      let e = c + 1;
      while (e < res && fills[r * res + e] === fill) e++;
      // A little overlap hides the seams anti-aliasing leaves between cells
      // (but not past the plot area, where it would cover the axis).
      cells.push(el("rect", {
        class: "cell",
        x: left + c * cw,
        y: top + r * ch,
        width: (e - c) * cw + (e < res ? 0.5 : 0),
        height: ch + (r < res - 1 ? 1 : 0),
        fill,
      }));
      c = e;
    }
  }
  const body = el("g", { class: "regions" }, cells.join("")) +
    Array.from({ length: k0 }, (_, c) =>
      el(
        "g",
        { class: "class", "data-name": o.classNames?.[c] ?? `class ${c}` },
        dots(pts.filter((_, i) => labels[i] === c).map(([x, y]) => [f0.sx(x), f0.sy(y)] as const), color(c), {
          r: 3.5,
          stroke: "#222",
        }),
      )).join("");
  return new Plot(
    f0.render(body),
    `decision boundary${o.title ? ` "${o.title}"` : ""}: ${pts.length} points, ${res}x${res} grid`,
  );
};
