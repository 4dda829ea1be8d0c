// A durable receiver of RealtimeKit webhook deliveries, on Cloudflare Queues + D1.
//
//   fetch:     verify -> record in D1 (unique on rtk-uuid and on the body's
//              SHA-256) -> enqueue the id -> 202. A delivery is a repeat (200)
//              only once it is done; one recorded but not done is enqueued
//              again, so a lost message or a failed enqueue loses nothing.
//   queue:     claim the delivery in D1, run its typed handlers (handlers.js),
//              mark it done; a failure releases it and retries with backoff.
//   DLQ queue: what kept failing is written to the dead_letters table.
//   scheduled: the sweeper enqueues deliveries not done whose message was lost.
//
// RealtimeKit retries only 5xx and network failures: this Worker answers 4xx
// only for a delivery forged (401) or malformed (400) for certain, and 503
// whenever in doubt (the key or D1 unavailable, the enqueue failed).
import { PayloadError, SignatureError, WebhookReceiver, deliveryKey } from "realtimekit-webhooks";
import { handlers } from "./handlers.js";
import { Ledger } from "./ledger.js";

/** The dead-letter queue, as named in wrangler.toml. */
const DEAD_LETTER_QUEUE = "rtk-deliveries-dlq";

/** Settings from the environment, with their defaults. */
function settings(env) {
  const number = (name, fallback) => (env[name] === undefined || env[name] === "" ? fallback : Number(env[name]));
  return {
    leaseMs: number("LEASE_MS", 60_000),
    retryDelaySeconds: number("RETRY_DELAY_SECONDS", 10),
    maxAttempts: number("MAX_ATTEMPTS", 6),
    sweepAfterMs: number("SWEEP_AFTER_MS", 10 * 60_000),
  };
}

// One receiver per isolate: its verifier fetches RealtimeKit's public key once and caches it.
let receiver;
function receiverFor(env) {
  const key = {};
  if (env.RTK_PUBLIC_KEY) key.publicKey = env.RTK_PUBLIC_KEY; // a given key (keygen's, to test with `trigger`)
  else {
    if (env.RTK_KEY_URL) key.keyURL = env.RTK_KEY_URL;
    if (env.RTK_KEY_COOLDOWN_MS) key.keyCooldown = Number(env.RTK_KEY_COOLDOWN_MS);
  }
  receiver ??= handlers(new WebhookReceiver(key));
  return receiver;
}

export default {
  async fetch(request, env) {
    if (request.method !== "POST") {
      return new Response("POST RealtimeKit webhook deliveries here.\n", { status: 405, headers: { allow: "POST" } });
    }
    const { verifier } = receiverFor(env);
    const body = new Uint8Array(await request.arrayBuffer());
    let delivery;
    try {
      delivery = await verifier.verifyBody(body, request.headers);
    } catch (error) {
      if (error instanceof SignatureError) return text(401, `forged: ${error.message}`);
      if (error instanceof PayloadError) return text(400, `malformed: ${error.message}`);
      return text(503, `try again later: ${error.message}`); // the key is unavailable: RealtimeKit retries 5xx
    }
    try {
      const key = await deliveryKey(delivery, body);
      const ledger = new Ledger(env.DB);
      const recorded = await ledger.record(key, new TextDecoder().decode(body), Date.now());
      if (recorded.state === "done" || recorded.state === "dead") return text(200, `repeat of ${recorded.id}`);
      // Not done: enqueue it, even if it was enqueued before (that message may be lost).
      await env.DELIVERIES.send({ id: recorded.id });
      return text(202, `queued ${recorded.id}`);
    } catch (error) {
      // D1 or the queue failed. The delivery may be recorded: its retry finds it not done and enqueues it.
      console.error("could not record or enqueue a delivery:", error);
      return text(503, "try again later");
    }
  },

  async queue(batch, env) {
    const ledger = new Ledger(env.DB);
    if (batch.queue === DEAD_LETTER_QUEUE) {
      for (const message of batch.messages) {
        try {
          await ledger.deadLetter(message.body.id, Date.now());
          message.ack();
        } catch (error) {
          console.error(`could not store dead letter ${message.body.id}:`, error);
          message.retry();
        }
      }
      return;
    }
    const { leaseMs, retryDelaySeconds } = settings(env);
    const receiver = receiverFor(env);
    // One message at a time, each acked or retried on its own (throwing
    // would retry the whole batch, handled messages too).
    for (const message of batch.messages) {
      const id = message.body.id;
      let claimed;
      try {
        claimed = await ledger.claim(id, leaseMs, Date.now());
      } catch (error) {
        console.error(`could not claim ${id}:`, error);
        message.retry({ delaySeconds: backoff(retryDelaySeconds, message.attempts) });
        continue;
      }
      // Done, dead, or being handled by the consumer that holds its lease (whose own message carries it).
      if (!claimed) {
        message.ack();
        continue;
      }
      try {
        await receiver.dispatch(claimed.delivery, { env });
        await ledger.complete(id, Date.now());
        message.ack();
      } catch (error) {
        console.error(`handling ${id} failed (attempt ${message.attempts}):`, error);
        await ledger.release(id, String(error?.message ?? error), Date.now()).catch(() => {});
        // After max_retries, the queue moves it to the dead-letter queue.
        message.retry({ delaySeconds: backoff(retryDelaySeconds, message.attempts) });
      }
    }
  },

  async scheduled(controller, env) {
    const { maxAttempts, sweepAfterMs } = settings(env);
    const ledger = new Ledger(env.DB);
    const now = Date.now();
    for (const { id, attempts } of await ledger.unfinished(now - sweepAfterMs)) {
      if (attempts >= maxAttempts) {
        await ledger.deadLetter(id, now);
      } else {
        await ledger.touch(id, now);
        await env.DELIVERIES.send({ id });
      }
    }
  },
};

/** Seconds before retry `attempt` (1, 2, ...): `base`, doubling, at most an hour. */
function backoff(base, attempt) {
  return Math.min(base * 2 ** Math.max(0, attempt - 1), 3600);
}

function text(status, body) {
  return new Response(`${body}\n`, { status, headers: { "content-type": "text/plain; charset=utf-8" } });
}
