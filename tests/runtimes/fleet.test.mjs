// A Node fleet on one PostgreSQL: four processes, each its own
// WebhookReceiver (fleet/receiver.mjs) with a PostgresDeliveryStore from the
// packed package, and one throwaway PostgreSQL server started here. The test
// is RealtimeKit: it signs 1 000 deliveries and sends each twice, spread
// across the processes (some copies at once), and sends again after a 5xx or
// no answer, to the next live process. Ten handlers fail twice; one process
// is killed (SIGKILL) while a handler runs. In the end each delivery must have
// been handled exactly once: one row in `effects` each.
//
// Run by `cargo xtask test runtimes`, which installs PostgreSQL where it can
// (RTK_POSTGRES_BIN); where it cannot, this test is skipped and says why.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { copyFile, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { required, run, startPostgres, startProcess } from "./support.mjs";
import { storeContract } from "../js/store-contract.mjs";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const TARBALL = required("RTK_PACKAGE_TARBALL");
const WORK = join(required("RTK_WORK_DIR"), "fleet");
const POSTGRES_BIN = process.env.RTK_POSTGRES_BIN;
const SKIP = POSTGRES_BIN ? false : `no PostgreSQL server here: ${process.env.RTK_POSTGRES_MISSING ?? "RTK_POSTGRES_BIN is not set (run it through cargo xtask test runtimes)"}`;
const PROCESSES = 4;
const DELIVERIES = 1000;
const FAILING = 10;
const LIMIT = 300_000;

let postgres;
let pool;
const fleet = [];

before(async () => {
  if (SKIP) return;
  await rm(WORK, { recursive: true, force: true });
  await mkdir(WORK, { recursive: true });
  // The app, as a user installs it: the tarball and pg (the version tests/ has, so it is in npm's cache).
  const { devDependencies } = JSON.parse(await readFile(join(ROOT, "tests", "package.json"), "utf8"));
  await writeFile(join(WORK, "package.json"), JSON.stringify({
    name: "rtk-fleet", private: true, type: "module", dependencies: { "realtimekit-webhooks": `file:${TARBALL}`, pg: devDependencies.pg },
  }));
  const install = await run("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", "--no-package-lock"], { cwd: WORK });
  assert.equal(install.code, 0, `npm install failed:\n${install.stdout}\n${install.stderr}`);
  await copyFile(fileURLToPath(new URL("./fleet/receiver.mjs", import.meta.url)), join(WORK, "receiver.mjs"));

  postgres = await startPostgres(POSTGRES_BIN);
  const { default: pg } = await import(pathToFileURL(join(WORK, "node_modules", "pg", "lib", "index.js")));
  pool = new pg.Pool({ connectionString: postgres.url, max: 4 });
  pool.on("error", () => {}); // an idle connection ended by the outage test below
  await pool.query(`CREATE TABLE effects (meeting TEXT NOT NULL, delivery TEXT NOT NULL, process TEXT NOT NULL);
    CREATE TABLE failures (meeting TEXT PRIMARY KEY, times INTEGER NOT NULL);
    CREATE TABLE stalls (meeting TEXT PRIMARY KEY, runs INTEGER NOT NULL DEFAULT 0)`);
});

after(async () => {
  for (const member of fleet) await member.process.stop();
  await pool?.end();
  await postgres?.stop();
});

/** Starts the fleet's processes, each told the public key and the database. */
async function startFleet(publicKey) {
  for (let n = 0; n < PROCESSES; n++) {
    const child = startProcess("node", ["receiver.mjs"], { cwd: WORK, env: { ...process.env, DATABASE_URL: postgres.url, PUBLIC_KEY: publicKey, NAME: `p${n}` } });
    const [, port] = await child.waitFor(/listening on (\d+)/);
    fleet.push({ name: `p${n}`, process: child, url: `http://127.0.0.1:${port}/`, alive: true });
  }
}

const figures = { requests: 0, retried: 0, atOnce: 0 };

