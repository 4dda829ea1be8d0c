// The first hour with the package: messages that say what went wrong and
// what to fix, options that cannot be misspelt, credentials from the
// environment, freed objects, util.inspect, and round trips of API values.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { inspect } from "node:util";
import {
  WebhooksClient, WebhookVerifier, ValidationError, NotFoundError, APIConnectionError, APIConnectionTimeoutError,
  APIUserAbortError, WEBHOOK_EVENTS, isWebhookEvent, WebhookReceiver, parseEvents,
} from "realtimekit-webhooks";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { startEmulator, options, input, rejection, assertNoSecrets, TOKEN, ACCOUNT } from "./support.mjs";

let emu;
before(async () => { emu = await startEmulator(); });
after(() => emu.stop());

/** A client of an app of its own. */
function fresh(extra = {}) {
  const app = `usability-${Math.random().toString(36).slice(2, 10)}`;
  return { app, client: new WebhooksClient(options(emu, { appId: app, ...extra })) };
}

test("a base URL without /client/v4: the error names the URL called and says to check baseURL", async () => {
  // Cloudflare answers an unknown path with 400 "No route for the URI" (code 7003), as the emulator does.
  const client = new WebhooksClient(options(emu, { baseURL: emu.url }));
  const e = await rejection(client.list());
  assert.equal(e.status, 400);
  assert.match(e.message, new RegExp(`No route for the URI \\(code 7003\\) \\(list: GET ${emu.url}/accounts/${ACCOUNT}/realtime/kit/app-42/webhooks is not an API endpoint: check baseURL, which ends in /client/v4\\)$`));
  // A proxy's bare 404 page: the same hint.
  const page = () => new Response("<html><title>Not Found</title></html>", { status: 404, headers: { "content-type": "text/html" } });
  const proxied = new WebhooksClient(options(emu, { baseURL: "https://proxy.example.com/api", fetch: async () => page() }));
  const notFound = await rejection(proxied.get("abc"));
  assert.ok(notFound instanceof NotFoundError, String(notFound));
  assert.equal(notFound.message, "404 Not Found: Not Found (get: GET https://proxy.example.com/api/accounts/acc-0123456789abcdef/realtime/kit/app-42/webhooks/abc is not an API endpoint: check baseURL, which ends in /client/v4)");
  // A 404 of the API itself (a webhook that is not there) keeps the API's message, and names the webhook.
  const { client: right } = fresh();
  assert.match((await rejection(right.get("0d1f069d-43bb-489a-ad8c-7eb95592ba8e"))).message, /^404 Not Found: Webhook not found: no webhook 0d1f069d-43bb-489a-ad8c-7eb95592ba8e in this app \(get: GET http/);
});

test("timeouts, aborts and connection errors name the operation, the URL, the attempt and the time allowed", async () => {
  const { app, client } = fresh({ timeout: 150, maxRetries: 1 });
  await emu.scriptFor(app, "list", { delayMs: 2000 }, { delayMs: 2000 });
  const timeout = await rejection(client.list());
  assert.ok(timeout instanceof APIConnectionTimeoutError);
  assert.match(timeout.message, /^list: GET http:\/\/127\.0\.0\.1:\d+\/client\/v4\/accounts\/.*\/webhooks timed out after 150 ms \(attempt 2 of 2\)$/);
  await emu.reset();

  await emu.scriptFor(app, "get", { delayMs: 2000 });
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 50);
  const aborted = await rejection(client.get("some-id", { signal: controller.signal, timeout: 5000 }));
  assert.ok(aborted instanceof APIUserAbortError);
  assert.match(aborted.message, /^get: GET http:.*\/webhooks\/some-id was aborted \(attempt 1 of 2\)$/);
  assert.equal(aborted.cause?.name, "AbortError", "the abort's reason is the cause");
  const reason = new Error("the user left");
  const unsent = await rejection(client.list({ signal: AbortSignal.abort(reason) }));
  assert.match(unsent.message, /^list: GET http:.*\/webhooks was aborted before it was sent$/);
  assert.equal(unsent.cause, reason);
  await emu.reset();

  await emu.scriptFor(app, "list", { status: 503, headers: { "retry-after": "30" } });
  const waiting = new AbortController();
  setTimeout(() => waiting.abort(), 100);
  const inWait = await rejection(client.list({ signal: waiting.signal }));
  assert.match(inWait.message, /^list: GET .* was aborted while waiting to retry \(after attempt 1 of 2\)$/);

  const dead = new WebhooksClient(options(emu, { baseURL: "http://127.0.0.1:9/client/v4", maxRetries: 0 }));
  const refused = await rejection(dead.create(input()));
  assert.ok(refused instanceof APIConnectionError);
  assert.match(refused.message, /^create: POST http:\/\/127\.0\.0\.1:9\/client\/v4\/accounts\/.*\/webhooks failed: .*\(attempt 1 of 1\)$/);
  assert.ok(refused.cause instanceof Error, "the fetch's own error is the cause");
  assertNoSecrets(refused, [TOKEN]);
  // A URL with a user or password is refused before anything is sent (fetch would refuse it, and it would show).
  for (const [make, field] of [
    [() => new WebhooksClient(options(emu, { baseURL: "http://user:pa55@127.0.0.1:9/client/v4" })), "baseURL"],
    [() => new WebhookVerifier({ keyURL: "https://user:pa55@example.com/key.json" }), "keyURL"],
  ]) {
    assert.throws(make, (e) => e instanceof ValidationError && e.field === field && !e.message.includes("pa55"), field);
  }
});

