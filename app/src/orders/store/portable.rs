//! The orders' writes in portable SQL: a write transaction of a few statements each,
//! which costs nothing against an in-process SQLite (and runs on PostgreSQL too).

use serde_json::json;
use sqlx::Row;

use super::{is_unique_violation, OrderStore, PlaceRequest, Placed, EVENT_SELLS};
use crate::audit::receipts::{Delivery, Handled};
use crate::audit::{event_types, outbox};
use crate::db::{new_id, Db, DbFuture, Tx};
use crate::orders::holds::stored::{seat_lines, HOLD_SEAT_LINES};
use crate::error::AppError;

/// The portable store (SQLite).
pub struct PortableOrders;

impl OrderStore for PortableOrders {
    fn place<'a>(&'a self, db: &'a Db, request: &'a PlaceRequest<'a>) -> DbFuture<'a, Option<Placed>> {
        Box::pin(place(db, request))
    }

    fn approve<'a>(&'a self, db: &'a Db, order_id: &'a str, now: i64, _delivery: &'a Delivery) -> DbFuture<'a, Handled> {
        Box::pin(approve(db, order_id, now))
    }
}

async fn place(db: &Db, request: &PlaceRequest<'_>) -> Result<Option<Placed>, AppError> {
    let (now, hold_id) = (request.now, request.hold_id);
    // What the answer names, read before the write so that the one writer waits less: a
    // hold's event and seats never change, and the write below checks the rest.
    let Some(event) = sqlx::query(
        "SELECT e.id, e.title, e.slug, e.starts_at, e.currency FROM holds h JOIN events e ON e.id = h.event_id \
         WHERE h.id = $1 AND h.user_id = $2",
    )
    .bind(hold_id)
    .bind(request.user_id)
    .fetch_optional(&db.pool)
    .await?
    else {
        return Ok(None);
    };
    let items = seat_lines(&db.pool, HOLD_SEAT_LINES, hold_id).await?;
    let placed = Placed {
        event_id: event.try_get("id")?,
        event_title: event.try_get("title")?,
        event_slug: event.try_get("slug")?,
        event_starts_at: event.try_get("starts_at")?,
        total_cents: items.iter().map(|l| l.price_cents).sum(),
        currency: event.try_get("currency")?,
        items,
    };
    let mut tx = db.begin_write().await?;
    // The hold must still be this user's and active, and its event still selling.
    let convert = format!(
        "UPDATE holds SET status = 'CONVERTED', updated_at = $1 WHERE id = $2 AND status = 'ACTIVE' AND expires_at > $1 AND user_id = $3 \
         AND {EVENT_SELLS}"
    );
    let converted = sqlx::query(&convert).bind(now).bind(hold_id).bind(request.user_id).execute(&mut *tx).await?.rows_affected();
    if converted == 0 {
        tx.rollback().await?;
        return Ok(None);
    }
    sqlx::query("INSERT INTO gateway_tokens (token, outcome, last4, created_at) VALUES ($1, $2, $3, $4)")
        .bind(request.token)
        .bind(request.outcome)
        .bind(request.last4)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    let inserted = sqlx::query(
        "INSERT INTO orders (id, user_id, event_id, hold_id, idempotency_key, status, total_cents, currency, card_last4, \
         payment_token, payment_deadline, created_at, updated_at, request_fingerprint) \
         VALUES ($1, $2, $3, $4, $5, 'PENDING', $6, $7, $8, $9, $10, $11, $11, $12)",
    )
    .bind(request.order_id)
    .bind(request.user_id)
    .bind(&placed.event_id)
    .bind(hold_id)
    .bind(request.idempotency_key)
    .bind(placed.total_cents)
    .bind(&placed.currency)
    .bind(request.last4)
    .bind(request.token)
    .bind(request.payment_deadline)
    .bind(now)
    .bind(request.fingerprint)
    .execute(&mut *tx)
    .await;
    match inserted {
        Ok(_) => {}
        // The key was taken by a twin request: nothing is placed.
        Err(e) if is_unique_violation(&e) => {
            tx.rollback().await?;
            return Ok(None);
        }
        Err(e) => return Err(e.into()),
    }
    sqlx::query(
        "INSERT INTO order_items (order_id, seat_id, section, row_label, number, price_cents) \
         SELECT $1, seat_id, section, row_label, number, price_cents FROM hold_seats WHERE hold_id = $2",
    )
    .bind(request.order_id)
    .bind(hold_id)
    .execute(&mut *tx)
    .await?;
    sqlx::query("UPDATE event_seats SET order_id = $1, updated_at = $2 WHERE hold_id = $3 AND status = 'HELD'")
        .bind(request.order_id)
        .bind(now)
        .bind(hold_id)
        .execute(&mut *tx)
        .await?;
    let payload = json!({ "order_id": request.order_id, "user_id": request.user_id, "hold_id": hold_id });
    outbox::record(&mut tx, event_types::ORDER_PLACED, request.order_id, &payload).await?;
    tx.commit().await?;
    db.wake_relay();
    Ok(Some(placed))
}

async fn approve(db: &Db, order_id: &str, now: i64) -> Result<Handled, AppError> {
    let mut tx = db.begin_write().await?;
    let changed = sqlx::query(
        "UPDATE orders SET status = 'PAID', failure_reason = NULL, paid_at = $1, updated_at = $1 WHERE id = $2 AND status = 'PENDING' \
         AND EXISTS (SELECT 1 FROM events e WHERE e.id = orders.event_id AND e.status <> 'CANCELLED')",
    )
    .bind(now)
    .bind(order_id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if changed == 0 {
        tx.rollback().await?;
        return Ok(Handled::Done);
    }
    let order = sqlx::query(
        "SELECT event_id, user_id, total_cents, (SELECT COUNT(*) FROM order_items WHERE order_id = $1) AS seats FROM orders WHERE id = $1",
    )
    .bind(order_id)
    .fetch_one(&mut *tx)
    .await?;
    let (event_id, amount, seats): (String, i64, i64) = (order.try_get("event_id")?, order.try_get("total_cents")?, order.try_get("seats")?);
    let user_id: String = order.try_get("user_id")?;
    record_payment(&mut tx, order_id, None, amount, now).await?;
    let sold: Vec<String> =
        sqlx::query_scalar("UPDATE event_seats SET status = 'SOLD', version = version + 1, updated_at = $1 WHERE order_id = $2 AND status = 'HELD' RETURNING seat_id")
            .bind(now)
            .bind(order_id)
            .fetch_all(&mut *tx)
            .await?;
    outbox::record_all(
        &mut tx,
        &[
            (event_types::PAYMENT_APPROVED, order_id, json!({ "order_id": order_id, "amount_cents": amount })),
            (event_types::ORDER_PAID, order_id, json!({ "order_id": order_id, "event_id": event_id, "user_id": user_id, "seats": seats, "seat_ids": sold })),
        ],
    )
    .await?;
    tx.commit().await?;
    db.wake_relay();
    Ok(Handled::Done)
}

/// Stores the gateway's answer about an order's payment in `tx`: approved, or declined
/// for `reason`. An order has one payment; a second answer is ignored.
pub(crate) async fn record_payment(tx: &mut Tx, order_id: &str, reason: Option<&str>, amount: i64, now: i64) -> Result<(), AppError> {
    sqlx::query("INSERT INTO payments (id, order_id, status, reason, amount_cents, created_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (order_id) DO NOTHING")
        .bind(new_id())
        .bind(order_id)
        .bind(if reason.is_none() { "APPROVED" } else { "DECLINED" })
        .bind(reason)
        .bind(amount)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    Ok(())
}
