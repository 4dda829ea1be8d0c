// WebhooksClient against the emulator: each method's request and result,
// each error class, bad input, path segments, credentials kept out of errors.
import { test, before, after, beforeEach } from "node:test";
import assert from "node:assert/strict";
import {
  WebhooksClient, RealtimeKitError, ValidationError, APIError, BadRequestError, AuthenticationError,
  NotFoundError, InternalServerError, APIConnectionError,
} from "realtimekit-webhooks";
import { startEmulator, options, input, rejection, assertNoSecrets, WEBHOOKS_PATH, TOKEN } from "./support.mjs";

let emu;
let client;
before(async () => {
  emu = await startEmulator();
  client = new WebhooksClient(options(emu, { maxRetries: 0 }));
});
after(() => emu.stop());
beforeEach(() => emu.reset());

const ALL_EVENTS = [
  "meeting.started", "meeting.ended", "meeting.participantJoined", "meeting.participantLeft",
  "meeting.chatSynced", "recording.statusUpdate", "livestreaming.statusUpdate", "meeting.transcript",
  "meeting.summary",
];

/** The last request the emulator received. */
async function lastRequest() {
  const log = await emu.requests();
  return log.at(-1);
}

/** After an error: the same client still works. */
async function stillWorks() {
  assert.ok(Array.isArray(await client.list()));
}

