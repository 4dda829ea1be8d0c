// The durable receiver Worker (www/worker/: durableReceiver of
// realtimekit-webhooks/d1 with its handlers) in real workerd, as wrangler runs
// it locally: the packed package installed as a user would, D1 migrated by the
// wrangler CLI, the Worker started with wrangler's unstable_startWorker (which
// runs the queue consumers, the dead-letter queue's too). The emulator
// delivers signed events to it; a backend counts what the handlers handed
// over. Faults come from a test entry that wraps the shipped Worker: a queue
// that fails to send, D1 writes of an outcome that fail, a second consumer
// run by hand, a body stream that counts what the Worker read. An attacker
// replays captured bodies under genuine ids, repeats headers, and streams
// endless bodies; the key URL fails with a secret in it.
//
// Run by `cargo xtask test runtimes`, with the same environment as runtimes.test.mjs.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createSign, createPublicKey, generateKeyPairSync } from "node:crypto";
import { cp, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { required, run, startEmulator, wranglerEnv } from "./support.mjs";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const BIN = join(ROOT, "tests", "node_modules", ".bin");
const TARBALL = required("RTK_PACKAGE_TARBALL");
const EMULATOR_BIN = required("RTK_EMULATOR_BIN");
const WORK = join(required("RTK_WORK_DIR"), "receiver");
const APP = join(WORK, "app");
const PERSIST = join(WORK, "state");
const LIMIT = 240_000;
/** The admin API's token (a secret: never in an answer). */
const ADMIN_TOKEN = "adm1n-t0ken-s3cret";

// wrangler runs in this process: quiet, offline, its files under WORK.
Object.assign(process.env, wranglerEnv(join(WORK, "wrangler-home")), { WRANGLER_LOG: "warn", CI: "1" });
const { unstable_startWorker } = await import("wrangler");

// The Worker as shipped, plus what the tests need: a queue that fails when
// told to, and a look into D1. Written into the app; never part of it.
const TEST_ENTRY = `
import worker from "./worker.js";
import { D1DeliveryStore } from "realtimekit-webhooks/d1";
let failSends = 0;
// The next \`deliveries\` deliveries whose outcome "done" is written fail that write \`times\` times each.
const failing = { deliveries: 0, times: 0, left: new Map(), injected: 0 };
let counted = 0;
let countedAnswer;
// An outage of D1 for the outcome "done": from the next such write, every one of that delivery's fails for \`ms\`.
const outage = { ms: 0, id: null, since: 0, injected: 0 };
// D1, but the next failing.completes writes of an outcome "done" fail.
let db;
const faultyDB = (real) => (db ??= {
  batch: (statements) => real.batch(statements),
  prepare(sql) {
    const statement = real.prepare(sql);
    if (!sql.includes("SET state = 'done'")) return statement;
    return { bind: (...args) => ({ all: async () => {
      const id = args[0];
      if (outage.ms > 0 && (outage.id ?? id) === id) {
        if (outage.id === null) Object.assign(outage, { id, since: Date.now() });
        if (Date.now() - outage.since < outage.ms) {
          outage.injected++;
          throw new Error("injected: D1 unavailable");
        }
        outage.ms = 0;
      }
      if (!failing.left.has(id) && failing.deliveries > 0) { failing.deliveries--; failing.left.set(id, failing.times); }
      if (failing.left.get(id) > 0) {
        failing.left.set(id, failing.left.get(id) - 1);
        failing.injected++;
        throw new Error("injected: D1 write failed");
      }
      return statement.bind(...args).all();
    } }) };
  },
});
const failingSend = () => {
  if (failSends > 0) { failSends--; throw new Error("injected: the queue is unavailable"); }
};
const faulty = (env) => ({ ...env, DB: faultyDB(env.DB), DELIVERIES: {
  send: async (message, options) => (failingSend(), env.DELIVERIES.send(message, options)),
  sendBatch: async (messages, options) => (failingSend(), env.DELIVERIES.sendBatch(messages, options)),
} });
export default {
  async fetch(request, env, ctx) {
    const url = new URL(request.url);
    if (url.pathname === "/__test/fail-sends") { failSends = Number(url.searchParams.get("n")); return Response.json({ failSends }); }
    if (url.pathname === "/__test/fail-completes") {
      Object.assign(failing, { deliveries: Number(url.searchParams.get("deliveries")), times: Number(url.searchParams.get("times")), injected: 0 });
      return Response.json({ injected: 0 });
    }
    if (url.pathname === "/__test/failing") return Response.json({ deliveries: failing.deliveries, injected: failing.injected });
    if (url.pathname === "/__test/outage") {
      if (url.searchParams.has("ms")) Object.assign(outage, { ms: Number(url.searchParams.get("ms")), id: null, since: 0, injected: 0 });
      return Response.json(outage);
    }
    if (url.pathname === "/__test/dead-letters") return Response.json((await env.DB.prepare("SELECT * FROM deliveries WHERE state = 'dead' ORDER BY updated_at").all()).results);
    if (url.pathname === "/__test/deliveries") return Response.json((await env.DB.prepare("SELECT id, body_hash AS bodyHash, state, attempts, redrives FROM deliveries").all()).results);
    // SQL of the test's own, on the Worker's D1: { sql, binds }.
    if (url.pathname === "/__test/sql") {
      const { sql, binds = [] } = await request.json();
      return Response.json((await env.DB.prepare(sql).bind(...binds).all()).results);
    }
    // A WebhookReceiver handling in its request, on the same table: its claim of a key, then a release (its handler failed).
    if (url.pathname === "/__test/claim-and-release") {
      const key = await request.json();
      const store = new D1DeliveryStore(env.DB);
      return Response.json([await store.claim(key, "in-request", 60000), await store.release(key, "in-request", "handler failed")]);
    }
    // A redrive (in D1 only), then a dead-letter message sent before it (redrives: 0) arriving late.
    if (url.pathname === "/__test/redrive-then-late-dead-letter") {
      const { id, bodyHash, redrives } = await request.json();
      await new D1DeliveryStore(env.DB).redrive({ id, bodyHash });
      const outcome = { acked: false, retried: false };
      const message = { body: { id, bodyHash, redrives }, attempts: 1, ack: () => (outcome.acked = true), retry: () => (outcome.retried = true) };
      await worker.queue({ queue: "rtk-deliveries-dlq", messages: [message] }, faulty(env), ctx);
      return Response.json({ outcome, row: await env.DB.prepare("SELECT state, redrives FROM deliveries WHERE id = ?1").bind(id).first() });
    }
    // A second consumer, run by hand on one delivery's message.
    if (url.pathname === "/__test/consume") {
      const outcome = { acked: false, retried: false };
      const message = { body: await request.json(), attempts: 1, ack: () => (outcome.acked = true), retry: () => (outcome.retried = true) };
      await worker.queue({ queue: "rtk-deliveries", messages: [message] }, faulty(env), ctx);
      return Response.json(outcome);
    }
    // The delivery, its body read through a counter of the bytes the Worker pulled.
    if (url.pathname === "/__test/counted") {
      counted = 0;
      const counter = new TransformStream({ transform(chunk, controller) { counted += chunk.byteLength; controller.enqueue(chunk); } }, { highWaterMark: 1 }, { highWaterMark: 0 });
      const body = request.body.pipeThrough(counter);
      const response = await worker.fetch(new Request(request.url, { method: "POST", headers: request.headers, body, duplex: "half" }), faulty(env), ctx);
      countedAnswer = [response.status, await response.clone().text()];
      return response;
    }
    if (url.pathname === "/__test/counted-bytes") return Response.json({ counted, answer: countedAnswer });
    return worker.fetch(request, faulty(env), ctx);
  },
  queue: (batch, env, ctx) => worker.queue(batch, faulty(env), ctx),
  scheduled: (controller, env, ctx) => worker.scheduled(controller, faulty(env), ctx),
};
`;

let emulator;
let backend;
let worker;
let workerURL;
let webhookId;
const figures = { sent: 0, replayed: 0, forged: 0, attacks: 0, failedWrites: 0, redriven: 0 };

/**
 * The backend the handlers POST to: what it received, failures on request
 * (by a word in the line), slow answers on request, and the most runs of one
 * delivery it saw at once.
 */
async function startBackend() {
  const events = [];
  const failing = new Map(); // word in the line -> failures left (Infinity: always)
  const slow = new Map(); // word in the line -> ms before answering
  const running = new Map(); // delivery id -> runs under way
  const state = { mostAtOnce: 0 };
  const arrivals = []; // each request as it arrives (events: as it is answered)
  const server = createServer(async (req, res) => {
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    const event = JSON.parse(Buffer.concat(chunks).toString());
    arrivals.push(event);
    running.set(event.id, (running.get(event.id) ?? 0) + 1);
    state.mostAtOnce = Math.max(state.mostAtOnce, running.get(event.id));
    try {
      for (const [word, ms] of slow) if (event.line.includes(word)) await new Promise((resolve) => setTimeout(resolve, ms));
    } finally {
      running.set(event.id, running.get(event.id) - 1);
    }
    for (const [word, left] of failing) {
      if (event.line.includes(word) && left > 0) {
        failing.set(word, left - 1);
        event.failed = true;
        events.push(event);
        res.writeHead(503).end("backend down");
        return;
      }
    }
    events.push(event);
    res.writeHead(204).end();
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}/events`,
    events,
    arrivals,
    /** Events handled (handed over with a 2xx). */
    handled: () => events.filter((e) => !e.failed),
    fail: (word, times) => failing.set(word, times),
    slow: (word, ms) => slow.set(word, ms),
    /** The most runs of one delivery under way at once, so far. */
    mostAtOnce: () => state.mostAtOnce,
    close: () => new Promise((resolve) => {
      server.close(resolve);
      server.closeAllConnections();
    }),
  };
}

/** Starts the Worker on the state in PERSIST (kept across restarts), on `port` (0: any), with `vars` added. */
async function startWorker(port = 0, vars = {}) {
  const started = await unstable_startWorker({
    config: join(APP, "wrangler.test.toml"),
    entrypoint: join(APP, "test-entry.js"),
    bindings: Object.fromEntries(Object.entries({
      RTK_KEY_URL: `${emulator.url}/.well-known/webhooks.json`,
      RTK_KEY_COOLDOWN_MS: "1000",
      BACKEND_URL: backend.url,
      RETRY_DELAY_SECONDS: "0",
      LEASE_MS: "30000",
      SWEEP_AFTER_MS: "0",
      ADMIN_TOKEN,
      ...vars,
    }).map(([name, value]) => [name, { type: "plain_text", value }])),
    dev: { persist: PERSIST, server: { hostname: "127.0.0.1", port }, inspector: false, watch: false },
  });
  // A compatibility date later than the clock makes it hang silently: give up after a minute.
  let timer;
  const stuck = new Promise((_, reject) => (timer = setTimeout(() => reject(new Error("the Worker did not start in 60 s")), 60_000)));
  await Promise.race([started.ready, stuck]).finally(() => clearTimeout(timer));
  worker = started;
  workerURL = new URL("/rtk", await started.url).href;
}

async function admin(path, body) {
  const response = await fetch(`${emulator.url}${path}`, {
    method: body === undefined ? "GET" : "POST",
    headers: { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await response.json();
  assert.ok(response.ok, JSON.stringify(json));
  return json.data;
}

const WEBHOOKS = "/client/v4/accounts/acc/realtime/kit/durable/webhooks";
async function pointWebhookAt(url) {
  const method = webhookId ? "PATCH" : "POST";
  const response = await fetch(`${emulator.url}${WEBHOOKS}${webhookId ? `/${webhookId}` : ""}`, {
    method,
    headers: { authorization: "Bearer emulator-token", "content-type": "application/json" },
    body: JSON.stringify(webhookId ? { url } : { name: "durable", url, events: ["meeting.started", "meeting.ended", "meeting.summary", "recording.statusUpdate"] }),
  });
  const text = await response.text();
  assert.ok(response.ok, text);
  webhookId = JSON.parse(text).data.id;
}

/** Delivers `body` (an event's payload) from the emulator; resolves to its record(s) once done. */
async function deliver(body, extra = {}) {
  figures.sent++;
  // A generous timeout: on a loaded 2-core machine, right after the bulk run,
  // the Worker has taken longer than the emulator's 3 s default to answer,
  // and what these tests count is answers, not timeouts.
  return admin("/__emulator/deliveries", {
    event: body.event, body, app: "durable", wait: true, retryDelayMs: 200, maxRetries: 6, timeoutMs: 20_000, ...extra,
  });
}

/** Resolves once `check()` (which may be async) holds, polling; fails after `ms`. */
async function until(check, what, ms = 60_000) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const testRoute = async (path, body) =>
  (await worker.fetch(`http://worker${path}`, body === undefined ? undefined : { method: "POST", body: JSON.stringify(body) })).json();
const meeting = (event, id) => ({ event, meeting: { id, sessionId: `session-${id}`, title: id } });
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
/** A handled event's identity: its delivery's id and what it was about (a replayed body under a genuine id is another delivery). */
const identity = (e) => `${e.id} ${e.line}`;

/** The private key of the emulator's current development key: what an attacker signs nothing with, but a captured body carries. */
async function currentPrivateKey() {
  const current = (await admin("/.well-known/webhooks.json")).publicKey;
  const keys = await Promise.all([1, 2].map((n) => readFile(join(ROOT, "emulator", "keys", `dev-key-${n}.pem`), "utf8")));
  return keys.find((pem) => createPublicKey(pem).export({ type: "spki", format: "pem" }).trim() === current.trim());
}

/** POSTs `body` to the Worker signed with `privateKey` (as RealtimeKit signed it), under `id`; resolves to [status, text]. */
async function post(body, id, privateKey, headers = {}) {
  const signature = createSign("RSA-SHA256").update(body).sign(privateKey, "base64");
  const response = await fetch(workerURL, { method: "POST", body, headers: { "rtk-signature": signature, "rtk-uuid": id, "rtk-webhook-id": webhookId, ...headers } });
  return [response.status, await response.text()];
}

before(async () => {
  await rm(WORK, { recursive: true, force: true });
  await mkdir(APP, { recursive: true });
  await cp(join(ROOT, "www", "worker"), APP, { recursive: true });
  // The example as published, with the package from the tarball.
  const manifest = JSON.parse(await readFile(join(APP, "package.json"), "utf8"));
  manifest.dependencies["realtimekit-webhooks"] = `file:${TARBALL}`;
  delete manifest.devDependencies;
  await writeFile(join(APP, "package.json"), JSON.stringify(manifest, null, 2));
  const install = await run("npm", ["install", "--offline", "--no-audit", "--no-fund", "--no-package-lock"], { cwd: APP });
  assert.equal(install.code, 0, `npm install failed:\n${install.stdout}\n${install.stderr}`);
  // The shipped configuration, with queue batches sent after 1 s rather than 5 (local queues read only the file).
  const config = await readFile(join(APP, "wrangler.toml"), "utf8");
  assert.match(config, /max_batch_timeout = 5/);
  await writeFile(join(APP, "wrangler.test.toml"), config.replaceAll("max_batch_timeout = 5", "max_batch_timeout = 1"));
  await writeFile(join(APP, "test-entry.js"), TEST_ENTRY);
  // The migrations, applied as a user applies them.
  const migrate = await run(join(BIN, "wrangler"), ["d1", "migrations", "apply", "rtk-deliveries", "--local", "--persist-to", PERSIST, "--config", "wrangler.test.toml"], {
    cwd: APP,
    env: process.env,
  });
  assert.equal(migrate.code, 0, `migrations failed:\n${migrate.stdout}\n${migrate.stderr}`);

  emulator = await startEmulator(EMULATOR_BIN);
  backend = await startBackend();
  await startWorker();
  await pointWebhookAt(workerURL);
});

after(async () => {
  await worker?.dispose();
  await backend?.close();
  emulator?.stop();
});

test("1 000 deliveries, each sent twice (half of them at once), the outcome writes of 40 failing once: exactly 1 000 handled", { timeout: LIMIT }, async () => {
  await testRoute("/__test/fail-completes?deliveries=40&times=1");
  const before = backend.handled().length;
  const records = [];
  for (let start = 0; start < 1000; start += 50) {
    const batch = Array.from({ length: 50 }, (_, i) => start + i);
    const sent = await Promise.all(batch.map((n) => deliver(meeting("meeting.started", `bulk-${n}`), { copies: n % 2 === 0 ? 2 : 1 })));
    records.push(...sent.flat());
  }
  // The odd ones again once delivered: a redelivery under the same rtk-uuid.
  const odd = records.filter((_, n) => n % 2 === 1);
  for (let start = 0; start < odd.length; start += 50) {
    await Promise.all(odd.slice(start, start + 50).map((r) => admin(`/__emulator/deliveries/${r.id}/resend`, { wait: true })));
  }
  assert.ok(records.every((r) => r.state === "delivered"), "every delivery accepted");
  await until(() => backend.handled().length - before >= 1000, "1 000 handled events", 120_000);
  await new Promise((resolve) => setTimeout(resolve, 3000)); // time for any duplicate to show up
  const handled = backend.handled().slice(before);
  assert.equal(handled.length, 1000);
  assert.equal(new Set(handled.map((e) => e.id)).size, 1000);
  const statuses = new Set(records.flatMap((r) => r.attempts.map((a) => a.status)));
  assert.ok([...statuses].every((s) => s === 200 || s === 202), JSON.stringify([...statuses]));
  const { injected } = await testRoute("/__test/failing");
  assert.equal(injected, 40, "every injected write failure happened");
  figures.failedWrites += injected;
});

test("an attacker replays captured bodies under 100 genuine deliveries' ids, before them and at once: each genuine one handled once", { timeout: LIMIT }, async () => {
  const privateKey = await currentPrivateKey();
  // Bodies handled long ago, which the attacker captured: one with a replay key, one without (its bodies repeat for real).
  const capturedSummary = JSON.stringify(meeting("meeting.summary", "captured-summary"));
  const capturedLive = JSON.stringify({ event: "livestreaming.statusUpdate", streamId: "captured-stream", status: "LIVE" });
  for (const body of [capturedSummary, capturedLive]) assert.equal((await post(body, crypto.randomUUID(), privateKey))[0], 202);
  const before = backend.handled().length;
  const answers = [];
  for (let n = 0; n < 100; n++) {
    const id = crypto.randomUUID();
    const genuine = JSON.stringify(meeting("meeting.started", `attacked-${n}`));
    const captured = n % 4 < 2 ? capturedSummary : capturedLive;
    if (n % 2 === 0) answers.push(await post(captured, id, privateKey), await post(genuine, id, privateKey));
    else answers.push(...await Promise.all([post(captured, id, privateKey), post(genuine, id, privateKey)]));
    figures.attacks++;
  }
  const attacked = () => backend.handled().filter((e) => e.line.includes("attacked-"));
  await until(() => attacked().length >= 100, "100 attacked deliveries handled");
  await sleep(2000);
  assert.equal(attacked().length, 100);
  assert.equal(new Set(attacked().map((e) => e.id)).size, 100);
  assert.ok(answers.every(([status]) => status === 200 || status === 202), JSON.stringify(answers.filter(([s]) => s !== 200 && s !== 202)));
  // The captured summary is a replay under any id: never handled again. A
  // livestream status has no replay key: under a new id it is a new delivery.
  const summaries = backend.handled().slice(before).filter((e) => e.line.includes("captured-summary"));
  assert.equal(summaries.length, 0);
});

test("a handler that fails twice is handled once after retries; one that always fails is marked dead, its body kept", { timeout: LIMIT }, async () => {
  backend.fail("fail-twice", 2);
  backend.fail("fail-always", Infinity);
  const [twice] = await deliver(meeting("meeting.ended", "fail-twice"));
  const [always] = await deliver(meeting("meeting.ended", "fail-always"));
  assert.deepEqual([twice.attempts.map((a) => a.status), always.attempts.map((a) => a.status)], [[202], [202]]);
  await until(() => backend.handled().some((e) => e.id === twice.id), "the retried delivery");
  const tries = backend.events.filter((e) => e.id === twice.id);
  assert.deepEqual(tries.map((e) => Boolean(e.failed)), [true, true, false]);
  let dead = [];
  for (const deadline = Date.now() + 60_000; dead.length === 0 && Date.now() < deadline;) {
    dead = await testRoute("/__test/dead-letters");
    if (dead.length === 0) await new Promise((resolve) => setTimeout(resolve, 200));
  }
  assert.equal(dead.length, 1);
  assert.equal(dead[0].id, always.id);
  assert.deepEqual(JSON.parse(dead[0].body), meeting("meeting.ended", "fail-always"));
  assert.match(dead[0].last_error, /BACKEND_URL answered 503/);
  assert.equal(dead[0].attempts, 6, "max_retries = 5: six attempts");
  assert.equal(backend.handled().filter((e) => e.id === always.id).length, 0);
  figures.dead = dead.length;
});

test("key rotation with forged requests interleaved: every genuine delivery is handled in the end, no forged one is", { timeout: LIMIT }, async () => {
  const forger = generateKeyPairSync("rsa", { modulusLength: 2048 });
  let forging = true;
  const forgedStatuses = [];
  const forge = (async () => {
    for (let n = 0; forging; n++) {
      const body = JSON.stringify(meeting("meeting.started", `forged-${n}`));
      const signature = createSign("RSA-SHA256").update(body).sign(forger.privateKey, "base64");
      const response = await fetch(workerURL, { method: "POST", body, headers: { "rtk-signature": signature, "rtk-uuid": crypto.randomUUID() } });
      forgedStatuses.push(response.status);
      await response.arrayBuffer();
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })();
  try {
    const [first] = await deliver(meeting("meeting.started", "rotation-before"));
    // One signed before the rotation whose only attempt failed (the queue was down): RealtimeKit retries it later.
    await testRoute("/__test/fail-sends?n=1");
    const [signedBefore] = await deliver(meeting("meeting.started", "rotation-signed-before"), { maxRetries: 0 });
    assert.deepEqual(signedBefore.attempts.map((a) => a.status), [503]);
    await admin("/__emulator/keys/rotate", {});
    const genuine = (await Promise.all(Array.from({ length: 10 }, (_, n) => deliver(meeting("meeting.started", `rotation-${n}`))))).flat();
    forging = false;
    await forge;
    figures.forged += forgedStatuses.length;
    for (const record of [first, ...genuine]) {
      assert.equal(record.state, "delivered", JSON.stringify(record.attempts));
      assert.ok(record.attempts.every((a) => a.status === 202 || a.status === 503), JSON.stringify(record.attempts));
    }
    // The retry of the one signed before, after the Worker took the new key: the previous key's signature is still accepted.
    const retry = await admin(`/__emulator/deliveries/${signedBefore.id}/resend`, { wait: true });
    assert.deepEqual(retry.attempts.map((a) => a.status), [503, 202]);
    const ids = new Set([first, signedBefore, ...genuine].map((r) => r.id));
    await until(() => backend.handled().filter((e) => ids.has(e.id)).length === 12, "12 genuine deliveries handled");
    assert.ok(forgedStatuses.length > 10);
    assert.ok(forgedStatuses.every((s) => s === 401 || s === 503), JSON.stringify(forgedStatuses));
    assert.equal(backend.events.filter((e) => e.line.includes("forged-")).length, 0);
  } finally {
    forging = false;
    await forge;
    await admin("/__emulator/keys/rotate", {});
    // The Worker takes the key back as RealtimeKit's retries arrive (503 until its cooldown allows a fetch).
    const [back] = await deliver(meeting("meeting.started", "rotation-after"));
    assert.equal(back.state, "delivered");
  }
});

test("a replayed body under a new rtk-uuid is handled once", { timeout: LIMIT }, async () => {
  // The body and signature an attacker captured, signed with the emulator's current development key.
  const privateKey = await currentPrivateKey();
  const body = JSON.stringify(meeting("meeting.summary", "replayed"));
  figures.replayed++;
  const originalId = crypto.randomUUID();
  assert.deepEqual(await post(body, originalId, privateKey), [202, "queued\n"]);
  await until(() => backend.handled().some((e) => e.id === originalId), "the original");
  const replayId = crypto.randomUUID();
  assert.deepEqual(await post(body, replayId, privateKey), [200, "repeat\n"]);
  await sleep(1500);
  assert.equal(backend.handled().filter((e) => e.id === originalId || e.id === replayId).length, 1);
});

test("a captured body sent under a genuine delivery's id, first or while the genuine one fails: the genuine one is handled", { timeout: LIMIT }, async () => {
  const privateKey = await currentPrivateKey();
  const captured = JSON.stringify({ event: "livestreaming.statusUpdate", streamId: "captured-live-2", status: "OFFLINE" });
  assert.equal((await post(captured, crypto.randomUUID(), privateKey))[0], 202);
  // The attacker's request lands first.
  const first = crypto.randomUUID();
  assert.equal((await post(captured, first, privateKey))[0], 202);
  const [status] = await post(JSON.stringify(meeting("meeting.ended", "genuine-after-attack")), first, privateKey);
  assert.equal(status, 202, "recorded and queued: not taken for a repeat");
  // The genuine delivery is failing (its handler's backend is down) when the attacker sends under its id.
  backend.fail("genuine-failing", 2);
  const [[failing]] = await Promise.all([
    deliver(meeting("meeting.ended", "genuine-failing")),
    until(() => backend.events.some((e) => e.line.includes("genuine-failing")), "the genuine delivery's first run").then(async () => {
      const id = backend.events.find((e) => e.line.includes("genuine-failing")).id;
      assert.equal((await post(captured, id, privateKey))[0], 202);
    }),
  ]);
  assert.deepEqual(failing.attempts.map((a) => a.status), [202]);
  for (const word of ["genuine-after-attack", "genuine-failing"]) {
    await until(() => backend.handled().some((e) => e.line.includes(word)), word);
  }
  await sleep(1500);
  assert.equal(backend.handled().filter((e) => e.line.includes("genuine-")).length, 2);
});

test("an outcome write that fails once, and twice, is retried on its own: the handler runs once", { timeout: LIMIT }, async () => {
  for (const times of [1, 2]) {
    await testRoute(`/__test/fail-completes?deliveries=1&times=${times}`);
    const [record] = await deliver(meeting("meeting.started", `write-fails-${times}`));
    await until(() => backend.handled().some((e) => e.id === record.id), "the delivery handled");
    await until(async () => (await testRoute("/__test/failing")).injected === times, "the injected failures used");
    await sleep(1500);
    const again = await admin(`/__emulator/deliveries/${record.id}/resend`, { wait: true });
    assert.equal(again.attempts.at(-1).status, 200, "a repeat");
    assert.equal(backend.events.filter((e) => e.id === record.id).length, 1, `${times} failed write(s)`);
    figures.failedWrites += times;
  }
});

test("D1 unavailable for 8 s as a handler ends: the consumer writes the outcome once D1 is back, and the handler runs once", { timeout: LIMIT }, async () => {
  await testRoute("/__test/outage?ms=8000");
  const [record] = await deliver(meeting("meeting.started", "d1-outage"));
  await until(() => backend.handled().some((e) => e.id === record.id), "the delivery handled");
  await until(async () => (await testRoute("/__test/outage")).ms === 0, "the outage over", 30_000);
  const row = async () => (await testRoute("/__test/deliveries")).find((d) => d.id === record.id);
  await until(async () => (await row())?.state === "done", "the outcome written", 30_000);
  const { injected } = await testRoute("/__test/outage");
  assert.ok(injected >= 4, `the write failed all through the outage (${injected} tries), more than a request's retries`);
  // The sweeper finds nothing to send again, and RealtimeKit's resend is a repeat.
  assert.equal((await worker.fetch(`http://worker/cdn-cgi/handler/scheduled?cron=${encodeURIComponent("*/5 * * * *")}`)).status, 200);
  const again = await admin(`/__emulator/deliveries/${record.id}/resend`, { wait: true });
  assert.equal(again.attempts.at(-1).status, 200, "a repeat");
  await sleep(1500);
  assert.equal(backend.events.filter((e) => e.id === record.id).length, 1, "one run");
  assert.equal((await row()).attempts, 1);
});

test("a repeated rtk-signature header (as a proxy repeats it) is accepted", { timeout: LIMIT }, async () => {
  const privateKey = await currentPrivateKey();
  const body = JSON.stringify(meeting("meeting.started", "repeated-signature"));
  const signature = createSign("RSA-SHA256").update(body).sign(privateKey, "base64");
  const headers = new Headers({ "rtk-uuid": crypto.randomUUID(), "rtk-webhook-id": webhookId });
  headers.append("rtk-signature", signature);
  headers.append("rtk-signature", signature);
  const response = await fetch(workerURL, { method: "POST", body, headers });
  assert.equal(response.status, 202, await response.text());
  await until(() => backend.handled().some((e) => e.line.includes("repeated-signature")), "handled");
});

test("the enqueue fails: answered 503, delivered again, handled once, never taken for a repeat", { timeout: LIMIT }, async () => {
  await testRoute("/__test/fail-sends?n=2").catch(() => {});
  const [record] = await deliver(meeting("meeting.started", "enqueue-fails"));
  assert.deepEqual(record.attempts.map((a) => a.status), [503, 503, 202]);
  await until(() => backend.handled().some((e) => e.id === record.id), "the delivery handled");
  await new Promise((resolve) => setTimeout(resolve, 1500));
  assert.equal(backend.handled().filter((e) => e.id === record.id).length, 1);
});

test("the Worker restarts before the consumer ran: a redelivery is enqueued again, and the sweeper enqueues the rest", { timeout: LIMIT }, async () => {
  // Accepted (202), then the Worker stops before its queue's first batch (1 s): the messages are lost (local queues live in memory).
  const [redelivered, swept] = await Promise.all([
    deliver(meeting("meeting.started", "restart-redelivered"), { maxRetries: 0 }),
    deliver(meeting("meeting.started", "restart-swept"), { maxRetries: 0 }),
  ]);
  const port = new URL(workerURL).port;
  await worker.dispose();
  assert.deepEqual([redelivered[0].attempts.map((a) => a.status), swept[0].attempts.map((a) => a.status)], [[202], [202]]);
  await startWorker(Number(port)); // a restart keeps the Worker's address
  await new Promise((resolve) => setTimeout(resolve, 1500));
  const handledIds = () => new Set(backend.handled().map((e) => e.id));
  assert.ok(!handledIds().has(redelivered[0].id) && !handledIds().has(swept[0].id), "the lost messages were not handled");
  // RealtimeKit sends one again (say its 202 was lost): recorded but not done, so it is enqueued again, not a repeat.
  const again = await admin(`/__emulator/deliveries/${redelivered[0].id}/resend`, { wait: true });
  assert.equal(again.attempts.at(-1).status, 202);
  await until(() => handledIds().has(redelivered[0].id), "the redelivered one handled");
  // The other is never sent again: the sweeper (the cron trigger) finds it in D1 and enqueues it.
  const cron = await worker.fetch(`http://worker/cdn-cgi/handler/scheduled?cron=${encodeURIComponent("*/5 * * * *")}`);
  assert.equal(cron.status, 200);
  await until(() => handledIds().has(swept[0].id), "the swept one handled");
  const rows = await testRoute("/__test/deliveries");
  assert.deepEqual([...new Set(rows.map((r) => r.state))].sort(), ["dead", "done"]);
});

/** The package's command line, as the app has it, with the receiver's URL and admin token in the environment. */
async function deliveriesCLI(args, env = {}) {
  const result = await run(join(APP, "node_modules", ".bin", "realtimekit-webhooks"), ["deliveries", ...args], {
    cwd: APP,
    env: { ...process.env, REALTIMEKIT_RECEIVER_URL: new URL("/", workerURL).href, REALTIMEKIT_ADMIN_TOKEN: ADMIN_TOKEN, ...env },
  });
  for (const text of [result.stdout, result.stderr]) assert.ok(!text.includes(ADMIN_TOKEN), `the admin token was printed:\n${text}`);
  return result;
}

/** Its --json answer (exit 0). */
async function deliveriesJSON(args) {
  const result = await deliveriesCLI([...args, "--json"]);
  assert.equal(result.code, 0, `deliveries ${args.join(" ")}: ${result.stdout}${result.stderr}`);
  return JSON.parse(result.stdout);
}

/** Delivers `count` meeting.ended deliveries named `word-n` while the backend fails them, and waits until all are dead. */
async function killed(word, count) {
  backend.fail(word, Infinity);
  const records = (await Promise.all(Array.from({ length: count }, (_, n) => deliver(meeting("meeting.ended", `${word}${n}`))))).flat();
  assert.ok(records.every((r) => r.attempts.map((a) => a.status).join() === "202"), JSON.stringify(records.map((r) => r.attempts)));
  const ids = new Set(records.map((r) => r.id));
  await until(async () => (await testRoute("/__test/dead-letters")).filter((r) => ids.has(r.id)).length === count, `${count} dead`, 180_000);
  backend.fail(word, 0);
  return ids;
}

/** How many times each of `ids` was handled (handed over with a 2xx). */
const timesHandled = (ids) => [...ids].map((id) => backend.handled().filter((e) => e.id === id).length);

test("the backend down for 20 deliveries through every retry: 20 dead; back up, `deliveries redrive` handles each once; redriven again, and twice at once, nothing runs again", { timeout: LIMIT }, async () => {
  const since = Date.now();
  const ids = await killed("down-", 20);
  assert.equal(backend.events.filter((e) => ids.has(e.id)).length, 120, "six attempts each");
  assert.deepEqual(timesHandled(ids), Array(20).fill(0));
  const listed = await deliveriesJSON(["list", "--state", "dead", "--since", String(since)]);
  assert.deepEqual(new Set(listed.map((d) => d.id)), ids);
  assert.ok(listed.every((d) => d.attempts === 6 && /BACKEND_URL answered 503/.test(d.lastError)), JSON.stringify(listed[0]));
  const [one] = ids;
  const shown = await deliveriesJSON(["show", one]);
  assert.equal(shown[0].state, "dead");
  assert.equal(JSON.parse(shown[0].body).event, "meeting.ended");

  const first = await deliveriesJSON(["redrive", "--all", "--since", String(since)]);
  assert.deepEqual(new Set(first.redriven.map((d) => d.id)), ids);
  await until(() => timesHandled(ids).every((n) => n === 1), "the 20 redriven deliveries handled");
  // Redriven again: all at once, and one by its id, in words.
  const again = await deliveriesJSON(["redrive", "--all", "--since", String(since)]);
  assert.deepEqual(again.redriven, []);
  const byId = await deliveriesCLI(["redrive", one]);
  assert.equal(byId.code, 0, byId.stderr);
  assert.match(byId.stdout, /^not redriven .*: it was handled: a done delivery is not run again$/m);
  figures.redriven += first.redriven.length;

  // Two redrives at once, of five more dead deliveries, and of one of them by its id twice.
  const since2 = Date.now();
  const more = await killed("down-again-", 5);
  const [picked] = more;
  const answers = await Promise.all([
    deliveriesJSON(["redrive", "--all", "--since", String(since2)]),
    deliveriesJSON(["redrive", "--all", "--since", String(since2)]),
    deliveriesJSON(["redrive", picked]),
    deliveriesJSON(["redrive", picked]),
  ]);
  const moved = answers.flatMap((a) => a.redriven.map((d) => d.id));
  assert.equal(moved.length, 5, `each redriven once: ${JSON.stringify(answers)}`);
  assert.deepEqual(new Set(moved), more);
  await until(() => timesHandled(more).every((n) => n === 1), "the 5 redriven deliveries handled");
  await sleep(2000);
  assert.deepEqual(timesHandled([...ids, ...more]), Array(25).fill(1));
  figures.redriven += moved.length;

  const stats = await deliveriesJSON(["stats"]);
  assert.equal(stats.total, Object.values(stats.byState).reduce((a, b) => a + b, 0));
  assert.equal(stats.byState.dead, 1, "only the delivery that always fails");
  assert.ok(stats.byEvent["meeting.ended"].done >= 25);
  const text = await deliveriesCLI(["stats"]);
  assert.match(text.stdout, /^\d+ deliveries: \d+ queued, \d+ handling, \d+ done, 1 dead$/m);
  console.log(`redrive: 25 dead deliveries redriven (20 at once, 5 by two redrives at once), each handled once; stats: ${JSON.stringify(stats.byState)}`);
});

test("the admin API without a token, with a wrong one, or with none configured: 401 or 404, and nothing changes", { timeout: LIMIT }, async () => {
  const base = new URL("/", workerURL);
  const dead = async () => (await testRoute("/__test/dead-letters")).map((r) => r.id).sort();
  const before = await dead();
  assert.equal(before.length, 1);
  const ask = (path, init = {}) => fetch(new URL(path, base), init).then(async (r) => [r.status, await r.text()]);
  const redriveAll = { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ all: true }) };
  for (const authorization of [undefined, "Bearer wrong", `Bearer ${ADMIN_TOKEN}x`, `bearer ${ADMIN_TOKEN}`, ADMIN_TOKEN]) {
    const headers = authorization === undefined ? {} : { authorization };
    for (const [path, init] of [["/admin/stats", {}], ["/admin/deliveries", {}], ["/admin/redrive", redriveAll]]) {
      const [status, body] = await ask(path, { ...init, headers: { ...init.headers, ...headers } });
      assert.equal(status, 401, `${path} with ${authorization}`);
      assert.ok(!body.includes(ADMIN_TOKEN) && !body.includes("dead"), body);
    }
  }
  const wrong = await deliveriesCLI(["redrive", "--all"], { REALTIMEKIT_ADMIN_TOKEN: "wrong" });
  assert.equal(wrong.code, 1);
  assert.match(wrong.stderr, /refused the admin token \(401\)/);
  assert.deepEqual(await dead(), before);

  await restartWith({ ADMIN_TOKEN: "" });
  try {
    for (const [path, init] of [["/admin/stats", {}], ["/admin/redrive", redriveAll]]) {
      const [status] = await ask(path, { ...init, headers: { ...init.headers, authorization: `Bearer ${ADMIN_TOKEN}` } });
      assert.equal(status, 404, `${path} with no ADMIN_TOKEN configured`);
    }
    const none = await deliveriesCLI(["stats"]);
    assert.equal(none.code, 1);
    assert.match(none.stderr, /has no admin API \(404\)/);
    assert.deepEqual(await dead(), before);
  } finally {
    await restartWith({});
  }
});

const sql = (text, binds = []) => testRoute("/__test/sql", { sql: text, binds });
const sha256 = async (text) => Buffer.from(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text))).toString("hex");

