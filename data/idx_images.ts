/**
 * The loader shared by MNIST-style image sets: four IDX files (training and
 * test images and labels, under the standard names, gzip-compressed or not)
 * found in the first folder that holds all four, checked against each other
 * and turned into tensors in one pass each: pixels `uint8 → float32 / 255`
 * in `[0, 1]`, shape `[n, height, width, 1]` (NHWC, one channel), labels
 * `int32`.
 *
 * @module
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fromTyped } from "../core/creation.ts";
import type { Tensor } from "../core/tensor.ts";
import { IdxError, MissingDataError } from "./errors.ts";
import type { IdxArray } from "./idx.ts";
import { readIdx, type ReadIdxOptions } from "./idx_read.ts";

/** Images and their labels: `x` float32 `[n, height, width, 1]` in `[0, 1]`, `y` int32 `[n]`. */
export interface ImageSet {
  /** The images, float32, NHWC with one channel, pixel / 255. */
  readonly x: Tensor;
  /** The class of each image, int32, in `0 … classes − 1`. */
  readonly y: Tensor;
}

/** A data set split as published: training and test images. */
export interface ImageDataset {
  /** The training images (60,000 for MNIST and Fashion-MNIST). */
  readonly train: ImageSet;
  /** The test images (10,000 for MNIST and Fashion-MNIST). */
  readonly test: ImageSet;
}

/** Options of the image-set loaders. */
export interface ImageSetOptions extends ReadIdxOptions {
  /** The folder holding the four files; when given, it is the only place searched. */
  readonly dir?: string;
}

/**
 * The standard base names of the four files (each found as `<name>.gz` or
 * `<name>`, or spelled `train-images.idx3-ubyte` as some mirrors do).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { IDX_IMAGE_FILES } from "./idx_images.ts";
 * assert.equal(IDX_IMAGE_FILES.testLabels, "t10k-labels-idx1-ubyte");
 * ```
 */
export const IDX_IMAGE_FILES = {
  trainImages: "train-images-idx3-ubyte",
  trainLabels: "train-labels-idx1-ubyte",
  testImages: "t10k-images-idx3-ubyte",
  testLabels: "t10k-labels-idx1-ubyte",
} as const;

/** The names a file goes by: gzip or raw, and the `train-images.idx3-ubyte` spelling some mirrors use. */
const spellings = (base: string): string[] => {
  const dotted = base.replace(/-(idx\d)/, ".$1");
  return [`${base}.gz`, base, `${dotted}.gz`, dotted];
};

/** The path of `base` in `dir` under any of its spellings, or undefined. */
const findFile = (dir: string, base: string): string | undefined =>
  spellings(base).map((n) => join(dir, n)).find((p) => existsSync(p));

/** What the loader needs to know of one data set. */
export interface IdxImageSetSpec {
  /** The loader's name, for errors (`fashionMnist`). */
  readonly op: string;
  /** The number of classes: every label must be below it. */
  readonly classes: number;
  /** Folders to search in order (already filtered of unset environment variables). */
  readonly candidates: readonly string[];
  /** How to get the files, for the error when none of the folders holds them. */
  readonly howTo: string;
}

/** uint8 pixel → float32 in [0, 1], each rounded once, looked up rather than divided 47 million times. */
const PIXEL = Float32Array.from({ length: 256 }, (_, i) => i / 255);

const imagesTensor = (op: string, file: string, a: IdxArray): Tensor => {
  if (a.type !== "uint8" || a.shape.length !== 3) {
    const field = a.type !== "uint8" ? "dtype" : "rank";
    throw new IdxError(
      op,
      file,
      field,
      `images must be uint8 with sizes [n, height, width], got ${a.type} [${a.shape.join(", ")}]`,
    );
  }
  const src = a.data as Uint8Array;
  const out = new Float32Array(src.length);
  for (let i = 0; i < src.length; i++) out[i] = PIXEL[src[i]];
  return fromTyped(out, [a.shape[0], a.shape[1], a.shape[2], 1]);
};

const labelsTensor = (op: string, file: string, a: IdxArray, n: number, classes: number): Tensor => {
  if (a.type !== "uint8" || a.shape.length !== 1) {
    const field = a.type !== "uint8" ? "dtype" : "rank";
    throw new IdxError(op, file, field, `labels must be uint8 with sizes [n], got ${a.type} [${a.shape.join(", ")}]`);
  }
  if (a.shape[0] !== n) {
    throw new IdxError(op, file, "dims", `${a.shape[0]} labels for ${n} images; expected one label per image`);
  }
  const src = a.data as Uint8Array;
  const out = new Int32Array(src.length);
  for (let i = 0; i < src.length; i++) {
    if (src[i] >= classes) {
      throw new IdxError(op, file, "data", `label ${src[i]} at index ${i} is outside 0…${classes - 1}`);
    }
    out[i] = src[i];
  }
  return fromTyped(out, [n]);
};

/**
 * @internal Loads the four files of an MNIST-style set from the first
 * folder of `spec.candidates` that holds all four (or from `opts.dir`
 * alone), decoding them concurrently. No folder with the files is a
 * `MissingDataError` listing the folders and the missing names, with
 * `spec.howTo`; malformed or mismatched files are an `IdxError`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mkdtempSync } from "node:fs";
 * import { join } from "node:path";
 * import { tmpdir } from "node:os";
 * import { loadIdxImageSet } from "./idx_images.ts";
 * import { MissingDataError } from "./errors.ts";
 * const empty = mkdtempSync(join(tmpdir(), "none-"));
 * const spec = { op: "myLoader", classes: 10, candidates: [empty], howTo: "download them" };
 * await assert.rejects(loadIdxImageSet(spec), (e) => e instanceof MissingDataError && /download them/.test(e.message));
 * ```
 */
export const loadIdxImageSet = async (spec: IdxImageSetSpec, opts: ImageSetOptions = {}): Promise<ImageDataset> => {
  const { op } = spec;
  const dirs = opts.dir !== undefined ? [opts.dir] : spec.candidates;
  const bases = Object.values(IDX_IMAGE_FILES);
  let missing: string[] = bases.map((b) => `${b}(.gz)`);
  for (const dir of dirs) {
    const paths = bases.map((b) => findFile(dir, b));
    if (paths.every((p) => p !== undefined)) {
      const [trainImages, trainLabels, testImages, testLabels] = paths as string[];
      const read = { maxBytes: opts.maxBytes };
      const [ti, tl, si, sl] = await Promise.all(
        [trainImages, trainLabels, testImages, testLabels].map((p) => readIdx(p, read)),
      );
      const trainX = imagesTensor(op, trainImages, ti);
      const testX = imagesTensor(op, testImages, si);
      return {
        train: { x: trainX, y: labelsTensor(op, trainLabels, tl, trainX.shape[0], spec.classes) },
        test: { x: testX, y: labelsTensor(op, testLabels, sl, testX.shape[0], spec.classes) },
      };
    }
    missing = bases.filter((_, i) => paths[i] === undefined).map((b) => `${b}(.gz)`);
  }
  throw new MissingDataError(op, dirs, missing, spec.howTo);
};
