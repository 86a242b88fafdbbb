/**
 * The wasm backend's conv patch kernels (`extractPatches`, `foldPatches`),
 * each from the size at which it runs in wasm; below it, and for every case
 * the wasm kernel declines (it returns undefined), the base (TS) kernel
 * runs. Results are bit-identical either way (`patches_emit.ts`), so the
 * thresholds only choose the faster one.
 *
 * Measured with bench/wasm_patches.ts (copies into and out of the arena
 * included; table in bench/README.md, "wasm patch kernels"): the wasm
 * kernels were faster on Deno and Bun from [1,8,8,4] 3×3 pad 1 (2,304
 * patch elements, 1.15–1.9×) up to the CNN's layers (2.2–7.4× at
 * [128,28,28,1], 1.2–2.9× at [128,14,14,32]): the TS kernel's per-window
 * loop overhead, which wasm saves, is there at every size. Below that the
 * fixed cost of a call (planning the window tables, the call into wasm, two
 * copies) wins on Deno: [1,6,6,4] (1,296) measured 0.86–0.94× for
 * extractPatches there (1.4–1.6× on Bun), and [1,4,4,2] (288) 0.57–0.92×
 * on Deno, 0.7–1.2× on Bun.
 *
 * @module
 */
import type { HostKernels } from "../host.ts";
import type { PatchLayout } from "../backend.ts";
import { wasmExtractPatches, wasmFoldPatches } from "./patches_emit.ts";

/** Patch elements (`N·OH·OW·KH·KW·C`) from which `extractPatches` and `foldPatches` run in wasm. */
export const WASM_PATCHES_FROM = 2048;

/** Elements of the patches of `layout`. */
const patchElements = (layout: PatchLayout) => {
  const [n, , , c] = layout.image;
  return n * layout.grid[0] * layout.grid[1] * layout.kernel[0] * layout.kernel[1] * c;
};

/**
 * `extractPatches` and `foldPatches` that run in wasm from
 * {@link WASM_PATCHES_FROM} patch elements on, falling back to `base`'s;
 * spread over `base` to make a backend.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { tsKernels } from "../ts/backend.ts";
 * import { wasmPatchKernels } from "./patch_kernels.ts";
 * const k = { ...tsKernels, ...wasmPatchKernels(tsKernels) };
 * const layout = {
 *   image: [1, 16, 16, 4], grid: [16, 16], kernel: [3, 3], strides: [1, 1], dilation: [1, 1],
 *   padding: [[1, 1], [1, 1]],
 * } as const;
 * const x = new Float32Array(16 * 16 * 4).fill(1);
 * const p = k.extractPatches(x, layout, 0, "float32");
 * assert.equal(p.length, 16 * 16 * 9 * 4);
 * assert.equal(k.foldPatches(p, layout, "float32")[5 * 16 * 4 + 5 * 4], 9); // an inner pixel is in 9 windows
 * ```
 */
export function wasmPatchKernels(base: HostKernels): Partial<HostKernels> {
  return {
    extractPatches: (x, layout, padValue, dtype) =>
      (patchElements(layout) >= WASM_PATCHES_FROM ? wasmExtractPatches(x, layout, padValue, dtype) : undefined) ??
        base.extractPatches(x, layout, padValue, dtype),
    foldPatches: (patches, layout, dtype) =>
      (patchElements(layout) >= WASM_PATCHES_FROM ? wasmFoldPatches(patches, layout, dtype) : undefined) ??
        base.foldPatches(patches, layout, dtype),
  };
}
