/**
 * Typed errors. Each names the operation that failed, so that a message reads
 * `matmul: inner dimensions differ: [2,3] @ [4,5] (3 ≠ 4)`.
 *
 * @module
 */

/**
 * The base class of every error this library throws on purpose.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DendriteError, ShapeError } from "./errors.ts";
 * const e = new ShapeError("add", "shapes [2] and [3] do not broadcast");
 * assert.ok(e instanceof DendriteError);
 * assert.equal(e.op, "add");
 * assert.match(e.message, /^add: /);
 * ```
 */
export class DendriteError extends Error {
  /** The operation (or transform, or file reader) that raised the error. */
  readonly op: string;
  /** An error of `op`; the message reads `${op}: ${message}`. */
  constructor(op: string, message: string) {
    super(`${op}: ${message}`);
    this.op = op;
    this.name = new.target.name;
  }
}

/** A shape rule failed: broadcasting, matmul inner dimensions, axes, reshape sizes. */
export class ShapeError extends DendriteError {}

/** A dtype rule failed: mixing dtypes, differentiating an integer input, an unknown dtype. */
export class DTypeError extends DendriteError {}

/** A value is outside what an op accepts (a ragged nested array, a bad axis, a non-finite seed). */
export class ValueError extends DendriteError {}

/** A transform was misused: a leaked tracer, a non-scalar output under `grad`, reading a traced value. */
export class TransformError extends DendriteError {}

/** Raised in `debugNans` mode when a primitive first produces NaN or ±Inf from finite inputs. */
export class NanError extends DendriteError {}

/** Two parameter trees differ in structure; `path` says where. */
export class TreeError extends DendriteError {}

/** A backend could not be used: its native library is missing, unusable, or not permitted. */
export class BackendError extends DendriteError {}
