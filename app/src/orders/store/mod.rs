//! Where the box office's orders are written: one interface, a portable implementation
//! (a write transaction of a few statements) and a PostgreSQL one (one statement each),
//! chosen once at start-up ([`AppState`](crate::state)). The domain decides before it
//! asks and explains afterwards ([`service`](crate::orders::service),
//! [`payments`](crate::orders::payments)); a store writes, reading only what its answer
//! names.

pub mod portable;
pub mod postgres;

use crate::audit::receipts::{Delivery, Handled};
use crate::db::{Db, DbFuture};
use crate::orders::model::SeatLine;

/// The writes of an order's trip that differ between the backends.
pub trait OrderStore: Send + Sync + 'static {
    /// Turns the user's active hold into a PENDING order: the hold is converted, the
    /// gateway token, the order, its lines and its `order.placed` event are written and
    /// the seats are marked as the order's, all committed together. `None` when nothing
    /// was placed: the hold is not this user's active one, its event no longer sells, or
    /// an order with the same idempotency key exists (the caller finds out which).
    fn place<'a>(&'a self, db: &'a Db, request: &'a PlaceRequest<'a>) -> DbFuture<'a, Option<Placed>>;

    /// Records an approved payment of a PENDING order whose event is not cancelled: the
    /// order is PAID, the payment stored, its seats SOLD, and `payment.approved` and
    /// `order.paid` (naming the event and the number of seats) written, all committed
    /// together. An order no longer PENDING is left alone. The answer says whether the
    /// store recorded the delivery's receipt with the change ([`Handled`]).
    fn approve<'a>(&'a self, db: &'a Db, order_id: &'a str, now: i64, delivery: &'a Delivery) -> DbFuture<'a, Handled>;
}

/// An order about to be placed: everything decided before the database is asked.
pub struct PlaceRequest<'a> {
    pub order_id: &'a str,
    pub user_id: &'a str,
    pub hold_id: &'a str,
    pub idempotency_key: &'a str,
    pub token: &'a str,
    pub outcome: &'a str,
    pub last4: &'a str,
    pub now: i64,
    pub payment_deadline: i64,
    /// What the request asked for (see `idempotency::request_fingerprint`).
    pub fingerprint: &'a str,
}

/// What a placed order's answer takes from its hold and event.
pub struct Placed {
    pub event_id: String,
    pub event_title: String,
    pub event_slug: String,
    pub event_starts_at: i64,
    pub total_cents: i64,
    pub currency: String,
    /// In map order (section, row, number).
    pub items: Vec<SeatLine>,
}

/// The condition, on a hold row named `holds`, that its event still sells tickets at `$1`.
pub(crate) const EVENT_SELLS: &str =
    "EXISTS (SELECT 1 FROM events e WHERE e.id = holds.event_id AND e.status IN ('ON_SALE', 'SOLD_OUT') AND e.starts_at > $1)";

/// Whether `e` is a unique key refusing a row: for a store, an order whose idempotency
/// key was taken by a twin request, which then placed nothing.
pub(crate) fn is_unique_violation(e: &sqlx::Error) -> bool {
    e.as_database_error().is_some_and(|d| matches!(d.kind(), sqlx::error::ErrorKind::UniqueViolation))
}
