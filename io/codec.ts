/**
 * Trees ↔ safetensors bytes.
 *
 * @module
 */
import * as E from "npm:fp-ts@2.16.11/lib/Either.js";
import { allocTyped } from "../core/dtype.ts";
import { fromTyped } from "../core/creation.ts";
import type { Tensor } from "../core/tensor.ts";
import { SafetensorsError } from "./errors.ts";
import { ITEM_SIZE, LITTLE_ENDIAN, METADATA_KEY, swapBytes, TO_SAFETENSORS } from "./format.ts";
import { checkHeader } from "./header.ts";
import { flattenNamed, unflattenNamed } from "./names.ts";

/** String metadata stored under `__metadata__`. */
export type Metadata = Readonly<Record<string, string>>;

/** A decoded file: the tree of tensors and its metadata. */
export interface Decoded {
  /** Tensors restored to a tree (see io/names.ts for the rules). */
  readonly tree: Record<string, unknown> | unknown[];
  /** The `__metadata__` strings (empty when the file has none). */
  readonly metadata: Metadata;
}

/** Options of the decoders. */
export interface DecodeOptions {
  /** The file name shown in errors (default `<bytes>`). */
  readonly name?: string;
}

/** The little-endian bytes of a tensor's elements (a copy). */
const tensorBytes = (t: Tensor): Uint8Array => {
  const data = t.concrete().hostData("save");
  const out = new Uint8Array(data.byteLength);
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  if (!LITTLE_ENDIAN) swapBytes(out, ITEM_SIZE[t.dtype]);
  return out;
};

/**
 * The safetensors bytes of `tree`: tensors sorted by name, contiguous from
 * offset 0, the JSON header padded with spaces to a multiple of 8 bytes.
 * Throws `SafetensorsError` (field `tree` or `__metadata__`) for a tree that
 * breaks the naming rules of io/names.ts.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeSafetensors, encodeSafetensors } from "./mod.ts";
 * import { tensor } from "../mod.ts";
 * const bytes = encodeSafetensors({ w: tensor([1, 2]) }, { step: "3" });
 * assert.equal((bytes.length - 8) % 8, 0);
 * const back = decodeSafetensors(bytes) as { w: ReturnType<typeof tensor> };
 * assert.deepEqual(back.w.toArray(), [1, 2]);
 * ```
 */
export const encodeSafetensors = (tree: unknown, metadata?: Metadata): Uint8Array => {
  const named = flattenNamed(tree, { op: "encodeSafetensors", file: "<tree>" });
  const header: Record<string, unknown> = {};
  if (metadata !== undefined) {
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== "string") {
        throw new SafetensorsError({
          op: "encodeSafetensors",
          file: "<tree>",
          field: METADATA_KEY,
          detail: `value of ${JSON.stringify(k)} is ${typeof v}; expected a string`,
        });
      }
    }
    header[METADATA_KEY] = { ...metadata };
  }
  let at = 0;
  const parts = named.map(([name, t]) => {
    const bytes = tensorBytes(t);
    Object.defineProperty(header, name, {
      value: { dtype: TO_SAFETENSORS[t.dtype], shape: [...t.shape], data_offsets: [at, at + bytes.length] },
      enumerable: true,
      writable: true,
      configurable: true,
    });
    at += bytes.length;
    return bytes;
  });
  const json = new TextEncoder().encode(JSON.stringify(header));
  const n = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + n + at);
  new DataView(out.buffer).setBigUint64(0, BigInt(n), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + n);
  let o = 8 + n;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
};

/**
 * Decodes safetensors bytes to `Right({ tree, metadata })`, or `Left` of a
 * `SafetensorsError` naming the file, tensor and field; never throws for
 * bad input. Tensor storage is allocated only after the whole header is
 * checked, and is a copy (never a view of `bytes`). `op` is the function
 * name that errors report (the file loaders pass their own).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as E from "npm:fp-ts@2.16.11/lib/Either.js";
 * import { decodeSafetensorsEither, encodeSafetensors } from "./mod.ts";
 * import { scalar } from "../mod.ts";
 * const ok = decodeSafetensorsEither(encodeSafetensors({ a: scalar(1) }));
 * assert.ok(E.isRight(ok));
 * const bad = decodeSafetensorsEither(new Uint8Array(4), { name: "x.safetensors" });
 * assert.ok(E.isLeft(bad) && bad.left.field === "header_length" && bad.left.file === "x.safetensors");
 * ```
 */
export const decodeSafetensorsEither = (
  bytes: Uint8Array,
  opts: DecodeOptions = {},
  op = "decodeSafetensors",
): E.Either<SafetensorsError, Decoded> => {
  const where = { op, file: opts.name ?? "<bytes>" };
  const h = checkHeader(bytes, where);
  if (E.isLeft(h)) return h;
  const { entries, metadata, dataStart } = h.right;
  // Check the names form a tree before allocating any storage.
  try {
    unflattenNamed(new Map(entries.map((e) => [e.name, 0])), where);
  } catch (e) {
    if (e instanceof SafetensorsError) return E.left(e);
    throw e;
  }
  const tensors = new Map<string, Tensor>();
  for (const e of entries) {
    const src = bytes.subarray(dataStart + e.begin, dataStart + e.end);
    const size = ITEM_SIZE[e.dtype];
    if (e.dtype === "bool") {
      const bad = src.findIndex((b) => b > 1);
      if (bad >= 0) {
        return E.left(
          new SafetensorsError({
            ...where,
            tensor: e.name,
            field: "data",
            detail: `BOOL element ${bad} is ${src[bad]}; expected 0 or 1`,
          }),
        );
      }
    }
    const arr = allocTyped(e.dtype, (e.end - e.begin) / size);
    // A byte copy: works at any (odd) offset and keeps NaN payloads.
    const view = new Uint8Array(arr.buffer);
    view.set(src);
    if (!LITTLE_ENDIAN) swapBytes(view, size);
    tensors.set(e.name, fromTyped(arr, e.shape));
  }
  return E.right({ tree: unflattenNamed(tensors, where), metadata });
};

/**
 * Decodes safetensors bytes to the tree of tensors; throws
 * `SafetensorsError` for a malformed file.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeSafetensors, encodeSafetensors, SafetensorsError } from "./mod.ts";
 * import { tensor } from "../mod.ts";
 * const t = decodeSafetensors(encodeSafetensors({ layers: [{ w: tensor([1.5]) }] })) as { layers: { w: ReturnType<typeof tensor> }[] };
 * assert.deepEqual(t.layers[0].w.toArray(), [1.5]);
 * assert.throws(() => decodeSafetensors(new Uint8Array(2)), SafetensorsError);
 * ```
 */
export const decodeSafetensors = (bytes: Uint8Array, opts: DecodeOptions = {}): Record<string, unknown> | unknown[] => {
  const r = decodeSafetensorsEither(bytes, opts);
  if (E.isLeft(r)) throw r.left;
  return r.right.tree;
};
