/**
 * C2: interop with Python (standard library + NumPy only, scripts in
 * tests/fixtures/). Two files written by the library are read by
 * safetensors_read.py with the same names, dtypes, shapes, values and
 * metadata; two files written by safetensors_write.py (unsorted keys,
 * unpadded header) load with the numbers the script printed. Without
 * python3 and NumPy the test fails with a message saying what to install.
 */
import { assert, describe, it } from "./lib/test.ts";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Tensor, tensor } from "../mod.ts";
import { flattenNamed, loadSafetensorsWithMetadata, saveSafetensors } from "../io/mod.ts";

const fixtures = join(dirname(fileURLToPath(import.meta.url)), "fixtures");
const CODE: Record<string, string> = { float32: "F32", float64: "F64", int32: "I32", bool: "BOOL" };

interface PyTensor {
  dtype: string;
  shape: number[];
  values: unknown;
}
interface PyFile {
  metadata: Record<string, string>;
  tensors: Record<string, PyTensor>;
}

const python = (args: string[]): string => {
  try {
    execFileSync("python3", ["-c", "import numpy"], { stdio: "pipe" });
  } catch (e) {
    assert.fail(`io interop needs python3 with NumPy (Debian: apt-get install python3-numpy): ${(e as Error).message}`);
  }
  return execFileSync("python3", args, { encoding: "utf8" });
};

/** The library's view of a file in the scripts' JSON form. */
const describeTree = (t: unknown): Record<string, PyTensor> =>
  Object.fromEntries(
    flattenNamed(t).map((
      [name, x]: [string, Tensor],
    ) => [name, { dtype: CODE[x.dtype], shape: [...x.shape], values: x.toArray() }]),
  );

const libraryFiles: [string, unknown, Record<string, string>][] = [
  [
    "mixed",
    {
      w: tensor([[1.5, -2.25], [0.1, -0]]),
      b: tensor([0.1, 1e300, -1e-300], { dtype: "float64" }),
      n: tensor([-7, 2147483647, -2147483648], { dtype: "int32" }),
      m: tensor([true, false]),
    },
    { epoch: "3", format: "dendrite" },
  ],
  [
    "nested",
    {
      layers: [{ w: tensor(new Float32Array(24).map((_, i) => i / 7), { shape: [2, 3, 4] }) }, { w: tensor(2.5) }],
      "ünï": tensor(new Int32Array(0), { shape: [0, 2] }),
    },
    {},
  ],
];

describe("io safetensors interop with Python/NumPy (C2)", () => {
  const dir = mkdtempSync(join(tmpdir(), "io_interop_"));

  for (const [label, tree, meta] of libraryFiles) {
    it(`NumPy reads the library's file "${label}" with the same values`, () => {
      const path = join(dir, `${label}.safetensors`);
      saveSafetensors(path, tree, meta);
      const got = JSON.parse(python([join(fixtures, "safetensors_read.py"), path])) as PyFile;
      assert.deepEqual(got.metadata, meta);
      assert.deepEqual(got.tensors, describeTree(tree));
    });
  }

  for (const variant of ["a", "b"]) {
    it(`the library loads NumPy's file "${variant}" with the same values`, () => {
      const path = join(dir, `py_${variant}.safetensors`);
      const wrote = JSON.parse(python([join(fixtures, "safetensors_write.py"), path, variant])) as PyFile;
      const { tree, metadata } = loadSafetensorsWithMetadata(path);
      assert.deepEqual(metadata, wrote.metadata);
      assert.deepEqual(describeTree(tree), wrote.tensors);
      assert.ok(Object.keys(wrote.tensors).length >= 3);
    });
  }

  it("cleans up its files", () => {
    assert.equal(readdirSync(dir).length, 4, "the four interop files were written");
    rmSync(dir, { recursive: true });
    assert.ok(!existsSync(dir));
  });
});
