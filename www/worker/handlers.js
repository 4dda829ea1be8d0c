// The work done for each delivery, registered by event on a WebhookReceiver:
// checking the event narrows the payload's type. Here each handler hands a
// line about the event to a backend (BACKEND_URL) or logs it; put your own
// work in their place. A handler that throws is retried with backoff, then
// kept in the dead_letters table: make handlers idempotent (a retry may
// follow a failure halfway through) by what the payload says (a meeting's id
// and session, a recording's id and status), not by the delivery's `id`,
// which is not signed, and give their I/O a timeout (the claim is renewed for
// as long as they run).

/** Registers this Worker's handlers on `receiver`, and returns it. */
export function handlers(receiver) {
  return receiver
    .on("meeting.started", (d, { env }) => deliver(env, d, `meeting "${d.payload.meeting?.title}" started`))
    .on("meeting.ended", (d, { env }) => deliver(env, d, `meeting "${d.payload.meeting?.title}" ended (${d.payload.reason ?? "no reason given"})`))
    .on(["meeting.participantJoined", "meeting.participantLeft"], (d, { env }) => {
      const what = d.event === "meeting.participantJoined" ? "joined" : "left";
      return deliver(env, d, `${d.payload.participant?.userDisplayName} ${what}`);
    })
    .on("recording.statusUpdate", (d, { env }) => deliver(env, d, `recording ${d.payload.recording?.id} is ${d.payload.recording?.status}`))
    .on("livestreaming.statusUpdate", (d, { env }) => deliver(env, d, `livestream ${d.payload.streamId} is ${d.payload.status}`))
    .on("meeting.chatSynced", (d, { env }) => deliver(env, d, `chat ready: ${d.payload.chatDownloadUrl}`))
    .on("meeting.transcript", (d, { env }) => deliver(env, d, `transcript ready: ${d.payload.transcriptDownloadUrl}`))
    .on("meeting.summary", (d, { env }) => deliver(env, d, `summary ready: ${d.payload.summaryDownloadUrl}`))
    .onUnknown((d, { env }) => deliver(env, d, `${d.event} (an event this version does not know)`));
}

/**
 * POSTs `{ id, webhookId, event, line }` to BACKEND_URL (or logs the line);
 * anything but a 2xx, or no answer within BACKEND_TIMEOUT_MS (default 30 s,
 * below the lease), is a failure.
 */
async function deliver(env, delivery, line) {
  if (!env.BACKEND_URL) {
    console.log(line);
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