/**
 * Sends a delivery as RealtimeKit does, from process `first` on: again after
 * a 5xx or no answer (to the next live process), never after a 2xx or 4xx.
 * Resolves to the final status.
 */
async function send({ body, headers }, first) {
  for (let attempt = 0; attempt < 300; attempt++) {
    const live = fleet.filter((m) => m.alive);
    const member = live[(first + attempt) % live.length];
    figures.requests++;
    let status;
    member.inFlight = (member.inFlight ?? 0) + 1;
    try {
      const response = await fetch(member.url, { method: "POST", body, headers, signal: AbortSignal.timeout(20_000) });
      status = response.status;
      await response.arrayBuffer();
    } catch {
      status = undefined; // no answer: a process killed mid-request
    } finally {
      member.inFlight--;
    }
    if (status !== undefined && status < 500) return status;
    figures.retried++;
    await new Promise((resolve) => setTimeout(resolve, Math.min(50 * (attempt + 1), 500)));
  }
  throw new Error(`delivery ${headers["rtk-uuid"]} never answered 2xx`);
}

/** Runs `work` on every item, `limit` at a time. */
async function inPool(items, limit, work) {
  let next = 0;
  await Promise.all(Array.from({ length: limit }, async () => {
    while (next < items.length) await work(items[next++]);
  }));
}

test("4 Node processes, one PostgreSQL: 1 000 deliveries each sent twice (some at once), 10 handlers failing twice, a process killed mid-handler: each handled exactly once", { skip: SKIP, timeout: LIMIT }, async () => {
  const pkg = await import(pathToFileURL(join(WORK, "node_modules", "realtimekit-webhooks", "node.js")));
  const { publicKey, privateKey } = await pkg.generateTestKeys();
  await startFleet(publicKey);
  const meetings = Array.from({ length: DELIVERIES }, (_, n) => `m-${n}`);
  await pool.query("INSERT INTO failures (meeting, times) SELECT unnest($1::text[]), 2", [meetings.slice(0, FAILING * 50).filter((_, n) => n % 50 === 0)]);
  await pool.query("INSERT INTO stalls (meeting) VALUES ('killed-mid-handler')");
  const signed = await Promise.all([...meetings, "killed-mid-handler"].map(async (meeting) => ({
    meeting,
    ...(await pkg.signDelivery({ event: "meeting.started", meeting: { id: meeting, title: meeting } }, { privateKey })),
  })));
  const statuses = [];
  let sentTwice = 0;
  /** Both copies of delivery `n`: to two processes, at once for every fifth one, else one after the other. */
  const sendTwice = async (n) => {
    const delivery = signed[n];
    const [a, b] = [n % PROCESSES, (n + 1) % PROCESSES];
    if (n % 5 === 0) {
      figures.atOnce++;
      statuses.push(...await Promise.all([send(delivery, a), send(delivery, b)]));
    } else {
      statuses.push(await send(delivery, a), await send(delivery, b));
    }
    sentTwice++;
  };
  // A third of the way through, the one that stalls goes to p0; p0 is killed once its handler runs, the rest under way.
  const killed = (async () => {
    while (sentTwice < DELIVERIES / 3) await new Promise((resolve) => setTimeout(resolve, 20));
    const target = fleet[0];
    const running = target.process.waitFor(/running killed-mid-handler/);
    const sending = send(signed[DELIVERIES], 0);
    await running;
    // No new deliveries for p0; once the stalled handler is all it runs, it is killed. (Killed
    // between another handler's work and the write of its outcome, that delivery would run again
    // elsewhere: at least once, as the README says; here the test counts exactly-once claims.)
    target.alive = false;
    while (target.inFlight > 1) await new Promise((resolve) => setTimeout(resolve, 5));
    target.process.kill("SIGKILL");
    await target.process.exited;
    statuses.push(await sending, await send(signed[DELIVERIES], 1));
  })();
  await inPool(Array.from({ length: DELIVERIES }, (_, n) => n), 24, sendTwice);
  await killed;

  assert.equal(statuses.length, 2 * (DELIVERIES + 1));
  assert.deepEqual([...new Set(statuses)], [200], "every copy answered 200 in the end (handled, or a repeat)");
  const { rows } = await pool.query("SELECT meeting, COUNT(*)::int AS runs FROM effects GROUP BY meeting");
  const runs = new Map(rows.map((r) => [r.meeting, r.runs]));
  const lost = signed.filter((d) => !runs.has(d.meeting)).length;
  const duplicated = rows.reduce((sum, r) => sum + r.runs - 1, 0);
  const left = (await pool.query("SELECT COALESCE(SUM(times), 0)::int AS n FROM failures")).rows[0].n;
  const states = (await pool.query("SELECT state, COUNT(*)::int AS n FROM rtk_deliveries GROUP BY state")).rows;
  const byProcess = (await pool.query("SELECT process, COUNT(*)::int AS n FROM effects GROUP BY process ORDER BY process")).rows;
  console.log(
    `fleet: ${PROCESSES} Node processes on one PostgreSQL; ${signed.length} signed deliveries each sent twice (${figures.atOnce} pairs at once), ` +
    `${figures.requests} requests in all (${figures.retried} answered 5xx or not at all, then sent again); ${FAILING} handlers failed twice; ` +
    `p0 killed (SIGKILL) mid-handler. Handled ${runs.size}, ${duplicated} duplicated, ${lost} lost; ` +
    `store: ${states.map((s) => `${s.n} ${s.state}`).join(", ")}; handled by ${byProcess.map((p) => `${p.process} ${p.n}`).join(", ")}`,
  );
  assert.equal(lost, 0);
  assert.equal(duplicated, 0);
  assert.equal(runs.size, DELIVERIES + 1);
  assert.equal(left, 0, "each failing handler failed twice");
  assert.deepEqual(states, [{ state: "done", n: DELIVERIES + 1 }]);
  assert.ok(byProcess.every((p) => p.process !== "p0" || p.n < DELIVERIES), "p0 died");
});

