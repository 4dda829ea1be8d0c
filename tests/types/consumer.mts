// Every export of the package used as the contract (shared/design.md) says,
// with its exact type: `tsc --strict` must accept this file. `Expect<Equal<A, B>>`
// fails to compile unless A and B are the same type (`any` is equal to nothing).
import {
  WebhooksClient,
  WebhookVerifier,
  RealtimeKitError,
  ValidationError,
  APIError,
  BadRequestError,
  AuthenticationError,
  PermissionDeniedError,
  NotFoundError,
  ConflictError,
  UnprocessableEntityError,
  RateLimitError,
  InternalServerError,
  APIConnectionError,
  APIConnectionTimeoutError,
  APIUserAbortError,
  SignatureError,
  PayloadError,
  KeyUnavailableError,
  WebhookReceiver,
  MemoryDeliveryStore,
  createNodeHandler,
  parseEvents,
  generateTestKeys,
  signDelivery,
  exampleDelivery,
  WEBHOOK_EVENTS,
  isWebhookEvent,
} from "realtimekit-webhooks";
import type {
  APIErrorDetail,
  ChatSyncedPayload,
  ClientOptions,
  Delivery,
  DeliveryOf,
  LivestreamStatus,
  LivestreamingStatusUpdatePayload,
  Meeting,
  MeetingEndedPayload,
  MeetingStartedPayload,
  Organization,
  Participant,
  ParticipantJoinedPayload,
  ParticipantLeftPayload,
  Recording,
  RecordingStatus,
  RecordingStatusUpdatePayload,
  SummaryPayload,
  TranscriptPayload,
  UnknownPayload,
  VerifierOptions,
  WebhookPayload,
  EnsureResult,
  RequestOptions,
  Webhook,
  WebhookEvent,
  WebhookInput,
  WebhookPatch,
  DeliveryFor,
  DeliveryKey,
  DeliveryStore,
  Claim,
  PayloadOf,
  ReceiveResult,
  ReceiveOutcome,
  UnknownDelivery,
  UnknownEvent,
} from "realtimekit-webhooks";

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Expect<T extends true> = T;
type Awaited_<T> = T extends Promise<infer U> ? U : never;

// WebhookEvent: the union of the names of WEBHOOK_EVENTS, and of the payloads' events (all three
// made from the crate's one list; the .d.ts snapshot shows the names themselves).
export type Events = Expect<Equal<WebhookEvent, (typeof WEBHOOK_EVENTS)[number]>>;
export type SomeEvents = Expect<Equal<Extract<WebhookEvent, "meeting.started" | "meeting.ended">, "meeting.started" | "meeting.ended">>;

// Webhook: the API's own field names; events from the server may be names this version does not know.
export type WebhookFields = Expect<Equal<keyof Webhook, "id" | "name" | "url" | "events" | "enabled" | "created_at" | "updated_at">>;
export type WebhookTypes = Expect<Equal<
  [Webhook["id"], Webhook["name"], Webhook["url"], Webhook["enabled"], Webhook["created_at"], Webhook["updated_at"]],
  [string, string, string, boolean, string, string]
>>;
declare const fromTheAPI: UnknownEvent;
const serverEvents: Webhook["events"] = ["meeting.started", fromTheAPI];

// WebhookInput and WebhookPatch.
export type InputTypes = Expect<Equal<WebhookInput, { name: string; url: string; events: readonly (WebhookEvent | UnknownEvent)[]; enabled?: boolean }>>;
export type PatchTypes = Expect<Equal<WebhookPatch, { name?: string; url?: string; events?: readonly (WebhookEvent | UnknownEvent)[]; enabled?: boolean }>>;

// ClientOptions: an API token, or a key and its email.
const withToken: ClientOptions = {
  accountId: "account",
  appId: "app",
  apiToken: "token",
  baseURL: "http://127.0.0.1:8765/client/v4",
  timeout: 60_000,
  maxRetries: 2,
  fetch: (url: string, init: RequestInit) => fetch(url, init),
  defaultHeaders: { "x-app": "consumer" },
};
const withKey: ClientOptions = { accountId: "account", appId: "app", apiKey: "key", apiEmail: "me@example.com", defaultHeaders: new Headers() };
// The global fetch itself is a fine custom fetch.
const withGlobalFetch: ClientOptions = { accountId: "account", appId: "app", apiToken: "token", fetch: globalThis.fetch };

