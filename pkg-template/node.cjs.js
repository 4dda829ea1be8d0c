// Node (CommonJS): the source of node.cjs, which `cargo xtask build` bundles
// with esbuild so that require("realtimekit-webhooks") works on every Node >= 18.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { initSync } from "./realtimekit_webhooks.js";

initSync({ module: readFileSync(join(__dirname, "realtimekit_webhooks_bg.wasm")) });

export * from "./exports.js";
