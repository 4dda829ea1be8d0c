// A Cloudflare Worker that imports the package by name; wrangler bundles it
// with the package's `workerd` entry. GET / runs the scenario against the
// emulator at env.RTK_BASE_URL and answers with the report.
import * as pkg from "realtimekit-webhooks";
import { scenario } from "../scenario.mjs";

export default {
  async fetch(request, env) {
    try {
      const report = await scenario(pkg, { baseURL: env.RTK_BASE_URL, appId: "workerd", runtime: "workerd" });
      return Response.json(report);
    } catch (error) {
      return new Response(String(error && error.stack ? error.stack : error), { status: 500 });
    }
  },
};
