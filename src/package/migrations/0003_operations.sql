-- What the package's D1DeliveryStore and durableReceiver read: listings by
-- state, by event and by time for the admin API. A delivery that kept failing
-- is a row in state 'dead' (its body, attempts and last error kept, so it can
-- be redriven): the dead_letters table of 0001 is no longer written. Its rows
-- were written with their delivery marked dead; any that is not (a write cut
-- off halfway) is marked dead now, before the table goes.
UPDATE deliveries SET state = 'dead', lease_until = NULL
  WHERE state IN ('queued', 'handling')
    AND EXISTS (SELECT 1 FROM dead_letters d WHERE d.id = deliveries.id AND d.body_hash = deliveries.body_hash);
DROP TABLE dead_letters;

CREATE INDEX deliveries_by_state ON deliveries (state, received_at);
CREATE INDEX deliveries_by_event ON deliveries (event, received_at);
