// `cargo xtask bench`: this package against the official SDK and against
// fetch + JSON.parse, side by side, in one run.
//
//   node --expose-gc tests/bench/bench.mjs [--quick] [--out FILE]
//
// The package is imported by name, so it measures whatever the name resolves
// to: `cargo xtask bench` copies pkg/ to target/bench/pkg/ and links
// tests/bench/node_modules/realtimekit-webhooks to the copy (without it, the
// name resolves through tests/node_modules to pkg/ itself).
// Every contender talks HTTP over loopback to server.mjs, a separate process
// with prebuilt replies. Rounds interleave the contenders (the order rotates
// from round to round, a GC before each batch); each figure is the median of
// the round values with their spread (25th–75th percentile), and ratios are
// per-round ratios, summarised the same way.
// The table goes to stdout, progress to stderr, and everything measured to
// FILE as JSON (default target/bench/results.json). Nothing here fails on a
// slow figure: targets are printed as MET or NOT MET.
import { execFileSync, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import { dirname, join, relative } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { contenders, NAMES } from "./contenders.mjs";
import { APP, HOOK_ID } from "./fixtures.mjs";
import { measureSizes } from "./size.mjs";
import { interleaved, pairedRatio, pool, summary } from "./stats.mjs";
import { verifyBatch, verifyContenders } from "./verify.mjs";
import { coldStart, findWorkerd, prepareWorkers } from "./workerd.mjs";

const HERE = fileURLToPath(new URL(".", import.meta.url));
const ROOT = join(HERE, "..", "..");
/** The package measured: `cargo xtask bench` points the name at a copy of pkg/. */
const PKG = dirname(fileURLToPath(import.meta.resolve("realtimekit-webhooks")));
const WORK = join(ROOT, "target", "bench");
const ESBUILD = join(ROOT, "tests", "node_modules", ".bin", "esbuild");

const args = process.argv.slice(2);
const QUICK = args.includes("--quick");
const OUT = args.includes("--out") ? args[args.indexOf("--out") + 1] : join(WORK, "results.json");

/** How much of everything; --quick is for trying the harness, not for figures. */
const PLAN = QUICK
  ? { rounds: 3, get: 100, listC64: 500, list1000: 5, verify: 200, coldRounds: 3, workerdRounds: 3, loadWarm: 500, loadCalls: 2000 }
  : { rounds: 21, get: 300, listC64: 1000, list1000: 15, verify: 500, coldRounds: 15, workerdRounds: 15, loadWarm: 1000, loadCalls: 10_000 };
const LIST_SMALL = 10;
const LIST_LARGE = 1000;
const CONCURRENCY = 64;
const LOAD_CONCURRENCY = 256;

const TARGETS = {
  getVsFetch: 1.1,
  getVsSdk: 0.75,
  list1000VsSdk: 1.0,
  instantiateMs: 4,
  /** What each kind of user loads, as published, gzipped (size.mjs USERS): one module each (issue 21). */
  clientOnlyGzipBytes: 50_000,
  receiveOnlyGzipBytes: 45_000,
  /** The package's name, both sides: no larger than before the split (79 713 bytes, one module). */
  bothGzipBytes: 79_713,
  /** Verifying a delivery, CPU: no slower than before issue 13 (µs). */
  verifyCpuMicros: 277,
};

const STARTED = performance.now();
const progress = (text) => process.stderr.write(`bench [${((performance.now() - STARTED) / 1000).toFixed(0).padStart(3)} s]: ${text}\n`);

// ---------------------------------------------------------------- the server

async function startServer() {
  const child = spawn(process.execPath, [join(HERE, "server.mjs")], { stdio: ["ignore", "pipe", "inherit"] });
  const lines = createInterface({ input: child.stdout });
  const [first] = await once(lines, "line");
  const match = /^bench server listening on (http:\/\/\S+)$/.exec(first ?? "");
  if (!match) {
    child.kill();
    throw new Error(`the bench server did not start: ${first}`);
  }
  lines.on("line", () => {});
  const url = match[1];
  return {
    url,
    baseURL: `${url}/client/v4`,
    requests: async () => (await (await fetch(`${url}/__stats`)).json()).requests,
    reset: () => fetch(`${url}/__stats/reset`, { method: "POST" }).then((r) => r.text()),
    stop: () => child.kill(),
  };
}

// ---------------------------------------------------------------- sections

/** 10 000 calls at concurrency 256: failures, and the wasm memory (also returned, to read it later). */
async function loadAndMemory(server, ours) {
  // The module instance the package entry initialised: initSync on an
  // initialised module returns its exports, memory included.
  const glue = await import(new URL("./realtimekit_webhooks.js", import.meta.resolve("realtimekit-webhooks")));
  const memory = glue.initSync().memory;
  const client = ours.forApp("list-1");
  const call = async () => {
    const hooks = await client.list();
    if (hooks.length !== 1) throw new Error("wrong list");
  };
  const atStart = memory.buffer.byteLength;
  progress(`load: ${PLAN.loadWarm} warm-up calls, then ${PLAN.loadCalls} at concurrency ${LOAD_CONCURRENCY}`);
  const warmFailures = await pool(PLAN.loadWarm, LOAD_CONCURRENCY, call);
  const afterWarmUp = memory.buffer.byteLength;
  await server.reset();
  const start = performance.now();
  const failures = await pool(PLAN.loadCalls, LOAD_CONCURRENCY, call);
  const ms = performance.now() - start;
  const requests = await server.requests();
  const afterLoad = memory.buffer.byteLength;
  const result = {
    calls: PLAN.loadCalls,
    concurrency: LOAD_CONCURRENCY,
    failures: failures + warmFailures,
    requests,
    ms,
    callsPerSecond: (PLAN.loadCalls / ms) * 1000,
    memory: { atStart, afterWarmUp, afterLoad, growth: afterLoad - afterWarmUp },
  };
  return { result, memory };
}

async function speed(server, all) {
  const get = Object.fromEntries(all.map((c) => [c.key, c.forApp(APP)]));
  const small = Object.fromEntries(all.map((c) => [c.key, c.forApp(`list-${LIST_SMALL}`)]));
  const large = Object.fromEntries(all.map((c) => [c.key, c.forApp(`list-${LIST_LARGE}`)]));
  const check = (what, value, key) => {
    if (!value || (Array.isArray(value) ? value.length !== what : value.id !== what)) {
      throw new Error(`${NAMES[key]} returned a wrong value for ${what}: ${JSON.stringify(value).slice(0, 200)}`);
    }
  };

  progress("warm-up");
  for (const c of all) {
    for (let i = 0; i < PLAN.get / 2; i++) check(HOOK_ID, await get[c.key].get(HOOK_ID), c.key);
    const failures = await pool(PLAN.listC64 / 4, CONCURRENCY, async () => check(LIST_SMALL, await small[c.key].list(), c.key));
    if (failures) throw new Error(`${NAMES[c.key]}: ${failures} calls of list failed or returned a wrong value in the warm-up`);
    for (let i = 0; i < Math.max(3, PLAN.list1000 / 2); i++) check(LIST_LARGE, await large[c.key].list(), c.key);
  }
  await server.reset();
  let expected = 0;

  progress(`get, sequential: ${PLAN.rounds} rounds of ${PLAN.get} calls each`);
  const getMs = await interleaved(PLAN.rounds, all, async (c) => {
    const client = get[c.key];
    const start = performance.now();
    for (let i = 0; i < PLAN.get; i++) await client.get(HOOK_ID);
    expected += PLAN.get;
    return (performance.now() - start) / PLAN.get;
  });

  progress(`list of ${LIST_SMALL} at concurrency ${CONCURRENCY}: ${PLAN.rounds} rounds of ${PLAN.listC64} calls each`);
  const listC64 = await interleaved(PLAN.rounds, all, async (c) => {
    const client = small[c.key];
    const start = performance.now();
    const failures = await pool(PLAN.listC64, CONCURRENCY, () => client.list());
    expected += PLAN.listC64;
    if (failures) throw new Error(`${NAMES[c.key]}: ${failures} calls of list failed at concurrency ${CONCURRENCY}`);
    return (PLAN.listC64 / (performance.now() - start)) * 1000;
  });

  progress(`list of ${LIST_LARGE}, sequential: ${PLAN.rounds} rounds of ${PLAN.list1000} calls each`);
  const list1000Ms = await interleaved(PLAN.rounds, all, async (c) => {
    const client = large[c.key];
    const start = performance.now();
    for (let i = 0; i < PLAN.list1000; i++) await client.list();
    expected += PLAN.list1000;
    return (performance.now() - start) / PLAN.list1000;
  });
  const requests = await server.requests();

  const figure = (values, timeOf = (x) => x) => {
    const times = Object.fromEntries(Object.entries(values).map(([k, v]) => [k, v.map(timeOf)]));
    return {
      contenders: Object.fromEntries(Object.entries(values).map(([k, v]) => [k, summary(v)])),
      oursOverFetch: pairedRatio(times.ours, times.fetch),
      oursOverSdk: pairedRatio(times.ours, times.sdk),
    };
  };
  return {
    get: { unit: "ms/call", ...figure(getMs) },
    listC64: { unit: "calls/s", ...figure(listC64, (tput) => 1 / tput) },
    list1000: { unit: "ms/call", ...figure(list1000Ms) },
    requests,
    expectedRequests: expected,
  };
}

async function verifySection() {
  const { contenders: verifiers, deliveries } = await verifyContenders();
  for (const c of verifiers) await verifyBatch(c.verifier, deliveries, PLAN.verify / 2);
  progress(`verify: ${PLAN.rounds} rounds of ${PLAN.verify} deliveries each`);
  const samples = await interleaved(PLAN.rounds, verifiers, (c) => verifyBatch(c.verifier, deliveries, PLAN.verify));
  const cpu = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, v.map((s) => s.cpu)]));
  const wall = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, v.map((s) => s.wall)]));
  return {
    deliveries: deliveries.length,
    cpuMicros: Object.fromEntries(Object.entries(cpu).map(([k, v]) => [k, summary(v)])),
    wallMicros: Object.fromEntries(Object.entries(wall).map(([k, v]) => [k, summary(v)])),
    cpuOursOverWebCrypto: pairedRatio(cpu.ours, cpu.webcrypto),
  };
}

