/**
 * The IDX format (LeCun's MNIST files, Fashion-MNIST, EMNIST, KMNIST): a
 * 4-byte magic number `0x00 0x00 <dtype code> <rank>`, `rank` big-endian
 * uint32 sizes, then the elements in row-major order, big-endian. This
 * module decodes uncompressed bytes (synchronously); `idx_read.ts` reads
 * files and gzip streams.
 *
 * Every header is checked against the bytes that follow it before anything
 * is allocated: sizes whose product is not a safe integer, and data shorter
 * or longer than the sizes declare, are an `IdxError` naming the buffer and
 * the field, so a hostile header claiming gigabytes in a small file costs
 * nothing.
 *
 * @module
 */
import { allocTyped, type DType, DTYPES } from "../core/dtype.ts";
import { fromTyped } from "../core/creation.ts";
import { DTypeError } from "../core/errors.ts";
import type { Tensor } from "../core/tensor.ts";
import { IdxError } from "./errors.ts";

/** The element types IDX files can hold (named after the typed arrays that hold them). */
export type IdxType = "uint8" | "int8" | "int16" | "int32" | "float32" | "float64";

/** The typed arrays that hold decoded IDX elements, one per `IdxType`. */
export type IdxData = Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

/** A decoded IDX array: its element type, its sizes and its elements (row-major, host byte order). */
export interface IdxArray {
  /** The element type the file declares. */
  readonly type: IdxType;
  /** The sizes, outermost first (e.g. `[60000, 28, 28]` for MNIST images). */
  readonly shape: readonly number[];
  /** The elements, a fresh array of `type` that aliases nothing the caller holds. */
  readonly data: IdxData;
}

/** What a header declares, with where the data start and how long they are. */
export interface IdxHeader {
  /** The element type. */
  readonly type: IdxType;
  /** The sizes. */
  readonly shape: readonly number[];
  /** The header's length in bytes (4 + 4 × rank): where the data start. */
  readonly headerBytes: number;
  /** The data's length in bytes: the sizes' product × the element size. */
  readonly dataBytes: number;
}

/**
 * The largest rank accepted: real IDX files have rank 1 (labels) to 4; 16
 * leaves room without inviting nonsense.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeIdx, IDX_MAX_RANK } from "./idx.ts";
 * assert.throws(() => decodeIdx(Uint8Array.of(0, 0, 0x08, IDX_MAX_RANK + 1)), /rank: rank 17; expected 1 to 16/);
 * ```
 */
export const IDX_MAX_RANK = 16;

/** Dtype codes (the magic number's third byte) and element sizes, from the format's description. */
const CODES: Readonly<Record<number, readonly [IdxType, number]>> = {
  0x08: ["uint8", 1],
  0x09: ["int8", 1],
  0x0b: ["int16", 2],
  0x0c: ["int32", 4],
  0x0d: ["float32", 4],
  0x0e: ["float64", 8],
};

const hex = (b: number) => `0x${b.toString(16).padStart(2, "0")}`;

/**
 * Whether `bytes` start as a gzip stream does (ID1 ID2 = 0x1f 0x8b); an
 * IDX file starts with 0x00 0x00, so the two never look alike.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isGzip } from "./idx.ts";
 * assert.equal(isGzip(Uint8Array.of(0x1f, 0x8b, 8)), true);
 * assert.equal(isGzip(Uint8Array.of(0, 0, 8, 1)), false);
 * ```
 */
export const isGzip = (bytes: Uint8Array): boolean => bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;

/**
 * @internal The header at the start of `bytes`, checked on its own (not
 * against the length of the data, which a stream may not have yet). Throws
 * an `IdxError` from `op` naming `file` and the field at fault.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseIdxHeader } from "./idx.ts";
 * const h = parseIdxHeader(Uint8Array.of(0, 0, 0x08, 1, 0, 0, 0, 3), "labels", "decodeIdx");
 * assert.deepEqual(h, { type: "uint8", shape: [3], headerBytes: 8, dataBytes: 3 });
 * assert.throws(() => parseIdxHeader(Uint8Array.of(0, 0, 0x07, 1), "x", "decodeIdx"), /x: dtype: /);
 * ```
 */
export const parseIdxHeader = (bytes: Uint8Array, file: string, op: string): IdxHeader => {
  const fail = (field: string, message: string) => new IdxError(op, file, field, message);
  if (bytes.length < 4) {
    throw fail(
      "magic",
      `${bytes.length} bytes; an IDX file starts with a 4-byte magic number 0x00 0x00 <dtype> <rank>`,
    );
  }
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    const gz = isGzip(bytes) ? " (this is a gzip stream: use readIdx or gunzipIdx)" : "";
    throw fail("magic", `starts with ${hex(bytes[0])} ${hex(bytes[1])}; an IDX file starts with 0x00 0x00${gz}`);
  }
  const code = CODES[bytes[2]];
  if (code === undefined) {
    const known = Object.entries(CODES).map(([c, [t]]) => `${hex(Number(c))} ${t}`).join(", ");
    throw fail("dtype", `unknown dtype code ${hex(bytes[2])}; expected one of ${known}`);
  }
  const [type, itemSize] = code;
  const rank = bytes[3];
  if (rank < 1 || rank > IDX_MAX_RANK) throw fail("rank", `rank ${rank}; expected 1 to ${IDX_MAX_RANK}`);
  const headerBytes = 4 + 4 * rank;
  if (bytes.length < headerBytes) {
    throw fail(
      "dims",
      `rank ${rank} needs ${4 * rank} bytes of sizes after the magic number, but only ${bytes.length - 4} follow`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, headerBytes);
  const shape: number[] = [];
  let count = 1;
  for (let d = 0; d < rank; d++) {
    const n = view.getUint32(4 + 4 * d, false);
    shape.push(n);
    count *= n;
  }
  // Each size is below 2^32, so the product is exact until it passes 2^53: checked once, at the end.
  const dataBytes = count * itemSize;
  if (!Number.isSafeInteger(dataBytes)) {
    throw fail("dims", `sizes [${shape.join(", ")}] of ${type} make more than 2^53 bytes`);
  }
  return { type, shape, headerBytes, dataBytes };
};

