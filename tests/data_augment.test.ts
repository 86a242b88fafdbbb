/**
 * Tests of data/augment.ts: shapes are kept; each image is flipped or left
 * as it is, about a fraction p of them flipped, none at p = 0 and all at
 * p = 1; every crop is a window of the padded image at an offset inside the
 * padded bounds, and the offsets vary between images; the noise has the
 * standard deviation asked for; the same key gives the same result; the
 * augmentations are differentiable in their input (finite differences).
 */
import { assert, describe, fc, it } from "./lib/test.ts";
import { checkGrads } from "../testing/mod.ts";
import { data, mean, random, reshape, ShapeError, square, sub, sum, type Tensor, tensor, ValueError } from "../mod.ts";

/** N images H×W×C whose pixels are 1, 2, 3, … (so 0 can only be padding). */
const numbered = (n: number, h: number, w: number, c: number, dtype: "float32" | "float64" = "float32") =>
  tensor(Float64Array.from({ length: n * h * w * c }, (_, i) => i + 1), { shape: [n, h, w, c], dtype });
const image = (t: Tensor, i: number) => (t.toArray() as number[][][][])[i];
const mirrored = (img: number[][][]) => img.map((row) => [...row].reverse());

describe("randomFlipHorizontal", () => {
  it("each image is either itself or its mirror image; shape and dtype are kept", () =>
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 5 }), fc.nat(1000), (n, w, seed) => {
        const x = numbered(n, 2, w, 2);
        const y = data.randomFlipHorizontal(random.key(seed), x);
        assert.deepEqual([y.shape, y.dtype], [x.shape, x.dtype]);
        for (let i = 0; i < n; i++) {
          const [a, b] = [image(y, i), image(x, i)];
          assert.ok(
            JSON.stringify(a) === JSON.stringify(b) || JSON.stringify(a) === JSON.stringify(mirrored(b)),
            `image ${i}`,
          );
        }
      }),
      { numRuns: 40 },
    ));

  it("flips actually flip: p = 1 mirrors every image, p = 0 none", () => {
    const x = numbered(3, 2, 4, 1);
    const all = data.randomFlipHorizontal(random.key(0), x, { p: 1 });
    for (let i = 0; i < 3; i++) assert.deepEqual(image(all, i), mirrored(image(x, i)));
    assert.deepEqual(image(all, 0)[0], [[4], [3], [2], [1]]);
    assert.deepEqual(data.randomFlipHorizontal(random.key(0), x, { p: 0 }).toArray(), x.toArray());
  });

  it("about a fraction p of the images are flipped (binomial, 4.5 sigma)", () => {
    const n = 2000, p = 0.3;
    const x = numbered(n, 1, 2, 1); // image i is [2i+1, 2i+2]; flipped it starts with the larger pixel
    const y = data.randomFlipHorizontal(random.key(9), x, { p }).toArray() as number[][][][];
    const flipped = y.filter((img) => img[0][0][0] > img[0][1][0]).length;
    assert.ok(Math.abs(flipped - n * p) < 4.5 * Math.sqrt(n * p * (1 - p)), `${flipped} of ${n}`);
  });

  it("the same key flips the same images; another key others", () => {
    const x = numbered(40, 1, 3, 1);
    const a = data.randomFlipHorizontal(random.key(1), x).toArray();
    assert.deepEqual(data.randomFlipHorizontal(random.key(1), x).toArray(), a);
    assert.notDeepEqual(data.randomFlipHorizontal(random.key(2), x).toArray(), a);
  });

  it("rejects non-NHWC inputs and p outside [0, 1]", () => {
    assert.throws(() => data.randomFlipHorizontal(random.key(0), reshape(numbered(1, 2, 2, 1), [4])), ShapeError);
    assert.throws(
      () => data.randomFlipHorizontal(random.key(0), reshape(numbered(1, 2, 2, 1), [2, 2])),
      /randomFlipHorizontal: images have shape \[2,2\]; expected NHWC/,
    );
    assert.throws(() => data.randomFlipHorizontal(random.key(0), numbered(1, 2, 2, 1), { p: 1.5 }), ValueError);
  });
});

/** The offset (oy, ox) at which `crop` sits in the padded image, or undefined when it is no window of it. */
const windowOffset = (padded: number[][][], crop: number[][][]): [number, number] | undefined => {
  const [hp, wp, h, w] = [padded.length, padded[0].length, crop.length, crop[0].length];
  for (let oy = 0; oy + h <= hp; oy++) {
    for (let ox = 0; ox + w <= wp; ox++) {
      let same = true;
      for (let r = 0; r < h && same; r++) {
        for (let q = 0; q < w && same; q++) {
          same = JSON.stringify(padded[oy + r][ox + q]) === JSON.stringify(crop[r][q]);
        }
      }
      if (same) return [oy, ox];
    }
  }
  return undefined;
};
const padImage = (img: number[][][], ph: number, pw: number, fill = 0): number[][][] => {
  const c = img[0][0].length, w = img[0].length;
  const blank = () => Array.from({ length: w + 2 * pw }, () => new Array(c).fill(fill));
  const rows = img.map((row) => [...blank().slice(0, pw), ...row, ...blank().slice(0, pw)]);
  return [...Array.from({ length: ph }, blank), ...rows, ...Array.from({ length: ph }, blank)];
};