// RequestOptions.
const controller = new AbortController();
const callOptions: RequestOptions = { signal: controller.signal, timeout: 5_000, maxRetries: 0, headers: { "x-call": "1" } };
export type RequestOptionTypes = Expect<Equal<
  [RequestOptions["signal"], RequestOptions["timeout"], RequestOptions["maxRetries"], RequestOptions["headers"]],
  [AbortSignal | undefined, number | undefined, number | undefined, Record<string, string> | Headers | undefined]
>>;

// The client: every method, its parameters and its exact result.
const client = new WebhooksClient(withToken);
new WebhooksClient(withKey).free();
new WebhooksClient(withGlobalFetch).free();
const input: WebhookInput = { name: "meetings", url: "https://example.com/rtk", events: ["meeting.started", "meeting.ended"] };
const patch: WebhookPatch = { enabled: false };

export type ListResult = Expect<Equal<ReturnType<WebhooksClient["list"]>, Promise<Webhook[]>>>;
export type CreateResult = Expect<Equal<ReturnType<WebhooksClient["create"]>, Promise<Webhook>>>;
export type GetResult = Expect<Equal<ReturnType<WebhooksClient["get"]>, Promise<Webhook>>>;
export type ReplaceResult = Expect<Equal<ReturnType<WebhooksClient["replace"]>, Promise<Webhook>>>;
export type EditResult = Expect<Equal<ReturnType<WebhooksClient["edit"]>, Promise<Webhook>>>;
export type DeleteResult = Expect<Equal<ReturnType<WebhooksClient["delete"]>, Promise<Webhook>>>;
export type EventsResult = Expect<Equal<ReturnType<WebhooksClient["supportedEvents"]>, Promise<(WebhookEvent | UnknownEvent)[]>>>;
export type EnsureResultType = Expect<Equal<Awaited_<ReturnType<WebhooksClient["ensure"]>>, EnsureResult>>;
export type EnsureFields = Expect<Equal<EnsureResult, { webhook: Webhook; action: "created" | "updated" | "unchanged"; duplicates: Webhook[] }>>;
export type Params = Expect<Equal<
  [Parameters<WebhooksClient["get"]>, Parameters<WebhooksClient["edit"]>, Parameters<WebhooksClient["list"]>],
  [[id: string, options?: RequestOptions | null], [id: string, patch: WebhookPatch, options?: RequestOptions | null], [options?: RequestOptions | null]]
>>;

export async function useEverything(): Promise<string> {
  const created: Webhook = await client.create(input, callOptions);
  const all: Webhook[] = await client.list();
  const one: Webhook = await client.get(created.id, { timeout: 1_000 });
  const edited: Webhook = await client.edit(one.id, patch);
  const replaced: Webhook = await client.replace(edited.id, { ...input, enabled: true });
  const names: string[] = await client.supportedEvents({ signal: controller.signal });
  const ensured = await client.ensure(input);
  switch (ensured.action) {
    case "created":
    case "updated":
    case "unchanged":
      break;
    default: {
      const never: never = ensured.action;
      return never;
    }
  }
  const deleted: Webhook = await client.delete(replaced.id);
  const event: WebhookEvent | (string & {}) | undefined = deleted.events[0];
  return `${all.length} ${names.join()} ${ensured.webhook.name} ${event} ${serverEvents.length} ${client.constructor.name}`;
}

// The error classes: hierarchy and fields.
export type Hierarchy = Expect<Equal<
  [
    NotFoundError extends APIError ? true : false,
    APIError extends RealtimeKitError ? true : false,
    RealtimeKitError extends Error ? true : false,
    APIConnectionTimeoutError extends APIConnectionError ? true : false,
  ],
  [true, true, true, true]
>>;
export type APIErrorFields = Expect<Equal<
  [APIError["status"], APIError["errors"], APIError["requestId"], APIError["retryAfter"], APIError["body"]],
  [number, APIErrorDetail[], string | undefined, number | undefined, string]
>>;
export type DetailFields = Expect<Equal<APIErrorDetail, { code: number | null; message: string }>>;
export type ValidationFields = Expect<Equal<ValidationError["field"], string>>;

