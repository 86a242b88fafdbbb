/**
 * Losses (`losses.*`) from maximum likelihood: regression, classification,
 * distribution heads and regularizers. Arguments are (prediction, target),
 * as in optax.
 *
 * @module
 */
export {};
