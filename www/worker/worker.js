// A durable receiver of RealtimeKit webhook deliveries, on Cloudflare Queues + D1.
//
//   fetch:     read the body (at most maxBodyBytes) -> verify -> record in D1
//              (keyed on rtk-uuid and the body's SHA-256, unique on the replay
//              key) -> enqueue it -> 202. A delivery is a repeat (200) only
//              once it is done; one recorded but not done is enqueued again,
//              so a lost message or a failed enqueue loses nothing.
//   queue:     the receiver handles it once across consumers (handleOnce:
//              claim in D1 with an owned lease, renewed while the handlers
//              run; done, or released on failure, each write retried on its
//              own); a failure retries the message with backoff.
//   DLQ queue: what kept failing is written to the dead_letters table.
//   scheduled: the sweeper enqueues deliveries not done whose message was lost.
//
// RealtimeKit retries only 5xx and network failures: this Worker answers 4xx
// only for a delivery forged (401) or malformed (400) for certain, and 503
// whenever in doubt (the key or D1 unavailable, the enqueue failed). Its
// answers say the outcome only; the details go to the logs.
import { PayloadError, SignatureError, WebhookReceiver, deliveryKey, readDeliveryBody } from "realtimekit-webhooks";
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
    maxBodyBytes: number("MAX_BODY_BYTES", 1024 * 1024),
  };
}

// One receiver per isolate: its verifier fetches RealtimeKit's public key once
// and caches it; its store is the ledger.
let receiver;
function receiverFor(env) {
  if (receiver) return receiver;
  const { leaseMs, maxBodyBytes } = settings(env);
  const key = env.RTK_PUBLIC_KEY
    ? { publicKey: env.RTK_PUBLIC_KEY } // a given key (keygen's, to test with `trigger`)
    : { keyURL: env.RTK_KEY_URL || undefined, keyCooldown: env.RTK_KEY_COOLDOWN_MS ? Number(env.RTK_KEY_COOLDOWN_MS) : undefined };
  receiver = handlers(new WebhookReceiver({
    ...key,
    maxBodyBytes,
    store: new Ledger(env.DB),
    leaseMs,
    onError: (error, result) => console.error(`${result.outcome} ${result.delivery?.id ?? ""}:`, error),
  }));
  return receiver;
}

export default {
  async fetch(request, env) {
    if (request.method !== "POST") {
      return new Response("POST RealtimeKit webhook deliveries here.\n", { status: 405, headers: { allow: "POST" } });
    }
    const { verifier, maxBodyBytes } = receiverFor(env);
    let body;
    try {
      body = await readDeliveryBody(request, maxBodyBytes); // stops (and cancels the stream) past the limit
    } catch (error) {
      if (error instanceof PayloadError) return text(400, "malformed: not a webhook delivery");
      console.error("could not read a delivery:", error); // the body broke off
      return text(503, "unreadable");
    }
    let delivery;
    try {
      delivery = await verifier.verifyBody(body, request.headers);
    } catch (error) {
      if (error instanceof SignatureError) return text(401, "forged: the signature does not verify");
      if (error instanceof PayloadError) return text(400, "malformed: not a webhook delivery");
      console.error("could not verify a delivery:", error); // the key is unavailable
      return text(503, "key-unavailable");
    }
    try {
      const key = await deliveryKey(delivery, body);
      const recorded = await new Ledger(env.DB).record(key, new TextDecoder().decode(body), Date.now());
      if (recorded.state === "done" || recorded.state === "dead") return text(200, "repeat");
      // Not done: enqueue it, even if it was enqueued before (that message may be lost).
      await env.DELIVERIES.send({ id: recorded.id, bodyHash: recorded.bodyHash });
      return text(202, "queued");
    } catch (error) {
      // D1 or the queue failed. The delivery may be recorded: its retry finds it not done and enqueues it.
      console.error("could not record or enqueue a delivery:", error);
      return text(503, "store-failed");
    }
  },

  async queue(batch, env) {
    const ledger = new Ledger(env.DB);
    if (batch.queue === DEAD_LETTER_QUEUE) {
      for (const message of batch.messages) {
        try {
          await ledger.deadLetter(message.body.id, message.body.bodyHash, Date.now());
          message.ack();
        } catch (error) {
          console.error(`could not store dead letter ${message.body.id}:`, error);
          message.retry();
        }
      }
      return;
    }
    const { retryDelaySeconds } = settings(env);
    const receiver = receiverFor(env);
    // One message at a time, each acked or retried on its own (throwing
    // would retry the whole batch, handled messages too).
    for (const message of batch.messages) {
      const retry = () => message.retry({ delaySeconds: backoff(retryDelaySeconds, message.attempts) });
      let found;
      try {
        found = await ledger.find(message.body.id, message.body.bodyHash);
      } catch (error) {
        console.error(`could not read ${message.body.id}:`, error);
        retry();
        continue;
      }
      if (!found) {
        message.ack(); // never recorded: nothing to handle
        continue;
      }
      const result = await receiver.handleOnce(found.delivery, found.key, { env });
      // handled; repeat (done or dead); in-progress (the consumer that holds
      // its lease has its own message): nothing more to do here. A failure
      // was released for the retry; after max_retries the queue moves it to
      // the dead-letter queue.
      if (result.outcome === "handler-failed" || result.outcome === "store-failed") retry();
      else message.ack();
    }
  },

  async scheduled(controller, env) {
    const { maxAttempts, sweepAfterMs } = settings(env);
    const ledger = new Ledger(env.DB);
    const now = Date.now();
    for (const { id, bodyHash, attempts } of await ledger.unfinished(now - sweepAfterMs)) {
      if (attempts >= maxAttempts) {
        await ledger.deadLetter(id, bodyHash, now);
      } else {
        await ledger.touch(id, bodyHash, now);
        await env.DELIVERIES.send({ id, bodyHash });
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