describe("randomCrop", () => {
  it("every crop is a window of the padded image, inside its bounds, with the input's shape", () =>
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 0, max: 2 }),
        fc.integer({ min: 0, max: 2 }),
        fc.nat(1000),
        (n, h, w, ph, pw, seed) => {
          const x = numbered(n, h, w, 2);
          const y = data.randomCrop(random.key(seed), x, { padding: [ph, pw] });
          assert.deepEqual(y.shape, x.shape);
          for (let i = 0; i < n; i++) {
            const at = windowOffset(padImage(image(x, i), ph, pw), image(y, i));
            assert.ok(at !== undefined, `crop ${i} is a window of the padded image`);
            assert.ok(at[0] <= 2 * ph && at[1] <= 2 * pw);
          }
        },
      ),
      { numRuns: 60 },
    ));

  it("offsets vary between images and cover the whole range", () => {
    const x = numbered(200, 3, 3, 1);
    const y = data.randomCrop(random.key(4), x, { padding: 2 });
    const offsets = new Set<string>();
    for (let i = 0; i < 200; i++) offsets.add(String(windowOffset(padImage(image(x, i), 2, 2), image(y, i))));
    assert.equal(offsets.size, 25, "all 5 × 5 offsets occur"); // 200 draws of 25 values: each missed with p ≈ 3e-12
  });

  it("size and fill: a 2×3 window of an image padded with −1", () => {
    const x = numbered(5, 3, 3, 1);
    const y = data.randomCrop(random.key(5), x, { padding: 1, size: [2, 3], fill: -1 });
    assert.deepEqual(y.shape, [5, 2, 3, 1]);
    for (let i = 0; i < 5; i++) assert.ok(windowOffset(padImage(image(x, i), 1, 1, -1), image(y, i)) !== undefined);
  });

  it("padding 0 returns the images; the same key gives the same crops", () => {
    const x = numbered(3, 4, 4, 3);
    assert.deepEqual(data.randomCrop(random.key(0), x, { padding: 0 }).toArray(), x.toArray());
    const a = data.randomCrop(random.key(8), x, { padding: 3 }).toArray();
    assert.deepEqual(data.randomCrop(random.key(8), x, { padding: 3 }).toArray(), a);
  });

  it("rejects bad padding and sizes beyond the padded image", () => {
    const x = numbered(1, 2, 2, 1);
    assert.throws(() => data.randomCrop(random.key(0), x, { padding: -1 }), /padding must be an integer ≥ 0/);
    assert.throws(
      () => data.randomCrop(random.key(0), x, { padding: 1, size: [5, 2] }),
      /size \[5, 2\] must be between/,
    );
    assert.throws(() => data.randomCrop(random.key(0), reshape(x, [1, 4]), { padding: 1 }), ShapeError);
  });
});

describe("gaussianNoise", () => {
  it("adds noise of mean 0 and the given standard deviation, element by element", () => {
    const x = numbered(50, 4, 4, 3);
    for (const std of [0.1, 2]) {
      const noise = sub(data.gaussianNoise(random.key(3), x, { std }), x);
      const n = noise.size;
      const m = mean(noise).item();
      const s = Math.sqrt(mean(square(noise)).item());
      assert.ok(Math.abs(m) < 5 * std / Math.sqrt(n), `mean ${m}`);
      assert.ok(Math.abs(s / std - 1) < 5 / Math.sqrt(2 * n), `std ${s} vs ${std}`);
    }
  });

  it("std 0 is the identity; same key same noise; other key other noise; dtype kept", () => {
    const x = numbered(2, 2, 2, 1, "float64");
    assert.equal(data.gaussianNoise(random.key(0), x, { std: 0 }), x);
    const a = data.gaussianNoise(random.key(1), x, { std: 1 });
    assert.equal(a.dtype, "float64");
    assert.deepEqual(data.gaussianNoise(random.key(1), x, { std: 1 }).toArray(), a.toArray());
    assert.notDeepEqual(data.gaussianNoise(random.key(2), x, { std: 1 }).toArray(), a.toArray());
  });

  it("rejects a negative or missing std and integer inputs", () => {
    const x = numbered(1, 1, 1, 1);
    assert.throws(
      () => data.gaussianNoise(random.key(0), x, { std: -1 }),
      /gaussianNoise: std must be a finite number ≥ 0/,
    );
    assert.throws(() => data.gaussianNoise(random.key(0), x, {} as { std: number }), ValueError);
    assert.throws(() => data.gaussianNoise(random.key(0), tensor([1], { dtype: "int32" }), { std: 1 }), /dtype int32/);
  });
});

describe("augmentations are differentiable in their input", () => {
  it("grad of flip, crop and noise matches finite differences (float64)", () => {
    const x = numbered(3, 3, 3, 2, "float64");
    const w = numbered(3, 3, 3, 2, "float64");
    const k = random.key(6);
    const weighted = (f: (t: Tensor) => Tensor) => (t: Tensor) => sum(square(sub(f(t), w)));
    checkGrads(weighted((t) => data.randomFlipHorizontal(k, t)), [x]);
    checkGrads(weighted((t) => data.randomCrop(k, t, { padding: 1 })), [x]);
    checkGrads(weighted((t) => data.gaussianNoise(k, t, { std: 0.5 })), [x]);
  });
});
