/**
 * 2-D points coloured by class, such as a PCA projection of images.
 *
 * @module
 */
import type { Tensor } from "../core/tensor.ts";
import { ValueError } from "../core/errors.ts";
import { frame } from "./frame.ts";
import { dots } from "./marks.ts";
import { color } from "./palette.ts";
import { Plot } from "./plot.ts";
import { el } from "./svg.ts";
import { type Numbers, toNumbers, toPoints } from "./values.ts";

/** What `scatter` draws. */
export interface ScatterOptions {
  /** The points: a tensor [n,2] or pairs. */
  readonly x: Tensor | readonly (readonly number[])[];
  /** The class of each point (integers from 0); none: one colour, no legend. */
  readonly labels?: Numbers;
  /** The legend name of each class (default "class k"). */
  readonly classNames?: readonly string[];
  /** The title. */
  readonly title?: string;
  /** The x axis label. */
  readonly xLabel?: string;
  /** The y axis label. */
  readonly yLabel?: string;
  /** The dot radius (default 3). */
  readonly radius?: number;
  /** Width in pixels (default 640). */
  readonly width?: number;
  /** Height in pixels (default 400). */
  readonly height?: number;
}

/**
 * One dot per point, in the colour of its class, with a legend of classes.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { scatter } from "./mod.ts";
 * const p = scatter({ x: [[0, 0], [1, 1], [2, 0]], labels: [0, 1, 1], classNames: ["a", "b"] });
 * assert.equal(p.svg.match(/<circle class="point"/g)?.length, 3);
 * assert.equal(p.svg.match(/class="legend-entry"/g)?.length, 2);
 * ```
 */
export const scatter = (o: ScatterOptions): Plot => {
  const pts = toPoints(o.x, "scatter", "x");
  const labels = o.labels === undefined ? pts.map(() => 0) : toNumbers(o.labels, "scatter", "labels");
  if (labels.length !== pts.length) {
    throw new ValueError("scatter", `labels has ${labels.length} entries for ${pts.length} points`);
  }
  const bad = labels.findIndex((l) => !Number.isInteger(l) || l < 0);
  if (bad >= 0) throw new ValueError("scatter", `labels[${bad}] is ${labels[bad]}; expected an integer ≥ 0`);
  const k = labels.length === 0 ? 0 : Math.max(...labels) + 1;
  const names = Array.from({ length: k }, (_, c) => o.classNames?.[c] ?? `class ${c}`);
  const f = frame({
    xs: pts.map((p) => p[0]),
    ys: pts.map((p) => p[1]),
    title: o.title,
    xLabel: o.xLabel,
    yLabel: o.yLabel,
    pad: 0.02,
    width: o.width,
    height: o.height,
    legend: o.labels === undefined ? [] : names.map((name, c) => ({ name, color: color(c), kind: "point" as const })),
  });
  // Drawn class by class so that a class's dots share a group.
  const body = names.map((name, c) =>
    el(
      "g",
      { class: "class", "data-name": name },
      dots(pts.filter((_, i) => labels[i] === c).map(([x, y]) => [f.sx(x), f.sy(y)] as const), color(c), {
        r: o.radius ?? 3,
        opacity: 0.8,
      }),
    )
  ).join("");
  return new Plot(f.render(body), `scatter${o.title ? ` "${o.title}"` : ""}: ${pts.length} points, ${k} classes`);
};
