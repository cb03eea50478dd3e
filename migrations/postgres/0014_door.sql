-- Door check-in: who may scan an event's tickets at the door, and every scan the door
-- devices synced.

-- Door staff: a user the event's organizer granted door access to one event; revoking
-- keeps the row (who scanned what stays readable) and sets `revoked_at`.
CREATE TABLE door_staff (
    event_id   TEXT NOT NULL REFERENCES events (id),
    user_id    TEXT NOT NULL REFERENCES users (id),
    granted_by TEXT NOT NULL REFERENCES users (id),
    granted_at BIGINT NOT NULL,
    revoked_at BIGINT,
    PRIMARY KEY (event_id, user_id)
);
CREATE INDEX door_staff_user_idx ON door_staff (user_id);

-- A scan, as a door device took it (offline or not) and the server judged it:
-- ADMITTED is the first scan by scan time of a valid ticket of the event (at most one per
-- ticket), DUPLICATE a later scan of the same ticket, REJECTED a code that was not a
-- valid ticket of this event (void, another event's, not genuine). The scan's code itself
-- is not kept: it is the ticket's bearer credential.
CREATE TABLE checkins (
    id          TEXT PRIMARY KEY,
    event_id    TEXT NOT NULL REFERENCES events (id),
    -- NULL when the code named no ticket of this event.
    ticket_id   TEXT REFERENCES tickets (id),
    device_id   TEXT NOT NULL,
    scanned_by  TEXT NOT NULL REFERENCES users (id),
    -- The device's id for the scan: a replayed sync records nothing twice.
    client_id   TEXT NOT NULL,
    scanned_at  BIGINT NOT NULL,
    received_at BIGINT NOT NULL,
    -- When `result` last changed (an earlier scan synced later turns an admission into a
    -- duplicate): devices fetch what changed since their last sync.
    updated_at  BIGINT NOT NULL,
    result      TEXT NOT NULL CHECK (result IN ('ADMITTED', 'DUPLICATE', 'REJECTED')),
    reason      TEXT,
    CONSTRAINT checkins_client_key UNIQUE (scanned_by, client_id)
);
CREATE UNIQUE INDEX checkins_admitted_key ON checkins (ticket_id) WHERE result = 'ADMITTED';
CREATE INDEX checkins_ticket_idx ON checkins (ticket_id, scanned_at);
CREATE INDEX checkins_event_idx ON checkins (event_id, updated_at);
