// Retries, creates that never duplicate, ensure, timeouts, cancellation, and
// junk replies, against faults scripted into the emulator.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  WebhooksClient, RealtimeKitError, APIError, BadRequestError, AuthenticationError, PermissionDeniedError,
  NotFoundError, ConflictError, UnprocessableEntityError, RateLimitError, InternalServerError,
  APIConnectionError, APIConnectionTimeoutError, APIUserAbortError,
} from "realtimekit-webhooks";
import { startEmulator, options, input, rejection, assertNoSecrets, TOKEN } from "./support.mjs";

let emu;
before(async () => { emu = await startEmulator(); });
after(() => emu.stop());

let apps = 0;
/** A client for a fresh app id of its own, so cases can run side by side. */
function fresh(extra = {}) {
  const app = `app-${++apps}`;
  return { app, client: new WebhooksClient(options(emu, { appId: app, ...extra })) };
}

const fast = { "retry-after-ms": "10" };

/** Idempotent methods, each with what it needs set up first. */
const METHODS = {
  list: (c) => c.list(),
  get: (c, id) => c.get(id),
  replace: (c, id) => c.replace(id, input({ name: "replaced" })),
  edit: (c, id) => c.edit(id, { enabled: false }),
  delete: (c, id) => c.delete(id),
  supportedEvents: (c) => c.supportedEvents(),
};

/** Faults on an idempotent method: [name, replies, expected error class or null, attempts]. */
const IDEMPOTENT_FAULTS = [
  ["503 then ok", [{ status: 503, headers: fast }], null, 2],
  ["500 three times", [{ status: 500 }, { status: 500, headers: fast }, { status: 500, headers: fast }], InternalServerError, 3],
  ["429 retry-after-ms then ok", [{ status: 429, headers: fast }], null, 2],
  ["429 retry-after 0 with the delay in the body", [{ status: 429, headers: { "retry-after": "0" }, body: { success: false, errors: [], retry_after: 0.01 } }], null, 2],
  ["408 then ok", [{ status: 408, headers: fast }], null, 2],
  ["502 html, 504, then ok", [{ status: 502, headers: { ...fast, "content-type": "text/html" }, body: "<html><title>bad gateway</title></html>" }, { status: 504, headers: fast }], null, 3],
  ["dropped connection then ok", [{ drop: true }], null, 2],
  ["truncated body then ok", [{ truncate: 12 }], null, 2],
  ["attempt timeout then ok", [{ delayMs: 6000 }], null, 2],
  ["400", [{ status: 400, body: { success: false, error: { code: 400, message: "bad" } } }], BadRequestError, 1],
  ["401", [{ status: 401, body: { message: "Unauthorized" } }], AuthenticationError, 1],
  ["403", [{ status: 403, body: { success: false, errors: [{ code: 9109, message: "no" }] } }], PermissionDeniedError, 1],
  ["404", [{ status: 404 }], NotFoundError, 1],
  ["409", [{ status: 409 }], ConflictError, 1],
  ["422", [{ status: 422 }], UnprocessableEntityError, 1],
  ["429 asking for 120 s", [{ status: 429, headers: { "retry-after": "120" } }], RateLimitError, 1],
];

test("fault matrix: idempotent methods retry what is retryable, and only that", async () => {
  const cases = [];
  for (const [method, call] of Object.entries(METHODS)) {
    for (let [fault, replies, expected, attempts] of IDEMPOTENT_FAULTS) {
      cases.push((async () => {
        // Attempts get 2 s (ample on a loaded machine); the timeout case's reply takes 6 s.
        const { app, client } = fresh({ timeout: 2000 });
        const hook = await client.create(input());
        await emu.scriptFor(app, method, ...replies);
        const label = `${method} / ${fault}`;
        // A delete whose reply was lost after it went through finds nothing to delete on retry.
        if (method === "delete" && fault === "truncated body then ok") expected = NotFoundError;
        if (expected) {
          const e = await rejection(call(client, hook.id));
          assert.ok(e instanceof expected, `${label}: ${e}`);
          assertNoSecrets(e, [TOKEN]);
          if (fault === "429 asking for 120 s") assert.equal(e.retryAfter, 120, label);
        } else {
          await call(client, hook.id);
        }
        assert.equal((await emu.requestsFor(app, method)).length, attempts, `${label}: attempts`);
        assert.ok(Array.isArray(await client.list()), `${label}: the client still works`);
      })());
    }
  }
  await Promise.all(cases);
});

