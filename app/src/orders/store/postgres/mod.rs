//! The box office's busiest writes on PostgreSQL, one statement each.
//!
//! A hold, an order and an approved payment each change several tables, and their
//! outbox event must commit with the change. The portable store ([`super::portable`],
//! and the holds' transaction in [`holds`](crate::orders::holds)) does that in a
//! transaction of several statements, which costs nothing in-process. Against a
//! PostgreSQL server every statement is a round trip, and every one of them is paid by
//! both cores during an on-sale rush, so here each is a single statement of
//! data-modifying CTEs: it commits on its own, all of it or nothing. The domain rules stay
//! in the domain; only these statements differ, and the test suite runs both stores.
//! The hold statement ([`holds`]) serves a whole batch of requests, which
//! [`hold_batches`](crate::orders::hold_batches) gathers.

mod holds;

pub(crate) use holds::{event_seat_ids, hold_batch};

use std::future::Future;

use serde::Deserialize;
use sqlx::Row;

use super::{is_unique_violation, OrderStore, PlaceRequest, Placed, EVENT_SELLS};
use crate::audit::event_types;
use crate::audit::receipts::{self, Delivery, Handled};
use crate::db::{new_id, Db, DbFuture};
use crate::orders::model::SeatLine;
use crate::error::AppError;

/// The PostgreSQL store.
pub struct PostgresOrders;

impl OrderStore for PostgresOrders {
    fn place<'a>(&'a self, db: &'a Db, request: &'a PlaceRequest<'a>) -> DbFuture<'a, Option<Placed>> {
        Box::pin(place_order(db, request))
    }

    fn approve<'a>(&'a self, db: &'a Db, order_id: &'a str, now: i64, delivery: &'a Delivery) -> DbFuture<'a, Handled> {
        Box::pin(approve_payment(db, order_id, now, delivery))
    }
}