export function describe(error: unknown): string {
  if (error instanceof ValidationError) return `bad ${error.field}: ${error.message}`;
  if (error instanceof RateLimitError) return `wait ${error.retryAfter ?? 1} s`;
  if (error instanceof NotFoundError) return `gone (${error.status}, ${error.requestId ?? "no ray"})`;
  if (error instanceof APIError) {
    const first: APIErrorDetail | undefined = error.errors[0];
    return `${error.status} ${first?.code ?? "-"} ${first?.message ?? error.body}`;
  }
  for (const cls of [BadRequestError, AuthenticationError, PermissionDeniedError, ConflictError, UnprocessableEntityError, InternalServerError]) {
    if (error instanceof cls) return cls.name;
  }
  if (error instanceof APIConnectionTimeoutError) return "timed out";
  if (error instanceof APIConnectionError) return "no reply";
  if (error instanceof APIUserAbortError) return "aborted";
  if (error instanceof SignatureError) return "bad signature: answer 401";
  if (error instanceof PayloadError) return "bad payload: answer 400";
  if (error instanceof RealtimeKitError) return error.name;
  return String(error);
}

// The verifier: its options, its results, and a delivery narrowed by `event`.
const fetchKey: VerifierOptions = { keyURL: "http://127.0.0.1:8765/.well-known/webhooks.json", fetch: (url, init) => fetch(url, init), maxBodyBytes: 65_536 };
const givenKey: VerifierOptions = { publicKey: "-----BEGIN PUBLIC KEY-----\n...\n-----END PUBLIC KEY-----" };
const verifier = new WebhookVerifier();
new WebhookVerifier(fetchKey).free();
new WebhookVerifier(givenKey).free();

export type VerifyResult = Expect<Equal<ReturnType<WebhookVerifier["verify"]>, Promise<Delivery>>>;
export type VerifyBodyResult = Expect<Equal<ReturnType<WebhookVerifier["verifyBody"]>, Promise<Delivery>>>;
export type VerifyBodyParams = Expect<Equal<
  Parameters<WebhookVerifier["verifyBody"]>,
  [body: string | Uint8Array | ArrayBuffer, headers: Headers | Record<string, string | string[] | undefined>]
>>;
export type Payloads = Expect<Equal<
  WebhookPayload,
  | MeetingStartedPayload | MeetingEndedPayload | ParticipantJoinedPayload | ParticipantLeftPayload
  | ChatSyncedPayload | RecordingStatusUpdatePayload | LivestreamingStatusUpdatePayload
  | TranscriptPayload | SummaryPayload
>>;
export type DeliveryFields = Expect<Equal<
  DeliveryOf<MeetingStartedPayload>,
  { id: string; webhookId: string | null; event: "meeting.started"; payload: MeetingStartedPayload }
>>;
export type PayloadEvents = Expect<Equal<WebhookPayload["event"], WebhookEvent>>;

// The payload types, field by field where the contract names them.
export type DeliveryParts = Expect<Equal<[Delivery["event"], Delivery["payload"]], [WebhookEvent, WebhookPayload]>>;
export type PayloadParts = Expect<Equal<
  [
    MeetingStartedPayload["meeting"], MeetingEndedPayload["meeting"], Meeting["organizedBy"],
    ParticipantJoinedPayload["participant"], ParticipantLeftPayload["participant"],
    RecordingStatusUpdatePayload["recording"], Recording["status"], LivestreamingStatusUpdatePayload["status"],
    ChatSyncedPayload["chatDownloadUrl"], TranscriptPayload["transcriptDownloadUrl"], SummaryPayload["summaryDownloadUrl"],
    UnknownPayload["event"],
  ],
  [
    Meeting | undefined, Meeting | undefined, Organization | undefined, Participant | undefined, Participant | undefined,
    Recording | undefined, RecordingStatus | undefined, LivestreamStatus | undefined, string | undefined, string | undefined,
    string | undefined, string,
  ]
>>;

// Only `event` is checked by the verifier, so only `event` is required: as in the Rust types.
export const minimal: WebhookPayload[] = [
  { event: "meeting.started" }, { event: "meeting.ended" }, { event: "meeting.participantJoined" },
  { event: "meeting.participantLeft" }, { event: "meeting.chatSynced" }, { event: "recording.statusUpdate" },
  { event: "livestreaming.statusUpdate" }, { event: "meeting.transcript" }, { event: "meeting.summary" },
];
export const emptyParts: [Meeting, Participant, Recording, Organization] = [{}, {}, {}, {}];