function coldNode(server) {
  const kinds = ["ours", "sdk", "sdk-bundle", "fetch", "wasm"];
  const bundle = join(WORK, "sdk.min.js");
  const samples = Object.fromEntries(kinds.map((k) => [k, []]));
  progress(`cold start in Node: ${PLAN.coldRounds} rounds of a fresh process per contender`);
  for (let round = 0; round < PLAN.coldRounds; round++) {
    for (let i = 0; i < kinds.length; i++) {
      const kind = kinds[(round + i) % kinds.length];
      const out = execFileSync(process.execPath, [join(HERE, "cold-node.mjs"), kind, server.baseURL, bundle], {
        cwd: HERE,
        encoding: "utf8",
        stdio: ["ignore", "pipe", "inherit"],
      });
      samples[kind].push(JSON.parse(out));
    }
  }
  const field = (kind, name) => summary(samples[kind].map((s) => s[name]));
  const result = {};
  for (const kind of ["ours", "sdk", "sdk-bundle", "fetch"]) {
    result[kind] = { import: field(kind, "import"), firstGet: field(kind, "firstGet") };
  }
  result.wasm = {
    glueImport: field("wasm", "glueImport"),
    read: field("wasm", "read"),
    compile: field("wasm", "compile"),
    instantiate: field("wasm", "instantiate"),
    compileAndInstantiate: summary(samples.wasm.map((s) => s.compile + s.instantiate)),
  };
  return result;
}

