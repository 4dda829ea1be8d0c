// A Worker that uses the official SDK, webhooks only: its first request
// constructs a client and gets one webhook from the bench server (env.BASE_URL).
import { createClient } from "cloudflare/tree-shakable";
import { BaseWebhooks } from "cloudflare/resources/realtime-kit/webhooks";
import { ACCOUNT, APP, HOOK_ID, TOKEN } from "../fixtures.mjs";

export default {
  async fetch(request, env) {
    const client = createClient({ apiToken: TOKEN, baseURL: env.BASE_URL, resources: [BaseWebhooks] });
    const { data } = await client.realtimeKit.webhooks.getWebhookByID(HOOK_ID, { account_id: ACCOUNT, app_id: APP });
    return new Response(data.id);
  },
};
