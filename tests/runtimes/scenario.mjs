// The scenario every runtime runs against the emulator, with the package it
// imported by name. Plain JavaScript with no imports, so that Node, Deno,
// workerd and Chromium all load it unchanged.
//
// It resolves to a report `{ runtime, steps }` naming each step that passed,
// and throws (with the step's name) at the first one that did not.

const EVENTS = ["meeting.started", "meeting.ended"];

/**
 * Runs create, list, get, edit, replace, supportedEvents, delete and a 404
 * with `pkg` (the package's exports) against `baseURL`, as app `appId`.
 */
export async function scenario(pkg, { baseURL, appId, runtime }) {
  const { WebhooksClient, NotFoundError, APIError, RealtimeKitError } = pkg;
  const steps = [];
  const step = async (name, run) => {
    try {
      await run();
    } catch (error) {
      const cause = error && error.stack ? error.stack : String(error);
      throw new Error(`${runtime}: step "${name}" failed: ${cause}`);
    }
    steps.push(name);
  };

  for (const name of ["initSync", "default", "__wbg_init"]) {
    check(!(name in pkg), `the package must not export wasm-bindgen's ${name}`);
  }
  const client = new WebhooksClient({
    accountId: "runtime-tests", appId, apiToken: "emulator-token", baseURL, maxRetries: 0,
  });

  let hook;
  await step("create", async () => {
    hook = await client.create({ name: `hooks-${appId}`, url: "https://example.com/rtk", events: EVENTS });
    check(typeof hook.id === "string" && hook.id.length > 0, "create returns an id");
    check(hook.name === `hooks-${appId}` && hook.enabled === true, "create returns the webhook");
    same(hook.events, EVENTS, "create keeps the events");
  });
  await step("list", async () => {
    const all = await client.list();
    check(Array.isArray(all) && all.length === 1, `list returns the one webhook (got ${JSON.stringify(all)})`);
    check(all[0].id === hook.id, "list returns the created webhook");
  });
  await step("get", async () => {
    const got = await client.get(hook.id);
    same(got, hook, "get returns what create returned");
  });
  await step("edit", async () => {
    const edited = await client.edit(hook.id, { enabled: false });
    check(edited.enabled === false && edited.name === hook.name, "edit changes only enabled");
  });
  await step("replace", async () => {
    const replaced = await client.replace(hook.id, {
      name: `replaced-${appId}`, url: "https://example.com/other", events: ["meeting.summary"], enabled: true,
    });
    check(replaced.id === hook.id && replaced.name === `replaced-${appId}`, "replace keeps the id, changes the name");
    same(replaced.events, ["meeting.summary"], "replace changes the events");
    check(replaced.url === "https://example.com/other" && replaced.enabled === true, "replace changes url and enabled");
  });
  await step("supportedEvents", async () => {
    const events = await client.supportedEvents();
    check(Array.isArray(events) && events.includes("meeting.started") && events.includes("meeting.summary"),
      `supportedEvents lists the event names (got ${JSON.stringify(events)})`);
  });
  await step("delete", async () => {
    const deleted = await client.delete(hook.id);
    check(deleted.id === hook.id, "delete returns the deleted webhook");
    same(await client.list(), [], "the list is empty after delete");
  });
  await step("NotFoundError", async () => {
    let caught;
    try {
      await client.get(hook.id);
    } catch (error) {
      caught = error;
    }
    check(caught !== undefined, "get of a deleted webhook rejects");
    check(caught instanceof NotFoundError, `it rejects with NotFoundError (got ${caught && caught.name}: ${caught && caught.message})`);
    check(caught instanceof APIError && caught instanceof RealtimeKitError && caught instanceof Error, "NotFoundError is an APIError, a RealtimeKitError and an Error");
    check(caught.status === 404, `its status is 404 (got ${caught.status})`);
    check(caught.name === "NotFoundError", `its name is NotFoundError (got ${caught.name})`);
  });
  await step("test helpers", async () => {
    const { generateTestKeys, signDelivery, exampleDelivery, WebhookVerifier, SignatureError } = pkg;
    const { publicKey, privateKey } = await generateTestKeys();
    check(publicKey.startsWith("-----BEGIN PUBLIC KEY-----") && privateKey.startsWith("-----BEGIN PRIVATE KEY-----"), "PEM keys");
    const example = exampleDelivery("meeting.ended");
    check(example.event === "meeting.ended" && example.reason === "ALL_PARTICIPANTS_LEFT", "the documented example");
    const { body, headers } = await signDelivery(example, { privateKey, id: "d-1" });
    const verifier = new WebhookVerifier({ publicKey });
    const delivery = await verifier.verifyBody(body, headers);
    check(delivery.id === "d-1" && delivery.event === "meeting.ended" && delivery.payload.meeting.id === example.meeting.id, "a signed delivery verifies");
    let caught;
    try {
      await verifier.verifyBody(body.replace("ALL_PARTICIPANTS_LEFT", "HOST_ENDED_MEETING"), headers);
    } catch (error) {
      caught = error;
    }
    check(caught instanceof SignatureError, `a tampered one is a SignatureError (got ${caught && caught.name})`);
  });
  await step("receiver", async () => {
    const { generateTestKeys, signDelivery, exampleDelivery, WebhookReceiver, MemoryDeliveryStore } = pkg;
    const { publicKey, privateKey } = await generateTestKeys();
    const handled = [];
    const receiver = new WebhookReceiver({ publicKey, store: new MemoryDeliveryStore() })
      .on("recording.statusUpdate", (d) => handled.push(d.payload.recording.status));
    const { body, headers } = await signDelivery(exampleDelivery("recording.statusUpdate"), { privateKey });
    const request = () => new Request("http://receiver.test/hooks", { method: "POST", body, headers });
    const statuses = [(await receiver.fetch(request())).status, (await receiver.fetch(request())).status];
    same(statuses, [200, 200], "handled, then a repeat");
    same(handled, ["UPLOADED"], "handled once");
  });
  return { runtime, steps };
}