test("rows the durable receiver did not write are handled: a claim's row with no body (a WebhookReceiver handling in its request), and rows from before migration 0002 (no body hash)", { timeout: LIMIT }, async () => {
  const privateKey = await currentPrivateKey();
  // Handled in its request first, by a WebhookReceiver on the same D1 table, whose handler failed: a row with no body.
  const inRequest = JSON.stringify(meeting("meeting.started", "claimed-in-request"));
  const inRequestId = crypto.randomUUID();
  const key = { id: inRequestId, bodyHash: await sha256(inRequest), replayKey: await sha256(inRequest), event: "meeting.started", webhookId };
  assert.deepEqual(await testRoute("/__test/claim-and-release", key), ["claimed", true]);
  // RealtimeKit's retry reaches the durable receiver: it keeps the body, queues it, and it is handled.
  assert.deepEqual(await post(inRequest, inRequestId, privateKey), [202, "queued\n"]);
  // Rows as migration 0002 left them from 0001: no body hash, no replay key (a livestream status), queued and lapsed.
  const now = Date.now();
  const legacy = [0, 1].map((n) => ({ id: crypto.randomUUID(), body: JSON.stringify({ event: "livestreaming.statusUpdate", streamId: `legacy-${n}`, status: "LIVE" }) }));
  for (const [n, row] of legacy.entries()) {
    await sql(`INSERT INTO deliveries (id, body_hash, replay_key, webhook_id, event, body, state, attempts, lease_until, received_at, updated_at)
      VALUES (?1, '', NULL, ?2, 'livestreaming.statusUpdate', ?3, ?4, 1, ?5, ?6, ?6)`, [row.id, webhookId, row.body, n === 0 ? "queued" : "handling", now - 1000, now - 60_000]);
  }
  // One is sent again by RealtimeKit, the other is found by the sweeper.
  assert.deepEqual(await post(legacy[0].body, legacy[0].id, privateKey), [202, "queued\n"]);
  const cron = await worker.fetch(`http://worker/cdn-cgi/handler/scheduled?cron=${encodeURIComponent("*/5 * * * *")}`);
  assert.equal(cron.status, 200);
  for (const [id, what] of [[inRequestId, "the in-request row"], [legacy[0].id, "the legacy row sent again"], [legacy[1].id, "the legacy row swept"]]) {
    await until(() => backend.handled().some((e) => e.id === id), what);
  }
  await sleep(1500);
  assert.equal(backend.handled().filter((e) => [inRequestId, ...legacy.map((r) => r.id)].includes(e.id)).length, 3, "each once");
  const rows = await sql("SELECT body_hash AS bodyHash, state FROM deliveries WHERE id IN (?1, ?2)", legacy.map((r) => r.id));
  assert.ok(rows.every((r) => r.state === "done" && /^[0-9a-f]{64}$/.test(r.bodyHash)), JSON.stringify(rows));
});

