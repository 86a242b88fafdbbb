/**
 * The worker pool of the wasm gemm: threads that instantiate the same gemm
 * modules over the arena's shared `WebAssembly.Memory` and take chunks of
 * a product's rows (the protocol is in `gemm_worker.ts`). The calling
 * thread takes chunks too, so a pool of T threads has T − 1 workers.
 *
 * Workers are `node:worker_threads` workers, reached through
 * `process.getBuiltinModule` (Deno 2, Bun, Node 22), rather than web
 * `Worker`s, for one reason: their `unref()`. Deno's web `Worker` has none,
 * and a web worker sleeping in `Atomics.wait` keeps a Deno process alive
 * after its program ends (measured: it never exits); unref'd workers let
 * both runtimes exit as if they were not there. They are started from
 * source text (`eval: true`), which needs no permission in Deno.
 *
 * Nothing starts on import: the first product big enough to split starts
 * the workers and does not wait for them; each joins the jobs once it is
 * up. Where workers or shared memory are missing, products run on the
 * calling thread; if starting or running a worker fails, one notice says
 * so and they run there from then on.
 *
 * @module
 */
import { readEnv } from "../../core/runtime.ts";
import { emitGemmModule } from "./gemm_emit.ts";
import {
  type ChunkKernels,
  CONTROL,
  JOB_FIELDS,
  MAX_CHUNKS,
  MAX_ROW_CHUNKS,
  runChunks,
  workerMain,
} from "./gemm_worker.ts";
import { engineFacts } from "./engine.ts";
import type { Arena } from "./memory.ts";
import { type TileConfig, tileKey } from "./tiles.ts";

/** The environment variable that sets the pool's size: threads in all, counting the caller; 1 starts no worker. */
export const THREADS_VARIABLE = "DENDRITE_THREADS";

/** The most threads a product is split over (the control block has a counter per thread). */
export const MAX_THREADS = 64;

let defaultThreads: number | undefined;

/**
 * Threads a large product is split over unless told otherwise:
 * `DENDRITE_THREADS` if it is a positive integer, else the number of cores
 * (`navigator.hardwareConcurrency`), at most {@link MAX_THREADS}. Read once.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { gemmThreads } from "./threads.ts";
 * assert.ok(gemmThreads() >= 1);
 * ```
 */
export function gemmThreads(): number {
  if (defaultThreads !== undefined) return defaultThreads;
  const set = readEnv(THREADS_VARIABLE)?.trim();
  const cores = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency;
  const n = set !== undefined && /^[1-9]\d*$/.test(set) ? Number(set) : cores ?? 1;
  defaultThreads = Math.max(1, Math.min(MAX_THREADS, Math.floor(n)));
  return defaultThreads;
}

/** One chunked product, as the caller lays it out (byte addresses; see `JOB_FIELDS` in `gemm_worker.ts`). */
export interface ChunkJob {
  /** Packed A (written by the chunks if `pack` is given). */
  readonly ap: number;
  /** Packed B. */
  readonly bp: number;
  /** C, mPad × nPad. */
  readonly c: number;
  /** Padded sizes and blocking, as the kernel takes them. */
  readonly mPad: number;
  /** See mPad. */
  readonly nPad: number;
  /** See mPad. */
  readonly kPad: number;
  /** See mPad. */
  readonly kc0: number;
  /** See mPad. */
  readonly mc0: number;
  /** Bytes per element. */
  readonly es: number;
  /** Rows per chunk, a multiple of the tile's MR. */
  readonly rows: number;
  /** Depth of the product (k, before padding). */
  readonly k: number;
  /** op(A) to pack, chunk by chunk, before each chunk's kernel (omitted: already packed). */
  readonly pack?: {
    readonly src: number;
    readonly rs: number;
    readonly ps: number;
    readonly m: number;
  };
  /** op(B) to pack in `chunks` chunks of `cols` columns (a multiple of NR) before any row chunk (omitted: packed). */
  readonly packB?: {
    readonly src: number;
    readonly rs: number;
    readonly ps: number;
    readonly n: number;
    readonly chunks: number;
    readonly cols: number;
  };
}

