// Receiving under attack and under faults, from Node as a user runs it: an
// attacker who holds captured genuine bodies and controls every header but
// the signature, slow and endless bodies, a key URL that fails with a secret
// in it, stores whose writes fail, handlers slower than their lease, key
// rotations with retries signed before them, and floods. Each test is one way
// receiving broke before (see issue 17); together they are the threat model
// the README's table states.
import { test, before, after, describe } from "node:test";
import assert from "node:assert/strict";
import { createSign, generateKeyPairSync } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer, request as httpRequest } from "node:http";
import {
  WebhookReceiver, WebhookVerifier, MemoryDeliveryStore, createNodeHandler, WebhooksClient, readDeliveryBody,
  PayloadError, KeyUnavailableError,
} from "realtimekit-webhooks";
import { startEmulator, options } from "./support.mjs";

const ROOT = new URL("../../", import.meta.url);
const FIXTURE = (event) => readFileSync(new URL(`emulator/fixtures/${event}.json`, ROOT), "utf8");
const keys = generateKeyPairSync("rsa", { modulusLength: 2048 });
const PUBLIC_PEM = keys.publicKey.export({ type: "spki", format: "pem" });
const other = generateKeyPairSync("rsa", { modulusLength: 2048 });

const sign = (body, key = keys.privateKey) => createSign("RSA-SHA256").update(body).sign(key, "base64");
/** A signed delivery: its body and headers. */
function signed(body, id = crypto.randomUUID()) {
  return [body, { "rtk-signature": sign(body), "rtk-uuid": id, "rtk-webhook-id": "hook-1", "content-type": "application/json" }];
}
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const pick = (r) => [r.outcome, r.status];

/** A receiver on the test key whose handlers record each run of each delivery (by the meeting's id, or the stream's). */
function recording(options = {}, handle) {
  const runs = [];
  const receiver = new WebhookReceiver({ publicKey: PUBLIC_PEM, store: new MemoryDeliveryStore(), ...options }).onAny(async (d) => {
    const what = d.payload.meeting?.id ?? d.payload.streamId;
    runs.push([d.id, d.event, what]);
    if (handle) await handle(d);
  });
  return { receiver, runs };
}

describe("1. a replay under a genuine delivery's id never makes that delivery a repeat", () => {
  const genuineBody = JSON.stringify({ event: "meeting.ended", meeting: { id: "genuine-meeting" }, reason: "ALL_PARTICIPANTS_LEFT" });
  const capturedEnded = JSON.stringify({ event: "meeting.ended", meeting: { id: "captured-meeting" }, reason: "HOST_ENDED_MEETING" });
  const capturedLive = FIXTURE("livestreaming.statusUpdate"); // no replay key: its bodies repeat for real

  test("the attacker's request lands first: the genuine delivery is still handled", async () => {
    for (const captured of [capturedEnded, capturedLive]) {
      const { receiver, runs } = recording();
      await receiver.receiveBody(...signed(captured)); // handled once, genuinely, long ago
      const [body, headers] = signed(genuineBody);
      await receiver.receiveBody(captured, { ...signed(captured)[1], "rtk-uuid": headers["rtk-uuid"] });
      assert.deepEqual(pick(await receiver.receiveBody(body, headers)), ["handled", 200]);
      assert.equal(runs.filter(([, , what]) => what === "genuine-meeting").length, 1);
      assert.deepEqual(pick(await receiver.receiveBody(body, headers)), ["repeat", 200], "its own retry is still a repeat");
    }
  });

  test("the genuine delivery is failing when the attacker sends under its id: its retry is handled", async () => {
    for (const captured of [capturedEnded, capturedLive]) {
      let fail = true;
      const { receiver, runs } = recording({}, (d) => {
        if (d.payload.meeting?.id === "genuine-meeting" && fail) throw new Error("backend down");
      });
      await receiver.receiveBody(...signed(captured));
      const [body, headers] = signed(genuineBody);
      assert.deepEqual(pick(await receiver.receiveBody(body, headers)), ["handler-failed", 500]);
      const attack = await receiver.receiveBody(captured, { ...signed(captured)[1], "rtk-uuid": headers["rtk-uuid"] });
      assert.ok(attack.outcome === "repeat" || attack.outcome === "handled", attack.outcome);
      fail = false;
      assert.deepEqual(pick(await receiver.receiveBody(body, headers)), ["handled", 200], "RealtimeKit's retry");
      assert.equal(runs.filter(([, , what]) => what === "genuine-meeting").length, 2, "failed once, then handled");
    }
  });

  test("the body of a failing delivery, sent under another id: handled once, under that id (ids are not signed), its genuine retry a repeat", async () => {
    let fail = true;
    const { receiver, runs } = recording({}, (d) => {
      if (fail) {
        fail = false;
        throw new Error("backend down");
      }
    });
    const [body, headers] = signed(genuineBody);
    assert.deepEqual(pick(await receiver.receiveBody(body, headers)), ["handler-failed", 500]);
    assert.deepEqual(pick(await receiver.receiveBody(body, { ...headers, "rtk-uuid": "chosen-by-the-attacker" })), ["handled", 200]);
    assert.deepEqual(pick(await receiver.receiveBody(body, headers)), ["repeat", 200]);
    assert.deepEqual(runs.map(([id]) => id), [headers["rtk-uuid"], "chosen-by-the-attacker"], "the payload ran once to the end");
  });

  test("a replayed body is still caught by its own replay key, under any id", async () => {
    const { receiver, runs } = recording();
    const [body, headers] = signed(capturedEnded);
    await receiver.receiveBody(body, headers);
    for (const id of [crypto.randomUUID(), "genuine-id-of-another-delivery"]) {
      assert.deepEqual(pick(await receiver.receiveBody(body, { ...headers, "rtk-uuid": id })), ["repeat", 200]);
    }
    assert.equal(runs.length, 1);
  });
});

