// The receiver's ledger in D1 (migrations/): one row per delivery, keyed on
// its rtk-uuid AND its body's SHA-256 (rtk-uuid is not signed, so the same id
// with other bytes is another delivery), unique on its replay key.
//
//   queued --claim--> handling --complete--> done
//     ^                  |
//     +-----release------+        (after too many attempts: dead)
//
// It is the WebhookReceiver's DeliveryStore for the queue consumer: a claim
// has an owner (a token each attempt makes) and a lease, which the receiver
// renews while the handlers run; only the owner can renew, complete or
// release it. A consumer that dies mid-handler loses its claim when the lease
// runs out, and the delivery can be claimed again.

export class Ledger {
  constructor(db) {
    this.db = db;
  }

  /**
   * Records a verified delivery as queued, unless it (its id and body, or
   * its replay key: a replayed body) is recorded already. `key` is
   * deliveryKey's; `body` the raw body's text. Returns the id, body hash and
   * state of the delivery's row, its own or the earlier one.
   */
  async record(key, body, now) {
    const [, found] = await this.db.batch([
      this.db
        .prepare(
          `INSERT INTO deliveries (id, body_hash, replay_key, webhook_id, event, body, state, received_at, updated_at)
           SELECT ?1, ?2, ?3, ?4, ?5, ?6, 'queued', ?7, ?7
           WHERE NOT EXISTS (SELECT 1 FROM deliveries WHERE id = ?1 AND body_hash = '' AND body = ?6)
           ON CONFLICT DO NOTHING`,
        )
        .bind(key.id, key.bodyHash, key.replayKey, key.webhookId, key.event, body, now),
      // Its own row (or one recorded before migration 0002 with the same id
      // and body), else the row of the body it replays.
      this.db
        .prepare(
          `SELECT id, body_hash AS bodyHash, state FROM deliveries
           WHERE (id = ?1 AND (body_hash = ?2 OR (body_hash = '' AND body = ?4))) OR (?3 IS NOT NULL AND replay_key = ?3)
           ORDER BY id = ?1 DESC, received_at LIMIT 1`,
        )
        .bind(key.id, key.bodyHash, key.replayKey, body),
    ]);
    const row = found.results[0];
    if (!row) throw new Error(`delivery ${key.id} was neither recorded nor found`);
    return row;
  }

  /**
   * The delivery `id` with body hash `bodyHash` (any, for a message from
   * before migration 0002): `{ delivery, key }` as the verifier and
   * deliveryKey gave them, or null when there is none.
   */
  async find(id, bodyHash) {
    const row = await this.db
      .prepare(
        `SELECT id, body_hash, replay_key, webhook_id, event, body FROM deliveries
         WHERE id = ?1 AND (?2 IS NULL OR body_hash = ?2) ORDER BY received_at LIMIT 1`,
      )
      .bind(id, bodyHash ?? null)
      .first();
    if (!row) return null;
    return {
      delivery: { id: row.id, webhookId: row.webhook_id, event: row.event, payload: JSON.parse(row.body) },
      key: { id: row.id, bodyHash: row.body_hash, replayKey: row.replay_key, event: row.event, webhookId: row.webhook_id },
    };
  }

  // The DeliveryStore: claim, renew, complete, release.

  /** "claimed" for `owner` until `leaseMs` from now; "done" when done or dead; "busy" while another's lease holds. */
  async claim(key, owner, leaseMs) {
    const now = Date.now();
    const [claimed, found] = await this.db.batch([
      this.db
        .prepare(
          `UPDATE deliveries SET state = 'handling', lease_owner = ?3, lease_until = ?4, attempts = attempts + 1, updated_at = ?5
           WHERE id = ?1 AND body_hash = ?2 AND (state = 'queued' OR (state = 'handling' AND lease_until < ?5))
           RETURNING id`,
        )
        .bind(key.id, key.bodyHash, owner, now + leaseMs, now),
      this.db.prepare(`SELECT state FROM deliveries WHERE id = ?1 AND body_hash = ?2`).bind(key.id, key.bodyHash),
    ]);
    if (claimed.results.length > 0) return "claimed";
    const row = found.results[0];
    if (!row) throw new Error(`delivery ${key.id} is not in the ledger`);
    return row.state === "handling" ? "busy" : "done";
  }

