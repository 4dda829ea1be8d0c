// The three contenders, each used as its users would use it, all talking
// HTTP to the bench server through Node's global fetch:
//
// - `ours`: realtimekit-webhooks (the package in pkg/, by name);
// - `sdk`: the official `cloudflare` SDK, webhooks only, through its
//   tree-shakable entry (`createClient` + `BaseWebhooks`); its methods return
//   the `{success, data}` envelope, so the caller takes `.data`;
// - `fetch`: fetch + JSON.parse by hand: the floor.
//
// Each `forApp(app)` gives `{ get(id), list() }` resolving to the data.
import { WebhooksClient } from "realtimekit-webhooks";
import { createClient } from "cloudflare/tree-shakable";
import { BaseWebhooks } from "cloudflare/resources/realtime-kit/webhooks";
import { ACCOUNT, TOKEN } from "./fixtures.mjs";
import { floor } from "./floor.mjs";

export const NAMES = {
  ours: "realtimekit-webhooks",
  sdk: "cloudflare SDK 7.3.0",
  fetch: "fetch + JSON.parse",
};

export function contenders(baseURL) {
  const sdk = createClient({ apiToken: TOKEN, baseURL, resources: [BaseWebhooks] });
  const webhooks = sdk.realtimeKit.webhooks;
  return [
    {
      key: "ours",
      forApp(app) {
        const client = new WebhooksClient({ accountId: ACCOUNT, appId: app, apiToken: TOKEN, baseURL });
        return { get: (id) => client.get(id), list: () => client.list() };
      },
    },
    {
      key: "sdk",
      forApp(app) {
        return {
          get: async (id) => (await webhooks.getWebhookByID(id, { account_id: ACCOUNT, app_id: app })).data,
          list: async () => (await webhooks.getWebhooks(app, { account_id: ACCOUNT })).data,
        };
      },
    },
    {
      key: "fetch",
      forApp(app) {
        const client = floor({ baseURL, accountId: ACCOUNT, appId: app, apiToken: TOKEN });
        return { get: (id) => client.get(id), list: () => client.list() };
      },
    },
  ];
}
