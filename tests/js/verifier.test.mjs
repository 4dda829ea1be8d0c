// WebhookVerifier: every event's example body signed and verified, the payload
// variations, every way a delivery can be wrong, key fetching, caching and
// rotation, and deliveries signed by the emulator arriving at a receiver.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createSign, generateKeyPairSync } from "node:crypto";
import { readFileSync, readdirSync } from "node:fs";
import { createServer } from "node:http";
import {
  WebhookVerifier, WebhooksClient, SignatureError, PayloadError, ValidationError, APIConnectionError, RealtimeKitError,
  KeyUnavailableError, NotFoundError, WEBHOOK_EVENTS,
} from "realtimekit-webhooks";
import { startEmulator, options, rejection } from "./support.mjs";

const ROOT = new URL("../../", import.meta.url);
const FIXTURES = Object.fromEntries(
  readdirSync(new URL("emulator/fixtures/", ROOT)).map((f) => [f.replace(/\.json$/, ""), readFileSync(new URL(`emulator/fixtures/${f}`, ROOT), "utf8")]),
);
const DEV_KEYS = [1, 2].map((n) => readFileSync(new URL(`emulator/keys/dev-key-${n}.pem`, ROOT), "utf8"));

// A test key pair of our own, made by Node's crypto, independent of the package.
const test_key = generateKeyPairSync("rsa", { modulusLength: 2048 });
const PUBLIC_PEM = test_key.publicKey.export({ type: "spki", format: "pem" });
const other_key = generateKeyPairSync("rsa", { modulusLength: 2048 });
const OTHER_PEM = other_key.publicKey.export({ type: "spki", format: "pem" });

function sign(body, privateKey = test_key.privateKey) {
  return createSign("RSA-SHA256").update(body).sign(privateKey, "base64");
}

function headersFor(body, extra = {}, key) {
  return { "rtk-signature": sign(body, key), "rtk-uuid": crypto.randomUUID(), "rtk-webhook-id": "hook-1", ...extra };
}

let emu;
before(async () => { emu = await startEmulator(); });
after(() => emu.stop());

test("each event's example body verifies, payload intact, from every body and header form", async () => {
  const verifier = new WebhookVerifier({ publicKey: PUBLIC_PEM });
  assert.deepEqual(Object.keys(FIXTURES).sort(), [...WEBHOOK_EVENTS].sort(), "one example body per event");
  for (const [event, body] of Object.entries(FIXTURES)) {
    const headers = headersFor(body);
    const forms = [
      [body, headers],
      [new TextEncoder().encode(body), new Headers(headers)],
      [new TextEncoder().encode(body).buffer, Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toUpperCase(), v]))],
      [Buffer.from(body), { ...headers, "rtk-signature": [headers["rtk-signature"]] }],
      [viewWithin(new TextEncoder().encode(body)), headers],
    ];
    for (const [raw, hdrs] of forms) {
      const delivery = await verifier.verifyBody(raw, hdrs);
      assert.equal(delivery.event, event);
      assert.equal(delivery.id, headers["rtk-uuid"]);
      assert.equal(delivery.webhookId, "hook-1");
      assert.deepEqual(delivery.payload, JSON.parse(body));
    }
    const request = new Request("http://127.0.0.1/hook", { method: "POST", headers, body });
    const delivery = await verifier.verify(request);
    assert.deepEqual(delivery.payload, JSON.parse(body), event);
  }
});

test("payload variations and unknown events pass through untouched", async () => {
  const verifier = new WebhookVerifier({ publicKey: PUBLIC_PEM.replaceAll("\n", "\\n") });
  const bodies = [
    '{"event":"recording.statusUpdate","recording":{"id":"r","status":"INVOKED","fileSize":2044680}}',
    '{"event":"recording.statusUpdate","recording":{"id":"r","status":"SOMETHING_NEW","fileSize":"2044680"}}',
    '{"event":"meeting.ended","meeting":{"id":"m","endedAt":null},"reason":"HOST_ENDED_MEETING"}',
    '{"event":"meeting.started","meeting":{"id":"m","newField":{"x":[1,2.5]}}}',
    '{"event":"livestreaming.statusUpdate","streamId":"s","status":"LIVE"}',
    '{"event":"meeting.chatSynced","meeting":{"id":"m"},"chatDownloadUrl":"u","chatDownloadUrlExpiry":"2023-06-09 13:04:25.143Z"}',
    '{"event":"meeting.recapReady","recap":{"url":"https://example.com"},"n":12345678901234567890}',
    '{ "event" : "meeting.started" ,\n "meeting": {} }',
  ];
  for (const body of bodies) {
    const delivery = await verifier.verifyBody(body, headersFor(body));
    assert.deepEqual(delivery.payload, JSON.parse(body), body);
    assert.equal(delivery.event, JSON.parse(body).event);
  }
});