test("PostgreSQL stops and starts again under a receiver process (its pool with no error listener, as an app writes it), a claim in flight: the process lives on, a delivery during the outage gets 503, then is handled once", { skip: SKIP, timeout: LIMIT }, async () => {
  const pkg = await import(pathToFileURL(join(WORK, "node_modules", "realtimekit-webhooks", "node.js")));
  const { publicKey, privateKey } = await pkg.generateTestKeys();
  const child = startProcess("node", ["receiver.mjs"], { cwd: WORK, env: { ...process.env, DATABASE_URL: postgres.url, PUBLIC_KEY: publicKey, NAME: "outage" } });
  try {
    const [, port] = await child.waitFor(/listening on (\d+)/);
    const deliver = async (meeting) => {
      const { body, headers } = await pkg.signDelivery({ event: "meeting.started", meeting: { id: meeting, title: meeting } }, { privateKey });
      return async () => (await fetch(`http://127.0.0.1:${port}/`, { method: "POST", body, headers, signal: AbortSignal.timeout(20_000) })).status;
    };
    const before = await deliver("outage-before");
    const during = await deliver("outage-during");
    const inFlight = await deliver("outage-in-flight");
    assert.equal(await before(), 200, "handled before the outage (the pool now has an idle connection)");
    // A claim in flight as the server stops: held back by a lock on the table, its connection checked out.
    const { default: pg } = await import(pathToFileURL(join(WORK, "node_modules", "pg", "lib", "index.js")));
    const holder = new pg.Client({ connectionString: postgres.url });
    holder.on("error", () => {});
    await holder.connect();
    await holder.query("BEGIN; LOCK TABLE rtk_deliveries IN ACCESS EXCLUSIVE MODE");
    const held = inFlight();
    await new Promise((resolve) => setTimeout(resolve, 500));
    const stopped = await postgres.stopServer();
    assert.equal(stopped.code, 0, stopped.stderr);
    await holder.end().catch(() => {});
    assert.equal(await held, 503, "the claim in flight failed: 503");
    assert.equal(await during(), 503, "no store: 503, and RealtimeKit sends it again");
    await postgres.start();
    assert.equal(await during(), 200, "handled once the database is back");
    assert.equal(await during(), 200, "then a repeat");
    assert.equal(await inFlight(), 200, "the one in flight too");
    assert.ok(child.running(), `the process lived through the outage:\n${child.output()}`);
    const { rows } = await pool.query("SELECT meeting, COUNT(*)::int AS runs FROM effects WHERE meeting LIKE 'outage-%' GROUP BY meeting ORDER BY meeting");
    assert.deepEqual(rows, [{ meeting: "outage-before", runs: 1 }, { meeting: "outage-during", runs: 1 }, { meeting: "outage-in-flight", runs: 1 }]);
  } finally {
    await child.stop();
  }
});