test("an rtk-uuid of 300 bytes, with control characters or anything but printable ASCII is malformed (400), never stored; a sweep that cannot send still prunes", { timeout: LIMIT }, async () => {
  const privateKey = await currentPrivateKey();
  const body = JSON.stringify({ event: "livestreaming.statusUpdate", streamId: "long-id", status: "LIVE" });
  // "\u00e2\u0080\u00ae": the bytes E2 80 AE, which workerd reads as U+202E (a right-to-left override that would turn an id around in a terminal).
  for (const id of ["x".repeat(300), "id\u001b[2J", "id-\u00e2\u0080\u00ae-evil"]) {
    const signature = createSign("RSA-SHA256").update(body).sign(privateKey, "base64");
    const response = await fetch(workerURL, { method: "POST", body, headers: { "rtk-signature": signature, "rtk-uuid": id } }).catch((error) => error);
    // (An ESC byte is refused by fetch itself here; a raw client gets the Worker's 400.)
    if (response instanceof Error) continue;
    assert.deepEqual([response.status, await response.text()], [400, "malformed: not a webhook delivery\n"]);
  }
  assert.deepEqual(await sql("SELECT COUNT(*) AS n FROM deliveries WHERE length(id) > 256 OR id LIKE '%evil'"), [{ n: 0 }]);
  // A queued row the sweeper cannot send, and a done one past its retention: the sweep goes on, and prunes.
  const now = Date.now();
  await sql(`INSERT INTO deliveries (id, body_hash, replay_key, webhook_id, event, body, state, attempts, received_at, updated_at)
    VALUES ('unsendable', 'h1', NULL, NULL, 'meeting.started', '{"event":"meeting.started"}', 'queued', 0, ?1, ?1),
           ('long-done', 'h2', NULL, NULL, 'meeting.started', '{"event":"meeting.started"}', 'done', 1, 0, 0)`, [now - 60_000]);
  await testRoute("/__test/fail-sends?n=1000");
  try {
    const cron = await worker.fetch(`http://worker/cdn-cgi/handler/scheduled?cron=${encodeURIComponent("*/5 * * * *")}`);
    assert.equal(cron.status, 200);
  } finally {
    await testRoute("/__test/fail-sends?n=0");
  }
  assert.deepEqual(await sql("SELECT id FROM deliveries WHERE id IN ('unsendable', 'long-done')"), [{ id: "unsendable" }], "pruned despite the failed send");
  await sql("DELETE FROM deliveries WHERE id = 'unsendable'");
});