/** What a receiving endpoint logs of a delivery: checking `event` narrows `payload`. */
export function handle(delivery: Delivery): string {
  const { id, webhookId } = delivery;
  const payload: WebhookPayload = delivery.payload;
  const prefix = `${id ?? "-"}/${webhookId ?? "-"} ${payload.event}`;
  switch (delivery.event) {
    case "meeting.started": {
      const meeting: Meeting | undefined = delivery.payload.meeting;
      return `${prefix} ${meeting?.title}`;
    }
    case "recording.statusUpdate": {
      const status: RecordingStatus | undefined = delivery.payload.recording?.status;
      return `${prefix} ${status}`;
    }
    case "meeting.participantJoined":
      return `${prefix} ${delivery.payload.participant?.userDisplayName}`;
    case "livestreaming.statusUpdate":
      return `${prefix} ${delivery.payload.streamId}`;
    default: {
      // Events this version does not know arrive too, untouched.
      const other = delivery.payload as unknown as UnknownPayload;
      return `${prefix} ${other.event}`;
    }
  }
}

/** Narrowing on the payload's own `event` works the same way. */
export function summaryUrl(payload: WebhookPayload): string | undefined {
  return payload.event === "meeting.summary" ? payload.summaryDownloadUrl : undefined;
}

export async function receive(request: Request, body: Uint8Array, headers: Record<string, string>): Promise<string[]> {
  const fromRequest: Delivery = await verifier.verify(request);
  const fromBody: Delivery = await verifier.verifyBody(body, headers);
  const fromText = await verifier.verifyBody("{}", new Headers(headers));
  return [handle(fromRequest), handle(fromBody), handle(fromText)];
}

// The receiver: handlers typed by event, a store of one's own, the outcomes.
export type ClaimNames = Expect<Equal<Claim, "claimed" | "done" | "busy">>;
export type PayloadOfEnded = Expect<Equal<PayloadOf<"meeting.ended">, MeetingEndedPayload>>;
export type DeliveryForTwo = Expect<Equal<DeliveryFor<"meeting.started" | "meeting.ended">, DeliveryOf<MeetingStartedPayload> | DeliveryOf<MeetingEndedPayload>>>;
export type Outcomes = Expect<Equal<
  ReceiveOutcome,
  "handled" | "repeat" | "forged" | "malformed" | "key-unavailable" | "in-progress" | "store-failed" | "handler-failed"
>>;
export type ReceiveResolves = Expect<Equal<ReturnType<WebhookReceiver["receive"]>, Promise<ReceiveResult>>>;
export type FetchResolves = Expect<Equal<ReturnType<WebhookReceiver["fetch"]>, Promise<Response>>>;
export type KeyErrorFields = Expect<Equal<KeyUnavailableError["retryAfter"], number | undefined>>;
export type DeliveryId = Expect<Equal<Delivery["id"], string>>;

/** A store of one's own (here a Map; D1, PostgreSQL or a Durable Object in production), keyed on id and body hash. */
class MapStore implements DeliveryStore {
  readonly claims = new Map<string, { state: Claim; owner: string; until: number }>();
  claim(delivery: DeliveryKey, owner: string, leaseMs: number): Claim {
    const key = `${delivery.bodyHash}:${delivery.id}`;
    const held = this.claims.get(key);
    if (held?.state === "done") return "done";
    if (held && held.until > Date.now()) return "busy";
    this.claims.set(key, { state: "claimed", owner, until: Date.now() + leaseMs });
    return "claimed";
  }
  renew(delivery: DeliveryKey, owner: string, leaseMs: number): boolean {
    const held = this.claims.get(`${delivery.bodyHash}:${delivery.id}`);
    if (held?.owner !== owner || held.state !== "claimed") return false;
    held.until = Date.now() + leaseMs;
    return true;
  }
  complete(delivery: DeliveryKey, owner: string): boolean {
    const held = this.claims.get(`${delivery.bodyHash}:${delivery.id}`);
    if (held?.owner !== owner) return false;
    held.state = "done";
    return true;
  }
  async release(delivery: DeliveryKey, owner: string, reason: string): Promise<boolean> {
    const key = `${delivery.bodyHash}:${delivery.id}`;
    if (this.claims.get(key)?.owner !== owner) return false;
    console.log("released:", reason);
    return this.claims.delete(key);
  }
}

