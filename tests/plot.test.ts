/**
 * Tests of plot/: every SVG parses as strict XML (tests/lib/xml.ts, itself
 * tested here on malformed input), and each chart draws what it was given:
 * one curve per series, one dot per point, legend entries named after the
 * series, tick labels that bracket the data, NaN gaps, escaped titles, one
 * image per grid cell with its label, decision regions of the right class.
 */
import { readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { assert, describe, fc, it } from "./lib/test.ts";
import { byClass, findAll, parseXml, textOf, type XmlElement, XmlError } from "./lib/xml.ts";
import { ShapeError, type Tensor, tensor, ValueError } from "../mod.ts";
import * as plot from "../plot/mod.ts";
import { PALETTE } from "../plot/palette.ts";

const svgOf = (p: plot.Plot): XmlElement => {
  const root = parseXml(p.svg);
  assert.equal(root.name, "svg");
  return root;
};
const names = (root: XmlElement, cls: string) => byClass(root, cls).map((e) => e.attrs["data-name"]);
const legend = (root: XmlElement) => byClass(root, "legend-entry").map(textOf);
const ticks = (root: XmlElement, axis: "x" | "y") =>
  byClass(root, "tick").filter((e) => e.attrs.class.split(" ").includes(axis)).map((e) => Number(textOf(e)));
const title = (root: XmlElement) => byClass(root, "title").map(textOf);

describe("tests/lib/xml.ts", () => {
  it("parses elements, attributes, entities, self-closing tags, comments and a prolog", () => {
    const r = parseXml(
      `<?xml version="1.0"?><!-- c --><a x='1' y="&lt;&amp;&#62;&#x41;"><b/>t &quot;u&quot;<c k="v">w</c></a>\n`,
    );
    assert.equal(r.name, "a");
    assert.deepEqual(r.attrs, { x: "1", y: "<&>A" });
    assert.equal(r.children.length, 3);
    assert.deepEqual(r.children[0], { name: "b", attrs: {}, children: [] });
    assert.equal(r.children[1], 't "u"');
    assert.equal(textOf(r), 't "u"w');
    assert.deepEqual(findAll(r, (e) => e.name === "c").map((e) => e.attrs.k), ["v"]);
  });
  const bad: [string, RegExp][] = [
    ["<a>", /unclosed element <a>/],
    ["<a></b>", /<\/b> closes <a>/],
    ["<a x=1/>", /attribute x must be quoted/],
    ['<a x="1" x="2"/>', /duplicate attribute x/],
    ["<a>&</a>", /bare '&'/],
    ["<a>&nbsp;</a>", /unknown entity '&nbsp;'/],
    ['<a x="<"/>', /bare '<'/],
    ["<a/><b/>", /content after the root element/],
    ["text", /expected '<'/],
    ['<a x="1"y="2"/>', /expected whitespace before an attribute/],
    ["<a><!-- x</a>", /unclosed comment/],
    ["", /expected '<'/],
  ];
  for (const [src, msg] of bad) {
    it(`rejects ${JSON.stringify(src)}`, () => {
      assert.throws(() => parseXml(src), (e: unknown) => e instanceof XmlError && msg.test(e.message));
    });
  }
});

describe("lineChart", () => {
  it("draws one named curve per series, a legend of the series names, and ticks that bracket the data", () =>
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.double({ min: -1e4, max: 1e4, noNaN: true }), { minLength: 1, maxLength: 40 }), {
          minLength: 1,
          maxLength: 4,
        }),
        (ys) => {
          const series = ys.map((y, i) => ({ name: `s${i}`, y }));
          const root = svgOf(plot.lineChart({ series }));
          assert.deepEqual(names(root, "series"), series.map((s) => s.name));
          assert.deepEqual(legend(root), series.length > 1 ? series.map((s) => s.name) : []);
          const yt = ticks(root, "y");
          const all = ys.flat();
          assert.ok(yt.length >= 2, "at least two y ticks");
          // Labels carry 12 significant digits, so allow that much rounding.
          const lo = Math.min(...all);
          const hi = Math.max(...all);
          const tol = 1e-9 * Math.max(Math.abs(lo), Math.abs(hi));
          assert.ok(Math.min(...yt) <= lo + tol && Math.max(...yt) >= hi - tol, `${yt} brackets the data`);
          const xt = ticks(root, "x");
          assert.ok(Math.min(...xt) <= 0 && Math.max(...xt) >= Math.max(...ys.map((y) => y.length - 1)));
          // Tick labels are distinct and increasing: a 1-2-5 step never repeats a label.
          for (let i = 1; i < yt.length; i++) assert.ok(yt[i] > yt[i - 1]);
        },
      ),
      { numRuns: 60 },
    ));

  it("leaves a gap at NaN: the curve restarts (two M commands) and the NaN point has no dot", () => {
    const root = svgOf(plot.lineChart({ series: [{ name: "a", y: [1, 2, NaN, 3, 4] }] }));
    const [path] = byClass(root, "series");
    assert.equal(path.attrs.d.match(/M/g)?.length, 2);
    assert.equal(byClass(root, "point").length, 4);
  });

  it("draws an empty series as nothing and a constant series on a non-empty range", () => {
    const root = svgOf(plot.lineChart({ series: [{ name: "empty", y: [] }, { name: "flat", y: [3, 3, 3] }] }));
    assert.deepEqual(byClass(root, "series").map((e) => e.attrs.d === ""), [true, false]);
    const yt = ticks(root, "y");
    assert.ok(Math.min(...yt) < 3 && Math.max(...yt) > 3, `${yt} around 3`);
    for (const e of byClass(root, "point")) assert.ok(Number.isFinite(Number(e.attrs.cy)));
  });

  it("escapes titles, labels and names, which read back unchanged", () => {
    const nasty = `a<b & "c" 'd'>`;
    const root = svgOf(
      plot.lineChart({
        series: [{ name: nasty, y: [1] }, { name: "x", y: [2] }],
        title: nasty,
        xLabel: nasty,
        yLabel: "<&>",
      }),
    );
    assert.deepEqual(title(root), [nasty]);
    assert.deepEqual(byClass(root, "xlabel").map(textOf), [nasty]);
    assert.deepEqual(byClass(root, "ylabel").map(textOf), ["<&>"]);
    assert.deepEqual(legend(root), [nasty, "x"]);
    assert.deepEqual(names(root, "series"), [nasty, "x"]);
  });

  it("uses x values, takes tensors, and puts a log axis on powers of ten", () => {
    const root = svgOf(plot.lineChart({
      series: [{ name: "l", x: tensor([10, 20, 30]), y: tensor([[100], [1], [0.05]]) }],
      logY: true,
    }));
    assert.deepEqual(ticks(root, "y"), [0.01, 0.1, 1, 10, 100]);
    const xt = ticks(root, "x");
    assert.ok(Math.min(...xt) <= 10 && Math.max(...xt) >= 30);
  });

  it("rejects x and y of different lengths, and tensors of rank 2 wider than 1", () => {
    assert.throws(
      () => plot.lineChart({ series: [{ name: "a", x: [1, 2], y: [1] }] }),
      (e: unknown) => e instanceof ValueError && /series\[0\] \("a"\) has 2 x values but 1 y values/.test(e.message),
    );
    assert.throws(
      () => plot.lineChart({ series: [{ name: "a", y: tensor([[1, 2]]) }] }),
      (e: unknown) =>
        e instanceof ShapeError && /series\[0\]\.y must have shape \[n\] or \[n,1\], got \[1,2\]/.test(e.message),
    );
  });

  it("is deterministic", () => {
    const o = { series: [{ name: "a", y: [0.1, 0.7, 0.3] }], title: "t" };
    assert.equal(plot.lineChart(o).svg, plot.lineChart(o).svg);
  });
});

