/**
 * The counter tags: the top two bits of a Threefry counter's first word say
 * what the counter is for, so a key's word stream, `foldIn` and `split`
 * never hash the same counter (the full table is in `mod.ts`).
 *
 * @module
 */

/** Counter tag (top bits of the first counter word) for `foldIn`. */
export const FOLD_IN_TAG = 0x40000000;
/** Counter tag (top bits of the first counter word) for `split`. */
export const SPLIT_TAG = 0x80000000;
