/**
 * A grid of greyscale images with optional labels (dataset samples,
 * misclassified examples).
 *
 * @module
 */
import { Tensor } from "../core/tensor.ts";
import { ShapeError, ValueError } from "../core/errors.ts";
import { encodePng, pngDataUri } from "./png.ts";
import { Plot } from "./plot.ts";
import { el, svgDocument, text } from "./svg.ts";

/** What `imageGrid` draws. */
export interface ImageGridOptions {
  /** The images [n,h,w] or [n,h,w,1], values in [0,1] (clipped; NaN is black). */
  readonly images: Tensor;
  /** A caption under each image (as many as images). */
  readonly labels?: readonly string[];
  /** Images per row (default: up to 8, about square). */
  readonly columns?: number;
  /** The side of an image in pixels (default 84). */
  readonly cellSize?: number;
  /** The title. */
  readonly title?: string;
}

/**
 * Each image as an embedded PNG (`<image class="cell">`), with its label below.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { zeros } from "../mod.ts";
 * import { imageGrid } from "./mod.ts";
 * const p = imageGrid({ images: zeros([3, 4, 4]), labels: ["a", "b", "c"] });
 * assert.equal(p.svg.match(/<image class="cell"/g)?.length, 3);
 * assert.match(p.svg, />b<\/text>/);
 * ```
 */
export const imageGrid = (o: ImageGridOptions): Plot => {
  const s = o.images.shape;
  if (!(s.length === 3 || (s.length === 4 && s[3] === 1))) {
    throw new ShapeError("imageGrid", `images must have shape [n,h,w] or [n,h,w,1], got [${s.join(",")}]`);
  }
  const [n, h, w] = s;
  if (o.labels !== undefined && o.labels.length !== n) {
    throw new ValueError("imageGrid", `labels has ${o.labels.length} entries for ${n} images`);
  }
  const columns = o.columns ?? Math.max(1, Math.min(8, Math.ceil(Math.sqrt(n))));
  if (!Number.isInteger(columns) || columns < 1) {
    throw new ValueError("imageGrid", `columns must be a positive integer, got ${columns}`);
  }
  const cell = o.cellSize ?? 84;
  // Upscaled here by whole pixels (nearest neighbour), so that viewers which
  // smooth scaled images still show crisp pixels.
  const k = Math.max(1, Math.floor(cell / Math.max(h, w)));
  const pw = w * k;
  const ph = h * k;
  const data = o.images.toTypedArray();
  const gap = 8;
  const labelH = o.labels ? 18 : 0;
  const top = o.title ? 36 : gap;
  const rows = Math.ceil(n / columns);
  const width = gap + columns * (pw + gap);
  const height = top + rows * (ph + labelH + gap);
  const parts: string[] = [];
  for (let i = 0; i < n; i++) {
    const px = new Uint8Array(pw * ph);
    for (let r = 0; r < ph; r++) {
      for (let c = 0; c < pw; c++) {
        const v = Number(data[i * h * w + Math.floor(r / k) * w + Math.floor(c / k)]);
        px[r * pw + c] = Number.isFinite(v) ? Math.round(Math.min(1, Math.max(0, v)) * 255) : 0;
      }
    }
    const x = gap + (i % columns) * (pw + gap);
    const y = top + Math.floor(i / columns) * (ph + labelH + gap);
    parts.push(el("image", {
      class: "cell",
      x,
      y,
      width: pw,
      height: ph,
      "image-rendering": "pixelated",
      "xlink:href": pngDataUri(encodePng(px, pw, ph)),
    }));
    if (o.labels) {
      parts.push(
        text({ class: "label", x: x + pw / 2, y: y + ph + 13, "text-anchor": "middle", "font-size": 11 }, o.labels[i]),
      );
    }
  }
  if (o.title) {
    parts.push(
      text(
        { class: "title", x: width / 2, y: 24, "text-anchor": "middle", "font-size": 15, "font-weight": "bold" },
        o.title,
      ),
    );
  }
  return new Plot(svgDocument(width, height, parts.join("")), `image grid: ${n} images of ${h}x${w}`);
};
