/**
 * Tests of the notebook displays (`[Symbol.for("Jupyter.display")]()`): a
 * tensor gives an HTML table (truncated for large tensors, parsed as strict
 * XML) and its `toString()`; a plot gives its SVG and a description.
 */
import { assert, describe, it } from "./lib/test.ts";
import { byClass, findAll, parseXml, textOf } from "./lib/xml.ts";
import { tensor, zeros } from "../mod.ts";
import * as plot from "../plot/mod.ts";

describe("Tensor display", () => {
  it("shows a matrix as a table with a dtype/shape caption, and toString as plain text", () => {
    const t = tensor([[1, 2.5], [3, -4]]);
    const b = t[plot.JUPYTER_DISPLAY]();
    assert.deepEqual(Object.keys(b).sort(), ["text/html", "text/plain"]);
    assert.equal(b["text/plain"], t.toString());
    const table = parseXml(b["text/html"]);
    assert.equal(table.name, "table");
    assert.deepEqual(findAll(table, (e) => e.name === "caption").map(textOf), ["float32[2,2]"]);
    const rows = findAll(table, (e) => e.name === "tr").map((r) => r.children.map((c) => textOf(c as never)));
    assert.deepEqual(rows, [["1", "2.5"], ["3", "-4"]]);
  });

  it("truncates a large matrix to its first and last rows and columns", () => {
    const b = zeros([1000, 500])[plot.JUPYTER_DISPLAY]();
    const table = parseXml(b["text/html"]);
    const rows = findAll(table, (e) => e.name === "tr");
    assert.equal(rows.length, 17);
    for (const r of rows) assert.equal(r.children.length, 17);
    assert.equal(textOf(rows[8]).replaceAll("…", ""), "");
    assert.equal(b["text/plain"], "Tensor(float32[1000,500])");
  });

  it("shows a vector as one row, bool as true/false, and rank 3 as its text", () => {
    const v = parseXml(tensor([true, false])[plot.JUPYTER_DISPLAY]()["text/html"]);
    assert.deepEqual(findAll(v, (e) => e.name === "td").map(textOf), ["true", "false"]);
    const b3 = zeros([2, 2, 2])[plot.JUPYTER_DISPLAY]();
    assert.match(b3["text/html"], /<caption>float32\[2,2,2\]<\/caption>/);
    assert.match(b3["text/html"], /<pre>Tensor\(float32\[2,2,2\], /);
  });
});

describe("Plot display", () => {
  it("gives the SVG as image/svg+xml and a description as text/plain", () => {
    const p = plot.scatter({ x: [[0, 1], [2, 3]], labels: [0, 1] });
    const b = p[plot.JUPYTER_DISPLAY]();
    assert.deepEqual(Object.keys(b).sort(), ["image/svg+xml", "text/plain"]);
    assert.equal(byClass(parseXml(b["image/svg+xml"]), "point").length, 2);
    assert.equal(b["text/plain"], "scatter: 2 points, 2 classes");
  });
});
