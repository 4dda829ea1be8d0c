-- What the package's D1DeliveryStore and durableReceiver read: listings by
-- state, by event and by time for the admin API. A delivery that kept failing
-- is a row in state 'dead' (its body, attempts and last error kept, so it can
-- be redriven): the dead_letters table of 0001 is no longer written.
CREATE INDEX IF NOT EXISTS deliveries_by_state ON deliveries (state, received_at);
CREATE INDEX IF NOT EXISTS deliveries_by_event ON deliveries (event, received_at);
DROP TABLE IF EXISTS dead_letters;
