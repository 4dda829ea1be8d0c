// realtimekit-webhooks/d1: receiving on Cloudflare, with D1 (and Queues).
//
// - D1DeliveryStore: a DeliveryStore in D1, so that every isolate of a Worker
//   de-duplicates through one table (the `deliveries` table that the
//   package's migrations/ make: apply them with `wrangler d1 migrations
//   apply`). With `new WebhookReceiver({ store })`, a Worker that handles
//   deliveries in their request.
// - durableReceiver({ on, ... }): the whole receiver on Queues + D1, as a
//   Worker's `{ fetch, queue, scheduled }`:
//     fetch:     read (bounded), verify, record in D1, enqueue, 202; a
//                delivery is a repeat only once it is done;
//     queue:     handle once (the store's owned, renewed lease), retry with
//                backoff, and after max_retries the dead-letter queue;
//     DLQ queue: the delivery is marked dead in D1 (body and last error kept);
//     scheduled: enqueue what was recorded but never handled (a lost
//                message), and forget done deliveries past their retention;
//     /admin/*:  only with an ADMIN_TOKEN secret: list, show, stats, redrive.
//
// Not in the browser entries: a Worker imports it by name
// ("realtimekit-webhooks/d1"), which brings the receiving module
// (realtimekit-webhooks/receive), not the client's.
import { PayloadError, SignatureError, ValidationError, WebhookReceiver, deliveryKey, readDeliveryBody } from "realtimekit-webhooks/receive";
import { STATEMENTS, args, reason, sql, unclaimed } from "./sql.js";

/** The table the migrations make. */
const TABLE = "deliveries";

/** `STATEMENTS[name]` bound to `values`, on `db`. */
const statement = (db, name, ...values) => db.prepare(sql(STATEMENTS[name], TABLE, true)).bind(...values);

/**
 * A DeliveryStore in a D1 database: one row per delivery, keyed on its
 * rtk-uuid and its body's hash, unique on its replay key; claims owned, with
 * leases. D1 runs each batch alone, so a claim (record, take, read) is atomic.
 * It also keeps what durableReceiver needs: the body, the attempts, the dead.
 */
export class D1DeliveryStore {
  #db;

  /** `db` is the D1 binding (`env.DB`), its tables made by the package's migrations. */
  constructor(db) {
    if (db === null || typeof db !== "object" || typeof db.prepare !== "function" || typeof db.batch !== "function") {
      throw new ValidationError("db: must be a D1 database binding, such as env.DB", "db");
    }
    this.#db = db;
  }

  // The DeliveryStore.

  async claim(key, owner, leaseMs) {
    const now = Date.now();
    const db = this.#db;
    const [, claimed, found] = await db.batch([
      statement(db, "insert", ...args(key, now, key.webhookId ?? null, key.event)),
      statement(db, "claim", ...args(key, now, owner, now + leaseMs)),
      statement(db, "state", ...args(key, now).slice(0, 3)),
    ]);
    return claimed.results.length > 0 ? "claimed" : unclaimed(found.results[0]);
  }

  async renew(key, owner, leaseMs) {
    const now = Date.now();
    return this.#changed("renew", ...args(key, now, owner, now + leaseMs));
  }

  async complete(key, owner) {
    return this.#changed("complete", ...args(key, Date.now(), owner));
  }

  async release(key, owner, why) {
    return this.#changed("release", ...args(key, Date.now(), owner, reason(why)));
  }

  /** Runs an UPDATE ... RETURNING: whether it changed a row. */
  async #changed(name, ...values) {
    const { results } = await statement(this.#db, name, ...values).all();
    return results.length > 0;
  }

  // What durableReceiver keeps beside the claims.

