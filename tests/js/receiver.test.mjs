// WebhookReceiver and createNodeHandler, from Node as a user calls them:
// routing to typed handlers, every outcome and its status, the stores, and
// then a real node:http server receiving the emulator's signed deliveries
// (each sent twice, failing handlers, key rotation under forged requests,
// replays, a store that is down, a body parsed too early).
import { test, before, after, describe } from "node:test";
import assert from "node:assert/strict";
import { createSign, generateKeyPairSync } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import {
  WebhookReceiver, WebhookVerifier, MemoryDeliveryStore, createNodeHandler, WebhooksClient, deliveryKey,
  ValidationError, SignatureError, PayloadError, KeyUnavailableError,
} from "realtimekit-webhooks";
import { startEmulator, options } from "./support.mjs";
import { storeContract } from "./store-contract.mjs";

const ROOT = new URL("../../", import.meta.url);
const FIXTURE = (event) => readFileSync(new URL(`emulator/fixtures/${event}.json`, ROOT), "utf8");
const keys = generateKeyPairSync("rsa", { modulusLength: 2048 });
const PUBLIC_PEM = keys.publicKey.export({ type: "spki", format: "pem" });
const forger = generateKeyPairSync("rsa", { modulusLength: 2048 });

const sign = (body, key = keys.privateKey) => createSign("RSA-SHA256").update(body).sign(key, "base64");
/** A signed delivery: its body and headers. */
function signed(payload, { id = crypto.randomUUID(), key } = {}) {
  const body = typeof payload === "string" ? payload : JSON.stringify(payload);
  return [body, { "rtk-signature": sign(body, key), "rtk-uuid": id, "rtk-webhook-id": "hook-1", "content-type": "application/json" }];
}
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

describe("routing", () => {
  test("each event goes to its handlers in order, then onAny; unknown events to onUnknown; the context is passed on", async () => {
    const calls = [];
    const receiver = new WebhookReceiver({ publicKey: PUBLIC_PEM })
      .on("meeting.started", (d, ctx) => calls.push(["started", d.payload.meeting.id, ctx]))
      .on(["meeting.started", "meeting.ended"], async (d) => {
        await sleep(1);
        calls.push(["started|ended", d.event]);
      })
      .onAny((d) => calls.push(["any", d.event]))
      .onUnknown((d) => calls.push(["unknown", d.payload.recap]));
    for (const event of ["meeting.started", "meeting.ended", "recording.statusUpdate"]) {
      const result = await receiver.receiveBody(...signed(FIXTURE(event)), "ctx");
      assert.deepEqual([result.outcome, result.status], ["handled", 200]);
    }
    await receiver.receiveBody(...signed({ event: "meeting.recapReady", recap: "r" }), "ctx");
    assert.deepEqual(calls, [
      ["started", "50c8940e-1b97-402a-97d6-2708b7feca41", "ctx"],
      ["started|ended", "meeting.started"],
      ["any", "meeting.started"],
      ["started|ended", "meeting.ended"],
      ["any", "meeting.ended"],
      ["any", "recording.statusUpdate"],
      ["unknown", "r"],
      ["any", "meeting.recapReady"],
    ]);
  });

  test("dispatch runs a verified delivery's handlers and stops at the first failure", async () => {
    const ran = [];
    const receiver = new WebhookReceiver({ publicKey: PUBLIC_PEM })
      .on("meeting.ended", () => ran.push(1))
      .on("meeting.ended", () => { throw new Error("second fails"); })
      .onAny(() => ran.push(3));
    const delivery = await receiver.verifier.verifyBody(...signed(FIXTURE("meeting.ended")));
    await assert.rejects(receiver.dispatch(delivery), /second fails/);
    assert.deepEqual(ran, [1]);
  });

  test("bad registrations and options are ValidationErrors naming the field", () => {
    const receiver = new WebhookReceiver({ publicKey: PUBLIC_PEM });
    const cases = [
      [() => receiver.on("meeting.endd", () => {}), "events"],
      [() => receiver.on([], () => {}), "events"],
      [() => receiver.on("meeting.ended", "not a function"), "handler"],
      [() => receiver.onAny(null), "handler"],
      [() => new WebhookReceiver({ publicKey: PUBLIC_PEM, stroe: {} }), "stroe"],
      [() => new WebhookReceiver({ publicKey: PUBLIC_PEM, store: { claim() {} } }), "store"],
      [() => new WebhookReceiver({ publicKey: PUBLIC_PEM, leaseMs: 0 }), "leaseMs"],
      [() => new WebhookReceiver({ publicKey: PUBLIC_PEM, replayProtection: "yes" }), "replayProtection"],
      [() => new WebhookReceiver({ verifier: new WebhookVerifier({ publicKey: PUBLIC_PEM }), publicKey: PUBLIC_PEM }), "verifier"],
      [() => new WebhookReceiver({ verifier: {} }), "verifier"],
      [() => new WebhookReceiver({ publicKey: "not pem" }), "publicKey"],
      [() => createNodeHandler({}), "receiver"],
      [() => createNodeHandler(receiver, { contxt: () => 1 }), "contxt"],
      [() => new MemoryDeliveryStore({ maxEntries: 0 }), "maxEntries"],
    ];
    for (const [make, field] of cases) {
      assert.throws(make, (e) => e instanceof ValidationError && e.field === field, field);
    }
    assert.throws(() => receiver.on("meeting.recapReady", () => {}), /onUnknown/);
  });
});

