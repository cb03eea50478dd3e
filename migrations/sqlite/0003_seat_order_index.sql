-- The payment consumer and cancellations find an order's seats by order_id.
CREATE INDEX event_seats_order_idx ON event_seats (order_id);
