//! The TypeScript shapes of the JS API, emitted into the package's `.d.ts`.
//! The classes' own signatures come from `#[wasm_bindgen]`; these are the
//! plain-object types they accept and return.

use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TYPES: &'static str = r#"
/** A registered webhook, with the API's own field names. */
export interface Webhook {
  /** The webhook's id (a uuid). */
  id: string;
  /** Its name. */
  name: string;
  /** The URL deliveries are POSTed to. */
  url: string;
  /** The events it is subscribed to; names unknown to this version are kept as strings. */
  events: (WebhookEvent | (string & {}))[];
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
  /** Events to subscribe to (at least one). */
  events: WebhookEvent[];
  /** Whether it is active (default true). */
  enabled?: boolean;
}

/** The input of `edit`: fields left out keep their value. */
export interface WebhookPatch {
  name?: string;
  url?: string;
  events?: WebhookEvent[];
  enabled?: boolean;
}

/** What `ensure` did, and the webhook as it now is. */
export interface EnsureResult {
  webhook: Webhook;
  action: "created" | "updated" | "unchanged";
}

/** Options of `new WebhooksClient(options)`: give `apiToken`, or `apiKey` and `apiEmail`. */
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
  /** The fetch to call (default: the global fetch). */
  fetch?: (request: Request) => Promise<Response>;
  /** Headers sent with every request. */
  defaultHeaders?: Record<string, string> | Headers;
} & (
  | { /** An API token with the "Realtime Admin" or "Realtime" permission. */ apiToken: string; apiKey?: undefined; apiEmail?: undefined }
  | { apiToken?: undefined; /** A global API key (legacy). */ apiKey: string; /** The email of the key's account. */ apiEmail: string }
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
  | { /** The PEM SPKI public key ("-----BEGIN PUBLIC KEY-----"); escaped \n newlines are fine. */ publicKey: string; keyURL?: undefined; fetch?: undefined }
  | {
      publicKey?: undefined;
      /** Where to fetch `{"data":{"publicKey":...}}` (default "https://api.realtime.cloudflare.com/.well-known/webhooks.json"). */
      keyURL?: string;
      /** The fetch to call for the key (default: the global fetch). */
      fetch?: (request: Request) => Promise<Response>;
    }
);

/** The `organizedBy` of a meeting. */
export interface Organization {
  id: string;
  name: string;
  [field: string]: unknown;
}

/** A meeting, as the meeting events describe it. */
export interface Meeting {
  id: string;
  sessionId: string;
  title: string;
  /** Only for meetings created with the v1 API. */
  roomName?: string;
  status: string;
  /** ISO-8601. */
  createdAt: string;
  /** ISO-8601. */
  startedAt: string;
  /** ISO-8601; absent or null while the meeting runs. */
  endedAt?: string | null;
  organizedBy: Organization;
  [field: string]: unknown;
}

/** A participant of `meeting.participantJoined` and `meeting.participantLeft`. */
export interface Participant {
  peerId: string;
  userDisplayName: string;
  /** Your own id for the participant. */
  customParticipantId?: string;
  /** @deprecated Use customParticipantId. */
  clientSpecificId?: string;
  /** ISO-8601. */
  joinedAt: string;
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
  id: string;
  recordingId?: string;
  status: RecordingStatus;
  downloadUrl?: string | null;
  audioDownloadUrl?: string | null;
  downloadUrlExpiry?: string | null;
  startedTime?: string | null;
  stoppedTime?: string | null;
  /** Bytes: a string in Cloudflare's docs, a number in Dyte's. */
  fileSize?: string | number | null;
  outputFileName?: string | null;
  meetingId?: string;
  /** Seconds. */
  recordingDuration?: number | null;
  organizationId?: string;
  roomUUID?: string;
  [field: string]: unknown;
}

/** `meeting.started` */
export interface MeetingStartedPayload {
  event: "meeting.started";
  meeting: Meeting;
  [field: string]: unknown;
}

/** `meeting.ended` */
export interface MeetingEndedPayload {
  event: "meeting.ended";
  meeting: Meeting;
  reason?: "HOST_ENDED_MEETING" | "ALL_PARTICIPANTS_LEFT" | (string & {});
  [field: string]: unknown;
}

/** `meeting.participantJoined` */
export interface ParticipantJoinedPayload {
  event: "meeting.participantJoined";
  meeting: Meeting;
  participant: Participant;
  [field: string]: unknown;
}

/** `meeting.participantLeft` */
export interface ParticipantLeftPayload {
  event: "meeting.participantLeft";
  meeting: Meeting;
  participant: Participant;
  [field: string]: unknown;
}