/** Faults on create: [name, replies, expected error or null, create attempts, webhooks left]. */
const CREATE_FAULTS = [
  ["429 then ok", [{ status: 429, headers: fast }], null, 2, 1],
  ["500 before creating: checks, then creates again", [{ status: 500 }], null, 2, 1],
  ["500 after creating: finds it", [{ status: 500, commit: true }], null, 1, 1],
  ["reply lost after creating: finds it", [{ drop: true, commit: true }], null, 1, 1],
  ["connection dropped before creating: creates again", [{ drop: true }], null, 2, 1],
  ["timeout after creating: finds it", [{ delayMs: 6000, commit: true }], null, 1, 1],
  ["truncated reply after creating: finds it", [{ truncate: 5, commit: true }], null, 1, 1],
  ["400 is not retried", [{ status: 400 }], BadRequestError, 1, 0],
  ["409 is not retried", [{ status: 409 }], ConflictError, 1, 0],
  ["422 is not retried", [{ status: 422 }], UnprocessableEntityError, 1, 0],
  ["500 every time", [{ status: 500 }, { status: 500 }, { status: 500 }], InternalServerError, 3, 0],
];

test("fault matrix: create is retried only when that cannot duplicate", async () => {
  await Promise.all(CREATE_FAULTS.map(async ([fault, replies, expected, attempts, left]) => {
    const { app, client } = fresh({ timeout: 2000 });
    await emu.scriptFor(app, "create", ...replies);
    if (expected) {
      const e = await rejection(client.create(input()));
      assert.ok(e instanceof expected, `${fault}: ${e}`);
    } else {
      const hook = await client.create(input());
      assert.equal(hook.name, "meetings", fault);
    }
    assert.equal((await emu.requestsFor(app, "create")).length, attempts, `${fault}: create attempts`);
    assert.equal((await client.list()).length, left, `${fault}: webhooks`);
  }));
});

test("100 creates under lost replies make 100 webhooks, no duplicates", async () => {
  const { app, client } = fresh({ timeout: 2000 });
  const replies = Array.from({ length: 100 }, (_, i) => (i % 2 ? { drop: true, commit: true } : { drop: true }));
  await emu.scriptFor(app, "create", ...replies);
  const names = Array.from({ length: 100 }, (_, i) => `hook-${i}`);
  const created = await Promise.all(names.map((name) => client.create(input({ name }))));
  assert.deepEqual(created.map((h) => h.name), names);
  const listed = await client.list();
  assert.equal(listed.length, 100);
  assert.equal(new Set(listed.map((h) => h.name)).size, 100, "no name twice");
  assert.deepEqual(new Set(created.map((h) => h.id)), new Set(listed.map((h) => h.id)));
});

test("ensure: created, unchanged, updated; never a duplicate", async () => {
  const { app, client } = fresh();
  const first = await client.ensure(input({ name: "deploy" }));
  assert.equal(first.action, "created");
  const same = await client.ensure(input({ name: "deploy", events: [...input().events].reverse() }));
  assert.equal(same.action, "unchanged", "events compare as a set");
  assert.equal(same.webhook.id, first.webhook.id);
  const changed = await client.ensure(input({ name: "deploy", url: "https://example.com/v2", enabled: false }));
  assert.equal(changed.action, "updated");
  assert.deepEqual([changed.webhook.id, changed.webhook.url, changed.webhook.enabled], [first.webhook.id, "https://example.com/v2", false]);
  const edits = await emu.requestsFor(app, "edit");
  assert.deepEqual(JSON.parse(edits.at(-1).body), { url: "https://example.com/v2", enabled: false }, "only what differs is sent");
  // A lost reply while ensure creates: still one webhook.
  await emu.scriptFor(app, "create", { drop: true, commit: true });
  assert.equal((await client.ensure(input({ name: "other" }))).action, "created");
  const names = (await client.list()).map((h) => h.name).sort();
  assert.deepEqual(names, ["deploy", "other"]);
});

