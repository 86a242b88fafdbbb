/**
 * SVG string building: escaping, number formatting and elements, without a
 * DOM (Deno and Bun have none), so every plot is a deterministic string.
 *
 * @module
 */

const entities: Readonly<Record<string, string>> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&apos;",
};

/**
 * Text made safe for XML content and attribute values.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { escapeXml } from "./svg.ts";
 * assert.equal(escapeXml('a<b & "c"'), "a&lt;b &amp; &quot;c&quot;");
 * ```
 */
export const escapeXml = (s: string): string => s.replace(/[&<>"']/g, (c) => entities[c]);

/**
 * A coordinate with at most two decimals and no trailing zeros: short SVG
 * that is identical on every runtime.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { num } from "./svg.ts";
 * assert.equal(num(1.23456), "1.23");
 * assert.equal(num(-0.001), "0");
 * ```
 */
export const num = (v: number): string => {
  const r = Math.round(v * 100) / 100;
  return Object.is(r, -0) ? "0" : String(r);
};

/** Attribute values; `undefined` leaves the attribute out. */
export type Attrs = Readonly<Record<string, string | number | undefined>>;

/**
 * One element: numbers go through `num`, strings are escaped; `children`
 * is markup already built (escape text with `escapeXml` first).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { el } from "./svg.ts";
 * assert.equal(el("circle", { cx: 1.005, r: 2 }), '<circle cx="1" r="2"/>');
 * assert.equal(el("text", { x: 0 }, "a&amp;b"), '<text x="0">a&amp;b</text>');
 * ```
 */
export const el = (name: string, attrs: Attrs, children?: string): string => {
  const a = Object.entries(attrs)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => ` ${k}="${typeof v === "number" ? num(v) : escapeXml(String(v))}"`)
    .join("");
  return children === undefined ? `<${name}${a}/>` : `<${name}${a}>${children}</${name}>`;
};

/**
 * A text element whose content is escaped here.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { text } from "./svg.ts";
 * assert.equal(text({ class: "t" }, "<&>"), '<text class="t">&lt;&amp;&gt;</text>');
 * ```
 */
export const text = (attrs: Attrs, content: string): string => el("text", attrs, escapeXml(content));

/**
 * The outer `<svg>` element with a white background.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { svgDocument } from "./svg.ts";
 * assert.match(svgDocument(10, 20, ""), /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
 * ```
 */
export const svgDocument = (width: number, height: number, body: string): string =>
  el(
    "svg",
    {
      xmlns: "http://www.w3.org/2000/svg",
      "xmlns:xlink": "http://www.w3.org/1999/xlink",
      width,
      height,
      viewBox: `0 0 ${num(width)} ${num(height)}`,
      "font-family": "DejaVu Sans, Arial, sans-serif",
      "font-size": 12,
    },
    el("rect", { class: "background", width, height, fill: "white" }) + body,
  ) + "\n";