  /**
   * Records a verified delivery (its raw body's text too) as queued, unless it
   * is recorded already (its own row, a row of the same body under its id from
   * before migration 0002, or the row of the body it replays). Returns that
   * row's `{ id, bodyHash, state, redrives }`.
   *
   * A row from before migration 0002 (its body hash unknown: '') takes the
   * hash now, and a row that a plain `claim` wrote (no body: a WebhookReceiver
   * handling in its request) takes the body, so the queue's consumer can
   * handle either.
   */
  async record(key, body, now = Date.now()) {
    const mine = "(id = ?1 AND (body_hash = ?2 OR (body_hash = '' AND body = ?6)))";
    const [, , , found] = await this.#db.batch([
      this.#db.prepare(`UPDATE OR IGNORE ${TABLE} SET body_hash = ?2 WHERE id = ?1 AND body_hash = '' AND body = ?3`).bind(key.id, key.bodyHash, body),
      this.#db.prepare(`UPDATE ${TABLE} SET body = ?3 WHERE id = ?1 AND body_hash = ?2 AND body = ''`).bind(key.id, key.bodyHash, body),
      this.#db
        .prepare(
          `INSERT INTO ${TABLE} (id, body_hash, replay_key, webhook_id, event, body, state, received_at, updated_at)
           SELECT ?1, ?2, ?3, ?4, ?5, ?6, 'queued', ?7, ?7
           WHERE NOT EXISTS (SELECT 1 FROM ${TABLE} WHERE ${mine} OR replay_key = ?3)
           ON CONFLICT DO NOTHING`,
        )
        .bind(key.id, key.bodyHash, key.replayKey ?? null, key.webhookId ?? null, key.event, body, now),
      this.#db
        .prepare(`SELECT id, body_hash AS bodyHash, state, redrives FROM ${TABLE} WHERE ${mine} OR replay_key = ?3 ORDER BY ${mine} DESC, received_at LIMIT 1`)
        .bind(key.id, key.bodyHash, key.replayKey ?? null, null, null, body),
    ]);
    const row = found.results[0];
    if (!row) throw new Error(`delivery ${key.id} was neither recorded nor found`);
    return row;
  }

  /**
   * The delivery `id` with body hash `bodyHash` (when null: its oldest row):
   * `{ delivery, key }` as verify and deliveryKey give them, or null when
   * there is none, or no body to handle (a row a plain `claim` wrote: its
   * sender sends it again, and `record` keeps the body then). A row from
   * before migration 0002 takes its body's hash now.
   */
  async find(id, bodyHash) {
    const row = await this.#db
      .prepare(`SELECT id, body_hash, replay_key, webhook_id, event, body FROM ${TABLE} WHERE id = ?1 AND (?2 IS NULL OR body_hash = ?2) ORDER BY received_at LIMIT 1`)
      .bind(id, bodyHash ?? null)
      .first();
    if (!row || row.body === "") return null;
    const delivery = { id: row.id, webhookId: row.webhook_id, event: row.event, payload: JSON.parse(row.body) };
    if (row.body_hash === "") {
      const key = await deliveryKey(delivery, row.body);
      await this.#db.prepare(`UPDATE OR IGNORE ${TABLE} SET body_hash = ?2 WHERE id = ?1 AND body_hash = ''`).bind(row.id, key.bodyHash).run();
      return { delivery, key };
    }
    return { delivery, key: { id: row.id, bodyHash: row.body_hash, replayKey: row.replay_key, event: row.event, webhookId: row.webhook_id } };
  }

  /**
   * Marks a delivery that kept failing dead (not one done, nor one whose
   * handlers run now under a live lease): only as it was when the caller
   * decided so, redriven `redrives` times (the dead-letter queue's message
   * says) and with at least `minAttempts` attempts (the sweeper's count), so a
   * decision from before a redrive does not undo it.
   */
  async deadLetter(id, bodyHash, { redrives, minAttempts = 0 } = {}, now = Date.now()) {
    await this.#db
      .prepare(
        `UPDATE ${TABLE} SET state = 'dead', lease_until = NULL, updated_at = ?3
         WHERE id = ?1 AND (?2 IS NULL OR body_hash = ?2) AND (state = 'queued' OR (state = 'handling' AND lease_until < ?3))
           AND (?4 IS NULL OR redrives = ?4) AND attempts >= ?5`,
      )
      .bind(id, bodyHash ?? null, now, redrives ?? null, minAttempts)
      .run();
  }

  /**
   * Deliveries not done and untouched since `before` (queued, or handling with
   * a lapsed lease): their message may be lost. Not those with no body (a
   * plain `claim` wrote them: their sender sends them again).
   */
  async unfinished(before, limit = 500) {
    const { results } = await this.#db
      .prepare(
        `SELECT id, body_hash AS bodyHash, attempts, redrives FROM ${TABLE}
         WHERE ((state = 'queued' AND updated_at <= ?1) OR (state = 'handling' AND lease_until <= ?1)) AND body <> ''
         ORDER BY updated_at LIMIT ?2`,
      )
      .bind(before, limit)
      .all();
    return results;
  }

  /** Marks a delivery as just enqueued again (so the next sweep leaves it a while). */
  async touch(id, bodyHash, now = Date.now()) {
    await this.#db.prepare(`UPDATE ${TABLE} SET updated_at = ?3 WHERE id = ?1 AND body_hash = ?2`).bind(id, bodyHash, now).run();
  }

  /** Forgets done deliveries handled before `before`; the dead stay until redriven. */
  async prune(before) {
    await this.#db.prepare(`DELETE FROM ${TABLE} WHERE state = 'done' AND updated_at < ?1`).bind(before).run();
  }

  // Operations (durableReceiver's admin API).

  /** Deliveries, newest first, without their bodies: of a `state`, an `event`, received `since` (ms), at most `limit`. */
  async list({ state, event, since, limit = 50 } = {}) {
    const { results } = await this.#db
      .prepare(
        `SELECT ${SUMMARY} FROM ${TABLE}
         WHERE (?1 IS NULL OR state = ?1) AND (?2 IS NULL OR event = ?2) AND (?3 IS NULL OR received_at >= ?3)
         ORDER BY received_at DESC LIMIT ?4`,
      )
      .bind(state ?? null, event ?? null, since ?? null, limit)
      .all();
    return results;
  }

  /** The deliveries of rtk-uuid `id` (one per body), their bodies included. */
  async show(id) {
    const { results } = await this.#db.prepare(`SELECT ${SUMMARY}, body FROM ${TABLE} WHERE id = ?1 ORDER BY received_at`).bind(id).all();
    return results;
  }

  /** Counts by state and by event, and how long the oldest delivery not done (queued or handling) has waited. */
  async stats(now = Date.now()) {
    const [states, events, oldest] = await this.#db.batch([
      this.#db.prepare(`SELECT state, COUNT(*) AS n FROM ${TABLE} GROUP BY state`),
      this.#db.prepare(`SELECT event, state, COUNT(*) AS n FROM ${TABLE} GROUP BY event, state`),
      this.#db.prepare(`SELECT MIN(received_at) AS at FROM ${TABLE} WHERE state IN ('queued', 'handling')`),
    ]);
    return statsOf(states.results, events.results, oldest.results[0]?.at, now);
  }

  /**
   * Queues dead deliveries again, attempts from zero: one (`id`, and
   * `bodyHash` when it has several bodies) or every one dead `since` (ms).
   * Only a dead delivery moves, in one statement, so two redrives at once
   * move it once; the others are told why not. Returns `{ redriven, skipped }`.
   */
  async redrive({ id, bodyHash, since }, now = Date.now()) {
    const which = id === undefined ? "(?3 IS NULL OR updated_at >= ?3)" : "id = ?1 AND (?2 IS NULL OR body_hash = ?2)";
    const [moved, rest] = await this.#db.batch([
      this.#db
        .prepare(
          `UPDATE ${TABLE} SET state = 'queued', attempts = 0, last_error = NULL, lease_until = NULL, updated_at = ?4, redrives = redrives + 1
           WHERE state = 'dead' AND ${which} RETURNING id, body_hash AS bodyHash, event, redrives`,
        )
        .bind(id ?? null, bodyHash ?? null, since ?? null, now),
      this.#db.prepare(`SELECT id, body_hash AS bodyHash, state FROM ${TABLE} WHERE ?1 IS NOT NULL AND id = ?1 AND (?2 IS NULL OR body_hash = ?2)`).bind(id ?? null, bodyHash ?? null),
    ]);
    const redriven = moved.results;
    const skipped = rest.results
      .filter((row) => !redriven.some((r) => r.id === row.id && r.bodyHash === row.bodyHash))
      .map((row) => ({ ...row, why: NOT_REDRIVEN[row.state] }));
    return { redriven, skipped };
  }
}

