//! A paid order refunded before its event starts, by the support desk: REFUNDED, its
//! tickets void, its seats on sale again, `order.refunded` (with the seats, for the live
//! stream, and the amount, for the customer's notification). And the tickets of a paid
//! order sent again to their buyer (`tickets.resent`).

use serde_json::json;
use sqlx::Row;

use crate::audit::{event_types, outbox};
use crate::db::{now_ms, Backend, Db};
use crate::error::AppError;
use crate::i18n::msg;
use crate::orders::model::Order;
use crate::orders::rules::reasons;
use crate::orders::service::find;
use crate::users::User;

/// Refunds the paid order `order_id` for `by` (whose right to do so the caller checked).
/// Refunding it again answers it as it is.
pub async fn refund(db: &Db, by: &User, order_id: &str) -> Result<Order, AppError> {
    let mut tx = db.begin_write().await?;
    let lock = if db.backend == Backend::Postgres { " FOR UPDATE OF o" } else { "" };
    let row = sqlx::query(&format!(
        "SELECT o.status, o.user_id, o.event_id, o.total_cents, o.currency, e.starts_at FROM orders o JOIN events e ON e.id = o.event_id WHERE o.id = $1{lock}"
    ))
    .bind(order_id)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(AppError::NotFound)?;
    let status: String = row.try_get("status")?;
    if status == "REFUNDED" {
        tx.rollback().await?;
        return find(db, order_id).await;
    }
    if status != "PAID" {
        return Err(AppError::conflict("not_refundable", msg::errors_orders::NOT_REFUNDABLE));
    }
    let now = now_ms();
    if row.try_get::<i64, _>("starts_at")? <= now {
        return Err(AppError::conflict("event_started", msg::errors_orders::REFUND_STARTED));
    }
    sqlx::query("UPDATE orders SET status = 'REFUNDED', failure_reason = $1, cancelled_at = $2, updated_at = $2 WHERE id = $3")
        .bind(reasons::REFUNDED_BY_SUPPORT)
        .bind(now)
        .bind(order_id)
        .execute(&mut *tx)
        .await?;
    let freed = crate::orders::service::free_seats_and_void_tickets(&mut tx, order_id, now).await?;
    let payload = json!({
        "order_id": order_id, "user_id": row.try_get::<String, _>("user_id")?, "event_id": row.try_get::<String, _>("event_id")?,
        "amount_cents": row.try_get::<i64, _>("total_cents")?, "currency": row.try_get::<String, _>("currency")?,
        "reason": reasons::REFUNDED_BY_SUPPORT, "by": by.id, "seat_ids": freed,
    });
    outbox::record(&mut tx, event_types::ORDER_REFUNDED, order_id, &payload).await?;
    tx.commit().await?;
    db.wake_relay();
    find(db, order_id).await
}

/// Sends the tickets of the paid order `order_id` to its buyer again (the notifier does,
/// as when they were issued), for `by`.
pub async fn resend_tickets(db: &Db, by: &User, order_id: &str) -> Result<(), AppError> {
    let status: Option<String> = sqlx::query_scalar("SELECT status FROM orders WHERE id = $1").bind(order_id).fetch_optional(&db.pool).await?;
    match status.as_deref() {
        None => return Err(AppError::NotFound),
        Some("PAID") => {}
        Some(_) => return Err(AppError::conflict("no_tickets", msg::errors_orders::NO_TICKETS_TO_SEND)),
    }
    let mut tx = db.begin_write().await?;
    outbox::record(&mut tx, event_types::TICKETS_RESENT, order_id, &json!({ "order_id": order_id, "by": by.id })).await?;
    tx.commit().await?;
    db.wake_relay();
    Ok(())
}
