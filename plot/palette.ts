/**
 * The colours of series and classes: the ten "Tableau 10" colours, which stay
 * distinguishable for most colour-blind readers, repeated past ten.
 *
 * @module
 */

/** The palette, in order of use. */
export const PALETTE: readonly string[] = Object.freeze([
  "#4e79a7",
  "#f28e2b",
  "#e15759",
  "#76b7b2",
  "#59a14f",
  "#edc948",
  "#b07aa1",
  "#ff9da7",
  "#9c755f",
  "#bab0ac",
]);

/**
 * The colour of series or class `i`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { color, PALETTE } from "./palette.ts";
 * assert.equal(color(0), PALETTE[0]);
 * assert.equal(color(10), PALETTE[0]);
 * ```
 */
export const color = (i: number): string => PALETTE[((i % PALETTE.length) + PALETTE.length) % PALETTE.length];

/**
 * `hex` mixed with white: `t = 0` is the colour, `t = 1` white (the pale
 * fills behind decision-boundary points).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { lighten } from "./palette.ts";
 * assert.equal(lighten("#000000", 0.5), "#808080");
 * ```
 */
export const lighten = (hex: string, t: number): string => mix(hex, "#ffffff", t);

/**
 * The colour `t` of the way from `a` to `b` (both `#rrggbb`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mix } from "./palette.ts";
 * assert.equal(mix("#000000", "#ff0000", 1), "#ff0000");
 * ```
 */
export const mix = (a: string, b: string, t: number): string => {
  const ch = (h: string, i: number) => parseInt(h.slice(1 + 2 * i, 3 + 2 * i), 16);
  const out = [0, 1, 2].map((i) => Math.round(ch(a, i) + (ch(b, i) - ch(a, i)) * t));
  return "#" + out.map((v) => v.toString(16).padStart(2, "0")).join("");
};
