//! How the event log is kept, where the backends differ: one interface, a portable
//! implementation (one process owns the database) and a PostgreSQL one (several processes
//! take turns under advisory locks), chosen once at start-up ([`AppState`](crate::state)).
//! The receipt protocol itself is [`receipts`](crate::audit::receipts).

pub mod portable;
pub mod postgres;

use crate::audit::EventEnvelope;
use crate::db::{Db, DbFuture, Tx};
use crate::error::AppError;

/// The event log's work that differs between the backends.
pub trait EventStore: Send + Sync + 'static {
    /// Whether a consumer's handler may record its delivery's receipt in its own statement
    /// ([`admit_processed_cte`](crate::audit::receipts::admit_processed_cte)), with its
    /// change, instead of admitting the delivery in a statement before it.
    fn handlers_admit_deliveries(&self) -> bool;

    /// Takes the reconciler's turn, so that one process at a time reconciles.
    fn reconciler_turn<'a>(&'a self, db: &'a Db) -> DbFuture<'a, Turn>;

    /// Claims up to `limit` unpublished events for the outbox relay, oldest first; `None`
    /// when there are none, or another process's relay has the turn. The events count as
    /// published once the claim is committed, after the bus accepted them; a claim
    /// dropped uncommitted leaves them unpublished.
    fn claim<'a>(&'a self, db: &'a Db, limit: i64) -> DbFuture<'a, Option<Claim>>;
}

/// Whether this process may reconcile now.
pub enum Turn {
    /// Yes, while the transaction (PostgreSQL: it holds the advisory lock) lasts. On the
    /// portable store one process owns the database: no lock.
    Mine(Option<Tx>),
    /// Another process is reconciling.
    Taken,
}

impl Turn {
    /// Ends the turn.
    pub async fn end(self) -> Result<(), AppError> {
        if let Turn::Mine(Some(tx)) = self {
            tx.commit().await?;
        }
        Ok(())
    }
}

/// Events claimed for publication ([`EventStore::claim`]).
pub struct Claim {
    /// In sequence order.
    pub events: Vec<EventEnvelope>,
    /// Marks them published: run only by [`Claim::commit`].
    settle: DbFuture<'static, ()>,
}

impl Claim {
    /// Marks the claimed events published.
    pub async fn commit(self) -> Result<(), AppError> {
        self.settle.await
    }
}
