/**
 * Metrics (`metrics.*`) for training loops and evaluation.
 *
 * @module
 */
export {};
