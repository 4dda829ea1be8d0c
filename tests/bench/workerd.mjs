// Cold start in workerd, measured from outside: timers inside a Worker do
// not advance while it computes, so a Worker cannot time its own start.
//
// Each contender's Worker (workers/*.mjs) is bundled by esbuild as wrangler
// would (ESM, the `workerd` and `worker` conditions; the .wasm stays a module
// of its own, which workerd compiles when it loads the Worker), and run by
// the `workerd` binary that wrangler 4.86.0 depends on. One sample is: spawn
// a fresh `workerd serve`, then send GET / as soon as its socket accepts,
// until the first reply arrives. That time covers workerd's own start, loading
// and compiling the Worker's modules (the .wasm included), evaluating them
// (instantiating the .wasm), and the first request (a client constructed, one
// `get` from the bench server). The Worker that uses fetch + JSON.parse by
// hand is the floor; a contender's cost is its time less the floor's.
import { execFileSync, spawn } from "node:child_process";
import { once } from "node:events";
import { copyFileSync, mkdirSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";
import { HOOK_ID } from "./fixtures.mjs";

const WORKERS = new URL("./workers/", import.meta.url);
/** The .wasm each contender's entry imports: the package's name's, or the client module's. */
const WASM = { ours: "realtimekit_webhooks_bg.wasm", client: "client/realtimekit_webhooks_client_bg.wasm" };
const START_LIMIT_MS = 30_000;

/** The workerd binary wrangler runs, and the newest compatibility date it accepts. */
export async function findWorkerd() {
  const { default: workerd } = await import("workerd");
  return { bin: workerd.default, version: workerd.version, compatibilityDate: workerd.compatibilityDate };
}

function config({ wasm, baseURL, compatibilityDate }) {
  const modules = [`(name = "worker.js", esModule = embed "worker.js")`];
  if (wasm) modules.push(`(name = "${wasm}", wasm = embed "${wasm}")`);
  return `using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [
    (name = "main", worker = .worker),
    (name = "net", network = (allow = ["public", "private", "local"])),
  ],
  sockets = [(name = "http", address = "127.0.0.1:0", http = (), service = "main")],
);

const worker :Workerd.Worker = (
  modules = [${modules.join(", ")}],
  compatibilityDate = "${compatibilityDate}",
  bindings = [(name = "BASE_URL", text = ${JSON.stringify(baseURL)})],
  globalOutbound = "net",
);
`;
}

/** Bundles each Worker into `work/<key>/` with its config; returns their directories. */
export function prepareWorkers({ keys, esbuild, pkgDir, work, baseURL, compatibilityDate }) {
  const dirs = {};
  for (const key of keys) {
    const dir = join(work, key);
    mkdirSync(dir, { recursive: true });
    execFileSync(esbuild, [
      fileURLToPath(new URL(`${key}.mjs`, WORKERS)),
      "--bundle", "--format=esm", "--platform=neutral",
      "--conditions=workerd,worker,browser", "--main-fields=browser,module,main",
      "--external:*.wasm", `--outfile=${join(dir, "worker.js")}`, "--log-level=error",
    ], { stdio: ["ignore", "inherit", "inherit"] });
    const wasm = WASM[key] && basename(WASM[key]);
    if (wasm) copyFileSync(join(pkgDir, WASM[key]), join(dir, wasm));
    writeFileSync(join(dir, "config.capnp"), config({ wasm, baseURL, compatibilityDate }));
    dirs[key] = dir;
  }
  return dirs;
}

async function freePort() {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address();
  server.close();
  await once(server, "close");
  return port;
}

/** One sample: ms from spawning workerd to the first reply of its Worker. */
export async function coldStart(workerd, dir) {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/`;
  let stderr = "";
  const start = performance.now();
  const child = spawn(workerd, ["serve", join(dir, "config.capnp"), "--socket-addr", `http=127.0.0.1:${port}`], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  child.stderr.on("data", (chunk) => { stderr += chunk; });
  let exited = false;
  child.on("exit", () => { exited = true; });
  try {
    for (;;) {
      if (exited) throw new Error(`workerd exited before it answered:\n${stderr}`);
      if (performance.now() - start > START_LIMIT_MS) throw new Error(`workerd did not answer in ${START_LIMIT_MS} ms:\n${stderr}`);
      let response;
      try {
        response = await fetch(url);
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 1)); // not listening yet
        continue;
      }
      const body = await response.text();
      const elapsed = performance.now() - start;
      if (response.status !== 200 || body !== HOOK_ID) throw new Error(`the Worker answered ${response.status} ${body}\n${stderr}`);
      return elapsed;
    }
  } finally {
    if (!exited) {
      child.kill("SIGKILL");
      await once(child, "exit");
    }
  }
}
