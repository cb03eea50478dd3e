//! Writing events in the caller's transaction, and reading them back (the relay claims
//! them through the [`store`](crate::audit::store)).

use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::Row;

use crate::audit::EventEnvelope;
use crate::db::{from_ms, new_id, now_ms, Db, Tx};
use crate::error::AppError;

/// Records a domain event in the same transaction as the change it describes.
pub async fn record(
    tx: &mut Tx,
    event_type: &str,
    aggregate_id: &str,
    payload: &impl Serialize,
) -> Result<String, AppError> {
    let payload = serde_json::to_value(payload).map_err(|e| {
        tracing::error!(error = %e, event_type, "event payload did not serialise");
        AppError::Internal
    })?;
    let ids = record_all(tx, &[(event_type, aggregate_id, payload)]).await?;
    ids.into_iter().next().ok_or(AppError::Internal)
}

/// Records domain events in one statement, in the caller's transaction; returns their ids.
pub async fn record_all(tx: &mut Tx, events: &[(&str, &str, serde_json::Value)]) -> Result<Vec<String>, AppError> {
    if events.is_empty() {
        return Ok(Vec::new());
    }
    let (now, request) = (events.len() * 4 + 1, events.len() * 4 + 2);
    let rows = (0..events.len())
        .map(|i| format!("(${}, ${}, ${}, ${}, ${now}, ${request})", i * 4 + 1, i * 4 + 2, i * 4 + 3, i * 4 + 4))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!("INSERT INTO domain_events (id, event_type, aggregate_id, payload, occurred_at, request_id) VALUES {rows}");
    let ids: Vec<String> = events.iter().map(|_| new_id()).collect();
    let mut query = sqlx::query(&sql);
    for (id, (event_type, aggregate_id, payload)) in ids.iter().zip(events) {
        query = query.bind(id).bind(*event_type).bind(*aggregate_id).bind(payload.to_string());
    }
    query.bind(now_ms()).bind(crate::audit::request::current()).execute(&mut **tx).await?;
    Ok(ids)
}

pub(crate) const EVENT_COLUMNS: &str = "seq, id, event_type, aggregate_id, payload, occurred_at, request_id";

pub(crate) fn envelope_from_row(row: &AnyRow) -> Result<(i64, EventEnvelope), AppError> {
    let id: String = row.try_get("id")?;
    let payload: String = row.try_get("payload")?;
    let seq: i64 = row.try_get("seq")?;
    Ok((
        seq,
        EventEnvelope {
            id: id.parse().map_err(|_| AppError::Internal)?,
            seq: Some(seq),
            event_type: row.try_get("event_type")?,
            aggregate_id: row.try_get("aggregate_id")?,
            payload: serde_json::from_str(&payload).unwrap_or(serde_json::Value::Null),
            occurred_at: from_ms(row.try_get("occurred_at")?),
            request_id: row.try_get("request_id")?,
        },
    ))
}

/// Events already published whose handling by `consumer` never finished (no receipt, or
/// one still RECEIVED), newest first within `since_ms`: what an in-process bus replays
/// after a restart.
pub async fn unfinished_for(db: &Db, consumer: &str, event_types: &[&str], since_ms: i64) -> Result<Vec<EventEnvelope>, AppError> {
    if event_types.is_empty() {
        return Ok(Vec::new());
    }
    let placeholders = (0..event_types.len()).map(|i| format!("${}", i + 3)).collect::<Vec<_>>().join(", ");
    let sql = format!(
        "SELECT {EVENT_COLUMNS} FROM domain_events e WHERE e.published_at IS NOT NULL AND e.occurred_at >= $2 \
         AND e.event_type IN ({placeholders}) AND NOT EXISTS (SELECT 1 FROM event_receipts r \
         WHERE r.event_id = e.id AND r.consumer = $1 AND r.state <> 'RECEIVED') ORDER BY seq"
    );
    let mut query = sqlx::query(&sql).bind(consumer).bind(since_ms);
    for t in event_types {
        query = query.bind(*t);
    }
    let rows = query.fetch_all(&db.pool).await?;
    rows.iter().map(|r| envelope_from_row(r).map(|(_, e)| e)).collect()
}

/// One event by id.
pub async fn find(db: &Db, id: &str) -> Result<Option<EventEnvelope>, AppError> {
    let sql = format!("SELECT {EVENT_COLUMNS} FROM domain_events WHERE id = $1");
    let row = sqlx::query(&sql).bind(id).fetch_optional(&db.pool).await?;
    row.map(|r| envelope_from_row(&r).map(|(_, e)| e)).transpose()
}

/// The newest entry of the event log (0 when it is empty).
pub async fn newest_seq(db: &Db) -> Result<i64, AppError> {
    let newest: Option<i64> = sqlx::query_scalar("SELECT MAX(seq) FROM domain_events").fetch_one(&db.pool).await?;
    Ok(newest.unwrap_or(0))
}

/// Number of events not yet handed to the bus.
pub async fn backlog(db: &Db) -> Result<i64, AppError> {
    let row = sqlx::query("SELECT COUNT(*) AS n FROM domain_events WHERE published_at IS NULL").fetch_one(&db.pool).await?;
    Ok(row.try_get("n")?)
}