test("a dead-letter message from before a redrive does not mark the redriven delivery dead; one from after it does", { timeout: LIMIT }, async () => {
  const now = Date.now();
  for (const id of ["redriven-late-dlq", "dead-again"]) {
    await sql(`INSERT INTO deliveries (id, body_hash, replay_key, webhook_id, event, body, state, attempts, received_at, updated_at)
      VALUES (?1, 'h', NULL, NULL, 'meeting.started', '{"event":"meeting.started","meeting":{"id":"x"}}', 'dead', 6, ?2, ?2)`, [id, now]);
  }
  // The late message was sent before the redrive (redrives 0); the redrive made it 1.
  const late = await testRoute("/__test/redrive-then-late-dead-letter", { id: "redriven-late-dlq", bodyHash: "h", redrives: 0 });
  assert.equal(late.outcome.acked, true);
  assert.deepEqual(late.row, { state: "queued", redrives: 1 });
  // A message of the redrive's own count (its retries ran out again) marks it dead.
  const current = await testRoute("/__test/redrive-then-late-dead-letter", { id: "dead-again", bodyHash: "h", redrives: 1 });
  assert.deepEqual(current.row, { state: "dead", redrives: 1 });
  await sql("DELETE FROM deliveries WHERE id IN ('redriven-late-dlq', 'dead-again')");
});

