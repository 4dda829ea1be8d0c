// A durable receiver of RealtimeKit webhook deliveries, on Cloudflare Queues +
// D1: durableReceiver (the package's realtimekit-webhooks/d1) is the Worker;
// handlers.js is the work done for each event.
//
//   fetch:     verify -> record in D1 -> enqueue -> 202 (a repeat: 200);
//   queue:     each delivery handled once, retried with backoff, then the
//              dead-letter queue marks it dead in D1 (redrive it from there);
//   scheduled: enqueues what was recorded but never handled, forgets old done ones;
//   /admin/*:  with an ADMIN_TOKEN secret, `realtimekit-webhooks deliveries`
//              lists, shows, counts and redrives deliveries.
//
// Settings are vars and secrets (see README.md); bindings are wrangler.toml's.
import { durableReceiver } from "realtimekit-webhooks/d1";
import { on, onUnknown } from "./handlers.js";

export default durableReceiver({ on, onUnknown });
