// The delivery payloads, one interface per event, named `<Variant>Payload`
// after the event's variant in the crate's one list of events (src/models.rs),
// which also generates the `WebhookPayload` union of them: a test
// (src/events.rs) fails, naming the interface, when an event of the list has
// none here. Every field but `event` is optional, as in the Rust types
// (src/events.rs): the verifier checks only `event`, and RealtimeKit's bodies
// vary by version (Dyte's older shapes lack many fields). Read them with `?.`.

/** The `organizedBy` of a meeting. */
export interface Organization {
  /** Its id. */
  id?: string;
  /** Its name. */
  name?: string;
  [field: string]: unknown;
}

/** A meeting, as the meeting events describe it. */
export interface Meeting {
  /** The meeting id. */
  id?: string;
  /** This session of the meeting. */
  sessionId?: string;
  /** Its title. */
  title?: string;
  /** Only for meetings created with the v1 API. */
  roomName?: string;
  /** `LIVE`, ... */
  status?: string;
  /** ISO-8601. */
  createdAt?: string;
  /** ISO-8601. */
  startedAt?: string;
  /** ISO-8601; absent or null while the meeting runs. */
  endedAt?: string | null;
  /** The organization that owns it. */
  organizedBy?: Organization;
  [field: string]: unknown;
}

/** A participant of `meeting.participantJoined` and `meeting.participantLeft`. */
export interface Participant {
  /** The peer id of this connection. */
  peerId?: string;
  /** The name shown. */
  userDisplayName?: string;
  /** Your own id for the participant. */
  customParticipantId?: string;
  /** @deprecated Use customParticipantId. */
  clientSpecificId?: string;
  /** ISO-8601. */
  joinedAt?: string;
  /** ISO-8601 (`meeting.participantLeft`). */
  leftAt?: string;
  [field: string]: unknown;
}

/** A recording's status (`INVOKED` only from Dyte); unknown values are kept. */
export type RecordingStatus = "INVOKED" | "RECORDING" | "UPLOADING" | "UPLOADED" | "ERRORED" | (string & {});
/** A livestream's status; unknown values are kept. */
export type LivestreamStatus = "LIVE" | "OFFLINE" | "IDLE" | (string & {});

/** The recording of `recording.statusUpdate`. */
export interface Recording {
  /** Its id. */
  id?: string;
  /** Its id, again. */
  recordingId?: string;
  /** Where it is in its life. */
  status?: RecordingStatus;
  /** Video download URL. */
  downloadUrl?: string | null;
  /** Audio download URL. */
  audioDownloadUrl?: string | null;
  /** When the download URLs expire (ISO-8601). */
  downloadUrlExpiry?: string | null;
  /** ISO-8601. */
  startedTime?: string | null;
  /** ISO-8601. */
  stoppedTime?: string | null;
  /** Bytes: a string in Cloudflare's docs, a number in Dyte's. */
  fileSize?: string | number | null;
  /** The file's name. */
  outputFileName?: string | null;
  /** The meeting id. */
  meetingId?: string;
  /** Seconds. */
  recordingDuration?: number | null;
  /** The organization id. */
  organizationId?: string;
  /** The session id. */
  roomUUID?: string;
  [field: string]: unknown;
}

/** `meeting.started` */
export interface MeetingStartedPayload {
  event: "meeting.started";
  /** The meeting that started. */
  meeting?: Meeting;
  [field: string]: unknown;
}

/** `meeting.ended` */
export interface MeetingEndedPayload {
  event: "meeting.ended";
  /** The meeting that ended. */
  meeting?: Meeting;
  /** Why it ended. */
  reason?: "HOST_ENDED_MEETING" | "ALL_PARTICIPANTS_LEFT" | (string & {});
  [field: string]: unknown;
}

/** `meeting.participantJoined` */
export interface ParticipantJoinedPayload {
  event: "meeting.participantJoined";
  /** The meeting. */
  meeting?: Meeting;
  /** Who joined. */
  participant?: Participant;
  [field: string]: unknown;
}