test("the admin API's edge cases: a malformed path segment, an id given as ?id= (such as ..), a time past any date, an id too long: each a 4xx, never a 503", { timeout: LIMIT }, async () => {
  const ask = (path, init = {}) => fetch(new URL(path, workerURL), { ...init, headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...init.headers } }).then(async (r) => [r.status, await r.json()]);
  assert.equal((await ask("/admin/deliveries/%E0%A4%A"))[0], 400);
  assert.deepEqual(await ask("/admin/deliveries?id=.."), [404, { error: "no delivery has this rtk-uuid" }]);
  const [, { deliveries: [some] }] = await ask("/admin/deliveries?limit=1");
  assert.equal((await ask(`/admin/deliveries?id=${encodeURIComponent(some.id)}`))[1].deliveries[0].id, some.id);
  assert.equal((await ask(`/admin/deliveries?since=${"9".repeat(400)}`))[0], 400);
  assert.equal((await ask("/admin/redrive", { method: "POST", body: JSON.stringify({ id: "x".repeat(300) }) }))[0], 400);
  assert.equal((await ask("/admin/redrive", { method: "POST", body: JSON.stringify({ all: true, since: 1e300 }) }))[0], 400);
});

test("the figures: every genuine delivery handled once, none lost, the one always failing dead", async () => {
  const rows = await testRoute("/__test/deliveries");
  const handled = backend.handled();
  const duplicated = handled.length - new Set(handled.map(identity)).size;
  const done = rows.filter((r) => r.state === "done").length;
  const dead = rows.filter((r) => r.state === "dead").length;
  const lost = rows.length - done - dead;
  console.log(`durable receiver: ${figures.sent} deliveries sent by the emulator (1 000 of them twice), ${figures.replayed} sent and replayed, ${figures.forged} forged, ` +
    `${figures.attacks} genuine ids attacked with captured bodies, ${figures.failedWrites} outcome writes failed; ` +
    `${rows.length} recorded, ${handled.length} handled, ${duplicated} duplicated, ${lost} lost, ${dead} dead, ${figures.redriven} redriven (each handled once), ` +
    `at most ${backend.mostAtOnce()} run of one delivery at once`);
  assert.equal(backend.mostAtOnce(), 1);
  assert.equal(duplicated, 0);
  assert.equal(lost, 0);
  assert.equal(dead, 1);
  assert.equal(done, handled.length);
});

