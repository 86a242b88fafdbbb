/**
 * Reading IDX files from disk, gzip-compressed (as the data sets ship) or
 * not. Decompression goes through the runtime's own
 * `DecompressionStream("gzip")` (Deno and Bun both have it), so the reader
 * is asynchronous. The stream is read chunk by chunk and stopped as soon as
 * its output passes what the IDX header declares (or `maxBytes`), so a gzip
 * bomb costs little more memory than an honest file of the declared size, and
 * nothing is allocated on the header's word alone: output buffers grow with
 * the bytes actually decompressed.
 *
 * @module
 */
import { readFile, stat } from "node:fs/promises";
import { IdxError } from "./errors.ts";
import { decodeIdxFor, type IdxArray, type IdxHeader, isGzip, parseIdxHeader } from "./idx.ts";

/** Options of `readIdx` and `gunzipIdx`. */
export interface ReadIdxOptions {
  /**
   * The most bytes a file may hold, compressed or decompressed (default
   * 2^30, 1 GiB; Fashion-MNIST's largest file is 47 MB decompressed). A
   * file, or a header, claiming more is an `IdxError` before it is read.
   */
  readonly maxBytes?: number;
}

/** The default `maxBytes`: 1 GiB. */
const DEFAULT_MAX_BYTES = 2 ** 30;

const maxBytesOf = (op: string, opts: ReadIdxOptions): number => {
  const m = opts.maxBytes ?? DEFAULT_MAX_BYTES;
  if (typeof m !== "number" || !Number.isSafeInteger(m) || m < 1) {
    throw new IdxError(op, "options", "maxBytes", `maxBytes must be a positive integer, got ${String(m)}`);
  }
  return m;
};

/** Compressed bytes handed to the decompressor at a time (64 KiB: also about the fastest on both runtimes). */
const INPUT_SLICE = 65536;

/** The first `n` bytes (or all, if fewer) of `chunks`, joined. */
const joinPrefix = (chunks: readonly Uint8Array[], n: number): Uint8Array => {
  const total = chunks.reduce((s, c) => s + c.length, 0);
  const out = new Uint8Array(Math.min(n, total));
  let at = 0;
  for (const c of chunks) {
    if (at >= out.length) break;
    const part = c.subarray(0, out.length - at);
    out.set(part, at);
    at += part.length;
  }
  return out;
};

/** Decompresses a gzip stream, stopping with an `IdxError` once its output passes what its IDX header allows. */
const inflate = async (
  op: string,
  gz: Uint8Array,
  file: string,
  maxBytes: number,
  owned: boolean,
): Promise<Uint8Array> => {
  // A caller's bytes go into the stream as a copy, so they are never handed to (or detached by) the runtime.
  const input = (owned ? gz : gz.slice()) as Uint8Array<ArrayBuffer>; // readFile gives a plain ArrayBuffer
  // The input goes in small slices, on demand: Deno's decompressor turns all the input it has into one output
  // chunk, so a bomb handed over whole would be inflated whole before the first check. Deflate expands at most
  // about 1032:1, so one slice yields at most ~66 MB past the limit, and the reading stops there.
  let at = 0;
  const source = new ReadableStream<BufferSource>({
    pull(controller) {
      if (at >= input.length) controller.close();
      else controller.enqueue(input.subarray(at, at += INPUT_SLICE));
    },
  }, { highWaterMark: 0 });
  const reader = source.pipeThrough(new DecompressionStream("gzip")).getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  let header: IdxHeader | undefined;
  let limit = maxBytes;
  try {
    for (;;) {
      let step: ReadableStreamReadResult<Uint8Array>;
      try {
        step = await reader.read();
      } catch (e) {
        throw new IdxError(op, file, "gzip", `corrupt gzip stream (${e instanceof Error ? e.message : String(e)})`);
      }
      if (step.done) break;
      chunks.push(step.value);
      total += step.value.length;
      // Once the header is in, it sets the limit: what it declares, not a byte more.
      if (header === undefined && total >= 4) {
        const rank = joinPrefix(chunks, 4)[3];
        if (total >= 4 + 4 * rank) {
          header = parseIdxHeader(joinPrefix(chunks, 4 + 4 * rank), file, op);
          const declared = header.headerBytes + header.dataBytes;
          if (declared > maxBytes) {
            throw new IdxError(
              op,
              file,
              "dims",
              `sizes [${header.shape.join(", ")}] of ${header.type} declare ${declared} bytes, ` +
                `more than maxBytes (${maxBytes})`,
            );
          }
          limit = declared;
        }
      }
      if (total > limit) {
        throw new IdxError(
          op,
          file,
          "data",
          header === undefined
            ? `the gzip stream decompresses to more than maxBytes (${maxBytes})`
            : `the gzip stream decompresses to more than the ${limit} bytes that sizes ` +
              `[${header.shape.join(", ")}] of ${header.type} declare (trailing bytes)`,
        );
      }
    }
  } catch (e) {
    // Stop decompressing: the rest of the stream is not wanted.
    reader.cancel().catch(() => {});
    throw e;
  }
  return joinPrefix(chunks, total);
};

