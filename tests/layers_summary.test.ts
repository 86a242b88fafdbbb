/**
 * `paramCount` (the sizes of a tree's tensor leaves) and `summary` (a
 * Keras-style table): the whole text for an MLP; rows of nested containers;
 * state counted as non-trainable (batch norm); sizes in bytes by dtype;
 * containers whose children do not chain shown as one row; errors.
 */
import { assert, describe, it } from "./lib/test.ts";
import { layers, ones, random, ValueError, zeros } from "../mod.ts";
import { type Layer, statelessLayer } from "../layers/mod.ts";
import { JUPYTER_DISPLAY } from "../core/display.ts";
import { inspect } from "node:util";

describe("paramCount", () => {
  it("adds the sizes of the tensor leaves of any tree", () => {
    assert.equal(layers.paramCount({}), 0);
    assert.equal(layers.paramCount([]), 0);
    assert.equal(layers.paramCount({ a: zeros([2, 3]), b: [zeros([4]), { c: zeros([]) }], d: null }), 11);
    assert.equal(layers.paramCount(zeros([0, 5])), 0);
  });

  it("counts an MLP's weights and biases: Σ (in·out + out)", () => {
    const { params } = layers.mlp([64, 32, 10]).init(random.key(0), [1, 784]);
    assert.equal(layers.paramCount(params), 784 * 64 + 64 + 64 * 32 + 32 + 32 * 10 + 10);
  });
});

