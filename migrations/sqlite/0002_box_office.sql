-- Box office: seat holds, orders, the simulated gateway's tokens, payments, admission tickets.

CREATE TABLE holds (
    id          TEXT PRIMARY KEY,
    event_id    TEXT NOT NULL REFERENCES events (id),
    user_id     TEXT NOT NULL REFERENCES users (id),
    status      TEXT NOT NULL CHECK (status IN ('ACTIVE', 'RELEASED', 'EXPIRED', 'CONVERTED')),
    expires_at  BIGINT NOT NULL,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE INDEX holds_active_idx ON holds (status, expires_at);
CREATE INDEX holds_user_idx ON holds (user_id, created_at);

CREATE TABLE hold_seats (
    hold_id     TEXT NOT NULL REFERENCES holds (id),
    seat_id     TEXT NOT NULL REFERENCES seats (id),
    price_cents BIGINT NOT NULL,
    PRIMARY KEY (hold_id, seat_id)
);

CREATE TABLE orders (
    id               TEXT PRIMARY KEY,
    user_id          TEXT NOT NULL REFERENCES users (id),
    event_id         TEXT NOT NULL REFERENCES events (id),
    hold_id          TEXT NOT NULL REFERENCES holds (id),
    idempotency_key  TEXT NOT NULL,
    status           TEXT NOT NULL CHECK (status IN ('PENDING', 'PAID', 'REJECTED', 'EXPIRED', 'CANCELLED', 'REFUNDED')),
    total_cents      BIGINT NOT NULL,
    currency         TEXT NOT NULL,
    card_last4       TEXT NOT NULL,
    payment_token    TEXT NOT NULL,
    failure_reason   TEXT,
    payment_deadline BIGINT NOT NULL,
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL,
    paid_at          BIGINT,
    cancelled_at     BIGINT,
    CONSTRAINT orders_idempotency_key UNIQUE (user_id, idempotency_key)
);
CREATE INDEX orders_user_idx ON orders (user_id, created_at);
CREATE INDEX orders_event_idx ON orders (event_id, status);
CREATE INDEX orders_pending_idx ON orders (status, payment_deadline);

CREATE TABLE order_items (
    order_id    TEXT NOT NULL REFERENCES orders (id),
    seat_id     TEXT NOT NULL REFERENCES seats (id),
    section     TEXT NOT NULL,
    row_label   TEXT NOT NULL,
    number      BIGINT NOT NULL,
    price_cents BIGINT NOT NULL,
    PRIMARY KEY (order_id, seat_id)
);

-- The simulated gateway's own storage: a token stands for a card's outcome class.
-- The card number itself is never stored anywhere.
CREATE TABLE gateway_tokens (
    token      TEXT PRIMARY KEY,
    outcome    TEXT NOT NULL CHECK (outcome IN ('APPROVE', 'DECLINE', 'INSUFFICIENT_FUNDS')),
    last4      TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE payments (
    id          TEXT PRIMARY KEY,
    order_id    TEXT NOT NULL REFERENCES orders (id),
    status      TEXT NOT NULL CHECK (status IN ('APPROVED', 'DECLINED')),
    reason      TEXT,
    amount_cents BIGINT NOT NULL,
    created_at  BIGINT NOT NULL,
    CONSTRAINT payments_order_key UNIQUE (order_id)
);

CREATE TABLE tickets (
    id         TEXT PRIMARY KEY,
    order_id   TEXT NOT NULL REFERENCES orders (id),
    event_id   TEXT NOT NULL REFERENCES events (id),
    seat_id    TEXT NOT NULL REFERENCES seats (id),
    user_id    TEXT NOT NULL REFERENCES users (id),
    code       TEXT NOT NULL,
    status     TEXT NOT NULL CHECK (status IN ('VALID', 'VOID')),
    issued_at  BIGINT NOT NULL,
    CONSTRAINT tickets_order_seat_key UNIQUE (order_id, seat_id)
);
CREATE INDEX tickets_user_idx ON tickets (user_id, issued_at);
CREATE INDEX tickets_event_idx ON tickets (event_id);