test("each method sends the right request and resolves to the envelope's data", async () => {
  const created = await client.create(input());
  let req = await lastRequest();
  assert.equal(req.method, "POST");
  assert.equal(req.path, WEBHOOKS_PATH);
  assert.equal(req.headers.authorization, `Bearer ${TOKEN}`);
  assert.equal(req.headers["content-type"], "application/json");
  assert.deepEqual(JSON.parse(req.body), input());
  assert.match(created.id, /^[0-9a-f-]{36}$/);
  assert.deepEqual(
    { name: created.name, url: created.url, events: created.events, enabled: created.enabled },
    { ...input(), enabled: true },
  );
  assert.match(created.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  assert.equal(Object.getPrototypeOf(created), Object.prototype, "a plain object");

  const listed = await client.list();
  req = await lastRequest();
  assert.deepEqual([req.method, req.path, req.body], ["GET", WEBHOOKS_PATH, ""]);
  assert.equal(req.headers["content-type"], undefined, "no content-type without a body");
  assert.deepEqual(listed, [created]);

  assert.deepEqual(await client.get(created.id), created);
  req = await lastRequest();
  assert.deepEqual([req.method, req.path], ["GET", `${WEBHOOKS_PATH}/${created.id}`]);

  const edited = await client.edit(created.id, { enabled: false });
  req = await lastRequest();
  assert.deepEqual([req.method, req.path, JSON.parse(req.body)], ["PATCH", `${WEBHOOKS_PATH}/${created.id}`, { enabled: false }]);
  assert.equal(edited.enabled, false);
  assert.equal(edited.name, "meetings");

  const replaced = await client.replace(created.id, { name: "renamed", url: "http://127.0.0.1:9/x", events: ["meeting.summary"], enabled: true });
  req = await lastRequest();
  assert.equal(req.method, "PUT");
  assert.deepEqual(JSON.parse(req.body), { name: "renamed", url: "http://127.0.0.1:9/x", events: ["meeting.summary"], enabled: true });
  assert.deepEqual([replaced.name, replaced.events, replaced.enabled], ["renamed", ["meeting.summary"], true]);

  // A Webhook passed back as input: its read-only fields are not sent.
  await client.replace(created.id, { ...replaced, url: "https://example.org/" });
  req = await lastRequest();
  assert.deepEqual(JSON.parse(req.body), { name: "renamed", url: "https://example.org/", events: ["meeting.summary"], enabled: true });

  assert.deepEqual(await client.supportedEvents(), ALL_EVENTS);
  req = await lastRequest();
  assert.deepEqual([req.method, req.path], ["GET", `${WEBHOOKS_PATH}/all`]);

  const deleted = await client.delete(created.id);
  req = await lastRequest();
  assert.deepEqual([req.method, req.path, req.body], ["DELETE", `${WEBHOOKS_PATH}/${created.id}`, ""]);
  assert.equal(deleted.id, created.id);
  assert.deepEqual(await client.list(), []);
});

test("API key auth, default headers and per-request headers", async () => {
  const keyed = new WebhooksClient(options(emu, {
    apiToken: undefined, apiKey: "emulator-key", apiEmail: "dev@example.com",
    defaultHeaders: { "x-team": "core", "X-Trace": "default" },
  }));
  await keyed.list({ headers: { "x-trace": "per-call" } });
  const req = await lastRequest();
  assert.equal(req.headers["x-auth-key"], "emulator-key");
  assert.equal(req.headers["x-auth-email"], "dev@example.com");
  assert.equal(req.headers.authorization, undefined);
  assert.equal(req.headers["x-team"], "core");
  assert.equal(req.headers["x-trace"], "per-call");
  await keyed.list({ headers: new Headers({ "x-from-headers": "1" }) });
  assert.equal((await lastRequest()).headers["x-from-headers"], "1");
});

test("a custom fetch is called, as a function (never as a method of the options)", async () => {
  const seen = [];
  const opts = options(emu, {
    fetch(url, init) {
      seen.push([this, `${init.method} ${new URL(url).pathname}`]);
      return fetch(url, init);
    },
  });
  const custom = new WebhooksClient(opts);
  await custom.list();
  assert.equal(seen.length, 1);
  assert.notEqual(seen[0][0], opts);
  assert.equal(seen[0][1], `GET ${WEBHOOKS_PATH}`);
});

test("a custom fetch that changes the headers it is given changes only its own request", async () => {
  let calls = 0;
  const custom = new WebhooksClient(
    options(emu, {
      fetch(url, init) {
        init.headers.push(["x-call", String(++calls)]);
        const sent = fetch(url, init);
        init.headers[0][1] = "changed"; // after the request was made from it
        return sent;
      },
    }),
  );
  for (let i = 1; i <= 2; i++) {
    await custom.list();
    const req = await lastRequest();
    assert.equal(req.headers["x-call"], String(i));
    assert.match(req.headers.authorization ?? "", /^Bearer /, "the client's own headers are as they were");
  }
});

test("400 in the RealtimeKit envelope is a BadRequestError with the API's message", async () => {
  await emu.script("create", { status: 400, body: { success: false, error: { code: 400, message: 'BAD_REQUEST: "name" is required' } } });
  const e = await rejection(client.create(input()));
  assert.ok(e instanceof BadRequestError && e instanceof APIError && e instanceof RealtimeKitError && e instanceof Error);
  assert.equal(e.name, "BadRequestError");
  assert.equal(e.status, 400);
  assert.deepEqual(e.errors, [{ code: 400, message: 'BAD_REQUEST: "name" is required' }]);
  assert.match(e.requestId, /-EMU$/);
  assert.match(e.message, /^400 Bad Request: BAD_REQUEST: "name" is required \(create: POST http:\/\/127\.0\.0\.1:\d+\/client\/v4\/accounts\/[^ ]+\/webhooks, attempt 1 of \d\)$/);
  assert.match(e.body, /BAD_REQUEST/);
  await stillWorks();
});

test("400 in the Cloudflare envelope keeps codes above 65535", async () => {
  await emu.script("list", {
    status: 400,
    headers: { "cf-ray": "8f00aa11bb22cc33-SJC" },
    body: { success: false, errors: [{ code: 81053, message: "Invalid app id" }], messages: [], result: null },
  });
  const e = await rejection(client.list());
  assert.ok(e instanceof BadRequestError);
  assert.deepEqual(e.errors, [{ code: 81053, message: "Invalid app id" }]);
  assert.equal(e.requestId, "8f00aa11bb22cc33-SJC");
  assert.match(e.message, /^400 Bad Request: Invalid app id \(code 81053\) \(list: GET http:\/\/127\.0\.0\.1:\d+\/client\/v4\/accounts\/[^ ]+\/webhooks, attempt 1 of \d\)$/);
  await stillWorks();
});

test("401 for a wrong token is an AuthenticationError without the token", async () => {
  const secret = "wrong-token-s3cr3t";
  const wrong = new WebhooksClient(options(emu, { apiToken: secret }));
  const e = await rejection(wrong.list());
  assert.ok(e instanceof AuthenticationError);
  assert.equal(e.status, 401);
  assert.deepEqual(e.errors, [{ code: 10000, message: "Authentication error" }]);
  assertNoSecrets(e, [secret]);
  await stillWorks();
});

test("a server that echoes the credentials has them redacted", async () => {
  await emu.script("list", { status: 401, body: { message: `bad token ${TOKEN}` } });
  const e = await rejection(client.list());
  assert.ok(e instanceof AuthenticationError);
  assertNoSecrets(e, [TOKEN]);
  assert.match(e.message, /\[redacted\]/);
});

test("404 is a NotFoundError with status 404", async () => {
  const e = await rejection(client.get("0d1f069d-43bb-489a-ad8c-7eb95592ba8e"));
  assert.ok(e instanceof NotFoundError);
  assert.equal(e.status, 404);
  // It names the call, and the webhook that is not there.
  assert.match(e.message, /^404 Not Found: Webhook not found: no webhook 0d1f069d-43bb-489a-ad8c-7eb95592ba8e in this app \(get: GET http:\/\/127\.0\.0\.1:\d+\/client\/v4\/accounts\/[^ ]+\/webhooks\/0d1f069d-43bb-489a-ad8c-7eb95592ba8e, attempt 1 of \d\)$/);
  await stillWorks();
});

test("5xx with an HTML body keeps its status and says what the page says", async () => {
  await emu.script("list", {
    status: 502,
    headers: { "content-type": "text/html" },
    body: "<html><head><title>502 Bad Gateway</title></head><body><h1>nginx</h1></body></html>",
  });
  const e = await rejection(client.list());
  assert.ok(e instanceof InternalServerError);
  assert.equal(e.status, 502);
  assert.deepEqual(e.errors, []);
  assert.match(e.message, /^502 Bad Gateway: 502 Bad Gateway \(list: GET http:\/\/127\.0\.0\.1:\d+\/client\/v4\/accounts\/[^ ]+\/webhooks, attempt (\d) of \1\)$/, "the retries ran out");
  assert.match(e.body, /nginx/);
  await stillWorks();
});

test("success: false on a 200 is an APIError", async () => {
  await emu.script("get", { status: 200, body: { success: false, errors: [{ code: 1001, message: "upstream hiccup" }] } });
  const e = await rejection(client.get("abc"));
  assert.ok(e instanceof APIError);
  assert.equal(e.constructor, APIError);
  assert.equal(e.status, 200);
  assert.deepEqual(e.errors, [{ code: 1001, message: "upstream hiccup" }]);
  assert.match(e.message, /success: false/);
  await stillWorks();
});

test("a 200 that is not JSON, or has no data, is an APIError with its status", async () => {
  await emu.script("list", { status: 200, body: "<html>hi</html>" }, { status: 200, body: { success: true } });
  let e = await rejection(client.list());
  assert.ok(e instanceof APIError);
  assert.equal(e.status, 200);
  e = await rejection(client.list());
  assert.match(e.message, /no data/);
  await stillWorks();
});

test("no server at all is an APIConnectionError", async () => {
  const dead = new WebhooksClient(options(emu, { baseURL: "http://127.0.0.1:9/client/v4", maxRetries: 0 }));
  const e = await rejection(dead.list());
  assert.ok(e instanceof APIConnectionError);
  assert.ok(e instanceof RealtimeKitError && !(e instanceof APIError));
  assertNoSecrets(e, [TOKEN]);
});

test("bad input is a ValidationError naming the field, and nothing is sent", async () => {
  const good = input();
  const cases = [
    [() => client.create(undefined), "webhook"],
    [() => client.create(null), "webhook"],
    [() => client.create([]), "webhook"],
    [() => client.create("x"), "webhook"],
    [() => client.create({ ...good, name: undefined }), "name"],
    [() => client.create({ ...good, name: "" }), "name"],
    [() => client.create({ ...good, name: "   " }), "name"],
    [() => client.create({ ...good, name: 42 }), "name"],
    [() => client.create({ ...good, url: undefined }), "url"],
    [() => client.create({ ...good, url: "example.com/hook" }), "url"],
    [() => client.create({ ...good, url: "ftp://example.com" }), "url"],
    [() => client.create({ ...good, url: "https://" }), "url"],
    [() => client.create({ ...good, url: "https://exa mple.com" }), "url"],
    [() => client.create({ ...good, url: new URL("https://example.com") }), "url"],
    [() => client.create({ ...good, events: undefined }), "events"],
    [() => client.create({ ...good, events: "meeting.started" }), "events"],
    [() => client.create({ ...good, events: [] }), "events"],
    [() => client.create({ ...good, events: ["meeting.strated"] }), "events[0]"],
    [() => client.create({ ...good, events: ["meeting.started", 7] }), "events[1]"],
    [() => client.create({ ...good, enabled: "yes" }), "enabled"],
    [() => client.create({ ...good, enabled: null }), "enabled"],
    [() => client.create({ ...good, enabeld: false }), "enabeld"],
    [() => client.replace("id", { ...good, events: ["nope"] }), "events[0]"],
    [() => client.edit("id", { enabled: 1 }), "enabled"],
    [() => client.edit("id", { url: "nope" }), "url"],
    [() => client.edit("id", null), "patch"],
    [() => client.get(""), "webhookId"],
    [() => client.get(undefined), "webhookId"],
    [() => client.get(42), "webhookId"],
    [() => client.get("."), "webhookId"],
    [() => client.get(".."), "webhookId"],
    [() => client.delete("x".repeat(129)), "webhookId"],
    [() => client.delete("all"), "webhookId"],
    [() => client.list({ timeout: -1 }), "timeout"],
    [() => client.list({ timeout: "5s" }), "timeout"],
    [() => client.list({ maxRetries: 1.5 }), "maxRetries"],
    [() => client.list({ maxRetries: 11 }), "maxRetries"],
    [() => client.list({ signal: "stop" }), "signal"],
    [() => client.list({ headers: { "bad header": "x" } }), "headers"],
    [() => client.list({ headers: { "x-a": "line\nbreak" } }), "headers"],
    [() => client.list({ headers: { "x-a": 1 } }), "headers.x-a"],
    [() => client.list(42), "options"],
  ];
  const before = (await emu.requests()).length;
  for (const [call, field] of cases) {
    const e = await rejection(call());
    assert.ok(e instanceof ValidationError, `${call}: ${e}`);
    assert.equal(e.field, field, `${call}: ${e.message}`);
    assert.ok(e.message.startsWith(`${field}: `), e.message);
  }
  assert.equal((await emu.requests()).length, before, "no request was sent");
  assert.ok(cases.length >= 20);
  await stillWorks();
});

test("an unknown event name lists the valid ones", async () => {
  const e = await rejection(client.create(input({ events: ["meeting.strated"] })));
  for (const name of ALL_EVENTS) assert.ok(e.message.includes(name), e.message);
});

test("the constructor throws ValidationError for missing ids, credentials or bad options", () => {
  const base = { accountId: "a", appId: "b", apiToken: "t" };
  const cases = [
    // No options at all: from process.env, where these tests set none.
    [undefined, "accountId"], [null, "options"], [{}, "accountId"],
    [{ ...base, accountId: "" }, "accountId"], [{ ...base, appId: undefined }, "appId"],
    [{ ...base, accountId: ".." }, "accountId"], [{ ...base, apiToken: undefined }, "apiToken"],
    [{ ...base, apiToken: "" }, "apiToken"], [{ ...base, apiToken: undefined, apiKey: "k" }, "apiEmail"],
    [{ ...base, apiKey: "k", apiEmail: "e" }, "apiToken"], [{ ...base, baseURL: "api.cloudflare.com" }, "baseURL"],
    [{ ...base, timeout: 0 }, "timeout"], [{ ...base, maxRetries: -1 }, "maxRetries"],
    [{ ...base, fetch: "fetch" }, "fetch"], [{ ...base, defaultHeaders: { "a b": "c" } }, "defaultHeaders"],
    [{ ...base, apiToken: "tok\r\nx-evil: 1" }, "apiToken"],
  ];
  for (const [opts, field] of cases) {
    assert.throws(() => new WebhooksClient(opts), (e) => e instanceof ValidationError && e.field === field, JSON.stringify(opts));
  }
  const e = (() => { try { new WebhooksClient({ ...base, apiToken: "tok\nsecret" }); } catch (e) { return e; } })();
  assertNoSecrets(e, ["tok\nsecret", "secret"]);
});

test("ids stay inside their path segment", async () => {
  for (const [id, encoded] of [["a/b", "a%2Fb"], ["?x=1", "%3Fx%3D1"], ["#frag", "%23frag"], ["%2e%2e", "%252e%252e"], ["../../x", "..%2F..%2Fx"], ["é", "%C3%A9"]]) {
    const e = await rejection(client.get(id));
    assert.ok(e instanceof NotFoundError, `${id}: ${e}`);
    const req = await lastRequest();
    assert.equal(req.path, `${WEBHOOKS_PATH}/${encoded}`);
    assert.equal(req.query, null);
  }
  await stillWorks();
});

test("errors carry no credential in message, stack, fields or JSON", async () => {
  const key = "key-5ecret-value";
  const email = "owner@secret.example";
  const keyed = new WebhooksClient(options(emu, { apiToken: undefined, apiKey: key, apiEmail: email, maxRetries: 0 }));
  await emu.script("*", { status: 500, body: `boom ${key} ${email}` }, { status: 429, body: { message: key } });
  const errors = [
    await rejection(keyed.list()),
    await rejection(keyed.list()),
    await rejection(keyed.get("missing")),
    await rejection(keyed.create(input({ url: "nope" }))),
  ];
  for (const e of errors) assertNoSecrets(e, [key, email]);
});

test("edit with no field is a ValidationError saying what may be given, and nothing is sent", async () => {
  const hook = await client.create(input());
  const before = (await emu.requests()).length;
  const error = await rejection(client.edit(hook.id, {}));
  assert.ok(error instanceof ValidationError);
  assert.equal(error.field, "patch");
  assert.match(error.message, /give at least one of name, url, events or enabled/);
  assert.equal((await emu.requests()).length, before);
});
