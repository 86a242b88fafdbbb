/**
 * The two pieces of the threaded gemm that run on every thread: the chunk
 * loop ({@link runChunks}, run by the calling thread and by each worker) and
 * a worker's main function ({@link workerMain}). The pool (`threads.ts`)
 * starts each worker from their source text (`new Worker(text, { eval:
 * true })`), so a worker loads no file: it needs no module resolution, no
 * read permission in Deno, and works the same from these sources and from
 * a compiled package. Hence both functions are self-contained: they use
 * nothing from module scope, and the control block's layout reaches a
 * worker in its first message.
 *
 * The protocol, on an Int32Array over the first bytes of the arena (the
 * gemm's `HEADER`):
 * - The caller writes a job's parameters, zeroes DONE, then stores CLAIM =
 *   (generation << 12) | chunks and wakes the workers waiting on CLAIM.
 * - Every thread reads CLAIM, reads the parameters, and takes a chunk by
 *   compare-and-swap of CLAIM to one less. The swap succeeds only if CLAIM
 *   did not change since it was read, so the job was still open and the
 *   parameters read were its own: no thread can run a chunk of a job with
 *   another job's parameters, even if it slept through several jobs. The
 *   generation (20 bits) keeps two jobs' words apart.
 * - After each chunk a thread adds one to DONE; the one that completes the
 *   job wakes the caller, which waits on DONE once nothing is left to take.
 *   After a row chunk it then sets the chunk's FLAGS word, its last write to
 *   the block for that job, so the caller can copy the chunk's rows of C out
 *   as soon as they are done, and knows, once it has seen every flag, that
 *   no thread will touch the block for that job again.
 *
 * The caller takes chunks like any worker, so a job completes even if no
 * worker ever wakes (none started yet, all busy elsewhere): the pool only
 * ever speeds a product up, and the split (hence the result) is the same
 * whichever threads run the chunks.
 *
 * @module
 */

/** Int32 indices of the control block (all within the gemm's 4096-byte header). */
export interface ControlLayout {
  /** `(generation << 12) | chunks left`: taken by compare-and-swap, waited on by idle workers. */
  readonly CLAIM: number;
  /** Chunks finished in the current job, waited on by the caller (a cache line away from CLAIM). */
  readonly DONE: number;
  /** Set to 1 when a chunk threw; the caller then redoes the product on its own. */
  readonly ERROR: number;
  /** Prerequisites of the row chunks met so far: B chunks packed, and the caller's staging of A (see NEED). */
  readonly GATE: number;
  /** Workers that have instantiated their modules and serve jobs (a counter, not a message: see `threads.ts`). */
  readonly READY: number;
  /**
   * Bumped when the pool closes: a worker started in another epoch returns
   * to its event loop, where `terminate()` can end it (Deno's cannot end a
   * worker blocked in `Atomics.wait`, measured).
   */
  readonly EPOCH: number;
  /** The job's parameters, in the order of {@link JOB_FIELDS}. */
  readonly JOB: number;
  /** Chunks run by each thread since the pool started (index 0 is the caller): how tests see who worked. */
  readonly STATS: number;
  /**
   * One word per row chunk of the current job, set to 1 once the chunk is
   * done (the caller copies finished rows out while others still run); the
   * caller zeroes them before publishing a job.
   */
  readonly FLAGS: number;
}

/** The layout the pool uses. */
export const CONTROL: ControlLayout = {
  CLAIM: 0,
  DONE: 16,
  ERROR: 17,
  READY: 18,
  EPOCH: 19,
  GATE: 20,
  JOB: 32,
  STATS: 64,
  FLAGS: 256,
};

/** Row chunks a job may have: one FLAGS word each, to the end of the 1024-word control block. */
export const MAX_ROW_CHUNKS = 768;

/** Chunks per job are counted in the low 12 bits of CLAIM. */
export const MAX_CHUNKS = 4095;

