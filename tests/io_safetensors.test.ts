/**
 * Tests of io/: random trees (float32/float64/int32/bool, rank 0–4, zero-size
 * dims, nested and unicode names) round-trip bit-exactly through
 * encode/decode and through save/load (C1); the writer's layout (sorted,
 * contiguous, padded header); writer rejections; atomic save (C5).
 */
import { assert, describe, fc, it } from "./lib/test.ts";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type DType, scalar, type Tensor, tensor, tree } from "../mod.ts";
import {
  decodeSafetensors,
  encodeSafetensors,
  flattenNamed,
  loadSafetensors,
  loadSafetensorsWithMetadata,
  SafetensorsError,
  saveSafetensors,
} from "../io/mod.ts";

const ITEM: Record<DType, number> = { float32: 4, float64: 8, int32: 4, bool: 1 };
const ARRAY_OF: Record<DType, (b: ArrayBuffer) => Float32Array | Float64Array | Int32Array | Uint8Array> = {
  float32: (b) => new Float32Array(b),
  float64: (b) => new Float64Array(b),
  int32: (b) => new Int32Array(b),
  bool: (b) => new Uint8Array(b),
};

/** The raw storage bytes of a tensor: compares NaN payloads and -0 exactly. */
const rawBytes = (t: Tensor): number[] => {
  const d = t.toTypedArray();
  return [...new Uint8Array(d.buffer, d.byteOffset, d.byteLength)];
};

/** A tensor of any dtype, rank 0–4 with dims 0–3, whose elements are arbitrary bit patterns. */
const arbTensor: fc.Arbitrary<Tensor> = fc
  .record({
    dtype: fc.constantFrom<DType>("float32", "float64", "int32", "bool"),
    shape: fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 4 }),
  })
  .chain(({ dtype, shape }) => {
    const size = shape.reduce((a, b) => a * b, 1);
    return fc.uint8Array({ minLength: size * ITEM[dtype], maxLength: size * ITEM[dtype] }).map((bytes) => {
      const buf = new ArrayBuffer(bytes.length);
      const u8 = new Uint8Array(buf);
      u8.set(bytes);
      if (dtype === "bool") u8.forEach((b, i) => (u8[i] = b & 1));
      return tensor(ARRAY_OF[dtype](buf), { shape, dtype });
    });
  });

/** Keys: unicode (graphemes), no '.', not reserved, and not canonical indices (those read back as arrays). */
const arbKey = fc
  .string({ unit: "grapheme", minLength: 1, maxLength: 5 })
  .filter((k) => !k.includes(".") && k !== "__metadata__" && !/^(0|[1-9][0-9]*)$/.test(k));

const { node: arbNode } = fc.letrec<{ node: unknown }>((t) => ({
  node: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    arbTensor,
    fc.dictionary(arbKey, t("node"), { minKeys: 1, maxKeys: 3 }),
    fc.array(t("node"), { minLength: 1, maxLength: 3 }),
  ),
}));
const arbTree = fc.dictionary(arbKey, arbNode, { maxKeys: 4 });

/** Same structure, names, dtypes, shapes and bytes. */
const assertSameTree = (a: unknown, b: unknown): void => {
  assert.equal(tree.structure(b).toString(), tree.structure(a).toString());
  const fa = flattenNamed(a);
  const fb = flattenNamed(b);
  assert.deepEqual(fb.map(([n]) => n), fa.map(([n]) => n));
  fa.forEach(([name, t], i) => {
    const u = fb[i][1];
    assert.equal(u.dtype, t.dtype, name);
    assert.deepEqual(u.shape, t.shape, name);
    assert.deepEqual(rawBytes(u), rawBytes(t), name);
  });
};

const tempDir = (): string => mkdtempSync(join(tmpdir(), "io_safetensors_"));