/** The steps a full run reports, in order. */
export const STEPS = ["create", "list", "get", "edit", "replace", "supportedEvents", "delete", "NotFoundError", "test helpers", "receiver"];

function check(condition, message) {
  if (!condition) throw new Error(message);
}

function same(actual, expected, message) {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  if (a !== e) throw new Error(`${message}: expected ${e}, got ${a}`);
}

/**
 * The package's modules on their own: /client (managing webhooks) and
 * /receive (verifying, receiving), each with only its side, sharing the
 * package's error classes; then the whole scenario run with the client of
 * /client and the verifier and receiver of /receive (`main` lends its test
 * helpers, which neither module has).
 */
export async function modulesScenario({ main, client, receive }, options) {
  const missing = (module, names, what) => names.filter((name) => !(name in module)).map((name) => `${what} lacks ${name}`);
  const extra = (module, names, what) => names.filter((name) => name in module).map((name) => `${what} has ${name}`);
  const wrong = [
    ...missing(client, ["WebhooksClient", "ValidationError", "NotFoundError", "WEBHOOK_EVENTS", "parseEvents"], "/client"),
    ...extra(client, ["WebhookVerifier", "WebhookReceiver", "generateTestKeys"], "/client"),
    ...missing(receive, ["WebhookVerifier", "WebhookReceiver", "MemoryDeliveryStore", "createNodeHandler", "SignatureError", "isWebhookEvent"], "/receive"),
    ...extra(receive, ["WebhooksClient", "generateTestKeys"], "/receive"),
  ];
  check(wrong.length === 0, `the modules export what they should: ${wrong.join("; ")}`);
  check(client.ValidationError === receive.ValidationError && receive.ValidationError === main.ValidationError, "one set of error classes across the modules");
  const { generateTestKeys, signDelivery, exampleDelivery } = main;
  const { WebhooksClient, NotFoundError, APIError, RealtimeKitError } = client;
  const { WebhookVerifier, WebhookReceiver, MemoryDeliveryStore, SignatureError } = receive;
  return scenario({
    WebhooksClient, NotFoundError, APIError, RealtimeKitError, WebhookVerifier, WebhookReceiver, MemoryDeliveryStore, SignatureError,
    generateTestKeys, signDelivery, exampleDelivery,
  }, options);
}
