/**
 * Tests of the data set loaders (data/datasets.ts, data/idx_images.ts).
 *
 * The real Fashion-MNIST files must be installed (Debian package
 * `dataset-fashion-mnist`, or a folder in FASHION_MNIST_DIR): the first
 * test fails, saying so, when they are not, rather than skipping. It checks
 * shapes, dtypes, the pixel range, labels 0–9 with 6,000 (train) and 1,000
 * (test) of each class, and facts about the published files (the first
 * labels, the first images' pixel sums, the mean pixel). The other tests
 * build tiny sets of four IDX files in temporary folders: the conversion
 * (pixel / 255, NHWC, int32 labels), the file spellings, where the loaders
 * look (dir, environment variables), the missing-files error, and
 * mismatched files.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { assert, describe, it } from "./lib/test.ts";
import { fashionMnist, fashionMnistLabels, mnist } from "../data/datasets.ts";
import { IdxError, MissingDataError } from "../data/errors.ts";
import type { ImageDataset } from "../data/idx_images.ts";

const counts = (labels: ArrayLike<number>, classes: number): number[] => {
  const c = new Array(classes).fill(0);
  for (let i = 0; i < labels.length; i++) c[labels[i]]++;
  return c;
};

describe("Fashion-MNIST (the installed files)", () => {
  // Loaded once; the pixel and label arrays are read out once too (toTypedArray copies 188 MB for train.x).
  type Loaded = {
    set: ImageDataset;
    ms: number;
    trainX: Float32Array;
    testX: Float32Array;
    trainY: Int32Array;
    testY: Int32Array;
  };
  let loaded: Promise<Loaded> | undefined;
  const load = () =>
    loaded ??= (async () => {
      const t0 = performance.now();
      try {
        const set = await fashionMnist();
        const ms = performance.now() - t0;
        console.log(`fashionMnist() loaded 70,000 images in ${ms.toFixed(0)} ms`);
        const arrays = {
          trainX: set.train.x.toTypedArray() as Float32Array,
          testX: set.test.x.toTypedArray() as Float32Array,
          trainY: set.train.y.toTypedArray() as Int32Array,
          testY: set.test.y.toTypedArray() as Int32Array,
        };
        return { set, ms, ...arrays };
      } catch (e) {
        if (e instanceof MissingDataError) {
          throw new Error(
            "the Fashion-MNIST files are required by this test: install the Debian package dataset-fashion-mnist " +
              `(apt-get install dataset-fashion-mnist) or set FASHION_MNIST_DIR. ${e.message}`,
          );
        }
        throw e;
      }
    })();

  it("has 60,000 training and 10,000 test images: x float32 [n, 28, 28, 1] in [0, 1], y int32", async () => {
    const { set: { train, test }, trainX, testX } = await load();
    assert.deepEqual([train.x.shape, train.x.dtype, train.y.shape, train.y.dtype], [
      [60000, 28, 28, 1],
      "float32",
      [60000],
      "int32",
    ]);
    assert.deepEqual([test.x.shape, test.x.dtype, test.y.shape, test.y.dtype], [
      [10000, 28, 28, 1],
      "float32",
      [10000],
      "int32",
    ]);
    for (const x of [trainX, testX]) {
      let lo = Infinity, hi = -Infinity;
      for (let i = 0; i < x.length; i++) {
        if (x[i] < lo) lo = x[i];
        if (x[i] > hi) hi = x[i];
      }
      assert.deepEqual([lo, hi], [0, 1]);
    }
  });

  it("labels are 0–9, 6,000 of each class in training and 1,000 in test", async () => {
    const { trainY, testY } = await load();
    assert.deepEqual(counts(trainY, 10), new Array(10).fill(6000));
    assert.deepEqual(counts(testY, 10), new Array(10).fill(1000));
  });

  it("matches facts about the published files: first labels, first images' pixel sums, mean pixel", async () => {
    const { trainX, testX, trainY, testY } = await load();
    // Read from the files with numpy: the first labels, the sum of the first image's bytes, the mean pixel / 255.
    assert.deepEqual(Array.from(trainY.subarray(0, 12)), [9, 0, 0, 3, 0, 2, 7, 2, 5, 5, 0, 9]);
    assert.deepEqual(Array.from(testY.subarray(0, 12)), [9, 2, 1, 1, 6, 1, 4, 6, 5, 7, 4, 5]);
    assert.equal(fashionMnistLabels[trainY[0]], "Ankle boot");
    const byteSum = (x: ArrayLike<number>) => {
      let s = 0;
      for (let i = 0; i < 784; i++) s += Math.round(x[i] * 255);
      return s;
    };
    assert.equal(byteSum(trainX), 76247);
    assert.equal(byteSum(testX), 33456);
    const x = trainX;
    let s = 0;
    for (let i = 0; i < x.length; i++) s += x[i];
    assert.ok(Math.abs(s / x.length - 0.2860406) < 1e-6, `mean pixel ${s / x.length}`);
  });

  it("loads in reasonable time (printed above; generous bound for a busy machine)", async () => {
    assert.ok((await load()).ms < 30_000);
  });

  it("fashionMnistLabels names the ten classes in label order", () => {
    assert.deepEqual(fashionMnistLabels, [
      "T-shirt/top",
      "Trouser",
      "Pullover",
      "Dress",
      "Coat",
      "Sandal",
      "Shirt",
      "Sneaker",
      "Bag",
      "Ankle boot",
    ]);
    assert.ok(Object.isFrozen(fashionMnistLabels));
  });
});

// -- tiny sets of four IDX files
const idx = (code: number, dims: number[], body: number[]): Uint8Array => {
  const out = new Uint8Array(4 + 4 * dims.length + body.length);
  out.set([0, 0, code, dims.length]);
  const v = new DataView(out.buffer);
  dims.forEach((d, i) => v.setUint32(4 + 4 * i, d, false));
  out.set(body, 4 + 4 * dims.length);
  return out;
};
const gzip = async (bytes: Uint8Array): Promise<Uint8Array> =>
  new Uint8Array(
    await new Response(new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new CompressionStream("gzip")))
      .arrayBuffer(),
  );
const TRAIN_PIXELS = [0, 255, 1, 128, 2, 3, 4, 5, 250, 251, 252, 253]; // three 2×2 images
const TEST_PIXELS = [9, 8, 7, 6, 51, 102, 153, 204]; // two 2×2 images
const FILES = {
  trainImages: () => idx(8, [3, 2, 2], TRAIN_PIXELS),
  trainLabels: () => idx(8, [3], [9, 0, 4]),
  testImages: () => idx(8, [2, 2, 2], TEST_PIXELS),
  testLabels: () => idx(8, [2], [1, 7]),
};
type Files = Partial<Record<keyof typeof FILES, Uint8Array>>;
const root = mkdtempSync(join(tmpdir(), "data_datasets_test-"));
let folderNo = 0;
/** A folder with the tiny set: images gzip-compressed, train labels raw, test labels in the dotted spelling. */
const tinySet = async (overrides: Files = {}, into?: string): Promise<string> => {
  const dir = into ?? join(root, `set${folderNo++}`);
  mkdirSync(dir, { recursive: true });
  const bytes = (k: keyof typeof FILES) => overrides[k] ?? FILES[k]();
  writeFileSync(join(dir, "train-images-idx3-ubyte.gz"), await gzip(bytes("trainImages")));
  writeFileSync(join(dir, "train-labels-idx1-ubyte"), bytes("trainLabels"));
  writeFileSync(join(dir, "t10k-images-idx3-ubyte.gz"), await gzip(bytes("testImages")));
  writeFileSync(join(dir, "t10k-labels.idx1-ubyte.gz"), await gzip(bytes("testLabels")));
  return dir;
};
const f32 = (bytes: number[]) => bytes.map((b) => Math.fround(b / 255));
const nhwc = (flat: number[], n: number) =>
  Array.from({ length: n }, (_, i) => [[[flat[4 * i]], [flat[4 * i + 1]]], [[flat[4 * i + 2]], [flat[4 * i + 3]]]]);

