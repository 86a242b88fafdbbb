/**
 * Training checkpoints: what `fit` changes (parameters, model state,
 * optimizer state) in one safetensors file, under `params.…`, `state.…` and
 * `optState.…`, with the epoch in the metadata. Loading is against a
 * template (the same model's `init` and the optimizer's `init`): every leaf
 * of the template is looked up by its dotted path and must match in shape
 * and dtype, so the loaded trees have the template's exact structure (empty
 * subtrees, which a safetensors file cannot hold, included) and a checkpoint
 * of another model is a clear error rather than a wrong tree.
 *
 * @module
 */
import type { Tensor } from "../core/tensor.ts";
import { flattenWithPath, structure, unflatten } from "../core/tree/mod.ts";
import type { Tree } from "../core/tree/types.ts";
import type { FitCallbacks, Logs, TrainingState } from "../optim/fit_types.ts";
import { SafetensorsError } from "./errors.ts";
import { loadSafetensorsWithMetadata, saveSafetensors } from "./file.ts";

/** What a checkpoint holds besides the trees. */
export interface CheckpointInfo {
  /** The epoch (from 0) after which it was saved; resume with `initialEpoch: epoch + 1`. */
  readonly epoch: number;
  /** Any other metadata, string to string. */
  readonly metadata: Readonly<Record<string, string>>;
}

const dotted = (path: readonly (string | number)[]) => path.join(".");

/**
 * Saves parameters, model state and optimizer state (atomically) with the epoch.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mkdtempSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { loadCheckpoint, saveCheckpoint } from "./checkpoint.ts";
 * import { adam } from "../optim/mod.ts";
 * import { tensor } from "../core/creation.ts";
 * const params = { w: tensor([1, 2]) };
 * const opt = adam(0.1);
 * const path = join(mkdtempSync(join(tmpdir(), "ckpt_")), "run.safetensors");
 * saveCheckpoint(path, { params, state: {}, optState: opt.init(params) }, 4);
 * const [back, info] = loadCheckpoint(path, { params, state: {}, optState: opt.init(params) });
 * assert.deepEqual([back.params.w.toArray(), info.epoch], [[1, 2], 4]);
 * ```
 */
export const saveCheckpoint = <P extends Tree, S extends Tree>(
  path: string,
  now: TrainingState<P, S>,
  epoch: number,
  metadata: Readonly<Record<string, string>> = {},
): void => {
  saveSafetensors(path, { params: now.params, state: now.state, optState: now.optState }, {
    ...metadata,
    epoch: String(epoch),
  });
};

/**
 * Loads a checkpoint into the structure of `template` (e.g. `{ params:
 * model.init(…).params, state, optState: optimizer.init(params) }`). A
 * missing tensor or one of another shape or dtype is a `SafetensorsError`
 * naming it.
 */
export const loadCheckpoint = <P extends Tree, S extends Tree>(
  path: string,
  template: TrainingState<P, S>,
): [TrainingState<P, S>, CheckpointInfo] => {
  const { tree, metadata } = loadSafetensorsWithMetadata(path);
  const named = new Map<string, Tensor>();
  const collect = (t: unknown, prefix: string) => {
    for (const [p, leaf] of flattenWithPath(t as Tree)) named.set(dotted([prefix, ...p]), leaf as Tensor);
  };
  for (const part of ["params", "state", "optState"] as const) {
    collect((tree as Record<string, unknown>)[part] ?? {}, part);
  }
  const restore = <T extends Tree>(part: string, like: T): T => {
    const leaves = flattenWithPath(like).map(([p, want]) => {
      const name = dotted([part, ...p]);
      const got = named.get(name);
      const w = want as Tensor;
      if (got === undefined) {
        throw new SafetensorsError({
          op: "loadCheckpoint",
          file: path,
          tensor: name,
          field: "name",
          detail: "missing from the file, which the template (the model and optimizer being resumed) has",
        });
      }
      if (got.dtype !== w.dtype || got.shape.join() !== w.shape.join()) {
        throw new SafetensorsError({
          op: "loadCheckpoint",
          file: path,
          tensor: name,
          field: "shape",
          detail: `${got.dtype}[${got.shape}] in the file where the template has ${w.dtype}[${w.shape}]`,
        });
      }
      return got;
    });
    return unflatten(structure(like), leaves) as T;
  };
  const epoch = Number(metadata.epoch);
  if (!Number.isSafeInteger(epoch) || epoch < 0) {
    throw new SafetensorsError({
      op: "loadCheckpoint",
      file: path,
      field: "__metadata__.epoch",
      detail: `expected the epoch as a string of digits, got ${JSON.stringify(metadata.epoch)}`,
    });
  }
  const restored = {
    params: restore("params", template.params),
    state: restore("state", template.state),
    optState: restore("optState", template.optState),
  };
  return [restored, { epoch, metadata }];
};

/** Options of {@link checkpointCallback}. */
export interface CheckpointOptions {
  /** The history entry to watch (default `"valLoss"` when it exists at the first epoch, else `"loss"`). */
  readonly monitor?: string;
  /** Whether lower (`"min"`, the default) or higher (`"max"`) is better. */
  readonly mode?: "min" | "max";
  /** Save after every epoch, not only the best (default false: Keras's `save_best_only`). */
  readonly everyEpoch?: boolean;
}

/**
 * A `fit` callback that saves the training state to `path` whenever the
 * monitored figure improves (as Keras's `ModelCheckpoint(save_best_only=True)`),
 * so the file always holds the best epoch's parameters and the optimizer
 * state to resume from.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { existsSync, mkdtempSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { checkpointCallback } from "./checkpoint.ts";
 * import { adam, fit } from "../optim/mod.ts";
 * import { mean, square, sub } from "../core/ops/mod.ts";
 * import type { Tensor } from "../core/tensor.ts";
 * import { tensor } from "../core/creation.ts";
 * const path = join(mkdtempSync(join(tmpdir(), "ckpt_")), "best.safetensors");
 * const loss = (p: { w: Tensor }, x: Tensor, y: Tensor) => mean(square(sub(x, p.w)));
 * fit({ params: { w: tensor([0]) }, loss, optimizer: adam(0.1), data: { x: tensor([1, 2]), y: tensor([0, 0]) },
 *   epochs: 3, progress: false, callbacks: checkpointCallback(path) });
 * assert.ok(existsSync(path));
 * ```
 */
export const checkpointCallback = <P extends Tree = Tree, S extends Tree = Tree>(
  path: string,
  opts: CheckpointOptions = {},
): FitCallbacks<P, S> => {
  let best: number | undefined;
  let monitor = opts.monitor;
  const better = (a: number, b: number) => (opts.mode === "max" ? a > b : a < b);
  return {
    onEpochEnd(epoch: number, logs: Logs, now: TrainingState<P, S>) {
      monitor ??= "valLoss" in logs ? "valLoss" : "loss";
      const value = logs[monitor];
      if (value === undefined) {
        throw new SafetensorsError({
          op: "checkpointCallback",
          file: path,
          field: "monitor",
          detail: `no history entry "${monitor}" (have ${Object.keys(logs).join(", ")})`,
        });
      }
      if (opts.everyEpoch === true || best === undefined || better(value, best)) {
        if (best === undefined || better(value, best)) best = value;
        saveCheckpoint(path, now, epoch, { monitor, value: String(value) });
      }
    },
  };
};
