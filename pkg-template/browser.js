// Browsers and bundlers: fetch and compile the .wasm that sits next to this
// file, with top-level await (every current browser, and ESM output of
// bundlers, supports it). Bundlers that understand
// `new URL("./x.wasm", import.meta.url)` (Vite, webpack 5) ship the .wasm
// themselves; with esbuild, copy it next to the bundle.
import init from "./realtimekit_webhooks.js";

await init({ module_or_path: new URL("./realtimekit_webhooks_bg.wasm", import.meta.url) });

export * from "./exports.js";
