-- Notifications for people: what they say is rendered in the reader's language from the
-- kind and its parameters; preferences per kind and channel; outgoing email; the hold
-- expiry warning.

-- The values a notification's texts are made from (a JSON object), and the kinds in
-- upper case like every enumeration of the API.
ALTER TABLE notifications ADD COLUMN params TEXT;
UPDATE notifications SET kind = 'WELCOME' WHERE kind = 'welcome';
CREATE INDEX notifications_unread_idx ON notifications (user_id, read_at);

-- A person's choice for one kind on one channel (IN_APP or EMAIL); without a row, the
-- kind's default applies.
CREATE TABLE notification_preferences (
    user_id    TEXT NOT NULL REFERENCES users (id),
    kind       TEXT NOT NULL,
    channel    TEXT NOT NULL CHECK (channel IN ('IN_APP', 'EMAIL')),
    enabled    INTEGER NOT NULL CHECK (enabled IN (0, 1)),
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, kind, channel)
);

-- Email to send, one per (recipient, source event): the notifier queues it in the
-- transaction that decides it, the mailer sends it once and records when.
CREATE TABLE outgoing_emails (
    id              TEXT PRIMARY KEY,
    user_id         TEXT NOT NULL REFERENCES users (id),
    kind            TEXT NOT NULL,
    source_event_id TEXT NOT NULL,
    to_address      TEXT NOT NULL,
    subject         TEXT NOT NULL,
    text_body       TEXT NOT NULL,
    html_body       TEXT NOT NULL,
    -- Tickets whose QR codes travel as inline images (a JSON array of ids).
    qr_ticket_ids   TEXT NOT NULL DEFAULT '[]',
    created_at      BIGINT NOT NULL,
    sent_at         BIGINT,
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT,
    CONSTRAINT outgoing_emails_source_key UNIQUE (user_id, source_event_id)
);

-- When the holder of an active hold was told it is about to expire.
ALTER TABLE holds ADD COLUMN expiry_warned_at BIGINT;