test("a delayed reply times out with APIConnectionTimeoutError", async () => {
  const { app, client } = fresh({ timeout: 200, maxRetries: 0 });
  await emu.scriptFor(app, "list", { delayMs: 3000 });
  const e = await rejection(client.list());
  assert.ok(e instanceof APIConnectionTimeoutError && e instanceof APIConnectionError, String(e));
  // The per-request timeout overrides the client's.
  await emu.scriptFor(app, "list", { delayMs: 400 });
  assert.ok(Array.isArray(await client.list({ timeout: 5000 })));
});

test("the timeout covers the body, even from a fetch that ignores its signal", async () => {
  const stalled = () => new Response(new ReadableStream({ start(c) { c.enqueue(new TextEncoder().encode('{"success":true,')); } }), { status: 200 });
  const client = new WebhooksClient(options(emu, { timeout: 200, maxRetries: 0, fetch: async () => stalled() }));
  assert.ok((await rejection(client.list())) instanceof APIConnectionTimeoutError);
  const never = new WebhooksClient(options(emu, { timeout: 200, maxRetries: 0, fetch: () => new Promise(() => {}) }));
  assert.ok((await rejection(never.list())) instanceof APIConnectionTimeoutError);
});

const REASONS = [["a string", "stop"], ["an object", { why: 1 }], ["undefined", undefined], ["an Error", new Error("x")], ["null", null], ["a number", 7], ["a symbol", Symbol("s")]];

test("abort with any reason, during a request, rejects with APIUserAbortError", async () => {
  const { app, client } = fresh();
  for (const [kind, reason] of REASONS) {
    await emu.scriptFor(app, "list", { delayMs: 5000 });
    const controller = new AbortController();
    const pending = client.list({ signal: controller.signal });
    setTimeout(() => controller.abort(reason), 50);
    const e = await rejection(pending);
    assert.ok(e instanceof APIUserAbortError, `${kind}: ${e}`);
    await emu.reset();
    assert.ok(Array.isArray(await client.list()), `${kind}: still works`);
  }
});

test("an already-aborted signal sends nothing", async () => {
  const { app, client } = fresh();
  for (const [kind, reason] of REASONS) {
    const e = await rejection(client.create(input(), { signal: AbortSignal.abort(reason) }));
    assert.ok(e instanceof APIUserAbortError, kind);
  }
  assert.equal((await emu.requestsFor(app)).length, 0);
});

test("abort cuts the wait between retries short", { timeout: 10_000 }, async () => {
  const { app, client } = fresh();
  for (const [kind, reason] of REASONS) {
    // The server asks for 30 s; without a working abort this test times out.
    await emu.scriptFor(app, "list", { status: 503, headers: { "retry-after": "30" } });
    const controller = new AbortController();
    const pending = client.list({ signal: controller.signal });
    setTimeout(() => controller.abort(reason), 100);
    assert.ok((await rejection(pending)) instanceof APIUserAbortError, kind);
  }
  assert.equal((await emu.requestsFor(app, "list")).length, REASONS.length, "one attempt each");
});

