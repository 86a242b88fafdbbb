/**
 * `examples/notebooks/tour.ipynb` runs headless in Deno's Jupyter kernel
 * (`deno jupyter --install` into a temporary HOME, then `jupyter nbconvert
 * --to notebook --execute`) and its outputs hold what the tour promises: a
 * tensor as an HTML table, the model summary as an HTML table, the training
 * line, the loss curve and the decision boundary as SVG. Jupyter is a
 * requirement of the suite (`.ci/run` installs it): its absence fails here.
 */
import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { assert, describe, it } from "./lib/test.ts";
import { byClass, parseXml } from "./lib/xml.ts";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const tour = path.join(root, "examples", "notebooks", "tour.ipynb");
const deno = path.join(root, "node_modules", ".bin", "deno");

interface Output {
  readonly output_type: string;
  readonly data?: Readonly<Record<string, string | readonly string[]>>;
  readonly text?: string | readonly string[];
  readonly ename?: string;
  readonly evalue?: string;
}
interface Cell {
  readonly cell_type: string;
  readonly id: string;
  readonly source: string | readonly string[];
  readonly outputs?: readonly Output[];
  readonly execution_count?: number | null;
}
interface Notebook {
  readonly cells: readonly Cell[];
  readonly metadata: { readonly kernelspec?: { readonly name?: string } };
}

const joined = (s: string | readonly string[] | undefined): string => (typeof s === "string" ? s : (s ?? []).join(""));

const run = (cmd: string, args: string[], env: Record<string, string>) =>
  new Promise<{ code: number; out: string }>((resolve) => {
    execFile(cmd, args, { env: { ...process.env, ...env }, timeout: 240_000 }, (err, stdout, stderr) =>
      resolve({
        code: err === null ? 0 : typeof err.code === "number" ? err.code : 1,
        out: `${cmd} ${args.join(" ")}\n${stdout}${stderr}${err?.message ?? ""}`,
      }));
  });