test("`realtimekit-webhooks trigger` against the Worker given keygen's public key (RTK_PUBLIC_KEY)", { timeout: LIMIT }, async () => {
  const cli = (args) => run(join(APP, "node_modules", ".bin", "realtimekit-webhooks"), args, { cwd: APP, env: process.env });
  const keys = join(WORK, "keys");
  assert.equal((await cli(["keygen", "--out", keys])).code, 0);
  const port = Number(new URL(workerURL).port);
  await worker.dispose();
  await startWorker(port, { RTK_PUBLIC_KEY: await readFile(join(keys, "public.pem"), "utf8") });
  const sent = await cli(["trigger", "meeting.summary", "--to", workerURL, "--key", keys, "--repeat", "2", "--json"]);
  assert.equal(sent.code, 0, sent.stdout + sent.stderr);
  const { id, answers } = JSON.parse(sent.stdout);
  assert.equal(answers[0].status, 202);
  assert.ok(answers.every((a) => a.fate === "delivered"), JSON.stringify(answers));
  await until(() => backend.handled().some((e) => e.id === id), "the triggered delivery handled");
  const tampered = await cli(["trigger", "meeting.summary", "--to", workerURL, "--key", keys, "--tamper"]);
  assert.equal(tampered.code, 1);
  assert.match(tampered.stdout, /-> 401 forged: .*failed for good/);
  await new Promise((resolve) => setTimeout(resolve, 1500));
  assert.equal(backend.handled().filter((e) => e.id === id).length, 1);
});