/** What the caller does during a job, besides taking chunks. */
export interface JobHooks {
  /** Stages op(A) at `pack.src`: the row chunks wait for it (the B chunks need not). */
  readonly staging?: () => void;
  /** Work the chunks need not wait for, done before the caller takes chunks. */
  readonly meanwhile?: () => void;
  /**
   * Copies rows `[r0, r1)` of C (padded rows included) out of the arena:
   * called for every row chunk in order, as soon as it is done, once the
   * caller has no chunk left to take, so the copy overlaps the workers'
   * last chunks. Only rows of finished chunks are passed; if the job fails
   * (run returns false), what was copied must be redone.
   */
  readonly collect?: (r0: number, r1: number) => void;
}

/** What of node's `Worker` the pool uses. */
interface ThreadWorker {
  postMessage(message: unknown): void;
  on(event: "message" | "error" | "exit", listener: (value: unknown) => void): void;
  unref(): void;
  terminate(): unknown;
}
type WorkerConstructor = new (source: string, options: { eval: true }) => ThreadWorker;

/** node:worker_threads' Worker where the runtime has it, else undefined (a browser, an old runtime). */
function workerConstructor(): WorkerConstructor | undefined {
  const host = globalThis as { process?: { getBuiltinModule?: (name: string) => unknown } };
  try {
    const wt = host.process?.getBuiltinModule?.("node:worker_threads") as { Worker?: WorkerConstructor } | undefined;
    return typeof wt?.Worker === "function" ? wt.Worker : undefined;
  } catch {
    return undefined;
  }
}

let noticed = false;
/** One notice per process that the pool could not be used; products are still right, on one thread. */
function notice(why: unknown) {
  if (noticed) return;
  noticed = true;
  const reason = why instanceof Error ? why.message : String(why);
  console.warn(`dendrite: the wasm gemm runs on the calling thread only (${reason})`);
}

/** Compiled for a shared memory, by tile key: each pool posts the same modules. */
const sharedModules = new Map<string, WebAssembly.Module>();

let live = 0;

/**
 * Workers started by all pools whose thread has not exited (for tests:
 * importing the library starts none, and a closed pool's workers end).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { liveWorkers } from "./threads.ts";
 * assert.ok(liveWorkers() >= 0);
 * ```
 */
export const liveWorkers = (): number => live;

/** Whether this thread may block in `Atomics.wait` (a browser's main thread may not); found on first use. */
let callerWaits = true;

/** Returns once the counter `ctl[at]` reaches `least`, sleeping on it where this thread may block, else spinning. */
function waitUntil(ctl: Int32Array, at: number, least: number) {
  for (let seen; (seen = Atomics.load(ctl, at)) < least;) {
    if (callerWaits) {
      try {
        Atomics.wait(ctl, at, seen);
      } catch {
        callerWaits = false; // a thread that may not block spins instead
      }
    }
  }
}

/**
 * The workers of one shared memory and its control block. Made by
 * {@link gemmPool}; `run` is called from one thread at a time (the caller's,
 * which is synchronous).
 *
 * @example Start one worker beside the caller, wait until it serves, end it
 * ```ts
 * import assert from "node:assert/strict";
 * import { GemmPool } from "./threads.ts";
 * const pool = new GemmPool(new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true }));
 * assert.equal(pool.grow(2), 2);
 * await pool.whenReady();
 * assert.equal(pool.ready, 1);
 * pool.close();
 * assert.equal(pool.threads, 1);
 * ```
 */
export class GemmPool {
  /** The memory every thread's instances import. */
  readonly memory: WebAssembly.Memory;
  private readonly ctl: Int32Array;
  private readonly workers: ThreadWorker[] = [];
  private readonly moduleIds = new Map<string, number>();
  private readonly modules: [number, WebAssembly.Module][] = [];
  private generation = 0;
  private broken = false;
  private running = 0;

  /** A pool over `memory` (shared), with no workers yet. */
  constructor(memory: WebAssembly.Memory) {
    this.memory = memory;
    this.ctl = new Int32Array(memory.buffer, 0, 1024);
  }

  /** Threads that take part in a job: the caller and every worker started (up or not yet). */
  get threads(): number {
    return 1 + this.workers.length;
  }

  /** Workers of this pool whose threads have not exited yet (closed ones included, until they do). */
  get alive(): number {
    return this.running;
  }