storeContract("PostgresDeliveryStore", async () => {
  const { PostgresDeliveryStore } = await import(pathToFileURL(join(WORK, "node_modules", "realtimekit-webhooks", "postgres.js")));
  const store = new PostgresDeliveryStore(pool, { table: "contract_deliveries" });
  await store.migrate();
  return store;
}, { skip: SKIP });

test("PostgresDeliveryStore: migrate from eight connections at once while another process holds its lock for 6 s (each waits its turn), and a table name that is not one is refused", { skip: SKIP }, async () => {
  const { PostgresDeliveryStore } = await import(pathToFileURL(join(WORK, "node_modules", "realtimekit-webhooks", "postgres.js")));
  // Another process holds the migrate lock for 6 s (more than a claim's lock_timeout): they wait their turn.
  const { default: pg } = await import(pathToFileURL(join(WORK, "node_modules", "pg", "lib", "index.js")));
  const wide = new pg.Pool({ connectionString: postgres.url, max: 10 });
  const holder = await wide.connect();
  try {
    await holder.query("SELECT pg_advisory_lock(hashtext('realtimekit-webhooks migrate'))");
    const unlocked = new Promise((resolve) => setTimeout(resolve, 6000)).then(() => holder.query("SELECT pg_advisory_unlock(hashtext('realtimekit-webhooks migrate'))"));
    await Promise.all(Array.from({ length: 8 }, () => new PostgresDeliveryStore(wide, { table: "public.migrated_at_once" }).migrate()));
    await unlocked;
  } finally {
    holder.release();
    await wide.end();
  }
  assert.equal((await pool.query("SELECT COUNT(*)::int AS n FROM public.migrated_at_once")).rows[0].n, 0);
  for (const table of ["x; DROP TABLE effects", "a.b.c", "", "1st"]) {
    assert.throws(() => new PostgresDeliveryStore(pool, { table }), { name: "ValidationError" });
  }
  assert.throws(() => new PostgresDeliveryStore("postgres://localhost"), { name: "ValidationError" });
});

test("a database that accepts connections and never answers: each claim fails (the receiver answers 503 after its 10 s at most), and nothing holds a connection of the pool for good", { skip: SKIP, timeout: LIMIT }, async () => {
  const { PostgresDeliveryStore } = await import(pathToFileURL(join(WORK, "node_modules", "realtimekit-webhooks", "postgres.js")));
  const { default: pg } = await import(pathToFileURL(join(WORK, "node_modules", "pg", "lib", "index.js")));
  const { createServer } = await import("node:net");
  const sockets = new Set();
  const silent = createServer((socket) => { sockets.add(socket); socket.on("error", () => {}); });
  await new Promise((resolve) => silent.listen(0, "127.0.0.1", resolve));
  const hung = new pg.Pool({ connectionString: `postgres://postgres@127.0.0.1:${silent.address().port}/postgres`, max: 2 }); // as the README writes it: no timeouts
  try {
    const store = new PostgresDeliveryStore(hung);
    const key = { id: "hung-1", bodyHash: "h", replayKey: null, event: "meeting.started", webhookId: null };
    // Each fails (the connect timeout the store gave the pool), none hangs (the test's own limit would say so).
    const results = await Promise.allSettled(Array.from({ length: 4 }, () => store.claim(key, "o", 10_000)));
    assert.ok(results.every((r) => r.status === "rejected"), JSON.stringify(results.map((r) => r.status)));
    // (pg-pool drops a connection that timed out as it ends: a moment later.)
    for (let waited = 0; hung.totalCount + hung.waitingCount > 0 && waited < 10_000; waited += 100) await new Promise((resolve) => setTimeout(resolve, 100));
    assert.deepEqual([hung.totalCount, hung.waitingCount], [0, 0], "no connection or caller left waiting");
  } finally {
    await hung.end().catch(() => {});
    for (const socket of sockets) socket.destroy();
    silent.close();
  }
});

