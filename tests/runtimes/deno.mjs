// Deno: the package imported by name from the app's node_modules, run with
// no permission but network access to the emulator.
import * as pkg from "realtimekit-webhooks";
import { scenario } from "./scenario.mjs";

const report = await scenario(pkg, { baseURL: Deno.args[0], appId: "deno", runtime: "deno" });
console.log(`RTK_RESULT ${JSON.stringify(report)}`);
