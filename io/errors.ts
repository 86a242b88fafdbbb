/**
 * The error every safetensors reader and writer check raises.
 *
 * @module
 */
import { DendriteError } from "../core/errors.ts";

/** Where a safetensors problem was found, and what was expected there. */
export interface SafetensorsErrorInfo {
  /** The function that failed, e.g. `decodeSafetensors`. */
  readonly op: string;
  /** The file (or the `name` given for a byte buffer). */
  readonly file: string;
  /** The tensor entry at fault, or `undefined` for file-level problems. */
  readonly tensor?: string;
  /** The header field or file part at fault: `header_length`, `header`, `dtype`, `shape`, `data_offsets`, `buffer`, `__metadata__`, `name`, `tree`, `data`, `write`. */
  readonly field: string;
  /** What was found and what was expected. */
  readonly detail: string;
}

/**
 * A safetensors file (or a tree to be written) is malformed. The message
 * names the file, the tensor (when there is one) and the field.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { SafetensorsError } from "./errors.ts";
 * import { DendriteError } from "../core/errors.ts";
 * const e = new SafetensorsError({ op: "decodeSafetensors", file: "m.safetensors", tensor: "w", field: "shape", detail: "expected an array" });
 * assert.ok(e instanceof DendriteError);
 * assert.equal(e.field, "shape");
 * assert.equal(e.message, 'decodeSafetensors: m.safetensors: tensor "w": field shape: expected an array');
 * ```
 */
export class SafetensorsError extends DendriteError {
  /** The file (or buffer name). */
  readonly file: string;
  /** The tensor entry at fault, if any. */
  readonly tensor: string | undefined;
  /** The field or file part at fault. */
  readonly field: string;
  /** A malformed-file error described by `info`. */
  constructor(info: SafetensorsErrorInfo) {
    const where = info.tensor === undefined ? "" : `tensor ${JSON.stringify(info.tensor)}: `;
    super(info.op, `${info.file}: ${where}field ${info.field}: ${info.detail}`);
    this.file = info.file;
    this.tensor = info.tensor;
    this.field = info.field;
  }
}
