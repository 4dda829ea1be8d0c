// A Cloudflare Worker that receives RealtimeKit webhook deliveries: it checks
// each delivery's signature, answers at once (2xx accepted, 401 forged, 400 not
// a payload, 503 try again), ignores repeats of a delivery, and does the slow
// work after answering.
import { WebhookVerifier, SignatureError, PayloadError } from "realtimekit-webhooks";

// One verifier per isolate: it fetches RealtimeKit's public key once and caches it.
let verifier;

// The deliveries this isolate accepted, by `rtk-uuid`: RealtimeKit retries a
// delivery with the same id. (To de-duplicate across isolates, keep the ids in
// KV or a Durable Object.)
const accepted = new Set();
const REMEMBERED = 10_000;

export default {
  async fetch(request, env, ctx) {
    if (request.method !== "POST") {
      return new Response("POST RealtimeKit webhook deliveries here.\n", { status: 405, headers: { allow: "POST" } });
    }
    verifier ??= new WebhookVerifier(env.RTK_KEY_URL ? { keyURL: env.RTK_KEY_URL } : undefined);

    let delivery;
    try {
      delivery = await verifier.verify(request);
    } catch (error) {
      if (error instanceof SignatureError) return new Response("bad signature\n", { status: 401 });
      if (error instanceof PayloadError) return new Response("not a webhook payload\n", { status: 400 });
      // The key could not be fetched: a 5xx makes RealtimeKit deliver again later.
      return new Response("try again later\n", { status: 503 });
    }

    if (accepted.has(delivery.id)) return new Response("already accepted\n", { status: 200 });
    remember(delivery.id);
    ctx.waitUntil(handle(delivery, env));
    return new Response(null, { status: 202 });
  },
};

function remember(id) {
  accepted.add(id);
  if (accepted.size > REMEMBERED) accepted.delete(accepted.values().next().value);
}

/** The slow work, after the answer: a line per event, handed to a backend. */
async function handle(delivery, env) {
  const line = describe(delivery);
  if (!env.BACKEND_URL) {
    console.log(line);
    return;
  }
  await fetch(env.BACKEND_URL, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ id: delivery.id, webhookId: delivery.webhookId, event: delivery.event, line }),
  });
}

/** One line about a delivery; checking `event` narrows `payload`. */
function describe({ event, payload }) {
  switch (event) {
    case "meeting.started":
      return `meeting "${payload.meeting?.title}" started`;
    case "meeting.ended":
      return `meeting "${payload.meeting?.title}" ended (${payload.reason ?? "no reason given"})`;
    case "meeting.participantJoined":
    case "meeting.participantLeft":
      return `${payload.participant?.userDisplayName}: ${event.slice("meeting.participant".length).toLowerCase()}`;
    case "recording.statusUpdate":
      return `recording ${payload.recording?.id} is ${payload.recording?.status}`;
    case "livestreaming.statusUpdate":
      return `livestream ${payload.streamId} is ${payload.status}`;
    case "meeting.chatSynced":
      return `chat ready: ${payload.chatDownloadUrl}`;
    case "meeting.transcript":
      return `transcript ready: ${payload.transcriptDownloadUrl}`;
    case "meeting.summary":
      return `summary ready: ${payload.summaryDownloadUrl}`;
    default:
      return `${event} (an event this version does not know)`;
  }
}
