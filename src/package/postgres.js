// realtimekit-webhooks/postgres: PostgresDeliveryStore, a DeliveryStore in
// PostgreSQL, so that every process of a Node fleet de-duplicates through one
// table. It runs its SQL on the `pg` pool the app passes in (the `pg`
// package is an optional peer dependency: nothing of it is bundled here).
//
// The table is the one D1DeliveryStore keeps (sql.js: one row per delivery,
// keyed on its rtk-uuid and its body's hash, unique on its replay key; claims
// owned, with leases). A claim is one transaction (READ COMMITTED, whatever
// the database's default); two at once serialise on the row (and on the
// unique keys for a delivery not recorded yet). Every transaction gives up on
// a lock after LOCK_TIMEOUT and on a statement after STATEMENT_TIMEOUT, so a
// process that froze holding a row stalls that delivery for seconds, never
// the pool; the receiver answers 503 and the delivery comes back. Leases are
// the processes' clocks: keep them in step (NTP), well within a lease.
import { ValidationError } from "realtimekit-webhooks/receive";
import { STATEMENTS, args, reason, sql, unclaimed } from "./sql.js";

/** How long a statement waits for a row another transaction holds, and runs at most (below the receiver's 10 s for a store call). */
const LOCK_TIMEOUT = "4s";
const STATEMENT_TIMEOUT = "8s";
/** A connection that took longer than this to get is given back unused: the receiver has given up on the call by then. */
const STALE_MS = 8000;
/**
 * The "error" listener of the pool (added once per pool) and of each
 * connection the store holds. `pg` emits "error" when a connection ends (the
 * database restarted, a failover, a terminated backend): with no listener
 * that event ends the process, every receiver of a fleet at once. The pool
 * listens to its idle connections only, so the store listens to the ones it
 * has checked out too. The query under way fails (503: the delivery comes
 * back) and the pool connects again. An app that logs these adds its own
 * listener too.
 */
const CONNECTION_ENDED = () => {};
/**
 * A connect that never answers (a database that accepts and says nothing)
 * would hold a slot of the pool for good, and a query its connection: the
 * store gives a pool with no `connectionTimeoutMillis` this one, and each of
 * its queries this `query_timeout` (per query, so connections the pool made
 * before the store have it too).
 */
const CONNECT_TIMEOUT_MS = 8000;
const QUERY_TIMEOUT_MS = 10_000;
/** How long `migrate()` waits for another process's (a fleet starting at once on a slow database). */
const MIGRATE_WAIT_MS = 60_000;

/** Every transaction's start. */
const BEGIN = `BEGIN ISOLATION LEVEL READ COMMITTED; SET LOCAL lock_timeout = '${LOCK_TIMEOUT}'; SET LOCAL statement_timeout = '${STATEMENT_TIMEOUT}'`;

/** The table made by `migrate()`, `{t}` for its name. */
const SCHEMA = `CREATE TABLE IF NOT EXISTS {t} (
  id TEXT NOT NULL,                 -- rtk-uuid: retries of a delivery share it
  body_hash TEXT NOT NULL,          -- SHA-256 of the raw body: with id, the delivery
  replay_key TEXT UNIQUE,           -- = body_hash where replays are checked (NULL: not checked)
  webhook_id TEXT,
  event TEXT NOT NULL,
  body TEXT NOT NULL DEFAULT '',
  state TEXT NOT NULL CHECK (state IN ('queued', 'handling', 'done', 'dead')),
  attempts INTEGER NOT NULL DEFAULT 0,
  lease_owner TEXT,                 -- the token of the attempt that claimed it last
  lease_until BIGINT,               -- ms since the epoch: no other attempt takes it before (renewed while it runs)
  last_error TEXT,
  received_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (id, body_hash)
)`;

/**
 * A DeliveryStore in PostgreSQL, over a `pg` Pool (`new pg.Pool({ ... })`):
 * `new PostgresDeliveryStore(pool)`, then `await store.migrate()` once at
 * start-up (it makes the table if it is not there). A pool given no
 * `connectionTimeoutMillis` or `query_timeout` gets CONNECT_TIMEOUT_MS and
 * QUERY_TIMEOUT_MS.
 */
export class PostgresDeliveryStore {
  #pool;
  #table;

