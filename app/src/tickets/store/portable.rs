//! Issuing tickets in portable SQL: the order's seats without a ticket are read, then
//! the tickets and their events written in a transaction that checks the order again.

use serde_json::json;
use sqlx::Row;

use super::{new_tickets, PaidOrder, TicketStore};
use crate::audit::receipts::{Delivery, Handled};
use crate::audit::{event_types, outbox};
use crate::db::{now_ms, Db, DbFuture};
use crate::tickets::signing::TicketSigner;
use crate::error::AppError;

/// The portable store (SQLite).
pub struct PortableTickets;

impl TicketStore for PortableTickets {
    fn issue<'a>(&'a self, db: &'a Db, signer: &'a TicketSigner, paid: &'a PaidOrder<'a>, _delivery: &'a Delivery) -> DbFuture<'a, (usize, Handled)> {
        Box::pin(issue_after_reading(db, signer, paid.order_id, ""))
    }
}

/// Reads the order's seats without a ticket, then writes the tickets and their events in
/// one transaction that checks again that the order is PAID, reading it with `lock`
/// appended to the check. On SQLite (no lock) the transaction is the one writer, so a
/// cancellation commits either before it or after it; the PostgreSQL store, which comes
/// here for events that name only the order, reads it `FOR SHARE`.
pub(super) async fn issue_after_reading(db: &Db, signer: &TicketSigner, order_id: &str, lock: &str) -> Result<(usize, Handled), AppError> {
    // The order, with one row per seat that has no ticket yet (a NULL seat when none).
    let rows = sqlx::query(
        "SELECT o.user_id, o.event_id, o.status, i.seat_id FROM orders o LEFT JOIN order_items i ON i.order_id = o.id \
         AND NOT EXISTS (SELECT 1 FROM tickets t WHERE t.order_id = i.order_id AND t.seat_id = i.seat_id) WHERE o.id = $1",
    )
    .bind(order_id)
    .fetch_all(&db.pool)
    .await?;
    let order = rows.first().ok_or(AppError::NotFound)?;
    let status: String = order.try_get("status")?;
    if status != "PAID" {
        return Ok((0, Handled::Done));
    }
    let user_id: String = order.try_get("user_id")?;
    let event_id: String = order.try_get("event_id")?;
    let seats = rows.iter().map(|r| r.try_get::<Option<String>, _>("seat_id")).collect::<Result<Vec<_>, _>>()?;
    let seats: Vec<String> = seats.into_iter().flatten().collect();
    if seats.is_empty() {
        return Ok((0, Handled::Done));
    }
    let tickets = new_tickets(signer, &event_id, seats.len())?;
    let rows = (0..tickets.len())
        .map(|i| format!("(${}, $1, $2, ${}, $3, ${}, 'VALID', $4)", i * 3 + 5, i * 3 + 6, i * 3 + 7))
        .collect::<Vec<_>>()
        .join(", ");
    let insert = format!(
        "INSERT INTO tickets (id, order_id, event_id, seat_id, user_id, code, status, issued_at) VALUES {rows} \
         ON CONFLICT (order_id, seat_id) DO NOTHING RETURNING id"
    );
    let mut query = sqlx::query_scalar::<_, String>(&insert).bind(order_id).bind(&event_id).bind(&user_id).bind(now_ms());
    for ((id, code), seat_id) in tickets.iter().zip(&seats) {
        query = query.bind(id).bind(seat_id).bind(code);
    }
    let mut tx = db.begin_write().await?;
    // The order is still PAID now, or a cancellation committed since the read above and
    // nothing is issued.
    let check = format!("SELECT id FROM orders WHERE id = $1 AND status = 'PAID'{lock}");
    let still_paid: Option<String> = sqlx::query_scalar(&check).bind(order_id).fetch_optional(&mut *tx).await?;
    if still_paid.is_none() {
        tx.rollback().await?;
        return Ok((0, Handled::Done));
    }
    let issued = query.fetch_all(&mut *tx).await?;
    let events: Vec<_> = issued
        .iter()
        .map(|id| (event_types::TICKET_ISSUED, id.as_str(), json!({ "ticket_id": id, "order_id": order_id, "user_id": user_id, "event_id": event_id })))
        .collect();
    outbox::record_all(&mut tx, &events).await?;
    tx.commit().await?;
    Ok((issued.len(), Handled::Done))
}

