//! The event log in portable SQL, for a database one process owns (SQLite): there is one
//! relay and one reconciler, so they need no turns.

use super::{Claim, EventStore, Turn};
use crate::audit::outbox::{envelope_from_row, EVENT_COLUMNS};
use crate::audit::EventEnvelope;
use crate::db::{now_ms, Db, DbFuture, Tx};
use crate::error::AppError;

/// The portable store (SQLite).
pub struct PortableEvents;

impl EventStore for PortableEvents {
    fn handlers_admit_deliveries(&self) -> bool {
        false
    }

    fn reconciler_turn<'a>(&'a self, _db: &'a Db) -> DbFuture<'a, Turn> {
        Box::pin(std::future::ready(Ok::<_, AppError>(Turn::Mine(None))))
    }

    fn claim<'a>(&'a self, db: &'a Db, limit: i64) -> DbFuture<'a, Option<Claim>> {
        Box::pin(claim(db, limit))
    }
}

/// Reads a batch; once it is published, marks it in a short write.
async fn claim(db: &Db, limit: i64) -> Result<Option<Claim>, AppError> {
    let mut read = db.pool.begin().await?;
    let batch = unpublished(&mut read, limit).await?;
    read.commit().await?;
    if batch.is_empty() {
        return Ok(None);
    }
    let seqs: Vec<i64> = batch.iter().map(|(seq, _)| *seq).collect();
    let events: Vec<EventEnvelope> = batch.into_iter().map(|(_, e)| e).collect();
    Ok(Some(Claim { events, settle: Box::pin(settle(db.clone(), seqs)) }))
}

async fn settle(db: Db, seqs: Vec<i64>) -> Result<(), AppError> {
    let mut tx = db.begin_write().await?;
    mark_published(&mut tx, &seqs).await?;
    tx.commit().await?;
    Ok(())
}

/// Reads up to `limit` unpublished events, oldest first.
async fn unpublished(tx: &mut Tx, limit: i64) -> Result<Vec<(i64, EventEnvelope)>, AppError> {
    let sql = format!("SELECT {EVENT_COLUMNS} FROM domain_events WHERE published_at IS NULL ORDER BY seq LIMIT $1");
    let rows = sqlx::query(&sql).bind(limit).fetch_all(&mut **tx).await?;
    rows.iter().map(envelope_from_row).collect()
}

/// Marks events as handed to the bus, in one statement whose text does not depend on
/// how many there are, so it stays prepared.
async fn mark_published(tx: &mut Tx, seqs: &[i64]) -> Result<(), AppError> {
    let list = serde_json::to_string(seqs).map_err(|_| AppError::Internal)?;
    sqlx::query("UPDATE domain_events SET published_at = $1 WHERE seq IN (SELECT value FROM json_each($2))")
        .bind(now_ms())
        .bind(list)
        .execute(&mut **tx)
        .await?;
    Ok(())
}
