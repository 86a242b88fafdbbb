/**
 * Data (`data.*`): shuffled mini-batches from keys, splits, standardisation
 * and augmentation.
 *
 * @module
 */
export {};