/** The columns a listing shows. */
const SUMMARY = "id, body_hash AS bodyHash, webhook_id AS webhookId, event, state, attempts, last_error AS lastError, received_at AS receivedAt, updated_at AS updatedAt";

/** Why a delivery of this state is not redriven. */
const NOT_REDRIVEN = {
  done: "it was handled: a done delivery is not run again",
  queued: "it is not dead: it is queued (a redrive already moved it, or it is waiting for a retry)",
  handling: "it is not dead: its handlers are running now",
};

/** `stats` of the counts by state and by event (and state), and the oldest waiting delivery. */
function statsOf(states, events, oldestAt, now) {
  const byState = { queued: 0, handling: 0, done: 0, dead: 0 };
  for (const { state, n } of states) byState[state] = Number(n);
  const byEvent = {};
  for (const { event, state, n } of events) (byEvent[event] ??= { queued: 0, handling: 0, done: 0, dead: 0 })[state] = Number(n);
  const total = Object.values(byState).reduce((a, b) => a + b, 0);
  return { total, byState, byEvent, oldestPendingMs: oldestAt == null ? null : Math.max(0, now - Number(oldestAt)) };
}

// ---- durableReceiver ------------------------------------------------------------------

/** What durableReceiver reads of the Worker's env, with its defaults. */
function settings(env) {
  const number = (name, fallback) => (env[name] === undefined || env[name] === "" ? fallback : Number(env[name]));
  return {
    leaseMs: number("LEASE_MS", 60_000),
    retryDelaySeconds: number("RETRY_DELAY_SECONDS", 10),
    maxAttempts: number("MAX_ATTEMPTS", 6),
    sweepAfterMs: number("SWEEP_AFTER_MS", 10 * 60_000),
    maxBodyBytes: number("MAX_BODY_BYTES", 1024 * 1024),
    retentionMs: number("RETENTION_DAYS", 30) * 86_400_000,
  };
}