interface Env {
  BACKEND_URL: string;
}

export const receiver = new WebhookReceiver<{ env: Env }>({ keyURL: "http://127.0.0.1:8788/.well-known/webhooks.json", store: new MapStore() })
  .on("meeting.ended", async ({ payload }, { env }) => {
    const reason: MeetingEndedPayload["reason"] = payload.reason;
    await fetch(env.BACKEND_URL, { method: "POST", body: JSON.stringify({ reason, meeting: payload.meeting?.id }) });
  })
  .on(["recording.statusUpdate", "livestreaming.statusUpdate"], (delivery) => {
    if (delivery.event === "recording.statusUpdate") {
      const status: RecordingStatus | undefined = delivery.payload.recording?.status;
      return status;
    }
    const live: LivestreamStatus | undefined = delivery.payload.status;
    return live;
  })
  .onAny((delivery) => delivery.id satisfies string)
  .onUnknown((delivery: UnknownDelivery) => delivery.payload.event);

new WebhookReceiver({ publicKey: "pem", store: new MemoryDeliveryStore({ maxEntries: 100, ttl: 60_000 }), leaseMs: 30_000, replayProtection: false }).on(
  "meeting.started",
  (delivery) => delivery.payload.meeting?.title,
);
new WebhookReceiver({ verifier: new WebhookVerifier(), onError: (error, result) => console.error(result.outcome, result.delivery?.id, error) });
// With no type argument the context is whatever is passed (the README's Worker, as written).
export const untyped = new WebhookReceiver().on("meeting.ended", async ({ payload }, { env }) => {
  await fetch(env.BACKEND_URL, { method: "POST", body: JSON.stringify({ reason: payload.reason }) });
});
export const untypedWorker = { fetch: (request: Request, env: Env, ctx: unknown) => untyped.fetch(request, { env, ctx }) };

export const worker = {
  fetch: (request: Request, env: Env): Promise<Response> => receiver.fetch(request, { env }),
};

export async function outcome(request: Request, env: Env): Promise<number> {
  const result = await receiver.receive(request, { env });
  if (result.outcome === "handled" && result.delivery) return result.delivery.id.length;
  return result.status;
}

export const nodeHandler = createNodeHandler(receiver, { context: () => ({ env: { BACKEND_URL: "http://127.0.0.1/" } }) });

// Test helpers: keys, a signed delivery, examples typed by event.
export type ExampleEnded = Expect<Equal<ReturnType<typeof exampleDelivery<"meeting.ended">>, MeetingEndedPayload>>;
export async function signedExample(): Promise<Response> {
  const { publicKey, privateKey } = await generateTestKeys();
  const example = exampleDelivery("recording.statusUpdate", { freshIds: true });
  const status: RecordingStatus = example.recording?.status ?? "RECORDING";
  const { body, headers } = await signDelivery(example, { privateKey, id: status, webhookId: "w" });
  const raw = await signDelivery("{}", { privateKey });
  const checked: string = raw.headers["rtk-signature"];
  return new WebhookReceiver({ publicKey }).fetch(new Request("http://localhost/", { method: "POST", body, headers: { ...headers, checked } }));
}

// Values read from the API go back in without casts; a typo in a literal stays an error (wrong.mts).
export async function roundTrip(hook: Webhook): Promise<Webhook> {
  await client.edit(hook.id, { events: hook.events });
  await client.replace(hook.id, { ...hook, events: await client.supportedEvents() });
  const names: readonly WebhookEvent[] = WEBHOOK_EVENTS;
  const typed = WEBHOOK_EVENTS satisfies readonly ["meeting.started", ...WebhookEvent[]];
  const fromUser: string = "meeting.ended";
  if (isWebhookEvent(fromUser)) await client.create({ name: "n", url: "https://example.com", events: [fromUser, ...names.slice(0, 1), typed[0]] });
  return client.ensure({ name: "n", url: "https://example.com", events: hook.events }).then((r) => r.webhook);
}

