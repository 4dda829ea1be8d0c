// A Worker that uses this package: its first request constructs a client and
// gets one webhook from the bench server (env.BASE_URL).
import { WebhooksClient } from "realtimekit-webhooks";
import { ACCOUNT, APP, HOOK_ID, TOKEN } from "../fixtures.mjs";

export default {
  async fetch(request, env) {
    const client = new WebhooksClient({ accountId: ACCOUNT, appId: APP, apiToken: TOKEN, baseURL: env.BASE_URL });
    const hook = await client.get(HOOK_ID);
    return new Response(hook.id);
  },
};
