//! Payments: the payment consumer asks the simulated gateway about an order's token and
//! records the answer; orders whose payment never resolves are failed in bounded time.

use std::time::Duration;

use serde_json::json;
use sqlx::Row;

use crate::audit::receipts::{Delivery, Handled};
use crate::audit::{event_types, outbox};
use crate::db::{now_ms, Db};
use crate::orders::holds::release_seats_of_hold;
use crate::orders::rules::{after_refusal, AfterRefusal, CardOutcome};
use crate::orders::store::portable::record_payment;
use crate::orders::store::OrderStore;
use crate::error::AppError;

/// The simulated payment gateway: it answers about a card's token after `delay`.
#[derive(Debug, Clone, Copy)]
pub struct Gateway {
    pub delay: Duration,
}

impl Gateway {
    /// How long an order may wait for its payment before it is failed and its seats
    /// freed: ten answers of the gateway, and at least two minutes.
    pub fn deadline_ms(&self) -> i64 {
        (self.delay.as_millis() as i64 * 10).max(120_000)
    }
}

/// The payment consumer: asks the simulated gateway about the order's token and records
/// the answer (an approval through `store`). Idempotent: an order that is no longer
/// PENDING is left alone.
pub async fn process_payment(db: &Db, store: &dyn OrderStore, gateway: &Gateway, order_id: &str, delivery: &Delivery) -> Result<Handled, AppError> {
    // The gateway answers after its delay; the order and its event are read as they are
    // then, so an event cancelled meanwhile is seen.
    tokio::time::sleep(gateway.delay).await;
    let row = sqlx::query(
        "SELECT o.status, o.total_cents, o.hold_id, h.expires_at, g.outcome, e.status AS event_status FROM orders o \
         JOIN holds h ON h.id = o.hold_id JOIN events e ON e.id = o.event_id \
         LEFT JOIN gateway_tokens g ON g.token = o.payment_token WHERE o.id = $1",
    )
        .bind(order_id)
        .fetch_optional(&db.pool)
        .await?
        .ok_or(AppError::NotFound)?;
    let status: String = row.try_get("status")?;
    if status != "PENDING" {
        return Ok(Handled::Done);
    }
    let amount: i64 = row.try_get("total_cents")?;
    let hold_id: String = row.try_get("hold_id")?;
    let hold_expires_at: i64 = row.try_get("expires_at")?;
    // The gateway's answer for this token.
    let outcome: Option<String> = row.try_get("outcome")?;
    let outcome = outcome.and_then(|o| CardOutcome::parse(&o)).unwrap_or(CardOutcome::Decline);
    // Nothing is charged for a cancelled event (its sales are being closed: the order is
    // cancelled with them, or here if it comes first).
    let refusal = match row.try_get::<String, _>("event_status")?.as_str() {
        "CANCELLED" => Some(EVENT_CANCELLED),
        _ => outcome.refusal(),
    };

    let now = now_ms();
    match refusal {
        None => store.approve(db, order_id, now, delivery).await,
        Some(reason) => refuse(db, &Refused { order_id, hold_id: &hold_id, hold_expires_at, amount, reason }, now).await,
    }
}

/// A payment the gateway (or a cancelled event) refused.
struct Refused<'a> {
    order_id: &'a str,
    hold_id: &'a str,
    hold_expires_at: i64,
    amount: i64,
    reason: &'a str,
}

/// Records a refused payment of a PENDING order: the order is REJECTED with the reason,
/// the payment stored as declined, and the seats go back to the hold while it runs, or
/// are released with it; `payment.rejected` is written with them.
async fn refuse(db: &Db, refused: &Refused<'_>, now: i64) -> Result<Handled, AppError> {
    let (order_id, hold_id, reason) = (refused.order_id, refused.hold_id, refused.reason);
    let mut tx = db.begin_write().await?;
    let changed = sqlx::query(
        "UPDATE orders SET status = 'REJECTED', failure_reason = $1, updated_at = $2 WHERE id = $3 AND status = 'PENDING' RETURNING user_id, event_id",
    )
    .bind(reason)
    .bind(now)
    .bind(order_id)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(changed) = changed else {
        tx.rollback().await?;
        return Ok(Handled::Done);
    };
    let (user_id, event_id): (String, String) = (changed.try_get("user_id")?, changed.try_get("event_id")?);
    let mut freed = Vec::new();
    record_payment(&mut tx, order_id, Some(reason), refused.amount, now).await?;
    match after_refusal(refused.hold_expires_at, now) {
        AfterRefusal::BackToHold => {
            sqlx::query("UPDATE holds SET status = 'ACTIVE', updated_at = $1 WHERE id = $2 AND status = 'CONVERTED'")
                .bind(now)
                .bind(hold_id)
                .execute(&mut *tx)
                .await?;
            sqlx::query("UPDATE event_seats SET order_id = NULL, updated_at = $1 WHERE order_id = $2 AND status = 'HELD'")
                .bind(now)
                .bind(order_id)
                .execute(&mut *tx)
                .await?;
        }
        AfterRefusal::Release => {
            sqlx::query("UPDATE holds SET status = 'EXPIRED', updated_at = $1 WHERE id = $2").bind(now).bind(hold_id).execute(&mut *tx).await?;
            freed = release_seats_of_hold(&mut tx, hold_id, now).await?;
        }
    }
    let payload = json!({ "order_id": order_id, "reason": reason, "user_id": user_id, "event_id": event_id, "status": "REJECTED", "seat_ids": freed });
    outbox::record(&mut tx, event_types::PAYMENT_REJECTED, order_id, &payload).await?;
    tx.commit().await?;
    db.wake_relay();
    Ok(Handled::Done)
}

/// Why a payment is refused when its event was cancelled before it was approved.
pub const EVENT_CANCELLED: &str = crate::orders::rules::reasons::EVENT_CANCELLED_UNCHARGED;

/// Fails orders whose payment never resolved in time and frees their seats.
pub async fn expire_stale_payments(db: &Db) -> Result<usize, AppError> {
    let now = now_ms();
    let stale: Vec<String> = sqlx::query_scalar("SELECT id FROM orders WHERE status = 'PENDING' AND payment_deadline <= $1 LIMIT 200")
        .bind(now)
        .fetch_all(&db.pool)
        .await?;
    let mut expired = 0;
    for order_id in stale {
        let mut tx = db.begin_write().await?;
        let changed = sqlx::query(
            "UPDATE orders SET status = 'EXPIRED', failure_reason = $1, updated_at = $2 WHERE id = $3 AND status = 'PENDING' \
             RETURNING hold_id, user_id, event_id",
        )
        .bind(crate::orders::rules::reasons::PAYMENT_TIMEOUT)
        .bind(now)
        .bind(&order_id)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(row) = changed {
            let (hold_id, user_id, event_id): (String, String, String) = (row.try_get("hold_id")?, row.try_get("user_id")?, row.try_get("event_id")?);
            sqlx::query("UPDATE holds SET status = 'EXPIRED', updated_at = $1 WHERE id = $2").bind(now).bind(&hold_id).execute(&mut *tx).await?;
            let freed = release_seats_of_hold(&mut tx, &hold_id, now).await?;
            let payload = json!({ "order_id": order_id, "reason": "timeout", "user_id": user_id, "event_id": event_id, "status": "EXPIRED", "seat_ids": freed });
            outbox::record(&mut tx, event_types::PAYMENT_REJECTED, &order_id, &payload).await?;
            expired += 1;
        }
        tx.commit().await?;
    }
    if expired > 0 {
        db.wake_relay();
    }
    Ok(expired)
}