/**
 * The job's fields, at `JOB + index`. The first BCHUNKS chunks pack op(B)
 * (N columns, K deep, strides BRS, BPS in elements, staged at BSRC) into
 * BP, BCOLS columns each (a multiple of the tile's NR). The others are row
 * chunks: chunk BCHUNKS + c covers rows `[c·ROWS, min((c+1)·ROWS, MPAD))` of
 * the packed-A side, a multiple of MR; if PACK, it first packs those rows
 * of op(A) from SRC (M rows, K deep, strides RS, PS) into AP, then runs the
 * kernel on them. A row chunk starts once GATE reaches NEED: every B chunk
 * done, plus the caller's staging of op(A) at SRC when the caller does it
 * during the job. All addresses are bytes; they may exceed 2³¹ and are
 * stored as their int32 bits, which is how wasm reads an i32 anyway.
 */
export const JOB_FIELDS = [
  "MODULE",
  "TOTAL",
  "ROWS",
  "MPAD",
  "NPAD",
  "KPAD",
  "KC0",
  "MC0",
  "AP",
  "BP",
  "C",
  "ES",
  "PACK",
  "SRC",
  "RS",
  "PS",
  "M",
  "K",
  "BCHUNKS",
  "BCOLS",
  "BSRC",
  "BRS",
  "BPS",
  "N",
  "NEED",
] as const;

/** The exports of a gemm module that a chunk calls (see `kernels.ts` for what they do). */
export interface ChunkKernels {
  /** Packs rows of op(A) into MR-tall panels. */
  packA(src: number, rs: number, ps: number, rows: number, depth: number, depthPad: number, dst: number): void;
  /** Packs columns of op(B) into NR-wide panels. */
  packB(src: number, rs: number, ps: number, rows: number, depth: number, depthPad: number, dst: number): void;
  /** The loop nest over packed panels. */
  gemm(ap: number, bp: number, c: number, mPad: number, nPad: number, kPad: number, kc0: number, mc0: number): void;
}

/**
 * Takes and runs chunks of the current job until none is left. Returns the
 * CLAIM word it last saw with nothing left (a worker waits for it to
 * change), or `undefined` if the job needs a module `kernelsOf` does not
 * have yet (a worker then lets its message in and comes back).
 *
 * @example With no job published, there is nothing to take
 * ```ts
 * import assert from "node:assert/strict";
 * import { CONTROL, runChunks } from "./gemm_worker.ts";
 * const ctl = new Int32Array(new SharedArrayBuffer(1024));
 * assert.equal(runChunks(ctl, CONTROL, 0, () => undefined), 0);
 * ```
 */
export function runChunks(
  ctl: Int32Array,
  control: ControlLayout,
  thread: number,
  kernelsOf: (module: number) => ChunkKernels | undefined,
): number | undefined {
  const { CLAIM, DONE, ERROR, GATE, JOB, STATS, FLAGS } = control;
  // Field offsets spelled out: this function is sent as text, so it cannot
  // read JOB_FIELDS (the pool writes by it; any disagreement fails every
  // threaded test).
  const load = (field: number) => Atomics.load(ctl, JOB + field);
  for (;;) {
    const word = Atomics.load(ctl, CLAIM);
    const left = word & 0xfff;
    if (left === 0) return word;
    const module = load(0), total = load(1), rows = load(2), mPad = load(3), nPad = load(4), kPad = load(5);
    const kc0 = load(6), mc0 = load(7), ap = load(8) >>> 0, bp = load(9) >>> 0, c = load(10) >>> 0;
    const es = load(11), pack = load(12), src = load(13) >>> 0, rs = load(14), ps = load(15), m = load(16);
    const k = load(17), bChunks = load(18), bCols = load(19), bSrc = load(20) >>> 0, bRs = load(21);
    const bPs = load(22), n = load(23), need = load(24);
    const kernels = kernelsOf(module);
    if (kernels === undefined) return undefined;
    if (Atomics.compareExchange(ctl, CLAIM, word, word - 1) !== word) continue;
    // Chunks go out in order: B's first, then rows, the short last one last.
    const chunk = total - left;
    if (chunk < bChunks) {
      const j0 = chunk * bCols, j1 = Math.min(j0 + bCols, nPad);
      try {
        kernels.packB(bSrc + j0 * bRs * es, bRs, bPs, Math.min(j1, n) - j0, k, kPad, bp + j0 * kPad * es);
      } catch {
        Atomics.store(ctl, ERROR, 1);
      }
      if (Atomics.add(ctl, GATE, 1) + 1 === need) Atomics.notify(ctl, GATE);
    } else {
      // B's chunks were all taken before this one, by threads now running
      // them, and the caller stages A before it takes any chunk: no cycle.
      for (let g; (g = Atomics.load(ctl, GATE)) < need;) {
        try {
          Atomics.wait(ctl, GATE, g);
        } catch {
          // a thread that may not block (a browser's main thread) spins
        }
      }
      const r0 = (chunk - bChunks) * rows, r1 = Math.min(r0 + rows, mPad);
      try {
        const apChunk = ap + r0 * kPad * es;
        if (pack) kernels.packA(src + r0 * rs * es, rs, ps, Math.min(r1, m) - r0, k, kPad, apChunk);
        kernels.gemm(apChunk, bp, c + r0 * nPad * es, r1 - r0, nPad, kPad, kc0, mc0);
      } catch {
        Atomics.store(ctl, ERROR, 1);
      }
      Atomics.add(ctl, STATS + thread, 1);
      if (Atomics.add(ctl, DONE, 1) + 1 === total) Atomics.notify(ctl, DONE);
      Atomics.store(ctl, FLAGS + chunk - bChunks, 1);
      Atomics.notify(ctl, FLAGS + chunk - bChunks);
      continue;
    }
    Atomics.add(ctl, STATS + thread, 1);
    if (Atomics.add(ctl, DONE, 1) + 1 === total) Atomics.notify(ctl, DONE);
  }
}