test("unknown option keys are ValidationErrors that name the key and guess the right one", async () => {
  const { client } = fresh();
  const cases = [
    [() => new WebhooksClient({ ...options(emu), apiTokn: "x" }), "apiTokn", /did you mean apiToken\?/],
    [() => new WebhooksClient({ ...options(emu), baseUrl: "x" }), "baseUrl", /did you mean baseURL\?/],
    [() => new WebhookVerifier({ keyUrl: "https://example.com" }), "keyUrl", /did you mean keyURL\?/],
    [() => new WebhookVerifier({ colour: 1 }), "colour", /is not an option of WebhookVerifier \(expected publicKey, keyURL/],
    [() => new WebhookReceiver({ publicKy: "x" }), "publicKy", /is not an option of WebhookReceiver \(did you mean publicKey\? expected verifier, store/],
    [() => new WebhookReceiver().on("meeting.strated", () => {}), "events", /"meeting.strated" is not a webhook event \(did you mean meeting.started\? /],
  ];
  for (const [make, field, message] of cases) {
    assert.throws(make, (e) => e instanceof ValidationError && e.field === field && message.test(e.message), field);
  }
  const e = await rejection(client.list({ timeOut: 5 }));
  assert.ok(e instanceof ValidationError && e.field === "timeOut", String(e));
  assert.match(e.message, /did you mean timeout\?/);
  assert.equal((await rejection(client.create(input({ enabeld: false })))).field, "enabeld");
});

test("credentials may be undefined: then CLOUDFLARE_API_TOKEN (or CLOUDFLARE_API_KEY and CLOUDFLARE_EMAIL) from process.env, else a ValidationError", async () => {
  const saved = { ...process.env };
  try {
    for (const name of ["CLOUDFLARE_API_TOKEN", "CLOUDFLARE_API_KEY", "CLOUDFLARE_EMAIL"]) delete process.env[name];
    const base = { accountId: ACCOUNT, appId: "env-app", baseURL: emu.baseURL };
    assert.throws(
      () => new WebhooksClient({ ...base, apiToken: process.env.CLOUDFLARE_API_TOKEN }),
      (e) => e instanceof ValidationError && e.field === "apiToken" && /CLOUDFLARE_API_TOKEN .* is not set in process\.env/.test(e.message),
    );
    process.env.CLOUDFLARE_API_TOKEN = TOKEN;
    assert.deepEqual(await new WebhooksClient(base).list(), []);
    assert.deepEqual(await new WebhooksClient({ ...base, apiToken: undefined }).list(), []);
    delete process.env.CLOUDFLARE_API_TOKEN;
    process.env.CLOUDFLARE_API_KEY = "emulator-key";
    process.env.CLOUDFLARE_EMAIL = "dev@example.com";
    assert.deepEqual(await new WebhooksClient(base).list(), []);
    // Given credentials win over the environment.
    const given = await rejection(new WebhooksClient({ ...base, apiToken: "wrong" }).list());
    assert.equal(given.status, 401);
  } finally {
    for (const name of ["CLOUDFLARE_API_TOKEN", "CLOUDFLARE_API_KEY", "CLOUDFLARE_EMAIL"]) {
      if (saved[name] === undefined) delete process.env[name];
      else process.env[name] = saved[name];
    }
  }
});

test("with no option given, the account, the app and the base URL come from process.env too, as the CLI reads them", async () => {
  const names = ["CLOUDFLARE_ACCOUNT_ID", "REALTIMEKIT_APP_ID", "REALTIMEKIT_BASE_URL", "CLOUDFLARE_API_TOKEN"];
  const saved = Object.fromEntries(names.map((name) => [name, process.env[name]]));
  try {
    for (const name of names) delete process.env[name];
    assert.throws(() => new WebhooksClient({ apiToken: TOKEN }), (e) => e instanceof ValidationError && e.field === "accountId"
      && e.message === "accountId: is required, and CLOUDFLARE_ACCOUNT_ID is not set in process.env either");
    Object.assign(process.env, { CLOUDFLARE_ACCOUNT_ID: ACCOUNT, REALTIMEKIT_APP_ID: "env-only-app", REALTIMEKIT_BASE_URL: emu.baseURL, CLOUDFLARE_API_TOKEN: TOKEN });
    const client = new WebhooksClient();
    const hook = await client.create(input());
    // The same app as one named in full.
    assert.deepEqual((await new WebhooksClient(options(emu, { appId: "env-only-app" })).list()).map((h) => h.id), [hook.id]);
    // Given options win over the environment.
    assert.deepEqual(await new WebhooksClient({ appId: "another-app" }).list(), []);
    assert.throws(() => new WebhooksClient({ accountId: "" }), (e) => e.field === "accountId" && /must not be empty/.test(e.message));
  } finally {
    for (const name of names) {
      if (saved[name] === undefined) delete process.env[name];
      else process.env[name] = saved[name];
    }
  }
});

test("the README's table of settings from the environment is the one `realtimekit-webhooks --help` prints", () => {
  const require = createRequire(import.meta.url);
  const cli = require.resolve("realtimekit-webhooks/package.json").replace(/package\.json$/, "cli.js");
  const help = execFileSync(process.execPath, [cli, "--help"], { encoding: "utf8" });
  const section = help.slice(help.indexOf("Settings of the API commands"), help.indexOf("Settings of the deliveries"));
  const fromHelp = [...section.matchAll(/^ {2}--(\S+)\s+(\S+)\s+(.+)$/gm)].map(([, flag, variable, what]) => [flag, variable, what.trim()]);
  const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
  const table = readme.slice(readme.indexOf("| option | variable | flag | what |"));
  const lines = table.split("\n").map((line) => line.trim());
  const rows = lines.slice(2, lines.findIndex((line) => !line.startsWith("|"))).map((line) => line.split("|").slice(1, -1).map((cell) => cell.trim()));
  assert.ok(fromHelp.length >= 6, help);
  assert.deepEqual(rows.map(([, variable, flag, what]) => [flag.replace(/^`--|`$/g, ""), variable.replace(/`/g, ""), what]), fromHelp);
});

test("parseEvents: names from a config file or a variable become WebhookEvent[]; a typo or a repeat is a ValidationError that says so", () => {
  assert.deepEqual(parseEvents(["meeting.started", "meeting.ended"]), ["meeting.started", "meeting.ended"]);
  assert.deepEqual(parseEvents(" meeting.started, recording.statusUpdate ,"), ["meeting.started", "recording.statusUpdate"]);
  assert.throws(() => parseEvents(["meeting.started", "meeting.startd"]), (e) => e instanceof ValidationError && e.field === "events[1]"
    && /^events\[1\]: "meeting\.startd" is not a webhook event \(did you mean meeting\.started\? expected one of meeting\.started, /.test(e.message));
  assert.throws(() => parseEvents(["meeting.ended", "meeting.ended"]), (e) => e.field === "events[1]" && /listed already, at events\[0\]/.test(e.message));
  assert.throws(() => parseEvents([42]), (e) => e.field === "events[0]" && /must be a string/.test(e.message));
  assert.throws(() => parseEvents(undefined), (e) => e.field === "events");
  assert.throws(() => parseEvents(""), (e) => e.field === "events" && /at least one event/.test(e.message));
  // A typo is not dropped, as .filter(isWebhookEvent) would drop it.
  assert.equal(["meeting.startd"].filter(isWebhookEvent).length, 0);
});

test("a misspelt event in create, replace, edit or ensure gets the did-you-mean, and nothing is sent", async () => {
  const client = new WebhooksClient(options(emu, { baseURL: "http://127.0.0.1:1/client/v4", maxRetries: 0 }));
  const hook = { name: "x", url: "https://example.com/hook", events: ["meeting.ended", "meeting.startd"] };
  const typo = (e) => e instanceof ValidationError && e.field === "events[1]"
    && /^events\[1\]: "meeting\.startd" is not a webhook event \(did you mean meeting\.started\? expected one of /.test(e.message);
  await assert.rejects(client.create(hook), typo);
  await assert.rejects(client.replace("hook-1", hook), typo);
  await assert.rejects(client.edit("hook-1", { events: hook.events }), typo);
  await assert.rejects(client.ensure(hook), typo);
  // Port 1 refuses connections: an error that were sent would be an APIConnectionError, not these.
});

test("util.inspect shows what a client is for, never a secret; a freed object rejects with ValidationError", async () => {
  const client = new WebhooksClient(options(emu, { baseURL: `http://127.0.0.1:1/client/v4/`, defaultHeaders: { "x-secret": "h3ader" } }));
  const shown = inspect(client);
  assert.equal(shown, "WebhooksClient { accountId: 'acc-0123456789abcdef', appId: 'app-42', baseURL: 'http://127.0.0.1:1/client/v4' }");
  for (const secret of [TOKEN, "h3ader"]) assert.ok(!shown.includes(secret), shown);
  assert.equal(inspect(new WebhookVerifier({ keyURL: "https://example.com/key.json" })), "WebhookVerifier { keyURL: 'https://example.com/key.json' }");

  const { client: live } = fresh();
  assert.deepEqual(await live.list(), []);
  live.free();
  assert.equal(inspect(live), "WebhooksClient (freed)");
  const e = await rejection(live.list());
  assert.ok(e instanceof ValidationError && e.field === "this", String(e));
  assert.match(e.message, /was freed/);
  assert.throws(() => live.accountId, ValidationError);
  live.free(); // twice: nothing
  assert.ok((await rejection(live.list())) instanceof ValidationError);
  if (typeof Symbol.dispose === "symbol") {
    const { client: scoped } = fresh();
    scoped[Symbol.dispose]();
    assert.ok((await rejection(scoped.list())) instanceof ValidationError);
  }
  // A call under way finishes when its client is freed; one whose own option getters free it rejects, never throws.
  const { client: racing } = fresh();
  const listed = racing.list();
  racing.free();
  assert.deepEqual(await listed, []);
  const { client: selfFreeing } = fresh();
  const freedMidway = await rejection(selfFreeing.list({ get timeout() { selfFreeing.free(); return 1000; } }));
  assert.ok(freedMidway instanceof ValidationError && /was freed/.test(freedMidway.message), String(freedMidway));
  // A Headers that yields what a real one never does (not two strings) has that skipped.
  class OddHeaders extends Headers {
    *[Symbol.iterator]() {
      yield ["x-a", 1];
      yield ["x-b"];
      yield ["x-ok", "1"];
    }
  }
  assert.deepEqual(await fresh().client.list({ headers: new OddHeaders() }), []);
});

test("repeated events are refused; ensure reports the other webhooks of the same name", async () => {
  const { app, client } = fresh();
  const e = await rejection(client.create(input({ events: ["meeting.started", "meeting.ended", "meeting.started"] })));
  assert.ok(e instanceof ValidationError && e.field === "events[2]", String(e));
  assert.match(e.message, /"meeting.started" is listed already, at events\[0\]/);
  assert.equal((await rejection(client.edit("id", { events: ["meeting.ended", "meeting.ended"] }))).field, "events[1]");
  assert.equal((await emu.requestsFor(app)).length, 0, "nothing was sent");

  const first = await client.create(input({ name: "twin", url: "https://example.com/1" }));
  const second = await client.create(input({ name: "twin", url: "https://example.com/2" }));
  const ensured = await client.ensure(input({ name: "twin", url: "https://example.com/1" }));
  assert.equal(ensured.action, "unchanged");
  assert.equal(ensured.webhook.id, first.id, "the oldest is the one kept in shape");
  assert.deepEqual(ensured.duplicates.map((h) => h.id), [second.id]);
  assert.deepEqual((await client.ensure(input({ name: "alone" }))).duplicates, []);
});

test("event names as values: WEBHOOK_EVENTS is the crate's list, in its order; isWebhookEvent narrows; API values round-trip", async () => {
  assert.ok(Object.isFrozen(WEBHOOK_EVENTS));
  assert.deepEqual(WEBHOOK_EVENTS.slice(0, 2), ["meeting.started", "meeting.ended"]);
  const { client } = fresh();
  // The same as the emulator's list (made from the crate's one list too), in the same order.
  assert.deepEqual([...(await client.supportedEvents())], [...WEBHOOK_EVENTS]);
  assert.ok(WEBHOOK_EVENTS.every(isWebhookEvent));
  for (const other of ["meeting.startd", "", null, 42, "MEETING.STARTED"]) assert.equal(isWebhookEvent(other), false);
  const hook = await client.create(input());
  const edited = await client.edit(hook.id, { events: hook.events, enabled: false });
  assert.deepEqual(edited.events, hook.events);
  await client.replace(hook.id, { ...edited, events: (await client.supportedEvents()).slice(0, 2) });
});

test("a verifier handed re-serialised JSON or a parsed body says the raw bytes are needed, and how to get them", async () => {
  const { generateKeyPairSync, createSign } = await import("node:crypto");
  const keys = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const verifier = new WebhookVerifier({ publicKey: keys.publicKey.export({ type: "spki", format: "pem" }) });
  const raw = '{ "event": "meeting.started",\n  "meeting": { "id": "m" } }';
  const headers = { "rtk-signature": createSign("RSA-SHA256").update(raw).sign(keys.privateKey, "base64"), "rtk-uuid": "u" };
  const reserialised = await rejection(verifier.verifyBody(JSON.stringify(JSON.parse(raw)), headers));
  assert.match(reserialised.message, /raw body as received, not re-serialised JSON\), or the key that signed it is not this verifier's/);
  const parsed = await rejection(verifier.verifyBody(JSON.parse(raw), headers));
  assert.ok(parsed instanceof ValidationError && parsed.field === "body");
  assert.match(parsed.message, /not a parsed object.*express\.raw\(\{ type: "application\/json" \}\).*Node's http/);
});
