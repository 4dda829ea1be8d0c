-- The receiver's ledger. D1 holds every verified delivery (its body too); the
-- queue only carries ids, so a lost or repeated message loses nothing.
CREATE TABLE deliveries (
  id TEXT PRIMARY KEY,          -- rtk-uuid: retries of a delivery share it
  replay_key TEXT UNIQUE,       -- SHA-256 of the raw body: the same body under another rtk-uuid is a replay (NULL: not checked)
  webhook_id TEXT,              -- rtk-webhook-id
  event TEXT NOT NULL,
  body TEXT NOT NULL,           -- the raw body, as verified
  state TEXT NOT NULL CHECK (state IN ('queued', 'handling', 'done', 'dead')),
  attempts INTEGER NOT NULL DEFAULT 0,  -- handler runs so far
  lease_until INTEGER,          -- ms since the epoch: while 'handling', no other consumer takes it before this
  last_error TEXT,
  received_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);

-- What the sweeper looks for: deliveries not done whose queue message may be lost.
CREATE INDEX deliveries_unfinished ON deliveries (state, updated_at) WHERE state IN ('queued', 'handling');

-- Deliveries whose handlers kept failing, kept for a person to look at (and
-- to re-queue: UPDATE deliveries SET state = 'queued', attempts = 0 ...).
CREATE TABLE dead_letters (
  id TEXT PRIMARY KEY,
  webhook_id TEXT,
  event TEXT NOT NULL,
  body TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  last_error TEXT,
  failed_at INTEGER NOT NULL
);