describe("historyChart", () => {
  it("draws each history entry against epochs 1..n; a val entry dashed in its training entry's colour", () => {
    const root = svgOf(plot.historyChart({ loss: [1, 0.5, 0.2], valLoss: [1.1, 0.6, 0.4], accuracy: [0.5, 0.7, 0.9] }));
    const paths = byClass(root, "series");
    assert.deepEqual(paths.map((p) => p.attrs["data-name"]), ["loss", "valLoss", "accuracy"]);
    assert.equal(paths[0].attrs.stroke, paths[1].attrs.stroke);
    assert.notEqual(paths[0].attrs.stroke, paths[2].attrs.stroke);
    assert.deepEqual(paths.map((p) => "stroke-dasharray" in p.attrs), [false, true, false]);
    assert.deepEqual(legend(root), ["loss", "valLoss", "accuracy"]);
    assert.deepEqual(byClass(root, "xlabel").map(textOf), ["epoch"]);
    const xt = ticks(root, "x");
    assert.ok(Math.min(...xt) <= 1 && Math.max(...xt) >= 3);
  });

  it("draws only the chosen keys and names a missing one", () => {
    const h = { loss: [1, 0.5], accuracy: [0.5, 0.6] };
    assert.deepEqual(names(svgOf(plot.historyChart(h, { keys: ["accuracy"] })), "series"), ["accuracy"]);
    assert.throws(
      () => plot.historyChart(h, { keys: ["valLoss"] }),
      (e: unknown) => e instanceof ValueError && /no history entry "valLoss"; entries: loss, accuracy/.test(e.message),
    );
  });
});

