/**
 * A minimal PNG encoder for 8-bit greyscale images (image grids embed their
 * pictures as `data:` URIs: far smaller than one `<rect>` per pixel, and
 * rsvg-convert and browsers all render it). Deflate comes from `node:zlib`,
 * present on Deno and Bun.
 *
 * @module
 */
import { deflateSync } from "node:zlib";
import { Buffer } from "node:buffer";

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/**
 * The CRC-32 (as in PNG and zip) of `bytes`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { crc32 } from "./png.ts";
 * assert.equal(crc32(new TextEncoder().encode("123456789")), 0xcbf43926);
 * ```
 */
export const crc32 = (bytes: Uint8Array): number => {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
};

const chunk = (type: string, data: Uint8Array): Uint8Array => {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  out.set(new TextEncoder().encode(type), 4);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
};

/**
 * A greyscale PNG of `width × height` bytes (row-major, 0 black, 255 white).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodePng } from "./png.ts";
 * const png = encodePng(new Uint8Array([0, 255, 255, 0]), 2, 2);
 * assert.deepEqual([...png.subarray(1, 4)], [80, 78, 71]); // "PNG"
 * ```
 */
export const encodePng = (pixels: Uint8Array, width: number, height: number): Uint8Array => {
  const ihdr = new Uint8Array(13);
  const v = new DataView(ihdr.buffer);
  v.setUint32(0, width);
  v.setUint32(4, height);
  ihdr.set([8, 0, 0, 0, 0], 8); // 8 bits, greyscale, deflate, no filter choice, no interlace
  const raw = new Uint8Array(height * (width + 1));
  for (let r = 0; r < height; r++) raw.set(pixels.subarray(r * width, (r + 1) * width), r * (width + 1) + 1);
  const parts = [
    new Uint8Array([137, 80, 78, 71, 13, 10, 26, 10]),
    chunk("IHDR", ihdr),
    chunk("IDAT", new Uint8Array(deflateSync(raw))),
    chunk("IEND", new Uint8Array(0)),
  ];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
};

/**
 * `bytes` as a `data:image/png;base64,…` URI.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { pngDataUri } from "./png.ts";
 * assert.equal(pngDataUri(new Uint8Array([1, 2, 3])), "data:image/png;base64,AQID");
 * ```
 */
export const pngDataUri = (bytes: Uint8Array): string =>
  `data:image/png;base64,${Buffer.from(bytes).toString("base64")}`;