/** A store over a MemoryDeliveryStore whose complete() fails the next `failures.complete` times. */
function faultyStore(failures) {
  const memory = new MemoryDeliveryStore();
  return {
    claim: (d, owner, lease) => memory.claim(d, owner, lease),
    renew: (d, owner, lease) => memory.renew(d, owner, lease),
    complete: async (d, owner) => {
      if (failures.complete > 0) {
        failures.complete--;
        throw new Error("injected: the outcome's write failed");
      }
      return memory.complete(d, owner);
    },
    release: (d, owner) => memory.release(d, owner),
  };
}

test("2. a failed outcome write, once and twice, is retried on its own: the handler runs once", async () => {
  for (const times of [1, 2]) {
    const failures = { complete: times };
    const errors = [];
    const { receiver, runs } = recording({ store: faultyStore(failures), leaseMs: 200, onError: (e) => errors.push(e) });
    const delivery = signed(FIXTURE("meeting.summary"));
    const first = await receiver.receiveBody(...delivery);
    assert.deepEqual(pick(first), ["handled", 200]);
    assert.equal(first.storeError, undefined, "the retried write went through");
    assert.equal(failures.complete, 0);
    await sleep(300); // past the lease: a claim left behind would be free by now
    assert.deepEqual(pick(await receiver.receiveBody(...delivery)), ["repeat", 200]);
    assert.equal(runs.length, 1, `${times} failed write(s): the handler ran ${runs.length} times`);
    assert.deepEqual(errors, []);
  }
});

test("3. a handler slower than its lease, failing late: never two runs at once, a late release frees no one else's claim", async () => {
  let running = 0;
  let most = 0;
  let first = true;
  const { receiver, runs } = recording({ leaseMs: 150 }, async () => {
    running++;
    most = Math.max(most, running);
    await sleep(600);
    running--;
    if (first) {
      first = false;
      throw new Error("the backend failed, late");
    }
  });
  const delivery = signed(FIXTURE("meeting.transcript"));
  const slow = receiver.receiveBody(...delivery);
  await sleep(300); // twice the lease: without renewal, it would have run out
  const during = await receiver.receiveBody(...delivery);
  assert.deepEqual(pick(during), ["in-progress", 503]);
  assert.deepEqual(pick(await slow), ["handler-failed", 500]);
  // RealtimeKit's retries: one handles it, a late one is a repeat.
  const results = await Promise.all([receiver.receiveBody(...delivery), sleep(100).then(() => receiver.receiveBody(...delivery))]);
  assert.deepEqual(results.map(pick), [["handled", 200], ["in-progress", 503]]);
  assert.deepEqual(pick(await receiver.receiveBody(...delivery)), ["repeat", 200]);
  assert.equal(most, 1, "two runs overlapped");
  assert.equal(runs.length, 2, "failed once, handled once");
});

