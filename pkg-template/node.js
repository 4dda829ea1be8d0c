// Node (ESM): instantiate synchronously from the bytes beside this file
// (Node's fetch cannot load file: URLs).
import { readFileSync } from "node:fs";
import { initSync } from "./realtimekit_webhooks.js";

initSync({ module: readFileSync(new URL("./realtimekit_webhooks_bg.wasm", import.meta.url)) });

export * from "./exports.js";
