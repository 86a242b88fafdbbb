/**
 * The scratch arena and module cache of the wasm elementwise, reduction and
 * fused kernels. They use an arena of their own, not the gemm's
 * `defaultArena()`, so that the gemm's layout (its header for a worker
 * pool's control block) and any pool working over it are never disturbed;
 * every call here is synchronous on the calling thread and leaves nothing in
 * the arena that a later call needs, so one arena serves them all in turn.
 * The memory is not shared: no worker ever sees it.
 *
 * @module
 */
import { Arena } from "./memory.ts";
import type { ModuleWriter } from "./wasm_writer.ts";

let arena: Arena | undefined;

/**
 * The arena, made on first use (1 MiB, growing on demand up to wasm32's 4 GiB).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { scratchArena } from "./scratch.ts";
 * assert.equal(scratchArena(), scratchArena());
 * assert.equal(scratchArena().shared, false);
 * ```
 */
export function scratchArena(): Arena {
  arena ??= new Arena({ initialPages: 16, shared: false });
  return arena;
}

/**
 * Adds the import of `arena`'s memory to `w`, with the limits every module
 * over that arena declares.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { importScratch, scratchArena } from "./scratch.ts";
 * import { ModuleWriter } from "./wasm_writer.ts";
 * const w = importScratch(new ModuleWriter(), scratchArena());
 * assert.ok(WebAssembly.validate(w.bytes()));
 * ```
 */
export function importScratch(w: ModuleWriter, a: Arena): ModuleWriter {
  return w.importMemory({ module: "env", name: "memory", minPages: 1, maxPages: a.maximumPages, shared: false });
}

let viewedBuffer: ArrayBufferLike | undefined;
let i32: Int32Array = new Int32Array(0);
let u8: Uint8Array = new Uint8Array(0);

/**
 * Int32 and byte views of the scratch arena, re-taken whenever its buffer
 * has changed (growth detaches a non-shared memory's old buffer); `f32()`
 * and `f64()` come from the arena itself.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { scratchArena, scratchViews } from "./scratch.ts";
 * const { i32, u8 } = scratchViews();
 * assert.equal(i32.buffer, scratchArena().memory.buffer);
 * assert.equal(u8.length, scratchArena().byteLength);
 * ```
 */
export function scratchViews(): { i32: Int32Array; u8: Uint8Array } {
  const b = scratchArena().memory.buffer;
  if (b !== viewedBuffer) {
    viewedBuffer = b;
    i32 = new Int32Array(b);
    u8 = new Uint8Array(b);
  }
  return { i32, u8 };
}

const modules = new Map<string, WebAssembly.Module>();

/**
 * The exports of the module `key`, instantiated over `arena`: `build` writes
 * its bytes the first time the key is seen (synchronous compilation: the
 * numeric API is synchronous and these modules are small), and each arena
 * keeps its own instance.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { importScratch, instantiate, scratchArena } from "./scratch.ts";
 * import { Body, I32, ModuleWriter } from "./wasm_writer.ts";
 * const build = () => {
 *   const w = importScratch(new ModuleWriter(), scratchArena());
 *   w.func("one", [], [I32], new Body(0).i32(1));
 *   return w.bytes();
 * };
 * const e = instantiate(scratchArena(), "example:one", build) as { one(): number };
 * assert.equal(e.one(), 1);
 * ```
 */
export function instantiate(a: Arena, key: string, build: () => Uint8Array<ArrayBuffer>): WebAssembly.Exports {
  const found = a.instances.get(key);
  if (found) return found;
  let module = modules.get(key);
  if (!module) modules.set(key, module = new WebAssembly.Module(build()));
  const exports = new WebAssembly.Instance(module, { env: { memory: a.memory } }).exports;
  a.instances.set(key, exports);
  return exports;
}

/**
 * `bytes` rounded up to whole 64-byte cache lines: regions start aligned,
 * and a kernel may read or write a vector past the last element of a region
 * without touching the next one.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { region } from "./scratch.ts";
 * assert.equal(region(4), 64);
 * assert.equal(region(64), 128);
 * ```
 */
export const region = (bytes: number): number => (Math.floor(bytes / 64) + 1) * 64;
