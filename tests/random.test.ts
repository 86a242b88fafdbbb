/**
 * Tests of core/random: Threefry known answers, golden hashes that pin the
 * generator across versions and runtimes (TESTPLAN R1), the portable log and
 * normal quantile, the samplers' statistics, keys, and the errors.
 *
 * The golden tests run unchanged under `deno test` and `bun test`, so their
 * passing on both proves that V8 and JavaScriptCore produce the same bits.
 */
import { assert, describe, fc, it } from "./lib/test.ts";
import { tensor } from "../core/creation.ts";
import { DTypeError, ShapeError, ValueError } from "../core/errors.ts";
import {
  bernoulli,
  bits,
  categorical,
  foldIn,
  Key,
  key,
  normal,
  permutation,
  randint,
  split,
  uniform,
} from "../core/random/mod.ts";
import { bitsU32 } from "../core/random/bits.ts";
import { openUnit52, WordStream } from "../core/random/words.ts";
import {
  AS241_A,
  AS241_B,
  AS241_C,
  AS241_D,
  AS241_E,
  AS241_F,
  normalQuantile,
} from "../core/random/normal_quantile.ts";
import { log, nextDown32, nextDown64 } from "../core/random/portable_math.ts";
import { threefry2x32 } from "../core/random/threefry.ts";

// ---------------------------------------------------------------- helpers

/** FNV-1a (32-bit) over the little-endian bytes of uint32 words. */
const fnv1a = (words: Uint32Array): number => {
  let h = 0x811c9dc5;
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    for (let s = 0; s < 32; s += 8) {
      h = Math.imul(h ^ ((w >>> s) & 0xff), 16777619) >>> 0;
    }
  }
  return h;
};

/** The bit patterns of float32 values as words, with every NaN made 0x7fc00000. */
const float32Words = (xs: ArrayLike<number>): Uint32Array => {
  const dv = new DataView(new ArrayBuffer(4));
  return Uint32Array.from(Array.from(xs), (x) => {
    if (Number.isNaN(x)) return 0x7fc00000;
    dv.setFloat32(0, x);
    return dv.getUint32(0);
  });
};

/** The bit patterns of float64 values as (high, low) words, NaN made 0x7ff80000_00000000. */
const float64Words = (xs: ArrayLike<number>): Uint32Array => {
  const dv = new DataView(new ArrayBuffer(8));
  const out = new Uint32Array(2 * xs.length);
  for (let i = 0; i < xs.length; i++) {
    dv.setFloat64(0, Number.isNaN(xs[i]) ? NaN : xs[i]);
    out[2 * i] = Number.isNaN(xs[i]) ? 0x7ff80000 : dv.getUint32(0);
    out[2 * i + 1] = Number.isNaN(xs[i]) ? 0 : dv.getUint32(4);
  }
  return out;
};

const intWords = (xs: ArrayLike<number>): Uint32Array => Uint32Array.from(Array.from(xs), (x) => x >>> 0);

const hex = (h: number): string => `0x${h.toString(16).padStart(8, "0")}`;

/** Distance in ulps between two finite float64 values of the same sign. */
const ulpDistance = (a: number, b: number): number => {
  if (a === b) return 0;
  if (Math.sign(a) !== Math.sign(b)) return Infinity;
  const dv = new DataView(new ArrayBuffer(16));
  dv.setFloat64(0, a);
  dv.setFloat64(8, b);
  const d = dv.getBigInt64(0) - dv.getBigInt64(8);
  return Number(d < 0n ? -d : d);
};

const values = (t: { toTypedArray(): ArrayLike<number> }): number[] => Array.from(t.toTypedArray());

const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

const variance = (xs: readonly number[]): number => {
  const m = mean(xs);
  return xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1);
};

/** Pearson's χ² statistic of observed counts against expected counts. */
const chiSquare = (
  observed: readonly number[],
  expected: readonly number[],
): number => observed.reduce((acc, o, i) => acc + (o - expected[i]) ** 2 / expected[i], 0);

/** χ² critical values at p = 0.001, by degrees of freedom. */
const CHI2_999: Record<number, number> = { 3: 16.27, 5: 20.52, 9: 27.88 };

// ---------------------------------------------------------------- Threefry

