/**
 * Tests of the IDX reader (data/idx.ts, data/idx_read.ts): hand-built files
 * of every dtype and ranks 1–4 decode to what was written, raw and
 * gzip-compressed, from bytes and from disk; a property does the same for
 * random shapes and values; `idxTensor` picks the documented dtypes; and
 * every malformation (short file, bad magic, unknown dtype, bad rank,
 * missing sizes, short or long data, overflowing sizes, corrupt or overlong
 * gzip, unreadable or oversized file) is an `IdxError` naming the file and
 * the field, raised before anything is allocated for the claimed size.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { assert, describe, fc, it } from "./lib/test.ts";
import { DTypeError } from "../core/errors.ts";
import { IdxError } from "../data/errors.ts";
import { decodeIdx, IDX_MAX_RANK, type IdxArray, idxTensor, type IdxType, parseIdxHeader } from "../data/idx.ts";
import { gunzipIdx, readIdx } from "../data/idx_read.ts";

// -- a tiny IDX writer, independent of the reader: the format's description, written out.
const CODE: Record<IdxType, number> = { uint8: 8, int8: 9, int16: 11, int32: 12, float32: 13, float64: 14 };
const SIZE: Record<IdxType, number> = { uint8: 1, int8: 1, int16: 2, int32: 4, float32: 4, float64: 8 };
const TYPES = Object.keys(CODE) as IdxType[];

const header = (code: number, dims: readonly number[]): Uint8Array => {
  const h = new Uint8Array(4 + 4 * dims.length);
  h.set([0, 0, code, dims.length]);
  const v = new DataView(h.buffer);
  dims.forEach((d, i) => v.setUint32(4 + 4 * i, d, false));
  return h;
};
const encode = (type: IdxType, dims: readonly number[], values: readonly number[]): Uint8Array => {
  const h = header(CODE[type], dims);
  const out = new Uint8Array(h.length + values.length * SIZE[type]);
  out.set(h);
  const v = new DataView(out.buffer, h.length);
  values.forEach((x, i) => {
    const at = i * SIZE[type];
    if (type === "uint8") v.setUint8(at, x);
    else if (type === "int8") v.setInt8(at, x);
    else if (type === "int16") v.setInt16(at, x, false);
    else if (type === "int32") v.setInt32(at, x, false);
    else if (type === "float32") v.setFloat32(at, x, false);
    else v.setFloat64(at, x, false);
  });
  return out;
};
const concat = (...parts: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) (out.set(p, at), at += p.length);
  return out;
};
const gzip = async (bytes: Uint8Array): Promise<Uint8Array> =>
  new Uint8Array(
    await new Response(new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new CompressionStream("gzip")))
      .arrayBuffer(),
  );
const dir = mkdtempSync(join(tmpdir(), "data_idx_test-"));
let fileNo = 0;
const writeTemp = (bytes: Uint8Array, suffix = ""): string => {
  const p = join(dir, `f${fileNo++}-idx${suffix}`);
  writeFileSync(p, bytes);
  return p;
};

/** Values that stress each type: its extremes, zero, negative zero, fractions, infinities, NaN. */
const SAMPLES: Record<IdxType, number[]> = {
  uint8: [0, 1, 127, 128, 254, 255],
  int8: [-128, -1, 0, 1, 126, 127],
  int16: [-32768, -1, 0, 255, 256, 32767],
  int32: [-(2 ** 31), -1, 0, 65536, 2 ** 24 + 1, 2 ** 31 - 1],
  float32: [-0, 1.5, -3.25, Math.fround(0.1), Infinity, NaN],
  float64: [-0, 1 / 3, -1e300, 5e-324, -Infinity, NaN],
};
const SHAPES = [[6], [2, 3], [3, 1, 2], [1, 2, 3, 1]];

/** Element-wise equality that tells NaN, -0 and 0 apart (Object.is). */
const sameValues = (a: ArrayLike<number>, b: readonly number[]) =>
  a.length === b.length && b.every((x, i) => Object.is(a[i], x));
const check = (a: IdxArray, type: IdxType, shape: readonly number[], values: readonly number[]) => {
  assert.equal(a.type, type);
  assert.deepEqual(a.shape, shape);
  assert.ok(sameValues(a.data, values), `${type} [${shape}]: got ${Array.from(a.data)}, want ${values}`);
};

