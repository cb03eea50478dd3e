//! The event log on PostgreSQL, where several processes relay and reconcile: each takes
//! its turn under an advisory lock held by a transaction, and a consumer's handler may
//! record its receipt in its own statement.

use super::{Claim, EventStore, Turn};
use crate::audit::outbox::{envelope_from_row, EVENT_COLUMNS};
use crate::audit::EventEnvelope;
use crate::db::{now_ms, Db, DbFuture, Tx};
use crate::error::AppError;

/// The PostgreSQL store.
pub struct PostgresEvents;

/// The advisory lock that makes relays in several processes take turns.
const RELAY_LOCK: i64 = 0x7461_7175_696c_6c61;

/// The advisory lock that lets one reconciler at a time work.
const RECONCILER_LOCK: i64 = 0x7461_7175_696c_6c62;

impl EventStore for PostgresEvents {
    fn handlers_admit_deliveries(&self) -> bool {
        true
    }

    fn reconciler_turn<'a>(&'a self, db: &'a Db) -> DbFuture<'a, Turn> {
        Box::pin(reconciler_turn(db))
    }

    fn claim<'a>(&'a self, db: &'a Db, limit: i64) -> DbFuture<'a, Option<Claim>> {
        Box::pin(claim(db, limit))
    }
}

async fn reconciler_turn(db: &Db) -> Result<Turn, AppError> {
    let mut tx = db.pool.begin().await?;
    let mine: bool = sqlx::query_scalar("SELECT pg_try_advisory_xact_lock($1)").bind(RECONCILER_LOCK).fetch_one(&mut *tx).await?;
    Ok(if mine { Turn::Mine(Some(tx)) } else { Turn::Taken })
}

/// One relay at a time, across processes, so events go out in sequence order; claimed
/// and marked in one statement, committed only once the bus accepted them, so a failed
/// publication rolls the marks back.
async fn claim(db: &Db, limit: i64) -> Result<Option<Claim>, AppError> {
    let mut tx = db.pool.begin().await?;
    if !take_relay_turn(&mut tx).await? {
        return Ok(None);
    }
    let batch = claim_for_publishing(&mut tx, limit).await?;
    if batch.is_empty() {
        return Ok(None);
    }
    let events = batch.into_iter().map(|(_, e)| e).collect();
    Ok(Some(Claim { events, settle: Box::pin(commit(tx)) }))
}

async fn commit(tx: Tx) -> Result<(), AppError> {
    tx.commit().await?;
    Ok(())
}

/// Takes the relay's turn for the length of `tx`: false when a relay in another process
/// is publishing. One relay at a time keeps publication in sequence order: with row locks
/// alone, a second relay would skip the first one's locked batch and publish the events
/// after it first.
pub async fn take_relay_turn(tx: &mut Tx) -> Result<bool, AppError> {
    Ok(sqlx::query_scalar("SELECT pg_try_advisory_xact_lock($1)").bind(RELAY_LOCK).fetch_one(&mut **tx).await?)
}

/// Claims up to `limit` unpublished events, oldest first, and marks them published inside
/// `tx`, in one statement, under the relay's turn ([`take_relay_turn`]). The caller
/// commits only once the bus has accepted the events, and a failed publication rolls the
/// marks back.
pub async fn claim_for_publishing(tx: &mut Tx, limit: i64) -> Result<Vec<(i64, EventEnvelope)>, AppError> {
    let sql = format!(
        "UPDATE domain_events SET published_at = $1 WHERE seq IN (SELECT seq FROM domain_events WHERE published_at IS NULL \
         ORDER BY seq LIMIT $2 FOR NO KEY UPDATE) RETURNING {EVENT_COLUMNS}"
    );
    let rows = sqlx::query(&sql).bind(now_ms()).bind(limit).fetch_all(&mut **tx).await?;
    let mut batch = rows.iter().map(envelope_from_row).collect::<Result<Vec<_>, _>>()?;
    batch.sort_by_key(|(seq, _)| *seq);
    Ok(batch)
}