describe("fitChart", () => {
  it("draws one dot per data point and one curve per fit, by increasing x", () => {
    const x = tensor([3, 0, 2, 1]);
    const root = svgOf(plot.fitChart({
      data: { x, y: tensor([2.9, 0.1, 2.2, 0.8]) },
      fits: [{ name: "linear", x, y: x }, { name: "zero", x: [0, 3], y: [0, 0] }],
      title: "fits",
    }));
    assert.equal(byClass(root, "point").length, 4);
    assert.deepEqual(names(root, "series"), ["linear", "zero"]);
    assert.deepEqual(legend(root), ["data", "linear", "zero"]);
    const xs = [...byClass(root, "series")[0].attrs.d.matchAll(/[ML](-?[\d.]+) /g)].map((m) => Number(m[1]));
    assert.equal(xs.length, 4);
    for (let i = 1; i < xs.length; i++) assert.ok(xs[i] > xs[i - 1], "sorted by x");
  });
});

describe("scatter", () => {
  it("draws every point in its class's group and colour, with a legend of class names", () => {
    const root = svgOf(plot.scatter({
      x: tensor([[0, 0], [1, 1], [2, 0], [5, 5]]),
      labels: tensor([0, 2, 2, 1], { dtype: "int32" }),
      classNames: ["T-shirt", "Trouser"],
    }));
    const groups = byClass(root, "class");
    assert.deepEqual(groups.map((g) => g.attrs["data-name"]), ["T-shirt", "Trouser", "class 2"]);
    assert.deepEqual(groups.map((g) => byClass(g, "point").length), [1, 1, 2]);
    assert.deepEqual(groups.map((g) => byClass(g, "point")[0].attrs.fill), PALETTE.slice(0, 3));
    assert.deepEqual(legend(root), ["T-shirt", "Trouser", "class 2"]);
  });

  it("rejects labels that are not class indices", () => {
    assert.throws(
      () => plot.scatter({ x: [[0, 0]], labels: [0.5] }),
      (e: unknown) => e instanceof ValueError && /labels\[0\] is 0.5; expected an integer ≥ 0/.test(e.message),
    );
  });
});

describe("decisionBoundary", () => {
  const x = tensor([[-1, -1], [-0.5, 1], [1, 0.5], [0.8, -1]]);
  const y = tensor([0, 0, 1, 1], { dtype: "int32" });
  // Cells that lie wholly left or right of x = 0 (in pixels).
  const sides = (root: XmlElement) => {
    const zero = (() => {
      const t = byClass(root, "tick").find((e) => e.attrs.class === "tick x" && textOf(e) === "0");
      return Number(findAll(t!, (e) => e.name === "line")[0].attrs.x1);
    })();
    const cells = byClass(root, "cell");
    // Within a pixel: cells overlap their neighbours a little to hide seams.
    const left = cells.filter((c) => Number(c.attrs.x) + Number(c.attrs.width) <= zero + 1);
    const right = cells.filter((c) => Number(c.attrs.x) >= zero - 0.01);
    return { left, right, cells };
  };
  it("colours class-score regions by the highest score and draws the points on top", () => {
    const predict = (g: Tensor) => {
      const d = g.toTypedArray();
      return tensor(Float32Array.from({ length: d.length }, (_, i) => (i % 2 === 0 ? -d[i - (i % 2)] : d[i - 1])), {
        shape: [g.shape[0], 2],
      });
    };
    const root = svgOf(plot.decisionBoundary({ predict, x, y, resolution: 20, classNames: ["neg", "pos"] }));
    assert.equal(byClass(root, "point").length, 4);
    assert.deepEqual(legend(root), ["neg", "pos"]);
    const { left, right, cells } = sides(root);
    assert.ok(left.length > 0 && right.length > 0);
    assert.equal(new Set(left.map((c) => c.attrs.fill)).size, 1);
    assert.equal(new Set(right.map((c) => c.attrs.fill)).size, 1);
    assert.notEqual(left[0].attrs.fill, right[0].attrs.fill);
    // Runs of one class merge: at most two rectangles per row of 20 cells.
    assert.ok(cells.length <= 40, `${cells.length} cells`);
  });

  it("shades probabilities [m] and [m,1] alike, calling predict once on a [res*res, 2] grid", () => {
    const seen: number[][] = [];
    const predict = (shape: "m" | "m1") => (g: Tensor) => {
      seen.push([...g.shape]);
      const d = g.toTypedArray();
      const p = Float32Array.from({ length: g.shape[0] }, (_, i) => (d[2 * i] > 0 ? 1 : 0));
      return tensor(p, { shape: shape === "m" ? [g.shape[0]] : [g.shape[0], 1] });
    };
    const a = plot.decisionBoundary({ predict: predict("m"), x, y, resolution: 12 });
    const b = plot.decisionBoundary({ predict: predict("m1"), x, y, resolution: 12 });
    assert.equal(a.svg, b.svg);
    assert.deepEqual(seen, [[144, 2], [144, 2]]);
    const { left, right } = sides(svgOf(a));
    assert.notEqual(left[0].attrs.fill, right[0].attrs.fill);
  });

  it("names the expected shapes when predict returns something else", () => {
    assert.throws(
      () => plot.decisionBoundary({ predict: () => tensor([1, 2]), x, y, resolution: 4 }),
      (e: unknown) =>
        e instanceof ShapeError &&
        /predict must return \[16\], \[16,1\] or \[16,k\] for a grid of \[16,2\], got \[2\]/.test(e.message),
    );
  });
});

