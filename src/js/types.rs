//! The TypeScript shapes of the JS API, emitted into the package's `.d.ts`.
//! The classes' own signatures come from `#[wasm_bindgen]`; these are the
//! plain-object types they accept and return.

use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TYPES: &'static str = r#"
declare const unknownEvent: unique symbol;
/**
 * An event name this version does not know, as the API gave it (in a
 * webhook's `events`, or from `supportedEvents()`). It can be passed back
 * where event names go, so reading then writing compiles; a name written by
 * hand cannot be one, so a typo stays a compile error. At run time only the
 * nine `WebhookEvent` names are accepted as input (a newer version knows more).
 */
export type UnknownEvent = string & { readonly [unknownEvent]: true };

/** A registered webhook, with the API's own field names. */
export interface Webhook {
  /** The webhook's id (a uuid). */
  id: string;
  /** Its name. */
  name: string;
  /** The URL deliveries are POSTed to. */
  url: string;
  /** The events it is subscribed to; names unknown to this version are kept as they came. */
  events: (WebhookEvent | UnknownEvent)[];
  /** Whether deliveries are sent. */
  enabled: boolean;
  /** When it was created (ISO-8601). */
  created_at: string;
  /** When it was last changed (ISO-8601). */
  updated_at: string;
}

/** The input of `create`, `replace` and `ensure`. */
export interface WebhookInput {
  /** Name of the webhook (non-empty). */
  name: string;
  /** Absolute http:// or https:// URL to deliver to. */
  url: string;
  /** Events to subscribe to (at least one, each once: a repeat is a ValidationError). */
  events: readonly (WebhookEvent | UnknownEvent)[];
  /** Whether it is active (default true). */
  enabled?: boolean;
}

/** The input of `edit`: fields left out keep their value. */
export interface WebhookPatch {
  /** New name (non-empty). */
  name?: string;
  /** New absolute http:// or https:// URL. */
  url?: string;
  /** New event list (replaces the old one; at least one). */
  events?: readonly (WebhookEvent | UnknownEvent)[];
  /** Enable or disable. */
  enabled?: boolean;
}

/** What `ensure` did, and the webhook as it now is. */
export interface EnsureResult {
  /** The webhook as it now is. */
  webhook: Webhook;
  /** What was done: created (none had the name), updated (it differed), or nothing. */
  action: "created" | "updated" | "unchanged";
  /** Other webhooks with the same name, left as they are (the oldest is the one kept in shape): delete them if they are duplicates. */
  duplicates: Webhook[];
}

/** Options of `new WebhooksClient(options)`: give `apiToken`, or `apiKey` and `apiEmail` (or have them in `process.env`). */
export type ClientOptions = {
  /** The Cloudflare account id. */
  accountId: string;
  /** The RealtimeKit app id. */
  appId: string;
  /** The API's base URL (default "https://api.cloudflare.com/client/v4"); the emulator's for offline use. */
  baseURL?: string;
  /** Milliseconds allowed for each attempt (default 60000). */
  timeout?: number;
  /** Retries after the first attempt, 0 to 10 (default 2). */
  maxRetries?: number;
  /** The fetch to call, as `fetch(url, init)` (default: the global fetch). */
  fetch?: (input: string, init: RequestInit) => Promise<Response>;
  /** Headers sent with every request. */
  defaultHeaders?: Record<string, string> | Headers;
} & (
  | {
      /**
       * An API token with the "Realtime Admin" or "Realtime" permission. When no
       * credential is given, `CLOUDFLARE_API_TOKEN` (or `CLOUDFLARE_API_KEY` and
       * `CLOUDFLARE_EMAIL`) is read from `process.env` where there is one; a
       * missing one is a `ValidationError`.
       */
      apiToken?: string | undefined;
      apiKey?: undefined;
      apiEmail?: undefined;
    }
  | {
      apiToken?: undefined;
      /** A global API key (legacy). */
      apiKey: string | undefined;
      /** The email of the key's account. */
      apiEmail: string | undefined;
    }
);

/** Options of a single call. */
export interface RequestOptions {
  /** Aborts the call, including any wait between retries. */
  signal?: AbortSignal;
  /** Milliseconds allowed for each attempt. */
  timeout?: number;
  /** Retries after the first attempt, 0 to 10. */
  maxRetries?: number;
  /** Extra headers for this call. */
  headers?: Record<string, string> | Headers;
}

/** Options of `new WebhookVerifier(options)`: a given `publicKey`, or a `keyURL` to fetch it from (default RealtimeKit's). */
export type VerifierOptions = {
  /** Bodies larger than this many bytes are refused with PayloadError (default 1 MiB). */
  maxBodyBytes?: number;
} & (
  | { /** The PEM SPKI public key ("-----BEGIN PUBLIC KEY-----"); escaped \n newlines are fine. */ publicKey: string; keyURL?: undefined; fetch?: undefined; keyCooldown?: undefined; keyMaxAge?: undefined; previousKeyGrace?: undefined }
  | {
      publicKey?: undefined;
      /** Where to fetch `{"data":{"publicKey":...}}` (default "https://api.realtime.cloudflare.com/.well-known/webhooks.json"). */
      keyURL?: string;
      /** The fetch to call for the key, as `fetch(url, init)` (default: the global fetch). */
      fetch?: (input: string, init: RequestInit) => Promise<Response>;
      /** Least milliseconds between two fetches of the key (default 10000), so forged deliveries cannot flood the key URL. */
      keyCooldown?: number;
      /** Milliseconds a fetched key is used before it is fetched again (default 600000). */
      keyMaxAge?: number;
      /**
       * Milliseconds a key stays accepted after the key URL started serving a new one (default 86400000, a day):
       * RealtimeKit's retries of a delivery signed before a rotation carry the old signature. 0: not at all
       * (for a rotation that revokes a leaked key).
       */
      previousKeyGrace?: number;
    }
);

// The payloads: every field but `event` is optional, as in the Rust types
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

/** A delivery's body: a union discriminated on `event` (see `UnknownPayload` for the rest). */
export type WebhookPayload =
  | MeetingStartedPayload
  | MeetingEndedPayload
  | ParticipantJoinedPayload
  | ParticipantLeftPayload
  | ChatSyncedPayload
  | RecordingStatusUpdatePayload
  | LivestreamingStatusUpdatePayload
  | TranscriptPayload
  | SummaryPayload;

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
"#;