test("junk replies and odd fetches give typed errors, and the client keeps working", async () => {
  let next = null;
  const client = new WebhooksClient(options(emu, {
    maxRetries: 0,
    timeout: 2000,
    fetch: (url, init) => {
      const reply = next;
      next = null;
      return reply ? reply() : fetch(url, init);
    },
  }));
  const json = (text, status = 200) => () => new Response(text, { status, headers: { "content-type": "application/json" } });
  const endless = (status) => () => new Response(new ReadableStream({ pull(c) { c.enqueue(new Uint8Array(64 * 1024).fill(65)); } }), { status });
  const junk = [
    ["truncated JSON", json('{"success":true,"data":['), APIError],
    ["wrong types", json('{"success":true,"data":[{"id":5}]}'), APIError],
    ["data of the wrong shape", json('{"success":true,"data":{"id":"x"}}'), APIError],
    ["missing data", json('{"success":true}'), APIError],
    ["null data", json('{"success":true,"data":null}'), APIError],
    ["null", json("null"), APIError],
    ["an array", json("[]"), APIError],
    ["a number", json("5"), APIError],
    ["empty", json(""), APIError],
    ["binary", () => new Response(new Uint8Array([0xff, 0xfe, 0x00, 0x80]), { status: 200 }), APIError],
    ["success false", json('{"success":false,"data":[]}'), APIError],
    ["error status, junk body", json("{{{{", 500), InternalServerError],
    ["huge 500 body, read bounded", endless(500), InternalServerError],
    ["endless 200 body", endless(200), APIError],
    ["undefined", () => undefined, APIConnectionError],
    ["null", () => null, APIConnectionError],
    ["a number", () => 42, APIConnectionError],
    ["a string", () => "response", APIConnectionError],
    ["an empty object", () => ({}), APIConnectionError],
    ["status not a number", () => ({ status: "200", headers: new Headers(), text: async () => "" }), APIConnectionError],
    ["status out of range", () => ({ status: 1000, headers: new Headers(), text: async () => "" }), APIConnectionError],
    ["text() throws", () => ({ status: 200, headers: new Headers(), text() { throw "nope"; } }), APIConnectionError],
    ["text() not a string", () => ({ status: 200, headers: new Headers(), text: async () => 12 }), APIConnectionError],
    ["headers.get throws (read as no headers)", () => ({ status: 500, headers: { get() { throw new Error("h"); } }, text: async () => "x" }), InternalServerError],
    ["rejects with a string", () => Promise.reject("down"), APIConnectionError],
    ["rejects with undefined", () => Promise.reject(undefined), APIConnectionError],
    ["rejects with an object", () => Promise.reject({ code: 1 }), APIConnectionError],
    ["rejects with a symbol", () => Promise.reject(Symbol("s")), APIConnectionError],
    ["throws synchronously", () => { throw "sync"; }, APIConnectionError],
  ];
  for (const [name, reply, expected] of junk) {
    next = reply;
    const e = await rejection(client.list());
    assert.ok(e instanceof expected && e instanceof RealtimeKitError, `${name}: ${e}`);
    assert.ok(e.message.length > 0 && (!(e instanceof APIError) || e.body.length <= 8192), name);
    assert.ok(Array.isArray(await client.list()), `${name}: still works`);
  }
});

test("duck-typed responses (polyfills) are accepted", async () => {
  const client = new WebhooksClient(options(emu, {
    fetch: async () => ({ status: 200, headers: { get: () => null }, text: async () => '{"success":true,"data":["meeting.started"]}' }),
  }));
  assert.deepEqual(await client.supportedEvents(), ["meeting.started"]);
});

test("fuzz: random replies never break the module", async () => {
  let seed = 42;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const pieces = ['{"success":', "true", "false", ',"data":', "[", "]", "{", "}", '"id":"x"', ',"errors":[{"code":1,"message":"m"}]', "null", "1e400", '"\\ud800"', ",", ":", '"name":"n"', '"events":["meeting.started"]', "\u0000", "é"];
  const statuses = [200, 201, 204, 400, 401, 404, 429, 500, 503];
  let reply = null;
  const client = new WebhooksClient(options(emu, { maxRetries: 0, fetch: async () => reply() }));
  for (let i = 0; i < 2000; i++) {
    const status = statuses[Math.floor(rand() * statuses.length)];
    const body = Array.from({ length: Math.floor(rand() * 12) }, () => pieces[Math.floor(rand() * pieces.length)]).join("");
    reply = () => new Response(status === 204 ? null : body, { status, headers: rand() < 0.3 ? { "retry-after": String(rand() * 1e6) } : {} });
    const method = ["list", "supportedEvents", "get"][i % 3];
    try {
      await (method === "get" ? client.get("x") : client[method]());
    } catch (e) {
      assert.ok(e instanceof RealtimeKitError, `${status} ${JSON.stringify(body)}: ${e}`);
    }
  }
  reply = () => new Response('{"success":true,"data":[]}', { status: 200 });
  assert.deepEqual(await client.list(), []);
});