test("legacy dyte-* headers are read; a delivery with no rtk-uuid is a PayloadError", async () => {
  const verifier = new WebhookVerifier({ publicKey: PUBLIC_PEM });
  const body = FIXTURES["meeting.started"];
  const delivery = await verifier.verifyBody(body, { "dyte-signature": sign(body), "dyte-uuid": "u-1", "dyte-webhook-id": "w-1" });
  assert.deepEqual([delivery.id, delivery.webhookId], ["u-1", "w-1"]);
  const noWebhook = await verifier.verifyBody(body, { "rtk-signature": sign(body), "rtk-uuid": "u-2" });
  assert.deepEqual([noWebhook.id, noWebhook.webhookId], ["u-2", null]);
  for (const id of [undefined, "", "  "]) {
    const e = await rejection(verifier.verifyBody(body, { "rtk-signature": sign(body), ...(id === undefined ? {} : { "rtk-uuid": id }) }));
    assert.ok(e instanceof PayloadError, String(e));
    assert.match(e.message, /rtk-uuid/);
  }
  // Without a valid signature it is a forgery first.
  assert.ok((await rejection(verifier.verifyBody(body, { "rtk-signature": sign("other") }))) instanceof SignatureError);
});

test("every wrong delivery is refused with the right class, and the verifier keeps working", async () => {
  const verifier = new WebhookVerifier({ publicKey: PUBLIC_PEM, maxBodyBytes: 4096 });
  const body = FIXTURES["meeting.participantJoined"];
  const good = headersFor(body);
  const signed = (text) => [text, headersFor(text)];
  const cases = [
    ["tampered body", [body.replace("Mary Sue", "Mallory"), good], SignatureError],
    ["re-serialised JSON", [JSON.stringify(JSON.parse(body)), good], SignatureError],
    ["signed with another key", [body, headersFor(body, {}, other_key.privateKey)], SignatureError],
    ["missing signature", [body, { "rtk-uuid": "u" }], SignatureError],
    ["empty signature", [body, { ...good, "rtk-signature": "" }], SignatureError],
    ["non-base64 signature", [body, { ...good, "rtk-signature": "not base64!" }], SignatureError],
    ["truncated signature", [body, { ...good, "rtk-signature": good["rtk-signature"].slice(0, 40) }], SignatureError],
    ["not JSON", signed("event=meeting.started"), PayloadError],
    ["no event", signed('{"meeting":{}}'), PayloadError],
    ["event not a string", signed('{"event":42}'), PayloadError],
    ["an array", signed('[{"event":"meeting.started"}]'), PayloadError],
    ["too large", signed(`{"event":"meeting.started","pad":"${"x".repeat(5000)}"}`), PayloadError],
    ["body of the wrong type", [42, good], ValidationError],
    ["headers of the wrong type", [body, "rtk-signature: x"], ValidationError],
  ];
  for (const [name, [raw, headers], expected] of cases) {
    const e = await rejection(verifier.verifyBody(raw, headers));
    assert.ok(e instanceof expected && e instanceof RealtimeKitError, `${name}: ${e}`);
    assert.ok((await verifier.verifyBody(body, good)).payload, `${name}: still verifies`);
  }
  // The signature is checked before the body is parsed: a forged non-JSON body is a SignatureError.
  assert.ok((await rejection(verifier.verifyBody("not json", good))) instanceof SignatureError);
  // A request whose body was read already, and one over the bound by content-length.
  const used = new Request("http://x/", { method: "POST", body, headers: good });
  await used.text();
  assert.ok((await rejection(verifier.verify(used))) instanceof ValidationError);
  const big = "x".repeat(5000);
  assert.ok((await rejection(verifier.verify(new Request("http://x/", { method: "POST", body: big, headers: headersFor(big) })))) instanceof PayloadError);
  // A body that breaks off while it is read: the connection's fault, not the delivery's.
  const broken = { headers: new Headers(good), bodyUsed: false, arrayBuffer: () => Promise.reject(new Error("socket hang up")) };
  const e = await rejection(verifier.verify(broken));
  assert.ok(e instanceof APIConnectionError && /reading the request body failed: socket hang up/.test(e.message), String(e));
  assert.ok((await rejection(verifier.verify({ body }))) instanceof ValidationError);
});