describe("threefry2x32 (20 rounds)", () => {
  // Known-answer vectors of Random123 (kat_vectors), also used by JAX's tests.
  it("key (0,0), counter (0,0) → (0x6b200159, 0x99ba4efe)", () =>
    assert.deepEqual(threefry2x32([0, 0], [0, 0]), [0x6b200159, 0x99ba4efe]));
  it("key (2³²−1, 2³²−1), counter (2³²−1, 2³²−1) → (0x1cb996fc, 0xbb002be7)", () =>
    assert.deepEqual(
      threefry2x32([0xffffffff, 0xffffffff], [0xffffffff, 0xffffffff]),
      [0x1cb996fc, 0xbb002be7],
    ));
  it("key (0x13198a2e, 0x03707344), counter (π digits) → (0xc4923a9c, 0x483df7a0)", () =>
    assert.deepEqual(
      threefry2x32([0x13198a2e, 0x03707344], [0x243f6a88, 0x85a308d3]),
      [0xc4923a9c, 0x483df7a0],
    ));
  it("outputs are uint32 words", () =>
    fc.assert(
      fc.property(
        fc.nat(),
        fc.nat(),
        fc.integer({ min: 0, max: 0xffffffff }),
        (a, b, c) => {
          const out = threefry2x32([a >>> 0, b >>> 0], [c, c ^ 1]);
          return out.every((w) => Number.isInteger(w) && w >= 0 && w <= 0xffffffff);
        },
      ),
    ));
});

// ---------------------------------------------------------------- golden values

describe("golden values (R1: same key → same numbers, on every runtime, forever)", () => {
  const k0 = key(0);

  it("key(0)'s stream starts with Threefry of counters (0,0), (0,1)", () =>
    assert.deepEqual(Array.from(bitsU32(k0, 4), hex), [
      "0x6b200159",
      "0x99ba4efe",
      "0x375f238f",
      "0xcddb151d",
    ]));

  it("FNV-1a of 1e6 words of key(0) is 0xdfbc6c24", () =>
    assert.equal(hex(fnv1a(bitsU32(k0, 1_000_000))), "0xdfbc6c24"));

  it("10,000 float32 uniforms hash to 0xf720e384", () =>
    assert.equal(
      hex(fnv1a(float32Words(values(uniform(k0, [10_000]))))),
      "0xf720e384",
    ));

  it("10,000 float64 uniforms hash to 0xc4dd0c46", () =>
    assert.equal(
      hex(
        fnv1a(
          float64Words(values(uniform(k0, [10_000], { dtype: "float64" }))),
        ),
      ),
      "0xc4dd0c46",
    ));

  // Normals go through the portable log, not Math.log, so they are bit-exact
  // across runtimes too and can be hashed rather than compared within ulps.
  it("10,000 float32 normals hash to 0x02ad22c5", () =>
    assert.equal(
      hex(fnv1a(float32Words(values(normal(k0, [10_000]))))),
      "0x02ad22c5",
    ));

  it("10,000 float64 normals hash to 0x5e4d9f4f", () =>
    assert.equal(
      hex(
        fnv1a(float64Words(values(normal(k0, [10_000], { dtype: "float64" })))),
      ),
      "0x5e4d9f4f",
    ));

  it("the first float64 normals of key(0), exactly", () =>
    assert.deepEqual(normal(k0, [4], { dtype: "float64" }).toArray(), [
      -0.20584213183061428,
      -0.7847657481301493,
      1.8160866692702273,
      0.18784403982208853,
    ]));

  it("bernoulli, randint, permutation and categorical hashes", () => {
    assert.equal(
      hex(fnv1a(intWords(values(bernoulli(k0, 0.3, [10_000]))))),
      "0x67ffdb95",
    );
    assert.equal(
      hex(fnv1a(intWords(values(randint(k0, [10_000], -5, 1000))))),
      "0x04042062",
    );
    assert.equal(
      hex(fnv1a(intWords(values(permutation(k0, 10_000))))),
      "0xcf2f1fa5",
    );
    const logits = tensor([0, 1, 2, -1, 0.5]);
    assert.equal(
      hex(
        fnv1a(intWords(values(categorical(k0, logits, { shape: [10_000] })))),
      ),
      "0xe47b6c32",
    );
  });

  it("split and foldIn words", () => {
    assert.deepEqual(split(k0, 3).map(String), [
      "Key(0x0660c005, 0xc88b10f0)",
      "Key(0x94adcefb, 0x1e93cadb)",
      "Key(0xe9ff2d13, 0x24e671a0)",
    ]);
    assert.equal(String(foldIn(k0, 0)), "Key(0x6d0a6f08, 0x117e306f)");
    assert.equal(String(foldIn(k0, -1)), "Key(0x07d99a96, 0x16dbf8f9)");
  });
});

