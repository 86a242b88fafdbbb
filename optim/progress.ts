/**
 * The progress display of `fit` (usable by hand-written loops too). On a
 * terminal it is one live line per epoch, redrawn in place with `\r` at a
 * bounded rate: a bar, the running loss, steps per second and the time
 * left. Anywhere else (CI logs, pipes, files) it prints one plain line per
 * epoch, so logs stay readable. It writes to a sink, which tests replace.
 *
 * @module
 */
import { writeSync } from "node:fs";
import process from "node:process";

/** Where progress text goes, and whether it is a terminal (which allows redrawing a line). */
export interface ProgressSink {
  /** Writes `text` as it is (no newline added). */
  write(text: string): void;
  /** Whether the sink is a terminal. */
  readonly isTTY: boolean;
}

interface DenoStderr {
  readonly stderr: { isTerminal(): boolean; writeSync(p: Uint8Array): number };
}

/**
 * Standard error as a sink. The write is synchronous (a training loop never
 * yields to the event loop, so buffered asynchronous output would only
 * appear at the end). A terminal is detected with `Deno.stderr.isTerminal()`
 * on Deno and `process.stderr.isTTY` (`node:process`) elsewhere.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { optim } from "../mod.ts";
 * assert.equal(typeof optim.stderrSink().isTTY, "boolean");
 * ```
 */
export const stderrSink = (): ProgressSink => {
  const deno = (globalThis as { Deno?: DenoStderr }).Deno;
  if (deno !== undefined) {
    const enc = new TextEncoder();
    return {
      isTTY: deno.stderr.isTerminal(),
      write: (text) => {
        const bytes = enc.encode(text);
        for (let off = 0; off < bytes.length;) off += deno.stderr.writeSync(bytes.subarray(off));
      },
    };
  }
  return { isTTY: process.stderr?.isTTY === true, write: (text) => void writeSync(2, text) };
};

/** Options of `progressBar`. */
export interface ProgressOptions {
  /** Where to write (default: standard error, `stderrSink()`). */
  readonly sink?: ProgressSink;
  /** Live line (true) or one line per epoch (false); default: whether the sink is a terminal. */
  readonly tty?: boolean;
  /** The least time between two redraws of the live line, in ms (default 100). */
  readonly intervalMs?: number;
  /** The clock in ms (default `performance.now`); tests pass a fake one. */
  readonly clock?: () => number;
  /** The bar's width in characters (default 20). */
  readonly barWidth?: number;
}

/** What a training loop tells its progress display. */
export interface Progress {
  /** Epoch `epoch` (0-based) of `epochs` begins; it has `steps` steps. */
  epochStart(epoch: number, epochs: number, steps: number): void;
  /** `done` steps of this epoch are finished; `loss()` reads the running loss (called only to draw). */
  step(done: number, loss: () => number): void;
  /** The epoch ended with these figures (loss, validation loss, metrics, in display order). */
  epochEnd(logs: Readonly<Record<string, number>>): void;
}

/** A display that shows nothing (`progress: false`). */
export const silentProgress: Progress = { epochStart: () => {}, step: () => {}, epochEnd: () => {} };

/**
 * A number as the display shows it: four decimals in [0.001, 10⁴), four
 * significant digits in exponent form elsewhere (so a loss of 3e-7 does not
 * read 0.0000).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { optim } from "../mod.ts";
 * assert.equal(optim.formatValue(0.123456), "0.1235");
 * assert.equal(optim.formatValue(3e-7), "3.000e-7");
 * assert.equal(optim.formatValue(0), "0.0000");
 * ```
 */
export const formatValue = (v: number): string => {
  const a = Math.abs(v);
  return a === 0 || (a >= 1e-3 && a < 1e4) || !Number.isFinite(v) ? v.toFixed(4) : v.toExponential(3);
};

const formatDuration = (s: number): string => {
  if (!Number.isFinite(s)) return "?";
  const t = Math.round(s);
  if (t < 60) return `${t}s`;
  if (t < 3600) return `${Math.floor(t / 60)}m${String(t % 60).padStart(2, "0")}s`;
  return `${Math.floor(t / 3600)}h${String(Math.floor((t % 3600) / 60)).padStart(2, "0")}m`;
};

/**
 * The standard display: a live, redrawn line on a terminal, one line per
 * epoch otherwise (see the module doc).
 *
 * @example Capturing the plain output
 * ```ts
 * import assert from "node:assert/strict";
 * import { optim } from "../mod.ts";
 * let out = "";
 * let now = 0;
 * const p = optim.progressBar({ sink: { isTTY: false, write: (s) => (out += s) }, clock: () => now });
 * p.epochStart(0, 2, 10);
 * for (let i = 1; i <= 10; i++) { now += 50; p.step(i, () => 0.5); }
 * p.epochEnd({ loss: 0.5, valLoss: 0.625 });
 * assert.equal(out, "epoch 1/2  10 steps  0.5s  20.0 steps/s  loss 0.5000  valLoss 0.6250\n");
 * ```
 */
export const progressBar = (opts: ProgressOptions = {}): Progress => {
  const sink = opts.sink ?? stderrSink();
  const tty = opts.tty ?? sink.isTTY;
  const interval = opts.intervalMs ?? 100;
  const clock = opts.clock ?? (() => performance.now());
  const width = opts.barWidth ?? 20;
  let epoch = 0, epochs = 0, steps = 0, done = 0, t0 = 0, lastDraw = -Infinity;

  const head = () => `epoch ${epoch + 1}/${epochs}`;
  const bar = (k: number) => {
    const fill = steps === 0 ? width : Math.min(width, Math.floor((k / steps) * width));
    const body = fill >= width ? "=".repeat(width) : "=".repeat(fill) + ">" + "-".repeat(width - fill - 1);
    return `[${body}] ${k}/${steps}`;
  };
  const rate = (k: number, now: number) => (now > t0 ? k / ((now - t0) / 1000) : NaN);
  const rateText = (r: number) => (Number.isFinite(r) ? `${r.toFixed(1)} steps/s` : "– steps/s");

  return {
    epochStart: (e, total, n) => {
      [epoch, epochs, steps, done, t0, lastDraw] = [e, total, n, 0, clock(), -Infinity];
    },
    step: (k, loss) => {
      done = k;
      if (!tty) return;
      const now = clock();
      if (now - lastDraw < interval) return;
      lastDraw = now;
      const r = rate(k, now);
      const eta = k >= steps ? "0s" : Number.isFinite(r) && r > 0 ? formatDuration((steps - k) / r) : "?";
      sink.write(`\r${head()} ${bar(k)}  loss ${formatValue(loss())}  ${rateText(r)}  ETA ${eta}\x1b[K`);
    },
    epochEnd: (logs) => {
      const now = clock();
      const figures = Object.entries(logs).map(([k, v]) => `${k} ${formatValue(v)}`).join("  ");
      const timing = `${((now - t0) / 1000).toFixed(1)}s  ${rateText(rate(done, now))}`;
      if (tty) sink.write(`\r${head()} ${bar(done)}  ${timing}  ${figures}\x1b[K\n`);
      else sink.write(`${head()}  ${done} steps  ${timing}  ${figures}\n`);
    },
  };
};
