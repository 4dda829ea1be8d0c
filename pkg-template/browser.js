// Browsers and bundlers: fetch and compile the .wasm that sits next to this
// file (bundlers see the `new URL(..., import.meta.url)` and ship it).
import init from "./realtimekit_webhooks.js";

await init({ module_or_path: new URL("./realtimekit_webhooks_bg.wasm", import.meta.url) });

export * from "./exports.js";