// The README's quick start, as written, with process.env typed as @types/node types it (no Node types here:
// the package's own types must not need them). The token may be undefined: then CLOUDFLARE_API_TOKEN is read, or it throws.
declare const process: { env: Record<string, string | undefined> };
export const quickStart = new WebhooksClient({
  accountId: "your-account-id",
  appId: "your-realtimekit-app-id",
  apiToken: process.env.CLOUDFLARE_API_TOKEN,
});
export const fromEnvironment = new WebhooksClient({ accountId: "a", appId: "b" });

// Receiving beyond one process: realtimekit-webhooks/d1 in a Worker, /postgres in Node.
import { D1DeliveryStore, durableReceiver } from "realtimekit-webhooks/d1";
import type { D1Like, DeliveryRecord, DeliveryStats, RedriveResult } from "realtimekit-webhooks/d1";
import { PostgresDeliveryStore } from "realtimekit-webhooks/postgres";
import type { PgPoolLike } from "realtimekit-webhooks/postgres";

interface WorkerEnv { DB: D1Like; BACKEND_URL: string }
export const durable = durableReceiver<WorkerEnv>({
  on: {
    "meeting.ended": async (delivery, { env }) => {
      const reason: string | undefined = delivery.payload.reason;
      await fetch(env.BACKEND_URL, { method: "POST", body: reason ?? "" });
    },
    "recording.statusUpdate": [(delivery) => delivery.payload.recording?.status, () => undefined],
  },
  onUnknown: (delivery) => delivery.event,
  queue: "DELIVERIES",
});
export type DurableFetch = Expect<Equal<ReturnType<typeof durable.fetch>, Promise<Response>>>;

export async function operate(env: WorkerEnv): Promise<[DeliveryRecord[], DeliveryStats, RedriveResult]> {
  const store = new D1DeliveryStore(env.DB);
  return [await store.list({ state: "dead", limit: 10 }), await store.stats(), await store.redrive({ since: Date.now() - 3_600_000 })];
}

export async function fleet(pool: PgPoolLike): Promise<WebhookReceiver> {
  const store = new PostgresDeliveryStore(pool, { table: "rtk_deliveries" });
  await store.migrate();
  return new WebhookReceiver({ store, leaseMs: 30_000 });
}

// Everything from process.env (CLOUDFLARE_ACCOUNT_ID, REALTIMEKIT_APP_ID, CLOUDFLARE_API_TOKEN, REALTIMEKIT_BASE_URL).
export const fromEnvironmentOnly = new WebhooksClient();
export const eventsFromConfig: WebhookEvent[] = parseEvents(["meeting.started"]).concat(parseEvents("meeting.ended,meeting.summary"));
export function detach(receiver: WebhookReceiver, handler: (delivery: DeliveryFor<"meeting.ended">) => void): WebhookReceiver {
  return receiver.on("meeting.ended", handler).off("meeting.ended", handler);
}
export const routed = createNodeHandler(new WebhookReceiver(), { path: "/rtk-webhooks" });

// The package's modules on their own: the same classes and types, each side's only.
import { WebhooksClient as ClientOnly, NotFoundError as ClientNotFound, parseEvents as clientParseEvents } from "realtimekit-webhooks/client";
import type { Webhook as ClientWebhook, WebhookEvent as ClientEvent } from "realtimekit-webhooks/client";
import { WebhookReceiver as ReceiverOnly, WebhookVerifier as VerifierOnly, MemoryDeliveryStore as StoreOnly } from "realtimekit-webhooks/receive";
import type { DeliveryFor as ReceiveDeliveryFor } from "realtimekit-webhooks/receive";

export async function clientModule(): Promise<ClientWebhook[]> {
  const client = new ClientOnly({ accountId: "a", appId: "b", apiToken: "t" });
  const events: ClientEvent[] = clientParseEvents("meeting.started");
  try {
    await client.create({ name: "n", url: "https://example.com", events });
  } catch (error) {
    if (error instanceof ClientNotFound) return [];
  }
  return client.list();
}
export const receiveModule = new ReceiverOnly({ store: new StoreOnly(), verifier: new VerifierOnly() })
  .on("meeting.ended", (delivery: ReceiveDeliveryFor<"meeting.ended">) => delivery.payload.reason);
