// A browser app that imports the package by name, built by `vite build` with
// no config: Vite follows the entry's `new URL("./...wasm", import.meta.url)`
// and ships the .wasm itself.
import * as pkg from "realtimekit-webhooks";
import { scenario } from "../scenario.mjs";

try {
  const report = await scenario(pkg, { baseURL: `${location.origin}/client/v4`, appId: "chromium-vite", runtime: "chromium (Vite build)" });
  window.rtkResult = { ok: true, report };
} catch (error) {
  window.rtkResult = { ok: false, error: String(error?.stack ?? error) };
}
