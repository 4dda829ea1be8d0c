// One cold start in a fresh Node process (run by cold.mjs, never imported):
//
//   node cold-node.mjs <ours|sdk|sdk-bundle|fetch|wasm> <baseURL> [bundle]
//
// prints one line of JSON with milliseconds (performance.now()):
// - ours / sdk / fetch: `import` is the dynamic import of what a
//   webhooks-only app imports (for ours: the package by name, which reads,
//   compiles and instantiates the .wasm; for the SDK: its tree-shakable
//   client and the webhooks resource from node_modules, or (sdk-bundle) the
//   same as one esbuild-minified file, `bundle`; for fetch: a small module), and
//   `firstGet` is constructing a client and its first `get` from the bench
//   server, import done;
// - wasm: ours taken apart: importing the glue alone, reading the .wasm,
//   `new WebAssembly.Module` (compile) and `initSync` (instantiate).
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { ACCOUNT, APP, HOOK_ID, TOKEN } from "./fixtures.mjs";

const [what, baseURL] = process.argv.slice(2);
const now = () => performance.now();
const result = {};

if (what === "wasm") {
  let t = now();
  const entry = import.meta.resolve("realtimekit-webhooks");
  const glue = await import(new URL("./realtimekit_webhooks.js", entry));
  result.glueImport = now() - t;
  t = now();
  const bytes = readFileSync(new URL("./realtimekit_webhooks_bg.wasm", entry));
  result.read = now() - t;
  t = now();
  const module = new WebAssembly.Module(bytes);
  result.compile = now() - t;
  t = now();
  glue.initSync({ module });
  result.instantiate = now() - t;
} else {
  let t = now();
  let get;
  if (what === "ours") {
    const { WebhooksClient } = await import("realtimekit-webhooks");
    result.import = now() - t;
    t = now();
    const client = new WebhooksClient({ accountId: ACCOUNT, appId: APP, apiToken: TOKEN, baseURL });
    get = () => client.get(HOOK_ID);
  } else if (what === "sdk") {
    const [{ createClient }, { BaseWebhooks }] = await Promise.all([
      import("cloudflare/tree-shakable"),
      import("cloudflare/resources/realtime-kit/webhooks"),
    ]);
    result.import = now() - t;
    t = now();
    const client = createClient({ apiToken: TOKEN, baseURL, resources: [BaseWebhooks] });
    get = async () => (await client.realtimeKit.webhooks.getWebhookByID(HOOK_ID, { account_id: ACCOUNT, app_id: APP })).data;
  } else if (what === "sdk-bundle") {
    const { webhooksClient } = await import(pathToFileURL(process.argv[4]).href);
    result.import = now() - t;
    t = now();
    const client = webhooksClient({ apiToken: TOKEN, baseURL });
    get = async () => (await client.realtimeKit.webhooks.getWebhookByID(HOOK_ID, { account_id: ACCOUNT, app_id: APP })).data;
  } else if (what === "fetch") {
    const { floor } = await import("./floor.mjs");
    result.import = now() - t;
    t = now();
    const client = floor({ baseURL, accountId: ACCOUNT, appId: APP, apiToken: TOKEN });
    get = () => client.get(HOOK_ID);
  } else {
    throw new Error(`unknown contender ${what}`);
  }
  const hook = await get();
  result.firstGet = now() - t;
  if (hook.id !== HOOK_ID) throw new Error(`wrong reply: ${JSON.stringify(hook)}`);
}
console.log(JSON.stringify(result));
