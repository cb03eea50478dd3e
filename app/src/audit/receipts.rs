//! Per-consumer receipts: they make handlers idempotent and the event log readable.

use sqlx::Row;

use crate::audit::ReceiptState;
use crate::db::{now_ms, Db};
use crate::error::AppError;

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
    /// The handler's own statement found the receipt already processed and changed
    /// nothing (a redelivery).
    Duplicate,
}

/// The statement that records a receipt as processed unless it already was, creating it
/// when missing; it returns the attempts only when it changed something. `attempts` is
/// the new count of an existing receipt.
fn processed_upsert(now: &str, event: &str, consumer: &str, attempts: &str) -> String {
    format!(
        "INSERT INTO event_receipts (event_id, consumer, state, attempts, received_at, updated_at) \
         VALUES ({event}, {consumer}, 'PROCESSED', 1, {now}, {now}) ON CONFLICT (event_id, consumer) DO UPDATE \
         SET state = 'PROCESSED', attempts = {attempts}, last_error = NULL, updated_at = {now} \
         WHERE event_receipts.state <> 'PROCESSED' RETURNING attempts"
    )
}

/// What an existing receipt's attempts become when [`admit`] did not count this one.
const ONE_MORE_ATTEMPT: &str = "event_receipts.attempts + 1";

/// What an existing receipt's attempts become when [`admit`] may have counted this one
/// already (the receipt is then RECEIVED).
const ONE_MORE_UNLESS_ADMITTED: &str = "event_receipts.attempts + CASE WHEN event_receipts.state = 'RECEIVED' THEN 0 ELSE 1 END";

/// A CTE for the statement of a handler that admits its delivery itself: it records the
/// receipt as processed, and `admitted` has a row only when the delivery had not been
/// processed before, so the handler's changes depend on `EXISTS (SELECT 1 FROM admitted)`
/// and commit with the receipt. `$now`, `$event` and `$consumer` are placeholders.
pub fn admit_processed_cte(now: &str, event: &str, consumer: &str) -> String {
    format!("admitted AS ({})", processed_upsert(now, event, consumer, ONE_MORE_ATTEMPT))
}

/// Records the receipt as processed: after [`admit`], or creating it for a handler that
/// admits its deliveries itself (an attempt more, unless [`admit`] counted it). False when
/// it already was processed: the delivery was a duplicate.
pub async fn mark_processed(db: &Db, event_id: &str, consumer: &str) -> Result<bool, AppError> {
    let sql = processed_upsert("$1", "$2", "$3", ONE_MORE_UNLESS_ADMITTED);
    let newly: Option<i64> =
        sqlx::query_scalar(&sql).bind(now_ms()).bind(event_id).bind(consumer).fetch_optional(&db.pool).await?;
    Ok(newly.is_some())
}

/// Records the receipt as failed, like [`mark_processed`]; a receipt another delivery
/// processed meanwhile stays processed.
pub async fn mark_failed(db: &Db, event_id: &str, consumer: &str, error: &str) -> Result<(), AppError> {
    let error: String = error.chars().take(2000).collect();
    sqlx::query(&format!(
        "INSERT INTO event_receipts (event_id, consumer, state, attempts, last_error, received_at, updated_at) \
         VALUES ($3, $4, 'FAILED', 1, $1, $2, $2) ON CONFLICT (event_id, consumer) DO UPDATE SET state = 'FAILED', \
         attempts = {ONE_MORE_UNLESS_ADMITTED}, last_error = $1, updated_at = $2 WHERE event_receipts.state <> 'PROCESSED'",
    ))
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
