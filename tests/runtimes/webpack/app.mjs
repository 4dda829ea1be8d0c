// A browser app that imports the package by name, built by webpack 5 with no
// config (`webpack --entry ./webpack/app.mjs`): webpack follows the entry's
// `new URL("./...wasm", import.meta.url)`, ships the .wasm, and keeps the
// top-level await.
import * as pkg from "realtimekit-webhooks";
import { scenario } from "../scenario.mjs";

try {
  const report = await scenario(pkg, { baseURL: `${location.origin}/client/v4`, appId: "chromium-webpack", runtime: "chromium (webpack build)" });
  window.rtkResult = { ok: true, report };
} catch (error) {
  window.rtkResult = { ok: false, error: String(error?.stack ?? error) };
}
