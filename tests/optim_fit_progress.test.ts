/**
 * Tests of optim/progress.ts and of `fit`'s display: on a terminal, `\r`
 * redraws of one line with the running loss, steps/s and ETA, at most one
 * per `intervalMs`, then one finished line per epoch; elsewhere exactly one
 * plain line per epoch; `progress: false` or a custom display; and the
 * default sink writes to standard error in a child process on this runtime.
 */
import { spawnSync } from "node:child_process";
import process from "node:process";
import { assert, describe, it } from "./lib/test.ts";
import { add, matmul, mean, optim, random, square, sub, type Tensor, tensor, zeros } from "../mod.ts";

const capture = (isTTY: boolean) => {
  const sink = {
    isTTY,
    text: "",
    write(s: string) {
      this.text += s;
    },
  };
  return sink;
};
type Linear = { readonly w: Tensor; readonly b: Tensor };
const problem = (n: number) => {
  const x = random.uniform(random.key(0), [n, 2]);
  return { x, y: add(matmul(x, tensor([[1], [2]])), 1) };
};
const loss = (p: Linear, x: Tensor, y: Tensor) => mean(square(sub(add(matmul(x, p.w), p.b), y)));
const init = () => ({ w: zeros([2, 1]), b: zeros([1]) });

describe("progressBar on a terminal", () => {
  it("redraws in place with loss, steps/s and ETA, at a bounded rate", () => {
    const sink = capture(true);
    let now = 0;
    let reads = 0;
    const p = optim.progressBar({ sink, clock: () => now, intervalMs: 100, barWidth: 10 });
    p.epochStart(0, 3, 100);
    for (let i = 1; i <= 100; i++) {
      now += 10; // 10 ms per step: 100 steps/s
      p.step(i, () => (reads++, 0.25));
    }
    const draws = sink.text.split("\r").filter((s) => s !== "");
    // One draw at step 1, then one per 100 ms (steps 11, 21, …, 91): 10 in 100 steps, never more.
    assert.equal(draws.length, 10);
    assert.equal(reads, 10, "the loss is read only to draw");
    assert.equal(draws[0], "epoch 1/3 [>---------] 1/100  loss 0.2500  100.0 steps/s  ETA 1s\x1b[K");
    assert.equal(draws[5], "epoch 1/3 [=====>----] 51/100  loss 0.2500  100.0 steps/s  ETA 0s\x1b[K");
    for (const d of draws) {
      assert.ok(d.endsWith("\x1b[K"), "each redraw clears the rest of the line");
      assert.match(
        d.slice(0, -3),
        /^epoch 1\/3 \[[=>-]{10}\] \d+\/100 {2}loss 0\.2500 {2}100\.0 steps\/s {2}ETA \d+s$/,
      );
    }
    p.epochEnd({ loss: 0.25, valLoss: 0.5 });
    assert.ok(
      sink.text.endsWith("\repoch 1/3 [==========] 100/100  1.0s  100.0 steps/s  loss 0.2500  valLoss 0.5000\x1b[K\n"),
    );
    assert.equal(sink.text.split("\n").length, 2, "one finished line per epoch");
  });

  it("ETA in minutes and hours for slow epochs", () => {
    const sink = capture(true);
    let now = 0;
    const p = optim.progressBar({ sink, clock: () => now });
    p.epochStart(0, 1, 1000);
    now = 2000; // 2 s per step
    p.step(1, () => 1);
    assert.match(sink.text, /ETA 33m18s/); // 999 steps × 2 s = 1998 s
    p.epochStart(0, 1, 10000);
    now += 2000;
    p.step(1, () => 1);
    assert.match(sink.text, /ETA 5h33m/); // 9999 × 2 s = 19998 s
  });
});

describe("progressBar elsewhere (CI, pipes)", () => {
  it("one plain line per epoch and no carriage return", () => {
    const sink = capture(false);
    let now = 0;
    const p = optim.progressBar({ sink, clock: () => now });
    for (let e = 0; e < 3; e++) {
      p.epochStart(e, 3, 20);
      for (let i = 1; i <= 20; i++) {
        now += 50;
        p.step(i, () => {
          throw new Error("the loss is not read when nothing is drawn");
        });
      }
      p.epochEnd({ loss: 1 / (e + 1), accuracy: 0.5 });
    }
    assert.ok(!sink.text.includes("\r"));
    assert.deepEqual(sink.text.split("\n"), [
      "epoch 1/3  20 steps  1.0s  20.0 steps/s  loss 1.0000  accuracy 0.5000",
      "epoch 2/3  20 steps  1.0s  20.0 steps/s  loss 0.5000  accuracy 0.5000",
      "epoch 3/3  20 steps  1.0s  20.0 steps/s  loss 0.3333  accuracy 0.5000",
      "",
    ]);
  });

  it("formatValue keeps small and large figures readable", () => {
    assert.deepEqual(
      [1.23456, 0.001, 9.99e-4, 12345.6, -0.5, NaN, Infinity].map(optim.formatValue),
      ["1.2346", "0.0010", "9.990e-4", "1.235e+4", "-0.5000", "NaN", "Infinity"],
    );
  });
});

