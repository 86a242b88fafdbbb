/**
 * The scratch arena of the wasm kernels: one `WebAssembly.Memory` that
 * operands are copied into, packed and multiplied in, and the result copied
 * out of. It is reused across calls and only grows, so a training loop
 * allocates nothing here after its first step; tensors never live in it, so
 * nothing needs freeing (finalizers do not run inside a synchronous loop).
 *
 * The memory is `shared: true` where the engine allows it, so that a later
 * worker pool can instantiate the same kernels over it. Growing a memory
 * detaches (non-shared) or outgrows (shared) every typed-array view of it,
 * so views are only handed out through {@link Arena.f32} and
 * {@link Arena.f64}, which re-take them whenever the buffer has changed.
 *
 * @module
 */
import { DendriteError } from "../../core/errors.ts";
import { engineFacts } from "./engine.ts";

/** Bytes in a wasm page. */
export const PAGE = 65536;
/** The wasm32 limit: 65536 pages, 4 GiB. */
export const MAX_PAGES = 65536;

/**
 * The wasm arena cannot hold what an op needs: more than the 4 GiB a wasm32
 * memory can address, more than the arena's maximum, or the engine refused
 * to grow it. `bytes` is the size that was asked for.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { WasmMemoryError } from "./memory.ts";
 * const e = new WasmMemoryError("gemm", 2 ** 33, "more than the 4294967296-byte wasm32 limit");
 * assert.match(e.message, /^gemm: needs 8589934592 bytes/);
 * ```
 */
export class WasmMemoryError extends DendriteError {
  /** The bytes of arena the op asked for. */
  readonly bytes: number;
  /** An error of `op`, which needed `bytes` bytes of arena; `why` says what stood in the way. */
  constructor(op: string, bytes: number, why: string) {
    super(op, `needs ${bytes} bytes of wasm memory, ${why}`);
    this.bytes = bytes;
  }
}

/** How to make an arena. */
export interface ArenaOptions {
  /** Pages at creation (default 16, 1 MiB). */
  readonly initialPages?: number;
  /** Pages it may grow to (default 65536, 4 GiB; a test can set a tiny one). */
  readonly maximumPages?: number;
  /** Ask for a shared memory (default: the engine's support, see `engineFacts().sharedMemory`). */
  readonly shared?: boolean;
}

/**
 * A growable scratch memory with views that are always current.
 *
 * @example Grow, then read through a fresh view
 * ```ts
 * import assert from "node:assert/strict";
 * import { Arena } from "./memory.ts";
 * const arena = new Arena({ initialPages: 1, maximumPages: 4, shared: false });
 * arena.ensure("example", 3 * 65536);
 * arena.f32()[3 * 16384 - 1] = 1.5; // the last float of the grown memory
 * assert.equal(arena.f32()[49151], 1.5);
 * ```
 */
export class Arena {
  /** The memory the kernels import. */
  readonly memory: WebAssembly.Memory;
  /** Whether {@link memory} is shared. */
  readonly shared: boolean;
  /** The most pages it may have. */
  readonly maximumPages: number;
  /** Instances of kernel modules over this memory, by module key (filled by their users). */
  readonly instances = new Map<string, WebAssembly.Exports>();
  private buffer: ArrayBufferLike;
  private f32View: Float32Array;
  private f64View: Float64Array;

  /** A fresh arena; see {@link ArenaOptions}. */
  constructor({ initialPages = 16, maximumPages = MAX_PAGES, shared = false }: ArenaOptions = {}) {
    this.maximumPages = Math.min(maximumPages, MAX_PAGES);
    // Never below one page: the kernels' modules declare a one-page minimum
    // (see gemm_emit.ts), which a smaller memory could not be linked to.
    const initial = Math.max(1, Math.min(initialPages, this.maximumPages));
    // A shared memory must declare its maximum; a non-shared one declares it
    // too, so one import shape (limits min..max) fits both.
    this.memory = new WebAssembly.Memory(
      { initial, maximum: this.maximumPages, shared } as WebAssembly.MemoryDescriptor,
    );
    this.shared = shared;
    this.buffer = this.memory.buffer;
    this.f32View = new Float32Array(this.buffer);
    this.f64View = new Float64Array(this.buffer);
  }

  /** Current size in bytes. */
  get byteLength(): number {
    return this.memory.buffer.byteLength;
  }

  /**
   * Makes the arena at least `bytes` long, growing it (to at least double,
   * so a run of growing problems grows it only a few times). Throws a
   * {@link WasmMemoryError} naming `op` if it cannot; the contents below the
   * old size are kept.
   */
  ensure(op: string, bytes: number): void {
    if (bytes <= this.byteLength) return;
    const limit = this.maximumPages * PAGE;
    if (!(bytes <= limit)) {
      const what = this.maximumPages === MAX_PAGES
        ? `the ${limit}-byte wasm32 limit`
        : `this arena's ${limit}-byte maximum`;
      throw new WasmMemoryError(op, bytes, `more than ${what}`);
    }
    const have = this.byteLength / PAGE, need = Math.ceil(bytes / PAGE);
    const target = Math.min(this.maximumPages, Math.max(need, 2 * have));
    try {
      this.memory.grow(target - have);
    } catch (e) {
      // Doubling may ask for more than the system gives; the exact need may still fit.
      try {
        if (target > need) this.memory.grow(need - have);
        else throw e;
      } catch (e2) {
        throw new WasmMemoryError(op, bytes, `the engine could not grow the memory (${(e2 as Error).message})`);
      }
    }
  }

  /** A float32 view of the whole arena, current after any growth. */
  f32(): Float32Array {
    this.refresh();
    return this.f32View;
  }

  /** A float64 view of the whole arena, current after any growth. */
  f64(): Float64Array {
    this.refresh();
    return this.f64View;
  }

  private refresh() {
    const b = this.memory.buffer;
    if (b === this.buffer) return;
    this.buffer = b;
    this.f32View = new Float32Array(b);
    this.f64View = new Float64Array(b);
  }
}

let arena: Arena | undefined;

/**
 * The arena the kernels use unless told otherwise: made on first use,
 * shared where the engine supports shared memories.
 */
export function defaultArena(): Arena {
  arena ??= new Arena({ shared: engineFacts().sharedMemory });
  return arena;
}
