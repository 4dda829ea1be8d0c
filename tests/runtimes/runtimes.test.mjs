// The packed package in every runtime it supports, each importing it by name
// and running the same scenario (scenario.mjs) against a real emulator.
//
// `cargo xtask test runtimes` packs pkg/ and runs this file with:
//   RTK_PACKAGE_TARBALL  the `npm pack` tarball of the package
//   RTK_EMULATOR_BIN     the emulator binary
//   RTK_CHROMIUM         Debian's chromium (/usr/bin/chromium)
//   RTK_WORK_DIR         a scratch directory (emptied here)
//
// The app is laid out in RTK_WORK_DIR/app as a user's would be: a package.json
// that depends on the tarball, `npm install` (offline: the package has no
// dependencies), and the files of this directory. Everything talks to
// 127.0.0.1 only.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { cp, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { STEPS } from "./scenario.mjs";
import { required, run, startProcess, startEmulator, wranglerEnv } from "./support.mjs";

const HERE = fileURLToPath(new URL(".", import.meta.url));
const BIN = fileURLToPath(new URL("../node_modules/.bin/", import.meta.url));
/** Generous bound on a runtime's whole run, so a hang fails instead of blocking CI. */
const RUN_LIMIT_MS = 180_000;

const TARBALL = required("RTK_PACKAGE_TARBALL");
const EMULATOR_BIN = required("RTK_EMULATOR_BIN");
const WORK = required("RTK_WORK_DIR");
const CHROMIUM = required("RTK_CHROMIUM");
const APP = join(WORK, "app");
const WWW = join(APP, "www");
const INSTALLED = join(APP, "node_modules", "realtimekit-webhooks");

let emulator;
let baseURL;

before(async () => {
  await rm(WORK, { recursive: true, force: true });
  await mkdir(APP, { recursive: true });
  await writeFile(join(APP, "package.json"), JSON.stringify({
    name: "rtk-runtime-app",
    private: true,
    type: "module",
    dependencies: { "realtimekit-webhooks": `file:${TARBALL}` },
  }, null, 2));
  for (const file of ["scenario.mjs", "node-esm.mjs", "node-cjs.cjs", "deno.mjs", "node-modules.mjs", "node-modules.cjs", "deno-modules.mjs", "worker", "worker-modules", "bundle", "vite", "webpack"]) {
    await cp(join(HERE, file), join(APP, file), { recursive: true });
  }
  await mkdir(join(WWW, "bundle"), { recursive: true });
  await cp(join(HERE, "scenario.mjs"), join(WWW, "scenario.mjs"));
  await cp(join(HERE, "browser"), join(WWW, "browser"), { recursive: true });
  await cp(join(HERE, "bundle", "index.html"), join(WWW, "bundle", "index.html"));
  await cp(join(HERE, "bundle", "modules.html"), join(WWW, "bundle", "modules.html"));
  await expectSuccess("npm install", await run("npm", ["install", "--offline", "--no-audit", "--no-fund", "--no-package-lock"], { cwd: APP }));

  emulator = await startEmulator(EMULATOR_BIN, ["--www", WWW, "--pkg", INSTALLED]);
  baseURL = `${emulator.url}/client/v4`;
});

after(() => emulator?.stop());

test("Node ESM: import from the package name", { timeout: RUN_LIMIT_MS }, async () => {
  const result = await run(process.execPath, ["node-esm.mjs", baseURL], { cwd: APP });
  expectReport("node ESM", result);
});

test("Node CommonJS: require() of the package name", { timeout: RUN_LIMIT_MS }, async () => {
  const result = await run(process.execPath, ["node-cjs.cjs", baseURL], { cwd: APP });
  expectReport("node CommonJS", result);
});

test("Deno: import from the package name, with only --allow-net", { timeout: RUN_LIMIT_MS }, async () => {
  const host = new URL(emulator.url).host;
  const result = await run(join(BIN, "deno"), ["run", `--allow-net=${host}`, "deno.mjs", baseURL], {
    cwd: APP,
    env: { ...process.env, DENO_DIR: join(WORK, "deno-dir"), DENO_NO_UPDATE_CHECK: "1", NO_COLOR: "1" },
  });
  expectReport("deno", result);
});

