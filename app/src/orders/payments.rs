//! Payments: the payment consumer asks the simulated gateway about an order's token and
//! records the answer; orders whose payment never resolves are failed in bounded time.

use std::time::Duration;

use serde_json::json;
use sqlx::Row;

use crate::audit::receipts::{Delivery, Handled};
use crate::audit::{event_types, outbox};
use crate::db::{new_id, now_ms, Backend, Db};
use crate::orders::holds::release_seats_of_hold;
use crate::orders::postgres;
use crate::orders::rules::{after_refusal, AfterRefusal, CardOutcome};
use crate::AppError;

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
/// the answer. Idempotent: an order that is no longer PENDING is left alone.
pub async fn process_payment(db: &Db, gateway: &Gateway, order_id: &str, delivery: &Delivery) -> Result<Handled, AppError> {
    // The gateway answers after its delay; the order and its event are read as they are
    // then, so an event cancelled meanwhile is seen.
    tokio::time::sleep(gateway.delay).await;
    let row = sqlx::query(
        "SELECT o.status, o.total_cents, o.hold_id, o.event_id, h.expires_at, g.outcome, e.status AS event_status FROM orders o \
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
    let event_id: String = row.try_get("event_id")?;
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
    if db.backend == Backend::Postgres && refusal.is_none() {
        return Ok(match postgres::approve(db, order_id, now, delivery).await? {
            postgres::Approval::Paid => {
                db.wake_relay();
                Handled::Recorded
            }
            postgres::Approval::NotPending => Handled::Recorded,
            postgres::Approval::Duplicate => Handled::Duplicate,
        });
    }
    let mut tx = db.begin_write().await?;
    let (to, reason) = match refusal {
        None => ("PAID", None),
        Some(reason) => ("REJECTED", Some(reason)),
    };
    // An order is paid only while its event is not cancelled.
    let changed = sqlx::query(
        "UPDATE orders SET status = $1, failure_reason = $2, paid_at = $3, updated_at = $4 WHERE id = $5 AND status = 'PENDING' \
         AND ($1 <> 'PAID' OR EXISTS (SELECT 1 FROM events e WHERE e.id = orders.event_id AND e.status <> 'CANCELLED'))",
    )
        .bind(to)
        .bind(reason)
        .bind(reason.is_none().then_some(now))
        .bind(now)
        .bind(order_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if changed == 0 {
        tx.rollback().await?;
        return Ok(Handled::Done);
    }
    sqlx::query("INSERT INTO payments (id, order_id, status, reason, amount_cents, created_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (order_id) DO NOTHING")
        .bind(new_id())
        .bind(order_id)
        .bind(if reason.is_none() { "APPROVED" } else { "DECLINED" })
        .bind(reason)
        .bind(amount)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    match reason {
        None => {
            sqlx::query("UPDATE event_seats SET status = 'SOLD', version = version + 1, updated_at = $1 WHERE order_id = $2 AND status = 'HELD'")
                .bind(now)
                .bind(order_id)
                .execute(&mut *tx)
                .await?;
            // order.paid names the number of seats, as the one-statement approval does.
            let seats: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM order_items WHERE order_id = $1").bind(order_id).fetch_one(&mut *tx).await?;
            outbox::record_all(
                &mut tx,
                &[
                    (event_types::PAYMENT_APPROVED, order_id, json!({ "order_id": order_id, "amount_cents": amount })),
                    (event_types::ORDER_PAID, order_id, json!({ "order_id": order_id, "event_id": event_id, "seats": seats })),
                ],
            )
            .await?;
        }
        Some(reason) => {
            match after_refusal(hold_expires_at, now) {
                AfterRefusal::BackToHold => {
                    sqlx::query("UPDATE holds SET status = 'ACTIVE', updated_at = $1 WHERE id = $2 AND status = 'CONVERTED'")
                        .bind(now)
                        .bind(&hold_id)
                        .execute(&mut *tx)
                        .await?;
                    sqlx::query("UPDATE event_seats SET order_id = NULL, updated_at = $1 WHERE order_id = $2 AND status = 'HELD'")
                        .bind(now)
                        .bind(order_id)
                        .execute(&mut *tx)
                        .await?;
                }
                AfterRefusal::Release => {
                    sqlx::query("UPDATE holds SET status = 'EXPIRED', updated_at = $1 WHERE id = $2").bind(now).bind(&hold_id).execute(&mut *tx).await?;
                    release_seats_of_hold(&mut tx, &hold_id, now).await?;
                }
            }
            outbox::record(&mut tx, event_types::PAYMENT_REJECTED, order_id, &json!({ "order_id": order_id, "reason": reason })).await?;
        }
    }
    tx.commit().await?;
    db.wake_relay();
    Ok(Handled::Done)
}

/// Why a payment is refused when its event was cancelled before it was approved.
pub const EVENT_CANCELLED: &str = "The event was cancelled; nothing was charged.";

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
        let changed = sqlx::query("UPDATE orders SET status = 'EXPIRED', failure_reason = $1, updated_at = $2 WHERE id = $3 AND status = 'PENDING'")
            .bind("The payment did not complete in time.")
            .bind(now)
            .bind(&order_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if changed == 1 {
            let hold_id: String = sqlx::query_scalar("SELECT hold_id FROM orders WHERE id = $1").bind(&order_id).fetch_one(&mut *tx).await?;
            sqlx::query("UPDATE holds SET status = 'EXPIRED', updated_at = $1 WHERE id = $2").bind(now).bind(&hold_id).execute(&mut *tx).await?;
            release_seats_of_hold(&mut tx, &hold_id, now).await?;
            outbox::record(&mut tx, event_types::PAYMENT_REJECTED, &order_id, &json!({ "order_id": order_id, "reason": "timeout" })).await?;
            expired += 1;
        }
        tx.commit().await?;
    }
    if expired > 0 {
        db.wake_relay();
    }
    Ok(expired)
}