test("3b. a renewal that never answers does not stop the next ones; a lease under 100 ms is refused", async () => {
  const memory = new MemoryDeliveryStore();
  let renewals = 0;
  const store = {
    claim: (d, owner, lease) => memory.claim(d, owner, lease),
    renew: (d, owner, lease) => (++renewals === 1 ? new Promise(() => {}) : memory.renew(d, owner, lease)),
    complete: (d, owner) => memory.complete(d, owner),
    release: (d, owner) => memory.release(d, owner),
  };
  const { receiver, runs } = recording({ store, leaseMs: 300 }, () => sleep(1500));
  const delivery = signed(FIXTURE("meeting.chatSynced"));
  const slow = receiver.receiveBody(...delivery);
  await sleep(700);
  assert.deepEqual(pick(await receiver.receiveBody(...delivery)), ["in-progress", 503]);
  assert.deepEqual(pick(await slow), ["handled", 200]);
  assert.ok(renewals >= 3, `${renewals} renewals`);
  assert.equal(runs.length, 1);
  assert.throws(() => new WebhookReceiver({ publicKey: PUBLIC_PEM, leaseMs: 5 }), /leaseMs: must be a whole number of milliseconds, from 100/);
});

describe("4. a streamed body stops being read soon after maxBodyBytes", () => {
  const CHUNK = 64 * 1024;
  const TOTAL = 64 * 1024 * 1024;
  /** A 64 MiB request body as a stream that counts what was pulled from it, and whether it was cancelled. */
  function endless() {
    const counter = { pulled: 0, cancelled: false };
    const chunk = new Uint8Array(CHUNK).fill(0x20);
    const stream = new ReadableStream({
      pull(controller) {
        if (counter.pulled >= TOTAL) return controller.close();
        counter.pulled += CHUNK;
        controller.enqueue(chunk);
      },
      cancel() {
        counter.cancelled = true;
      },
    }, { highWaterMark: 0 });
    return { counter, stream };
  }
  const request = (stream) => {
    const [, headers] = signed("{}");
    return new Request("http://x/rtk", { method: "POST", body: stream, headers, duplex: "half" });
  };

  test("a fetch Request with no content-length: the receiver, the verifier and readDeliveryBody", async () => {
    const receiver = new WebhookReceiver({ publicKey: PUBLIC_PEM, maxBodyBytes: 1024 });
    const verifier = new WebhookVerifier({ publicKey: PUBLIC_PEM, maxBodyBytes: 1024 });
    const reads = [
      ["receiver.fetch", async (r) => {
        const answer = await receiver.fetch(r);
        return [answer.status, await answer.text()];
      }, [400, "malformed: not a webhook delivery\n"]],
      ["verifier.verify", (r) => verifier.verify(r).catch((e) => e instanceof PayloadError), true],
      ["readDeliveryBody", (r) => readDeliveryBody(r, 1024).catch((e) => e instanceof PayloadError), true],
    ];
    for (const [name, read, expected] of reads) {
      const { counter, stream } = endless();
      const got = await read(request(stream));
      assert.ok(counter.pulled <= 4 * CHUNK, `${name} pulled ${counter.pulled} bytes for a 1 KiB limit`);
      assert.ok(counter.cancelled, `${name} did not cancel the stream`);
      assert.deepEqual(got, expected, name);
    }
    // A body within the limit still verifies.
    const [body, headers] = signed(FIXTURE("meeting.started"));
    const roomy = new WebhookReceiver({ publicKey: PUBLIC_PEM, maxBodyBytes: body.length });
    assert.equal((await roomy.fetch(new Request("http://x/", { method: "POST", body, headers }))).status, 200);
  });

  test("createNodeHandler: reading stops at the limit, the answer is a 400, the connection is closed", async () => {
    const handler = createNodeHandler(new WebhookReceiver({ publicKey: PUBLIC_PEM, maxBodyBytes: 1024 }));
    // What the handler pulls from the request, counted.
    let pulled = 0;
    const server = createServer((req, res) => {
      req.on("data", (chunk) => (pulled += chunk.length));
      req.pause();
      handler(req, res);
    });
    await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const [, headers] = signed("{}");
      const { stream } = endless();
      const answer = await fetch(`http://127.0.0.1:${server.address().port}/`, { method: "POST", body: stream, headers, duplex: "half" });
      const got = [answer.status, await answer.text()];
      await sleep(100);
      assert.ok(pulled <= 8 * CHUNK, `the handler read ${pulled} bytes for a 1 KiB limit`);
      assert.deepEqual(got, [400, "malformed: not a webhook delivery\n"]);
      // A content-length over the limit is refused before any of the body is read.
      pulled = 0;
      const declared = await new Promise((resolve, reject) => {
        const req = httpRequest(`http://127.0.0.1:${server.address().port}/`, { method: "POST", headers: { ...headers, "content-length": String(TOTAL) } }, (res) => {
          res.resume();
          resolve(res.statusCode);
        });
        req.on("error", reject);
        req.write(new Uint8Array(CHUNK)); // a first chunk, then nothing: the answer must not wait for the rest
      });
      assert.equal(declared, 400);
      assert.equal(pulled, 0, "nothing of the body was read");
      // An ordinary delivery on a fresh connection still works.
      const ok = createNodeHandler(new WebhookReceiver({ publicKey: PUBLIC_PEM }));
      const [body, good] = signed(FIXTURE("meeting.started"));
      const replies = [];
      const res = { writeHead: (status) => replies.push(status), end: () => {} };
      const req = { method: "POST", headers: good, async *[Symbol.asyncIterator]() { yield Buffer.from(body); } };
      await ok(req, res);
      assert.deepEqual(replies, [200]);
    } finally {
      server.close();
      server.closeAllConnections();
    }
  });
});

