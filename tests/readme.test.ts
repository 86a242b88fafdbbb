/**
 * Every `ts` code block of the README runs as written and prints what the README
 * says: the `text` block right after it, when there is one, is its expected
 * standard output (exactly, after trimming); a block without one must print
 * nothing. Each block runs in its own process of the runtime running this test
 * (so `deno test` runs them on Deno and `bun test` on Bun), from a file under
 * build/ whose `./` imports are rewritten to reach the repository root.
 */
import { execFile } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { assert, describe, it } from "./lib/test.ts";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const runtime = "Bun" in globalThis ? "bun" : "deno";

interface Block {
  readonly line: number;
  readonly code: string;
  readonly expected: string;
}

/** The `ts` code blocks of a Markdown text, each with the `text` block that follows it (or ""). */
export const tsBlocks = (markdown: string): Block[] => {
  const lines = markdown.split("\n");
  const fence = (from: number): { body: string; end: number } => {
    let end = from + 1;
    while (end < lines.length && lines[end] !== "```") end++;
    return { body: lines.slice(from + 1, end).join("\n"), end };
  };
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i] !== "```ts") continue;
    const { body, end } = fence(i);
    let next = end + 1;
    while (next < lines.length && lines[next].trim() === "") next++;
    const expected = lines[next] === "```text" ? fence(next).body : "";
    blocks.push({ line: i + 1, code: body, expected: expected.trim() });
    i = end;
  }
  return blocks;
};

const run = (args: string[]) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    const bin = path.join(root, "node_modules", ".bin", runtime);
    execFile(
      bin,
      args,
      { cwd: root, env: { ...process.env, NO_COLOR: "1" }, timeout: 120_000 },
      (err, stdout, stderr) =>
        resolve({ code: err === null ? 0 : typeof err.code === "number" ? err.code : 1, stdout, stderr }),
    );
  });

describe("README", () => {
  const blocks = tsBlocks(fs.readFileSync(path.join(root, "README.md"), "utf8"));

  it("has ts blocks, and the extractor pairs a block with the text block after it", () => {
    assert.ok(blocks.length >= 5, `${blocks.length} blocks`);
    assert.deepEqual(tsBlocks("a\n```ts\nconsole.log(1)\n```\n\n```text\n1\n```\n```ts\nx\n```\n"), [
      { line: 2, code: "console.log(1)", expected: "1" },
      { line: 9, code: "x", expected: "" },
    ]);
  });

  const dir = path.join(root, "build", `readme-${runtime}`);
  const fileOf = (block: Block) => {
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `block_${block.line}.ts`);
    fs.writeFileSync(file, block.code.replaceAll(`from "./`, `from "../../`) + "\n");
    return file;
  };

  if (runtime === "deno") {
    it("every ts block type-checks (deno check, all blocks in one run)", { timeout: 150_000 }, async () => {
      const r = await run(["check", "-q", ...blocks.map(fileOf)]);
      assert.equal(r.code, 0, `${r.stdout}${r.stderr}`);
    });
  }

  for (const block of blocks) {
    it(`the ts block at README.md:${block.line} runs on ${runtime} and prints what the README says`, {
      timeout: 150_000,
    }, async () => {
      const file = fileOf(block);
      const r = await run(runtime === "deno" ? ["run", "-A", file] : [file]);
      assert.equal(r.code, 0, `README.md:${block.line} exited ${r.code}\n${r.stdout}${r.stderr}`);
      assert.equal(r.stdout.trim(), block.expected, `README.md:${block.line} printed something else`);
    });
  }
});
