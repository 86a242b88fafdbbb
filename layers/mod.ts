/**
 * Layers (`layers.*`): pure `init`/`apply` pairs over parameter trees (see
 * `layer.ts` for the contract and the one way state moves), activation
 * functions that are layers as they are, initializers, containers, and
 * ready-made models.
 *
 * @module
 */
export * from "./layer.ts";
// -- layers, activations, initializers, containers, summary (one file per family)
// -- recurrent layers and ready-made models