// ---------------------------------------------------------------- portable log

describe("portable log", () => {
  it("special values: log(1) = 0, log(±0) = −∞, log(∞) = ∞, negatives and NaN give NaN", () => {
    assert.equal(log(1), 0);
    assert.equal(log(0), -Infinity);
    assert.equal(log(-0), -Infinity);
    assert.equal(log(Infinity), Infinity);
    assert.ok(Number.isNaN(log(-1)));
    assert.ok(Number.isNaN(log(-Infinity)));
    assert.ok(Number.isNaN(log(NaN)));
  });

  it("is within 2 ulp of Math.log at every power of two, 2^-1074 … 2^1023", () => {
    for (let e = -1074; e <= 1023; e++) {
      const x = 2 ** e;
      assert.ok(
        ulpDistance(log(x), Math.log(x)) <= 2,
        `log(2^${e}) = ${log(x)}, Math.log: ${Math.log(x)}`,
      );
    }
  });

  it("is within 2 ulp of Math.log near 1, near √2 and √½, and on subnormals", () => {
    const xs: number[] = [];
    for (let i = -5000; i <= 5000; i++) xs.push(1 + i * 2 ** -52, 1 + i * 1e-6);
    for (let i = -2000; i <= 2000; i++) {
      xs.push(Math.SQRT2 + i * 2 ** -52, Math.SQRT1_2 + i * 2 ** -53);
    }
    for (let i = 1; i <= 5000; i++) {
      xs.push(
        i * Number.MIN_VALUE,
        2 ** -1022 - i * Number.MIN_VALUE,
        i * 1e-311,
      );
    }
    for (const x of xs) {
      if (!(x > 0)) continue;
      assert.ok(
        ulpDistance(log(x), Math.log(x)) <= 2,
        `log(${x}) = ${log(x)}, Math.log: ${Math.log(x)}`,
      );
    }
  });

  it("is within 2 ulp of Math.log on 200,000 random bit patterns", () => {
    const dv = new DataView(new ArrayBuffer(8));
    const words = bitsU32(key(1234), 400_000);
    for (let i = 0; i < 200_000; i++) {
      dv.setUint32(0, words[2 * i] & 0x7fffffff); // positive
      dv.setUint32(4, words[2 * i + 1]);
      const x = dv.getFloat64(0);
      if (!Number.isFinite(x) || x === 0) continue;
      assert.ok(
        ulpDistance(log(x), Math.log(x)) <= 2,
        `log(${x}) = ${log(x)}, Math.log: ${Math.log(x)}`,
      );
    }
  });

  it("is within 2 ulp of Math.log for any positive double (property)", () =>
    fc.assert(
      fc.property(
        fc.double({
          min: Number.MIN_VALUE,
          max: Number.MAX_VALUE,
          noNaN: true,
          noDefaultInfinity: true,
        }),
        (x) => ulpDistance(log(x), Math.log(x)) <= 2,
      ),
      { numRuns: 2000 },
    ));
});

describe("nextDown", () => {
  it("steps one float below, across zero, exponents and word boundaries", () => {
    assert.equal(nextDown64(1), 1 - 2 ** -53);
    assert.equal(nextDown64(2 ** -1022), 2 ** -1022 - Number.MIN_VALUE);
    assert.equal(nextDown64(Number.MIN_VALUE), 0);
    assert.equal(nextDown64(0), -Number.MIN_VALUE);
    assert.equal(nextDown64(-1), -1 - 2 ** -52);
    assert.equal(nextDown64(3), 3 - 2 ** -51); // low word 0: borrows from the high word
    assert.equal(nextDown64(-(2 - 2 ** -52)), -2); // low word all ones: carries
    assert.equal(nextDown32(1), 1 - 2 ** -24);
    assert.equal(nextDown32(-1), -1 - 2 ** -23);
    assert.equal(nextDown32(0), -(2 ** -149));
  });
});

// ---------------------------------------------------------------- normal quantile

