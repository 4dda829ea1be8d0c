// Where this package spends its time on one call: a CPU profile of many calls
// against the bench server, summarised by self time.
//
//   node tests/bench/profile.mjs [get|list10|list1000] [calls] [ours|sdk|fetch]
//
// The profile is taken in-process with node:inspector (sampling every 50 µs)
// and written to target/bench/profile-<op>.cpuprofile (open it in Chrome
// DevTools, Performance tab). The glue of pkg/ is instantiated with the .wasm
// that wasm-bindgen wrote to target/bindgen/ before wasm-opt, which keeps the
// function names (pkg/'s .wasm has none): same code, a little less optimised.
// Run `cargo xtask build` (or `cargo xtask bench`) first. The last argument
// profiles another contender instead (default ours), to compare.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { ACCOUNT, APP, HOOK_ID, TOKEN } from "./fixtures.mjs";

const HERE = fileURLToPath(new URL(".", import.meta.url));
const ROOT = join(HERE, "..", "..");
const WORK = join(ROOT, "target", "bench");
const OPS = { get: [APP, 3000], list10: ["list-10", 3000], list1000: ["list-1000", 200] };

const op = process.argv[2] ?? "get";
if (!OPS[op]) throw new Error(`usage: node tests/bench/profile.mjs [${Object.keys(OPS).join("|")}] [calls]`);
const [app, defaultCalls] = OPS[op];
const calls = Number(process.argv[3] ?? defaultCalls);
const who = process.argv[4] ?? "ours";

const entry = import.meta.resolve("realtimekit-webhooks");
const glue = await import(new URL("./realtimekit_webhooks.js", entry));
const named = join(ROOT, "target", "bindgen", "realtimekit_webhooks_bg.wasm");
try {
  glue.initSync({ module: readFileSync(named) });
} catch (error) {
  throw new Error(`${named} does not fit pkg/'s glue (rebuild with \`cargo xtask build\`): ${error.message}`);
}

const server = spawn(process.execPath, [join(HERE, "server.mjs")], { stdio: ["ignore", "pipe", "inherit"] });
const [first] = await once(createInterface({ input: server.stdout }), "line");
const baseURL = `${first.split(" ").at(-1)}/client/v4`;

try {
  const client = await contender(who, baseURL);
  const call = op === "get" ? () => client.get(HOOK_ID) : () => client.list();
  for (let i = 0; i < Math.min(200, calls); i++) await call();

  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.setSamplingInterval", { interval: 50 });
  await session.post("Profiler.start");
  const start = performance.now();
  for (let i = 0; i < calls; i++) await call();
  const ms = performance.now() - start;
  const { profile } = await session.post("Profiler.stop");
  session.disconnect();

  mkdirSync(WORK, { recursive: true });
  const file = join(WORK, `profile-${op}-${who}.cpuprofile`);
  writeFileSync(file, JSON.stringify(profile));
  console.log(`${who}, ${op}: ${calls} calls, ${(ms / calls).toFixed(3)} ms/call; profile in ${file}\n`);
  summarise(profile, calls);
} finally {
  server.kill();
}

/** `{ get, list }` of a contender for `app` (ours from the named .wasm, not the package entry). */
async function contender(key, baseURL) {
  if (key === "ours") {
    const { WebhooksClient } = await import(new URL("./exports.js", entry));
    const client = new WebhooksClient({ accountId: ACCOUNT, appId: app, apiToken: TOKEN, baseURL });
    return { get: (id) => client.get(id), list: () => client.list() };
  }
  if (key === "fetch") {
    const { floor } = await import("./floor.mjs");
    return floor({ baseURL, accountId: ACCOUNT, appId: app, apiToken: TOKEN });
  }
  if (key === "sdk") {
    const { webhooksClient } = await import("./entries/sdk.mjs");
    const { realtimeKit } = webhooksClient({ apiToken: TOKEN, baseURL });
    return {
      get: async (id) => (await realtimeKit.webhooks.getWebhookByID(id, { account_id: ACCOUNT, app_id: app })).data,
      list: async () => (await realtimeKit.webhooks.getWebhooks(app, { account_id: ACCOUNT })).data,
    };
  }
  throw new Error(`unknown contender ${key}: ours, sdk or fetch`);
}

/** Prints self time by kind of code, then the top functions. */
function summarise(profile, calls) {
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  const deltas = profile.timeDeltas;
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (deltas[i + 1] ?? 0)));
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const kind = ({ url, functionName }) => {
    // undici parses HTTP with llhttp compiled to wasm: that is Node's, not ours.
    if (url.startsWith("wasm://")) return url.includes("realtimekit_webhooks") ? "our wasm" : "Node internals (JS)";
    if (/realtimekit_webhooks\.js$|\/errors\.js$/.test(url)) return "our JS glue";
    if (url.startsWith("node:") || url === "undici" || !url.includes("/")) {
      if (url !== "") return "Node internals (JS)";
      if (functionName.startsWith("(")) return functionName; // (garbage collector), (idle), (program)
      return "builtins (JSON.parse, TextDecoder, socket writes, ...)";
    }
    return "other JS (the SDK, the floor)";
  };
  const byKind = new Map();
  const byFunction = new Map();
  for (const [id, us] of self) {
    const frame = nodes.get(id).callFrame;
    const k = kind(frame);
    byKind.set(k, (byKind.get(k) ?? 0) + us);
    const name = `${frame.functionName || "(anonymous)"}  ${frame.url.split("/").at(-1)}${frame.url ? `:${frame.lineNumber + 1}` : ""}`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + us);
  }
  const pct = (us) => `${((us / total) * 100).toFixed(1).padStart(5)} %  ${(us / calls).toFixed(1).padStart(7)} µs/call`;
  console.log("self time by kind of code");
  for (const [k, us] of [...byKind].sort((a, b) => b[1] - a[1])) console.log(`  ${pct(us)}  ${k}`);
  console.log("\ntop functions by self time");
  for (const [name, us] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log(`  ${pct(us)}  ${name}`);
}
