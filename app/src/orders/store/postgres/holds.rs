//! The hold statement: a whole batch of hold requests for one event, in one statement.

use serde::Deserialize;
use sqlx::Row;

use super::{retrying_deadlocks, sorted_lines, LineJson, LINE_OBJECT};
use crate::audit::event_types;
use crate::db::{new_id, now_ms, Db};
use crate::orders::holds::stored::{HoldEvent, HoldOutcome, HoldRequest};
use crate::error::AppError;

/// One request's answer in a batch statement's `results`.
#[derive(Deserialize)]
struct Answer {
    i: usize,
    ok: bool,
    /// Its seats were all free, but another hold of its buyer committed meanwhile.
    stale: bool,
    /// Its seats were all free, but its buyer would pass the event's limit.
    limited: bool,
    /// How many of its seats are seats of the event.
    found: usize,
    taken: Option<Vec<String>>,
    seats: Option<Vec<LineJson>>,
}

/// Holds, for every request of `requests` (all for the same event, no seat in two of
/// them), all its seats or none, in one statement; the outcomes in the same order.
///
/// The statement reads every requested seat from its snapshot first. A request with a
/// seat already taken is refused without locking anything, so a batch of refusals
/// writes nothing (no commit to flush). The seats of the other requests are locked in id
/// order (`FOR UPDATE`), as every hold does, so batches and single buyers asking for
/// overlapping seats wait for each other instead of deadlocking; a seat taken meanwhile
/// is re-read when its lock is granted and drops out, and its request is refused. Seats
/// already held or sold are never locked, so an order or a payment changing its own
/// seats never waits for a hold.
///
/// A buyer may hold (or have in orders waiting for payment) at most the event's
/// `max_seats_per_buyer` seats: the seats they hold already, from the snapshot, plus the
/// seats of their requests in this batch, in order. The snapshot may be stale for a buyer
/// whose other hold committed while this statement ran, so every buyer granted anything
/// touches their `hold_buyers` row: its version, read again when its lock is granted,
/// is the one in the snapshot plus one only if no hold of theirs committed in between.
/// Otherwise their requests here are answered [`HoldOutcome::Retry`] and decided again
/// in a next statement, which sees that hold.
pub(crate) async fn hold_batch(db: &Db, requests: &[HoldRequest]) -> Result<Vec<HoldOutcome>, AppError> {
    let Some(first) = requests.first() else { return Ok(Vec::new()) };
    let now = now_ms();
    let json = serde_json::Value::Array(
        requests
            .iter()
            .enumerate()
            .map(|(i, r)| {
                serde_json::json!({ "i": i, "hold_id": r.hold_id, "user_id": r.user_id, "expires_at": r.expires_at,
                                    "announce": new_id(), "seats": r.seat_ids, "request_id": r.request_id })
            })
            .collect(),
    )
    .to_string();
    let sql = format!(
        "WITH ev AS ( \
             SELECT {event_columns} FROM events WHERE id = $1 OR slug = $1 LIMIT 1 \
         ), req AS ( \
             SELECT (r->>'i')::int AS i, r->>'hold_id' AS hold_id, r->>'user_id' AS user_id, (r->>'expires_at')::bigint AS expires_at, \
             r->>'announce' AS announce, r->'seats' AS seats, json_array_length(r->'seats') AS wanted, r->>'request_id' AS request_id \
             FROM json_array_elements($3::json) AS r \
         ), want AS ( \
             SELECT req.i, s.seat_id FROM req, json_array_elements_text(req.seats) AS s(seat_id) \
         ), seen AS ( \
             SELECT w.i, w.seat_id, (SELECT es.status FROM event_seats es WHERE es.event_id = (SELECT id FROM ev) \
             AND es.seat_id = w.seat_id) AS status FROM want w \
         ), hopeful AS ( \
             SELECT i FROM seen GROUP BY i HAVING bool_and(COALESCE(status = 'AVAILABLE', false)) \
         ), locked AS ( \
             SELECT es.seat_id FROM event_seats es \
             WHERE es.event_id = (SELECT id FROM ev WHERE status = 'ON_SALE' AND starts_at > $2) AND es.status = 'AVAILABLE' \
             AND es.seat_id = ANY (ARRAY(SELECT w.seat_id FROM want w JOIN hopeful h ON h.i = w.i)) ORDER BY es.seat_id FOR UPDATE \
         ), complete AS ( \
             SELECT r.i, r.hold_id, r.user_id, r.expires_at, r.announce, r.seats, r.wanted, r.request_id FROM req r \
             JOIN (SELECT w.i, COUNT(*) AS n FROM want w JOIN locked l ON l.seat_id = w.seat_id GROUP BY w.i) c ON c.i = r.i \
             WHERE c.n = r.wanted \
         ), buyers_seen AS ( \
             SELECT b.user_id, b.version FROM hold_buyers b \
             WHERE b.event_id = (SELECT id FROM ev) AND b.user_id IN (SELECT user_id FROM complete) \
         ), touched AS ( \
             INSERT INTO hold_buyers (event_id, user_id, version) \
             SELECT DISTINCT (SELECT id FROM ev), user_id, 1 FROM complete ORDER BY user_id \
             ON CONFLICT (event_id, user_id) DO UPDATE SET version = hold_buyers.version + 1 RETURNING user_id, version \
         ), fresh AS ( \
             SELECT t.user_id FROM touched t LEFT JOIN buyers_seen s ON s.user_id = t.user_id WHERE t.version = COALESCE(s.version, 0) + 1 \
         ), holding AS ( \
             SELECT h.user_id, COUNT(*) AS n FROM holds h JOIN event_seats es ON es.hold_id = h.id AND es.status = 'HELD' \
             WHERE h.event_id = (SELECT id FROM ev) AND h.user_id IN (SELECT user_id FROM complete) \
             AND (h.status = 'CONVERTED' OR (h.status = 'ACTIVE' AND h.expires_at > $2)) GROUP BY h.user_id \
         ), granted AS ( \
             SELECT c.i, c.hold_id, c.user_id, c.expires_at, c.announce, c.seats, c.request_id \
             FROM (SELECT c.*, SUM(c.wanted) OVER (PARTITION BY c.user_id ORDER BY c.i) AS running FROM complete c) c \
             WHERE c.user_id IN (SELECT user_id FROM fresh) \
             AND COALESCE((SELECT n FROM holding hg WHERE hg.user_id = c.user_id), 0) + c.running <= (SELECT max_seats_per_buyer FROM ev) \
         ), held AS ( \
             UPDATE event_seats es SET status = 'HELD', hold_id = g.hold_id, version = es.version + 1, updated_at = $2 \
             FROM want w JOIN granted g ON g.i = w.i \
             WHERE es.event_id = (SELECT id FROM ev) AND es.seat_id = w.seat_id \
             AND es.seat_id = ANY (ARRAY(SELECT w.seat_id FROM want w JOIN granted g ON g.i = w.i)) \
             RETURNING es.seat_id, es.section_id, g.hold_id \
         ), new_holds AS ( \
             INSERT INTO holds (id, event_id, user_id, status, expires_at, created_at, updated_at) \
             SELECT g.hold_id, (SELECT id FROM ev), g.user_id, 'ACTIVE', g.expires_at, $2, $2 FROM granted g \
         ), lines AS ( \
             INSERT INTO hold_seats (hold_id, seat_id, price_cents, section, section_order, row_label, number) \
             SELECT h.hold_id, h.seat_id, p.price_cents, sc.name, sc.sort_order, st.row_label, st.number FROM held h \
             JOIN seats st ON st.id = h.seat_id JOIN venue_sections sc ON sc.id = h.section_id \
             JOIN event_prices p ON p.event_id = (SELECT id FROM ev) AND p.section_id = h.section_id \
             RETURNING hold_id, seat_id, section, section_order, row_label, number, price_cents \
         ), announced AS ( \
             INSERT INTO domain_events (id, event_type, aggregate_id, payload, occurred_at, request_id) \
             SELECT g.announce, '{seats_held}', ev.id, json_build_object('event_id', ev.id, 'expires_at_ms', g.expires_at, \
             'hold_id', g.hold_id, 'seat_ids', g.seats, 'user_id', g.user_id)::text, $2, g.request_id FROM granted g, ev \
         ) \
         SELECT ev.*, ( \
             SELECT json_agg(json_build_object( \
                 'i', r.i, \
                 'ok', EXISTS (SELECT 1 FROM granted g WHERE g.i = r.i), \
                 'stale', EXISTS (SELECT 1 FROM complete c WHERE c.i = r.i AND c.user_id NOT IN (SELECT user_id FROM fresh)), \
                 'limited', EXISTS (SELECT 1 FROM complete c WHERE c.i = r.i AND c.user_id IN (SELECT user_id FROM fresh)) \
                     AND NOT EXISTS (SELECT 1 FROM granted g WHERE g.i = r.i), \
                 'found', (SELECT COUNT(*) FROM seen s WHERE s.i = r.i AND s.status IS NOT NULL), \
                 'taken', (SELECT json_agg(s.seat_id) FROM seen s WHERE s.i = r.i AND (s.status <> 'AVAILABLE' \
                     OR (EXISTS (SELECT 1 FROM hopeful h WHERE h.i = r.i) AND s.seat_id NOT IN (SELECT seat_id FROM locked)))), \
                 'seats', (SELECT json_agg({LINE_OBJECT}) FROM lines l WHERE l.hold_id = r.hold_id) \
             ))::text FROM req r \
         ) AS results FROM ev",
        seats_held = event_types::SEATS_HELD,
        event_columns = crate::orders::holds::stored::HOLD_EVENT_COLUMNS,
    );
    let (sql, json) = (sql.as_str(), json.as_str());
    let row = retrying_deadlocks("a batch of holds", move || {
        sqlx::query(sql).bind(first.event.as_str()).bind(now).bind(json).fetch_optional(&db.pool)
    })
    .await?;
    let Some(row) = row else {
        return Ok(requests.iter().map(|_| HoldOutcome::NoSuchEvent).collect());
    };
    let Some(event) = HoldEvent::on_sale(&row, now)? else {
        return Ok(requests.iter().map(|_| HoldOutcome::NotOnSale).collect());
    };
    let results: Option<String> = row.try_get("results")?;
    let answers: Vec<Answer> = serde_json::from_str(results.as_deref().unwrap_or("[]")).map_err(|e| {
        tracing::error!(error = %e, "the answers of a batch of holds did not parse");
        AppError::Internal
    })?;
    let mut outcomes: Vec<Option<HoldOutcome>> = requests.iter().map(|_| None).collect();
    for answer in answers {
        let wanted = requests.get(answer.i).map(|r| r.seat_ids.len()).ok_or(AppError::Internal)?;
        outcomes[answer.i] = Some(if answer.ok {
            HoldOutcome::Held { event: event.clone(), seats: sorted_lines(answer.seats.unwrap_or_default())? }
        } else if answer.stale {
            HoldOutcome::Retry
        } else if answer.limited {
            HoldOutcome::OverLimit { limit: event.seat_limit }
        } else if answer.found != wanted {
            HoldOutcome::UnknownSeats
        } else {
            HoldOutcome::Taken(answer.taken.unwrap_or_default())
        });
    }
    outcomes.into_iter().map(|o| o.ok_or(AppError::Internal)).collect()
}

/// The seats of the event named by id or slug (none when no event has that name).
pub(crate) async fn event_seat_ids(db: &Db, event: &str) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT es.seat_id FROM event_seats es JOIN events e ON e.id = es.event_id WHERE e.id = $1 OR e.slug = $1")
        .bind(event)
        .fetch_all(&db.pool)
        .await
}