/** `gunzipIdx`, with errors raised by `op`. */
const gunzipIdxFor = async (
  op: string,
  bytes: Uint8Array,
  file: string,
  opts: ReadIdxOptions,
  owned: boolean,
): Promise<IdxArray> => {
  const maxBytes = maxBytesOf(op, opts);
  if (!(bytes instanceof Uint8Array)) {
    throw new IdxError(op, file, "file", `expected the file's bytes as a Uint8Array, got ${typeof bytes}`);
  }
  if (bytes.length > maxBytes) {
    throw new IdxError(op, file, "file", `${bytes.length} bytes, more than maxBytes (${maxBytes})`);
  }
  return decodeIdxFor(op, isGzip(bytes) ? await inflate(op, bytes, file, maxBytes, owned) : bytes, file);
};

/**
 * Decodes the bytes of an IDX file that may be gzip-compressed (recognised
 * by its first two bytes, whatever its name): the stream is decompressed
 * with `DecompressionStream("gzip")` and stopped as soon as it yields more
 * than the header declares. `name` names the bytes in errors. Errors are
 * those of `decodeIdx`, plus an `IdxError` with field `"gzip"` for a corrupt
 * stream and `"data"` for one that decompresses to more than declared.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { gunzipIdx } from "./idx_read.ts";
 * const raw = Uint8Array.of(0, 0, 0x08, 1, 0, 0, 0, 3, 9, 0, 3); // uint8 labels 9, 0, 3
 * const gz = new Uint8Array(await new Response(new Blob([raw]).stream().pipeThrough(new CompressionStream("gzip"))).arrayBuffer());
 * const a = await gunzipIdx(gz, "labels.gz");
 * assert.deepEqual([a.type, a.shape, [...a.data]], ["uint8", [3], [9, 0, 3]]);
 * assert.deepEqual([...(await gunzipIdx(raw)).data], [9, 0, 3]); // raw bytes pass straight to decodeIdx
 * ```
 */
export const gunzipIdx = (bytes: Uint8Array, name = "buffer", opts: ReadIdxOptions = {}): Promise<IdxArray> =>
  gunzipIdxFor("gunzipIdx", bytes, name, opts, false);

/**
 * Reads an IDX file, gzip-compressed or not (told apart by its first
 * bytes, so `.gz` names are not required), on Deno and Bun. Asynchronous,
 * because gzip goes through the runtime's `DecompressionStream`. A file
 * that cannot be read, or holds more than `maxBytes`, is an `IdxError` with
 * field `"file"`; a malformed one, one naming the field at fault (see
 * `decodeIdx` and `gunzipIdx`). Turn the result into a tensor with
 * `idxTensor`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { writeFileSync, mkdtempSync } from "node:fs";
 * import { join } from "node:path";
 * import { tmpdir } from "node:os";
 * import { readIdx } from "./idx_read.ts";
 * import { idxTensor } from "./idx.ts";
 * const path = join(mkdtempSync(join(tmpdir(), "idx-")), "pixels-idx3-ubyte");
 * writeFileSync(path, Uint8Array.of(0, 0, 0x08, 3, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 2, 0, 255));
 * const t = idxTensor(await readIdx(path));
 * assert.deepEqual([t.shape, t.toArray()], [[1, 1, 2], [[[0, 255]]]]);
 * ```
 */
export const readIdx = async (path: string, opts: ReadIdxOptions = {}): Promise<IdxArray> => {
  const op = "readIdx";
  const maxBytes = maxBytesOf(op, opts);
  let bytes: Uint8Array;
  try {
    const size = (await stat(path)).size;
    if (size > maxBytes) throw new IdxError(op, path, "file", `${size} bytes, more than maxBytes (${maxBytes})`);
    const buf = await readFile(path);
    bytes = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength); // a view: no copy of the file
  } catch (e) {
    if (e instanceof IdxError) throw e;
    throw new IdxError(op, path, "file", `cannot read it (${e instanceof Error ? e.message : String(e)})`);
  }
  return gunzipIdxFor(op, bytes, path, opts, true);
};
