// Bundle size: what a webhooks-only app ships.
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
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { brotliCompressSync, gzipSync, constants } from "node:zlib";

const ENTRIES = new URL("./entries/", import.meta.url);
const WASM = "realtimekit_webhooks_bg.wasm";

/**
 * The published files a browser loads: the package's JS and wasm `files`
 * less the other runtimes' entries (every target of `exports["."]` but the
 * browser one), the subpath entries (realtimekit-webhooks/d1, /postgres:
 * Workers and Node only) and the command line (`bin`).
 * The size budget of `cargo xtask test pack` counts these too.
 */
export function browserFiles(pkgDir) {
  const manifest = JSON.parse(readFileSync(join(pkgDir, "package.json"), "utf8"));
  const targets = (value) => (typeof value === "string" ? [value] : Object.values(value ?? {}).flatMap(targets));
  const { ".": main, ...subpaths } = manifest.exports;
  const { browser, default: fallback, ...others } = main;
  const skip = new Set([...targets(others), ...targets(subpaths), ...targets(manifest.bin)].map((t) => t.replace(/^\.\//, "")));
  for (const t of targets({ browser, default: fallback })) skip.delete(t.replace(/^\.\//, ""));
  // What a browser can load: the JS and the wasm (not the types, the licences, the README, the D1 migrations).
  return manifest.files.filter((f) => !skip.has(f) && /\.(js|wasm)$/.test(f));
}

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
  const wasm = files[WASM];
  const js = sizes(bundle(esbuild, work, "ours"));
  const sdk = sizes(bundle(esbuild, work, "sdk"));
  return {
    ours: {
      wasm,
      js,
      total: sum([wasm, js]),
      published: { files, total: sum(Object.values(files)) },
    },
    sdk,
  };
}