test("a verify under way finishes when its verifier is freed; a later call rejects with ValidationError", async () => {
  const body = FIXTURES["meeting.started"];
  const starts = [
    (v) => v.verifyBody(body, headersFor(body)),
    (v) => v.verify(new Request("http://127.0.0.1/hook", { method: "POST", body, headers: headersFor(body) })),
  ];
  for (const start of starts) {
    const verifier = new WebhookVerifier({ publicKey: PUBLIC_PEM });
    const pending = start(verifier);
    verifier.free();
    assert.equal((await pending).event, "meeting.started");
    const e = await rejection(start(verifier));
    assert.ok(e instanceof ValidationError && /was freed/.test(e.message), String(e));
  }
});

/** The bytes as a DataView in the middle of a larger buffer (a view whose offset is not 0). */
function viewWithin(bytes) {
  const padded = new Uint8Array(bytes.length + 6);
  padded.set(bytes, 3);
  return new DataView(padded.buffer, 3, bytes.length);
}

test("a given key that is not PEM is a ValidationError; one WebCrypto cannot use is a KeyUnavailableError, never a SignatureError", async () => {
  for (const publicKey of ["not a pem", "-----BEGIN PUBLIC KEY-----\n@@@\n-----END PUBLIC KEY-----"]) {
    assert.throws(() => new WebhookVerifier({ publicKey }), (e) => e instanceof ValidationError && e.field === "publicKey");
  }
  assert.throws(() => new WebhookVerifier({ publicKey: PUBLIC_PEM, keyURL: "https://x.io" }), ValidationError);
  assert.throws(() => new WebhookVerifier({ publicKey: PUBLIC_PEM, keyCooldown: 5 }), ValidationError);
  assert.throws(() => new WebhookVerifier({ maxBodyBytes: 0 }), ValidationError);
  assert.throws(() => new WebhookVerifier({ keyURL: "ftp://x" }), ValidationError);
  assert.throws(() => new WebhookVerifier({ keyCooldown: -1 }), ValidationError);
  assert.throws(() => new WebhookVerifier({ keyMaxAge: 1.5 }), ValidationError);
  const ecKey = generateKeyPairSync("ec", { namedCurve: "P-256" }).publicKey.export({ type: "spki", format: "pem" });
  const body = FIXTURES["meeting.started"];
  for (const publicKey of ["-----BEGIN PUBLIC KEY-----\nAAAAAAAA\n-----END PUBLIC KEY-----", ecKey]) {
    const unusable = new WebhookVerifier({ publicKey });
    for (let i = 0; i < 2; i++) {
      const e = await rejection(unusable.verifyBody(body, headersFor(body)));
      assert.ok(e instanceof KeyUnavailableError, String(e));
      assert.match(e.message, /cannot be imported/);
    }
  }
});

/** A fetch that counts the calls to the key URL. */
function counting() {
  const calls = [];
  const fetchFn = (url, init) => {
    calls.push(url);
    return fetch(url, init);
  };
  return { calls, fetch: fetchFn };
}

test("the key is fetched once, cached, and shared by concurrent first calls", async () => {
  const keyURL = `${emu.url}/.well-known/webhooks.json`;
  const { calls, fetch: fetchFn } = counting();
  const verifier = new WebhookVerifier({ keyURL, fetch: fetchFn });
  const body = FIXTURES["meeting.summary"];
  const headers = headersFor(body, {}, DEV_KEYS[0]);
  const results = await Promise.all(Array.from({ length: 20 }, () => verifier.verifyBody(body, headers)));
  assert.equal(results.length, 20);
  await verifier.verifyBody(body, headers);
  assert.deepEqual(calls, [keyURL]);
});

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const rotate = () => fetch(`${emu.url}/__emulator/keys/rotate`, { method: "POST" }).then((r) => r.json()).then((r) => r.data.publicKey);
/** Rotates the emulator's key for `body`, and back after it. */
async function withRotatedKey(body) {
  await rotate();
  try {
    return await body();
  } finally {
    await rotate();
  }
}