describe("io safetensors round trip (C1)", () => {
  it("200 random trees round-trip bit-exactly through encode/decode", () => {
    fc.assert(
      fc.property(
        arbTree,
        fc.dictionary(fc.string(), fc.string(), { maxKeys: 3, noNullPrototype: true }),
        (t, meta) => {
          const bytes = encodeSafetensors(t, meta);
          assertSameTree(t, decodeSafetensors(bytes));
        },
      ),
      { numRuns: 200 },
    );
  });

  it("200 random trees round-trip bit-exactly through save/load files, with metadata", () => {
    const dir = tempDir();
    try {
      fc.assert(
        fc.property(
          arbTree,
          fc.dictionary(fc.string(), fc.string(), { maxKeys: 3, noNullPrototype: true }),
          (t, meta) => {
            const path = join(dir, "m.safetensors");
            saveSafetensors(path, t, meta);
            const back = loadSafetensorsWithMetadata(path);
            assertSameTree(t, back.tree);
            assert.deepEqual(back.metadata, meta);
          },
        ),
        { numRuns: 200 },
      );
    } finally {
      rmSync(dir, { recursive: true });
    }
  });

  it("keeps NaN payloads, -0 and infinities exactly", () => {
    const f32 = new Float32Array(new Uint32Array([0x7fc00001, 0xffbfffff, 0x80000000, 0x7f800000, 0x00000001]).buffer);
    const f64 = new Float64Array(
      new BigUint64Array([0x7ff8000000000123n, 0x8000000000000000n, 0xfff0000000000000n]).buffer,
    );
    const t = { a: tensor(f32), b: tensor(f64) };
    assertSameTree(t, decodeSafetensors(encodeSafetensors(t)));
  });

  it("restores arrays for exact 0..n-1 keys and objects otherwise, with dotted paths", () => {
    const t = {
      layers: [{ w: scalar(1) }, { w: scalar(2) }],
      gappy: { "0": scalar(3), "2": scalar(4) },
      "名前": { "é": scalar(5) },
    };
    const back = decodeSafetensors(encodeSafetensors(t)) as Record<string, unknown>;
    assert.ok(Array.isArray(back.layers));
    assert.ok(!Array.isArray(back.gappy));
    assert.deepEqual(Object.keys(back.gappy as object), ["0", "2"]);
    assertSameTree(t, back);
  });

  it("writes tensors sorted by name, contiguous from 0, header padded with spaces to 8 bytes", () => {
    const bytes = encodeSafetensors({ b: tensor([1, 2], { dtype: "int32" }), a: tensor([true]) }, { k: "v" });
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    assert.equal(n % 8, 0);
    const text = new TextDecoder().decode(bytes.subarray(8, 8 + n));
    assert.match(
      text,
      /^\{"__metadata__":\{"k":"v"\},"a":\{"dtype":"BOOL","shape":\[1\],"data_offsets":\[0,1\]\},"b":\{"dtype":"I32","shape":\[2\],"data_offsets":\[1,9\]\}\} *$/,
    );
    assert.equal(bytes.length, 8 + n + 9);
    assert.deepEqual([...bytes.subarray(8 + n)], [1, 1, 0, 0, 0, 2, 0, 0, 0]);
  });

  it("decoded tensors do not alias the input bytes", () => {
    const bytes = encodeSafetensors({ w: tensor([1, 2, 3]) });
    const back = decodeSafetensors(bytes) as { w: Tensor };
    bytes.fill(0xff, bytes.length - 12);
    assert.deepEqual(back.w.toArray(), [1, 2, 3]);
  });
});

describe("io safetensors writer rejections", () => {
  const rejects = (t: unknown, field: string, pattern: RegExp) =>
    assert.throws(
      () => encodeSafetensors(t),
      (e: unknown) => e instanceof SafetensorsError && e.field === field && pattern.test(e.message),
    );

  it("rejects the reserved name __metadata__", () =>
    rejects({ __metadata__: scalar(1) }, "tree", /__metadata__ is reserved/));
  it("rejects names that collide after flattening", () =>
    rejects({ "a.b": scalar(1), a: { b: scalar(2) } }, "tree", /"a\.b".*collide/));
  it("rejects dotted and empty keys as ambiguous", () => {
    rejects({ "a.b": scalar(1) }, "tree", /"a\.b".*contain no '\.'/);
    rejects({ "": scalar(1) }, "tree", /non-empty/);
  });
  it("rejects non-tensor leaves and a non-tree root", () => {
    rejects({ a: 1 }, "tree", /"a".*leaf is number; expected a Tensor/);
    rejects({ a: null }, "tree", /leaf is null/);
    rejects(scalar(1), "tree", /root must be a plain object or an array/);
  });
  it("rejects non-string metadata values", () => {
    assert.throws(
      () => encodeSafetensors({}, { n: 1 as unknown as string }),
      (e: unknown) =>
        e instanceof SafetensorsError && e.field === "__metadata__" &&
        /"n" is number; expected a string/.test(e.message),
    );
  });
});

describe("io atomic save (C5)", () => {
  it("a write failing midway leaves the previous file byte-identical and no temporary file", () => {
    const dir = tempDir();
    try {
      const path = join(dir, "ckpt.safetensors");
      saveSafetensors(path, { w: tensor([1, 2, 3]) });
      const before = readFileSync(path);
      let calls = 0;
      const failing = (fd: number, buf: Uint8Array, off: number, len: number): number => {
        calls++;
        if (calls === 1) return writeHalf(fd, buf, off, len);
        throw new Error("disk full (injected)");
      };
      // Writes the first half of the chunk for real, so the temporary file holds a torn prefix.
      const writeHalf = (fd: number, buf: Uint8Array, off: number, len: number): number => {
        const half = Math.max(1, Math.floor(len / 2));
        writeFileSync(fd, buf.subarray(off, off + half));
        return half;
      };
      assert.throws(
        () => saveSafetensors(path, { w: tensor(new Float32Array(1000)) }, undefined, { writeSync: failing }),
        /disk full \(injected\)/,
      );
      assert.ok(calls >= 2, "the write failed midway, after a partial write");
      assert.deepEqual(readFileSync(path), before);
      assert.deepEqual(readdirSync(dir), ["ckpt.safetensors"]);
      assert.deepEqual((loadSafetensors(path) as { w: Tensor }).w.toArray(), [1, 2, 3]);
    } finally {
      rmSync(dir, { recursive: true });
    }
  });

  it("an encoding error writes nothing; a successful save replaces the file", () => {
    const dir = tempDir();
    try {
      const path = join(dir, "ckpt.safetensors");
      saveSafetensors(path, { w: tensor([1]) });
      const before = readFileSync(path);
      assert.throws(() => saveSafetensors(path, { w: 3 }), SafetensorsError);
      assert.deepEqual(readFileSync(path), before);
      saveSafetensors(path, { w: tensor([2]) });
      assert.deepEqual((loadSafetensors(path) as { w: Tensor }).w.toArray(), [2]);
      assert.deepEqual(readdirSync(dir), ["ckpt.safetensors"]);
      assert.ok(existsSync(path));
    } finally {
      rmSync(dir, { recursive: true });
    }
  });
});
