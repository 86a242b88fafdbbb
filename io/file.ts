/**
 * Safetensors files: atomic save (temporary file in the same directory,
 * fsync, rename) and load, via `node:fs` so that Deno and Bun both work.
 *
 * @module
 */
import * as fs from "node:fs";
import * as nodePath from "node:path";
import * as E from "npm:fp-ts@2.16.11/lib/Either.js";
import { type Decoded, decodeSafetensorsEither, encodeSafetensors, type Metadata } from "./codec.ts";
import { SafetensorsError } from "./errors.ts";

/** Options of {@link saveSafetensors}. */
export interface SaveOptions {
  /**
   * Writes part of a buffer to a file descriptor and returns the bytes
   * written (default `fs.writeSync`); replaceable to test failures midway.
   */
  readonly writeSync?: (fd: number, buf: Uint8Array, offset: number, length: number) => number;
}

const CHUNK = 1 << 20;

/**
 * Writes `tree` to `path` atomically: the bytes go to a temporary file next
 * to `path`, are flushed with fsync and renamed into place, so a crash or
 * error leaves either the old file or the new one, never a torn one; on
 * failure the temporary file is removed and the error is rethrown.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mkdtempSync, rmSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { loadSafetensors, saveSafetensors } from "./mod.ts";
 * import { tensor } from "../mod.ts";
 * const dir = mkdtempSync(join(tmpdir(), "io_doc_"));
 * saveSafetensors(join(dir, "m.safetensors"), { w: tensor([1, 2]) });
 * const back = loadSafetensors(join(dir, "m.safetensors")) as { w: ReturnType<typeof tensor> };
 * assert.deepEqual(back.w.toArray(), [1, 2]);
 * rmSync(dir, { recursive: true });
 * ```
 */
export const saveSafetensors = (path: string, tree: unknown, metadata?: Metadata, opts: SaveOptions = {}): void => {
  const bytes = encodeSafetensors(tree, metadata);
  const write = opts.writeSync ?? ((fd, buf, off, len) => fs.writeSync(fd, buf, off, len));
  const dir = nodePath.dirname(path);
  const tmp = nodePath.join(
    dir,
    `.${nodePath.basename(path)}.tmp-${Date.now()}-${Math.random().toString(36).slice(2)}`,
  );
  let fd: number | undefined;
  try {
    fd = fs.openSync(tmp, "wx");
    for (let off = 0; off < bytes.length;) {
      const n = write(fd, bytes, off, Math.min(CHUNK, bytes.length - off));
      if (!(n > 0)) {
        throw new SafetensorsError({
          op: "saveSafetensors",
          file: path,
          field: "write",
          detail: `write returned ${n} bytes`,
        });
      }
      off += n;
    }
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = undefined;
    fs.renameSync(tmp, path);
  } catch (e) {
    if (fd !== undefined) {
      try {
        fs.closeSync(fd);
      } catch { /* already failing: the first error is the one to report */ }
    }
    fs.rmSync(tmp, { force: true });
    throw e;
  }
};

/**
 * Reads a safetensors file to `Right({ tree, metadata })`, or `Left` of a
 * `SafetensorsError` for a malformed file (I/O errors such as a missing
 * file still throw).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import * as E from "npm:fp-ts@2.16.11/lib/Either.js";
 * import { loadSafetensorsEither } from "./mod.ts";
 * const dir = mkdtempSync(join(tmpdir(), "io_doc_"));
 * writeFileSync(join(dir, "bad.safetensors"), new Uint8Array(3));
 * const r = loadSafetensorsEither(join(dir, "bad.safetensors"));
 * assert.ok(E.isLeft(r) && r.left.field === "header_length");
 * rmSync(dir, { recursive: true });
 * ```
 */
export const loadSafetensorsEither = (path: string): E.Either<SafetensorsError, Decoded> =>
  decodeSafetensorsEither(new Uint8Array(fs.readFileSync(path)), { name: path }, "loadSafetensors");

/**
 * Reads a safetensors file to its tree and metadata; throws
 * `SafetensorsError` for a malformed file.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mkdtempSync, rmSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { loadSafetensorsWithMetadata, saveSafetensors } from "./mod.ts";
 * import { scalar } from "../mod.ts";
 * const dir = mkdtempSync(join(tmpdir(), "io_doc_"));
 * saveSafetensors(join(dir, "m.safetensors"), { a: scalar(1) }, { epoch: "2" });
 * assert.deepEqual(loadSafetensorsWithMetadata(join(dir, "m.safetensors")).metadata, { epoch: "2" });
 * rmSync(dir, { recursive: true });
 * ```
 */
export const loadSafetensorsWithMetadata = (path: string): Decoded => {
  const r = loadSafetensorsEither(path);
  if (E.isLeft(r)) throw r.left;
  return r.right;
};

/**
 * Reads a safetensors file to its tree of tensors; throws
 * `SafetensorsError` for a malformed file.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mkdtempSync, rmSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { loadSafetensors, saveSafetensors } from "./mod.ts";
 * import { tensor } from "../mod.ts";
 * const dir = mkdtempSync(join(tmpdir(), "io_doc_"));
 * saveSafetensors(join(dir, "m.safetensors"), [tensor([1]), tensor([2])]);
 * const back = loadSafetensors(join(dir, "m.safetensors")) as ReturnType<typeof tensor>[];
 * assert.deepEqual(back.map((t) => t.toArray()), [[1], [2]]);
 * rmSync(dir, { recursive: true });
 * ```
 */
export const loadSafetensors = (path: string): Record<string, unknown> | unknown[] =>
  loadSafetensorsWithMetadata(path).tree;
