// The receiver's ledger in D1 (migrations/0001_deliveries.sql): one row per
// delivery, unique on its rtk-uuid and on its replay key (the body's SHA-256).
//
//   queued --claim--> handling --complete--> done
//     ^                  |
//     +-----release------+        (after too many attempts: dead)
//
// A claim holds for a lease: a consumer that dies mid-handler loses its claim
// when the lease runs out, and the delivery can be claimed again.

export class Ledger {
  constructor(db) {
    this.db = db;
  }

  /**
   * Records a verified delivery as queued, unless it (its id, or its replay
   * key: a replayed body) is recorded already. Returns the id and state of
   * the delivery's row, its own or the earlier one.
   */
  async record(key, body, now) {
    const [, found] = await this.db.batch([
      this.db
        .prepare(
          `INSERT INTO deliveries (id, replay_key, webhook_id, event, body, state, received_at, updated_at)
           VALUES (?1, ?2, ?3, ?4, ?5, 'queued', ?6, ?6) ON CONFLICT DO NOTHING`,
        )
        .bind(key.id, key.replayKey, key.webhookId, key.event, body, now),
      this.db
        .prepare(`SELECT id, state FROM deliveries WHERE id = ?1 OR (?2 IS NOT NULL AND replay_key = ?2) ORDER BY received_at LIMIT 1`)
        .bind(key.id, key.replayKey),
    ]);
    const row = found.results[0];
    if (!row) throw new Error(`delivery ${key.id} was neither recorded nor found`);
    return row;
  }

  /**
   * Claims a delivery for handling until `now + leaseMs`: resolves to
   * `{ delivery }` (as the verifier gave it) when this consumer may handle
   * it, or null when it is done, dead, unknown, or claimed by another.
   */
  async claim(id, leaseMs, now) {
    const row = await this.db
      .prepare(
        `UPDATE deliveries SET state = 'handling', lease_until = ?2, attempts = attempts + 1, updated_at = ?3
         WHERE id = ?1 AND (state = 'queued' OR (state = 'handling' AND lease_until < ?3))
         RETURNING id, webhook_id, event, body`,
      )
      .bind(id, now + leaseMs, now)
      .first();
    if (!row) return null;
    return { delivery: { id: row.id, webhookId: row.webhook_id, event: row.event, payload: JSON.parse(row.body) } };
  }

  /** The handlers succeeded. */
  async complete(id, now) {
    await this.db
      .prepare(`UPDATE deliveries SET state = 'done', lease_until = NULL, last_error = NULL, updated_at = ?2 WHERE id = ?1 AND state = 'handling'`)
      .bind(id, now)
      .run();
  }

  /** The handlers failed: queued again, for the retry. */
  async release(id, error, now) {
    await this.db
      .prepare(`UPDATE deliveries SET state = 'queued', lease_until = NULL, last_error = ?2, updated_at = ?3 WHERE id = ?1 AND state = 'handling'`)
      .bind(id, error.slice(0, 2000), now)
      .run();
  }

  /** Keeps a delivery that kept failing in dead_letters (a done one is left alone). */
  async deadLetter(id, now) {
    await this.db.batch([
      this.db
        .prepare(
          `INSERT INTO dead_letters (id, webhook_id, event, body, attempts, last_error, failed_at)
           SELECT id, webhook_id, event, body, attempts, last_error, ?2 FROM deliveries WHERE id = ?1 AND state != 'done'
           ON CONFLICT DO NOTHING`,
        )
        .bind(id, now),
      this.db.prepare(`UPDATE deliveries SET state = 'dead', lease_until = NULL, updated_at = ?2 WHERE id = ?1 AND state != 'done'`).bind(id, now),
    ]);
  }

  /** Deliveries not done and untouched since `before` (queued, or handling with a lapsed lease): their message may be lost. */
  async unfinished(before, limit = 500) {
    const { results } = await this.db
      .prepare(
        `SELECT id, attempts FROM deliveries
         WHERE (state = 'queued' AND updated_at <= ?1) OR (state = 'handling' AND lease_until <= ?1)
         ORDER BY updated_at LIMIT ?2`,
      )
      .bind(before, limit)
      .all();
    return results;
  }

  /** Marks a delivery as just enqueued again (so the next sweep leaves it a while). */
  async touch(id, now) {
    await this.db.prepare(`UPDATE deliveries SET updated_at = ?2 WHERE id = ?1`).bind(id, now).run();
  }
}
