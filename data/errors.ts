/**
 * The errors of the data readers: a malformed IDX file (`IdxError`, naming
 * the file and the header field at fault) and a data set whose files are not
 * where the loader looked (`MissingDataError`, saying how to get them).
 *
 * @module
 */
import { DendriteError } from "../core/errors.ts";

/**
 * An IDX file (or buffer) is malformed: too short, a wrong magic number, an
 * unknown dtype code, a bad rank, sizes that do not match the data, a corrupt
 * or overlong gzip stream. `file` is the name the reader was given and
 * `field` the part of the file at fault: `"magic"`, `"dtype"`, `"rank"`,
 * `"dims"`, `"data"`, `"gzip"` or `"file"` (the file could not be read).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { IdxError } from "./errors.ts";
 * import { DendriteError } from "../core/errors.ts";
 * const e = new IdxError("decodeIdx", "labels.idx", "rank", "rank 0 is not allowed");
 * assert.ok(e instanceof DendriteError);
 * assert.deepEqual([e.file, e.field], ["labels.idx", "rank"]);
 * assert.equal(e.message, "decodeIdx: labels.idx: rank: rank 0 is not allowed");
 * ```
 */
export class IdxError extends DendriteError {
  /** The file (or the name given to the buffer) that is malformed. */
  readonly file: string;
  /** The part of the file at fault: magic, dtype, rank, dims, data, gzip or file. */
  readonly field: string;
  /** An error of `op` reading `file`; the message reads `${op}: ${file}: ${field}: ${message}`. */
  constructor(op: string, file: string, field: string, message: string) {
    super(op, `${file}: ${field}: ${message}`);
    this.file = file;
    this.field = field;
  }
}

/**
 * A data set's files were not found. `searched` lists the folders the loader
 * looked in and `missing` the files it could not find in the last of them;
 * the message says how to get the files.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { MissingDataError } from "./errors.ts";
 * const e = new MissingDataError("mnist", ["data/none"], ["train-images-idx3-ubyte.gz"], "pass { dir }");
 * assert.deepEqual(e.searched, ["data/none"]);
 * assert.match(e.message, /^mnist: .*train-images-idx3-ubyte\.gz.*pass \{ dir \}/);
 * ```
 */
export class MissingDataError extends DendriteError {
  /** The folders that were searched, in order. */
  readonly searched: readonly string[];
  /** The files not found (in the last folder searched). */
  readonly missing: readonly string[];
  /** `op` found no data set in `searched`; `howTo` says how to get it. */
  constructor(op: string, searched: readonly string[], missing: readonly string[], howTo: string) {
    const where = searched.length === 0 ? "no folder was given" : `searched ${searched.join(", ")}`;
    super(op, `data files not found (${where}; missing ${missing.join(", ")}). ${howTo}`);
    this.searched = Object.freeze([...searched]);
    this.missing = Object.freeze([...missing]);
  }
}
