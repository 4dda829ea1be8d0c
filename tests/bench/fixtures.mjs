// What the bench server answers and the contenders ask for.

export const ACCOUNT = "023e105f4ecef8ad9ca31a8372d0c353";
export const TOKEN = "bench-token";
/** The app of `get`; list apps are named `list-{N}`. */
export const APP = "bench-app";
export const HOOK_ID = "182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e";

const EVENTS = ["meeting.started", "meeting.ended", "meeting.participantJoined", "recording.statusUpdate"];

/** The i-th webhook of a list: realistic field sizes, deterministic. */
export function webhook(i) {
  const hex = i.toString(16).padStart(12, "0");
  return {
    id: `5b1e0c4a-7f3d-4c2e-9a8b-${hex}`,
    name: `meetings webhook ${i}`,
    url: `https://hooks.example.com/realtimekit/${i}/receive`,
    events: EVENTS,
    enabled: i % 5 !== 4,
    created_at: "2026-03-14T09:26:53.589Z",
    updated_at: "2026-04-01T17:02:11.000Z",
  };
}

/** A RealtimeKit success envelope. */
export function envelope(data) {
  return JSON.stringify({ success: true, data });
}