  /** Workers that have instantiated their modules and serve jobs. */
  get ready(): number {
    return Atomics.load(this.ctl, CONTROL.READY);
  }

  /**
   * Starts workers until `threads` threads take part (never more than
   * {@link MAX_THREADS}); returns how many do. After a failure it starts
   * no more, and says so once.
   */
  grow(threads: number): number {
    const Worker = workerConstructor();
    const want = Math.min(threads, MAX_THREADS);
    while (!this.broken && Worker !== undefined && this.threads < want) {
      try {
        this.workers.push(this.spawn(Worker, this.threads));
      } catch (e) {
        this.fail(e);
      }
    }
    return this.threads;
  }

  private spawn(Worker: WorkerConstructor, thread: number): ThreadWorker {
    const worker = new Worker(`(${workerMain})(${runChunks})`, { eval: true });
    // Unref'd, a worker sleeping in Atomics.wait does not keep the process
    // alive once the program is done. Without unref, none is kept.
    if (typeof worker.unref !== "function") {
      worker.terminate();
      throw new Error("its workers cannot be unref'd");
    }
    worker.unref();
    live++;
    this.running++;
    // No "message" listener: in Bun one keeps an unref'd worker's process
    // alive (measured), so readiness is a counter in the control block.
    worker.on("error", (e) => this.fail(e));
    worker.on("exit", () => (live--, this.running--));
    const epoch = Atomics.load(this.ctl, CONTROL.EPOCH);
    worker.postMessage({ memory: this.memory, control: CONTROL, thread, epoch, modules: this.modules });
    return worker;
  }

  private fail(e: unknown) {
    this.broken = true;
    notice(e);
  }

  /**
   * Resolves once every worker started so far serves jobs, or one failed
   * (tests and benchmarks; a product never waits for workers).
   */
  async whenReady(): Promise<void> {
    while (this.ready < this.workers.length && !this.broken) await new Promise((r) => setTimeout(r, 2));
  }

  /** Chunks run by each thread so far, the caller first. */
  chunksRun(): number[] {
    return Array.from({ length: this.threads }, (_, i) => Atomics.load(this.ctl, CONTROL.STATS + i));
  }

  /** The id jobs name `tile`'s module by, posting the module to the workers on first use. */
  private moduleId(tile: TileConfig): number {
    const key = tileKey(tile);
    const known = this.moduleIds.get(key);
    if (known !== undefined) return known;
    let module = sharedModules.get(key);
    if (module === undefined) {
      module = new WebAssembly.Module(emitGemmModule(tile, true));
      sharedModules.set(key, module);
    }
    const id = this.modules.length;
    this.modules.push([id, module]);
    this.moduleIds.set(key, id);
    for (const worker of this.workers) worker.postMessage({ id, module });
    return id;
  }