test("key rotation: a forged request can never make a genuine delivery a SignatureError, nor make it flood the key URL", async () => {
  const keyURL = `${emu.url}/.well-known/webhooks.json`;
  const { calls, fetch: fetchFn } = counting();
  const COOLDOWN = 400;
  const verifier = new WebhookVerifier({ keyURL, fetch: fetchFn, keyCooldown: COOLDOWN });
  const body = FIXTURES["meeting.started"];
  const forged = () => verifier.verifyBody(body, headersFor(body, {}, other_key.privateKey));
  assert.equal((await verifier.verifyBody(body, headersFor(body, {}, DEV_KEYS[0]))).event, "meeting.started");
  await sleep(COOLDOWN);
  // The forgery spends the one fetch of this cooldown (against a key fetched after it arrived: a SignatureError).
  assert.ok((await rejection(forged())) instanceof SignatureError);
  assert.equal(calls.length, 2);
  await withRotatedKey(async () => {
    // A genuine delivery signed with the new key, within the cooldown: retryable, never a SignatureError.
    const genuine = headersFor(body, {}, DEV_KEYS[1]);
    const e = await rejection(verifier.verifyBody(body, genuine));
    assert.ok(e instanceof KeyUnavailableError, String(e));
    assert.ok(e.retryAfter >= 1, String(e.retryAfter));
    // Forgeries meanwhile: never accepted, and no more fetches.
    for (let i = 0; i < 10; i++) {
      const f = await rejection(forged());
      assert.ok(f instanceof SignatureError || f instanceof KeyUnavailableError, String(f));
    }
    assert.equal(calls.length, 2, "no fetch within the cooldown");
    // RealtimeKit delivers again later: the key is fetched again, and it verifies.
    await sleep(COOLDOWN);
    assert.equal((await verifier.verifyBody(body, genuine)).id, genuine["rtk-uuid"]);
    assert.equal(calls.length, 3);
    // Concurrent genuine deliveries and forgeries after that: one fetch at most per cooldown.
    await sleep(COOLDOWN);
    const results = await Promise.allSettled([
      ...Array.from({ length: 10 }, () => forged()),
      ...Array.from({ length: 10 }, () => verifier.verifyBody(body, headersFor(body, {}, DEV_KEYS[1]))),
    ]);
    assert.ok(results.slice(0, 10).every((r) => r.status === "rejected"));
    assert.ok(results.slice(10).every((r) => r.status === "fulfilled"), JSON.stringify(results.slice(10).map((r) => String(r.reason))));
    assert.ok(calls.length <= 4, String(calls.length));
  });
});

test("with previousKeyGrace: 0, a key the key URL no longer serves is not accepted: after a rotation, and once the cached key is older than keyMaxAge", async () => {
  const keyURL = `${emu.url}/.well-known/webhooks.json`;
  const body = FIXTURES["meeting.ended"];
  const oldKey = () => headersFor(body, {}, DEV_KEYS[0]);
  // A key replaced after a rotation is gone: deliveries signed with it are refused once the key is fetched after them.
  const rotating = new WebhookVerifier({ keyURL, keyCooldown: 200, previousKeyGrace: 0 });
  await rotating.verifyBody(body, oldKey());
  await withRotatedKey(async () => {
    await sleep(200);
    await rotating.verifyBody(body, headersFor(body, {}, DEV_KEYS[1]));
    await sleep(200);
    const e = await rejection(rotating.verifyBody(body, oldKey()));
    assert.ok(e instanceof SignatureError, String(e));
  });
  // A key that is merely old is fetched again before use: the revoked key is refused without any mismatch first.
  const { calls, fetch: fetchFn } = counting();
  const aging = new WebhookVerifier({ keyURL, fetch: fetchFn, keyMaxAge: 300, keyCooldown: 100, previousKeyGrace: 0 });
  await aging.verifyBody(body, oldKey());
  await withRotatedKey(async () => {
    await aging.verifyBody(body, oldKey()); // still within its max age
    await sleep(300);
    const e = await rejection(aging.verifyBody(body, oldKey()));
    assert.ok(e instanceof SignatureError, String(e));
    assert.equal(calls.length, 2);
  });
});

test("a key URL that fails, or serves something that is not a usable key, is a KeyUnavailableError naming it, tried again soon", async () => {
  const keyURL = `${emu.url}/.well-known/webhooks.json`;
  const body = FIXTURES["meeting.started"];
  const headers = headersFor(body, {}, DEV_KEYS[0]);
  const ecKey = generateKeyPairSync("ec", { namedCurve: "P-256" }).publicKey.export({ type: "spki", format: "pem" });
  const replies = [
    ["network down", () => Promise.reject(new TypeError("network down")), APIConnectionError],
    ["404", () => new Response("not here", { status: 404 }), NotFoundError],
    ["an HTML page", () => new Response("<html>hi</html>", { status: 200 }), Error],
    ["no publicKey", () => Response.json({ success: true, data: {} }), Error],
    ["not PEM", () => Response.json({ success: true, data: { publicKey: "nope" } }), Error],
    ["an EC key", () => Response.json({ success: true, data: { publicKey: ecKey } }), undefined],
  ];
  for (const [name, reply, causeClass] of replies) {
    let broken = true;
    const verifier = new WebhookVerifier({ keyURL, keyCooldown: 50, fetch: (url, init) => (broken ? reply() : fetch(url, init)) });
    const e = await rejection(verifier.verifyBody(body, headers));
    assert.ok(e instanceof KeyUnavailableError, `${name}: ${e}`);
    assert.ok(e.message.includes(keyURL), `${name}: ${e.message}`);
    if (causeClass) assert.ok(e.cause instanceof causeClass, `${name}: ${e.cause}`);
    // Within the wait, no new fetch; after it, the key is fetched again.
    broken = false;
    await sleep(60);
    assert.equal((await verifier.verifyBody(body, headers)).event, "meeting.started", name);
  }
});