storeContract("MemoryDeliveryStore", () => new MemoryDeliveryStore());

describe("outcomes", () => {
  test("handled, repeat (same rtk-uuid), replay (same body, new rtk-uuid), forged, malformed: each with its status", async () => {
    const handled = [];
    const receiver = new WebhookReceiver({ publicKey: PUBLIC_PEM, store: new MemoryDeliveryStore() }).onAny((d) => handled.push(d.id));
    const [body, headers] = signed(FIXTURE("meeting.started"));
    const outcome = async (b, h) => {
      const r = await receiver.receiveBody(b, h);
      return [r.outcome, r.status];
    };
    assert.deepEqual(await outcome(body, headers), ["handled", 200]);
    assert.deepEqual(await outcome(body, headers), ["repeat", 200]);
    assert.deepEqual(await outcome(body, { ...headers, "rtk-uuid": "replayed" }), ["repeat", 200]);
    assert.deepEqual(await outcome(body.replace("Weekly", "Daily"), headers), ["forged", 401]);
    assert.deepEqual(await outcome(...signed(FIXTURE("meeting.ended"), { key: forger.privateKey })), ["forged", 401]);
    assert.deepEqual(await outcome(...signed("not json")), ["malformed", 400]);
    assert.deepEqual(await outcome(body, { ...headers, "rtk-uuid": undefined }), ["malformed", 400]);
    assert.deepEqual(handled, [headers["rtk-uuid"]]);
    const forged = await receiver.receiveBody(body, { ...headers, "rtk-signature": "AAAA" });
    assert.ok(forged.error instanceof SignatureError && forged.delivery === undefined);
    assert.ok((await receiver.receiveBody(...signed("[]"))).error instanceof PayloadError);
  });

  test("replay protection: off on request; livestream statuses and unknown events (bodies that repeat for real) keyed on rtk-uuid only", async () => {
    const count = (receiver) => {
      let n = 0;
      receiver.onAny(() => n++);
      return () => n;
    };
    const off = new WebhookReceiver({ publicKey: PUBLIC_PEM, store: new MemoryDeliveryStore(), replayProtection: false });
    const offCount = count(off);
    const [body, headers] = signed(FIXTURE("meeting.ended"));
    await off.receiveBody(body, headers);
    await off.receiveBody(body, { ...headers, "rtk-uuid": "other" });
    await off.receiveBody(body, { ...headers, "rtk-uuid": "other" });
    assert.equal(offCount(), 2);

    const on = new WebhookReceiver({ publicKey: PUBLIC_PEM, store: new MemoryDeliveryStore() });
    const onCount = count(on);
    const live = JSON.stringify({ event: "livestreaming.statusUpdate", streamId: "s", status: "LIVE" });
    const recap = JSON.stringify({ event: "meeting.recapReady", id: 1 });
    for (const text of [live, live, recap, recap]) await on.receiveBody(...signed(text));
    assert.equal(onCount(), 4, "a stream that goes LIVE twice sends the same body twice");
  });

  test("a failing handler is a 500 and releases its claim: the redelivery is handled; onError hears of it", async () => {
    const errors = [];
    let failures = 2;
    const handled = [];
    const receiver = new WebhookReceiver({ publicKey: PUBLIC_PEM, store: new MemoryDeliveryStore(), onError: (e, r) => errors.push([r.outcome, e.message]) })
      .on("meeting.summary", (d) => {
        if (failures-- > 0) throw new Error("backend down");
        handled.push(d.id);
      });
    const delivery = signed(FIXTURE("meeting.summary"));
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await receiver.receiveBody(...delivery)).status);
    assert.deepEqual(statuses, [500, 500, 200, 200]);
    assert.equal(handled.length, 1);
    assert.deepEqual(errors, [["handler-failed", "backend down"], ["handler-failed", "backend down"]]);
  });

  test("a delivery whose twin is being handled right now is a 503 (it comes back), never handled twice", async () => {
    let release;
    const gate = new Promise((resolve) => (release = resolve));
    let runs = 0;
    const receiver = new WebhookReceiver({ publicKey: PUBLIC_PEM, store: new MemoryDeliveryStore() }).onAny(async () => {
      runs++;
      await gate;
    });
    const delivery = signed(FIXTURE("meeting.transcript"));
    const first = receiver.receiveBody(...delivery);
    await sleep(20);
    const second = await receiver.receiveBody(...delivery);
    assert.deepEqual([second.outcome, second.status], ["in-progress", 503]);
    release();
    assert.equal((await first).outcome, "handled");
    assert.equal((await receiver.receiveBody(...delivery)).outcome, "repeat");
    assert.equal(runs, 1);
  });

  test("a claim whose lease ran out (its handler's process died) can be taken over", async () => {
    const store = new MemoryDeliveryStore();
    const receiver = new WebhookReceiver({ publicKey: PUBLIC_PEM, store, leaseMs: 100 }).onAny(() => {});
    const [body, headers] = signed(FIXTURE("meeting.started"));
    // An attempt that claimed it and was never heard of again.
    const key = await deliveryKey(await receiver.verifier.verifyBody(body, headers), body);
    assert.equal(store.claim(key, "an attempt that died", 100), "claimed");
    assert.equal((await receiver.receiveBody(body, headers)).outcome, "in-progress");
    await sleep(120);
    assert.equal((await receiver.receiveBody(body, headers)).outcome, "handled");
  });

  test("a store that fails is a 503 (nothing handled); one that cannot record the outcome after every retry still answers 200", async () => {
    const errors = [];
    const memory = new MemoryDeliveryStore();
    const faults = { claim: 0, complete: 0, junk: 0 };
    const store = {
      claim: async (d, owner, lease) => {
        if (faults.claim-- > 0) throw new Error("D1 is down");
        if (faults.junk-- > 0) return "ok";
        return memory.claim(d, owner, lease);
      },
      renew: (d, owner, lease) => memory.renew(d, owner, lease),
      complete: async (d, owner) => {
        if (faults.complete-- > 0) throw new Error("write failed");
        return memory.complete(d, owner);
      },
      release: (d, owner) => memory.release(d, owner),
    };
    let runs = 0;
    const receiver = new WebhookReceiver({ publicKey: PUBLIC_PEM, store, onError: (e, r) => errors.push([r.outcome, e.message]) }).onAny(() => runs++);
    const delivery = signed(FIXTURE("meeting.chatSynced"));
    faults.claim = 1;
    assert.deepEqual(pick(await receiver.receiveBody(...delivery)), ["store-failed", 503]);
    faults.junk = 1;
    assert.deepEqual(pick(await receiver.receiveBody(...delivery)), ["store-failed", 503]);
    assert.equal(runs, 0);
    faults.complete = 4; // the first write and its three retries
    const result = await receiver.receiveBody(...delivery);
    // (junk from complete() is the store failing, below.)
    assert.deepEqual(pick(result), ["handled", 200]);
    assert.equal(result.storeError.message, "write failed");
    assert.equal(runs, 1);
    assert.equal(errors[0][0], "store-failed");
    assert.match(errors[1][1], /claimed.*done.*busy/);
    assert.deepEqual(errors[2], ["handled", "write failed"]);
  });

  test("a store whose complete() takes 3 s to fail: no retry starts after the request's 2.5 s, so the answer (200, reported) waits for one slow try, not four", async () => {
    const memory = new MemoryDeliveryStore();
    let tries = 0;
    const store = {
      claim: (d, owner, lease) => memory.claim(d, owner, lease),
      renew: (d, owner, lease) => memory.renew(d, owner, lease),
      complete: async () => {
        tries++;
        await new Promise((resolve) => setTimeout(resolve, 3000));
        throw new Error("no connection within 3 s");
      },
      release: (d, owner) => memory.release(d, owner),
    };
    const receiver = new WebhookReceiver({ publicKey: PUBLIC_PEM, store, onError: () => {} }).onAny(() => {});
    const result = await receiver.receiveBody(...signed(FIXTURE("meeting.started")));
    assert.deepEqual(pick(result), ["handled", 200]);
    assert.match(result.storeError.message, /no connection within 3 s/);
    assert.equal(tries, 1, "no retry started after the budget");
  });

  test("a store method that gives neither true nor false (complete: undefined, renew: \"ok\") is the store failing, reported, never taken for done", async () => {
    const errors = [];
    const memory = new MemoryDeliveryStore();
    const store = {
      claim: (d, owner, lease) => memory.claim(d, owner, lease),
      renew: () => "ok",
      complete: () => undefined,
      release: (d, owner) => memory.release(d, owner),
    };
    let runs = 0;
    const receiver = new WebhookReceiver({ publicKey: PUBLIC_PEM, store, leaseMs: 300, onError: (e, r) => errors.push([r.outcome, e.message]) }).onAny(async () => {
      runs++;
      await new Promise((resolve) => setTimeout(resolve, 250)); // a renewal or two
    });
    const result = await receiver.receiveBody(...signed(FIXTURE("meeting.ended")));
    assert.deepEqual(pick(result), ["handled", 200], "the handler ran: 200");
    assert.match(result.storeError.message, /the store's complete\(\) gave something other than true or false/);
    assert.equal(runs, 1);
    assert.deepEqual(errors.map(([outcome]) => outcome), ["handled"], "reported to onError");
  });

  test("the memory store keeps handled deliveries for their ttl (the newest 16 ids of one body), and maxEntries of the rest", async () => {
    const store = new MemoryDeliveryStore({ maxEntries: 3 });
    let failing = false;
    const receiver = new WebhookReceiver({ publicKey: PUBLIC_PEM, store, replayProtection: false }).onAny(() => {
      if (failing) throw new Error("down");
    });
    const first = signed(FIXTURE("meeting.started"));
    await receiver.receiveBody(...first);
    for (let i = 0; i < 20; i++) await receiver.receiveBody(...signed(FIXTURE("meeting.started")));
    assert.equal(store.size, 16, "one body: its newest 16 ids");
    assert.equal((await receiver.receiveBody(...first)).outcome, "handled", "the oldest forgotten, so handled again");
    const other = signed(FIXTURE("meeting.ended"));
    await receiver.receiveBody(...other);
    failing = true; // deliveries not handled: at most maxEntries (twice as many keys) are kept
    for (let i = 0; i < 10; i++) await receiver.receiveBody(...signed(FIXTURE("meeting.summary")));
    assert.ok(store.size <= 16 + 1 + 6, String(store.size));
    assert.equal((await receiver.receiveBody(...other)).outcome, "repeat", "a handled delivery of another body stays");
    assert.throws(() => store.claim({}, "owner", 10), ValidationError);
  });
});

