/**
 * C3: each bad safetensors input of TESTPLAN §4 as a hand-made file, rejected
 * with a SafetensorsError whose `field` (and message) names the field, and
 * whose `file` and `tensor` say where. Read through `loadSafetensors` (real
 * files) and `decodeSafetensorsEither` (the `Left`).
 */
import { assert, describe, it } from "./lib/test.ts";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as E from "npm:fp-ts@2.16.11/lib/Either.js";
import { decodeSafetensorsEither, loadSafetensors, SafetensorsError } from "../io/mod.ts";

/** A file: 8-byte length prefix (`n`, default the header's byte length), the header bytes, then `buffer`. */
const fileOf = (header: string | Uint8Array, buffer: number | Uint8Array = 0, n?: bigint): Uint8Array => {
  const h = typeof header === "string" ? new TextEncoder().encode(header) : header;
  const b = typeof buffer === "number" ? new Uint8Array(buffer) : buffer;
  const out = new Uint8Array(8 + h.length + b.length);
  new DataView(out.buffer).setBigUint64(0, n ?? BigInt(h.length), true);
  out.set(h, 8);
  out.set(b, 8 + h.length);
  return out;
};
const entry = (dtype: unknown, shape: unknown, offsets: unknown) => ({ dtype, shape, data_offsets: offsets });

const dir = mkdtempSync(join(tmpdir(), "io_malformed_"));
let count = 0;

/** Writes `bytes` to a file, loads it and checks the error; checks the Either API agrees. */
const rejects = (bytes: Uint8Array, field: string, pattern: RegExp, tensor?: string): void => {
  const path = join(dir, `case${count++}.safetensors`);
  writeFileSync(path, bytes);
  assert.throws(() => loadSafetensors(path), (e: unknown) => {
    assert.ok(e instanceof SafetensorsError, `expected SafetensorsError, got ${e}`);
    assert.equal(e.field, field);
    assert.equal(e.file, path);
    assert.equal(e.tensor, tensor);
    assert.match(e.message, pattern);
    assert.ok(e.message.includes(`field ${field}`), e.message);
    assert.ok(e.message.includes(path), e.message);
    return true;
  });
  const r = decodeSafetensorsEither(bytes, { name: "mem" });
  assert.ok(E.isLeft(r) && r.left.field === field && r.left.file === "mem");
};
const header = (o: unknown): string => JSON.stringify(o);

