// Node, CommonJS: the package's modules on their own (/client, /receive), loaded with require().
const main = require("realtimekit-webhooks");
const client = require("realtimekit-webhooks/client");
const receive = require("realtimekit-webhooks/receive");

for (const [name, file] of [["realtimekit-webhooks/client", "/client/node.cjs"], ["realtimekit-webhooks/receive", "/receive/node.cjs"]]) {
  if (!require.resolve(name).endsWith(file)) throw new Error(`require resolved ${name} to ${require.resolve(name)}`);
}
import("./scenario.mjs")
  .then(({ modulesScenario }) => modulesScenario({ main, client, receive }, { baseURL: process.argv[2], appId: "node-cjs-modules", runtime: "node CommonJS (modules)" }))
  .then((report) => console.log(`RTK_RESULT ${JSON.stringify(report)}`))
  .catch((error) => {
    console.error(error);
    process.exitCode = 1;
  });