describe("examples/notebooks/tour.ipynb", () => {
  it("is committed without outputs, for the Deno kernel", () => {
    const nb: Notebook = JSON.parse(fs.readFileSync(tour, "utf8"));
    assert.equal(nb.metadata.kernelspec?.name, "deno");
    const code = nb.cells.filter((c) => c.cell_type === "code");
    assert.ok(code.length >= 4, "the tour has code cells");
    for (const c of code) {
      assert.deepEqual(c.outputs, [], `cell ${c.id} has no stored outputs`);
      assert.equal(c.execution_count, null, `cell ${c.id} has no execution count`);
    }
  });

  it("executes headless and shows a tensor table, the summary table, the loss curve and the boundary", {
    timeout: 300_000,
  }, async () => {
    const version = await run("jupyter", ["nbconvert", "--version"], {});
    assert.equal(version.code, 0, `jupyter nbconvert is required (Debian jupyter-nbconvert): ${version.out}`);
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "dendrite-notebook-"));
    // deno jupyter --install writes into $HOME/.local/share/jupyter; a temporary HOME keeps the user's own kernels apart.
    const home = path.join(tmp, "home");
    fs.mkdirSync(home);
    const install = await run(deno, ["jupyter", "--install", "--force"], { HOME: home });
    assert.equal(install.code, 0, install.out);
    const dataDir = path.join(home, ".local", "share", "jupyter");
    assert.ok(fs.existsSync(path.join(dataDir, "kernels", "deno", "kernel.json")), install.out);
    const execute = async (attempt: number): Promise<Map<string, Cell>> => {
      const out = path.join(tmp, `tour.out.${attempt}.ipynb`);
      const exec = await run("jupyter", [
        "nbconvert",
        "--to",
        "notebook",
        "--execute",
        "--ExecutePreprocessor.timeout=240",
        tour,
        "--output",
        out,
      ], { JUPYTER_DATA_DIR: dataDir, JUPYTER_RUNTIME_DIR: path.join(tmp, "runtime"), NO_COLOR: "1" });
      assert.equal(exec.code, 0, exec.out);
      const nb: Notebook = JSON.parse(fs.readFileSync(out, "utf8"));
      return new Map(nb.cells.filter((c) => c.cell_type === "code").map((c) => [c.id, c]));
    };
    const shown = (c: Cell | undefined) =>
      (c?.outputs ?? []).filter((o) => o.output_type === "display_data" || o.output_type === "execute_result");
    const SHOWS = ["tensor", "summary", "loss", "boundary"];
    const assertNoErrors = (cells: Map<string, Cell>) => {
      for (const c of cells.values()) {
        const errors = (c.outputs ?? []).filter((o) => o.output_type === "error");
        assert.deepEqual(errors.map((o) => `${o.ename}: ${o.evalue}`), [], `cell ${c.id} ran without error`);
      }
    };
    let cells = await execute(1);
    assertNoErrors(cells); // an error is never retried away
    // Deno 2.9.6's headless kernel now and then loses a display message on its way to nbconvert, with no error
    // anywhere (seen in CI twice: a bare last expression's result, and once the boundary cell's awaited display);
    // such a run is repeated once, and said so.
    const lost = SHOWS.filter((id) => shown(cells.get(id)).length === 0);
    if (lost.length > 0) {
      console.warn(`notebook: the kernel delivered no display for cell(s) ${lost.join(", ")}; executing once more`);
      cells = await execute(2);
      assertNoErrors(cells);
    }
    const result = (id: string): Readonly<Record<string, string>> => {
      // Deno.jupyter.display sends display_data; a bare last expression would be an execute_result.
      const r = shown(cells.get(id));
      assert.equal(r.length, 1, `cell ${id} shows one result: ${JSON.stringify(cells.get(id)?.outputs)}`);
      return Object.fromEntries(Object.entries(r[0].data ?? {}).map(([k, v]) => [k, joined(v)]));
    };

    const t = result("tensor");
    assert.match(t["text/html"], /^<table class="dendrite-tensor"[^>]*><caption>float32\[2,3\]<\/caption>/);
    assert.equal(t["text/html"].match(/<tr>/g)?.length, 2);
    assert.equal(t["text/plain"], "Tensor(float32[2,3], [[1,-2,0.5],[3,0,-1]])");

    const s = result("summary");
    assert.match(s["text/html"], /^<table class="dendrite-summary"/);
    // mlp([32, 32, 2]) on 2 inputs: dense, relu, dense, relu, dense, with 96 + 1056 + 66 parameters
    assert.equal(s["text/html"].match(/<tbody>.*<\/tbody>/s)?.[0].match(/<tr>/g)?.length, 5);
    assert.match(s["text/html"], /Total params: 1,218 \(/);
    assert.match(s["text/plain"], /^Model: "mlp"\nInput shape: \[32,2\]/);

    const fit = joined((cells.get("fit")?.outputs ?? []).find((o) => o.output_type === "stream")?.text);
    const acc = Number(fit.match(/validation accuracy after 40 epochs: ([\d.]+) %/)?.[1]);
    assert.ok(acc >= 90, `the tour's model learns the spirals: ${fit}`);

    const loss = parseXml(result("loss")["image/svg+xml"]);
    const series = byClass(loss, "series");
    assert.deepEqual(series.map((e) => e.attrs["data-name"]), ["loss", "valLoss"]);
    for (const e of series) assert.equal(e.attrs.d.match(/[ML]/g)?.length, 40, "one point per epoch");
    assert.match(result("loss")["text/plain"], /^line chart "Two spirals: loss per epoch"/);

    const boundary = parseXml(result("boundary")["image/svg+xml"]);
    assert.equal(byClass(boundary, "point").length, 400);
    assert.ok(byClass(boundary, "cell").length > 0, "the boundary draws its grid of cells");
  });
});
