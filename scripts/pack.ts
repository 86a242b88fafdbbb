/**
 * Builds the npm package: `deno run -A scripts/pack.ts` (or `npm run pack`)
 * writes `build/dendrite-<version>.tgz`.
 *
 * Why a build: the sources import npm packages as Deno's full `npm:`
 * specifiers (`npm:fp-ts@2.16.11/lib/Either.js`), which is what a module
 * imported by URL needs, and which Bun resolves only through this
 * repository's own tsconfig paths. An installed package has neither, so the
 * build
 *   1. copies the library's sources (no tests, benches, examples or scripts)
 *      to `build/src/`, rewriting each `npm:` specifier to the bare one
 *      (`fp-ts/lib/Either.js`) that any package manager resolves;
 *   2. compiles them with `tsc` to `build/pkg/dist/`: JavaScript with `.js`
 *      import paths, and declarations, so that a consumer's strict tsconfig
 *      (Bun's default has `noUncheckedIndexedAccess`) sees only `.d.ts`
 *      files, never our sources;
 *   3. writes a package.json with the runtime dependencies only (no dev tools:
 *      the pinned deno, bun and typescript stay here) and runs `npm pack`.
 *
 * @module
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const build = path.join(root, "build");
const src = path.join(build, "src");
const pkg = path.join(build, "pkg");

/** The folders that make up the library (what `mod.ts` and `testing/mod.ts` reach). */
const LIBRARY = [
  "core",
  "backends",
  "layers",
  "losses",
  "optim",
  "data",
  "metrics",
  "classic",
  "io",
  "plot",
  "testing",
];

/** `npm:name@version/sub/path` → `name/sub/path` (scoped names too). */
export const bareSpecifier = (source: string): string =>
  source.replace(
    /(["'])npm:((?:@[^/@"']+\/)?[^/@"']+)@[^/"']+(\/[^"']*)?\1/g,
    (_m, q: string, name: string, sub: string | undefined) => `${q}${name}${sub ?? ""}${q}`,
  );

const copySources = (from: string, to: string): void => {
  fs.mkdirSync(to, { recursive: true });
  for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
    const a = path.join(from, entry.name);
    const b = path.join(to, entry.name);
    if (entry.isDirectory()) copySources(a, b);
    else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".test.ts")) {
      fs.writeFileSync(b, bareSpecifier(fs.readFileSync(a, "utf8")));
    }
  }
};

const main = (): void => {
  const manifest = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8"));
  for (const dir of [src, pkg]) fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(src, { recursive: true });
  fs.writeFileSync(path.join(src, "mod.ts"), bareSpecifier(fs.readFileSync(path.join(root, "mod.ts"), "utf8")));
  for (const dir of LIBRARY) {
    if (fs.existsSync(path.join(root, dir))) copySources(path.join(root, dir), path.join(src, dir));
  }
  fs.writeFileSync(
    path.join(src, "tsconfig.json"),
    JSON.stringify(
      {
        compilerOptions: {
          target: "ES2022",
          module: "ESNext",
          moduleResolution: "bundler",
          lib: ["ES2023", "DOM"], // web APIs both runtimes have (DecompressionStream, TextDecoder)
          strict: true,
          declaration: true,
          rewriteRelativeImportExtensions: true,
          skipLibCheck: true,
          types: ["node"],
          typeRoots: [path.join(root, "node_modules", "@types")],
          rootDir: ".",
          outDir: path.join(pkg, "dist"),
        },
        include: ["**/*.ts"],
      },
      null,
      2,
    ),
  );
  execFileSync(path.join(root, "node_modules", ".bin", "tsc"), ["-p", path.join(src, "tsconfig.json")], {
    stdio: "inherit",
  });
  const entry = (name: string) => ({ types: `./dist/${name}.d.ts`, default: `./dist/${name}.js` });
  const published = {
    name: manifest.name,
    version: manifest.version,
    description: manifest.description,
    type: "module",
    exports: { ".": entry("mod"), "./testing": entry("testing/mod") },
    types: "./dist/mod.d.ts",
    files: ["dist", "README.md"],
    dependencies: manifest.dependencies,
  };
  fs.writeFileSync(path.join(pkg, "package.json"), JSON.stringify(published, null, 2) + "\n");
  fs.copyFileSync(path.join(root, "README.md"), path.join(pkg, "README.md"));
  const out = execFileSync("npm", ["pack", "--silent", "--pack-destination", build], { cwd: pkg, encoding: "utf8" });
  console.log(path.join(build, out.trim().split("\n").at(-1)!));
};

if (import.meta.main) {
  main();
  process.exit(0);
}