describe("normal quantile (AS 241)", () => {
  it("Φ⁻¹(0.975) = 1.959963984540054", () => assert.ok(Math.abs(normalQuantile(0.975) - 1.959963984540054) < 1e-15));

  // References: Φ⁻¹ of the exact float64 p, solved to 50 digits with mpmath.
  const table: readonly (readonly [number, number])[] = [
    [0.975, 1.9599639845400538],
    [0.025, -1.9599639845400543],
    [0.999, 3.090232306167813],
    [0.6, 0.2533471031357997],
    [0.3, -0.5244005127080408],
    [0.9, 1.2815515655446006],
    [0.5001, 0.00025066283008800747],
    [0.92, 1.4050715603096329],
    [0.08, -1.4050715603096327],
    [1e-5, -4.264890793922825],
    [1e-10, -6.361340902404057],
    [1e-12, -7.034483825301132],
    [1e-20, -9.262340089798407],
    [1e-100, -21.273453560965326],
    [1e-300, -37.0470962993612],
    [2 ** -53, -8.209536151601387],
  ];
  it("matches high-precision references within 4·2⁻⁵² relative in all three regions", () => {
    for (const [p, z] of table) {
      const got = normalQuantile(p);
      assert.ok(
        Math.abs(got - z) <= 4 * 2 ** -52 * Math.abs(z),
        `Φ⁻¹(${p}) = ${got}, expected ${z}`,
      );
    }
  });

  it("edges: Φ⁻¹(½) = 0, Φ⁻¹(0) = −∞, Φ⁻¹(1) = ∞, NaN outside [0, 1]", () => {
    assert.equal(normalQuantile(0.5), 0);
    assert.equal(normalQuantile(0), -Infinity);
    assert.equal(normalQuantile(1), Infinity);
    assert.ok(Number.isNaN(normalQuantile(-0.1)));
    assert.ok(Number.isNaN(normalQuantile(1.5)));
    assert.ok(Number.isNaN(normalQuantile(NaN)));
  });

  it("is exactly odd on the sampling grid: Φ⁻¹(1 − u) = −Φ⁻¹(u)", () => {
    const w = bitsU32(key(5), 20_000);
    for (let i = 0; i < 10_000; i++) {
      const u = openUnit52(w[2 * i], w[2 * i + 1]);
      assert.equal(normalQuantile(1 - u), -normalQuantile(u));
    }
  });

  it("is increasing across the branch points 0.075, 0.925 and e⁻²⁵", () => {
    for (const p of [0.075, 0.925, 1.3887943864964021e-11]) {
      let prev = -Infinity;
      for (let i = -1000; i <= 1000; i++) {
        const z = normalQuantile(p * (1 + i * 1e-12));
        assert.ok(z > prev, `not increasing at ${p} · (1 + ${i}e-12)`);
        prev = z;
      }
    }
  });

  // AS 241 prints, for each pair of coefficient sets, the sum of the
  // coefficients' decimal mantissas, to check a transcription.
  const mantissaSum = (xs: readonly number[]): number =>
    xs.reduce((acc, x) => acc + Number(x.toExponential().split("e")[0]), 0);
  it("coefficients match the paper's hash sums", () => {
    assert.ok(
      Math.abs(mantissaSum([...AS241_A, ...AS241_B]) - 55.883192880614901) <
        1e-12,
    );
    assert.ok(
      Math.abs(mantissaSum([...AS241_C, ...AS241_D]) - 49.332065033016102) <
        1e-12,
    );
    assert.ok(
      Math.abs(mantissaSum([...AS241_E, ...AS241_F]) - 47.525833175492896) <
        1e-12,
    );
  });
});

// ---------------------------------------------------------------- keys

