// A small browser app that imports the package by name, bundled with esbuild
// (`--bundle --format=esm`) into www/bundle/app.js, with the package's .wasm
// copied next to the bundle.
import * as pkg from "realtimekit-webhooks";
import { scenario } from "../scenario.mjs";

try {
  const report = await scenario(pkg, { baseURL: `${location.origin}/client/v4`, appId: "chromium-bundle", runtime: "chromium (esbuild bundle)" });
  window.rtkResult = { ok: true, report };
} catch (error) {
  window.rtkResult = { ok: false, error: String(error?.stack ?? error) };
}