/** Asserts `p` (or `f`) fails with an IdxError from `op` naming `file` and `field`, its message matching `re`. */
const isIdxError = (op: string, file: string, field: string, re: RegExp) => (e: unknown) => {
  assert.ok(e instanceof IdxError, `expected an IdxError, got ${e}`);
  assert.equal(e.file, file);
  assert.equal(e.field, field);
  assert.equal(e.op, op);
  assert.ok(e.message.startsWith(`${op}: ${file}: ${field}: `), e.message);
  assert.match(e.message, re);
  return true;
};

describe("IDX round trips", () => {
  it("every dtype at ranks 1–4 decodes to what was written, from bytes, gzip bytes and files", async () => {
    for (const type of TYPES) {
      for (const shape of SHAPES) {
        const raw = encode(type, shape, SAMPLES[type]);
        const gz = await gzip(raw);
        check(decodeIdx(raw, "raw"), type, shape, SAMPLES[type]);
        check(await gunzipIdx(raw, "raw"), type, shape, SAMPLES[type]);
        check(await gunzipIdx(gz, "gz"), type, shape, SAMPLES[type]);
        check(await readIdx(writeTemp(raw)), type, shape, SAMPLES[type]);
        check(await readIdx(writeTemp(gz, ".gz")), type, shape, SAMPLES[type]);
      }
    }
  });

  it("the typed array of each dtype is the documented one, and zero sizes give empty arrays", () => {
    const kinds: Record<IdxType, unknown> = {
      uint8: Uint8Array,
      int8: Int8Array,
      int16: Int16Array,
      int32: Int32Array,
      float32: Float32Array,
      float64: Float64Array,
    };
    for (const type of TYPES) assert.ok(decodeIdx(encode(type, [1], [1])).data instanceof (kinds[type] as never));
    check(decodeIdx(encode("int16", [4, 0, 2], [])), "int16", [4, 0, 2], []);
  });

  it("decoding copies: the result does not alias the input, and neither input is changed", async () => {
    const raw = encode("uint8", [3], [7, 8, 9]);
    const before = Array.from(raw);
    const a = decodeIdx(raw);
    (a.data as Uint8Array)[0] = 99;
    assert.deepEqual(Array.from(raw), before);
    const gz = await gzip(raw);
    const gzBefore = Array.from(gz);
    await gunzipIdx(gz);
    assert.deepEqual(Array.from(gz), gzBefore);
    assert.equal(gz.byteLength, gzBefore.length, "the gzip bytes were not detached");
  });

  it("property: random dtypes, shapes and values decode to the source, raw and through gzip", async () => {
    const valuesOf = (type: IdxType, n: number) => {
      const el = {
        uint8: fc.integer({ min: 0, max: 255 }),
        int8: fc.integer({ min: -128, max: 127 }),
        int16: fc.integer({ min: -32768, max: 32767 }),
        int32: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
        float32: fc.float(),
        float64: fc.double(),
      }[type];
      return fc.array(el, { minLength: n, maxLength: n });
    };
    const cases = fc.constantFrom(...TYPES).chain((type) =>
      fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 1, maxLength: 4 }).chain((shape) =>
        valuesOf(type, shape.reduce((a, b) => a * b, 1)).map((values) => ({ type, shape, values }))
      )
    );
    await fc.assert(
      fc.asyncProperty(cases, async ({ type, shape, values }) => {
        const raw = encode(type, shape, values);
        check(decodeIdx(raw), type, shape, values);
        check(await gunzipIdx(await gzip(raw)), type, shape, values);
      }),
      { numRuns: 80 },
    );
  });
});