/** Restarts the Worker on its address, on the same state, with `vars` added. */
async function restartWith(vars) {
  const port = Number(new URL(workerURL).port);
  await worker.dispose();
  await startWorker(port, vars);
}

test("a handler slower than its lease, a second consumer at once, a late failure: never two runs at once, then handled once", { timeout: LIMIT }, async () => {
  await restartWith({ LEASE_MS: "1000", BACKEND_TIMEOUT_MS: "10000", MAX_BODY_BYTES: "1024" });
  backend.slow("slow-lease", 3000);
  backend.fail("slow-lease", 1);
  const [record] = await deliver(meeting("meeting.ended", "slow-lease"));
  assert.deepEqual(record.attempts.map((a) => a.status), [202]);
  await until(() => backend.arrivals.some((e) => e.id === record.id), "the first run");
  await sleep(1500); // past the lease: only its renewal keeps it
  const { bodyHash } = (await testRoute("/__test/deliveries")).find((r) => r.id === record.id);
  const second = await testRoute("/__test/consume", { id: record.id, bodyHash });
  assert.deepEqual(second, { acked: true, retried: false }, "the second consumer found it in progress");
  await until(() => backend.handled().some((e) => e.id === record.id), "the delivery handled after the late failure", 60_000);
  await sleep(1500);
  assert.deepEqual(backend.events.filter((e) => e.id === record.id).map((e) => Boolean(e.failed)), [true, false]);
  assert.equal(backend.mostAtOnce(), 1);
});