async function coldWorkerd(server) {
  let workerd;
  try {
    workerd = await findWorkerd();
  } catch (error) {
    return { notMeasured: `the workerd binary could not be found (${error.message})` };
  }
  const keys = ["ours", "client", "sdk", "fetch"];
  const dirs = prepareWorkers({
    keys,
    esbuild: ESBUILD,
    pkgDir: PKG,
    work: join(WORK, "workerd"),
    baseURL: server.baseURL,
    compatibilityDate: workerd.compatibilityDate,
  });
  progress(`cold start in workerd ${workerd.version}: ${PLAN.workerdRounds} rounds of a fresh workerd per contender`);
  try {
    // One discarded start each: the first reads the binary and files from disk.
    for (const key of keys) await coldStart(workerd.bin, dirs[key]);
    const samples = await interleaved(PLAN.workerdRounds, keys.map((key) => ({ key })), (c) => coldStart(workerd.bin, dirs[c.key]));
    const overFloor = (key) => summary(samples[key].map((v, i) => v - samples.fetch[i]));
    return {
      workerd: workerd.version,
      compatibilityDate: workerd.compatibilityDate,
      firstReplyMs: Object.fromEntries(keys.map((k) => [k, summary(samples[k])])),
      overFetchMs: { ours: overFloor("ours"), client: overFloor("client"), sdk: overFloor("sdk") },
    };
  } catch (error) {
    return { notMeasured: `workerd did not run the Workers: ${error.message.slice(0, 800)}` };
  }
}