/** A receiver on loopback that verifies with the package, as a Node server would. */
async function startReceiver(verifier, { failFirst = 0 } = {}) {
  const received = [];
  let failures = failFirst;
  const server = createServer(async (req, res) => {
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    if (failures > 0) {
      failures--;
      res.writeHead(500).end("try later");
      return;
    }
    try {
      const delivery = await verifier.verifyBody(Buffer.concat(chunks), req.headers);
      received.push(delivery);
      res.writeHead(204).end();
    } catch (e) {
      res.writeHead(e instanceof SignatureError ? 401 : e instanceof PayloadError ? 400 : 503).end(e.name);
    }
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${server.address().port}/hooks`, received, close: () => server.close() };
}

test("deliveries signed by the emulator verify; tampered ones are refused and not retried; 5xx is retried", async () => {
  const admin = (path, body) => fetch(`${emu.url}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) }).then((r) => r.json());
  // No cooldown: the tampered delivery is judged against a key fetched after it
  // arrived (a 401) rather than the cached one (a 503 until the cooldown ends).
  const verifier = new WebhookVerifier({ keyURL: `${emu.url}/.well-known/webhooks.json`, keyCooldown: 0 });
  const receiver = await startReceiver(verifier, { failFirst: 1 });
  try {
    const client = new WebhooksClient(options(emu, { appId: "deliveries" }));
    const hook = await client.create({ name: "receiver", url: receiver.url, events: ["meeting.started", "recording.statusUpdate"] });
    await client.create({ name: "disabled", url: receiver.url, events: ["meeting.started"], enabled: false });
    await client.create({ name: "other event", url: receiver.url, events: ["meeting.summary"] });

    // First attempt gets a 500: retried, then verified.
    let { data } = await admin("/__emulator/deliveries", { event: "meeting.started", app: "deliveries", wait: true, retryDelayMs: 20 });
    assert.equal(data.length, 1, "only the enabled, subscribed webhook");
    assert.equal(data[0].state, "delivered");
    assert.deepEqual(data[0].attempts.map((a) => a.status), [500, 204]);
    assert.equal(receiver.received.length, 1);
    const [delivery] = receiver.received;
    assert.deepEqual([delivery.id, delivery.webhookId, delivery.event], [data[0].id, hook.id, "meeting.started"]);
    // The example body, with fresh ids (each delivery is a new event, as RealtimeKit's are).
    const example = JSON.parse(FIXTURES["meeting.started"]);
    assert.equal(delivery.payload.meeting.title, example.meeting.title);
    assert.notEqual(delivery.payload.meeting.sessionId, example.meeting.sessionId);
    assert.deepEqual(Object.keys(delivery.payload.meeting), Object.keys(example.meeting));

    // Tampered: 401, failed for good, not processed.
    ({ data } = await admin("/__emulator/deliveries", { event: "recording.statusUpdate", app: "deliveries", tamper: true, wait: true, retryDelayMs: 20 }));
    assert.equal(data[0].state, "failed");
    assert.deepEqual(data[0].attempts.map((a) => a.status), [401]);
    assert.equal(receiver.received.length, 1);

    // A given body, and a fresh rtk-uuid per delivery.
    ({ data } = await admin("/__emulator/deliveries", { event: "recording.statusUpdate", app: "deliveries", body: { event: "recording.statusUpdate", recording: { id: "r", status: "UPLOADED", fileSize: 12 } }, wait: true }));
    assert.equal(data[0].state, "delivered");
    assert.deepEqual(receiver.received.at(-1).payload.recording, { id: "r", status: "UPLOADED", fileSize: 12 });
    assert.notEqual(receiver.received.at(-1).id, delivery.id);

    const log = (await (await fetch(`${emu.url}/__emulator/deliveries`)).json()).data;
    assert.equal(log.filter((r) => r.url === receiver.url).length, 3);
  } finally {
    receiver.close();
  }
});