test("a 64 MiB streamed body against MAX_BODY_BYTES=1024: the Worker reads a few chunks, cancels the rest, answers 400", { timeout: LIMIT }, async () => {
  const CHUNK = 64 * 1024;
  let pulled = 0;
  const chunk = new Uint8Array(CHUNK).fill(0x20);
  const body = new ReadableStream({
    pull(controller) {
      if (pulled >= 64 * 1024 * 1024) return controller.close();
      pulled += CHUNK;
      controller.enqueue(chunk);
    },
  });
  // The Worker answers 400 without reading the rest. Locally, wrangler's dev
  // proxy in front of workerd then breaks the connection instead of passing
  // the 400 on (a bare Worker answering early does the same there): either
  // way the client is refused, and what the Worker read is counted inside it.
  let answer;
  try {
    const response = await fetch(new URL("/__test/counted", workerURL), {
      method: "POST", body, duplex: "half", headers: { "rtk-signature": "AAAA", "rtk-uuid": "endless" },
    });
    answer = [response.status, await response.text()];
  } catch (error) {
    answer = ["no answer", error.cause?.code ?? error.message];
  }
  assert.ok(answer[0] !== 200 && answer[0] !== 202, JSON.stringify(answer));
  const { counted, answer: answered } = await testRoute("/__test/counted-bytes");
  assert.ok(counted <= 4 * CHUNK, `the Worker read ${counted} bytes for a 1 KiB limit`);
  assert.deepEqual(answered, [400, "malformed: not a webhook delivery\n"], "the Worker's own answer");
  console.log(`a 64 MiB stream against a 1 KiB limit: the Worker read ${counted} bytes; the client had sent ${pulled} (into the proxy) when refused: ${JSON.stringify(answer)}`);
});

test("the key URL fails with a secret in its query and its reply: the answer is a 503 that says nothing more", { timeout: LIMIT }, async () => {
  const SECRET = "s3cr3t-t0ken";
  const keyServer = createServer((req, res) => res.writeHead(500).end(`no key for ${req.url} (token ${SECRET})`));
  await new Promise((resolve) => keyServer.listen(0, "127.0.0.1", resolve));
  try {
    await restartWith({ RTK_KEY_URL: `http://127.0.0.1:${keyServer.address().port}/keys.json?token=${SECRET}` });
    const privateKey = await currentPrivateKey();
    const [status, text] = await post(JSON.stringify(meeting("meeting.started", "key-down")), crypto.randomUUID(), privateKey);
    assert.deepEqual([status, text], [503, "key-unavailable\n"]);
  } finally {
    keyServer.close();
  }
});
