/**
 * Train / validation / test splits by fractions.
 *
 * @module
 */
import { tensor } from "../core/creation.ts";
import { ValueError } from "../core/errors.ts";
import { checkKey, type Key } from "../core/random/key.ts";
import { permutation } from "../core/random/mod.ts";
import { leadingSize, takeRows } from "./rows.ts";

/**
 * The number of examples in each part when `n` examples are split by
 * `fractions` (positive, summing to 1): ⌊f·n⌋ each, then the examples left
 * over go one by one to the parts with the largest remainders (the earlier
 * part on a tie), so the sizes always add up to `n`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { data } from "../mod.ts";
 * assert.deepEqual(data.splitSizes(10, [0.8, 0.1, 0.1]), [8, 1, 1]);
 * assert.deepEqual(data.splitSizes(5, [0.5, 0.5]), [3, 2]);
 * ```
 */
export const splitSizes = (n: number, fractions: readonly number[]): number[] => sizesFor("splitSizes", n, fractions);

const sizesFor = (op: string, n: number, fractions: readonly number[]): number[] => {
  if (!Number.isSafeInteger(n) || n < 0) throw new ValueError(op, `n must be an integer ≥ 0, got ${n}`);
  if (!Array.isArray(fractions) || fractions.length === 0) {
    throw new ValueError(op, "fractions must be a non-empty array such as [0.8, 0.2]");
  }
  for (const f of fractions) {
    if (typeof f !== "number" || !(f > 0 && f <= 1)) {
      throw new ValueError(op, `every fraction must be in (0, 1], got [${fractions.join(", ")}]`);
    }
  }
  const total = fractions.reduce((a, b) => a + b, 0);
  if (Math.abs(total - 1) > 1e-9) {
    throw new ValueError(op, `fractions must sum to 1, got [${fractions.join(", ")}] (sum ${total})`);
  }
  const exact = fractions.map((f) => f * n);
  const sizes = exact.map(Math.floor);
  let left = n - sizes.reduce((a, b) => a + b, 0);
  const order = exact.map((e, i) => [e - Math.floor(e), i]).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (let j = 0; left > 0; j++, left--) sizes[order[j % order.length][1]]++;
  return sizes;
};

/**
 * Splits `arrays` (a tensor or a tree of tensors sharing the leading axis,
 * e.g. `{ x, y }`) into disjoint parts by `fractions` of the examples, e.g.
 * `[0.8, 0.1, 0.1]` for train, validation and test. The examples are
 * shuffled by a permutation drawn from `key` first (`null`: kept in order,
 * for data where order matters, such as a time series). Part sizes follow
 * `splitSizes`; each part keeps the structure of `arrays`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { arange, data, random } from "../mod.ts";
 * const x = arange(10);
 * const [train, test] = data.split(random.key(0), { x, y: arange(10) }, [0.7, 0.3]);
 * assert.deepEqual([train.x.shape[0], test.x.shape[0]], [7, 3]);
 * assert.deepEqual(train.x.toArray(), train.y.toArray()); // rows stay paired
 * const all = [...(train.x.toArray() as number[]), ...(test.x.toArray() as number[])];
 * assert.deepEqual(all.sort((a, b) => a - b), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
 * ```
 */
export const split = <T>(key: Key | null, arrays: T, fractions: readonly number[]): T[] => {
  const n = leadingSize("split", arrays);
  const sizes = sizesFor("split", n, fractions);
  const order = key === null
    ? Int32Array.from({ length: n }, (_, i) => i)
    : permutation(checkKey("split", key), n).toTypedArray() as Int32Array;
  const parts: T[] = [];
  let start = 0;
  for (const size of sizes) {
    parts.push(takeRows(arrays, tensor(order.subarray(start, start + size))));
    start += size;
  }
  return parts;
};
