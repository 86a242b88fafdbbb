/**
 * Optimizers (`optim.*`), the optax way: gradient transformations
 * `{ init, update }` composed with `chain`, learning-rate schedules,
 * clipping, and the training loop `fit`.
 *
 * @module
 */
export * from "./types.ts";
