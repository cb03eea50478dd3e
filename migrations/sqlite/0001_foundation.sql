-- Foundation schema: accounts, catalog, event inventory, outbox and receipts, notifications.
-- SQLite keeps flags as INTEGER 0/1 (sqlx's Any driver cannot read its BOOLEAN); see app::db::flag.
-- Times are integer milliseconds since the Unix epoch (UTC); ids are UUID strings.

CREATE TABLE users (
    id               TEXT PRIMARY KEY,
    email            TEXT NOT NULL,
    email_norm       TEXT NOT NULL,
    display_name     TEXT NOT NULL,
    password_hash    TEXT NOT NULL,
    role             TEXT NOT NULL CHECK (role IN ('customer', 'agent', 'organizer', 'admin')),
    active           INTEGER NOT NULL DEFAULT 1,
    skills           TEXT NOT NULL DEFAULT '',
    last_assigned_at BIGINT,
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL,
    CONSTRAINT users_email_key UNIQUE (email_norm)
);

CREATE TABLE sessions (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users (id),
    kind         TEXT NOT NULL CHECK (kind IN ('cookie', 'api')),
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    revoked_at   BIGINT
);
CREATE INDEX sessions_user_idx ON sessions (user_id);

CREATE TABLE venues (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    city       TEXT NOT NULL,
    address    TEXT NOT NULL DEFAULT '',
    created_by TEXT REFERENCES users (id),
    created_at BIGINT NOT NULL
);

CREATE TABLE venue_sections (
    id         TEXT PRIMARY KEY,
    venue_id   TEXT NOT NULL REFERENCES venues (id),
    name       TEXT NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('SEATED', 'GENERAL')),
    capacity   BIGINT NOT NULL,
    sort_order BIGINT NOT NULL,
    CONSTRAINT venue_sections_name_key UNIQUE (venue_id, name)
);

CREATE TABLE seats (
    id         TEXT PRIMARY KEY,
    venue_id   TEXT NOT NULL REFERENCES venues (id),
    section_id TEXT NOT NULL REFERENCES venue_sections (id),
    row_label  TEXT NOT NULL,
    number     BIGINT NOT NULL,
    x          BIGINT NOT NULL,
    y          BIGINT NOT NULL,
    accessible INTEGER NOT NULL DEFAULT 0,
    CONSTRAINT seats_position_key UNIQUE (section_id, row_label, number)
);
CREATE INDEX seats_venue_idx ON seats (venue_id);

CREATE TABLE events (
    id           TEXT PRIMARY KEY,
    slug         TEXT NOT NULL,
    title        TEXT NOT NULL,
    description  TEXT NOT NULL,
    category     TEXT NOT NULL,
    venue_id     TEXT NOT NULL REFERENCES venues (id),
    organizer_id TEXT REFERENCES users (id),
    starts_at    BIGINT NOT NULL,
    ends_at      BIGINT NOT NULL,
    image_url    TEXT,
    status       TEXT NOT NULL CHECK (status IN ('DRAFT', 'ON_SALE', 'SOLD_OUT', 'CANCELLED')),
    featured     INTEGER NOT NULL DEFAULT 0,
    currency     TEXT NOT NULL,
    version      BIGINT NOT NULL DEFAULT 1,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL,
    CONSTRAINT events_slug_key UNIQUE (slug)
);
CREATE INDEX events_starts_idx ON events (starts_at);
CREATE INDEX events_category_idx ON events (category);

CREATE TABLE event_prices (
    event_id    TEXT NOT NULL REFERENCES events (id),
    section_id  TEXT NOT NULL REFERENCES venue_sections (id),
    price_cents BIGINT NOT NULL CHECK (price_cents >= 0),
    PRIMARY KEY (event_id, section_id)
);

CREATE TABLE event_seats (
    event_id   TEXT NOT NULL REFERENCES events (id),
    seat_id    TEXT NOT NULL REFERENCES seats (id),
    section_id TEXT NOT NULL REFERENCES venue_sections (id),
    status     TEXT NOT NULL CHECK (status IN ('AVAILABLE', 'HELD', 'SOLD')),
    hold_id    TEXT,
    order_id   TEXT,
    version    BIGINT NOT NULL DEFAULT 1,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (event_id, seat_id)
);
CREATE INDEX event_seats_hold_idx ON event_seats (hold_id);

CREATE TABLE domain_events (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    id           TEXT NOT NULL UNIQUE,
    event_type   TEXT NOT NULL,
    aggregate_id TEXT NOT NULL,
    payload      TEXT NOT NULL,
    occurred_at  BIGINT NOT NULL,
    published_at BIGINT
);
CREATE INDEX domain_events_unpublished_idx ON domain_events (published_at, seq);
CREATE INDEX domain_events_type_idx ON domain_events (event_type);

CREATE TABLE event_receipts (
    event_id    TEXT NOT NULL REFERENCES domain_events (id),
    consumer    TEXT NOT NULL,
    state       TEXT NOT NULL CHECK (state IN ('RECEIVED', 'PROCESSED', 'FAILED')),
    attempts    BIGINT NOT NULL DEFAULT 0,
    last_error  TEXT,
    received_at BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    PRIMARY KEY (event_id, consumer)
);
CREATE INDEX event_receipts_state_idx ON event_receipts (state);

CREATE TABLE notifications (
    id              TEXT PRIMARY KEY,
    user_id         TEXT NOT NULL REFERENCES users (id),
    kind            TEXT NOT NULL,
    title           TEXT NOT NULL,
    body            TEXT NOT NULL,
    link            TEXT,
    source_event_id TEXT,
    created_at      BIGINT NOT NULL,
    read_at         BIGINT,
    CONSTRAINT notifications_source_key UNIQUE (user_id, source_event_id)
);
CREATE INDEX notifications_user_idx ON notifications (user_id, created_at);