const DURABLE_OPTIONS = ["on", "onAny", "onUnknown", "onError", "db", "queue", "deadLetterQueue"];

/**
 * A durable receiver for a Worker: `export default durableReceiver({ on: {
 * "meeting.ended": (delivery, { env }) => ... } })`. Its settings come from
 * the Worker's env (see the README: RTK_PUBLIC_KEY or RTK_KEY_URL,
 * LEASE_MS, RETRY_DELAY_SECONDS, MAX_ATTEMPTS, SWEEP_AFTER_MS,
 * MAX_BODY_BYTES, RETENTION_DAYS, ADMIN_TOKEN); its bindings are named by
 * `db` ("DB"), `queue` ("DELIVERIES") and `deadLetterQueue`
 * ("rtk-deliveries-dlq", the queue's name).
 */
export function durableReceiver(options) {
  if (options === null || typeof options !== "object" || Array.isArray(options)) {
    throw new ValidationError("options: must be an object, such as { on: { \"meeting.ended\": handler } }", "options");
  }
  for (const key of Object.keys(options)) {
    if (!DURABLE_OPTIONS.includes(key)) throw new ValidationError(`${key}: is not an option of durableReceiver (${DURABLE_OPTIONS.join(", ")})`, key);
  }
  const { on = {}, onAny, onUnknown, onError, db: dbName = "DB", queue: queueName = "DELIVERIES", deadLetterQueue = "rtk-deliveries-dlq" } = options;
  if (on === null || typeof on !== "object") throw new ValidationError("on: must be an object of handlers by event name", "on");
  // The handlers are registered on a throwaway receiver now (it fetches no
  // key until used), so that a bad one fails at once, not at the first delivery.
  register(new WebhookReceiver(), on, onAny, onUnknown);

  let receiver;
  /** One receiver per isolate: its verifier caches the key; its store is the env's D1. */
  const receiverFor = (env) => {
    if (receiver) return receiver;
    const { leaseMs, maxBodyBytes } = settings(env);
    const key = env.RTK_PUBLIC_KEY
      ? { publicKey: env.RTK_PUBLIC_KEY } // a given key (keygen's, to test with `trigger`)
      : { keyURL: env.RTK_KEY_URL || undefined, keyCooldown: env.RTK_KEY_COOLDOWN_MS ? Number(env.RTK_KEY_COOLDOWN_MS) : undefined };
    receiver = register(
      new WebhookReceiver({
        ...key,
        maxBodyBytes,
        leaseMs,
        store: new D1DeliveryStore(binding(env, dbName)),
        onError: onError ?? ((error, result) => console.error(`${result.outcome} ${result.delivery?.id ?? ""}:`, error)),
      }),
      on,
      onAny,
      onUnknown,
    );
    return receiver;
  };

  return {
    async fetch(request, env, ctx) {
      const url = new URL(request.url);
      if (url.pathname === ADMIN || url.pathname.startsWith(`${ADMIN}/`)) return admin(request, url, env, binding(env, dbName), binding(env, queueName));
      if (request.method !== "POST") return text(405, "POST RealtimeKit webhook deliveries here.", { allow: "POST" });
      const { verifier, maxBodyBytes } = receiverFor(env);
      let body;
      try {
        body = await readDeliveryBody(request, maxBodyBytes); // stops (and cancels the stream) past the limit
      } catch (error) {
        if (error instanceof PayloadError) return text(400, "malformed: not a webhook delivery");
        console.error("could not read a delivery:", error); // the body broke off
        return text(503, "unreadable");
      }
      let delivery;
      try {
        delivery = await verifier.verifyBody(body, request.headers);
      } catch (error) {
        if (error instanceof SignatureError) return text(401, "forged: the signature does not verify");
        if (error instanceof PayloadError) return text(400, "malformed: not a webhook delivery");
        console.error("could not verify a delivery:", error); // the key is unavailable
        return text(503, "key-unavailable");
      }
      try {
        const key = await deliveryKey(delivery, body);
        const recorded = await new D1DeliveryStore(binding(env, dbName)).record(key, new TextDecoder().decode(body));
        if (recorded.state === "done" || recorded.state === "dead") return text(200, "repeat");
        // Not done: enqueue it, even if it was enqueued before (that message may be lost).
        await binding(env, queueName).send(message(recorded));
        return text(202, "queued");
      } catch (error) {
        // D1 or the queue failed. The delivery may be recorded: its retry finds it not done and enqueues it.
        console.error("could not record or enqueue a delivery:", error);
        return text(503, "store-failed");
      }
    },

    async queue(batch, env, ctx) {
      const store = new D1DeliveryStore(binding(env, dbName));
      if (batch.queue === deadLetterQueue) {
        for (const message of batch.messages) {
          try {
            // As it was when this message was sent: not if it was redriven since.
            await store.deadLetter(message.body.id, message.body.bodyHash, { redrives: message.body.redrives ?? 0 });
            message.ack();
          } catch (error) {
            console.error(`could not mark ${message.body.id} dead:`, error);
            message.retry();
          }
        }
        return;
      }
      const { retryDelaySeconds } = settings(env);
      const receiver = receiverFor(env);
      // One message at a time, each acked or retried on its own (throwing
      // would retry the whole batch, handled messages too).
      for (const message of batch.messages) {
        const retry = () => message.retry({ delaySeconds: backoff(retryDelaySeconds, message.attempts) });
        let found;
        try {
          found = await store.find(message.body.id, message.body.bodyHash);
        } catch (error) {
          console.error(`could not read ${message.body.id}:`, error);
          retry();
          continue;
        }
        if (!found) {
          message.ack(); // not recorded, or with no body to handle: nothing to do here
          continue;
        }
        let result;
        try {
          result = await receiver.handleOnce(found.delivery, found.key, { env, ctx });
        } catch (error) {
          // Only this message is retried (throwing would retry the whole batch).
          console.error(`could not handle ${message.body.id}:`, error);
          retry();
          continue;
        }
        // handled; repeat (done or dead); in-progress (the consumer that holds
        // its lease has its own message): nothing more to do here. A failure
        // was released for the retry; after max_retries the queue moves it to
        // the dead-letter queue.
        if (result.outcome === "handler-failed" || result.outcome === "store-failed") retry();
        else message.ack();
      }
    },

    async scheduled(controller, env, ctx) {
      const { maxAttempts, sweepAfterMs, retentionMs } = settings(env);
      const store = new D1DeliveryStore(binding(env, dbName));
      const now = Date.now();
      let failed = 0;
      try {
        for (const row of await store.unfinished(now - sweepAfterMs)) {
          // Each on its own: one that cannot be sent does not stop the others, nor the pruning.
          try {
            if (row.attempts >= maxAttempts) {
              await store.deadLetter(row.id, row.bodyHash, { minAttempts: maxAttempts, redrives: row.redrives }, now);
            } else {
              await store.touch(row.id, row.bodyHash, now);
              await binding(env, queueName).send(message(row));
            }
          } catch (error) {
            failed++;
            console.error(`the sweeper could not send ${row.id} again:`, error);
          }
        }
      } finally {
        await store.prune(now - retentionMs);
      }
      if (failed > 0) console.error(`the sweeper could not send ${failed} deliveries again: the next run tries them again`);
    },
  };
}