test("the modules on their own (/client, /receive): Node ESM and CommonJS, Deno", { timeout: RUN_LIMIT_MS }, async () => {
  expectReport("node ESM (modules)", await run(process.execPath, ["node-modules.mjs", baseURL], { cwd: APP }));
  expectReport("node CommonJS (modules)", await run(process.execPath, ["node-modules.cjs", baseURL], { cwd: APP }));
  const host = new URL(emulator.url).host;
  expectReport("deno (modules)", await run(join(BIN, "deno"), ["run", `--allow-net=${host}`, "deno-modules.mjs", baseURL], {
    cwd: APP,
    env: { ...process.env, DENO_DIR: join(WORK, "deno-dir"), DENO_NO_UPDATE_CHECK: "1", NO_COLOR: "1" },
  }));
});

for (const [dir, runtime] of [["worker", "workerd"], ["worker-modules", "workerd (modules)"]]) {
  test(`${runtime}: a Worker bundled and served by \`wrangler dev --local\``, { timeout: RUN_LIMIT_MS }, async () => {
    const env = wranglerEnv(join(WORK, "wrangler-home"));
    const wrangler = startProcess(join(BIN, "wrangler"), [
      "dev", "--local", "--ip", "127.0.0.1", "--port", "0", "--show-interactive-dev-session=false",
      "--var", `RTK_BASE_URL:${baseURL}`,
    ], { cwd: join(APP, dir), env });
    try {
      const ready = await wrangler.waitFor(/Ready on (http:\/\/127\.0\.0\.1:\d+)/);
      const response = await fetch(ready[1]);
      const body = await response.text();
      assert.equal(response.status, 200, `the Worker failed:\n${body}\n\nwrangler said:\n${wrangler.output()}`);
      assert.deepEqual(JSON.parse(body), { runtime, steps: STEPS });
      assert.doesNotMatch(wrangler.output(), /Duplicate key|\[WARNING\]/, "wrangler's bundling of the package warns of nothing");
    } finally {
      await wrangler.stop();
    }
  });
}