// ---------------------------------------------------------------- printing

function num(x) {
  if (!Number.isFinite(x)) return "—";
  const abs = Math.abs(x);
  if (abs >= 1000) return int(x);
  if (abs >= 100) return x.toFixed(0);
  if (abs >= 10) return x.toFixed(1);
  if (abs >= 1) return x.toFixed(2);
  return x.toFixed(3);
}
/** An integer with thin grouping: 1 376 256. */
const int = (x) => Math.round(x).toLocaleString("en-US").replaceAll(",", " ");
const cell = (s) => `${num(s.median)} [${num(s.p25)}–${num(s.p75)}]`;
const ratio = (s) => `${s.median.toFixed(2)}× [${s.p25.toFixed(2)}–${s.p75.toFixed(2)}]`;
const kb = (bytes) => `${(bytes / 1000).toFixed(1)} KB`;

function table(rows) {
  const widths = [];
  for (const row of rows) row.forEach((c, i) => { widths[i] = Math.max(widths[i] ?? 0, String(c).length); });
  return rows
    .map((row) => row.map((c, i) => (i === row.length - 1 ? String(c) : String(c).padEnd(widths[i]))).join("   ").trimEnd())
    .join("\n");
}

function print(results) {
  const { meta, size, load, speed: s, verify, node, workerd, targets } = results;
  const out = [];
  out.push(`realtimekit-webhooks bench${QUICK ? " (--quick: fewer rounds, figures rough)" : ""}`);
  out.push(`package ${meta.package.version} (${relative(ROOT, meta.package.dir)}/, wasm ${kb(meta.package.wasmBytes)}); Node ${meta.node}; ${meta.os}; ${meta.cpus} × ${meta.cpu}; ${meta.date}`);
  out.push(`Each cell: median of the rounds [25th–75th percentile of the rounds]; min and max are in the JSON. Rounds interleave the`);
  out.push("contenders in rotating order, after a warm-up, with a GC before each batch. Ratios are of time per call, ours ÷ other,");
  out.push("taken round by round: below 1.00× means ours is faster. Server: tests/bench/server.mjs, its own process, loopback.");

  out.push("", `Speed (${PLAN.rounds} rounds: ${PLAN.get} gets, ${PLAN.listC64} small lists, ${PLAN.list1000} large lists per contender per round)`);
  out.push(table([
    ["", NAMES.ours, NAMES.sdk, NAMES.fetch, "ours ÷ fetch", "ours ÷ SDK"],
    ...[
      [`get, sequential (ms/call)`, s.get],
      [`list of ${LIST_SMALL}, concurrency ${CONCURRENCY} (calls/s)`, s.listC64],
      [`list of ${num(LIST_LARGE)}, sequential (ms/call)`, s.list1000],
    ].map(([label, f]) => [label, cell(f.contenders.ours), cell(f.contenders.sdk), cell(f.contenders.fetch), ratio(f.oursOverFetch), ratio(f.oursOverSdk)]),
  ]));
  if (s.requests !== s.expectedRequests) {
    out.push(`note: the server saw ${s.requests} requests for ${s.expectedRequests} calls (retries?)`);
  }

  out.push("", `Cold start in Node (ms; ${PLAN.coldRounds} fresh processes per contender, interleaved)`);
  out.push(table([
    ["", "import", "construct + first get"],
    [NAMES.ours, cell(node.ours.import), cell(node.ours.firstGet)],
    [`${NAMES.sdk}, from node_modules`, cell(node.sdk.import), cell(node.sdk.firstGet)],
    [`${NAMES.sdk}, esbuild bundle`, cell(node["sdk-bundle"].import), cell(node["sdk-bundle"].firstGet)],
    [NAMES.fetch, cell(node.fetch.import), cell(node.fetch.firstGet)],
  ]));
  out.push(`ours taken apart: glue import ${cell(node.wasm.glueImport)}, read .wasm ${cell(node.wasm.read)}, ` +
    `compile ${cell(node.wasm.compile)}, instantiate ${cell(node.wasm.instantiate)}; compile + instantiate ${cell(node.wasm.compileAndInstantiate)}`);

  out.push("", "Cold start in workerd (ms): spawn `workerd serve` → first reply of a Worker whose request constructs a client and does one get");
  if (workerd.notMeasured) {
    out.push(`not measured: ${workerd.notMeasured}`);
  } else {
    out.push(table([
      ["", "spawn → first reply", "less the fetch Worker"],
      [NAMES.ours, cell(workerd.firstReplyMs.ours), cell(workerd.overFetchMs.ours)],
      [`${NAMES.ours} (/client)`, cell(workerd.firstReplyMs.client), cell(workerd.overFetchMs.client)],
      [NAMES.sdk, cell(workerd.firstReplyMs.sdk), cell(workerd.overFetchMs.sdk)],
      [NAMES.fetch, cell(workerd.firstReplyMs.fetch), "—"],
    ]));
    out.push(`(workerd ${workerd.workerd}, compatibility date ${workerd.compatibilityDate}, ${PLAN.workerdRounds} rounds after one discarded start each;`);
    out.push(" the Workers bundled by esbuild as wrangler does; the difference is taken round by round)");
  }

  out.push("", `Verifying a delivery (µs per delivery; the nine example bodies, ${PLAN.rounds} rounds of ${PLAN.verify})`);
  out.push(table([
    ["", "CPU (process.cpuUsage)", "wall"],
    ["WebhookVerifier.verifyBody", cell(verify.cpuMicros.ours), cell(verify.wallMicros.ours)],
    ["hand-written WebCrypto", cell(verify.cpuMicros.webcrypto), cell(verify.wallMicros.webcrypto)],
    ["ours ÷ WebCrypto (CPU)", ratio(verify.cpuOursOverWebCrypto), ""],
  ]));

  out.push("", "Bundle size (each file compressed on its own: gzip -9, brotli 11; KB = 1000 bytes)");
  out.push(table([
    ["", "raw / min", "gzip", "brotli"],
    ["ours: .wasm", kb(size.ours.wasm.raw), kb(size.ours.wasm.gzip), kb(size.ours.wasm.brotli)],
    ["ours: JS (the browser entry and all it imports, esbuild --minify)", kb(size.ours.js.raw), kb(size.ours.js.gzip), kb(size.ours.js.brotli)],
    ["ours: .wasm + JS", kb(size.ours.total.raw), kb(size.ours.total.gzip), kb(size.ours.total.brotli)],
    [`ours: the ${Object.keys(size.ours.published.files).length} files a browser loads, as published`, kb(size.ours.published.total.raw), kb(size.ours.published.total.gzip), kb(size.ours.published.total.brotli)],
    [`${NAMES.sdk}: webhooks only, esbuild --minify`, kb(size.sdk.raw), kb(size.sdk.gzip), kb(size.sdk.brotli)],
  ]));
  out.push("", "What each kind of user loads, as published (the entry and every file it imports, each compressed on its own)");
  out.push(table([
    ["", "files", "raw", "gzip", "brotli"],
    ...Object.values(size.ours.users).map((u) => [u.what, Object.keys(u.files).length, kb(u.total.raw), kb(u.total.gzip), kb(u.total.brotli)]),
  ]));

  out.push("", `Load and memory (ours): ${int(load.calls)} calls of list (1 webhook) at concurrency ${load.concurrency}, after ${int(PLAN.loadWarm)} warm-up calls`);
  out.push(`${int(load.calls - load.failures)} of ${int(load.calls)} succeeded (${load.failures} failed), ${int(load.requests)} requests reached the server, ` +
    `${int(load.callsPerSecond)} calls/s`);
  out.push(`wasm memory: ${int(load.memory.atStart)} bytes at import, ${int(load.memory.afterWarmUp)} after warm-up, ` +
    `${int(load.memory.afterLoad)} after the ${int(load.calls)} calls (growth ${int(load.memory.growth)}); ${int(results.memoryAtEnd)} after the speed and verify runs`);

  out.push("", "Targets (a ratio is met when its median is; the spread shows how sure that is)");
  out.push(table(targets.map((t) => [t.met ? "MET" : "NOT MET", t.name, t.measured])));
  return out.join("\n");
}