test("a database that stops answering on a connection the pool made before the store: the claim fails within the query timeout, the connection is dropped, and the store works again once it answers", { skip: SKIP, timeout: LIMIT }, async () => {
  const { PostgresDeliveryStore } = await import(pathToFileURL(join(WORK, "node_modules", "realtimekit-webhooks", "postgres.js")));
  const { default: pg } = await import(pathToFileURL(join(WORK, "node_modules", "pg", "lib", "index.js")));
  const { createServer, connect } = await import("node:net");
  // A proxy to the database that, frozen, passes nothing either way (a partition).
  let frozen = false;
  const sockets = new Set();
  const proxy = createServer((downstream) => {
    const upstream = connect(Number(new URL(postgres.url).port), "127.0.0.1");
    for (const socket of [downstream, upstream]) { sockets.add(socket); socket.on("error", () => {}); }
    downstream.on("data", (chunk) => { if (!frozen) upstream.write(chunk); });
    upstream.on("data", (chunk) => { if (!frozen) downstream.write(chunk); });
    downstream.on("close", () => upstream.destroy());
    upstream.on("close", () => downstream.destroy());
  });
  await new Promise((resolve) => proxy.listen(0, "127.0.0.1", resolve));
  const url = new URL(postgres.url);
  url.port = String(proxy.address().port);
  const warm = new pg.Pool({ connectionString: url.href, max: 1 });
  try {
    await warm.query("SELECT 1"); // a connection made before the store (a health check)
    const store = new PostgresDeliveryStore(warm, { table: "frozen_deliveries" });
    await store.migrate();
    const key = (n) => ({ id: `frozen-${n}`, bodyHash: "h", replayKey: null, event: "meeting.started", webhookId: null });
    frozen = true;
    await assert.rejects(store.claim(key(1), "o", 10_000), /timeout/i, "the query timeout, not a hang");
    assert.equal(warm.totalCount, 0, "the connection that stopped answering was dropped, not lent again");
    frozen = false;
    assert.equal(await store.claim(key(2), "o", 10_000), "claimed", "a new connection once the database answers");
  } finally {
    await warm.end().catch(() => {});
    for (const socket of sockets) socket.destroy();
    proxy.close();
  }
});

test("PostgresDeliveryStore.prune forgets done deliveries, and claims and releases left behind, last touched before its time; nothing newer", { skip: SKIP }, async () => {
  const { PostgresDeliveryStore } = await import(pathToFileURL(join(WORK, "node_modules", "realtimekit-webhooks", "postgres.js")));
  const store = new PostgresDeliveryStore(pool, { table: "pruned_deliveries" });
  await store.migrate();
  const now = Date.now();
  const week = 7 * 86_400_000;
  const rows = [["old-done", "done", null, now - 2 * week], ["old-handling", "handling", now - 2 * week, now - 2 * week], ["old-queued", "queued", null, now - 2 * week],
    ["new-done", "done", null, now], ["new-handling", "handling", now + 60_000, now - 2 * week + 1]];
  for (const [id, state, leaseUntil, updatedAt] of rows) {
    await pool.query(`INSERT INTO pruned_deliveries (id, body_hash, event, state, lease_until, received_at, updated_at) VALUES ($1, 'h', 'meeting.started', $2, $3, $4, $4)`, [id, state, leaseUntil, updatedAt]);
  }
  await store.prune(now - week);
  const left = (await pool.query("SELECT id FROM pruned_deliveries ORDER BY id")).rows.map((r) => r.id);
  assert.deepEqual(left, ["new-done", "new-handling"], "a claim whose lease still holds stays, whenever it was made");
  await store.prune(now + 86_400_000); // a time to come: no lease that holds now is pruned
  assert.deepEqual((await pool.query("SELECT id FROM pruned_deliveries ORDER BY id")).rows.map((r) => r.id), ["new-handling"]);
  for (const before of [undefined, null, Number.NaN, Infinity, "abc", -1e300]) await assert.rejects(store.prune(before), { name: "ValidationError" });
});