const pick = (r) => [r.outcome, r.status];

describe("fetch handler", () => {
  test("answers 405 to anything but POST, and each outcome's status, with retry-after when the key is unavailable", async () => {
    const receiver = new WebhookReceiver({ publicKey: PUBLIC_PEM, store: new MemoryDeliveryStore() }).onAny(() => {});
    const get = await receiver.fetch(new Request("http://x/hooks"));
    assert.deepEqual([get.status, get.headers.get("allow")], [405, "POST"]);
    const [body, headers] = signed(FIXTURE("meeting.started"));
    const post = () => receiver.fetch(new Request("http://x/hooks", { method: "POST", body, headers }));
    const first = await post();
    assert.deepEqual([first.status, await first.text()], [200, "handled\n"]);
    const again = await post();
    assert.deepEqual([again.status, await again.text()], [200, "repeat\n"]);
    const forged = await receiver.fetch(new Request("http://x/", { method: "POST", body: "{}", headers }));
    assert.equal(forged.status, 401);
    assert.match(await forged.text(), /^forged: /);

    const unreachable = new WebhookReceiver({ keyURL: "http://127.0.0.1:9/key.json" });
    const noKey = await unreachable.fetch(new Request("http://x/", { method: "POST", body, headers }));
    assert.equal(noKey.status, 503);
    assert.ok(Number(noKey.headers.get("retry-after")) >= 1);
    const result = await unreachable.receiveBody(body, headers);
    assert.ok(result.error instanceof KeyUnavailableError && result.outcome === "key-unavailable");

    // Not a request at all: a 500 (a programming error, never a 4xx), told to onError.
    const errors = [];
    const strict = new WebhookReceiver({ publicKey: PUBLIC_PEM, onError: (e) => errors.push(e) });
    const notRequest = await strict.fetch({ method: "POST" });
    assert.equal(notRequest.status, 500);
    assert.ok(errors[0] instanceof ValidationError);
  });
});

