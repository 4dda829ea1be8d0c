// The work done for each delivery, by event: checking the event narrows the
// payload's type. Here each handler hands a line about the event to a backend
// (BACKEND_URL) or logs it; put your own work in their place.
//
// A handler that throws is retried with backoff, then marked dead (and can be
// redriven). So make handlers idempotent (a retry may follow a failure
// halfway through) by what the payload says (a meeting's id and session, a
// recording's id and status), not by the delivery's `id`, which is not
// signed; and give their I/O a timeout (the claim is renewed while they run).

/** Handlers by event name, each given the delivery and `{ env, ctx }`. */
export const on = {
  "meeting.started": (d, { env }) => deliver(env, d, `meeting "${d.payload.meeting?.title}" started`),
  "meeting.ended": (d, { env }) => deliver(env, d, `meeting "${d.payload.meeting?.title}" ended (${d.payload.reason ?? "no reason given"})`),
  "meeting.participantJoined": (d, { env }) => deliver(env, d, `${d.payload.participant?.userDisplayName} joined`),
  "meeting.participantLeft": (d, { env }) => deliver(env, d, `${d.payload.participant?.userDisplayName} left`),
  "recording.statusUpdate": (d, { env }) => deliver(env, d, `recording ${d.payload.recording?.id} is ${d.payload.recording?.status}`),
  "livestreaming.statusUpdate": (d, { env }) => deliver(env, d, `livestream ${d.payload.streamId} is ${d.payload.status}`),
  "meeting.chatSynced": (d, { env }) => deliver(env, d, `chat ready: ${d.payload.chatDownloadUrl}`),
  "meeting.transcript": (d, { env }) => deliver(env, d, `transcript ready: ${d.payload.transcriptDownloadUrl}`),
  "meeting.summary": (d, { env }) => deliver(env, d, `summary ready: ${d.payload.summaryDownloadUrl}`),
};

/** Deliveries of events this version of the package does not know. */
export const onUnknown = (d, { env }) => deliver(env, d, `${d.event} (an event this version does not know)`);

/**
 * POSTs `{ id, webhookId, event, line }` to BACKEND_URL (or logs the line);
 * anything but a 2xx, or no answer within BACKEND_TIMEOUT_MS (default 30 s,
 * below the lease), is a failure.
 */
async function deliver(env, delivery, line) {
  if (!env.BACKEND_URL) {
    console.log(`${delivery.event} ${delivery.id}: ${line}`);
    return;
  }
  const response = await fetch(env.BACKEND_URL, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ id: delivery.id, webhookId: delivery.webhookId, event: delivery.event, line }),
    signal: AbortSignal.timeout(Number(env.BACKEND_TIMEOUT_MS || 30_000)),
  });
  await response.body?.cancel();
  if (!response.ok) throw new Error(`BACKEND_URL answered ${response.status}`);
}
