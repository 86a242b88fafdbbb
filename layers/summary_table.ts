/**
 * The value `layers.summary` returns: a model's layer table as data (rows
 * and totals), as Keras's text, and as an HTML table in notebooks.
 *
 * @module
 */
import { JUPYTER_DISPLAY, type MimeBundle } from "../core/display.ts";
import { formatShape, type Shape } from "../core/shape.ts";

/** One row of a summary: a layer, its output shape and its parameter count. */
export interface SummaryRow {
  /** The instance name, Keras-style: the first `dense` is `dense`, the next `dense_1`, … */
  readonly name: string;
  /** The layer's type (its `name` as a layer). */
  readonly type: string;
  /** The shape the layer returns for the summary's input (batch axis included). */
  readonly outputShape: Shape;
  /** Its parameters and state, counted as scalars. */
  readonly params: number;
  /** 1 for a layer of the model, 2 for a layer inside one of those, … */
  readonly depth: number;
}

/** Parameter counts and their sizes in bytes. */
export interface SummaryTotals {
  readonly total: number;
  readonly trainable: number;
  readonly nonTrainable: number;
  readonly totalBytes: number;
  readonly trainableBytes: number;
  readonly nonTrainableBytes: number;
}

/** 1234567 → "1,234,567" (by hand, so no locale can change it). */
const grouped = (n: number): string => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",");

/** Bytes in the largest unit of 1024 that keeps the value ≥ 1, as Keras prints them. */
const readableBytes = (b: number): string => {
  const units = ["B", "KB", "MB", "GB", "TB"];
  let v = b;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(2)} ${units[u]}`;
};

const esc = (s: string): string => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

const totalLines = (t: SummaryTotals): readonly string[] => [
  `Total params: ${grouped(t.total)} (${readableBytes(t.totalBytes)})`,
  `Trainable params: ${grouped(t.trainable)} (${readableBytes(t.trainableBytes)})`,
  `Non-trainable params: ${grouped(t.nonTrainable)} (${readableBytes(t.nonTrainableBytes)})`,
];

const render = (model: string, input: Shape, rows: readonly SummaryRow[], totals: SummaryTotals): string => {
  const cells = rows.map((r) => [
    `${"  ".repeat(r.depth - 1)}${r.name} (${r.type})`,
    formatShape(r.outputShape),
    grouped(r.params),
  ]);
  const header = ["Layer (type)", "Output Shape", "Param #"];
  const widths = header.map((h, j) => Math.max(h.length, ...cells.map((c) => c[j].length)));
  // Names and shapes left-aligned, counts right-aligned, two spaces between columns.
  const line = (c: readonly string[]) =>
    ` ${c[0].padEnd(widths[0])}  ${c[1].padEnd(widths[1])}  ${c[2].padStart(widths[2])}`;
  const width = widths.reduce((a, b) => a + b, 0) + 5;
  return [
    `Model: "${model}"`,
    `Input shape: ${formatShape(input)}`,
    "_".repeat(width),
    line(header),
    "=".repeat(width),
    ...cells.map(line),
    "=".repeat(width),
    ...totalLines(totals),
    "_".repeat(width),
  ].join("\n");
};

/**
 * A model summary. `text` (also `toString()`, and what `console.log` shows
 * on Deno and Bun) is Keras's table; `rows` and `totals` hold the same
 * figures as data; in a Deno Jupyter notebook it displays as an HTML table.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { layers } from "../mod.ts";
 * const s = layers.summary(layers.mlp([4, 1]), [8, 2]);
 * assert.deepEqual(s.rows.map((r) => [r.name, r.params]), [["dense", 12], ["relu", 0], ["dense_1", 5]]);
 * assert.equal(s.totals.trainable, 17);
 * assert.equal(String(s), s.text);
 * ```
 */
export class Summary {
  /** The model's name. */
  readonly model: string;
  /** The input shape the summary was computed for (batch axis included). */
  readonly inputShape: Shape;
  /** One row per layer, nested layers after their container's row. */
  readonly rows: readonly SummaryRow[];
  /** Parameter counts and sizes. */
  readonly totals: SummaryTotals;
  /** The Keras-style text table. */
  readonly text: string;

  /** A summary of `model` (a name) for `inputShape`, with its rows and totals. */
  constructor(model: string, inputShape: Shape, rows: readonly SummaryRow[], totals: SummaryTotals) {
    this.model = model;
    this.inputShape = Object.freeze([...inputShape]);
    this.rows = Object.freeze(rows.map((r) => Object.freeze({ ...r, outputShape: Object.freeze([...r.outputShape]) })));
    this.totals = Object.freeze({ ...totals });
    this.text = render(model, this.inputShape, this.rows, this.totals);
    Object.freeze(this);
  }

  /** The text table. */
  toString(): string {
    return this.text;
  }

  /**
   * An HTML table (rows indented by depth, counts right-aligned, the totals
   * below) with the text table as plain text.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { JUPYTER_DISPLAY } from "../core/display.ts";
   * import { layers } from "../mod.ts";
   * const b = layers.summary(layers.dense(3), [1, 2])[JUPYTER_DISPLAY]();
   * assert.match(b["text/html"], /<td>dense \(dense\)<\/td><td>\[1,3\]<\/td><td[^>]*>9<\/td>/);
   * assert.match(b["text/plain"], /^Model: "dense"/);
   * ```
   */
  [JUPYTER_DISPLAY](): MimeBundle {
    const row = (r: SummaryRow) =>
      `<tr><td>${"&nbsp;".repeat(2 * (r.depth - 1))}${esc(`${r.name} (${r.type})`)}</td>` +
      `<td>${formatShape(r.outputShape)}</td><td style="text-align:right">${grouped(r.params)}</td></tr>`;
    const html = `<table class="dendrite-summary" style="font-family:monospace">` +
      `<caption>Model: "${esc(this.model)}", input shape ${formatShape(this.inputShape)}</caption>` +
      `<thead><tr><th>Layer (type)</th><th>Output Shape</th><th>Param #</th></tr></thead>` +
      `<tbody>${this.rows.map(row).join("")}</tbody></table>` +
      `<pre>${totalLines(this.totals).map(esc).join("\n")}</pre>`;
    return { "text/html": html, "text/plain": this.text };
  }

  /** `console.log` on Deno prints the text table. */
  [Symbol.for("Deno.customInspect")](): string {
    return this.text;
  }

  /** `console.log` on Bun and Node prints the text table. */
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.text;
  }
}
