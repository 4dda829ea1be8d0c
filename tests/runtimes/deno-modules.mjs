// Deno: the package's modules on their own (/client, /receive), with only network access to the emulator.
import * as main from "realtimekit-webhooks";
import * as client from "realtimekit-webhooks/client";
import * as receive from "realtimekit-webhooks/receive";
import { modulesScenario } from "./scenario.mjs";

const report = await modulesScenario({ main, client, receive }, { baseURL: Deno.args[0], appId: "deno-modules", runtime: "deno (modules)" });
console.log(`RTK_RESULT ${JSON.stringify(report)}`);