describe("fit's display", () => {
  it("non-TTY: one line per epoch with the history's figures", () => {
    const sink = capture(false);
    const r = optim.fit({
      params: init(),
      loss,
      optimizer: optim.sgd(0.2),
      data: problem(64),
      validation: problem(16),
      batchSize: 16,
      epochs: 3,
      progress: { sink },
    });
    const lines = sink.text.trimEnd().split("\n");
    assert.equal(lines.length, 3);
    lines.forEach((line, e) => {
      assert.match(line, new RegExp(`^epoch ${e + 1}/3  4 steps  `));
      assert.ok(
        line.endsWith(
          `loss ${optim.formatValue(r.history.loss[e])}  valLoss ${optim.formatValue(r.history.valLoss[e])}`,
        ),
      );
    });
  });

  it("TTY: live redraws with the running loss and ETA, one finished line per epoch", () => {
    const sink = capture(true);
    optim.fit({
      params: init(),
      loss,
      optimizer: optim.sgd(0.2),
      data: problem(64),
      batchSize: 8,
      epochs: 2,
      progress: { sink, intervalMs: 0 },
    });
    assert.equal(sink.text.split("\n").length, 3);
    const redraws = sink.text.split("\r").filter((s) => s.includes("ETA"));
    assert.equal(redraws.length, 16, "intervalMs 0: a redraw every step");
    assert.match(redraws[0], /^epoch 1\/2 \[.*\] 1\/8 {2}loss \d\.\d{4} {2}.* steps\/s {2}ETA /);
  });

  it("a custom display hears every epoch and step; progress: false calls nothing", () => {
    const calls: string[] = [];
    const r = optim.fit({
      params: init(),
      loss,
      optimizer: optim.sgd(0.2),
      data: problem(20),
      batchSize: 8,
      epochs: 2,
      progress: {
        epochStart: (e, n, steps) => calls.push(`start ${e}/${n} ${steps}`),
        step: (done, running) => calls.push(`step ${done} ${running().toFixed(6)}`),
        epochEnd: (logs) => calls.push(`end ${logs.loss.toFixed(6)}`),
      },
    });
    assert.equal(calls.length, 2 * (1 + 3 + 1));
    assert.equal(calls[0], "start 0/2 3");
    assert.equal(calls[4], `end ${r.history.loss[0].toFixed(6)}`);
    assert.equal(
      calls[3].split(" ")[2],
      r.history.loss[0].toFixed(6),
      "the running loss at the last step is the epoch's",
    );
    assert.deepEqual(
      optim.fit({ params: init(), loss, optimizer: optim.sgd(0.2), data: problem(8), progress: false }).history.loss
        .length,
      1,
    );
  });
});

describe("stderrSink", () => {
  it("the default display writes plain lines to standard error when it is a pipe", () => {
    const mod = new URL("../mod.ts", import.meta.url).href;
    const code = `import { optim, zeros, mean, square, sub } from "${mod}";
      optim.fit({ params: { w: zeros([1]) }, loss: (p, x) => mean(square(sub(x, p.w))), optimizer: optim.sgd(0.1),
        data: { x: zeros([4, 1]), y: zeros([4]) }, batchSize: 2, epochs: 2 });
      console.log("done");`;
    const isBun = (globalThis as { Bun?: unknown }).Bun !== undefined;
    const args = isBun ? ["-e", code] : ["eval", "--ext=ts", code];
    const out = spawnSync(process.execPath, args, { encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });
    assert.equal(out.status, 0, out.stderr);
    assert.equal(out.stdout.trim(), "done");
    const lines = out.stderr.trimEnd().split("\n");
    assert.equal(lines.length, 2, out.stderr);
    assert.match(lines[0], /^epoch 1\/2 {2}2 steps {2}.*loss 0\.0000$/);
    assert.ok(!out.stderr.includes("\r"));
    assert.equal(typeof optim.stderrSink().isTTY, "boolean");
  });
});