test("5. a failing key URL with a secret in its query and its reply: the answer says only the outcome, onError gets the details redacted", async () => {
  const SECRET = "s3cr+t-t0ken"; // sent percent-encoded, echoed decoded
  const keyServer = createServer((req, res) => {
    res.writeHead(500, { "content-type": "text/plain", "retry-after": "31536000" })
      .end(`internal error while serving ${req.url} (token ${SECRET}); ${"x".repeat(4000)}`);
  });
  await new Promise((resolve) => keyServer.listen(0, "127.0.0.1", resolve));
  try {
    const keyURL = `http://127.0.0.1:${keyServer.address().port}/keys.json?token=${encodeURIComponent(SECRET)}`;
    const errors = [];
    const receiver = new WebhookReceiver({ keyURL, onError: (e) => errors.push(e) }).onAny(() => {});
    const [body, headers] = signed(FIXTURE("meeting.started"));
    const answer = await receiver.fetch(new Request("http://x/", { method: "POST", body, headers }));
    const text = await answer.text();
    assert.deepEqual([answer.status, text], [503, "key-unavailable\n"]);
    assert.ok(!text.includes(SECRET) && !text.includes("keys.json") && !text.includes("127.0.0.1"));
    assert.ok(Number(answer.headers.get("retry-after")) <= 10, "the verifier's own wait, not the key server's");
    const { inspect } = await import("node:util");
    for (const shown of [receiver.verifier.keyURL, inspect(receiver.verifier), inspect(receiver)]) {
      assert.ok(!shown.includes("t0ken") && !shown.includes("token="), shown);
    }
    assert.equal(errors.length, 1);
    const error = errors[0];
    assert.ok(error instanceof KeyUnavailableError);
    assert.match(error.message, /keys\.json\?\[redacted\]/, "the details name the key URL, its query redacted");
    for (const text of [error.message, String(error.stack), JSON.stringify(error), error.cause?.message, error.cause?.body, JSON.stringify(error.cause)]) {
      assert.ok(!String(text).includes("t0ken"), `the secret shows in ${text}`);
    }
    // And from node:http.
    const handler = createNodeHandler(receiver);
    let status;
    let sent = "";
    await handler(
      { method: "POST", headers, async *[Symbol.asyncIterator]() { yield Buffer.from(body); } },
      { writeHead: (s) => (status = s), end: (t) => (sent = t) },
    );
    assert.deepEqual([status, sent], [503, "key-unavailable\n"]);
  } finally {
    keyServer.close();
  }
});

