-- What the package's D1DeliveryStore and durableReceiver read: listings by
-- state, by event and by time for the admin API, and how many times each
-- delivery was redriven. A delivery that kept failing is a row in state
-- 'dead' (its body, attempts and last error kept, so it can be redriven):
-- the dead_letters table of 0001 is no longer written. Its rows were written
-- with their delivery marked dead; any that is not, and was not queued again
-- by hand since (0001 said how: attempts set back to 0), is marked dead now,
-- before the table goes.
UPDATE deliveries SET state = 'dead', lease_until = NULL
  WHERE state IN ('queued', 'handling') AND attempts > 0
    AND EXISTS (SELECT 1 FROM dead_letters d WHERE d.id = deliveries.id AND d.body_hash = deliveries.body_hash);
DROP TABLE dead_letters;

-- Each redrive counts up; its queue messages carry the count, so a dead-letter
-- message from before a redrive cannot mark the redriven delivery dead.
ALTER TABLE deliveries ADD COLUMN redrives INTEGER NOT NULL DEFAULT 0;

CREATE INDEX deliveries_by_state ON deliveries (state, received_at);
CREATE INDEX deliveries_by_event ON deliveries (event, received_at);
