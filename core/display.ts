/**
 * Rich display in notebooks. Deno's Jupyter kernel shows the last expression
 * of a cell through its `[Symbol.for("Jupyter.display")]()` method, a MIME
 * bundle; the symbol is typed here so that callers can index with it.
 *
 * @module
 */

/**
 * The key of the method Deno's Jupyter kernel calls (`Symbol.for("Jupyter.display")`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { JUPYTER_DISPLAY } from "./display.ts";
 * assert.equal(JUPYTER_DISPLAY, Symbol.for("Jupyter.display"));
 * ```
 */
export const JUPYTER_DISPLAY: unique symbol = Symbol.for("Jupyter.display") as typeof JUPYTER_DISPLAY;

/** A MIME bundle: MIME type to content, as Jupyter front ends render it. */
export type MimeBundle = Readonly<Record<string, string>>;

/** What `tensorDisplay` reads of a tensor (structural, so this file needs no import of the Tensor class). */
export interface Displayable {
  readonly shape: readonly number[];
  readonly dtype: string;
  toString(): string;
  concrete(): { hostData(op: string): ArrayLike<number> };
}

const EDGE = 8;

// Indices to show along an axis of length n: all, or the first and last EDGE with a gap (-1).
const shown = (n: number): number[] =>
  n <= 2 * EDGE ? Array.from({ length: n }, (_, i) => i) : [
    ...Array.from({ length: EDGE }, (_, i) => i),
    -1,
    ...Array.from({ length: EDGE }, (_, i) => n - EDGE + i),
  ];

const esc = (s: string): string => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

const cell = (v: number, dtype: string): string =>
  dtype === "bool" ? (v ? "true" : "false") : dtype.startsWith("float") ? String(Number(v.toPrecision(6))) : String(v);

/**
 * The notebook display of a tensor: an HTML table for rank ≤ 2 (at most the
 * first and last 8 rows and columns, so a huge tensor costs no more than a
 * small one), a caption with dtype and shape, and `toString()` as plain text.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { tensor } from "../mod.ts";
 * import { tensorDisplay } from "./display.ts";
 * const b = tensorDisplay(tensor([[1, 2], [3, 4]]));
 * assert.equal(b["text/plain"], "Tensor(float32[2,2], [[1,2],[3,4]])");
 * assert.match(b["text/html"], /<table[^>]*><caption>float32\[2,2\]<\/caption>/);
 * ```
 */
export const tensorDisplay = (t: Displayable): MimeBundle => {
  const plain = t.toString();
  const caption = `<caption>${esc(t.dtype)}[${t.shape.join(",")}]</caption>`;
  const style = ` class="dendrite-tensor" style="font-family:monospace;text-align:right"`;
  if (t.shape.length > 2) {
    return { "text/html": `<table${style}>${caption}</table><pre>${esc(plain)}</pre>`, "text/plain": plain };
  }
  let data: ArrayLike<number>;
  try {
    data = t.concrete().hostData("display");
  } catch {
    // A symbolic value (inside a trace) has no elements to show.
    return { "text/html": `<pre>${esc(plain)}</pre>`, "text/plain": plain };
  }
  const [rows, cols] = t.shape.length === 2 ? t.shape : [1, t.shape.length === 1 ? t.shape[0] : 1];
  const cs = shown(cols);
  const body = shown(rows).map((r) =>
    "<tr>" + cs.map((c) => (r < 0 || c < 0 ? "<td>…</td>" : `<td>${cell(data[r * cols + c], t.dtype)}</td>`)).join("") +
    "</tr>"
  ).join("");
  return { "text/html": `<table${style}>${caption}${body}</table>`, "text/plain": plain };
};
