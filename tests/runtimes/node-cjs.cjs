// Node, CommonJS: the package loaded with require(), as a CommonJS app does.
const pkg = require("realtimekit-webhooks");

const entry = require.resolve("realtimekit-webhooks");
if (!entry.endsWith("/node.cjs")) throw new Error(`require resolved to ${entry}, not the Node CommonJS entry`);
// The scenario is an ES module shared by every runtime; the package itself was required above.
import("./scenario.mjs")
  .then(({ scenario }) => scenario(pkg, { baseURL: process.argv[2], appId: "node-cjs", runtime: "node CommonJS" }))
  .then((report) => console.log(`RTK_RESULT ${JSON.stringify(report)}`))
  .catch((error) => {
    console.error(error);
    process.exitCode = 1;
  });