describe("summary", () => {
  it("prints Keras's table for an MLP (the whole text)", () => {
    const text = layers.summary(layers.mlp([64, 10]), [32, 784]).text;
    const expected = [
      'Model: "mlp"',
      "Input shape: [32,784]",
      "_".repeat(39),
      " Layer (type)     Output Shape  Param #",
      "=".repeat(39),
      " dense (dense)    [32,64]        50,240",
      " relu (relu)      [32,64]             0",
      " dense_1 (dense)  [32,10]           650",
      "=".repeat(39),
      "Total params: 50,890 (198.79 KB)",
      "Trainable params: 50,890 (198.79 KB)",
      "Non-trainable params: 0 (0.00 B)",
      "_".repeat(39),
    ].join("\n");
    assert.equal(text, expected);
  });

  it("counts state (batch-norm statistics) as non-trainable, in the rows and the totals", () => {
    const model = layers.sequential([layers.dense(8), layers.batchNorm(), layers.relu, layers.dense(1)], {
      name: "net",
    });
    const text = layers.summary(model, [16, 4]).text;
    assert.match(text, /^Model: "net"\nInput shape: \[16,4\]/);
    assert.match(text, /\n batchNorm \(batchNorm\) +\[16,8\] +32\n/); // scale, bias (16) + mean, var (16)
    const trainable = 4 * 8 + 8 + 16 + 8 + 1;
    assert.match(text, new RegExp(`Total params: ${trainable + 16} \\(${((trainable + 16) * 4).toFixed(2)} B\\)`));
    assert.match(text, new RegExp(`\nTrainable params: ${trainable} \\(`));
    assert.match(text, /\nNon-trainable params: 16 \(64\.00 B\)/);
  });

  it("lists nested containers' layers, indented, under the container's own row", () => {
    const block = layers.sequential([layers.dense(3), layers.tanh], { name: "block" });
    const text = layers.summary(layers.sequential([block, block, layers.flatten()]), [2, 5]).text;
    const rows = text.split("\n").slice(5, 12);
    assert.deepEqual(rows.map((r) => r.replace(/(\S) {2,}/g, "$1 | ")), [
      " block (block) | [2,3] | 18",
      "   dense (dense) | [2,3] | 18",
      "   tanh (tanh) | [2,3] | 0",
      " block_1 (block) | [2,3] | 12",
      "   dense_1 (dense) | [2,3] | 12",
      "   tanh_1 (tanh) | [2,3] | 0",
      " flatten (flatten) | [2,3] | 0",
    ]);
  });

  it("shows a leaf model, or a container whose children do not chain, as one row", () => {
    assert.match(
      layers.summary(layers.conv2d(8, 3), [1, 28, 28, 1]).text,
      /\n conv2d \(conv2d\) +\[1,26,26,8\] +80\n=/,
    );
    const inner = layers.dense(4);
    // a container that applies its child to each half of the features: [n, 6] → [n, 8]
    const halves: Layer = statelessLayer({
      name: "halves",
      children: [inner],
      init: (k, [n]) => ({ params: { d: inner.init(k, [n, 3]).params }, state: {}, outputShape: [n, 8] }),
      apply: () => zeros([1]),
    });
    const text = layers.summary(halves, [2, 6]).text;
    assert.match(text, /\n halves \(halves\) +\[2,8\] +16\n=/);
    assert.doesNotMatch(text, /dense/);
  });

  it("sizes follow the dtypes (8 bytes for float64) and the units of 1024", () => {
    const f64: Layer = statelessLayer({
      name: "custom",
      init: (_k, s) => ({ params: { w: ones([128, 2], { dtype: "float64" }) }, state: {}, outputShape: s }),
      apply: (_p, x) => x,
    });
    assert.match(layers.summary(f64, [1]).text, /Total params: 256 \(2\.00 KB\)/);
    assert.match(layers.summary(layers.dense(1000), [1, 1000]).text, /Total params: 1,001,000 \(3\.82 MB\)/);
  });

  it("numbers a layer type's repeats as Keras does (dense, dense_1, …) and names plain functions", () => {
    const model = layers.sequential([layers.dense(2), layers.dense(2), (x) => x, layers.dense(2)]);
    const text = layers.summary(model, [1, 2]).text;
    for (const name of ["dense (dense)", "dense_1 (dense)", "function (function)", "dense_2 (dense)"]) {
      assert.ok(text.includes(` ${name} `), name);
    }
  });

  it("holds the table as data: rows, totals, frozen", () => {
    const block = layers.sequential([layers.dense(3), layers.tanh], { name: "block" });
    const s = layers.summary(layers.sequential([block, layers.batchNorm()], { name: "net" }), [2, 5]);
    assert.equal(s.model, "net");
    assert.deepEqual(s.inputShape, [2, 5]);
    assert.deepEqual(s.rows, [
      { name: "block", type: "block", outputShape: [2, 3], params: 18, depth: 1 },
      { name: "dense", type: "dense", outputShape: [2, 3], params: 18, depth: 2 },
      { name: "tanh", type: "tanh", outputShape: [2, 3], params: 0, depth: 2 },
      { name: "batchNorm", type: "batchNorm", outputShape: [2, 3], params: 12, depth: 1 },
    ]);
    assert.deepEqual(s.totals, {
      total: 30,
      trainable: 24,
      nonTrainable: 6,
      totalBytes: 120,
      trainableBytes: 96,
      nonTrainableBytes: 24,
    });
    assert.ok(Object.isFrozen(s) && Object.isFrozen(s.rows) && Object.isFrozen(s.rows[0]));
    assert.equal(s.rows.reduce((n, r) => n + (r.depth === 1 ? r.params : 0), 0), s.totals.total);
  });

  it("prints its text through toString, console inspection and template strings", () => {
    const s = layers.summary(layers.mlp([4, 1]), [8, 2]);
    assert.equal(String(s), s.text);
    assert.equal(`${s}`, s.text);
    assert.equal(inspect(s), s.text);
    const deno = (globalThis as { Deno?: { inspect(v: unknown): string } }).Deno;
    if (deno !== undefined) assert.equal(deno.inspect(s), s.text);
  });

  it("displays in a notebook as an HTML table with one row per layer, and the text as plain text", () => {
    const s = layers.summary(
      layers.sequential([layers.dense(3), layers.sequential([layers.dense(1)], { name: "<b>" })]),
      [
        1,
        2,
      ],
    );
    const b = s[JUPYTER_DISPLAY]();
    assert.deepEqual(Object.keys(b).sort(), ["text/html", "text/plain"]);
    assert.equal(b["text/plain"], s.text);
    const html = b["text/html"];
    assert.equal(html.match(/<tbody>.*<\/tbody>/)?.[0].match(/<tr>/g)?.length, s.rows.length);
    assert.match(html, /<td>dense \(dense\)<\/td><td>\[1,3\]<\/td><td style="text-align:right">9<\/td>/);
    assert.match(html, /<td>&lt;b&gt; \(&lt;b&gt;\)<\/td>/); // names are escaped
    assert.match(html, /&nbsp;&nbsp;dense_1 \(dense\)/); // nested rows indented
    assert.match(html, /Total params: 13 \(52\.00 B\)/);
  });

  it("a bad input shape is a ValueError naming summary", () => {
    assert.throws(
      () => layers.summary(layers.dense(1), [2, -1]),
      (e) => e instanceof ValueError && /summary/.test(e.message),
    );
  });
});