describe("imageGrid", () => {
  it("draws n embedded PNG cells in rows of `columns`, each with its label", () => {
    const n = 5;
    const images = tensor(Float32Array.from({ length: n * 6 * 4 }, (_, i) => (i % 7) / 6), { shape: [n, 6, 4, 1] });
    const labels = ["a", "<b>", "c", "d", "e"];
    const root = svgOf(plot.imageGrid({ images, labels, columns: 2, cellSize: 12, title: "grid" }));
    const cells = byClass(root, "cell");
    assert.equal(cells.length, n);
    for (const c of cells) {
      const uri = c.attrs["xlink:href"];
      assert.match(uri, /^data:image\/png;base64,/);
      const png = Uint8Array.from(atob(uri.slice(22)), (ch) => ch.charCodeAt(0));
      const view = new DataView(png.buffer);
      // Upscaled by whole pixels: 12 / 6 = 2, so 8 × 12.
      assert.deepEqual([view.getUint32(16), view.getUint32(20)], [8, 12]);
    }
    assert.deepEqual(byClass(root, "label").map(textOf), labels);
    assert.deepEqual(new Set(cells.map((c) => c.attrs.x)).size, 2, "two columns");
    assert.deepEqual(new Set(cells.map((c) => c.attrs.y)).size, 3, "three rows");
    assert.deepEqual(title(root), ["grid"]);
  });

  it("rejects images of the wrong rank and a wrong number of labels", () => {
    assert.throws(
      () => plot.imageGrid({ images: tensor([[1, 2]]) }),
      (e: unknown) =>
        e instanceof ShapeError && /images must have shape \[n,h,w\] or \[n,h,w,1\], got \[1,2\]/.test(e.message),
    );
    assert.throws(
      () => plot.imageGrid({ images: tensor(new Float32Array(8), { shape: [2, 2, 2] }), labels: ["x"] }),
      (e: unknown) => e instanceof ValueError && /labels has 1 entries for 2 images/.test(e.message),
    );
  });
});

describe("Plot", () => {
  it("saves its SVG, prints as it, and displays in Jupyter as image/svg+xml with a text description", () => {
    const p = plot.historyChart({ loss: [1, 0.5] });
    const path = p.save(join(tmpdir(), `plot_test_${process.pid}.svg`));
    assert.equal(readFileSync(path, "utf8"), p.svg);
    assert.equal(String(p), p.svg);
    assert.equal(plot.JUPYTER_DISPLAY, Symbol.for("Jupyter.display"));
    const bundle = p[plot.JUPYTER_DISPLAY]();
    assert.deepEqual(Object.keys(bundle).sort(), ["image/svg+xml", "text/plain"]);
    assert.equal(bundle["image/svg+xml"], p.svg);
    assert.equal(bundle["text/plain"], 'line chart "Training history": loss (2)');
  });
});