/** `meeting.participantLeft` */
export interface ParticipantLeftPayload {
  event: "meeting.participantLeft";
  /** The meeting. */
  meeting?: Meeting;
  /** Who left. */
  participant?: Participant;
  [field: string]: unknown;
}

/** `meeting.chatSynced`: RealtimeKit sends the meeting fields at the top level, Dyte sent `meeting`. */
export interface ChatSyncedPayload {
  event: "meeting.chatSynced";
  /** The session whose chat this is. */
  sessionId?: string;
  /** The meeting id. */
  meetingId?: string;
  /** The meeting title. */
  title?: string;
  /** Where to download the chat. */
  chatDownloadUrl?: string;
  /** ISO-8601 (Dyte wrote a space instead of the `T`). */
  chatDownloadUrlExpiry?: string;
  /** ISO-8601. */
  createdAt?: string;
  /** ISO-8601. */
  startedAt?: string;
  /** ISO-8601. */
  endedAt?: string | null;
  /** The organization. */
  organizedBy?: Organization;
  /** The meeting, in Dyte's shape. */
  meeting?: Meeting;
  [field: string]: unknown;
}

/** `recording.statusUpdate` */
export interface RecordingStatusUpdatePayload {
  event: "recording.statusUpdate";
  /** The recording. */
  recording?: Recording;
  /** The meeting recorded. */
  meeting?: Meeting;
  [field: string]: unknown;
}

/** `livestreaming.statusUpdate` (Dyte sent only `streamId` and `status`). */
export interface LivestreamingStatusUpdatePayload {
  event: "livestreaming.statusUpdate";
  /** The stream id. */
  streamId?: string;
  /** Where the stream is. */
  status?: LivestreamStatus;
  /** Whether it is ingested from an external encoder. */
  manualIngest?: boolean;
  /** HLS playback URL. */
  playbackUrl?: string;
  /** RTMP ingest server. */
  ingestServer?: string;
  /** RTMP stream key. */
  streamKey?: string;
  /** The meeting streamed. */
  meeting?: Meeting;
  [field: string]: unknown;
}

/** `meeting.transcript` */
export interface TranscriptPayload {
  event: "meeting.transcript";
  /** The meeting. */
  meeting?: Meeting;
  /** Where to download the transcript. */
  transcriptDownloadUrl?: string;
  /** When that URL expires (ISO-8601). */
  transcriptDownloadUrlExpiry?: string;
  [field: string]: unknown;
}

/** `meeting.summary` */
export interface SummaryPayload {
  event: "meeting.summary";
  /** The meeting. */
  meeting?: Meeting;
  /** Where to download the summary. */
  summaryDownloadUrl?: string;
  /** When that URL expires (ISO-8601). */
  summaryDownloadUrlExpiry?: string;
  [field: string]: unknown;
}

/**
 * The body of an event this version does not know, passed through untouched.
 * Such deliveries arrive with their own name in `event`; they are not part of
 * `WebhookPayload` (so that checking `event` narrows it): handle them in the
 * `default` branch, as `delivery.payload as unknown as UnknownPayload`.
 */
export interface UnknownPayload {
  event: string;
  [field: string]: unknown;
}

/** A verified delivery whose body is `P`. */
export interface DeliveryOf<P extends WebhookPayload> {
  /** `rtk-uuid`: unique per delivery (its retries share it). Not signed: for logs, not for de-duplicating in handlers (the receiver's store does that). */
  id: string;
  /** `rtk-webhook-id`: the webhook that sent it. Not signed: for logs, never to route or authorize by. */
  webhookId: string | null;
  /** The body's `event`. */
  event: P["event"];
  /** The parsed body, untouched. */
  payload: P;
}

/** A verified delivery; checking `event` narrows `payload`. */
export type Delivery = WebhookPayload extends infer P ? (P extends WebhookPayload ? DeliveryOf<P> : never) : never;
