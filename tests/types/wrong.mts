// Wrong uses of the package: each line after `@ts-expect-error` must be
// rejected by `tsc --strict` (an accepted one fails the build as an unused
// directive).
import { WebhooksClient, WebhookVerifier, WebhookReceiver, APIError, RealtimeKitError, exampleDelivery, signDelivery } from "realtimekit-webhooks";
import type { Delivery, MeetingStartedPayload, Webhook, WebhookEvent, WebhookInput } from "realtimekit-webhooks";
import { durableReceiver } from "realtimekit-webhooks/d1";
import { WebhookReceiver as NotInClient } from "realtimekit-webhooks/client";
import { WebhooksClient as NotInReceive } from "realtimekit-webhooks/receive";
import { PostgresDeliveryStore } from "realtimekit-webhooks/postgres";
import type { PgPoolLike } from "realtimekit-webhooks/postgres";
import { MemoryDeliveryStore, parseEvents, createNodeHandler } from "realtimekit-webhooks";
declare const pool: PgPoolLike;
// @ts-expect-error: wasm-bindgen's init functions are not part of the package.
import { initSync } from "realtimekit-webhooks";

const client = new WebhooksClient({ accountId: "account", appId: "app", apiToken: "token" });
const input: WebhookInput = { name: "meetings", url: "https://example.com/rtk", events: ["meeting.started"] };

export async function wrongUses(error: RealtimeKitError): Promise<unknown[]> {
  return [
    initSync,
    // @ts-expect-error: a typo in an event name.
    await client.create({ name: "meetings", url: "https://example.com/rtk", events: ["meeting.startd"] }),
    // @ts-expect-error: `events` is required.
    await client.create({ name: "meetings", url: "https://example.com/rtk" }),
    // @ts-expect-error: `url` is required by replace too.
    await client.replace("id", { name: "meetings", events: ["meeting.started"] }),
    // @ts-expect-error: `enabled` is a boolean.
    await client.edit("id", { enabled: "false" }),
    // @ts-expect-error: `enabled` is a boolean in the input too.
    await client.ensure({ ...input, enabled: 1 }),
    // @ts-expect-error: a field the API does not have.
    await client.create({ ...input, secret: "x" }),
    // @ts-expect-error: ids are strings.
    await client.get(42),
    // @ts-expect-error: `timeout` is a number of milliseconds.
    await client.list({ timeout: "5s" }),
    // @ts-expect-error: the options of a call have no `retries`.
    await client.list({ retries: 3 }),
    // @ts-expect-error: `status` is on APIError, not on every RealtimeKitError.
    error.status,
  ];
}

export async function wrongResults(): Promise<void> {
  // @ts-expect-error: list resolves to Webhook[], not one Webhook.
  const one: Webhook = await client.list();
  // @ts-expect-error: supportedEvents resolves to string[].
  const hooks: Webhook[] = await client.supportedEvents();
  // @ts-expect-error: get resolves to a Webhook, not an array.
  const many: Webhook[] = await client.get("id");
  // @ts-expect-error: `enabled` is a boolean, not a string.
  const enabled: string = (await client.get("id")).enabled;
  // @ts-expect-error: methods return promises, not values.
  const sync: Webhook = client.get("id");
  const ensured = await client.ensure(input);
  // @ts-expect-error: `action` is "created" | "updated" | "unchanged".
  if (ensured.action === "deleted") return;
  console.log(one, hooks, many, enabled, sync);
}

export async function wrongEvents(hook: Webhook): Promise<unknown[]> {
  return [
    // @ts-expect-error: a name written by hand must be one of the events, even where API values go.
    await client.edit(hook.id, { events: [...hook.events, "meeting.startd"] }),
    // @ts-expect-error: a plain string is not an event name until isWebhookEvent says so.
    await client.create({ ...input, events: ["meeting.started" as string] }),
  ];
}

export function wrongClients(apiError: APIError): unknown[] {
  return [
    // @ts-expect-error: an API key needs its email.
    new WebhooksClient({ accountId: "account", appId: "app", apiKey: "key" }),
    // @ts-expect-error: a token and a key are exclusive.
    new WebhooksClient({ accountId: "account", appId: "app", apiToken: "token", apiKey: "key", apiEmail: "me@example.com" }),
    // @ts-expect-error: `appId` is a string (left out, it is read from REALTIMEKIT_APP_ID).
    new WebhooksClient({ accountId: "account", appId: 42, apiToken: "token" }),
    // @ts-expect-error: `maxRetries` is a number.
    new WebhooksClient({ accountId: "account", appId: "app", apiToken: "token", maxRetries: "2" }),
    // @ts-expect-error: options are an object (or none at all: everything from process.env).
    new WebhooksClient("account"),
    // @ts-expect-error: an error's fields are read-only.
    (apiError.status = 500),
  ];
}

