/**
 * Data marks shared by the charts: curves with gaps and dots.
 *
 * @module
 */
import { el, num } from "./svg.ts";

/**
 * Path data through the pixel points, starting a new piece after every
 * non-finite point so that a NaN leaves a gap instead of a jump; a piece of
 * one point becomes a dot (a zero-length segment with round caps).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { pathData } from "./marks.ts";
 * assert.equal(pathData([[0, 0], [1, 1], [NaN, 0], [3, 3], [4, 4]]), "M0 0L1 1M3 3L4 4");
 * assert.equal(pathData([[5, 5]]), "M5 5h0");
 * ```
 */
export const pathData = (points: readonly (readonly [number, number])[]): string => {
  let d = "";
  let run = 0;
  for (const [x, y] of points) {
    if (!Number.isFinite(x) || !Number.isFinite(y)) {
      if (run === 1) d += "h0";
      run = 0;
      continue;
    }
    d += `${run === 0 ? "M" : "L"}${num(x)} ${num(y)}`;
    run++;
  }
  if (run === 1) d += "h0";
  return d;
};

/**
 * One curve as a `<path class="series">`; `name` goes into `data-name`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { curve } from "./marks.ts";
 * assert.match(curve([[0, 0], [1, 1]], "a", "#000"), /^<path class="series" data-name="a" d="M0 0L1 1"/);
 * ```
 */
export const curve = (
  points: readonly (readonly [number, number])[],
  name: string,
  color: string,
  style: { readonly dash?: string; readonly width?: number } = {},
): string =>
  el("path", {
    class: "series",
    "data-name": name,
    d: pathData(points),
    fill: "none",
    stroke: color,
    "stroke-width": style.width ?? 2,
    "stroke-dasharray": style.dash,
    "stroke-linejoin": "round",
    "stroke-linecap": "round",
  });

/**
 * Dots at the finite pixel points, `<circle class="point">` each.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { dots } from "./marks.ts";
 * assert.equal(dots([[1, 2], [NaN, 0]], "#000").match(/<circle/g)?.length, 1);
 * ```
 */
export const dots = (
  points: readonly (readonly [number, number])[],
  color: string,
  style: { readonly r?: number; readonly stroke?: string; readonly opacity?: number } = {},
): string =>
  points
    .filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y))
    .map(([x, y]) =>
      el("circle", {
        class: "point",
        cx: x,
        cy: y,
        r: style.r ?? 3,
        fill: color,
        "fill-opacity": style.opacity,
        stroke: style.stroke,
        "stroke-width": style.stroke ? 0.8 : undefined,
      })
    )
    .join("");