test("PostgresDeliveryStore: READ COMMITTED whatever the database's default; a row held by a frozen transaction stalls its delivery for seconds, never the pool; any table name", { skip: SKIP, timeout: LIMIT }, async () => {
  const { PostgresDeliveryStore } = await import(pathToFileURL(join(WORK, "node_modules", "realtimekit-webhooks", "postgres.js")));
  const { default: pg } = await import(pathToFileURL(join(WORK, "node_modules", "pg", "lib", "index.js")));
  const keyOf = (n) => ({ id: `iso-${n}-${crypto.randomUUID()}`, bodyHash: `h-${n}-${Math.random()}`, replayKey: null, event: "meeting.started", webhookId: null });

  // A database whose default isolation is SERIALIZABLE: 100 distinct claims, 20 at once, all claimed.
  await pool.query("ALTER DATABASE postgres SET default_transaction_isolation = 'serializable'");
  const serializable = new pg.Pool({ connectionString: postgres.url, max: 20 });
  try {
    const store = new PostgresDeliveryStore(serializable, { table: "iso_deliveries" });
    await store.migrate();
    const keys = Array.from({ length: 100 }, (_, n) => keyOf(n));
    const answers = [];
    for (let at = 0; at < keys.length; at += 20) answers.push(...await Promise.all(keys.slice(at, at + 20).map((k) => store.claim(k, "o", 10_000))));
    assert.deepEqual([...new Set(answers)], ["claimed"]);
  } finally {
    await serializable.end();
    await pool.query("ALTER DATABASE postgres RESET default_transaction_isolation");
  }

  // A transaction that inserted a delivery's row and never ends (a process frozen mid-claim).
  const small = new pg.Pool({ connectionString: postgres.url, max: 2 });
  const holder = new pg.Client({ connectionString: postgres.url });
  await holder.connect();
  try {
    const store = new PostgresDeliveryStore(small, { table: "held_deliveries" });
    await store.migrate();
    const held = keyOf("held");
    await holder.query("BEGIN");
    await holder.query(`INSERT INTO "held_deliveries" (id, body_hash, event, state, received_at, updated_at) VALUES ($1, $2, 'meeting.started', 'queued', 0, 0)`, [held.id, held.bodyHash]);
    const started = Date.now();
    await assert.rejects(store.claim(held, "next", 60_000), /lock timeout|canceling statement/);
    const waited = Date.now() - started;
    assert.ok(waited < 9000, `gave up after ${waited} ms, below the receiver's 10 s`);
    // Meanwhile the pool still serves other deliveries.
    assert.deepEqual(await Promise.all([1, 2, 3].map((n) => store.claim(keyOf(`other-${n}`), "o", 10_000))), ["claimed", "claimed", "claimed"]);
  } finally {
    await holder.query("ROLLBACK").catch(() => {});
    await holder.end();
    await small.end();
  }

  // Names that are SQL words, and one table named two ways at once.
  for (const table of ["order", "user"]) {
    const store = new PostgresDeliveryStore(pool, { table });
    await store.migrate();
    assert.equal(await store.claim(keyOf(table), "o", 10_000), "claimed");
  }
  await Promise.all(["spelled", "public.spelled", "spelled", "public.spelled"].map((table) => new PostgresDeliveryStore(pool, { table }).migrate()));
});
