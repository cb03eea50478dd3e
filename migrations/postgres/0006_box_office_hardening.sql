-- Box office hardening.

-- The most seats one buyer may hold, or have in orders waiting for their payment, for
-- one event; set per event by its organizer.
ALTER TABLE events ADD COLUMN max_seats_per_buyer BIGINT NOT NULL DEFAULT 8;

-- One row per buyer and event, touched by every hold the buyer is granted (PostgreSQL):
-- two holds of one buyer committed at once see each other's version and one of them is
-- asked again with a fresh view, so together they cannot pass the buyer's limit. A guard,
-- not data: no foreign keys to check on every hold.
CREATE TABLE hold_buyers (
    event_id TEXT NOT NULL,
    user_id  TEXT NOT NULL,
    version  BIGINT NOT NULL,
    PRIMARY KEY (event_id, user_id)
);

-- When a ticket became void; door devices fetch the void tickets of an event.
ALTER TABLE tickets ADD COLUMN voided_at BIGINT;
CREATE INDEX tickets_void_idx ON tickets (event_id, voided_at);

-- What the first request with an idempotency key asked for (hold, card's last four
-- digits, expiry and name, hashed): a retry with the same key must ask for the same.
ALTER TABLE orders ADD COLUMN request_fingerprint TEXT;
UPDATE tickets SET voided_at = issued_at WHERE status = 'VOID';
