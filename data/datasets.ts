/**
 * Fashion-MNIST and MNIST from their standard IDX files: 60,000 training and
 * 10,000 test images of 28 × 28 grey pixels in 10 classes. Where the files
 * are looked for, in order: `opts.dir` (then nowhere else), the
 * environment variable `FASHION_MNIST_DIR` (`MNIST_DIR`),
 * `$DENDRITE_DATA/fashion-mnist` (`$DENDRITE_DATA/mnist`), and for
 * Fashion-MNIST the folder the Debian package `dataset-fashion-mnist`
 * installs, `/usr/share/datasets/fashion-mnist`.
 *
 * @module
 */
import { join } from "node:path";
import process from "node:process";
import { type ImageDataset, type ImageSetOptions, loadIdxImageSet } from "./idx_images.ts";

/** Where Debian's `dataset-fashion-mnist` puts the four files (`dpkg -L dataset-fashion-mnist`). */
const DEBIAN_FASHION_MNIST = "/usr/share/datasets/fashion-mnist";

/** An environment variable, or undefined when unset, empty or not readable (Deno without `--allow-env`). */
const env = (name: string): string | undefined => {
  try {
    const v = process.env[name];
    return v === undefined || v === "" ? undefined : v;
  } catch {
    return undefined;
  }
};

const defined = (xs: readonly (string | undefined)[]): string[] => xs.filter((x): x is string => x !== undefined);

/**
 * The class names of Fashion-MNIST, by label (0 is `"T-shirt/top"`, 9 is
 * `"Ankle boot"`), as the data set's authors name them.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { fashionMnistLabels } from "./datasets.ts";
 * assert.equal(fashionMnistLabels.length, 10);
 * assert.equal(fashionMnistLabels[9], "Ankle boot");
 * ```
 */
export const fashionMnistLabels: readonly string[] = Object.freeze([
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

const FASHION_URL = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com";
const FASHION_HOW_TO = "Install them with `apt-get install dataset-fashion-mnist` (Debian and Ubuntu; they go to " +
  `${DEBIAN_FASHION_MNIST}), or download train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, ` +
  `t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz from ${FASHION_URL}/<name> ` +
  "(or the data/fashion folder of https://github.com/zalandoresearch/fashion-mnist) into a folder " +
  "and pass it as fashionMnist({ dir }), or set FASHION_MNIST_DIR to it.";

/**
 * Loads Fashion-MNIST (Zalando's clothing images, a drop-in replacement for
 * MNIST): `train` 60,000 and `test` 10,000 images, each `x` float32
 * `[n, 28, 28, 1]` with pixels / 255 in `[0, 1]` and `y` int32 `[n]` labels
 * 0…9 (names in `fashionMnistLabels`). The four files may be gzip-compressed
 * or not; see the module notes for where they are looked for. When no
 * folder holds them, a `MissingDataError` says how to get them; a malformed
 * file is an `IdxError`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mkdtempSync } from "node:fs";
 * import { join } from "node:path";
 * import { tmpdir } from "node:os";
 * import { fashionMnist } from "./datasets.ts";
 * import { MissingDataError } from "./errors.ts";
 * // With the files installed: const { train, test } = await fashionMnist(); train.x.shape is [60000, 28, 28, 1].
 * const empty = mkdtempSync(join(tmpdir(), "fmnist-"));
 * await assert.rejects(fashionMnist({ dir: empty }), (e) =>
 *   e instanceof MissingDataError && /apt-get install dataset-fashion-mnist/.test(e.message));
 * ```
 */
export const fashionMnist = (opts: ImageSetOptions = {}): Promise<ImageDataset> => {
  const data = env("DENDRITE_DATA");
  return loadIdxImageSet({
    op: "fashionMnist",
    classes: 10,
    candidates: defined([
      env("FASHION_MNIST_DIR"),
      data === undefined ? undefined : join(data, "fashion-mnist"),
      DEBIAN_FASHION_MNIST,
    ]),
    howTo: FASHION_HOW_TO,
  }, opts);
};

const MNIST_HOW_TO = "Download train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz " +
  "and t10k-labels-idx1-ubyte.gz (from https://ossci-datasets.s3.amazonaws.com/mnist/<name>, the mirror " +
  "torchvision uses, or http://yann.lecun.com/exdb/mnist/) into a folder and pass it as mnist({ dir }), " +
  "or set MNIST_DIR to it (or put them in $DENDRITE_DATA/mnist).";

/**
 * Loads MNIST (LeCun, Cortes and Burges' handwritten digits) from the four
 * standard IDX files in `opts.dir`, else in `$MNIST_DIR`, else in
 * `$DENDRITE_DATA/mnist`: the same shapes and types as `fashionMnist`
 * (`x` float32 `[n, 28, 28, 1]` in `[0, 1]`, `y` int32 digits 0…9). No
 * system package is assumed; without a folder holding the files a
 * `MissingDataError` says where to download them.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mkdtempSync } from "node:fs";
 * import { join } from "node:path";
 * import { tmpdir } from "node:os";
 * import { mnist } from "./datasets.ts";
 * const empty = mkdtempSync(join(tmpdir(), "mnist-"));
 * await assert.rejects(mnist({ dir: empty }), /mnist: data files not found .*ossci-datasets/);
 * ```
 */
export const mnist = (opts: ImageSetOptions = {}): Promise<ImageDataset> => {
  const data = env("DENDRITE_DATA");
  return loadIdxImageSet({
    op: "mnist",
    classes: 10,
    candidates: defined([env("MNIST_DIR"), data === undefined ? undefined : join(data, "mnist")]),
    howTo: MNIST_HOW_TO,
  }, opts);
};