function judge(results) {
  const { size, speed: s, node, load, verify } = results;
  const t = [];
  const add = (name, met, measured) => t.push({ name, met, measured });
  const r = (x) => `${x.median.toFixed(3)}× [${x.p25.toFixed(2)}–${x.p75.toFixed(2)}]`;
  add(`get ≤ ${TARGETS.getVsFetch.toFixed(2)}× raw fetch`, s.get.oursOverFetch.median <= TARGETS.getVsFetch, r(s.get.oursOverFetch));
  add(`get ≤ ${TARGETS.getVsSdk.toFixed(2)}× the official SDK`, s.get.oursOverSdk.median <= TARGETS.getVsSdk, r(s.get.oursOverSdk));
  add(`list of ${num(LIST_LARGE)} ≤ ${TARGETS.list1000VsSdk.toFixed(2)}× the official SDK`, s.list1000.oursOverSdk.median <= TARGETS.list1000VsSdk,
    r(s.list1000.oursOverSdk));
  add(`instantiate ≤ ${TARGETS.instantiateMs} ms in Node (compile + instantiate of the .wasm)`, node.wasm.compileAndInstantiate.median <= TARGETS.instantiateMs,
    `${num(node.wasm.compileAndInstantiate.median)} ms (the whole import: ${num(node.ours.import.median)} ms)`);
  const loads = (key) => size.ours.users[key].total.gzip;
  add(`${size.ours.users.client.what} loads ≤ ${kb(TARGETS.clientOnlyGzipBytes)} gzipped`, loads("client") <= TARGETS.clientOnlyGzipBytes, kb(loads("client")));
  add(`${size.ours.users.receive.what} loads ≤ ${kb(TARGETS.receiveOnlyGzipBytes)} gzipped`, loads("receive") <= TARGETS.receiveOnlyGzipBytes, kb(loads("receive")));
  add(`${size.ours.users.both.what} loads no more than before the split (${kb(TARGETS.bothGzipBytes)})`, loads("both") <= TARGETS.bothGzipBytes, kb(loads("both")));
  if (!results.workerd.notMeasured) {
    const client = results.workerd.overFetchMs.client.median;
    const sdk = results.workerd.overFetchMs.sdk.median;
    add("workerd start to first reply of a /client Worker (less the fetch Worker) ≤ the official SDK's", client <= sdk, `${num(client)} ms vs ${num(sdk)} ms`);
  }
  add(`verifying a delivery ≤ ${TARGETS.verifyCpuMicros} µs CPU (no slower than before)`, verify.cpuMicros.ours.median <= TARGETS.verifyCpuMicros,
    `${num(verify.cpuMicros.ours.median)} µs`);
  add(`load: ${int(load.calls)} calls at concurrency ${load.concurrency} all succeed`, load.failures === 0, `${load.failures} failed`);
  add("load: wasm memory flat after warm-up", load.memory.growth === 0, `growth ${int(load.memory.growth)} bytes`);
  return t;
}