/** Registers `on` (event name to a handler or a list of them), `onAny` and `onUnknown` on `receiver`; returns it. */
function register(receiver, on, onAny, onUnknown) {
  for (const [event, handlers] of Object.entries(on)) {
    for (const handler of Array.isArray(handlers) ? handlers : [handlers]) receiver.on(event, handler);
  }
  if (onAny !== undefined) receiver.onAny(onAny);
  if (onUnknown !== undefined) receiver.onUnknown(onUnknown);
  return receiver;
}

/** The env's binding `name`, or an error that says to add it to wrangler.toml. */
function binding(env, name) {
  const value = env?.[name];
  if (value === undefined || value === null) {
    throw new ValidationError(`env.${name}: this Worker has no ${name} binding: add it to wrangler.toml (see \`realtimekit-webhooks init worker\`)`, name);
  }
  return value;
}

/** A delivery's queue message: its row, and how many times it was redriven (see deadLetter). */
function message({ id, bodyHash, redrives }) {
  return { id, bodyHash, redrives: redrives ?? 0 };
}

/** Seconds before retry `attempt` (1, 2, ...): `base`, doubling, at most an hour. */
function backoff(base, attempt) {
  return Math.min(base * 2 ** Math.max(0, attempt - 1), 3600);
}

function text(status, body, headers = {}) {
  return new Response(`${body}\n`, { status, headers: { "content-type": "text/plain; charset=utf-8", ...headers } });
}