describe("keys", () => {
  it("key(seed) takes the 64-bit two's complement, high word first", () => {
    assert.deepEqual(key(0).words, [0, 0]);
    assert.deepEqual(key(42).words, [0, 42]);
    assert.deepEqual(key(2 ** 32).words, [1, 0]);
    assert.deepEqual(key(-1).words, [0xffffffff, 0xffffffff]);
    assert.deepEqual(key(-(2 ** 32)).words, [0xffffffff, 0]);
    assert.deepEqual(key(Number.MAX_SAFE_INTEGER).words, [
      0x1fffff,
      0xffffffff,
    ]);
    assert.deepEqual(key(Number.MIN_SAFE_INTEGER).words, [0xffe00000, 1]);
  });

  it("key(seed) is injective on safe integers (words give the seed back)", () =>
    fc.assert(
      fc.property(fc.maxSafeInteger(), (seed) => {
        const [w0, w1] = key(seed).words;
        return BigInt.asIntN(64, (BigInt(w0) << 32n) | BigInt(w1)) ===
          BigInt(seed);
      }),
    ));

  it("a key is a frozen class instance (a tree leaf), printed as Key(0x…, 0x…)", () => {
    const k = key(255);
    assert.ok(k instanceof Key);
    assert.notEqual(Object.getPrototypeOf(k), Object.prototype);
    assert.ok(Object.isFrozen(k));
    assert.ok(Object.isFrozen(k.words));
    assert.equal(k.toString(), "Key(0x00000000, 0x000000ff)");
    assert.throws(() => {
      (k.words as unknown as number[])[0] = 1;
    });
  });

  it("split is deterministic and its children differ from each other and from the parent", () =>
    fc.assert(
      fc.property(
        fc.maxSafeInteger(),
        fc.integer({ min: 2, max: 20 }),
        (seed, n) => {
          const k = key(seed);
          const a = split(k, n).map(String);
          assert.deepEqual(split(key(seed), n).map(String), a);
          assert.equal(new Set([...a, String(k)]).size, n + 1);
          assert.equal(String(k), String(key(seed))); // parent untouched
        },
      ),
      { numRuns: 100 },
    ));

  it("split(k, n) is a prefix of split(k, m) for n ≤ m", () =>
    assert.deepEqual(
      split(key(3), 4).map(String),
      split(key(3), 9).slice(0, 4).map(String),
    ));

  it("split, foldIn and the word stream use disjoint counters", () => {
    const k = key(11);
    const children = split(k, 64).map(String);
    const folded = Array.from({ length: 64 }, (_, i) => String(foldIn(k, i)));
    const w = bitsU32(k, 128);
    const blocks = Array.from(
      { length: 64 },
      (_, i) => String(new Key(w[2 * i], w[2 * i + 1])),
    );
    assert.equal(new Set([...children, ...folded, ...blocks]).size, 3 * 64);
  });

  it("foldIn separates nearby, negative and 2³²-apart data", () => {
    const k = key(9);
    const data = [
      -3,
      -2,
      -1,
      0,
      1,
      2,
      3,
      2 ** 32 - 1,
      2 ** 32,
      2 ** 32 + 1,
      -(2 ** 32),
      2 ** 53 - 1,
      -(2 ** 53) + 1,
    ];
    assert.equal(
      new Set(data.map((d) => String(foldIn(k, d)))).size,
      data.length,
    );
    assert.equal(String(foldIn(k, 5)), String(foldIn(key(9), 5)));
  });

  it("new Key(w0, w1) rebuilds a key from its words", () => {
    const k = split(key(1))[1];
    assert.deepEqual(
      values(normal(new Key(...k.words), [5])),
      values(normal(k, [5])),
    );
  });

  it("samplers do not mutate their key and repeat on the same key", () => {
    const k = key(77);
    const before = String(k);
    for (
      const draw of [
        () => values(uniform(k, [10])),
        () => values(normal(k, [10])),
        () => values(bernoulli(k, 0.5, [10])),
        () => values(randint(k, [10], 0, 10)),
        () => values(permutation(k, 10)),
        () => values(categorical(k, tensor([1, 2, 3]), { shape: [10] })),
        () => values(bits(k, [10])),
      ]
    ) {
      assert.deepEqual(draw(), draw());
      assert.equal(String(k), before);
    }
  });
});

// ---------------------------------------------------------------- samplers

describe("word stream and bits", () => {
  it("WordStream reads the same words as bitsU32", () => {
    const s = new WordStream(...key(8).words);
    const streamed = Array.from({ length: 1001 }, () => s.next());
    assert.deepEqual(streamed, Array.from(bitsU32(key(8), 1001)));
  });

  it("bitsU32(k, n) is a prefix of bitsU32(k, m), odd lengths included", () =>
    assert.deepEqual(
      Array.from(bitsU32(key(2), 7)),
      Array.from(bitsU32(key(2), 10).subarray(0, 7)),
    ));

  it("bits is an int32 tensor holding the words' bit patterns", () => {
    const b = bits(key(4), [3, 5]);
    assert.equal(b.dtype, "int32");
    assert.deepEqual(b.shape, [3, 5]);
    assert.deepEqual(
      values(b).map((x) => x >>> 0),
      Array.from(bitsU32(key(4), 15)),
    );
    assert.deepEqual(bits(key(4), [0]).shape, [0]);
    assert.equal(bits(key(4)).shape.length, 0);
  });

  it("each bit of the words is set about half the time", () => {
    const w = bitsU32(key(6), 100_000);
    for (let bit = 0; bit < 32; bit++) {
      let ones = 0;
      for (let i = 0; i < w.length; i++) ones += (w[i] >>> bit) & 1;
      assert.ok(Math.abs(ones / w.length - 0.5) < 0.01, `bit ${bit}: ${ones}`);
    }
  });
});

