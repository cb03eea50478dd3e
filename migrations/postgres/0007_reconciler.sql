-- The reconciler finds an order's events (its order.placed, its order.paid) by the
-- order's id, and the event log will list an object's events.
CREATE INDEX domain_events_aggregate_idx ON domain_events (aggregate_id);
