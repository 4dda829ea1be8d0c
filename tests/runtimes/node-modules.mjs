// Node, ES modules: the package's modules on their own (/client, /receive), as `import` resolves them.
import * as main from "realtimekit-webhooks";
import * as client from "realtimekit-webhooks/client";
import * as receive from "realtimekit-webhooks/receive";
import { modulesScenario } from "./scenario.mjs";

for (const [name, file] of [["realtimekit-webhooks/client", "/client/node.js"], ["realtimekit-webhooks/receive", "/receive/node.js"]]) {
  if (!import.meta.resolve(name).endsWith(file)) throw new Error(`import resolved ${name} to ${import.meta.resolve(name)}`);
}
const report = await modulesScenario({ main, client, receive }, { baseURL: process.argv[2], appId: "node-esm-modules", runtime: "node ESM (modules)" });
console.log(`RTK_RESULT ${JSON.stringify(report)}`);