/** Runs `f` with environment variables set (undefined: unset), restoring them afterwards. */
const withEnv = async <T>(vars: Record<string, string | undefined>, f: () => Promise<T>): Promise<T> => {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  const set = (k: string, v: string | undefined) => v === undefined ? delete process.env[k] : (process.env[k] = v);
  try {
    for (const [k, v] of Object.entries(vars)) set(k, v);
    return await f();
  } finally {
    for (const [k, v] of Object.entries(saved)) set(k, v);
  }
};

describe("loading a set of four IDX files", () => {
  it("converts pixels to float32 / 255 in NHWC and labels to int32, from gzip, raw and dotted names", async () => {
    const dir = await tinySet();
    for (const load of [fashionMnist, mnist]) {
      const { train, test } = await load({ dir });
      assert.deepEqual([train.x.shape, train.x.dtype, train.y.dtype], [[3, 2, 2, 1], "float32", "int32"]);
      assert.deepEqual(train.x.toArray(), nhwc(f32(TRAIN_PIXELS), 3));
      assert.deepEqual(train.y.toArray(), [9, 0, 4]);
      assert.deepEqual(test.x.shape, [2, 2, 2, 1]);
      assert.deepEqual(test.x.toArray(), nhwc(f32(TEST_PIXELS), 2));
      assert.deepEqual(test.y.toArray(), [1, 7]);
    }
  });

  it("fashionMnist looks in FASHION_MNIST_DIR, then $DENDRITE_DATA/fashion-mnist, before the Debian folder", async () => {
    const viaVar = await tinySet({ trainLabels: idx(8, [3], [1, 1, 1]) });
    await withEnv({ FASHION_MNIST_DIR: viaVar }, async () => {
      assert.deepEqual((await fashionMnist()).train.y.toArray(), [1, 1, 1]);
    });
    const data = join(root, `data${folderNo++}`);
    await tinySet({ trainLabels: idx(8, [3], [2, 2, 2]) }, join(data, "fashion-mnist"));
    await withEnv({ FASHION_MNIST_DIR: undefined, DENDRITE_DATA: data }, async () => {
      assert.deepEqual((await fashionMnist()).train.y.toArray(), [2, 2, 2]);
    });
    // An explicit dir is the only place searched, whatever the environment says.
    const empty = mkdtempSync(join(root, "empty-"));
    await withEnv({ FASHION_MNIST_DIR: viaVar }, async () => {
      await assert.rejects(
        fashionMnist({ dir: empty }),
        (e) => e instanceof MissingDataError && e.searched[0] === empty,
      );
    });
  });

  it("mnist looks in MNIST_DIR and $DENDRITE_DATA/mnist, and with neither set says no folder was given", async () => {
    const viaVar = await tinySet({ trainLabels: idx(8, [3], [3, 3, 3]) });
    await withEnv({ MNIST_DIR: viaVar }, async () => assert.deepEqual((await mnist()).train.y.toArray(), [3, 3, 3]));
    const data = join(root, `data${folderNo++}`);
    await tinySet({ trainLabels: idx(8, [3], [5, 5, 5]) }, join(data, "mnist"));
    await withEnv({ MNIST_DIR: undefined, DENDRITE_DATA: data }, async () => {
      assert.deepEqual((await mnist()).train.y.toArray(), [5, 5, 5]);
    });
    await withEnv({ MNIST_DIR: undefined, DENDRITE_DATA: undefined }, async () => {
      await assert.rejects(mnist(), (e) => {
        assert.ok(e instanceof MissingDataError);
        assert.deepEqual(e.searched, []);
        assert.match(e.message, /^mnist: data files not found \(no folder was given; missing /);
        assert.match(e.message, /ossci-datasets\.s3\.amazonaws\.com\/mnist/);
        assert.match(e.message, /mnist\(\{ dir \}\)/);
        assert.match(e.message, /MNIST_DIR/);
        return true;
      });
    });
  });
});

describe("the missing-files error says how to get them", () => {
  it("an empty folder: every file is missing, and the message names the package, the URLs, dir and the variable", async () => {
    const empty = mkdtempSync(join(root, "empty-"));
    await assert.rejects(fashionMnist({ dir: empty }), (e) => {
      assert.ok(e instanceof MissingDataError);
      assert.equal(e.op, "fashionMnist");
      assert.deepEqual(e.searched, [empty]);
      assert.deepEqual(e.missing, [
        "train-images-idx3-ubyte(.gz)",
        "train-labels-idx1-ubyte(.gz)",
        "t10k-images-idx3-ubyte(.gz)",
        "t10k-labels-idx1-ubyte(.gz)",
      ]);
      assert.ok(e.message.startsWith(`fashionMnist: data files not found (searched ${empty}; missing `), e.message);
      for (
        const s of [
          "apt-get install dataset-fashion-mnist",
          "/usr/share/datasets/fashion-mnist",
          "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/<name>",
          "https://github.com/zalandoresearch/fashion-mnist",
          "fashionMnist({ dir })",
          "FASHION_MNIST_DIR",
        ]
      ) assert.ok(e.message.includes(s), `the message mentions ${s}: ${e.message}`);
      return true;
    });
  });

  it("a folder with some of the files lists only the others", async () => {
    const dir = mkdtempSync(join(root, "partial-"));
    writeFileSync(join(dir, "train-images-idx3-ubyte"), FILES.trainImages());
    writeFileSync(join(dir, "t10k-labels-idx1-ubyte.gz"), await gzip(FILES.testLabels()));
    await assert.rejects(
      mnist({ dir }),
      (e) =>
        e instanceof MissingDataError &&
        JSON.stringify(e.missing) === JSON.stringify(["train-labels-idx1-ubyte(.gz)", "t10k-images-idx3-ubyte(.gz)"]),
    );
  });
});

describe("mismatched or malformed files are IdxErrors naming the file and the field", () => {
  const cases: [string, Files, string, string, RegExp][] = [
    ["more labels than images", { trainLabels: idx(8, [4], [1, 2, 3, 4]) }, "train-labels", "dims", /4 labels for 3/],
    ["a label of 10", { testLabels: idx(8, [2], [1, 10]) }, "t10k-labels", "data", /label 10 at index 1 .* 0…9/],
    ["int32 images", { testImages: idx(12, [1, 1, 1], [0, 0, 0, 1]) }, "t10k-images", "dtype", /must be uint8/],
    ["flat images", { trainImages: idx(8, [3, 4], TRAIN_PIXELS) }, "train-images", "rank", /\[n, height, width\]/],
    ["labels of rank 2", { trainLabels: idx(8, [3, 1], [1, 2, 3]) }, "train-labels", "rank", /sizes \[n\]/],
    ["truncated image file", { trainImages: idx(8, [3, 2, 2], [1, 2]) }, "train-images", "data", /truncated/],
  ];
  for (const [what, overrides, file, field, re] of cases) {
    it(what, async () => {
      const dir = await tinySet(overrides);
      await assert.rejects(fashionMnist({ dir }), (e) => {
        assert.ok(e instanceof IdxError, String(e));
        assert.ok(e.file.startsWith(join(dir, file)), e.file);
        assert.equal(e.field, field);
        assert.match(e.message, re);
        return true;
      });
    });
  }
});
