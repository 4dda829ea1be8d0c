// Deno: a source-phase import gives the compiled WebAssembly.Module of the
// .wasm beside this file, like any other module import: no --allow-read, no
// top-level await. Instantiating it is synchronous.
import source wasm from "./realtimekit_webhooks_bg.wasm";
import { initSync } from "./realtimekit_webhooks.js";

initSync({ module: wasm });

export * from "./exports.js";