describe("idxTensor", () => {
  it("integers become int32, floats keep their dtype, and a dtype may be asked for", () => {
    const u8 = decodeIdx(encode("uint8", [2, 2], [0, 1, 254, 255]));
    const t = idxTensor(u8);
    assert.deepEqual([t.dtype, t.shape, t.toArray()], ["int32", [2, 2], [[0, 1], [254, 255]]]);
    const i16 = idxTensor(decodeIdx(encode("int16", [2], [-32768, 7])), "float32");
    assert.deepEqual([i16.dtype, i16.toArray()], ["float32", [-32768, 7]]);
    const f64 = idxTensor(decodeIdx(encode("float64", [1], [1 / 3])));
    assert.deepEqual([f64.dtype, f64.toArray()], ["float64", [1 / 3]]);
    assert.equal(idxTensor(decodeIdx(encode("float32", [1], [1.5]))).dtype, "float32");
  });

  it("a float array asked to become int32 (or an unknown dtype) is a DTypeError", () => {
    const f = decodeIdx(encode("float32", [1], [1.5]));
    assert.throws(
      () => idxTensor(f, "int32"),
      (e) => e instanceof DTypeError && /float32 IDX array cannot/.test(e.message),
    );
    assert.throws(
      () => idxTensor(f, "bool" as never),
      (e) => e instanceof DTypeError && /dtype must be int32, float32 or float64, got bool/.test(e.message),
    );
  });
});

