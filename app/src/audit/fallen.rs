//! What fell through: deliveries that did not finish (a consumer gave up, a process died
//! mid-delivery, a message never arrived) and orders left half-way (paid without
//! tickets, payments never answered). The reconciler reads these and drives them again;
//! every consumer is idempotent, so driving one twice is harmless.

use sqlx::Row;

use crate::audit::outbox::{envelope_from_row, EVENT_COLUMNS};
use crate::audit::{event_types, EventEnvelope};
use crate::db::Db;
use crate::error::AppError;

/// An event and the consumer that still has to finish it.
#[derive(Debug, Clone)]
pub struct Unfinished {
    pub event: EventEnvelope,
    pub consumer: String,
}

/// A receipt FAILED this many times stays FAILED (shown in the event log) instead of
/// being tried again.
pub const MAX_REDRIVES: i64 = 50;

fn unfinished_from_rows(rows: &[sqlx::any::AnyRow]) -> Result<Vec<Unfinished>, AppError> {
    rows.iter()
        .map(|row| Ok(Unfinished { event: envelope_from_row(row)?.1, consumer: row.try_get("consumer")? }))
        .collect()
}

/// Receipts that FAILED, each waiting 5 s more per attempt before it is tried again,
/// oldest event first.
pub async fn failed_receipts(db: &Db, now: i64, limit: i64) -> Result<Vec<Unfinished>, AppError> {
    let sql = format!(
        "SELECT {}, r.consumer FROM event_receipts r JOIN domain_events e ON e.id = r.event_id \
         WHERE r.state = 'FAILED' AND r.attempts < $1 AND r.updated_at + 5000 * r.attempts <= $2 ORDER BY e.seq LIMIT $3",
        prefixed_columns()
    );
    let rows = sqlx::query(&sql).bind(MAX_REDRIVES).bind(now).bind(limit).fetch_all(&db.pool).await?;
    unfinished_from_rows(&rows)
}

/// Receipts left RECEIVED for longer than `stalled_ms`: a delivery whose process died,
/// or that was handed back after a long outage.
pub async fn stalled_receipts(db: &Db, now: i64, stalled_ms: i64, limit: i64) -> Result<Vec<Unfinished>, AppError> {
    let sql = format!(
        "SELECT {}, r.consumer FROM event_receipts r JOIN domain_events e ON e.id = r.event_id \
         WHERE r.state = 'RECEIVED' AND r.updated_at <= $1 ORDER BY e.seq LIMIT $2",
        prefixed_columns()
    );
    let rows = sqlx::query(&sql).bind(now - stalled_ms).bind(limit).fetch_all(&db.pool).await?;
    unfinished_from_rows(&rows)
}

/// Events of `event_types` published between `from` and `to` (ms) that `consumer` has
/// no receipt for: messages that never arrived.
pub async fn undelivered(db: &Db, consumer: &str, event_types: &[&str], from: i64, to: i64, limit: i64) -> Result<Vec<EventEnvelope>, AppError> {
    if event_types.is_empty() {
        return Ok(Vec::new());
    }
    let placeholders = (0..event_types.len()).map(|i| format!("${}", i + 5)).collect::<Vec<_>>().join(", ");
    let sql = format!(
        "SELECT {} FROM domain_events e WHERE e.published_at >= $2 AND e.published_at <= $3 AND e.event_type IN ({placeholders}) \
         AND NOT EXISTS (SELECT 1 FROM event_receipts r WHERE r.event_id = e.id AND r.consumer = $1) ORDER BY e.seq LIMIT $4",
        prefixed_columns()
    );
    let mut query = sqlx::query(&sql).bind(consumer).bind(from).bind(to).bind(limit);
    for t in event_types {
        query = query.bind(*t);
    }
    let rows = query.fetch_all(&db.pool).await?;
    rows.iter().map(|r| envelope_from_row(r).map(|(_, e)| e)).collect()
}

/// The `order.paid` events of orders PAID before `paid_before` (and whose payment
/// deadline is after `since`) that have no ticket: the ticket issue fell through.
pub async fn paid_without_tickets(db: &Db, since: i64, paid_before: i64, limit: i64) -> Result<Vec<EventEnvelope>, AppError> {
    let sql = format!(
        "SELECT {} FROM orders o JOIN domain_events e ON e.aggregate_id = o.id AND e.event_type = $1 \
         WHERE o.status = 'PAID' AND o.payment_deadline >= $2 AND o.paid_at <= $3 \
         AND NOT EXISTS (SELECT 1 FROM tickets t WHERE t.order_id = o.id) ORDER BY e.seq LIMIT $4",
        prefixed_columns()
    );
    let rows = sqlx::query(&sql).bind(event_types::ORDER_PAID).bind(since).bind(paid_before).bind(limit).fetch_all(&db.pool).await?;
    rows.iter().map(|r| envelope_from_row(r).map(|(_, e)| e)).collect()
}

/// The `order.placed` events of orders still PENDING that were placed before
/// `placed_before`: the payment's answer never got recorded.
pub async fn unanswered_payments(db: &Db, placed_before: i64, limit: i64) -> Result<Vec<EventEnvelope>, AppError> {
    let sql = format!(
        "SELECT {} FROM orders o JOIN domain_events e ON e.aggregate_id = o.id AND e.event_type = $1 \
         WHERE o.status = 'PENDING' AND o.created_at <= $2 ORDER BY e.seq LIMIT $3",
        prefixed_columns()
    );
    let rows = sqlx::query(&sql).bind(event_types::ORDER_PLACED).bind(placed_before).bind(limit).fetch_all(&db.pool).await?;
    rows.iter().map(|r| envelope_from_row(r).map(|(_, e)| e)).collect()
}

/// The event columns, qualified with the alias `e`.
fn prefixed_columns() -> String {
    EVENT_COLUMNS.split(", ").map(|c| format!("e.{c}")).collect::<Vec<_>>().join(", ")
}
