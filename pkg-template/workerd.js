// Cloudflare Workers (workerd): wrangler, workerd and other Worker bundlers
// import a .wasm file as a compiled WebAssembly.Module; instantiating it is
// synchronous, so importing the package needs no top-level await.
import wasm from "./realtimekit_webhooks_bg.wasm";
import { initSync } from "./realtimekit_webhooks.js";

initSync({ module: wasm });

export * from "./exports.js";