export async function wrongVerifiers(started: MeetingStartedPayload, delivery: Delivery, request: Request): Promise<unknown[]> {
  const verifier = new WebhookVerifier();
  // @ts-expect-error: a meeting.started payload has no typed recording.
  console.log(started.recording.id);
  return [
    // @ts-expect-error: a narrowed delivery's payload has only its event's fields.
    (delivery.event === "meeting.started" ? delivery.payload.recording.id : undefined),
    // @ts-expect-error: an event name typo is no event.
    (delivery.event === "meeting.strated"),
    // @ts-expect-error: a given key and a key URL are exclusive.
    new WebhookVerifier({ publicKey: "pem", keyURL: "https://example.com/key" }),
    // @ts-expect-error: the body is a string, a Uint8Array or an ArrayBuffer.
    await verifier.verifyBody(42, {}),
    // @ts-expect-error: verifyBody needs the headers.
    await verifier.verifyBody("{}"),
    // @ts-expect-error: verify takes a Request, not its body.
    await verifier.verify("{}"),
    // @ts-expect-error: a delivery's webhookId may be null.
    ((await verifier.verify(request)).webhookId satisfies string),
  ];
}

export async function wrongHelpers(): Promise<unknown[]> {
  return [
    // @ts-expect-error: an event name typo has no example.
    exampleDelivery("meeting.endd"),
    // @ts-expect-error: the example of meeting.started has no typed recording.
    exampleDelivery("meeting.started").recording.id,
    // @ts-expect-error: signing needs the private key.
    await signDelivery("{}", {}),
    // @ts-expect-error: the body is a string or a payload.
    await signDelivery(42, { privateKey: "pem" }),
  ];
}

export function wrongReceivers(): unknown[] {
  const receiver = new WebhookReceiver<{ env: { DB: string } }>();
  return [
    // @ts-expect-error: an event name typo is no event.
    receiver.on("meeting.endd", () => {}),
    // @ts-expect-error: a meeting.ended handler's payload has no recording.
    receiver.on("meeting.ended", (delivery) => delivery.payload.recording.id),
    // @ts-expect-error: the context is what the receiver was typed with.
    receiver.on("meeting.ended", (_delivery, context) => context.env.KV),
    // @ts-expect-error: a store needs claim, renew, complete and release.
    new WebhookReceiver({ store: { claim: () => "claimed", complete() {}, release() {} } }),
    // @ts-expect-error: a claim is "claimed", "done" or "busy".
    new WebhookReceiver({ store: { claim: () => "ok", renew: () => true, complete() {}, release() {} } }),
    // @ts-expect-error: renew says whether the claim is still the owner's.
    new WebhookReceiver({ store: { claim: () => "claimed", renew: () => "yes", complete() {}, release() {} } }),
    // @ts-expect-error: a verifier, or a verifier's options.
    new WebhookReceiver({ verifier: new WebhookVerifier(), publicKey: "pem" }),
    // @ts-expect-error: parseEvents takes names (a list, or one string of them).
    parseEvents([1, 2]),
    // @ts-expect-error: off takes event names as on does.
    receiver.off("meeting.endd", () => {}),
    // @ts-expect-error: a route is a path string.
    createNodeHandler(receiver, { path: 42 }),
    // @ts-expect-error: the client's module has no receiver (its type only, as every type of the package).
    new NotInClient(),
    // @ts-expect-error: the receiving module has no client.
    new NotInReceive({ accountId: "a", appId: "b", apiToken: "t" }),
    // @ts-expect-error: a typo in a durable receiver's event name.
    durableReceiver({ on: { "meeting.endd": () => {} } }),
    // @ts-expect-error: a meeting.started handler's payload has no reason.
    durableReceiver({ on: { "meeting.started": (delivery) => delivery.payload.reason.length } }),
    // @ts-expect-error: durableReceiver's options are its own.
    durableReceiver({ on: {}, store: new MemoryDeliveryStore() }),
    // @ts-expect-error: PostgresDeliveryStore takes a pg Pool.
    new PostgresDeliveryStore("postgres://localhost/db"),
    // @ts-expect-error: its one option is `table`.
    new PostgresDeliveryStore(pool, { schema: "rtk" }),
  ];
}