  /** `pool` is a `pg` Pool; `table` names the table (default "rtk_deliveries"). */
  constructor(pool, options = {}) {
    if (pool === null || typeof pool !== "object" || typeof pool.query !== "function" || typeof pool.connect !== "function") {
      throw new ValidationError("pool: must be a pg Pool (new pg.Pool({ connectionString }))", "pool");
    }
    if (options === null || typeof options !== "object") throw new ValidationError("options: must be an object", "options");
    for (const key of Object.keys(options)) {
      if (key !== "table") throw new ValidationError(`${key}: is not an option of PostgresDeliveryStore (table)`, key);
    }
    const { table = "rtk_deliveries" } = options;
    if (typeof table !== "string" || !/^[A-Za-z_][A-Za-z0-9_]{0,62}(\.[A-Za-z_][A-Za-z0-9_]{0,62})?$/.test(table)) {
      throw new ValidationError("table: must be a table name (letters, digits and _, optionally schema.table)", "table");
    }
    if (typeof pool.on === "function" && typeof pool.listeners === "function" && !pool.listeners("error").includes(CONNECTION_ENDED)) {
      pool.on("error", CONNECTION_ENDED);
    }
    // pg-pool reads it at each connect.
    if (pool.options !== null && typeof pool.options === "object") pool.options.connectionTimeoutMillis ||= CONNECT_TIMEOUT_MS;
    this.#pool = pool;
    // Quoted: a name such as "order" is a table, not SQL.
    this.#table = table.split(".").map((part) => `"${part}"`).join(".");
  }

  /** Makes the table if it is not there (safe to run from every process at once: each waits its turn, up to a minute). */
  async migrate() {
    await this.#transaction(async (query) => {
      await query(`SET LOCAL lock_timeout = '${MIGRATE_WAIT_MS}ms'; SET LOCAL statement_timeout = '${MIGRATE_WAIT_MS}ms'`);
      // One process at a time, whatever the table (CREATE ... IF NOT EXISTS alone can collide).
      await query("SELECT pg_advisory_xact_lock(hashtext('realtimekit-webhooks migrate'))");
      await query(sql(SCHEMA, this.#table, false));
    }, MIGRATE_WAIT_MS + 5000);
  }

  async claim(key, owner, leaseMs) {
    const now = Date.now();
    return this.#transaction(async (query) => {
      await query(this.#sql("insert"), args(key, now, key.webhookId ?? null, key.event));
      const claimed = await query(this.#sql("claim"), args(key, now, owner, now + leaseMs));
      return claimed.rowCount > 0 ? "claimed" : unclaimed((await query(this.#sql("state"), args(key, now).slice(0, 3))).rows[0]);
    });
  }

  async renew(key, owner, leaseMs) {
    const now = Date.now();
    return this.#changed("renew", args(key, now, owner, now + leaseMs));
  }

  async complete(key, owner) {
    return this.#changed("complete", args(key, Date.now(), owner));
  }

  async release(key, owner, why) {
    return this.#changed("release", args(key, Date.now(), owner, reason(why)));
  }

  /**
   * Forgets deliveries last touched before `before` (ms since the epoch):
   * done ones, and claims and releases left by then (a process that died, or
   * a store down as a handler ended; RealtimeKit stops sending a delivery
   * again within hours, so a week ago is safe). Run it now and then to bound
   * the table.
   */
  async prune(before) {
    if (typeof before !== "number" || !Number.isFinite(before) || Math.abs(before) > 8.64e15) {
      throw new ValidationError("before: must be a time in ms since the epoch (Date.now() - 7 * 86_400_000, say)", "before");
    }
    // A lease that holds now is never pruned, whatever `before` says.
    const cutoff = Math.min(Math.trunc(before), Date.now());
    await this.#transaction((query) => query(`DELETE FROM ${this.#table} WHERE updated_at < $1 AND state <> 'dead' AND (lease_until IS NULL OR lease_until < $1)`, [cutoff]));
  }

  #sql(name) {
    return sql(STATEMENTS[name], this.#table, false);
  }

  async #changed(name, values) {
    const { rowCount } = await this.#transaction((query) => query(this.#sql(name), values));
    return rowCount > 0;
  }

  /** Runs `work(query)` in one transaction (see BEGIN) on a connection of the pool, each query given `queryTimeout`; rolls back if it throws. */
  async #transaction(work, queryTimeout = QUERY_TIMEOUT_MS) {
    const asked = Date.now();
    const client = await this.#pool.connect();
    if (Date.now() - asked > STALE_MS) {
      client.release();
      throw new Error(`waited ${Date.now() - asked} ms for a connection of the pool (give the pool more connections, or a connectionTimeoutMillis)`);
    }
    // A connection that could not even roll back is broken: the pool drops it rather than lend it again.
    let broken = false;
    client.on("error", CONNECTION_ENDED);
    try {
      const query = (text, values) => client.query({ text, values, query_timeout: queryTimeout });
      await query(BEGIN);
      const result = await work(query);
      await query("COMMIT");
      return result;
    } catch (error) {
      // (A healthy connection rolls back at once: 2 s, not the query timeout again.)
      await client.query({ text: "ROLLBACK", query_timeout: 2000 }).catch(() => {
        broken = true;
      });
      throw error;
    } finally {
      // (A broken one keeps it: it may say more as the pool ends it.)
      if (!broken) client.removeListener("error", CONNECTION_ENDED);
      client.release(broken);
    }
  }
}