  /** Extends `owner`'s lease: false when the claim is no longer its. */
  async renew(key, owner, leaseMs) {
    const now = Date.now();
    return this.#owned(
      `UPDATE deliveries SET lease_until = ?4, updated_at = ?5
       WHERE id = ?1 AND body_hash = ?2 AND lease_owner = ?3 AND state = 'handling' RETURNING id`,
      key, owner, now + leaseMs, now,
    );
  }

  /** The handlers succeeded: done (true again for the same owner, as a retried write). */
  async complete(key, owner) {
    return this.#owned(
      `UPDATE deliveries SET state = 'done', lease_until = NULL, last_error = NULL, updated_at = ?4
       WHERE id = ?1 AND body_hash = ?2 AND lease_owner = ?3 AND state IN ('handling', 'done') RETURNING id`,
      key, owner, Date.now(),
    );
  }

  /** The handlers failed: queued again, for the retry, with the reason kept. */
  async release(key, owner, reason) {
    return this.#owned(
      `UPDATE deliveries SET state = 'queued', lease_until = NULL, last_error = ?4, updated_at = ?5
       WHERE id = ?1 AND body_hash = ?2 AND lease_owner = ?3 AND state = 'handling' RETURNING id`,
      key, owner, String(reason ?? "").slice(0, 2000), Date.now(),
    );
  }

  /** Runs an UPDATE on `owner`'s row of `key`: whether it changed one. */
  async #owned(sql, key, owner, ...rest) {
    const { results } = await this.db.prepare(sql).bind(key.id, key.bodyHash, owner, ...rest).all();
    return results.length > 0;
  }

  /**
   * Keeps a delivery that kept failing in dead_letters. A done one is left
   * alone, and so is one whose handlers run now under a live lease (another
   * message of it is being handled: that one decides).
   */
  async deadLetter(id, bodyHash, now) {
    const match = `id = ?1 AND (?2 IS NULL OR body_hash = ?2) AND (state = 'queued' OR (state = 'handling' AND lease_until < ?3))`;
    await this.db.batch([
      this.db
        .prepare(
          `INSERT INTO dead_letters (id, body_hash, webhook_id, event, body, attempts, last_error, failed_at)
           SELECT id, body_hash, webhook_id, event, body, attempts, last_error, ?3 FROM deliveries WHERE ${match}
           ON CONFLICT DO NOTHING`,
        )
        .bind(id, bodyHash ?? null, now),
      this.db.prepare(`UPDATE deliveries SET state = 'dead', lease_until = NULL, updated_at = ?3 WHERE ${match}`).bind(id, bodyHash ?? null, now),
    ]);
  }

  /** Deliveries not done and untouched since `before` (queued, or handling with a lapsed lease): their message may be lost. */
  async unfinished(before, limit = 500) {
    const { results } = await this.db
      .prepare(
        `SELECT id, body_hash AS bodyHash, attempts FROM deliveries
         WHERE (state = 'queued' AND updated_at <= ?1) OR (state = 'handling' AND lease_until <= ?1)
         ORDER BY updated_at LIMIT ?2`,
      )
      .bind(before, limit)
      .all();
    return results;
  }

  /** Marks a delivery as just enqueued again (so the next sweep leaves it a while). */
  async touch(id, bodyHash, now) {
    await this.db.prepare(`UPDATE deliveries SET updated_at = ?3 WHERE id = ?1 AND body_hash = ?2`).bind(id, bodyHash, now).run();
  }
}