test("6. a repeated rtk-signature header (a list) verifies when one of its signatures does", async () => {
  const { receiver, runs } = recording();
  const [body, headers] = signed(FIXTURE("meeting.started"));
  const repeated = new Headers(headers);
  repeated.append("rtk-signature", headers["rtk-signature"]); // "a, a", as a proxy that repeats it sends
  assert.equal(repeated.get("rtk-signature"), `${headers["rtk-signature"]}, ${headers["rtk-signature"]}`);
  assert.deepEqual(pick(await receiver.receiveBody(body, repeated)), ["handled", 200]);
  // Two keys during a rotation: the other key's signature first.
  const [second, secondHeaders] = signed(FIXTURE("meeting.ended"));
  const both = { ...secondHeaders, "rtk-signature": `${sign(second, other.privateKey)},${secondHeaders["rtk-signature"]}` };
  assert.deepEqual(pick(await receiver.receiveBody(second, both)), ["handled", 200]);
  // None of them verifying is still forged; junk entries beside a good one are ignored.
  const [third, thirdHeaders] = signed(FIXTURE("meeting.summary"));
  assert.deepEqual(pick(await receiver.receiveBody(third, { ...thirdHeaders, "rtk-signature": `${sign(third, other.privateKey)}, ${sign("x")}` })), ["forged", 401]);
  assert.deepEqual(pick(await receiver.receiveBody(third, { ...thirdHeaders, "rtk-signature": `!!, ${thirdHeaders["rtk-signature"]}` })), ["handled", 200]);
  // node:http joins a repeated header the same way.
  const server = createServer(createNodeHandler(receiver));
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  try {
    const [fourth, fourthHeaders] = signed(FIXTURE("recording.statusUpdate"));
    const status = await new Promise((resolve, reject) => {
      const req = httpRequest(`http://127.0.0.1:${server.address().port}/`, { method: "POST" }, (res) => {
        res.resume();
        resolve(res.statusCode);
      });
      req.on("error", reject);
      for (const [name, value] of Object.entries(fourthHeaders)) req.setHeader(name, name === "rtk-signature" ? [value, value] : value);
      req.end(fourth);
    });
    assert.equal(status, 200);
  } finally {
    server.close();
  }
  assert.equal(runs.length, 4);
});

