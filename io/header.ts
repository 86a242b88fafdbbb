/**
 * The header check: bytes → a validated table of tensor entries, as an fp-ts
 * `Either`. Nothing is allocated from the file's numbers until they are all
 * checked against each other and against the file size.
 *
 * @module
 */
import * as t from "npm:io-ts@2.2.22/lib/index.js";
import * as E from "npm:fp-ts@2.16.11/lib/Either.js";
import type { DType } from "../core/dtype.ts";
import { SafetensorsError } from "./errors.ts";
import { FROM_SAFETENSORS, ITEM_SIZE, MAX_HEADER, METADATA_KEY, UNSUPPORTED_DTYPES } from "./format.ts";
import { duplicateKey } from "./json_keys.ts";

interface SafeNatBrand {
  readonly SafeNat: unique symbol;
}
/** A non-negative safe integer (JSON numbers above 2^53 lose precision, so they are refused). */
const SafeNat = t.brand(
  t.number,
  (n): n is t.Branded<number, SafeNatBrand> => Number.isSafeInteger(n) && n >= 0,
  "SafeNat",
);
const Shape = t.array(SafeNat);
const Offsets = t.tuple([SafeNat, SafeNat]);
const Metadata = t.record(t.string, t.string);
const HeaderObject = t.UnknownRecord;
const ENTRY_FIELDS = ["dtype", "shape", "data_offsets"] as const;

/** One checked tensor entry of a header. */
export interface Entry {
  /** The tensor's name in the file. */
  readonly name: string;
  /** Its dtype. */
  readonly dtype: DType;
  /** Its shape. */
  readonly shape: readonly number[];
  /** Byte range `[begin, end)` within the data buffer. */
  readonly begin: number;
  /** End of the byte range. */
  readonly end: number;
}

/** A checked header: entries sorted by offset, the metadata, and where the data buffer starts. */
export interface Header {
  /** The tensor entries in buffer order. */
  readonly entries: readonly Entry[];
  /** The `__metadata__` map (empty when absent). */
  readonly metadata: Readonly<Record<string, string>>;
  /** Byte offset of the data buffer in the file (8 + header length). */
  readonly dataStart: number;
}

/** Names the file and function in errors. */
export interface Where {
  /** The function reported in errors. */
  readonly op: string;
  /** The file name reported in errors. */
  readonly file: string;
}

const entryOf = (where: Where, name: string, raw: unknown): E.Either<SafetensorsError, Entry> => {
  const fail = (field: string, detail: string) =>
    E.left(new SafetensorsError({ ...where, tensor: name, field, detail }));
  if (!HeaderObject.is(raw)) return fail("entry", "expected an object {dtype, shape, data_offsets}");
  for (const k of Object.keys(raw)) {
    if (!(ENTRY_FIELDS as readonly string[]).includes(k)) {
      return fail(k, `unexpected field; expected only ${ENTRY_FIELDS.join(", ")}`);
    }
  }
  for (const k of ENTRY_FIELDS) if (!(k in raw)) return fail(k, "missing field");
  const d = raw.dtype;
  if (typeof d !== "string") return fail("dtype", 'expected a string such as "F32"');
  const dtype = Object.hasOwn(FROM_SAFETENSORS, d) ? FROM_SAFETENSORS[d] : undefined;
  if (dtype === undefined) {
    return UNSUPPORTED_DTYPES.has(d)
      ? fail("dtype", `unsupported dtype ${d}; this library reads F32, F64, I32 and BOOL`)
      : fail("dtype", `unknown dtype ${JSON.stringify(d)}; expected a safetensors dtype such as F32, F64, I32, BOOL`);
  }
  const shape = Shape.decode(raw.shape);
  if (E.isLeft(shape)) return fail("shape", "expected an array of non-negative safe integers");
  const offs = Offsets.decode(raw.data_offsets);
  // io-ts tuples drop extra components, so the length is checked here.
  if (E.isLeft(offs) || (raw.data_offsets as unknown[]).length !== 2) {
    return fail("data_offsets", "expected [begin, end], two non-negative safe integers");
  }
  const [begin, end] = offs.right;
  if (end < begin) return fail("data_offsets", `end ${end} < begin ${begin}`);
  let count = 1;
  if (!shape.right.includes(0 as t.Branded<number, SafeNatBrand>)) {
    for (const n of shape.right) {
      count *= n;
      if (!Number.isSafeInteger(count)) {
        return fail("shape", `element count of [${shape.right.join(",")}] overflows 2^53`);
      }
    }
  } else count = 0;
  const bytes = count * ITEM_SIZE[dtype];
  if (!Number.isSafeInteger(bytes)) return fail("shape", `byte count of [${shape.right.join(",")}] overflows 2^53`);
  if (end - begin !== bytes) {
    return fail(
      "data_offsets",
      `range holds ${end - begin} bytes; shape [${shape.right.join(",")}] of ${d} needs ${bytes}`,
    );
  }
  return E.right({ name, dtype, shape: shape.right, begin, end });
};