/** What a worker's first message carries. */
export interface WorkerInit {
  /** The arena's shared memory. */
  readonly memory: WebAssembly.Memory;
  /** Where the control block's words are. */
  readonly control: ControlLayout;
  /** This worker's index (1, 2, …; the caller is 0). */
  readonly thread: number;
  /** The pool's EPOCH when it started this worker. */
  readonly epoch: number;
  /** The gemm modules so far, by id. */
  readonly modules: readonly (readonly [number, WebAssembly.Module])[];
}

/** A later message: one more module. */
export interface WorkerModule {
  /** Its id, as jobs name it. */
  readonly id: number;
  /** The compiled module, instantiated over the same memory. */
  readonly module: WebAssembly.Module;
}

/**
 * A worker's whole life: on the first message, instantiate the modules over
 * the shared memory, count itself in READY, then serve jobs until the pool
 * closes, sleeping in `Atomics.wait` between them. The worker's event loop runs only when a job
 * needs a module whose message has not been handled yet. `run` is
 * {@link runChunks}, passed in because this function is sent as text.
 *
 * The pool starts it as `(${workerMain})(${runChunks})`; a test runs it on
 * both runtimes.
 */
export function workerMain(run: typeof runChunks): void {
  type Port = { on(event: "message", f: (m: WorkerInit | WorkerModule) => void): void };
  const host = globalThis as unknown as { process: { getBuiltinModule(name: string): { parentPort: Port } } };
  const port = host.process.getBuiltinModule("node:worker_threads").parentPort;
  const kernels = new Map<number, ChunkKernels>();
  let memory: WebAssembly.Memory | undefined, ctl: Int32Array, init: WorkerInit;
  const add = (id: number, module: WebAssembly.Module) =>
    kernels.set(id, new WebAssembly.Instance(module, { env: { memory: memory! } }).exports as unknown as ChunkKernels);
  const serve = () => {
    for (;;) {
      if (Atomics.load(ctl, init.control.EPOCH) !== init.epoch) return; // closed: end
      const word = run(ctl, init.control, init.thread, (id) => kernels.get(id));
      // A module is on its way (posted before the job): let its message in.
      if (word === undefined) return void setTimeout(serve, 1);
      Atomics.wait(ctl, init.control.CLAIM, word);
    }
  };
  port.on("message", (m) => {
    if ("id" in m) return void add(m.id, m.module);
    init = m;
    memory = m.memory;
    ctl = new Int32Array(memory.buffer, 0, 1024);
    if (Atomics.load(ctl, m.control.EPOCH) !== m.epoch) return; // closed while starting
    for (const [id, module] of m.modules) add(id, module);
    Atomics.add(ctl, m.control.READY, 1);
    serve();
  });
}