// ---------------------------------------------------------------- main

function meta() {
  const pkg = JSON.parse(readFileSync(join(PKG, "package.json"), "utf8"));
  const cpus = os.cpus();
  return {
    package: { dir: PKG, version: pkg.version, wasmBytes: readFileSync(join(PKG, "realtimekit_webhooks_bg.wasm")).length },
    node: process.version,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    cpus: cpus.length,
    cpu: cpus[0]?.model.trim() ?? "unknown CPU",
    memoryGB: Math.round(os.totalmem() / 1e9),
    date: new Date().toISOString().slice(0, 10),
    quick: QUICK,
    plan: PLAN,
  };
}

async function main() {
  if (!globalThis.gc) progress("note: run node with --expose-gc for a GC before each batch");
  const results = { meta: meta() };
  progress("bundle sizes (esbuild)");
  results.size = measureSizes({ pkgDir: PKG, esbuild: ESBUILD, work: WORK });
  const server = await startServer();
  try {
    const all = contenders(server.baseURL);
    const { result: load, memory } = await loadAndMemory(server, all.find((c) => c.key === "ours"));
    results.load = load;
    results.speed = await speed(server, all);
    results.verify = await verifySection();
    results.memoryAtEnd = memory.buffer.byteLength;
    results.node = coldNode(server);
    results.workerd = await coldWorkerd(server);
  } finally {
    server.stop();
  }
  results.targets = judge(results);
  results.seconds = (performance.now() - STARTED) / 1000;
  const text = print(results);
  console.log(`\n${text}\n\n(${results.seconds.toFixed(0)} s; all figures in ${OUT})`);
  mkdirSync(dirname(OUT), { recursive: true });
  writeFileSync(OUT, `${JSON.stringify({ ...results, table: text }, null, 2)}\n`);
}

await main();