describe("uniform", () => {
  it("1e5 float32 draws on [0, 1): mean ½, variance 1/12", () => {
    const u = values(uniform(key(0), [100_000]));
    assert.ok(u.every((x) => x >= 0 && x < 1));
    assert.ok(Math.abs(mean(u) - 0.5) < 0.005);
    assert.ok(Math.abs(variance(u) - 1 / 12) < 0.002);
  });

  it("float64 draws on [−3, 5): mean 1, variance 64/12, 53-bit resolution", () => {
    const t = uniform(key(1), [100_000], {
      dtype: "float64",
      minval: -3,
      maxval: 5,
    });
    assert.equal(t.dtype, "float64");
    const u = values(t);
    assert.ok(u.every((x) => x >= -3 && x < 5));
    assert.ok(Math.abs(mean(u) - 1) < 0.04);
    assert.ok(Math.abs(variance(u) - 64 / 12) < 0.1);
    assert.ok(u.some((x) => Math.fround(x) !== x)); // not float32 in disguise
  });

  it("never returns maxval, even where the affine map rounds up to it", () => {
    const a = values(uniform(key(2), [10_000], { minval: 1, maxval: 2 }));
    assert.ok(a.every((x) => x >= 1 && x < 2));
    const b = values(uniform(key(2), [1000], { minval: 1e8, maxval: 1e8 + 8 }));
    assert.ok(b.every((x) => x >= 1e8 && x < 1e8 + 8), `${Math.max(...b)}`);
    assert.ok(b.includes(nextDown32(1e8 + 8)));
    const c = values(
      uniform(key(2), [1000], {
        dtype: "float64",
        minval: 0,
        maxval: Number.MIN_VALUE,
      }),
    );
    assert.ok(c.every((x) => x === 0));
  });

  it("has the requested shape, zero-size included", () => {
    assert.deepEqual(uniform(key(0), [2, 3, 4]).shape, [2, 3, 4]);
    assert.deepEqual(uniform(key(0), [0, 3]).shape, [0, 3]);
    assert.deepEqual(uniform(key(0), []).shape, []);
  });
});

describe("normal", () => {
  it("1e5 float32 draws: mean 0, variance 1, 95 % within ±1.96", () => {
    const z = values(normal(key(0), [100_000]));
    assert.ok(Math.abs(mean(z)) < 0.016);
    assert.ok(Math.abs(variance(z) - 1) < 0.025);
    const inside = z.filter((x) => Math.abs(x) < 1.959963984540054).length /
      z.length;
    assert.ok(Math.abs(inside - 0.95) < 0.004, `${inside}`);
  });

  it("mean and std options shift and scale", () => {
    const z = values(
      normal(key(1), [100_000], { dtype: "float64", mean: 3, std: 2 }),
    );
    assert.ok(Math.abs(mean(z) - 3) < 0.03);
    assert.ok(Math.abs(variance(z) - 4) < 0.1);
    assert.deepEqual(values(normal(key(1), [3], { mean: 5, std: 0 })), [
      5,
      5,
      5,
    ]);
  });

  it("float32 draws are the float64 draws of the same key, rounded", () => {
    const z32 = values(normal(key(3), [1000]));
    const z64 = values(normal(key(3), [1000], { dtype: "float64" }));
    assert.deepEqual(z32, z64.map(Math.fround));
  });
});

describe("bernoulli", () => {
  it("frequency of true is p", () => {
    for (const p of [0.5, 0.3, 0.01]) {
      const b = bernoulli(key(0), p, [100_000]);
      assert.equal(b.dtype, "bool");
      const f = mean(values(b));
      assert.ok(
        Math.abs(f - p) < 5 * Math.sqrt(p * (1 - p) / 100_000),
        `p=${p}: ${f}`,
      );
    }
  });

  it("p = 0 is never true and p = 1 always; p defaults to ½ and the shape to []", () => {
    assert.ok(values(bernoulli(key(0), 0, [1000])).every((x) => x === 0));
    assert.ok(values(bernoulli(key(0), 1, [1000])).every((x) => x === 1));
    assert.deepEqual(bernoulli(key(0)).shape, []);
  });
});

