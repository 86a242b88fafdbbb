/**
 * The random kernel: Threefry words from each of a batch of keys, mapped to
 * numbers exactly as `core/random` documents (the maps are part of the
 * library's compatibility promise, so this loop is what every backend must
 * reproduce bit for bit). Only integer arithmetic, correctly rounded
 * `+ − × ÷` and the portable `log` are used, so the same keys give the same
 * bits on every engine.
 *
 * @module
 */
import type { RandomDraw } from "../backend.ts";
import type { TypedArray } from "../../core/dtype.ts";
import { openUnit52, streamInto, unit24, unit53, WordStream } from "../../core/random/words.ts";
import { drawDType } from "../../core/random/draw_dtype.ts";
import { normalQuantile } from "../../core/random/normal_quantile.ts";
import { log, nextDown32, nextDown64 } from "../../core/random/portable_math.ts";
import { threefry2x32Into } from "../../core/random/threefry.ts";
import { FOLD_IN_TAG, SPLIT_TAG } from "../../core/random/tags.ts";
import { ValueError } from "../../core/errors.ts";
import { allocUninitialized } from "./pool.ts";

/** What one draw writes for the key `(k0, k1)`, at `out[at …]`. */
type PerKey = (k0: number, k1: number, out: TypedArray, at: number, datum: number) => void;

/**
 * Draws `draw.size` elements from each of `count` keys (int32 word pairs in
 * `keys`), key after key; `data` holds one int32 per key for a `foldIn` of
 * tensor data.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { random } from "./random.ts";
 * import { bitsU32 } from "../../core/random/bits.ts";
 * import { key } from "../../core/random/key.ts";
 * const w = random({ kind: "bits", size: 3 }, Int32Array.of(0, 7, 0, 8), 2, null);
 * assert.deepEqual([...w.subarray(3)].map((x) => x >>> 0), [...bitsU32(key(8), 3)]);
 * ```
 */
export function random(draw: RandomDraw, keys: TypedArray, count: number, data: TypedArray | null): TypedArray {
  const out = allocUninitialized(drawDType(draw), count * draw.size);
  const one = perKey(draw);
  for (let i = 0; i < count; i++) {
    one(keys[2 * i] >>> 0, keys[2 * i + 1] >>> 0, out, i * draw.size, data === null ? 0 : data[i]);
  }
  return out;
}

/** The words of `out` (any 32-bit typed array) as uint32, in place. */
const wordsOf = (out: TypedArray): Uint32Array => new Uint32Array(out.buffer, out.byteOffset, out.length);

/** A scratch array of at least `n` words for the float maps, reused across keys of one call. */
const scratchFor = () => {
  let s = new Uint32Array(0);
  return (n: number): Uint32Array => (s.length >= n ? s : (s = new Uint32Array(n)));
};

const perKey = (d: RandomDraw): PerKey => {
  const n = d.size;
  switch (d.kind) {
    case "bits":
      return (k0, k1, out, at) => streamInto(k0, k1, wordsOf(out), at, n);
    case "split":
      return (k0, k1, out, at) => {
        const w = wordsOf(out);
        for (let i = 0; i < n / 2; i++) threefry2x32Into(k0, k1, SPLIT_TAG, i, w, at + 2 * i);
      };
    case "foldIn": {
      const fixed = d.data;
      return (k0, k1, out, at, datum) => {
        const v = fixed ?? datum;
        if (!Number.isSafeInteger(v)) {
          throw new ValueError("foldIn", `data must be a safe integer, got ${v}`);
        }
        // Exact: division by a power of two and floor are exact for safe integers;
        // `& 0x3fffffff` keeps the 30-bit two's complement of the high part, and
        // |v| < 2^53 means positives and negatives never meet in 62 bits.
        const high = Math.floor(v / 2 ** 32) & 0x3fffffff;
        threefry2x32Into(k0, k1, (FOLD_IN_TAG | high) >>> 0, v >>> 0, wordsOf(out), at);
      };
    }
    case "uniform": {
      const { lo, hi } = d;
      const width = hi - lo;
      const scratch = scratchFor();
      if (d.dtype === "float32") {
        const below = nextDown32(hi);
        return (k0, k1, out, at) => {
          const w = scratch(n);
          streamInto(k0, k1, w, 0, n);
          for (let i = 0; i < n; i++) {
            const v = Math.fround(lo + unit24(w[i]) * width);
            out[at + i] = v < hi ? v : below;
          }
        };
      }
      const below = nextDown64(hi);
      return (k0, k1, out, at) => {
        const w = scratch(2 * n);
        streamInto(k0, k1, w, 0, 2 * n);
        for (let i = 0; i < n; i++) {
          const v = lo + unit53(w[2 * i], w[2 * i + 1]) * width;
          out[at + i] = v < hi ? v : below;
        }
      };
    }
    case "normal": {
      const { mean, std } = d;
      const scratch = scratchFor();
      return (k0, k1, out, at) => {
        const w = scratch(2 * n);
        streamInto(k0, k1, w, 0, 2 * n);
        for (let i = 0; i < n; i++) out[at + i] = mean + std * normalQuantile(openUnit52(w[2 * i], w[2 * i + 1]));
      };
    }
    case "gumbel": {
      const scratch = scratchFor();
      return (k0, k1, out, at) => {
        const w = scratch(2 * n);
        streamInto(k0, k1, w, 0, 2 * n);
        for (let i = 0; i < n; i++) out[at + i] = -log(-log(openUnit52(w[2 * i], w[2 * i + 1])));
      };
    }
    case "bernoulli": {
      const threshold = d.p * 2 ** 32; // exact: scaling by a power of two
      const scratch = scratchFor();
      return (k0, k1, out, at) => {
        const w = scratch(n);
        streamInto(k0, k1, w, 0, n);
        for (let i = 0; i < n; i++) out[at + i] = w[i] < threshold ? 1 : 0;
      };
    }
    case "randint": {
      const { lo } = d;
      const width = d.hi - lo;
      return (k0, k1, out, at) => {
        const stream = new WordStream(k0, k1);
        for (let i = 0; i < n; i++) out[at + i] = lo + stream.below(width);
      };
    }
    case "permutation":
      // Fisher–Yates from the end: step i swaps element i with a uniform j in [0, i].
      return (k0, k1, out, at) => {
        for (let i = 0; i < n; i++) out[at + i] = i;
        const stream = new WordStream(k0, k1);
        for (let i = n - 1; i > 0; i--) {
          const j = stream.below(i + 1);
          const t = out[at + i];
          out[at + i] = out[at + j];
          out[at + j] = t;
        }
      };
  }
};
