// A Cloudflare Worker that imports the package's modules by name (/client,
// /receive, and the package's name for the test helpers); wrangler bundles
// each module's `workerd` entry. GET / runs the scenario over them.
import * as main from "realtimekit-webhooks";
import * as client from "realtimekit-webhooks/client";
import * as receive from "realtimekit-webhooks/receive";
import { modulesScenario } from "../scenario.mjs";

export default {
  async fetch(request, env) {
    try {
      const report = await modulesScenario({ main, client, receive }, { baseURL: env.RTK_BASE_URL, appId: "workerd-modules", runtime: "workerd (modules)" });
      return Response.json(report);
    } catch (error) {
      return new Response(String(error && error.stack ? error.stack : error), { status: 500 });
    }
  },
};