describe("randint", () => {
  it("stays in [minval, maxval) and is uniform (χ² over a die)", () => {
    const r = randint(key(0), [60_000], 1, 7);
    assert.equal(r.dtype, "int32");
    const counts = [0, 0, 0, 0, 0, 0];
    for (const x of values(r)) {
      assert.ok(Number.isInteger(x) && x >= 1 && x <= 6);
      counts[x - 1]++;
    }
    assert.ok(
      chiSquare(counts, counts.map(() => 10_000)) < CHI2_999[5],
      `${counts}`,
    );
  });

  it("is unbiased where modulo would not be: width 3·2^30 (χ² over 3 thirds)", () => {
    // w mod 3·2^30 without rejection would hit the first third twice as often.
    const width = 3 * 2 ** 30;
    const r = values(randint(key(1), [40_000], -(2 ** 31), -(2 ** 31) + width));
    const counts = [0, 0, 0];
    for (const x of r) counts[Math.floor((x + 2 ** 31) / 2 ** 30)]++;
    assert.ok(
      chiSquare(counts, [40_000 / 3, 40_000 / 3, 40_000 / 3]) < 13.8,
      `${counts}`,
    );
  });

  it("covers the full int32 range and a width of one", () => {
    const r = values(randint(key(2), [10_000], -(2 ** 31), 2 ** 31));
    assert.ok(r.some((x) => x < -(2 ** 30)) && r.some((x) => x > 2 ** 30));
    assert.ok(values(randint(key(2), [100], -7, -6)).every((x) => x === -7));
  });
});

describe("permutation", () => {
  it("is a permutation of 0 … n−1", () => {
    for (const n of [0, 1, 2, 10, 1000]) {
      const p = permutation(key(n), n);
      assert.equal(p.dtype, "int32");
      assert.deepEqual(p.shape, [n]);
      assert.deepEqual(
        values(p).sort((a, b) => a - b),
        Array.from({ length: n }, (_, i) => i),
      );
    }
  });

  it("all 3! orders of n = 3 appear equally often (χ², 6,000 keys)", () => {
    const counts = new Map<string, number>();
    const k = key(0);
    for (let i = 0; i < 6000; i++) {
      const order = values(permutation(foldIn(k, i), 3)).join("");
      counts.set(order, (counts.get(order) ?? 0) + 1);
    }
    assert.equal(counts.size, 6);
    const observed = [...counts.values()];
    assert.ok(
      chiSquare(observed, observed.map(() => 1000)) < CHI2_999[5],
      JSON.stringify([...counts]),
    );
  });

  it("each position is uniform over values (n = 10, 2,000 keys)", () => {
    const first = new Array<number>(10).fill(0);
    for (let i = 0; i < 2000; i++) {
      first[values(permutation(foldIn(key(4), i), 10))[0]]++;
    }
    assert.ok(chiSquare(first, first.map(() => 200)) < CHI2_999[9], `${first}`);
  });
});

describe("categorical", () => {
  const softmax = (xs: readonly number[]): number[] => {
    const m = Math.max(...xs);
    const e = xs.map((x) => Math.exp(x - m));
    const s = e.reduce((a, b) => a + b, 0);
    return e.map((x) => x / s);
  };

  it("class frequencies match softmax(logits)", () => {
    const logits = [0, 1, 2, -1];
    const c = values(categorical(key(0), tensor(logits), { shape: [100_000] }));
    const counts = [0, 0, 0, 0];
    for (const x of c) counts[x]++;
    const probs = softmax(logits);
    assert.ok(
      chiSquare(counts, probs.map((p) => p * 100_000)) < CHI2_999[3],
      `${counts}`,
    );
  });

  it("samples each row of a batch from its own logits; −∞ classes never appear", () => {
    const logits = tensor([[0, -Infinity, 0], [-Infinity, -Infinity, 3], [
      10,
      0,
      -Infinity,
    ]], { dtype: "float64" });
    const c = categorical(key(1), logits, { shape: [500, 3] });
    assert.equal(c.dtype, "int32");
    const rows = c.toArray() as number[][];
    assert.ok(
      rows.every(([a, b, d]) => (a === 0 || a === 2) && b === 2 && (d === 0 || d === 1)),
    );
    assert.ok(rows.some(([a]) => a === 0) && rows.some(([a]) => a === 2));
  });

  it("axis picks the class axis; the default shape is the batch shape", () => {
    // A gap of 100 beats any two Gumbel draws here (they lie in [−3.7, 36.8]).
    const logits = tensor([[0, 100], [100, 0], [0, -100]]);
    assert.deepEqual(categorical(key(2), logits, { axis: 0 }).toArray(), [
      1,
      0,
    ]);
    assert.deepEqual(categorical(key(2), logits).toArray(), [1, 0, 0]);
    assert.deepEqual(categorical(key(2), tensor([1, 2])).shape, []);
  });
});

