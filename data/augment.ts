/**
 * Data augmentation for image batches (NHWC: examples, height, width,
 * channels), drawn from keys, independently per example: the course's
 * regularisation by transformations of the inputs that the training data
 * does not contain. Use a new key per batch (`fit` does) so every epoch sees
 * new variants. Each function is differentiable in its input (they are made
 * of `flip`, `gather`, `where`, `pad` and `add`).
 *
 * @module
 */
import { tensor } from "../core/creation.ts";
import { DTypeError, ShapeError, ValueError } from "../core/errors.ts";
import { add, flip, gather, pad, reshape, where } from "../core/ops/mod.ts";
import { type FloatDType, isFloat } from "../core/dtype.ts";
import { checkKey, type Key, split } from "../core/random/key.ts";
import { bernoulli, normal, randint } from "../core/random/mod.ts";
import { formatShape } from "../core/shape.ts";
import type { Tensor } from "../core/tensor.ts";

const requireNHWC = (op: string, images: Tensor): readonly [number, number, number, number] => {
  if (images.ndim !== 4) {
    throw new ShapeError(
      op,
      `images have shape ${formatShape(images.shape)}; expected NHWC [batch, height, width, channels]`,
    );
  }
  return images.shape as unknown as [number, number, number, number];
};

/** Options of `randomFlipHorizontal`. */
export interface FlipOptions {
  /** The probability that an image is flipped (default 0.5). */
  readonly p?: number;
}

/**
 * Mirrors each image left–right (reverses the width axis) with probability
 * `p`, one Bernoulli draw per image (`random.bernoulli(key, p, [N])`), as
 * torchvision's `RandomHorizontalFlip(p)` and Keras' `RandomFlip("horizontal")`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { data, random, tensor } from "../mod.ts";
 * const img = tensor([[[[1], [2], [3]]]]); // one 1×3 image, one channel
 * assert.deepEqual(data.randomFlipHorizontal(random.key(0), img, { p: 1 }).toArray(), [[[[3], [2], [1]]]]);
 * assert.deepEqual(data.randomFlipHorizontal(random.key(0), img, { p: 0 }).toArray(), img.toArray());
 * ```
 */
export const randomFlipHorizontal = (key: Key, images: Tensor, opts: FlipOptions = {}): Tensor => {
  const op = "randomFlipHorizontal";
  const k = checkKey(op, key);
  const [n] = requireNHWC(op, images);
  const p = opts.p ?? 0.5;
  if (typeof p !== "number" || !(p >= 0 && p <= 1)) throw new ValueError(op, `p must be in [0, 1], got ${String(p)}`);
  const chosen = reshape(bernoulli(k, p, [n]), [n, 1, 1, 1]);
  return where(chosen, flip(images, 2), images);
};

/** Options of `randomCrop`. */
export interface CropOptions {
  /** Zero rows and columns added on each side before cropping: a number, or `[rows, columns]`. */
  readonly padding: number | readonly [number, number];
  /** The crop's `[height, width]` (default: the input's, so the output has the input's shape). */
  readonly size?: readonly [number, number];
  /** The value of the padding (default 0). */
  readonly fill?: number;
}

/**
 * Pads each image by `padding` on every side (with `fill`, default 0) and
 * cuts out a window of `size` (default: the original size) at an offset
 * drawn uniformly per image (`random.randint`, rows and columns
 * independently), as torchvision's `RandomCrop(size, padding)`: the usual
 * CIFAR augmentation is `padding: 4` on 32×32 images. Every output pixel is
 * a pixel of the padded image, so a window never leaves the padded bounds.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { data, random, tensor } from "../mod.ts";
 * const img = tensor([[[[1], [2]], [[3], [4]]]]); // one 2×2 image
 * const out = data.randomCrop(random.key(0), img, { padding: 1 });
 * assert.deepEqual(out.shape, [1, 2, 2, 1]);
 * const same = data.randomCrop(random.key(0), img, { padding: 0 });
 * assert.deepEqual(same.toArray(), img.toArray()); // no padding: only one window
 * ```
 */
export const randomCrop = (key: Key, images: Tensor, opts: CropOptions): Tensor => {
  const op = "randomCrop";
  const k = checkKey(op, key);
  const [n, h, w, c] = requireNHWC(op, images);
  const [ph, pw] = pair(op, "padding", opts.padding);
  const [ch, cw] = opts.size === undefined ? [h, w] : pair(op, "size", opts.size);
  const hp = h + 2 * ph, wp = w + 2 * pw;
  if (ch < 1 || cw < 1 || ch > hp || cw > wp) {
    throw new ValueError(op, `size [${ch}, ${cw}] must be between [1, 1] and the padded size [${hp}, ${wp}]`);
  }
  const fill = opts.fill ?? 0;
  if (typeof fill !== "number" || !Number.isFinite(fill)) throw new ValueError(op, `fill must be a finite number`);
  const padded = pad(images, [[0, 0], [ph, ph], [pw, pw], [0, 0]], fill);
  const [ky, kx] = split(k);
  const oy = randint(ky, [n], 0, hp - ch + 1).toTypedArray();
  const ox = randint(kx, [n], 0, wp - cw + 1).toTypedArray();
  // One gather over the flattened pixels rather than one slice per image.
  const idx = new Int32Array(n * ch * cw);
  let o = 0;
  for (let i = 0; i < n; i++) {
    for (let r = 0; r < ch; r++) {
      const row = (i * hp + oy[i] + r) * wp + ox[i];
      for (let q = 0; q < cw; q++) idx[o++] = row + q;
    }
  }
  return gather(reshape(padded, [n * hp * wp, c]), tensor(idx, { shape: [n, ch, cw] }), 0);
};

const pair = (op: string, name: string, v: unknown): [number, number] => {
  const [a, b] = typeof v === "number" ? [v, v] : Array.isArray(v) && v.length === 2 ? v : [NaN, NaN];
  if (!Number.isSafeInteger(a) || !Number.isSafeInteger(b) || a < 0 || b < 0) {
    throw new ValueError(op, `${name} must be an integer ≥ 0 or a pair of them, got ${JSON.stringify(v)}`);
  }
  return [a, b];
};

/** Options of `gaussianNoise`. */
export interface NoiseOptions {
  /** The noise's standard deviation (≥ 0). */
  readonly std: number;
}

/**
 * Adds independent Normal(0, std²) noise to every element of `x` (any
 * shape, float dtype), as Keras' `GaussianNoise(stddev)` layer does at
 * training time. `std: 0` returns `x` itself.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { data, mean, random, square, sub, zeros } from "../mod.ts";
 * const x = zeros([1000, 10]);
 * const noisy = data.gaussianNoise(random.key(0), x, { std: 0.5 });
 * assert.ok(Math.abs(Math.sqrt(mean(square(sub(noisy, x))).item()) - 0.5) < 0.02);
 * ```
 */
export const gaussianNoise = (key: Key, x: Tensor, opts: NoiseOptions): Tensor => {
  const op = "gaussianNoise";
  const k = checkKey(op, key);
  const std = opts?.std;
  if (typeof std !== "number" || !(std >= 0) || !Number.isFinite(std)) {
    throw new ValueError(op, `std must be a finite number ≥ 0, got ${String(std)}`);
  }
  if (!isFloat(x.dtype)) throw new DTypeError(op, `x has dtype ${x.dtype}; expected float32 or float64`);
  if (std === 0) return x;
  return add(x, normal(k, x.shape, { std, dtype: x.dtype as FloatDType }));
};
