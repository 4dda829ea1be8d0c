-- A delivery is its rtk-uuid AND its body. rtk-uuid is not signed: with the
-- id alone as the key, anyone holding one captured genuine body could send it
-- under a genuine delivery's id and have that delivery taken for done. So the
-- key becomes (id, body_hash): the same id with other bytes is another row.
--
-- And a claim has an owner: the consumer that claimed a delivery renews its
-- lease while the handlers run, and only it can mark it done or release it.
--
-- SQLite cannot change a primary key in place: the tables are rebuilt.
-- Rows recorded before this migration keep an empty body_hash (their hash was
-- not kept where replay_key is NULL); the Worker matches such a row by its
-- id and its stored body.

CREATE TABLE deliveries_v2 (
  id TEXT NOT NULL,             -- rtk-uuid: retries of a delivery share it
  body_hash TEXT NOT NULL,      -- SHA-256 of the raw body; '' for rows from before this migration
  replay_key TEXT UNIQUE,       -- = body_hash where replays are checked: the same body under another rtk-uuid is a replay (NULL: not checked)
  webhook_id TEXT,              -- rtk-webhook-id
  event TEXT NOT NULL,
  body TEXT NOT NULL,           -- the raw body, as verified
  state TEXT NOT NULL CHECK (state IN ('queued', 'handling', 'done', 'dead')),
  attempts INTEGER NOT NULL DEFAULT 0,  -- handler runs so far
  lease_owner TEXT,             -- the token of the consumer that claimed it last
  lease_until INTEGER,          -- ms since the epoch: while 'handling', no other consumer takes it before this (renewed while it runs)
  last_error TEXT,
  received_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (id, body_hash)
);

INSERT INTO deliveries_v2 (id, body_hash, replay_key, webhook_id, event, body, state, attempts, lease_until, last_error, received_at, updated_at)
  SELECT id, COALESCE(replay_key, ''), replay_key, webhook_id, event, body, state, attempts, lease_until, last_error, received_at, updated_at
  FROM deliveries;

DROP INDEX deliveries_unfinished;
DROP TABLE deliveries;
ALTER TABLE deliveries_v2 RENAME TO deliveries;

-- What the sweeper looks for: deliveries not done whose queue message may be lost.
CREATE INDEX deliveries_unfinished ON deliveries (state, updated_at) WHERE state IN ('queued', 'handling');

CREATE TABLE dead_letters_v2 (
  id TEXT NOT NULL,
  body_hash TEXT NOT NULL,
  webhook_id TEXT,
  event TEXT NOT NULL,
  body TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  last_error TEXT,
  failed_at INTEGER NOT NULL,
  PRIMARY KEY (id, body_hash)
);

INSERT INTO dead_letters_v2 (id, body_hash, webhook_id, event, body, attempts, last_error, failed_at)
  SELECT d.id, COALESCE(r.body_hash, ''), d.webhook_id, d.event, d.body, d.attempts, d.last_error, d.failed_at
  FROM dead_letters d LEFT JOIN deliveries r ON r.id = d.id AND r.body = d.body;

DROP TABLE dead_letters;
ALTER TABLE dead_letters_v2 RENAME TO dead_letters;