// ---------------------------------------------------------------- errors

describe("errors", () => {
  const k = key(0);

  it("bad seeds", () => {
    for (
      const seed of [
        0.5,
        NaN,
        Infinity,
        2 ** 53,
        -(2 ** 53),
        "1" as unknown as number,
      ]
    ) {
      assert.throws(() => key(seed), ValueError, `seed ${String(seed)}`);
    }
  });

  it("not a key", () => {
    const fake = { words: [0, 0] } as unknown as Key;
    assert.throws(() => split(fake), ValueError);
    assert.throws(() => uniform(fake, [2]), /expected a Key/);
    assert.throws(() => permutation(fake, 2), ValueError);
    assert.throws(() => new Key(-1, 0), ValueError);
    assert.throws(() => new Key(2 ** 32, 0), ValueError);
  });

  it("bad split counts and fold-in data", () => {
    assert.throws(() => split(k, -1), ValueError);
    assert.throws(() => split(k, 1.5), ValueError);
    assert.throws(() => foldIn(k, 0.5), ValueError);
    assert.throws(() => foldIn(k, 2 ** 53), ValueError);
    assert.deepEqual(split(k, 0), []);
  });

  it("bad shapes", () => {
    for (const shape of [[-1], [1.5], [NaN], "3" as unknown as number[]]) {
      assert.throws(() => uniform(k, shape), ValueError);
      assert.throws(() => normal(k, shape), ValueError);
      assert.throws(() => bernoulli(k, 0.5, shape), ValueError);
      assert.throws(() => randint(k, shape, 0, 2), ValueError);
      assert.throws(() => bits(k, shape), ValueError);
    }
  });

  it("bad dtypes", () => {
    assert.throws(
      () => uniform(k, [2], { dtype: "int32" as "float32" }),
      DTypeError,
    );
    assert.throws(
      () => normal(k, [2], { dtype: "f32" as "float32" }),
      DTypeError,
    );
    assert.throws(
      () => categorical(k, tensor([1, 2], { dtype: "int32" })),
      DTypeError,
    );
  });

  it("p outside [0, 1]", () => {
    for (const p of [-0.1, 1.1, NaN, Infinity]) {
      assert.throws(() => bernoulli(k, p, [2]), /p must be/);
    }
  });

  it("randint bounds: minval ≥ maxval, non-integers, outside int32", () => {
    assert.throws(() => randint(k, [2], 3, 3), /minval must be below maxval/);
    assert.throws(() => randint(k, [2], 4, 3), ValueError);
    assert.throws(() => randint(k, [2], 0.5, 3), ValueError);
    assert.throws(() => randint(k, [2], -(2 ** 31) - 1, 0), ValueError);
    assert.throws(() => randint(k, [2], 0, 2 ** 31 + 1), ValueError);
  });

  it("uniform and normal parameters", () => {
    assert.throws(() => uniform(k, [2], { minval: 1, maxval: 1 }), ValueError);
    assert.throws(
      () => uniform(k, [2], { minval: 0, maxval: Infinity }),
      ValueError,
    );
    assert.throws(
      () => uniform(k, [2], { dtype: "float64", minval: -1e308, maxval: 1e308 }),
      /overflows/,
    );
    assert.throws(() => normal(k, [2], { std: -1 }), /std/);
    assert.throws(() => normal(k, [2], { mean: NaN }), ValueError);
  });

  it("permutation length and categorical shapes", () => {
    assert.throws(() => permutation(k, -1), ValueError);
    assert.throws(() => permutation(k, 2.5), ValueError);
    assert.throws(
      () => categorical(k, tensor([[1, 2], [3, 4]]), { shape: [3] }),
      ShapeError,
    );
    assert.throws(
      () => categorical(k, tensor([1, 2]), { axis: 1 }),
      ShapeError,
    );
    assert.throws(() => categorical(k, tensor([[], []]), {}), ValueError);
  });
});
