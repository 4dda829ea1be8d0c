// A browser app that imports from all three entries (the package's name,
// /client, /receive), bundled with esbuild (`--bundle --format=esm`) into
// www/bundle/modules.js, with each module's .wasm copied next to the bundle:
// each has its own file name, so the three can sit side by side.
import * as main from "realtimekit-webhooks";
import * as client from "realtimekit-webhooks/client";
import * as receive from "realtimekit-webhooks/receive";
import { modulesScenario } from "../scenario.mjs";

try {
  const report = await modulesScenario({ main, client, receive }, { baseURL: `${location.origin}/client/v4`, appId: "chromium-bundle-modules", runtime: "chromium (esbuild bundle of the modules)" });
  window.rtkResult = { ok: true, report };
} catch (error) {
  window.rtkResult = { ok: false, error: String(error?.stack ?? error) };
}
