//! An event's cancellation closes its sales: its holds end, orders waiting for their
//! payment are cancelled, paid orders are refunded, their tickets become void and every
//! seat is freed. The catalog records `event.cancelled` with the status change; the
//! box-office consumer answers it here, once (a redelivery finds nothing left to do).
//!
//! Placing and approving check the event themselves, so nothing sells between the status
//! change and this. The statements run in this order so that an order placed, paid or
//! issued at the same moment is caught by a later one: each statement reads what was
//! committed before it, and one that meets a row another transaction is changing waits
//! for it.

use serde_json::json;
use sqlx::Row;

use crate::audit::{event_types, outbox};
use crate::db::{now_ms, Db};
use crate::error::AppError;

/// Why orders of a cancelled event were cancelled or refunded.
pub const EVENT_CANCELLED_REASON: &str = crate::orders::rules::reasons::EVENT_CANCELLED;

/// What closing an event's sales changed.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Closed {
    pub holds_released: usize,
    pub orders_cancelled: usize,
    pub orders_refunded: usize,
    pub tickets_voided: u64,
}

/// Closes the sales of a cancelled event (a no-op for an event that is not cancelled,
/// or whose sales are closed already).
pub async fn close_sales(db: &Db, event_id: &str) -> Result<Closed, AppError> {
    let mut tx = db.begin_write().await?;
    let status: Option<String> = sqlx::query_scalar("SELECT status FROM events WHERE id = $1").bind(event_id).fetch_optional(&mut *tx).await?;
    if status.as_deref() != Some("CANCELLED") {
        tx.rollback().await?;
        return Ok(Closed::default());
    }
    let now = now_ms();
    let mut events = Vec::new();

    let holds: Vec<String> = sqlx::query_scalar("UPDATE holds SET status = 'RELEASED', updated_at = $1 WHERE event_id = $2 AND status = 'ACTIVE' RETURNING id")
        .bind(now)
        .bind(event_id)
        .fetch_all(&mut *tx)
        .await?;
    for hold_id in &holds {
        events.push((event_types::HOLD_RELEASED, event_id.to_owned(), json!({ "hold_id": hold_id, "event_id": event_id, "reason": "event_cancelled" })));
    }

    let cancelled = sqlx::query(
        "UPDATE orders SET status = 'CANCELLED', failure_reason = $1, cancelled_at = $2, updated_at = $2 \
         WHERE event_id = $3 AND status = 'PENDING' RETURNING id, user_id",
    )
    .bind(EVENT_CANCELLED_REASON)
    .bind(now)
    .bind(event_id)
    .fetch_all(&mut *tx)
    .await?;
    for row in &cancelled {
        let (order_id, user_id): (String, String) = (row.try_get("id")?, row.try_get("user_id")?);
        events.push((event_types::ORDER_CANCELLED, order_id.clone(), json!({ "order_id": order_id, "user_id": user_id, "event_id": event_id, "reason": "event_cancelled" })));
    }

    let refunded = sqlx::query(
        "UPDATE orders SET status = 'REFUNDED', failure_reason = $1, cancelled_at = $2, updated_at = $2 \
         WHERE event_id = $3 AND status = 'PAID' RETURNING id, user_id, total_cents, currency",
    )
    .bind(EVENT_CANCELLED_REASON)
    .bind(now)
    .bind(event_id)
    .fetch_all(&mut *tx)
    .await?;
    for row in &refunded {
        let (order_id, user_id): (String, String) = (row.try_get("id")?, row.try_get("user_id")?);
        let (amount, currency): (i64, String) = (row.try_get("total_cents")?, row.try_get("currency")?);
        events.push((
            event_types::ORDER_REFUNDED,
            order_id.clone(),
            json!({ "order_id": order_id, "user_id": user_id, "event_id": event_id, "amount_cents": amount, "currency": currency, "reason": "event_cancelled" }),
        ));
    }

    // Every ticket of a cancelled event is void, whatever became of its order.
    let tickets_voided = sqlx::query("UPDATE tickets SET status = 'VOID', voided_at = $1 WHERE event_id = $2 AND status = 'VALID'")
        .bind(now)
        .bind(event_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    sqlx::query(
        "UPDATE event_seats SET status = 'AVAILABLE', hold_id = NULL, order_id = NULL, version = version + 1, updated_at = $1 \
         WHERE event_id = $2 AND status <> 'AVAILABLE'",
    )
    .bind(now)
    .bind(event_id)
    .execute(&mut *tx)
    .await?;
    let events: Vec<(&str, &str, serde_json::Value)> = events.iter().map(|(t, a, p)| (*t, a.as_str(), p.clone())).collect();
    outbox::record_all(&mut tx, &events).await?;
    tx.commit().await?;
    if !events.is_empty() {
        db.wake_relay();
    }
    Ok(Closed { holds_released: holds.len(), orders_cancelled: cancelled.len(), orders_refunded: refunded.len(), tickets_voided })
}