// ---- the admin API ----------------------------------------------------------------------

/** Where the admin API lives, when ADMIN_TOKEN is set. */
const ADMIN = "/admin";

/**
 * The admin API: only when the ADMIN_TOKEN secret is set (otherwise its
 * routes do not exist: 404), and only for `Authorization: Bearer <token>`
 * (else 401; the token compared in constant time).
 *   GET  /admin/deliveries?state=&event=&since=&limit=   the list, newest first
 *   GET  /admin/deliveries/<rtk-uuid>                     one, its bodies included
 *   GET  /admin/stats                                     counts, and the oldest waiting
 *   POST /admin/redrive  { id, bodyHash? } | { all: true, since? }
 */
async function admin(request, url, env, db, queue) {
  if (typeof env.ADMIN_TOKEN !== "string" || env.ADMIN_TOKEN === "") return json(404, { error: "not found" });
  const given = /^Bearer (.+)$/.exec(request.headers.get("authorization") ?? "")?.[1] ?? "";
  if (!(await sameSecret(given, env.ADMIN_TOKEN))) {
    return json(401, { error: "give the admin token: Authorization: Bearer <ADMIN_TOKEN>" }, { "www-authenticate": "Bearer" });
  }
  const store = new D1DeliveryStore(db);
  const route = url.pathname.slice(ADMIN.length);
  try {
    const query = (name) => url.searchParams.get(name) || undefined;
    if (request.method === "GET" && route === "/deliveries" && query("id") === undefined) {
      const limit = query("limit") === undefined ? 50 : Number(query("limit"));
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000) return json(400, { error: "limit: a whole number from 1 to 1000" });
      const since = time(query("since"));
      if (Number.isNaN(since)) return json(400, { error: "since: ms since the epoch, or an ISO date" });
      return json(200, { deliveries: await store.list({ state: query("state"), event: query("event"), since, limit }) });
    }
    // One delivery: /admin/deliveries/<rtk-uuid>, or ?id= (an id such as ".." is no path segment).
    if (request.method === "GET" && (route === "/deliveries" || route.startsWith("/deliveries/"))) {
      let id = query("id");
      if (id === undefined) {
        try {
          id = decodeURIComponent(route.slice("/deliveries/".length));
        } catch {
          return json(400, { error: "the rtk-uuid is not a well-formed URL path segment" });
        }
      }
      if (id.length > MAX_ID) return json(404, { error: "no delivery has this rtk-uuid" });
      const deliveries = await store.show(id);
      return deliveries.length > 0 ? json(200, { deliveries }) : json(404, { error: "no delivery has this rtk-uuid" });
    }
    if (request.method === "GET" && route === "/stats") return json(200, await store.stats());
    if (request.method === "POST" && route === "/redrive") {
      const asked = await request.json().catch(() => null);
      const one = typeof asked?.id === "string" && asked.id !== "" && asked.id.length <= MAX_ID;
      const since = time(asked?.since);
      if ((!one && asked?.all !== true) || Number.isNaN(since) || (asked.bodyHash !== undefined && typeof asked.bodyHash !== "string")) {
        return json(400, { error: "give { id } (and bodyHash when it has several bodies), or { all: true } (and since: ms or an ISO date)" });
      }
      const result = await store.redrive(one ? { id: asked.id, bodyHash: asked.bodyHash } : { since });
      if (one && result.redriven.length === 0 && result.skipped.length === 0) return json(404, { error: "no delivery has this rtk-uuid" });
      // Queued in D1 first: a send that fails leaves them queued, and the sweeper sends them.
      try {
        for (let at = 0; at < result.redriven.length; at += 100) {
          await queue.sendBatch(result.redriven.slice(at, at + 100).map((row) => ({ body: message(row) })));
        }
      } catch (error) {
        console.error("admin: redriven, but the queue refused them:", error);
        return json(503, {
          error: "redriven (queued again in D1), but the queue refused them: the sweeper sends them within SWEEP_AFTER_MS; a redrive now would find them queued",
          ...result,
        });
      }
      return json(200, result);
    }
    return json(404, { error: "not found" });
  } catch (error) {
    console.error("admin:", error);
    return json(503, { error: "the store failed: try again" });
  }
}

/** The longest rtk-uuid a delivery can have (as the verifier takes them). */
const MAX_ID = 256;

/** A time given as ms since the epoch or an ISO date, as ms: undefined when none, NaN when unreadable (or past any date). */
function time(value) {
  if (value === undefined || value === null || value === "") return undefined;
  const ms = typeof value === "number" ? value : /^\d+$/.test(String(value)) ? Number(value) : Date.parse(String(value));
  return Number.isFinite(ms) && Math.abs(ms) <= 8.64e15 ? ms : NaN;
}

/** Whether two secrets are the same, in time that does not depend on where they differ (their SHA-256s compared whole). */
async function sameSecret(given, expected) {
  const digest = async (text) => new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
  const [a, b] = await Promise.all([digest(given), digest(expected)]);
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= a[i] ^ b[i];
  return difference === 0;
}

function json(status, value, headers = {}) {
  return Response.json(value, { status, headers });
}
