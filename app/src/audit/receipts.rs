//! Per-consumer receipts: they make handlers idempotent and the event log readable.

use sqlx::Row;

use crate::audit::ReceiptState;
use crate::db::{now_ms, Db};
use crate::AppError;

/// What to do with a delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// First delivery, or a retry of an unfinished one: handle it.
    Handle { attempt: i64 },
    /// Already processed: a redelivery, acknowledge and do nothing.
    AlreadyProcessed,
}

/// Records that `consumer` received `event_id` and says whether to handle it, in one
/// statement: a new receipt, or one more attempt on a receipt not yet processed.
pub async fn admit(db: &Db, event_id: &str, consumer: &str) -> Result<Admission, AppError> {
    let attempt: Option<i64> = sqlx::query_scalar(
        "INSERT INTO event_receipts (event_id, consumer, state, attempts, received_at, updated_at) \
         VALUES ($1, $2, 'RECEIVED', 1, $3, $3) \
         ON CONFLICT (event_id, consumer) DO UPDATE SET state = 'RECEIVED', attempts = event_receipts.attempts + 1, updated_at = $3 \
         WHERE event_receipts.state <> 'PROCESSED' RETURNING attempts",
    )
    .bind(event_id)
    .bind(consumer)
    .bind(now_ms())
    .fetch_optional(&db.pool)
    .await?;
    Ok(match attempt {
        Some(attempt) => Admission::Handle { attempt },
        None => Admission::AlreadyProcessed,
    })
}

/// A delivery being handled: which event, for which consumer.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub event_id: String,
    pub consumer: &'static str,
}

/// How a handler finished.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Handled {
    /// Done: the caller records the receipt as processed.
    Done,
    /// Done, and the handler's own statement recorded the receipt as processed, in the
    /// same commit as its change.
    Recorded,
}

/// A CTE for a handler's own statement that records its receipt as processed: `$now`,
/// `$event` and `$consumer` are the placeholders of the time, the event id and the
/// consumer name.
pub fn mark_processed_cte(now: &str, event: &str, consumer: &str) -> String {
    format!(
        "receipt AS (UPDATE event_receipts SET state = 'PROCESSED', last_error = NULL, updated_at = {now} \
         WHERE event_id = {event} AND consumer = {consumer})"
    )
}

pub async fn mark_processed(db: &Db, event_id: &str, consumer: &str) -> Result<(), AppError> {
    sqlx::query("UPDATE event_receipts SET state = 'PROCESSED', last_error = NULL, updated_at = $1 WHERE event_id = $2 AND consumer = $3")
        .bind(now_ms())
        .bind(event_id)
        .bind(consumer)
        .execute(&db.pool)
        .await?;
    Ok(())
}

pub async fn mark_failed(db: &Db, event_id: &str, consumer: &str, error: &str) -> Result<(), AppError> {
    let error: String = error.chars().take(2000).collect();
    sqlx::query("UPDATE event_receipts SET state = 'FAILED', last_error = $1, updated_at = $2 WHERE event_id = $3 AND consumer = $4")
        .bind(error)
        .bind(now_ms())
        .bind(event_id)
        .bind(consumer)
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// The receipt of one consumer for one event: (state, attempts, last error).
pub async fn find(db: &Db, event_id: &str, consumer: &str) -> Result<Option<(ReceiptState, i64, Option<String>)>, AppError> {
    let row = sqlx::query("SELECT state, attempts, last_error FROM event_receipts WHERE event_id = $1 AND consumer = $2")
        .bind(event_id)
        .bind(consumer)
        .fetch_optional(&db.pool)
        .await?;
    row.map(|r| {
        let state: String = r.try_get("state")?;
        Ok((ReceiptState::parse(&state).ok_or(AppError::Internal)?, r.try_get("attempts")?, r.try_get("last_error")?))
    })
    .transpose()
}