test("Chromium", { timeout: 2 * RUN_LIMIT_MS }, async (t) => {
  const profile = await mkdtemp(join(WORK, "chromium-profile-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync",
    ],
  });
  try {
    await t.test("the browser entry, through an import map", async () => {
      const { report, requests } = await runPage(context, `${emulator.url}/browser/index.html`);
      assert.deepEqual(report, { runtime: "chromium (browser entry)", steps: STEPS });
      assert.ok(requests.includes(`${emulator.url}/pkg/realtimekit_webhooks_bg.wasm`), `the .wasm was loaded next to browser.js: ${requests.join(", ")}`);
    });

    await t.test("the modules (/client, /receive) through their browser entries", async () => {
      const { report, requests } = await runPage(context, `${emulator.url}/browser/modules.html`);
      assert.deepEqual(report, { runtime: "chromium (modules)", steps: STEPS });
      for (const wasm of ["client/realtimekit_webhooks_client_bg.wasm", "receive/realtimekit_webhooks_receive_bg.wasm"]) {
        assert.ok(requests.includes(`${emulator.url}/pkg/${wasm}`), `${wasm} was loaded: ${requests.join(", ")}`);
      }
    });

    await t.test("an app bundled with esbuild (--bundle --format=esm), the .wasm copied next to it", async () => {
      const out = join(WWW, "bundle");
      await expectSuccess("esbuild", await run(join(BIN, "esbuild"), [
        "bundle/app.mjs", "--bundle", "--format=esm", `--outfile=${join(out, "app.js")}`, "--log-level=warning",
      ], { cwd: APP }));
      await cp(join(INSTALLED, "realtimekit_webhooks_bg.wasm"), join(out, "realtimekit_webhooks_bg.wasm"));
      const { report, requests } = await runPage(context, `${emulator.url}/bundle/index.html`);
      assert.deepEqual(report, { runtime: "chromium (esbuild bundle)", steps: STEPS });
      const fromPkg = requests.filter((url) => url.startsWith(`${emulator.url}/pkg/`));
      assert.deepEqual(fromPkg, [], "the bundle needs nothing from the package's directory");
      assert.ok(requests.includes(`${emulator.url}/bundle/realtimekit_webhooks_bg.wasm`), `the .wasm was loaded next to the bundle: ${requests.join(", ")}`);
    });

    await t.test("an app of the three entries bundled with esbuild, each module's .wasm copied next to it", async () => {
      const out = join(WWW, "bundle");
      await expectSuccess("esbuild", await run(join(BIN, "esbuild"), [
        "bundle/modules.mjs", "--bundle", "--format=esm", `--outfile=${join(out, "modules.js")}`, "--log-level=warning",
      ], { cwd: APP }));
      const wasm = ["realtimekit_webhooks_bg.wasm", "client/realtimekit_webhooks_client_bg.wasm", "receive/realtimekit_webhooks_receive_bg.wasm"];
      for (const file of wasm) await cp(join(INSTALLED, file), join(out, basename(file)));
      const { report, requests } = await runPage(context, `${emulator.url}/bundle/modules.html`);
      assert.deepEqual(report, { runtime: "chromium (esbuild bundle of the modules)", steps: STEPS });
      assert.deepEqual(requests.filter((url) => url.startsWith(`${emulator.url}/pkg/`)), [], "the bundle needs nothing from the package's directory");
      for (const file of wasm) {
        assert.ok(requests.includes(`${emulator.url}/bundle/${basename(file)}`), `${basename(file)} was loaded next to the bundle: ${requests.join(", ")}`);
      }
    });

    await t.test("an app built by Vite 8 with no config", async () => {
      const out = join(WWW, "vite");
      await expectSuccess("vite build", await run(join(BIN, "vite"), ["build", "--base", "./", "--outDir", out, "--emptyOutDir", "--logLevel", "warn"], { cwd: join(APP, "vite") }));
      const { report, requests } = await runPage(context, `${emulator.url}/vite/index.html`);
      assert.deepEqual(report, { runtime: "chromium (Vite build)", steps: STEPS });
      assert.deepEqual(requests.filter((url) => url.startsWith(`${emulator.url}/pkg/`)), [], "the build needs nothing from the package's directory");
      assert.ok(requests.some((url) => url.startsWith(`${emulator.url}/vite/`) && url.endsWith(".wasm")), `Vite shipped the .wasm: ${requests.join(", ")}`);
    });

    await t.test("an app built by webpack 5 with no config", async () => {
      const out = join(WWW, "webpack");
      await expectSuccess("webpack", await run(join(BIN, "webpack"), ["--mode", "production", "--entry", "./webpack/app.mjs", "--output-path", out, "--no-stats"], { cwd: APP }));
      await cp(join(APP, "webpack", "index.html"), join(out, "index.html"));
      const { report, requests } = await runPage(context, `${emulator.url}/webpack/index.html`);
      assert.deepEqual(report, { runtime: "chromium (webpack build)", steps: STEPS });
      assert.deepEqual(requests.filter((url) => url.startsWith(`${emulator.url}/pkg/`)), [], "the build needs nothing from the package's directory");
      assert.ok(requests.some((url) => url.startsWith(`${emulator.url}/webpack/`) && url.endsWith(".wasm")), `webpack shipped the .wasm: ${requests.join(", ")}`);
    });
  } finally {
    await context.close();
    await rm(profile, { recursive: true, force: true });
  }
});

/** Opens `url`, waits for the page's `window.rtkResult`, and returns its report and the URLs it requested. */
async function runPage(context, url) {
  const page = await context.newPage();
  const requests = [];
  const console = [];
  page.on("request", (request) => requests.push(request.url()));
  page.on("console", (message) => console.push(`${message.type()}: ${message.text()}`));
  page.on("pageerror", (error) => console.push(`pageerror: ${error.stack ?? error}`));
  try {
    await page.goto(url);
    const handle = await page.waitForFunction(() => window.rtkResult, undefined, { timeout: RUN_LIMIT_MS });
    const result = await handle.jsonValue();
    assert.ok(result.ok, `${url} failed:\n${result.error}\n\nconsole:\n${console.join("\n")}`);
    return { report: result.report, requests };
  } finally {
    await page.close();
  }
}

/** Asserts that a runtime's process exited 0 and printed the full report. */
function expectReport(runtime, result) {
  const detail = `exit ${result.code}\nstdout:\n${result.stdout}\nstderr:\n${result.stderr}`;
  assert.equal(result.code, 0, `${runtime} failed: ${detail}`);
  const line = result.stdout.split("\n").find((l) => l.startsWith("RTK_RESULT "));
  assert.ok(line, `${runtime} printed no report: ${detail}`);
  assert.deepEqual(JSON.parse(line.slice("RTK_RESULT ".length)), { runtime, steps: STEPS });
}

async function expectSuccess(what, result) {
  assert.equal(result.code, 0, `${what} failed (exit ${result.code}):\n${result.stdout}\n${result.stderr}`);
}

