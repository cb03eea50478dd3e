-- The support desk: support tickets with their conversation, and who has them.
-- Personal data (a phone number, the description of an accessibility need) is stored
-- sealed: `<key id>.<base64 of nonce and ciphertext>` (AES-256-GCM), never in clear.

-- Whether an agent takes new support tickets: AVAILABLE, AWAY (keeps what they have),
-- OFF (gone for the day: what they have is handed to others).
ALTER TABLE users ADD COLUMN availability TEXT NOT NULL DEFAULT 'AVAILABLE'
    CHECK (availability IN ('AVAILABLE', 'AWAY', 'OFF'));

CREATE TABLE support_tickets (
    id                  TEXT PRIMARY KEY,
    requester_id        TEXT NOT NULL REFERENCES users (id),
    order_id            TEXT REFERENCES orders (id),
    title               TEXT NOT NULL,
    -- In clear, unless the ticket is about an accessibility need: then sealed.
    description         TEXT,
    description_sealed  TEXT,
    phone_sealed        TEXT,
    category            TEXT NOT NULL CHECK (category IN ('PAYMENTS', 'TICKETS', 'EVENTS', 'ACCOUNT', 'ACCESSIBILITY', 'OTHER')),
    priority            TEXT NOT NULL CHECK (priority IN ('LOW', 'NORMAL', 'HIGH', 'URGENT')),
    status              TEXT NOT NULL CHECK (status IN ('OPEN', 'IN_PROGRESS', 'WAITING', 'RESOLVED', 'CLOSED')),
    assignee_id         TEXT REFERENCES users (id),
    assigned_at         BIGINT,
    first_response_due  BIGINT NOT NULL,
    resolution_due      BIGINT NOT NULL,
    first_response_at   BIGINT,
    resolved_at         BIGINT,
    closed_at           BIGINT,
    -- The id the customer's device gave it (offline creation): one ticket per id.
    client_id           TEXT,
    created_at          BIGINT NOT NULL,
    updated_at          BIGINT NOT NULL,
    CONSTRAINT support_tickets_client_key UNIQUE (requester_id, client_id)
);
CREATE INDEX support_tickets_requester_idx ON support_tickets (requester_id, created_at);
CREATE INDEX support_tickets_assignee_idx ON support_tickets (assignee_id, status);
CREATE INDEX support_tickets_waiting_idx ON support_tickets (category, created_at)
    WHERE assignee_id IS NULL AND status IN ('OPEN', 'IN_PROGRESS', 'WAITING');

-- Public replies and internal notes (never shown or sent to the customer).
CREATE TABLE support_messages (
    id         TEXT PRIMARY KEY,
    ticket_id  TEXT NOT NULL REFERENCES support_tickets (id),
    author_id  TEXT NOT NULL REFERENCES users (id),
    body       TEXT NOT NULL,
    internal   BOOLEAN NOT NULL DEFAULT FALSE,
    client_id  TEXT,
    created_at BIGINT NOT NULL,
    CONSTRAINT support_messages_client_key UNIQUE (author_id, client_id)
);
CREATE INDEX support_messages_ticket_idx ON support_messages (ticket_id, created_at);

-- Who had which support ticket, from when until when (NULL: still has it).
CREATE TABLE support_assignments (
    id          TEXT PRIMARY KEY,
    ticket_id   TEXT NOT NULL REFERENCES support_tickets (id),
    agent_id    TEXT NOT NULL REFERENCES users (id),
    -- NEW, WAITED (no agent could take it at first), REASSIGNED (the agent left), MANUAL
    -- (an administrator chose), TAKEN (an agent took it from the unassigned queue).
    reason      TEXT NOT NULL,
    assigned_by TEXT REFERENCES users (id),
    assigned_at BIGINT NOT NULL,
    ended_at    BIGINT
);
CREATE UNIQUE INDEX support_assignments_current_key ON support_assignments (ticket_id) WHERE ended_at IS NULL;
CREATE INDEX support_assignments_agent_idx ON support_assignments (agent_id, assigned_at);
