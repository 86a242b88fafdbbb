/**
 * C4: 2,000 mutations of a valid safetensors file (bit flips, truncation,
 * length-prefix edits, JSON edits), seeded. Decoding either succeeds with a
 * structurally valid tree whose tensor storage totals at most the file's
 * size, or returns a SafetensorsError; it never throws, and each case takes
 * under 1 s. A header claiming a huge tensor in a tiny file is rejected
 * before any allocation.
 */
import { assert, describe, fc, it } from "./lib/test.ts";
import * as E from "npm:fp-ts@2.16.11/lib/Either.js";
import { Tensor, tensor } from "../mod.ts";
import { decodeSafetensorsEither, encodeSafetensors, flattenNamed, SafetensorsError } from "../io/mod.ts";

const valid = encodeSafetensors(
  {
    layers: [{ w: tensor([[1, 2], [3, 4]]), b: tensor([0.5, -0.5], { dtype: "float64" }) }, { w: tensor([[5, 6]]) }],
    count: tensor([7, 8, 9], { dtype: "int32" }),
    mask: tensor([true, false, true]),
    empty: tensor(new Float32Array(0), { shape: [0, 3] }),
  },
  { epoch: "3", note: "fuzz" },
);
const headerLen = Number(new DataView(valid.buffer).getBigUint64(0, true));

type Mutation = (b: Uint8Array) => Uint8Array;
const bitFlips = fc.array(fc.tuple(fc.nat({ max: valid.length - 1 }), fc.nat({ max: 7 })), {
  minLength: 1,
  maxLength: 4,
})
  .map((flips): Mutation => (b) => {
    const out = b.slice();
    for (const [i, bit] of flips) out[i] ^= 1 << bit;
    return out;
  });
const truncate = fc.nat({ max: valid.length - 1 }).map((n): Mutation => (b) => b.slice(0, n));
const lengthEdit = fc.oneof(
  fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
  fc.integer({ min: -16, max: 16 }).map((d) => BigInt(Math.max(0, headerLen + d))),
)
  .map((n): Mutation => (b) => {
    const out = b.slice();
    new DataView(out.buffer).setBigUint64(0, n, true);
    return out;
  });
const jsonChars = fc.constantFrom(...'{}[]",:0123456789-.eE ntfu\\\u00e9\u00ff');
const jsonEdit = fc.tuple(fc.nat({ max: headerLen - 1 }), fc.constantFrom("replace", "insert", "delete"), jsonChars)
  .map(([at, kind, ch]): Mutation => (b) => {
    const text = new TextDecoder().decode(b.subarray(8, 8 + headerLen));
    const i = Math.min(at, text.length - 1);
    const edited = kind === "replace"
      ? text.slice(0, i) + ch + text.slice(i + 1)
      : kind === "insert"
      ? text.slice(0, i) + ch + text.slice(i)
      : text.slice(0, i) + text.slice(i + 1);
    const h = new TextEncoder().encode(edited);
    const out = new Uint8Array(8 + h.length + b.length - 8 - headerLen);
    new DataView(out.buffer).setBigUint64(0, BigInt(h.length), true);
    out.set(h, 8);
    out.set(b.subarray(8 + headerLen), 8 + h.length);
    return out;
  });
const numberEdit = fc.tuple(
  fc.nat({ max: 40 }),
  fc.oneof(fc.integer(), fc.constantFrom(2 ** 53, 1e300, -0, 0.5, 18446744073709551614)),
)
  .map(([k, v]): Mutation => (b) => {
    // Replaces the k-th number of the header with v, keeping the length prefix right.
    const text = new TextDecoder().decode(b.subarray(8, 8 + headerLen));
    let seen = 0;
    const edited = text.replace(/-?\d+/g, (m) => (seen++ === k ? String(v) : m));
    const h = new TextEncoder().encode(edited);
    const out = new Uint8Array(8 + h.length + b.length - 8 - headerLen);
    new DataView(out.buffer).setBigUint64(0, BigInt(h.length), true);
    out.set(h, 8);
    out.set(b.subarray(8 + headerLen), 8 + h.length);
    return out;
  });
const mutation = fc.oneof(bitFlips, truncate, lengthEdit, jsonEdit, numberEdit);

describe("io safetensors mutation fuzz (C4)", () => {
  it("the unmutated file decodes", () => assert.ok(E.isRight(decodeSafetensorsEither(valid))));

  it("2,000 mutated files: a valid tree within the file's size, or only SafetensorsError; each < 1 s", () => {
    let ok = 0;
    let rejected = 0;
    fc.assert(
      fc.property(mutation, (mutate) => {
        const bytes = mutate(valid);
        const t0 = performance.now();
        const r = decodeSafetensorsEither(bytes, { name: "fuzz" });
        assert.ok(performance.now() - t0 < 1000, "each case decodes in under 1 s");
        if (E.isLeft(r)) {
          assert.ok(r.left instanceof SafetensorsError);
          assert.equal(r.left.file, "fuzz");
          assert.match(r.left.message, /^decodeSafetensors: fuzz: .*field .+: /);
          rejected++;
          return;
        }
        ok++;
        let total = 0;
        for (const [, t] of flattenNamed(r.right.tree)) {
          assert.ok(t instanceof Tensor);
          assert.equal(t.size, t.shape.reduce((a, b) => a * b, 1));
          const data = t.toTypedArray();
          assert.equal(data.length, t.size);
          total += data.byteLength;
        }
        assert.ok(total <= bytes.length, `tensors hold ${total} bytes, file has ${bytes.length}`);
        for (const v of Object.values(r.right.metadata)) assert.equal(typeof v, "string");
      }),
      { numRuns: 2000 },
    );
    // Both outcomes occur, so the property checked both branches.
    assert.ok(ok > 0 && rejected > 0, `ok ${ok}, rejected ${rejected}`);
  });

  it("a header claiming a 1 GB tensor in a ~100-byte file is rejected quickly, before allocation", () => {
    const h = new TextEncoder().encode(
      JSON.stringify({ w: { dtype: "F32", shape: [268435456], data_offsets: [0, 1073741824] } }),
    );
    const bytes = new Uint8Array(8 + h.length + 4);
    new DataView(bytes.buffer).setBigUint64(0, BigInt(h.length), true);
    bytes.set(h, 8);
    const t0 = performance.now();
    const r = decodeSafetensorsEither(bytes, { name: "huge" });
    assert.ok(performance.now() - t0 < 100);
    assert.ok(E.isLeft(r) && r.left.field === "buffer" && /the tensors need 1073741824/.test(r.left.message));
  });
});