/** The elements of `bytes[from, from + header.dataBytes)`, big-endian, into a fresh typed array. */
const readElements = (bytes: Uint8Array, from: number, header: IdxHeader): IdxData => {
  const count = header.shape.reduce((a, b) => a * b, 1);
  const end = from + header.dataBytes;
  switch (header.type) {
    case "uint8":
      return bytes.slice(from, end);
    case "int8":
      return new Int8Array(bytes.slice(from, end).buffer);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset + from, header.dataBytes);
  switch (header.type) {
    case "int16": {
      const out = new Int16Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getInt16(2 * i, false);
      return out;
    }
    case "int32": {
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getInt32(4 * i, false);
      return out;
    }
    case "float32": {
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat32(4 * i, false);
      return out;
    }
    default: {
      const out = new Float64Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat64(8 * i, false);
      return out;
    }
  }
};

/**
 * @internal `decodeIdx`, with errors raised by `op` (the function the caller
 * used, such as `readIdx`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeIdxFor } from "./idx.ts";
 * assert.throws(() => decodeIdxFor("readIdx", Uint8Array.of(0, 0), "f.idx"), /^IdxError: readIdx: f\.idx: magic: /);
 * ```
 */
export const decodeIdxFor = (op: string, bytes: Uint8Array, file: string): IdxArray => {
  if (!(bytes instanceof Uint8Array)) {
    throw new IdxError(op, file, "file", `expected the file's bytes as a Uint8Array, got ${typeof bytes}`);
  }
  const header = parseIdxHeader(bytes, file, op);
  const have = bytes.length - header.headerBytes;
  if (have < header.dataBytes) {
    throw new IdxError(
      op,
      file,
      "data",
      `truncated: sizes [${header.shape.join(", ")}] of ${header.type} need ${header.dataBytes} bytes, ` +
        `only ${have} follow the header`,
    );
  }
  if (have > header.dataBytes) {
    throw new IdxError(
      op,
      file,
      "data",
      `${have - header.dataBytes} trailing bytes after the ${header.dataBytes} that sizes ` +
        `[${header.shape.join(", ")}] of ${header.type} declare`,
    );
  }
  return { type: header.type, shape: header.shape, data: readElements(bytes, header.headerBytes, header) };
};

/**
 * Decodes the bytes of an uncompressed IDX file (synchronously; for files
 * and gzip use `readIdx` or `gunzipIdx`). `name` names the bytes in errors
 * (default `"buffer"`). The result's `data` is a fresh typed array of the
 * declared type in host byte order; `bytes` is only read. A short buffer, a
 * magic number not starting `0x00 0x00`, an unknown dtype code, a rank of 0
 * or above `IDX_MAX_RANK`, missing sizes, and data shorter or longer than
 * the sizes declare are each an `IdxError` naming `name` and the field.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeIdx } from "./idx.ts";
 * import { IdxError } from "./errors.ts";
 * // int16, rank 2, sizes [2, 2], elements 1, -2, 3, 300 (big-endian)
 * const bytes = Uint8Array.of(0, 0, 0x0b, 2, 0, 0, 0, 2, 0, 0, 0, 2, 0, 1, 0xff, 0xfe, 0, 3, 1, 44);
 * const a = decodeIdx(bytes, "tiny.idx");
 * assert.deepEqual([a.type, a.shape, [...a.data]], ["int16", [2, 2], [1, -2, 3, 300]]);
 * assert.throws(() => decodeIdx(bytes.subarray(0, 18), "tiny.idx"), (e) => e instanceof IdxError && e.field === "data");
 * ```
 */
export const decodeIdx = (bytes: Uint8Array, name = "buffer"): IdxArray => decodeIdxFor("decodeIdx", bytes, name);

/** The tensor dtypes an IDX array can become. */
export type IdxTensorDType = Exclude<DType, "bool">;

/**
 * A decoded IDX array as a tensor of its shape: integer types become
 * `int32` and float types keep theirs, unless `dtype` says otherwise
 * (integers may become any numeric dtype; floats only float32 or float64,
 * since truncating them to int32 would lose data silently: a `DTypeError`).
 * The tensor owns a copy; `arr` is only read.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { idxTensor } from "./idx.ts";
 * const labels = { type: "uint8", shape: [3], data: Uint8Array.of(9, 0, 3) } as const;
 * const t = idxTensor(labels);
 * assert.deepEqual([t.dtype, t.shape, t.toArray()], ["int32", [3], [9, 0, 3]]);
 * assert.equal(idxTensor(labels, "float64").dtype, "float64");
 * ```
 */
export const idxTensor = (arr: IdxArray, dtype?: IdxTensorDType): Tensor => {
  const isFloatType = arr.type === "float32" || arr.type === "float64";
  const to: DType = dtype ?? (isFloatType ? arr.type as DType : "int32");
  if (!DTYPES.includes(to) || to === "bool") {
    throw new DTypeError("idxTensor", `dtype must be int32, float32 or float64, got ${String(to)}`);
  }
  if (isFloatType && to === "int32") {
    throw new DTypeError(
      "idxTensor",
      `a ${arr.type} IDX array cannot become int32 without losing data; use a float dtype`,
    );
  }
  const out = allocTyped(to, arr.data.length);
  out.set(arr.data);
  return fromTyped(out, arr.shape);
};
