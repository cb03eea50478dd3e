//! Issuing tickets on PostgreSQL: one statement, with the delivery's receipt.

use serde_json::json;
use sqlx::Row;

use super::portable::issue_after_reading;
use super::{new_tickets, PaidOrder, TicketStore};
use crate::audit::event_types;
use crate::audit::receipts::{self, Delivery, Handled};
use crate::db::{now_ms, Db, DbFuture};
use crate::tickets::signing::TicketSigner;
use crate::error::AppError;

/// The PostgreSQL store.
pub struct PostgresTickets;

/// How the portable issue reads the order here: `FOR SHARE`, as the one statement does
/// (see [`issue_in_one_statement`]).
const FOR_SHARE: &str = " FOR SHARE";

impl TicketStore for PostgresTickets {
    fn issue<'a>(&'a self, db: &'a Db, signer: &'a TicketSigner, paid: &'a PaidOrder<'a>, delivery: &'a Delivery) -> DbFuture<'a, (usize, Handled)> {
        Box::pin(async move {
            match (paid.event_id, paid.seats) {
                (Some(event_id), Some(seats)) => issue_in_one_statement(db, signer, paid.order_id, event_id, seats, delivery).await,
                // An event written before `order.paid` named the event and its seats.
                _ => issue_after_reading(db, signer, paid.order_id, FOR_SHARE).await,
            }
        })
    }
}

/// When `order.paid` names the event and the number of seats: the codes are
/// signed first, then one statement admits the delivery (the receipt, processed), gives
/// each seat without a ticket one of them and writes the `ticket.issued` events, so they
/// all commit together.
///
/// The order is read `FOR SHARE`: a cancellation or a refund changing its status at the
/// same moment either commits first, and then the order is re-read as no longer PAID and
/// nothing is issued, or waits for these tickets and then voids them with the others.
/// Without the lock the statement would issue tickets from its snapshot of a PAID order
/// that a cancellation had just ended, and the cancellation would not see them.
async fn issue_in_one_statement(db: &Db, signer: &TicketSigner, order_id: &str, event_id: &str, seats: usize, delivery: &Delivery) -> Result<(usize, Handled), AppError> {
    let tickets = new_tickets(signer, event_id, seats)?;
    let tickets = serde_json::to_string(&tickets.iter().map(|(id, code)| json!({ "id": id, "code": code })).collect::<Vec<_>>())
        .map_err(|_| AppError::Internal)?;
    let sql = format!(
        "WITH {admitted}, paid AS ( \
             SELECT id, event_id, user_id FROM orders WHERE id = $1 AND status = 'PAID' AND EXISTS (SELECT 1 FROM admitted) FOR SHARE \
         ), todo AS ( \
             SELECT i.seat_id, o.event_id, o.user_id, row_number() OVER (ORDER BY i.seat_id) AS n \
             FROM paid o JOIN order_items i ON i.order_id = o.id \
             WHERE NOT EXISTS (SELECT 1 FROM tickets t WHERE t.order_id = o.id AND t.seat_id = i.seat_id) \
         ), given AS ( \
             SELECT value->>'id' AS id, value->>'code' AS code, n FROM json_array_elements($2::json) WITH ORDINALITY AS g(value, n) \
         ), issued AS ( \
             INSERT INTO tickets (id, order_id, event_id, seat_id, user_id, code, status, issued_at) \
             SELECT g.id, $1, t.event_id, t.seat_id, t.user_id, g.code, 'VALID', $3 FROM todo t JOIN given g ON g.n = t.n \
             ON CONFLICT (order_id, seat_id) DO NOTHING RETURNING id, event_id, user_id \
         ), announced AS ( \
             INSERT INTO domain_events (id, event_type, aggregate_id, payload, occurred_at, request_id) \
             SELECT gen_random_uuid()::text, '{ticket_issued}', id, json_build_object('event_id', event_id, \
             'order_id', $1::text, 'ticket_id', id, 'user_id', user_id)::text, $3, $6::text FROM issued \
         ) \
         SELECT (SELECT COUNT(*) FROM admitted) AS admitted, (SELECT COUNT(*) FROM todo) AS todo, (SELECT COUNT(*) FROM issued) AS issued",
        admitted = receipts::admit_processed_cte("$3", "$4", "$5"),
        ticket_issued = event_types::TICKET_ISSUED,
    );
    let row = sqlx::query(&sql)
        .bind(order_id)
        .bind(tickets)
        .bind(now_ms())
        .bind(delivery.event_id.as_str())
        .bind(delivery.consumer)
        .bind(crate::audit::request::current())
        .fetch_one(&db.pool)
        .await?;
    let (admitted, todo, issued): (i64, i64, i64) = (row.try_get("admitted")?, row.try_get("todo")?, row.try_get("issued")?);
    if todo > seats as i64 {
        // Never expected: order.paid counted the order's seats. The statement has
        // committed the tickets it had codes for, with the receipt; the rest are issued
        // the portable way, which reads the seats still without a ticket.
        tracing::error!(order_id, todo, seats, "order.paid named fewer seats than the order has");
        let (rest, _) = issue_after_reading(db, signer, order_id, FOR_SHARE).await?;
        return Ok((issued as usize + rest, Handled::Recorded));
    }
    Ok((issued as usize, if admitted == 0 { Handled::Duplicate } else { Handled::Recorded }))
}