  /**
   * Runs `job` with `tile`'s kernels (the caller's instance is `kernels`):
   * publishes it, wakes up to `threads − 1` sleeping workers, runs the
   * hooks, then takes chunks on this thread alongside the workers; returns
   * once all are done. Returns false if a chunk failed: the caller must then
   * redo the product by itself (and the pool is not used again).
   */
  run(tile: TileConfig, kernels: ChunkKernels, threads: number, job: ChunkJob, hooks: JobHooks = {}): boolean {
    const bChunks = job.packB?.chunks ?? 0;
    const rowChunks = Math.ceil(job.mPad / job.rows);
    const total = bChunks + rowChunks;
    const bOk = job.packB === undefined || (job.packB.cols % tile.nr === 0 && bChunks * job.packB.cols >= job.nPad);
    if (!(total <= MAX_CHUNKS && rowChunks <= MAX_ROW_CHUNKS && job.rows % tile.mr === 0 && bOk)) {
      throw new RangeError(`gemm pool: ${total} chunks of ${job.rows} rows`);
    }
    const p = job.pack, b = job.packB;
    const need = bChunks + (hooks.staging ? 1 : 0);
    const values: Record<(typeof JOB_FIELDS)[number], number> = {
      MODULE: this.moduleId(tile),
      TOTAL: total,
      ROWS: job.rows,
      MPAD: job.mPad,
      NPAD: job.nPad,
      KPAD: job.kPad,
      KC0: job.kc0,
      MC0: job.mc0,
      AP: job.ap,
      BP: job.bp,
      C: job.c,
      ES: job.es,
      PACK: p ? 1 : 0,
      SRC: p?.src ?? 0,
      RS: p?.rs ?? 0,
      PS: p?.ps ?? 0,
      M: p?.m ?? 0,
      K: job.k,
      BCHUNKS: bChunks,
      BCOLS: b?.cols ?? 0,
      BSRC: b?.src ?? 0,
      BRS: b?.rs ?? 0,
      BPS: b?.ps ?? 0,
      N: b?.n ?? 0,
      NEED: need,
    };
    const ctl = this.ctl;
    JOB_FIELDS.forEach((f, i) => Atomics.store(ctl, CONTROL.JOB + i, values[f] | 0));
    Atomics.store(ctl, CONTROL.DONE, 0);
    Atomics.store(ctl, CONTROL.ERROR, 0);
    Atomics.store(ctl, CONTROL.GATE, 0);
    for (let r = 0; r < rowChunks; r++) Atomics.store(ctl, CONTROL.FLAGS + r, 0);
    this.generation = (this.generation + 1) & 0xfffff;
    // Published last: a thread that sees this word sees the fields above.
    Atomics.store(ctl, CONTROL.CLAIM, (this.generation << 12) | total);
    // Always: "ready" messages reach this thread only through its event
    // loop, which a synchronous training loop never runs.
    Atomics.notify(ctl, CONTROL.CLAIM, threads - 1);
    if (hooks.staging) {
      hooks.staging();
      if (Atomics.add(ctl, CONTROL.GATE, 1) + 1 === need) Atomics.notify(ctl, CONTROL.GATE);
    }
    hooks.meanwhile?.();
    runChunks(ctl, CONTROL, 0, () => kernels);
    if (hooks.collect) {
      for (let r = 0; r < rowChunks; r++) {
        waitUntil(ctl, CONTROL.FLAGS + r, 1);
        hooks.collect(r * job.rows, Math.min((r + 1) * job.rows, job.mPad));
      }
    }
    waitUntil(ctl, CONTROL.DONE, total);
    if (Atomics.load(ctl, CONTROL.ERROR) === 0) return true;
    this.fail("a worker's chunk failed");
    return false;
  }

  /** Whether a worker failed to start or run: the pool is then no longer used. */
  get failed(): boolean {
    return this.broken;
  }

  /** Ends the workers (between jobs; their threads exit soon after). The pool can grow again afterwards. */
  close(): void {
    // Wake every worker into a new epoch, so each returns to its event loop
    // and the terminate below can take effect there.
    Atomics.add(this.ctl, CONTROL.EPOCH, 1);
    Atomics.notify(this.ctl, CONTROL.CLAIM);
    for (const worker of this.workers.splice(0)) worker.terminate();
    Atomics.store(this.ctl, CONTROL.READY, 0);
  }
}

const pools = new WeakMap<Arena, GemmPool>();
// An arena dropped by its owner (tests make many) takes its workers with it.
const closer = new FinalizationRegistry<GemmPool>((pool) => pool.close());

/**
 * The pool of `arena`, grown to `threads` threads, or undefined when the
 * product must stay on the calling thread: one thread asked for, a
 * non-shared arena, no workers on this runtime, or they failed to start.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Arena } from "./memory.ts";
 * import { gemmPool } from "./threads.ts";
 * assert.equal(gemmPool(new Arena({ shared: false }), 4), undefined);
 * assert.equal(gemmPool(new Arena({ shared: true }), 1), undefined);
 * ```
 */
export function gemmPool(arena: Arena, threads: number): GemmPool | undefined {
  if (threads <= 1) return undefined;
  // Asked for threads the engine cannot give: said once, and the product runs here (still right).
  if (!arena.shared) {
    if (!engineFacts().sharedMemory) notice("this engine has no shared WebAssembly memory");
    return undefined;
  }
  let pool = pools.get(arena);
  if (pool === undefined) {
    if (workerConstructor() === undefined) return notice("this runtime has no node:worker_threads"), undefined;
    pool = new GemmPool(arena.memory);
    pools.set(arena, pool);
    closer.register(arena, pool);
  }
  return pool.grow(threads) > 1 && !pool.failed ? pool : undefined;
}
