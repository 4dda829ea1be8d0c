// The deliveries table that the SQL stores keep (D1DeliveryStore in d1.js,
// PostgresDeliveryStore in postgres.js): its statements, written once with
// PostgreSQL's `$n` parameters (D1 runs them with SQLite's `?n`), and the
// rules both stores answer a claim by.
//
// One row per delivery, keyed on its rtk-uuid and its body's SHA-256 (the id
// is not signed: the same id with other bytes is another delivery), unique
// on its replay key (a body handled before under another id is a repeat).
// A claim matches the delivery's own row, or the row of its replay key.
//
//   queued --claim--> handling --complete--> done
//     ^                  |
//     +-----release------+        (after too many attempts: dead)
//
// A claim has an owner and a lease the receiver renews while the handlers
// run; only the owner renews, completes or releases it.

/** The delivery's row: its own, or that of its replay key (`$1` id, `$2` body hash, `$3` replay key or null). */
const MATCH = "(id = $1 AND body_hash = $2) OR replay_key = $3";
/** Its own row first, when both match. */
const MINE_FIRST = "ORDER BY (id = $1 AND body_hash = $2) DESC LIMIT 1";
/** The one row a statement acts on. */
const THE_ROW = `(id, body_hash) = (SELECT id, body_hash FROM {t} WHERE ${MATCH} ${MINE_FIRST})`;

/** The statements, `{t}` for the table. */
export const STATEMENTS = {
  /** A delivery not recorded yet, as claimed by a plain store (no body kept): `$4` now, `$5` webhook id, `$6` event. */
  insert: `INSERT INTO {t} (id, body_hash, replay_key, webhook_id, event, body, state, received_at, updated_at)
    SELECT CAST($1 AS TEXT), CAST($2 AS TEXT), CAST($3 AS TEXT), CAST($5 AS TEXT), CAST($6 AS TEXT), '', 'queued', CAST($4 AS BIGINT), CAST($4 AS BIGINT)
    WHERE NOT EXISTS (SELECT 1 FROM {t} WHERE ${MATCH}) ON CONFLICT DO NOTHING`,
  /** Claims it for `$5` until `$6` when it is queued or its lease ran out: a row back when claimed. */
  claim: `UPDATE {t} SET state = 'handling', lease_owner = $5, lease_until = $6, attempts = attempts + 1, updated_at = $4
    WHERE ${THE_ROW} AND (state = 'queued' OR (state = 'handling' AND lease_until < $4)) RETURNING id`,
  /** Its state (after a claim that did not take it). */
  state: `SELECT state FROM {t} WHERE ${MATCH} ${MINE_FIRST}`,
  /** Extends `$5`'s lease to `$6`. */
  renew: `UPDATE {t} SET lease_until = $6, updated_at = $4 WHERE ${THE_ROW} AND lease_owner = $5 AND state = 'handling' RETURNING id`,
  /** Done, by `$5` (again, for a retried write). */
  complete: `UPDATE {t} SET state = 'done', lease_until = NULL, last_error = NULL, updated_at = $4
    WHERE ${THE_ROW} AND lease_owner = $5 AND state IN ('handling', 'done') RETURNING id`,
  /** Queued again for the next attempt, `$6` the reason. */
  release: `UPDATE {t} SET state = 'queued', lease_until = NULL, last_error = $6, updated_at = $4
    WHERE ${THE_ROW} AND lease_owner = $5 AND state = 'handling' RETURNING id`,
};

/** The arguments of a statement about `key` at `now`, then `more`. */
export function args(key, now, ...more) {
  return [key.id, key.bodyHash, key.replayKey ?? null, now, ...more];
}

/**
 * What a claim answers when its update did not take the row: "done" for a
 * delivery done (or dead: never run again but by a redrive), else "busy" (a
 * live lease holds it; the delivery comes back).
 */
export function unclaimed(row) {
  if (!row) throw new Error("the delivery was neither recorded nor found");
  return row.state === "done" || row.state === "dead" ? "done" : "busy";
}

/** A statement for `table`, with SQLite's `?n` for D1 when `sqlite`. */
export function sql(statement, table, sqlite) {
  const text = statement.replaceAll("{t}", table);
  return sqlite ? text.replace(/\$(\d+)/g, "?$1") : text;
}

/** A handler's failure as a store keeps it: at most 2 000 characters. */
export const reason = (text) => String(text ?? "").slice(0, 2000);