describe("7. rotation: a retry signed with the previous key after the key URL serves a new one", () => {
  let emu;
  let client;
  const APP = "rotation";
  before(async () => {
    emu = await startEmulator();
    client = new WebhooksClient(options(emu, { appId: APP }));
  });
  after(() => emu.stop());
  const admin = async (path, body = {}) => {
    const res = await fetch(`${emu.url}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    const json = await res.json();
    assert.ok(res.ok, JSON.stringify(json));
    return json.data;
  };

  /** A node:http receiver on the emulator's key URL whose handler fails the first delivery once. */
  async function setUp(extra) {
    const handled = [];
    let failFirst = true;
    const receiver = new WebhookReceiver({ keyURL: `${emu.url}/.well-known/webhooks.json`, keyCooldown: 0, store: new MemoryDeliveryStore(), ...extra })
      .onAny((d) => {
        if (failFirst) {
          failFirst = false;
          throw new Error("backend down");
        }
        handled.push(d.payload.meeting?.id);
      });
    const server = createServer(createNodeHandler(receiver));
    await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
    for (const hook of await client.list()) await client.delete(hook.id);
    await client.create({ name: "rotation", url: `http://127.0.0.1:${server.address().port}/`, events: ["meeting.started", "meeting.ended"] });
    return { handled, server };
  }

  test("accepted within previousKeyGrace (default a day), refused with previousKeyGrace: 0", async () => {
    for (const [extra, expected] of [[{}, [200]], [{ previousKeyGrace: 0 }, [401]]]) {
      const { handled, server } = await setUp(extra);
      try {
        const [before] = await admin("/__emulator/deliveries", {
          event: "meeting.ended", app: APP, body: { event: "meeting.ended", meeting: { id: "signed-before" } }, wait: true, maxRetries: 0,
        });
        assert.deepEqual(before.attempts.map((a) => a.status), [500]);
        await admin("/__emulator/keys/rotate");
        const [after] = await admin("/__emulator/deliveries", {
          event: "meeting.started", app: APP, body: { event: "meeting.started", meeting: { id: "signed-after" } }, wait: true, maxRetries: 0,
        });
        assert.deepEqual(after.attempts.map((a) => a.status), [200], "the receiver now holds the new key");
        // RealtimeKit's retry of the first: the same body, id and signature (the previous key's).
        const retry = await admin(`/__emulator/deliveries/${before.id}/resend`, { wait: true });
        assert.deepEqual(retry.attempts.slice(-1).map((a) => a.status), expected, JSON.stringify(extra));
        assert.deepEqual(handled, expected[0] === 200 ? ["signed-after", "signed-before"] : ["signed-after"]);
      } finally {
        await admin("/__emulator/keys/rotate");
        server.close();
      }
    }
  });

  test("the key is fetched with cache: \"no-store\", and without it where the fetch refuses the option", async () => {
    const inits = [];
    const keyURL = `${emu.url}/.well-known/webhooks.json`;
    const verifier = new WebhookVerifier({ keyURL, fetch: (url, init) => (inits.push(init), fetch(url, init)) });
    const body = FIXTURE("meeting.started");
    const devKey = readFileSync(new URL("emulator/keys/dev-key-1.pem", ROOT), "utf8");
    const headers = { "rtk-signature": sign(body, devKey), "rtk-uuid": "k-1" };
    await verifier.verifyBody(body, headers);
    assert.equal(inits[0].cache, "no-store");
    // As workerd answers a `cache` it does not implement.
    const refusing = new WebhookVerifier({
      keyURL,
      fetch: (url, init) => ("cache" in init ? Promise.reject(new TypeError("The 'cache' field on 'RequestInitializerDict' is not implemented.")) : fetch(url, init)),
    });
    assert.equal((await refusing.verifyBody(body, headers)).id, "k-1");
  });
});

test("8. a flood of replays under fresh ids does not flush handled deliveries from MemoryDeliveryStore", { timeout: 120_000 }, async () => {
  const { receiver, runs } = recording();
  const ended = signed(FIXTURE("meeting.ended"));
  assert.deepEqual(pick(await receiver.receiveBody(...ended)), ["handled", 200]);
  // A handled delivery with no replay key (its bodies repeat for real): only its identity says it was handled.
  const otherLive = signed(JSON.stringify({ event: "livestreaming.statusUpdate", streamId: "another-stream", status: "OFFLINE" }));
  assert.deepEqual(pick(await receiver.receiveBody(...otherLive)), ["handled", 200]);
  // 20 001 replays of one captured livestream status (no replay key: each is handled) under fresh ids.
  const [live, liveHeaders] = signed(FIXTURE("livestreaming.statusUpdate"));
  for (let n = 0; n < 20_001; n++) await receiver.receiveBody(live, { ...liveHeaders, "rtk-uuid": `flood-${n}` });
  const replay = await receiver.receiveBody(ended[0], { ...ended[1], "rtk-uuid": crypto.randomUUID() });
  assert.deepEqual(pick(replay), ["repeat", 200]);
  assert.equal(runs.filter(([, event]) => event === "meeting.ended").length, 1);
  assert.deepEqual(pick(await receiver.receiveBody(...otherLive)), ["repeat", 200], "its retry (say its 200 was lost)");
  assert.equal(runs.filter(([, , what]) => what === "another-stream").length, 1);
});

test("8b. a flood does not flush the claim of a delivery whose handler is running", { timeout: 60_000 }, async () => {
  let release;
  const gate = new Promise((resolve) => (release = resolve));
  const { receiver, runs } = recording({ store: new MemoryDeliveryStore({ maxEntries: 50 }) }, (d) => (d.payload.meeting?.id === "slow" ? gate : undefined));
  const slowBody = JSON.stringify({ event: "meeting.ended", meeting: { id: "slow" } });
  const slow = signed(slowBody);
  const first = receiver.receiveBody(...slow);
  await sleep(20);
  const [live, liveHeaders] = signed(FIXTURE("livestreaming.statusUpdate"));
  for (let n = 0; n < 500; n++) await receiver.receiveBody(live, { ...liveHeaders, "rtk-uuid": `flood-${n}` });
  assert.deepEqual(pick(await receiver.receiveBody(...slow)), ["in-progress", 503], "its copy");
  assert.deepEqual(pick(await receiver.receiveBody(slowBody, { ...slow[1], "rtk-uuid": "replayed" })), ["in-progress", 503], "its replay");
  release();
  assert.deepEqual(pick(await first), ["handled", 200]);
  assert.equal(runs.filter(([, , what]) => what === "slow").length, 1);
});

describe("the slow ones, side by side", { concurrency: true }, () => {
  test("9. a store method that never answers is a 503 after 10 s; an onError that rejects is caught", { timeout: 60_000 }, async () => {
    const unhandled = [];
    const onUnhandled = (reason) => unhandled.push(reason);
    process.on("unhandledRejection", onUnhandled);
    try {
      const hanging = { claim: () => new Promise(() => {}), renew: () => true, complete: () => true, release: () => true };
      const errors = [];
      const receiver = new WebhookReceiver({
        publicKey: PUBLIC_PEM,
        store: hanging,
        onError: async (error) => {
          errors.push(error);
          throw new Error("the log sink is down");
        },
      }).onAny(() => {});
      const started = Date.now();
      const result = await receiver.receiveBody(...signed(FIXTURE("meeting.started")));
      assert.deepEqual(pick(result), ["store-failed", 503]);
      assert.ok(Date.now() - started >= 9_500);
      assert.match(String(result.error?.message), /claim\(\) did not answer within 10 s/);
      await sleep(50);
      assert.equal(errors.length, 1);
      assert.deepEqual(unhandled, []);
    } finally {
      process.off("unhandledRejection", onUnhandled);
    }
  });

  test("10. a rotation right after a key fetch: the new key's delivery comes through within the emulator's default retries", { timeout: 60_000 }, async () => {
    const emu = await startEmulator();
    try {
      const client = new WebhooksClient(options(emu, { appId: "rotation-soon" }));
      const handled = [];
      const receiver = new WebhookReceiver({ keyURL: `${emu.url}/.well-known/webhooks.json`, store: new MemoryDeliveryStore() }) // the default keyCooldown
        .onAny((d) => handled.push(d.payload.meeting?.id));
      const server = createServer(createNodeHandler(receiver));
      await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
      try {
        await client.create({ name: "soon", url: `http://127.0.0.1:${server.address().port}/`, events: ["meeting.started"] });
        const deliver = async (id) => {
          const res = await fetch(`${emu.url}/__emulator/deliveries`, {
            method: "POST", headers: { "content-type": "application/json" },
            body: JSON.stringify({ event: "meeting.started", app: "rotation-soon", body: { event: "meeting.started", meeting: { id } }, wait: true }),
          });
          return (await res.json()).data[0];
        };
        assert.equal((await deliver("before")).state, "delivered"); // the key is fetched now
        await fetch(`${emu.url}/__emulator/keys/rotate`, { method: "POST" });
        const after = await deliver("after"); // default retries: 0.5, 1, 2, 4, 8 s
        assert.equal(after.state, "delivered", JSON.stringify(after.attempts));
        assert.ok(after.attempts.every((a) => a.status === 200 || a.status === 503), JSON.stringify(after.attempts));
        assert.deepEqual(handled, ["before", "after"]);
      } finally {
        server.close();
      }
    } finally {
      emu.stop();
    }
  });
});
