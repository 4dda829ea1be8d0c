// Node, ES modules: the package imported by name, as `import` resolves it.
import * as pkg from "realtimekit-webhooks";
import { scenario } from "./scenario.mjs";

const entry = import.meta.resolve("realtimekit-webhooks");
if (!entry.endsWith("/node.js")) throw new Error(`import resolved to ${entry}, not the Node ESM entry`);
const report = await scenario(pkg, { baseURL: process.argv[2], appId: "node-esm", runtime: "node ESM" });
console.log(`RTK_RESULT ${JSON.stringify(report)}`);