describe("io malformed safetensors files (C3)", () => {
  it("1: file shorter than 8 bytes", () =>
    rejects(new Uint8Array(5), "header_length", /5 bytes; expected at least the 8-byte length prefix/));
  it("2: header length N > file size - 8", () =>
    rejects(fileOf("{}", 0, 100n), "header_length", /100 exceeds the 2 bytes after the prefix/));
  it("3: header length N > 100,000,000", () =>
    rejects(fileOf("{}", 0, 200_000_000n), "header_length", /exceeds the cap 100000000/));
  it("4: header length N >= 2^53", () =>
    rejects(fileOf("{}", 0, 2n ** 60n), "header_length", /1152921504606846976 is not below 2\^53/));
  it("5: header not UTF-8", () => rejects(fileOf(Uint8Array.of(0x7b, 0xff, 0xfe, 0x7d)), "header", /not valid UTF-8/));
  it("6: truncated or invalid JSON", () => {
    rejects(fileOf('{"w": {"dtype": "F32"'), "header", /not valid JSON/);
    rejects(fileOf("{'w': 1}"), "header", /not valid JSON/);
  });
  it("7: JSON not an object", () => {
    rejects(fileOf("[1, 2]"), "header", /is an array; expected a JSON object/);
    rejects(fileOf("null"), "header", /is null; expected a JSON object/);
    rejects(fileOf("3"), "header", /is number; expected a JSON object/);
  });
  it("8: duplicate keys", () => {
    const e = JSON.stringify(entry("F32", [1], [0, 4]));
    rejects(fileOf(`{"w": ${e}, "w": ${e}}`, 4), "header", /duplicate key "w"/);
    rejects(
      fileOf(`{"w": {"dtype": "F32", "dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}`, 4),
      "header",
      /duplicate key "dtype"/,
    );
  });
  it("9: unknown dtype (incl. lower-case f32); a valid but unsupported dtype says so", () => {
    rejects(fileOf(header({ w: entry("f32", [1], [0, 4]) }), 4), "dtype", /unknown dtype "f32"/, "w");
    rejects(fileOf(header({ w: entry(7, [1], [0, 4]) }), 4), "dtype", /expected a string/, "w");
    rejects(fileOf(header({ w: entry("F16", [1], [0, 2]) }), 2), "dtype", /unsupported dtype F16/, "w");
    rejects(fileOf(header({ w: entry("I64", [1], [0, 8]) }), 8), "dtype", /unsupported dtype I64/, "w");
  });
  it("10: shape not an array of non-negative safe integers", () => {
    for (const shape of [[2, -1], [1.5], "3", [null], [18446744073709551614n.toString()]]) {
      rejects(
        fileOf(header({ w: entry("F32", shape, [0, 4]) }), 4),
        "shape",
        /expected an array of non-negative safe integers/,
        "w",
      );
    }
    rejects(
      fileOf('{"w": {"dtype": "F32", "shape": [18446744073709551614], "data_offsets": [0, 4]}}', 4),
      "shape",
      /safe integers/,
      "w",
    );
  });
  it("11: data_offsets not two non-negative safe integers, or end < begin", () => {
    for (const offs of [[0], [0, 4, 8], [-1, 3], [0, 4.5], "0,4", [0, 9007199254740993]]) {
      rejects(fileOf(header({ w: entry("F32", [1], offs) }), 4), "data_offsets", /expected \[begin, end\]/, "w");
    }
    rejects(fileOf(header({ w: entry("F32", [0], [8, 4]) }), 8), "data_offsets", /end 4 < begin 8/, "w");
  });
  it("12: byte count differs from shape x itemsize", () => {
    rejects(
      fileOf(header({ w: entry("F32", [2], [0, 4]) }), 4),
      "data_offsets",
      /holds 4 bytes; shape \[2\] of F32 needs 8/,
      "w",
    );
  });
  it("13: shape product overflows 2^53", () => {
    rejects(fileOf(header({ w: entry("F32", [4294967296, 4294967296], [0, 4]) }), 4), "shape", /overflows 2\^53/, "w");
    rejects(fileOf(header({ w: entry("F64", [2 ** 51], [0, 4]) }), 4), "shape", /byte count .* overflows 2\^53/, "w");
  });
  it("14: overlapping ranges", () => {
    rejects(
      fileOf(header({ a: entry("F32", [2], [0, 8]), b: entry("F32", [2], [4, 12]) }), 12),
      "data_offsets",
      /overlaps the previous tensor/,
      "b",
    );
  });
  it("15: holes, or buffer not starting at 0", () => {
    rejects(
      fileOf(header({ a: entry("F32", [1], [0, 4]), b: entry("F32", [1], [8, 12]) }), 12),
      "data_offsets",
      /hole: bytes 4\.\.8/,
      "b",
    );
    rejects(fileOf(header({ a: entry("F32", [1], [4, 8]) }), 8), "data_offsets", /buffer starts at 4; expected 0/, "a");
  });
  it("16: trailing bytes (polyglot)", () => {
    rejects(fileOf(header({ a: entry("F32", [1], [0, 4]) }), 10), "buffer", /6 trailing bytes/);
  });
  it("17: missing bytes (truncated buffer)", () => {
    rejects(
      fileOf(header({ a: entry("F32", [4], [0, 16]) }), 10),
      "buffer",
      /buffer has 10 bytes; the tensors need 16/,
    );
  });
  it("18: __metadata__ not a string-to-string map", () => {
    for (const m of [{ a: 1 }, ["x"], "x", null, { a: { b: "c" } }]) {
      rejects(fileOf(header({ __metadata__: m })), "__metadata__", /expected an object mapping strings to strings/);
    }
  });
  it("19: unexpected or missing fields in a tensor entry", () => {
    rejects(fileOf(header({ w: { ...entry("F32", [1], [0, 4]), extra: 1 } }), 4), "extra", /unexpected field/, "w");
    rejects(fileOf(header({ w: { dtype: "F32", data_offsets: [0, 4] } }), 4), "shape", /missing field/, "w");
    rejects(fileOf(header({ w: [1, 2] }), 4), "entry", /expected an object/, "w");
  });
  it("20: tree names that do not unflatten (a and a.b both present)", () => {
    rejects(
      fileOf(header({ a: entry("F32", [1], [0, 4]), "a.b": entry("F32", [1], [4, 8]) }), 8),
      "name",
      /prefix of another/,
      "a.b",
    );
    rejects(fileOf(header({ "a..b": entry("F32", [1], [0, 4]) }), 4), "name", /segment is empty/, "a..b");
  });
  it("BOOL bytes other than 0 and 1 are rejected", () => {
    rejects(
      fileOf(header({ m: entry("BOOL", [2], [0, 2]) }), Uint8Array.of(1, 2)),
      "data",
      /element 1 is 2; expected 0 or 1/,
      "m",
    );
  });
  it("cleans up its files", () => {
    rmSync(dir, { recursive: true });
    assert.ok(count >= 20);
  });
});
