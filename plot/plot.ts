/**
 * The value every plot function returns: the SVG text, with a file writer and
 * rich display in Jupyter notebooks (Deno's kernel calls
 * `[Symbol.for("Jupyter.display")]` on a cell's last expression).
 *
 * @module
 */
import { writeFileSync } from "node:fs";
import { JUPYTER_DISPLAY, type MimeBundle } from "../core/display.ts";

export type { MimeBundle };
export { JUPYTER_DISPLAY };

/**
 * A finished plot.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { JUPYTER_DISPLAY, Plot } from "./plot.ts";
 * const p = new Plot('<svg xmlns="http://www.w3.org/2000/svg"/>', "empty plot");
 * assert.equal(String(p), p.svg);
 * assert.deepEqual(Object.keys(p[JUPYTER_DISPLAY]()), ["image/svg+xml", "text/plain"]);
 * ```
 */
export class Plot {
  /** The SVG document. */
  readonly svg: string;
  /** A one-line description (what the notebook shows as plain text). */
  readonly description: string;

  /** A plot of SVG text `svg`, described by `description`. */
  constructor(svg: string, description: string) {
    this.svg = svg;
    this.description = description;
  }

  /** The SVG text. */
  toString(): string {
    return this.svg;
  }

  /**
   * Writes the SVG to `path` and returns the path.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { readFileSync } from "node:fs";
   * import { tmpdir } from "node:os";
   * import { join } from "node:path";
   * import { Plot } from "./plot.ts";
   * const path = new Plot("<svg/>", "x").save(join(tmpdir(), "dendrite_plot_doc.svg"));
   * assert.equal(readFileSync(path, "utf8"), "<svg/>");
   * ```
   */
  save(path: string): string {
    writeFileSync(path, this.svg);
    return path;
  }

  /** The notebook display: the SVG image, and the description as plain text. */
  [JUPYTER_DISPLAY](): MimeBundle {
    return { "image/svg+xml": this.svg, "text/plain": this.description };
  }

  /** `console.log` on Deno shows the description, not the whole SVG. */
  [Symbol.for("Deno.customInspect")](): string {
    return `Plot(${this.description})`;
  }

  /** `console.log` on Bun and Node shows the description, not the whole SVG. */
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return `Plot(${this.description})`;
  }
}
