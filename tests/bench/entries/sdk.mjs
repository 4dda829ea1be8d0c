// What a webhooks-only app bundles of the official SDK: its tree-shakable
// client with the RealtimeKit webhooks resource only.
import { createClient } from "cloudflare/tree-shakable";
import { BaseWebhooks } from "cloudflare/resources/realtime-kit/webhooks";

export const webhooksClient = (options) => createClient({ ...options, resources: [BaseWebhooks] });
