// A Worker with no client library: its first request gets one webhook from
// the bench server (env.BASE_URL) with fetch + JSON.parse.
import { floor } from "../floor.mjs";
import { ACCOUNT, APP, HOOK_ID, TOKEN } from "../fixtures.mjs";

export default {
  async fetch(request, env) {
    const client = floor({ baseURL: env.BASE_URL, accountId: ACCOUNT, appId: APP, apiToken: TOKEN });
    const hook = await client.get(HOOK_ID);
    return new Response(hook.id);
  },
};