async fn place_order(db: &Db, request: &PlaceRequest<'_>) -> Result<Option<Placed>, AppError> {
    match place(db, request).await {
        Ok(placed) => {
            if placed.is_some() {
                db.wake_relay();
            }
            Ok(placed)
        }
        // The same key, placed concurrently by a twin request: nothing was written.
        Err(e) if is_unique_violation(&e) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

async fn approve_payment(db: &Db, order_id: &str, now: i64, delivery: &Delivery) -> Result<Handled, AppError> {
    Ok(match approve(db, order_id, now, delivery).await? {
        Approval::Paid => {
            db.wake_relay();
            Handled::Recorded
        }
        Approval::NotPending => Handled::Recorded,
        Approval::Duplicate => Handled::Duplicate,
    })
}

/// How often a statement chosen as a deadlock victim is run before the error stands.
/// Holds lock their seats in id order, but an order or a payment updates its own seats
/// in whatever order the table gives them, and a buyer's hold may still be waiting to
/// lock one of them from a snapshot taken just before they were held.
const DEADLOCK_ATTEMPTS: u32 = 3;

fn is_deadlock(e: &sqlx::Error) -> bool {
    e.as_database_error().and_then(|d| d.code()).as_deref() == Some("40P01")
}

/// Runs `statement` again while PostgreSQL chooses it as a deadlock victim, up to
/// [`DEADLOCK_ATTEMPTS`] runs in all; `what` names it in the log.
pub(super) async fn retrying_deadlocks<T, F, Fut>(what: &str, mut statement: F) -> Result<T, sqlx::Error>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, sqlx::Error>>,
{
    let mut attempt = 1;
    loop {
        match statement().await {
            Err(e) if attempt < DEADLOCK_ATTEMPTS && is_deadlock(&e) => {
                tracing::warn!(attempt, what, "chosen as a deadlock victim; trying again");
                attempt += 1;
            }
            other => return other,
        }
    }
}

/// A seat line as the statements below return it (a JSON array of these).
#[derive(Deserialize)]
pub(super) struct LineJson {
    seat_id: String,
    section: String,
    section_order: i64,
    row: String,
    number: i64,
    price_cents: i64,
}

/// The `json_build_object` of one seat line of a row with hold_seats' columns.
pub(super) const LINE_OBJECT: &str = "json_build_object('seat_id', seat_id, 'section', section, 'section_order', section_order, \
    'row', row_label, 'number', number, 'price_cents', price_cents)";

/// `json_agg` of the seat lines of a CTE with hold_seats' columns.
fn lines_json(cte: &str) -> String {
    format!("(SELECT json_agg({LINE_OBJECT})::text FROM {cte})")
}

/// Seat lines from [`lines_json`], in map order (section, row, number).
fn parse_lines(json: Option<String>) -> Result<Vec<SeatLine>, AppError> {
    let lines: Vec<LineJson> = match json {
        Some(text) => serde_json::from_str(&text).map_err(|e| {
            tracing::error!(error = %e, "seat lines did not parse");
            AppError::Internal
        })?,
        None => Vec::new(),
    };
    sorted_lines(lines)
}

/// Seat lines in map order (section, row, number).
pub(super) fn sorted_lines(mut lines: Vec<LineJson>) -> Result<Vec<SeatLine>, AppError> {
    lines.sort_by(|a, b| (a.section_order, &a.row, a.number).cmp(&(b.section_order, &b.row, b.number)));
    lines
        .into_iter()
        .map(|l| {
            Ok(SeatLine {
                seat_id: l.seat_id.parse().map_err(|_| AppError::Internal)?,
                section: l.section,
                row: l.row,
                number: l.number,
                price_cents: l.price_cents,
            })
        })
        .collect()
}

/// Turns the user's active hold into a PENDING order: the hold is converted, the
/// gateway token, the order, its lines and its `order.placed` event are written and the
/// seats are marked as the order's, in one statement. `None` when the hold is not this
/// user's, not active, expired, or its event no longer sells (the caller finds out
/// which). A second order with the same idempotency key fails on the unique key, and then
/// nothing was written.
async fn place(db: &Db, request: &PlaceRequest<'_>) -> Result<Option<Placed>, sqlx::Error> {
    let sql = format!(
        "WITH converted AS ( \
             UPDATE holds SET status = 'CONVERTED', updated_at = $1 \
             WHERE id = $2 AND status = 'ACTIVE' AND expires_at > $1 AND user_id = $3 AND {event_sells} RETURNING id, event_id \
         ), lines AS ( \
             SELECT seat_id, section, section_order, row_label, number, price_cents FROM hold_seats \
             WHERE hold_id = $2 AND EXISTS (SELECT 1 FROM converted) \
         ), token AS ( \
             INSERT INTO gateway_tokens (token, outcome, last4, created_at) SELECT $4, $5, $6, $1 FROM converted \
         ), placed AS ( \
             INSERT INTO orders (id, user_id, event_id, hold_id, idempotency_key, status, total_cents, currency, card_last4, \
             payment_token, payment_deadline, created_at, updated_at, request_fingerprint) \
             SELECT $7, $3, c.event_id, c.id, $8, 'PENDING', (SELECT COALESCE(SUM(price_cents), 0) FROM lines), e.currency, \
             $6, $4, $9, $1, $1, $11 FROM converted c JOIN events e ON e.id = c.event_id \
             RETURNING id, event_id, total_cents, currency \
         ), items AS ( \
             INSERT INTO order_items (order_id, seat_id, section, row_label, number, price_cents) \
             SELECT p.id, l.seat_id, l.section, l.row_label, l.number, l.price_cents FROM placed p, lines l \
         ), reserved AS ( \
             UPDATE event_seats SET order_id = $7, updated_at = $1 \
             WHERE hold_id = $2 AND status = 'HELD' AND EXISTS (SELECT 1 FROM converted) \
         ), announced AS ( \
             INSERT INTO domain_events (id, event_type, aggregate_id, payload, occurred_at, request_id) \
             SELECT $10, '{order_placed}', p.id, json_build_object('hold_id', $2::text, 'order_id', p.id, 'user_id', $3::text)::text, $1, $12::text \
             FROM placed p \
         ) \
         SELECT p.event_id, e.title, e.slug, e.starts_at, p.total_cents, p.currency, {lines} AS items \
         FROM placed p JOIN events e ON e.id = p.event_id",
        order_placed = event_types::ORDER_PLACED,
        lines = lines_json("lines"),
        event_sells = EVENT_SELLS,
    );
    let (sql, request_id) = (sql.as_str(), crate::audit::request::current());
    let request_id = &request_id;
    let row = retrying_deadlocks("an order", move || {
        sqlx::query(sql)
            .bind(request.now)
            .bind(request.hold_id)
            .bind(request.user_id)
            .bind(request.token)
            .bind(request.outcome)
            .bind(request.last4)
            .bind(request.order_id)
            .bind(request.idempotency_key)
            .bind(request.payment_deadline)
            .bind(new_id())
            .bind(request.fingerprint)
            .bind(request_id.as_deref())
            .fetch_optional(&db.pool)
    })
    .await?;
    let Some(row) = row else { return Ok(None) };
    let items = parse_lines(row.try_get("items")?).map_err(|_| sqlx::Error::Decode("seat lines".into()))?;
    Ok(Some(Placed {
        event_id: row.try_get("event_id")?,
        event_title: row.try_get("title")?,
        event_slug: row.try_get("slug")?,
        event_starts_at: row.try_get("starts_at")?,
        total_cents: row.try_get("total_cents")?,
        currency: row.try_get("currency")?,
        items,
    }))
}

/// What an approved payment's statement did.
enum Approval {
    /// The order was PENDING and is PAID now.
    Paid,
    /// The order was no longer PENDING: only the receipt was written.
    NotPending,
    /// The delivery had been processed before: nothing was written.
    Duplicate,
}

/// Records an approved payment of a PENDING order: the payment consumer's receipt is
/// admitted as processed, the order is PAID, the payment is stored, its seats are SOLD,
/// and `payment.approved` and `order.paid` are written, in one statement. `order.paid`
/// names the event and the number of seats, so the ticket consumer needs no read, and
/// the buyer and the seats sold, for the live stream.
async fn approve(db: &Db, order_id: &str, now: i64, delivery: &Delivery) -> Result<Approval, AppError> {
    let sql = format!(
        "WITH {admitted}, paid AS ( \
             UPDATE orders SET status = 'PAID', failure_reason = NULL, paid_at = $1, updated_at = $1 \
             WHERE id = $2 AND status = 'PENDING' AND EXISTS (SELECT 1 FROM admitted) \
             AND EXISTS (SELECT 1 FROM events e WHERE e.id = orders.event_id AND e.status <> 'CANCELLED') \
             RETURNING id, event_id, user_id, total_cents \
         ), payment AS ( \
             INSERT INTO payments (id, order_id, status, reason, amount_cents, created_at) \
             SELECT $3, id, 'APPROVED', NULL, total_cents, $1 FROM paid ON CONFLICT (order_id) DO NOTHING \
         ), sold AS ( \
             UPDATE event_seats SET status = 'SOLD', version = version + 1, updated_at = $1 \
             WHERE order_id = $2 AND status = 'HELD' AND EXISTS (SELECT 1 FROM paid) RETURNING seat_id \
         ), announced AS ( \
             INSERT INTO domain_events (id, event_type, aggregate_id, payload, occurred_at, request_id) \
             SELECT $4, '{approved}', id, json_build_object('amount_cents', total_cents, 'order_id', id)::text, $1, $8::text FROM paid \
             UNION ALL SELECT $5, '{paid}', id, json_build_object('event_id', event_id, 'order_id', id, 'user_id', user_id, \
             'seats', (SELECT COUNT(*) FROM order_items WHERE order_id = $2), \
             'seat_ids', (SELECT COALESCE(json_agg(seat_id), '[]'::json) FROM sold))::text, $1, $8::text FROM paid \
         ) \
         SELECT (SELECT COUNT(*) FROM admitted) AS admitted, (SELECT COUNT(*) FROM paid) AS paid",
        admitted = receipts::admit_processed_cte("$1", "$6", "$7"),
        approved = event_types::PAYMENT_APPROVED,
        paid = event_types::ORDER_PAID,
    );
    let (sql, request_id) = (sql.as_str(), crate::audit::request::current());
    let request_id = &request_id;
    let row = retrying_deadlocks("a payment", move || {
        sqlx::query(sql)
            .bind(now)
            .bind(order_id)
            .bind(new_id())
            .bind(new_id())
            .bind(new_id())
            .bind(delivery.event_id.as_str())
            .bind(delivery.consumer)
            .bind(request_id.as_deref())
            .fetch_one(&db.pool)
    })
    .await?;
    Ok(match (row.try_get::<i64, _>("admitted")?, row.try_get::<i64, _>("paid")?) {
        (0, _) => Approval::Duplicate,
        (_, 0) => Approval::NotPending,
        _ => Approval::Paid,
    })
}
