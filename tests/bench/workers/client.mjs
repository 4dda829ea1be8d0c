// A Worker that uses only the package's client module (/client): its first
// request constructs a client and gets one webhook from the bench server.
import { WebhooksClient } from "realtimekit-webhooks/client";
import { ACCOUNT, APP, HOOK_ID, TOKEN } from "../fixtures.mjs";

export default {
  async fetch(request, env) {
    const client = new WebhooksClient({ accountId: ACCOUNT, appId: APP, apiToken: TOKEN, baseURL: env.BASE_URL });
    const hook = await client.get(HOOK_ID);
    return new Response(hook.id);
  },
};
