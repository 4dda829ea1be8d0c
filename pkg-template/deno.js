// Deno: instantiate synchronously from the bytes beside this file.
import { initSync } from "./realtimekit_webhooks.js";

initSync({ module: Deno.readFileSync(new URL("./realtimekit_webhooks_bg.wasm", import.meta.url)) });

export * from "./exports.js";
