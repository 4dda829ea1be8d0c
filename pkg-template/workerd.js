// Cloudflare Workers (workerd): wrangler and workerd import a .wasm file as a
// compiled WebAssembly.Module; instantiating it is synchronous.
import wasm from "./realtimekit_webhooks_bg.wasm";
import { initSync } from "./realtimekit_webhooks.js";

initSync({ module: wasm });

export * from "./exports.js";