describe("malformed IDX files are IdxErrors naming the file and the field", () => {
  const ok = encode("uint8", [2, 3], [1, 2, 3, 4, 5, 6]);
  const cases: [string, Uint8Array, string, RegExp][] = [
    ["empty file", new Uint8Array(0), "magic", /0 bytes; an IDX file starts with a 4-byte magic number/],
    ["file under 4 bytes", Uint8Array.of(0, 0, 8), "magic", /3 bytes/],
    ["first magic byte not zero", concat(Uint8Array.of(1), ok.subarray(1)), "magic", /starts with 0x01 0x00/],
    ["second magic byte not zero", concat(Uint8Array.of(0, 7), ok.subarray(2)), "magic", /starts with 0x00 0x07/],
    ["gzip bytes given to decodeIdx", Uint8Array.of(0x1f, 0x8b, 8, 0, 0), "magic", /gzip stream: use readIdx/],
    ["unknown dtype code 0x0a", concat(Uint8Array.of(0, 0, 0x0a), ok.subarray(3)), "dtype", /unknown dtype code 0x0a/],
    ["unknown dtype code 0xff", concat(Uint8Array.of(0, 0, 0xff), ok.subarray(3)), "dtype", /0x08 uint8.*0x0e float64/],
    ["rank 0", Uint8Array.of(0, 0, 8, 0, 5), "rank", /rank 0; expected 1 to 16/],
    ["rank above the maximum", header(8, new Array(IDX_MAX_RANK + 1).fill(1)), "rank", /rank 17; expected 1 to 16/],
    ["truncated sizes", ok.subarray(0, 10), "dims", /rank 2 needs 8 bytes of sizes .* only 6 follow/],
    ["no sizes at all", ok.subarray(0, 4), "dims", /only 0 follow/],
    ["truncated data", ok.subarray(0, ok.length - 1), "data", /truncated: .*need 6 bytes, only 5 follow/],
    ["trailing bytes", concat(ok, Uint8Array.of(0, 0)), "data", /2 trailing bytes after the 6/],
    ["truncated float64 data", encode("float64", [2], [1, 2]).subarray(0, 20), "data", /need 16 bytes, only 12 follow/],
    ["size product overflow", header(8, [2 ** 32 - 1, 2 ** 32 - 1, 2 ** 32 - 1]), "dims", /more than 2\^53 bytes/],
    ["product overflow through the item size", header(14, [2 ** 25, 2 ** 25, 2 ** 2]), "dims", /2\^53/],
  ];
  for (const [what, bytes, field, re] of cases) {
    it(`${what} → field ${field}`, () => {
      assert.throws(() => decodeIdx(bytes, `case.idx`), isIdxError("decodeIdx", "case.idx", field, re));
    });
  }

  it("the same malformations read from disk name the path, with op readIdx", async () => {
    // (readIdx decompresses gzip bytes rather than rejecting them: that case is the corrupt-gzip test's.)
    for (const [what, bytes, field, re] of cases.filter(([w]) => !w.startsWith("gzip"))) {
      const path = writeTemp(bytes);
      await assert.rejects(readIdx(path), isIdxError("readIdx", path, field, re), what);
    }
  });

  it("a header claiming a terabyte in a 20-byte file is rejected from the header, not by allocating", () => {
    // 2^40 bytes would throw a RangeError (or exhaust memory) if anything were allocated for it first.
    const bytes = concat(header(8, [65536, 65536, 256]), Uint8Array.of(1, 2, 3, 4));
    const t0 = performance.now();
    assert.throws(() => decodeIdx(bytes, "huge"), isIdxError("decodeIdx", "huge", "data", /need 1099511627776 bytes/));
    assert.ok(performance.now() - t0 < 1000);
  });

  it("a gzip stream whose header claims more than maxBytes is stopped at the header", async () => {
    const gz = await gzip(concat(header(8, [65536, 65536, 256]), new Uint8Array(100)));
    await assert.rejects(gunzipIdx(gz, "bomb.gz"), isIdxError("gunzipIdx", "bomb.gz", "dims", /more than maxBytes/));
    const small = await gzip(encode("uint8", [100], new Array(100).fill(1)));
    await assert.rejects(
      gunzipIdx(small, "small.gz", { maxBytes: 50 }),
      isIdxError("gunzipIdx", "small.gz", "dims", /declare 108 bytes, more than maxBytes \(50\)/),
    );
  });

  it("a gzip stream that decompresses past what its header declares (a bomb) is stopped", async () => {
    // The header declares 16 bytes; 8 MB of zeros follow (about 8 KB compressed).
    const gz = await gzip(concat(header(8, [16]), new Uint8Array(8 << 20)));
    assert.ok(gz.length < 100_000);
    await assert.rejects(
      gunzipIdx(gz, "long.gz"),
      isIdxError("gunzipIdx", "long.gz", "data", /decompresses to more than the 24 bytes that sizes \[16\] of uint8/),
    );
    const short = await gzip(concat(header(8, [2]), Uint8Array.of(1, 2, 3)));
    await assert.rejects(gunzipIdx(short, "one-more.gz"), isIdxError("gunzipIdx", "one-more.gz", "data", /trailing/));
  });

  it("a corrupt or cut gzip stream is field gzip; a gzip of a malformed file names the IDX field", async () => {
    const gz = await gzip(encode("uint8", [1000], Array.from({ length: 1000 }, (_, i) => (i * 7) % 251)));
    const flipped = gz.slice();
    flipped[20] ^= 0xff;
    flipped[21] ^= 0x55;
    const garbage = Uint8Array.of(0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 0xff, 0xff, 0xff, 0xff);
    for (
      const [what, bytes] of [["cut in half", gz.subarray(0, gz.length >> 1)], ["flipped", flipped], [
        "garbage",
        garbage,
      ]] as const
    ) {
      await assert.rejects(gunzipIdx(bytes, what), isIdxError("gunzipIdx", what, "gzip", /corrupt gzip stream/), what);
    }
    const badRank = await gzip(Uint8Array.of(0, 0, 8, 0));
    await assert.rejects(gunzipIdx(badRank, "r.gz"), isIdxError("gunzipIdx", "r.gz", "rank", /rank 0/));
    const cutHeader = await gzip(Uint8Array.of(0, 0, 8, 2, 0, 0));
    await assert.rejects(gunzipIdx(cutHeader, "h.gz"), isIdxError("gunzipIdx", "h.gz", "dims", /only 2 follow/));
    const cutData = await gzip(encode("int32", [3], [1, 2, 3]).subarray(0, 18));
    await assert.rejects(gunzipIdx(cutData, "d.gz"), isIdxError("gunzipIdx", "d.gz", "data", /truncated/));
  });

  it("a missing file, or one larger than maxBytes, is field file", async () => {
    const missing = join(dir, "no-such-file");
    await assert.rejects(readIdx(missing), isIdxError("readIdx", missing, "file", /cannot read it/));
    const path = writeTemp(encode("uint8", [100], new Array(100).fill(0)));
    await assert.rejects(readIdx(path, { maxBytes: 64 }), isIdxError("readIdx", path, "file", /108 bytes, more than/));
    await assert.rejects(
      readIdx(path, { maxBytes: 0 }),
      isIdxError("readIdx", "options", "maxBytes", /positive integer, got 0/),
    );
  });

  it("parseIdxHeader reads a header without the data", () => {
    assert.deepEqual(parseIdxHeader(header(13, [3, 4]), "h", "op"), {
      type: "float32",
      shape: [3, 4],
      headerBytes: 12,
      dataBytes: 48,
    });
  });
});
