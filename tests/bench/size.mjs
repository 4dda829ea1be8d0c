// Bundle size: what each kind of user loads (entryFiles: the package's
// name, /client, /receive), and what a webhooks-only app ships:
//
// - ours: the package's `.wasm`, plus its JavaScript (the browser entry
//   and all it imports: the wasm-bindgen glue, errors.js, ...) bundled and
//   minified by esbuild from entries/ours.mjs; and the files a browser
//   loads as published (minified by the build), which is what ships;
// - the official SDK: `createClient` + `BaseWebhooks` from its tree-shakable
//   entry (entries/sdk.mjs), bundled and minified by esbuild the same way.
//
// Every file is compressed on its own (gzip level 9, brotli quality 11, as a
// server or CDN would), and the sizes are summed.
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync } from "node:fs";
import { join, posix } from "node:path";
import { fileURLToPath } from "node:url";
import { brotliCompressSync, gzipSync, constants } from "node:zlib";

const ENTRIES = new URL("./entries/", import.meta.url);
const WASM = "realtimekit_webhooks_bg.wasm";

/**
 * The published files a runtime loads through an entry of the package: the
 * file `exports[subpath]` names for `condition` (as a bundler or runtime
 * resolves it), then, each once, every file it imports (static imports and
 * re-exports, the .wasm it imports or fetches: `new URL("./x.wasm",
 * import.meta.url)`). The size budget of `cargo xtask test pack` counts these too.
 */
export function entryFiles(pkgDir, subpath = ".", condition = "browser") {
  const manifest = JSON.parse(readFileSync(join(pkgDir, "package.json"), "utf8"));
  const pick = (value) => {
    if (typeof value === "string") return value;
    for (const key of [condition, "import", "default"]) if (value?.[key] !== undefined) return pick(value[key]);
    throw new Error(`exports[${JSON.stringify(subpath)}] has no ${condition} entry`);
  };
  const seen = new Set();
  const queue = [posix.normalize(pick(manifest.exports[subpath]))];
  while (queue.length > 0) {
    const file = queue.shift();
    if (seen.has(file)) continue;
    seen.add(file);
    if (!file.endsWith(".js")) continue;
    const text = readFileSync(join(pkgDir, file), "utf8");
    for (const [, from, url] of text.matchAll(/(?:\bfrom|\bimport)\s*["'](\.[^"']+)["']|new URL\(\s*["'](\.[^"']+)["']/g)) {
      queue.push(posix.normalize(posix.join(posix.dirname(file), from ?? url)));
    }
  }
  return [...seen];
}

/** What a browser loads of the package's name (the entry of both modules). */
export const browserFiles = (pkgDir) => entryFiles(pkgDir, ".", "browser");

/**
 * What each kind of user loads: a browser app that uses everything (the
 * package's name), one that only manages webhooks (/client), and a Worker
 * that only receives (/receive, as workerd resolves it).
 */
export const USERS = {
  both: { subpath: ".", condition: "browser", what: "a browser app that manages and receives (the package's name)" },
  client: { subpath: "./client", condition: "browser", what: "a browser app that only manages webhooks (/client)" },
  receive: { subpath: "./receive", condition: "workerd", what: "a Worker that only receives (/receive)" },
};

/** Raw, gzip and brotli sizes of some bytes. */
export function sizes(bytes) {
  return {
    raw: bytes.length,
    gzip: gzipSync(bytes, { level: 9 }).length,
    brotli: brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
  };
}

function sum(list) {
  return list.reduce((a, b) => ({ raw: a.raw + b.raw, gzip: a.gzip + b.gzip, brotli: a.brotli + b.brotli }), { raw: 0, gzip: 0, brotli: 0 });
}

function bundle(esbuild, dir, name) {
  const entry = fileURLToPath(new URL(`${name}.mjs`, ENTRIES));
  const out = join(dir, `${name}.min.js`);
  execFileSync(esbuild, [entry, "--bundle", "--minify", "--format=esm", "--platform=browser", `--outfile=${out}`, "--log-level=error"], {
    stdio: ["ignore", "inherit", "inherit"],
  });
  return readFileSync(out);
}

/** Measures both; the bundles are written to `work`. */
export function measureSizes({ pkgDir, esbuild, work }) {
  mkdirSync(work, { recursive: true });
  const files = Object.fromEntries(browserFiles(pkgDir).map((f) => [f, sizes(readFileSync(join(pkgDir, f)))]));
  const users = Object.fromEntries(Object.entries(USERS).map(([key, { subpath, condition, what }]) => {
    const loaded = Object.fromEntries(entryFiles(pkgDir, subpath, condition).map((f) => [f, sizes(readFileSync(join(pkgDir, f)))]));
    return [key, { what, files: loaded, total: sum(Object.values(loaded)) }];
  }));
  const wasm = files[WASM];
  const js = sizes(bundle(esbuild, work, "ours"));
  const sdk = sizes(bundle(esbuild, work, "sdk"));
  return {
    ours: {
      wasm,
      js,
      total: sum([wasm, js]),
      published: { files, total: sum(Object.values(files)) },
      users,
    },
    sdk,
  };
}
