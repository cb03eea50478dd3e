-- Files sent with a support ticket or one of its messages: images or PDF, at most 5 MB
-- each. Name and content are sealed like the other personal data (`<key id>.<base64 of
-- nonce and ciphertext>`, AES-256-GCM), so a dump shows neither; the type was read from
-- the content when the file was sent.
CREATE TABLE support_attachments (
    id             TEXT PRIMARY KEY,
    ticket_id      TEXT NOT NULL REFERENCES support_tickets (id),
    -- NULL: sent with the support ticket itself.
    message_id     TEXT REFERENCES support_messages (id),
    -- Its place among the files sent together, from 0.
    position       INTEGER NOT NULL,
    name_sealed    TEXT NOT NULL,
    content_type   TEXT NOT NULL CHECK (content_type IN ('image/png', 'image/jpeg', 'image/gif', 'image/webp', 'application/pdf')),
    size           BIGINT NOT NULL CHECK (size > 0),
    content_sealed TEXT NOT NULL,
    created_at     BIGINT NOT NULL
);
CREATE INDEX support_attachments_ticket_idx ON support_attachments (ticket_id, created_at, position);