/** `meeting.chatSynced`: RealtimeKit sends the meeting fields at the top level, Dyte sent `meeting`. */
export interface ChatSyncedPayload {
  event: "meeting.chatSynced";
  sessionId?: string;
  meetingId?: string;
  title?: string;
  chatDownloadUrl: string;
  /** ISO-8601 (Dyte wrote a space instead of the `T`). */
  chatDownloadUrlExpiry: string;
  createdAt?: string;
  startedAt?: string;
  endedAt?: string | null;
  organizedBy?: Organization;
  meeting?: Meeting;
  [field: string]: unknown;
}

/** `recording.statusUpdate` */
export interface RecordingStatusUpdatePayload {
  event: "recording.statusUpdate";
  recording: Recording;
  meeting?: Meeting;
  [field: string]: unknown;
}

/** `livestreaming.statusUpdate` (Dyte sent only `streamId` and `status`). */
export interface LivestreamingStatusUpdatePayload {
  event: "livestreaming.statusUpdate";
  streamId: string;
  status: LivestreamStatus;
  manualIngest?: boolean;
  playbackUrl?: string;
  ingestServer?: string;
  streamKey?: string;
  meeting?: Meeting;
  [field: string]: unknown;
}

/** `meeting.transcript` */
export interface TranscriptPayload {
  event: "meeting.transcript";
  meeting: Meeting;
  transcriptDownloadUrl: string;
  transcriptDownloadUrlExpiry?: string;
  [field: string]: unknown;
}

/** `meeting.summary` */
export interface SummaryPayload {
  event: "meeting.summary";
  meeting: Meeting;
  summaryDownloadUrl: string;
  summaryDownloadUrlExpiry?: string;
  [field: string]: unknown;
}

declare const unknownEvent: unique symbol;
/** An event name this version does not know: a plain string at run time, branded so that checks on the nine known names narrow. */
export type UnknownEvent = string & { readonly [unknownEvent]: true };

/** The body of an event this version does not know, untouched. */
export interface UnknownPayload {
  event: UnknownEvent;
  [field: string]: unknown;
}

/** A delivery's body: a union discriminated on `event`. */
export type WebhookPayload =
  | MeetingStartedPayload
  | MeetingEndedPayload
  | ParticipantJoinedPayload
  | ParticipantLeftPayload
  | ChatSyncedPayload
  | RecordingStatusUpdatePayload
  | LivestreamingStatusUpdatePayload
  | TranscriptPayload
  | SummaryPayload
  | UnknownPayload;

/** A verified delivery whose body is `P`. */
export interface DeliveryOf<P extends WebhookPayload> {
  /** `rtk-uuid`: unique per delivery (its retries share it): de-duplicate on it. */
  id: string | null;
  /** `rtk-webhook-id`: the webhook that sent it. */
  webhookId: string | null;
  /** The body's `event`. */
  event: P["event"];
  /** The parsed body, untouched. */
  payload: P;
}

/** A verified delivery; checking `event` narrows `payload`. */
export type Delivery = WebhookPayload extends infer P ? (P extends WebhookPayload ? DeliveryOf<P> : never) : never;
"#;

#[wasm_bindgen]
extern "C" {
    /// `VerifierOptions` in TypeScript.
    #[wasm_bindgen(typescript_type = "VerifierOptions")]
    pub type VerifierOptionsArg;
    /// A fetch `Request`.
    #[wasm_bindgen(typescript_type = "Request")]
    pub type RequestArg;
    /// A raw delivery body.
    #[wasm_bindgen(typescript_type = "string | Uint8Array | ArrayBuffer")]
    pub type DeliveryBodyArg;
    /// A delivery's headers.
    #[wasm_bindgen(typescript_type = "Headers | Record<string, string | string[] | undefined>")]
    pub type DeliveryHeadersArg;
    /// `ClientOptions` in TypeScript.
    #[wasm_bindgen(typescript_type = "ClientOptions")]
    pub type ClientOptionsArg;
    /// `RequestOptions` in TypeScript.
    #[wasm_bindgen(typescript_type = "RequestOptions")]
    pub type RequestOptionsArg;
    /// `WebhookInput` in TypeScript.
    #[wasm_bindgen(typescript_type = "WebhookInput")]
    pub type WebhookInputArg;
    /// `WebhookPatch` in TypeScript.
    #[wasm_bindgen(typescript_type = "WebhookPatch")]
    pub type WebhookPatchArg;
}