/**
 * Checks the length prefix, header JSON and every entry of a safetensors
 * file against each other and against `bytes.length`; `Left` on the first
 * problem.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as E from "npm:fp-ts@2.16.11/lib/Either.js";
 * import { checkHeader } from "./header.ts";
 * const r = checkHeader(new Uint8Array(3), { op: "decode", file: "x" });
 * assert.ok(E.isLeft(r) && r.left.field === "header_length");
 * ```
 */
export const checkHeader = (bytes: Uint8Array, where: Where): E.Either<SafetensorsError, Header> => {
  const fail = (field: string, detail: string, tensor?: string) =>
    E.left(new SafetensorsError({ ...where, tensor, field, detail }));
  if (bytes.length < 8) {
    return fail("header_length", `file has ${bytes.length} bytes; expected at least the 8-byte length prefix`);
  }
  const n = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  // Compare as BigInt first: Number(n) would round above 2^53.
  if (n >= 2n ** 53n) return fail("header_length", `header length ${n} is not below 2^53`);
  if (n > BigInt(MAX_HEADER)) return fail("header_length", `header length ${n} exceeds the cap ${MAX_HEADER}`);
  if (n > BigInt(bytes.length - 8)) {
    return fail("header_length", `header length ${n} exceeds the ${bytes.length - 8} bytes after the prefix`);
  }
  const len = Number(n);
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes.subarray(8, 8 + len));
  } catch {
    return fail("header", "header is not valid UTF-8");
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    return fail("header", `header is not valid JSON (${(e as Error).message})`);
  }
  if (!HeaderObject.is(json)) {
    return fail(
      "header",
      `header is ${Array.isArray(json) ? "an array" : json === null ? "null" : typeof json}; expected a JSON object`,
    );
  }
  const dup = duplicateKey(text);
  if (dup !== undefined) return fail("header", `duplicate key ${JSON.stringify(dup)}; keys must be unique`);
  let metadata: Record<string, string> = {};
  const entries: Entry[] = [];
  for (const [name, raw] of Object.entries(json)) {
    if (name === METADATA_KEY) {
      const m = Metadata.decode(raw);
      if (E.isLeft(m) || Array.isArray(raw)) return fail(METADATA_KEY, "expected an object mapping strings to strings");
      metadata = m.right;
      continue;
    }
    const e = entryOf(where, name, raw);
    if (E.isLeft(e)) return e;
    entries.push(e.right);
  }
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let at = 0;
  for (const e of entries) {
    if (e.begin < at) {
      return fail("data_offsets", `range [${e.begin}, ${e.end}] overlaps the previous tensor (ends at ${at})`, e.name);
    }
    if (e.begin > at) {
      return fail(
        "data_offsets",
        at === 0 ? `buffer starts at ${e.begin}; expected 0` : `hole: bytes ${at}..${e.begin} belong to no tensor`,
        e.name,
      );
    }
    at = e.end;
  }
  const dataLen = bytes.length - 8 - len;
  if (dataLen > at) return fail("buffer", `${dataLen - at} trailing bytes after the last tensor (ends at ${at})`);
  if (dataLen < at) return fail("buffer", `buffer has ${dataLen} bytes; the tensors need ${at} (truncated file?)`);
  return E.right({ entries, metadata, dataStart: 8 + len });
};