/** A node:http server with `createNodeHandler`, counting what its handlers handled. */
async function startNodeReceiver(receiver, { prepare } = {}) {
  const handler = createNodeHandler(receiver);
  const server = createServer((req, res) => {
    if (prepare) prepare(req, res, () => handler(req, res));
    else handler(req, res);
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}/rtk`,
    close: () => new Promise((resolve) => {
      server.close(resolve);
      server.closeAllConnections();
    }),
  };
}

describe("node:http, against the emulator's deliveries", () => {
  let emu;
  let client;
  const APP = "node-receiver";
  const admin = async (path, body) => {
    const res = await fetch(`${emu.url}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body ?? {}),
    });
    const json = await res.json();
    assert.ok(res.ok, JSON.stringify(json));
    return json.data;
  };
  const deliver = (event, extra) => admin("/__emulator/deliveries", { event, app: APP, retryDelayMs: 20, ...extra });

  before(async () => {
    emu = await startEmulator();
    client = new WebhooksClient(options(emu, { appId: APP }));
  });
  after(() => emu.stop());

  /** A receiver on the emulator's key, its server, and a webhook pointing at it. */
  async function setUp({ handle, store = new MemoryDeliveryStore(), keyCooldown = 300 } = {}) {
    const handled = [];
    const receiver = new WebhookReceiver({ keyURL: `${emu.url}/.well-known/webhooks.json`, keyCooldown, store })
      .onAny(async (delivery) => {
        if (handle) await handle(delivery);
        handled.push(delivery);
      });
    const server = await startNodeReceiver(receiver);
    for (const hook of await client.list()) await client.delete(hook.id);
    await client.create({ name: "node", url: server.url, events: ["meeting.started", "meeting.ended", "meeting.summary"] });
    return { receiver, server, handled };
  }

  test("1 000 deliveries, each sent twice (half of them at once): exactly 1 000 handled", { timeout: 120_000 }, async () => {
    const { server, handled } = await setUp();
    try {
      const body = (n) => ({ event: "meeting.started", meeting: { id: `m-${n}`, sessionId: `s-${n}` } });
      const records = [];
      for (let start = 0; start < 1000; start += 50) {
        const batch = Array.from({ length: 50 }, (_, i) => start + i);
        const sent = await Promise.all(batch.map((n) => deliver("meeting.started", { body: body(n), wait: true, copies: n % 2 === 0 ? 2 : 1 })));
        records.push(...sent.flat());
      }
      // The odd ones again, after they were delivered: a redelivery with the same rtk-uuid.
      const odd = records.filter((_, n) => n % 2 === 1);
      for (let start = 0; start < odd.length; start += 50) {
        await Promise.all(odd.slice(start, start + 50).map((r) => admin(`/__emulator/deliveries/${r.id}/resend`, { wait: true })));
      }
      assert.equal(records.length, 1000);
      assert.equal(handled.length, 1000);
      assert.equal(new Set(handled.map((d) => d.id)).size, 1000);
      const log = (await (await fetch(`${emu.url}/__emulator/deliveries`)).json()).data.filter((r) => r.url === server.url);
      assert.equal(log.filter((r) => r.state === "delivered").length, 1000);
      // Every attempt was answered 2xx (handled or a repeat) or 503 (its twin was being handled): never a 4xx.
      const statuses = new Set(log.flatMap((r) => r.attempts.map((a) => a.status)));
      assert.ok([...statuses].every((s) => s === 200 || s === 503), JSON.stringify([...statuses]));
    } finally {
      await server.close();
    }
  });

  test("a handler that fails twice then succeeds is handled once; one that always fails is answered 500 every time, never 4xx", async () => {
    const failures = new Map();
    const { server, handled } = await setUp({
      handle: (d) => {
        const left = failures.get(d.payload.meeting.id) ?? 0;
        failures.set(d.payload.meeting.id, left - 1);
        if (d.payload.meeting.id === "always" || left > -2) throw new Error("backend down");
      },
    });
    try {
      const [twice] = await deliver("meeting.ended", { body: { event: "meeting.ended", meeting: { id: "twice" } }, wait: true });
      assert.deepEqual(twice.attempts.map((a) => a.status), [500, 500, 200]);
      const [always] = await deliver("meeting.ended", { body: { event: "meeting.ended", meeting: { id: "always" } }, wait: true, maxRetries: 3 });
      assert.equal(always.state, "failed");
      assert.deepEqual(always.attempts.map((a) => a.status), [500, 500, 500, 500]);
      assert.deepEqual(handled.map((d) => d.payload.meeting.id), ["twice"]);
    } finally {
      await server.close();
    }
  });

  test("key rotation with forged requests interleaved: every genuine delivery is handled in the end, no forged one is", { timeout: 60_000 }, async () => {
    const { server, handled } = await setUp({ keyCooldown: 400 });
    let forging = true;
    const forged = [];
    const forge = async () => {
      for (let n = 0; forging; n++) {
        const [body, headers] = signed({ event: "meeting.started", meeting: { id: `forged-${n}` } }, { key: forger.privateKey });
        const res = await fetch(server.url, { method: "POST", body, headers });
        forged.push(res.status);
        await sleep(15);
      }
    };
    try {
      const [first] = await deliver("meeting.started", { body: { event: "meeting.started", meeting: { id: "before" } }, wait: true });
      assert.equal(first.state, "delivered");
      const forgery = forge();
      await sleep(100);
      await admin("/__emulator/keys/rotate");
      const genuine = await Promise.all(Array.from({ length: 10 }, (_, n) =>
        deliver("meeting.started", { body: { event: "meeting.started", meeting: { id: `after-${n}` } }, wait: true, retryDelayMs: 100, maxRetries: 8 })));
      forging = false;
      await forgery;
      assert.ok(genuine.flat().every((r) => r.state === "delivered"), JSON.stringify(genuine.flat().map((r) => r.attempts)));
      // Retried while the key could not be fetched again: 503s, never a final 401.
      assert.ok(genuine.flat().every((r) => r.attempts.every((a) => a.status === 200 || a.status === 503)));
      assert.deepEqual(handled.map((d) => d.payload.meeting.id).sort(), ["after-0", "after-1", "after-2", "after-3", "after-4", "after-5", "after-6", "after-7", "after-8", "after-9", "before"].sort());
      assert.ok(forged.length > 10 && forged.every((s) => s === 401 || s === 503), JSON.stringify(forged));
    } finally {
      forging = false;
      await admin("/__emulator/keys/rotate");
      await server.close();
    }
  });

  test("a replayed body under a new rtk-uuid is handled once", async () => {
    const { server, handled } = await setUp({ keyCooldown: 0 });
    try {
      // What an attacker captured: a genuine delivery's body and signature.
      let captured;
      const spy = createServer(async (req, res) => {
        const chunks = [];
        for await (const chunk of req) chunks.push(chunk);
        captured = { body: Buffer.concat(chunks).toString(), headers: req.headers };
        res.writeHead(204).end();
      });
      await new Promise((resolve) => spy.listen(0, "127.0.0.1", resolve));
      const hook = await client.create({ name: "spy", url: `http://127.0.0.1:${spy.address().port}/`, events: ["meeting.summary"] });
      await deliver("meeting.summary", { wait: true });
      spy.close();
      await client.delete(hook.id);
      const genuine = await fetch(server.url, { method: "POST", body: captured.body, headers: captured.headers });
      assert.equal(genuine.status, 200);
      const replay = await fetch(server.url, { method: "POST", body: captured.body, headers: { ...captured.headers, "rtk-uuid": crypto.randomUUID() } });
      assert.deepEqual([replay.status, await replay.text()], [200, "repeat\n"]);
      assert.equal(handled.length, 1);
    } finally {
      await server.close();
    }
  });

  test("a store that is down answers 503; the redelivery is handled once the store is back", async () => {
    const memory = new MemoryDeliveryStore();
    let down = 2;
    const store = {
      claim: (d, owner, lease) => (down-- > 0 ? Promise.reject(new Error("D1 unavailable")) : memory.claim(d, owner, lease)),
      renew: (d, owner, lease) => memory.renew(d, owner, lease),
      complete: (d, owner) => memory.complete(d, owner),
      release: (d, owner) => memory.release(d, owner),
    };
    const { server, handled } = await setUp({ store });
    try {
      const [record] = await deliver("meeting.summary", { wait: true });
      assert.deepEqual(record.attempts.map((a) => a.status), [503, 503, 200]);
      assert.equal(handled.length, 1);
    } finally {
      await server.close();
    }
  });

  test("express.json({ verify }) keeping req.rawBody (the Stripe pattern) is verified from it; the error names the pattern", async () => {
    const handled = [];
    const receiver = new WebhookReceiver({ publicKey: PUBLIC_PEM }).onAny((d) => handled.push(d.id));
    const handler = createNodeHandler(receiver);
    const [body, headers] = signed(FIXTURE("meeting.started"));
    // As express.json({ verify: (req, res, buf) => { req.rawBody = buf } }) leaves it: the object, and the raw Buffer.
    const server = createServer(async (req, res) => {
      const chunks = [];
      for await (const chunk of req) chunks.push(chunk);
      req.rawBody = Buffer.concat(chunks);
      req.body = JSON.parse(req.rawBody.toString());
      req._body = true;
      await handler(req, res);
    });
    await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const answer = await fetch(`http://127.0.0.1:${server.address().port}/`, { method: "POST", body, headers });
      assert.deepEqual([answer.status, await answer.text()], [200, "handled\n"]);
      assert.deepEqual(handled, [headers["rtk-uuid"]]);
      // Tampered bytes in req.rawBody are forged, whatever req.body says.
      const [, otherHeaders] = signed(FIXTURE("meeting.ended"));
      const forged = await fetch(`http://127.0.0.1:${server.address().port}/`, { method: "POST", body, headers: otherHeaders });
      assert.equal(forged.status, 401);
    } finally {
      server.close();
    }
  });

  test("createNodeHandler with a path answers that path only: other requests go to next(), or get a 404", async () => {
    const receiver = new WebhookReceiver({ publicKey: PUBLIC_PEM }).onAny(() => {});
    const handler = createNodeHandler(receiver, { path: "/rtk-webhooks" });
    const nexts = [];
    const withNext = createServer((req, res) => handler(req, res, (error) => {
      nexts.push([req.url, error]);
      res.writeHead(418).end("the next handler");
    }));
    const bare = createServer((req, res) => handler(req, res));
    for (const server of [withNext, bare]) await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
    const [body, headers] = signed(FIXTURE("meeting.started"));
    const at = (server, path, init) => fetch(`http://127.0.0.1:${server.address().port}${path}`, init).then(async (r) => [r.status, await r.text()]);
    try {
      assert.deepEqual(await at(withNext, "/rtk-webhooks?via=proxy", { method: "POST", body, headers }), [200, "handled\n"]);
      assert.deepEqual(await at(withNext, "/health", {}), [418, "the next handler"]);
      assert.deepEqual(nexts, [["/health", undefined]], "next() with no error");
      assert.deepEqual(await at(bare, "/other", { method: "POST", body, headers }), [404, "not found\n"]);
      // A trailing slash on the webhook's URL is the same route (a 404 would be final).
      const [again, againHeaders] = signed(FIXTURE("meeting.ended"));
      assert.deepEqual(await at(bare, "/rtk-webhooks/", { method: "POST", body: again, headers: againHeaders }), [200, "handled\n"]);
      assert.equal((await at(bare, "/rtk-webhooks", {}))[0], 405);
      assert.throws(() => createNodeHandler(receiver, { path: "rtk" }), { name: "ValidationError" });
      assert.throws(() => createNodeHandler(receiver, { pth: "/rtk" }), /did you mean path\?/);
    } finally {
      withNext.close();
      bare.close();
    }
  });

  test("receiver.off removes a handler from the events it names", async () => {
    const runs = [];
    const first = () => runs.push("first");
    const second = () => runs.push("second");
    const receiver = new WebhookReceiver({ publicKey: PUBLIC_PEM }).on(["meeting.started", "meeting.ended"], first).on("meeting.started", second);
    receiver.off("meeting.started", first);
    await receiver.receiveBody(...signed(FIXTURE("meeting.started")));
    await receiver.receiveBody(...signed(FIXTURE("meeting.ended")));
    assert.deepEqual(runs, ["second", "first"]);
    assert.throws(() => receiver.off("meeting.startd", first), /did you mean meeting\.started\?/);
  });

  test("a body parsed before the handler is a clear error (500 or next), never a 4xx; express.raw's Buffer works", async () => {
    const receiver = new WebhookReceiver({ publicKey: PUBLIC_PEM }).onAny(() => {});
    const handler = createNodeHandler(receiver);
    const [body, headers] = signed(FIXTURE("meeting.started"));
    // As express.json() leaves it: the stream read, req.body an object.
    const parsedByJson = createServer(async (req, res) => {
      for await (const _ of req);
      req.body = JSON.parse(body);
      req._body = true;
      const errors = [];
      await handler(req, res, (error) => {
        errors.push(error);
        res.writeHead(500).end(error.message);
      });
    });
    // As express.raw() leaves it: a Buffer.
    const parsedByRaw = createServer(async (req, res) => {
      const chunks = [];
      for await (const chunk of req) chunks.push(chunk);
      req.body = Buffer.concat(chunks);
      req._body = true;
      await handler(req, res);
    });
    for (const server of [parsedByJson, parsedByRaw]) await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const json = await fetch(`http://127.0.0.1:${parsedByJson.address().port}/`, { method: "POST", body, headers });
      assert.equal(json.status, 500);
      const told = await json.text();
      assert.match(told, /express\.raw\(\{ type: "application\/json" \}\)/);
      assert.match(told, /req\.rawBody = buf/, "the error names the raw-body pattern too");
      const raw = await fetch(`http://127.0.0.1:${parsedByRaw.address().port}/`, { method: "POST", body, headers });
      assert.equal(raw.status, 200);
      // Too large: a 400 after reading (and dropping) the rest of the body.
      const small = createNodeHandler(new WebhookReceiver({ publicKey: PUBLIC_PEM, maxBodyBytes: 100 }));
      const tooLarge = createServer((req, res) => small(req, res));
      await new Promise((resolve) => tooLarge.listen(0, "127.0.0.1", resolve));
      const big = await fetch(`http://127.0.0.1:${tooLarge.address().port}/`, { method: "POST", body, headers });
      assert.equal(big.status, 400);
      tooLarge.close();
    } finally {
      parsedByJson.close();
      parsedByRaw.close();
    }
  });
});
