// The Worker receiver example (www/worker/) in real workerd (`wrangler dev
// --local`), with the packed package installed as a user would: the emulator
// delivers signed events to it, and what the Worker hands its backend shows
// what it processed.
//
// Run by `cargo xtask test runtimes`, with the same environment as runtimes.test.mjs.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createSign } from "node:crypto";
import { cp, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { required, run, startEmulator, startProcess, wranglerEnv } from "./support.mjs";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const BIN = join(ROOT, "tests", "node_modules", ".bin");
const TARBALL = required("RTK_PACKAGE_TARBALL");
const EMULATOR_BIN = required("RTK_EMULATOR_BIN");
const WORK = join(required("RTK_WORK_DIR"), "receiver");
const APP = join(WORK, "app");
const LIMIT = 180_000;

let emulator;
let backend;
let wrangler;
let workerURL;

/**
 * The Worker's backend (events it hands over after answering) and a
 * pass-through to the emulator's key URL that can fail on request.
 */
async function startBackend(keyURL) {
  const events = [];
  const waiters = new Set();
  let keyFailures = 0;
  const server = createServer(async (req, res) => {
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    if (req.url === "/key") {
      if (keyFailures > 0) {
        keyFailures--;
        res.writeHead(500, { "content-type": "text/plain" }).end("key store down");
        return;
      }
      const key = await fetch(keyURL);
      res.writeHead(key.status, { "content-type": "application/json" }).end(await key.text());
      return;
    }
    events.push(JSON.parse(Buffer.concat(chunks).toString()));
    for (const waiter of waiters) waiter();
    res.writeHead(204).end();
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${server.address().port}`;
  return {
    keyURL: `${url}/key`,
    eventsURL: `${url}/events`,
    events,
    failKeyFetches: (n) => (keyFailures = n),
    /** Resolves once `count` events have arrived. */
    until: (count) => new Promise((resolve) => {
      const check = () => events.length >= count && (waiters.delete(check), resolve());
      waiters.add(check);
      check();
    }),
    close: () => server.close(),
  };
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

before(async () => {
  await rm(WORK, { recursive: true, force: true });
  await mkdir(APP, { recursive: true });
  await cp(join(ROOT, "www", "worker"), APP, { recursive: true });
  // The example as published, but with the package from the tarball.
  const manifest = JSON.parse(await readFile(join(APP, "package.json"), "utf8"));
  manifest.dependencies["realtimekit-webhooks"] = `file:${TARBALL}`;
  delete manifest.devDependencies;
  await writeFile(join(APP, "package.json"), JSON.stringify(manifest, null, 2));
  const install = await run("npm", ["install", "--offline", "--no-audit", "--no-fund", "--no-package-lock"], { cwd: APP });
  assert.equal(install.code, 0, `npm install failed:\n${install.stdout}\n${install.stderr}`);

  emulator = await startEmulator(EMULATOR_BIN);
  backend = await startBackend(`${emulator.url}/.well-known/webhooks.json`);
  // The first key fetch fails: the first delivery then gets a 503, and is retried.
  backend.failKeyFetches(1);
  wrangler = startProcess(join(BIN, "wrangler"), [
    "dev", "--local", "--ip", "127.0.0.1", "--port", "0", "--show-interactive-dev-session=false",
    "--var", `RTK_KEY_URL:${backend.keyURL}`, "--var", `BACKEND_URL:${backend.eventsURL}`,
  ], { cwd: APP, env: wranglerEnv(join(WORK, "wrangler-home")) });
  workerURL = (await wrangler.waitFor(/Ready on (http:\/\/127\.0\.0\.1:\d+)/))[1];

  const created = await fetch(`${emulator.url}/client/v4/accounts/acc/realtime/kit/receiver/webhooks`, {
    method: "POST",
    headers: { authorization: "Bearer emulator-token", "content-type": "application/json" },
    body: JSON.stringify({ name: "worker", url: workerURL, events: ["meeting.started", "recording.statusUpdate", "meeting.summary"] }),
  });
  assert.equal(created.status, 201);
});

after(async () => {
  await wrangler?.stop();
  backend?.close();
  emulator?.stop();
});

const deliver = (event, extra = {}) => admin("/__emulator/deliveries", { event, app: "receiver", wait: true, retryDelayMs: 50, ...extra });

test("a 503 from the Worker (its key could not be fetched) makes the emulator deliver again", { timeout: LIMIT }, async () => {
  const [record] = await deliver("meeting.started");
  assert.equal(record.state, "delivered", JSON.stringify(record));
  assert.deepEqual(record.attempts.map((a) => a.status), [503, 202]);
  await backend.until(1);
  assert.deepEqual(backend.events[0], { id: record.id, webhookId: record.webhookId, event: "meeting.started", line: 'meeting "Weekly sync" started' });
});

test("verified deliveries are answered 202 and processed after the answer", { timeout: LIMIT }, async () => {
  const [recording] = await deliver("recording.statusUpdate");
  const [summary] = await deliver("meeting.summary");
  assert.deepEqual([recording.attempts.map((a) => a.status), summary.attempts.map((a) => a.status)], [[202], [202]]);
  await backend.until(3);
  assert.deepEqual(backend.events.slice(1).map((e) => e.line), [
    "recording 97cb480d-5840-4528-ace3-919b5e386c68 is UPLOADED",
    "summary ready: https://example.com/summary.txt",
  ]);
});

test("a tampered delivery is refused with 401, not retried, and not processed", { timeout: LIMIT }, async () => {
  const before = backend.events.length;
  const [record] = await deliver("meeting.started", { tamper: true });
  assert.equal(record.state, "failed");
  assert.deepEqual(record.attempts.map((a) => a.status), [401]);
  // A genuine delivery after it is processed, and is the only new event.
  await deliver("meeting.summary");
  await backend.until(before + 1);
  assert.equal(backend.events.length, before + 1);
  assert.equal(backend.events.at(-1).event, "meeting.summary");
});

test("a repeated delivery (same rtk-uuid) is accepted once; a body that is not a payload is a 400", { timeout: LIMIT }, async () => {
  const devKey = await readFile(join(ROOT, "emulator", "keys", "dev-key-1.pem"), "utf8");
  const signed = (body, id) => ({
    method: "POST",
    body,
    headers: { "rtk-signature": createSign("RSA-SHA256").update(body).sign(devKey, "base64"), "rtk-uuid": id, "rtk-webhook-id": "w" },
  });
  const body = JSON.stringify({ event: "livestreaming.statusUpdate", streamId: "s-1", status: "LIVE" });
  const before = backend.events.length;
  const first = await fetch(workerURL, signed(body, "repeat-1"));
  const again = await fetch(workerURL, signed(body, "repeat-1"));
  assert.deepEqual([first.status, again.status], [202, 200]);
  await backend.until(before + 1);
  const notPayload = await fetch(workerURL, signed("not json", "bad-1"));
  assert.equal(notPayload.status, 400);
  const get = await fetch(workerURL);
  assert.equal(get.status, 405);
  assert.equal(backend.events.filter((e) => e.id === "repeat-1").length, 1);
  assert.equal(backend.events.at(-1).line, "livestream s-1 is LIVE");
});
