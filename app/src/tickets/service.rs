//! Issuing tickets for paid orders (the ticket consumer) and reading them.

use serde_json::json;
use sqlx::any::AnyRow;
use sqlx::Row;
use uuid::Uuid;

use crate::audit::receipts::{self, Delivery, Handled};
use crate::audit::{event_types, outbox};
use crate::paging::Page;
use crate::db::{from_ms, now_ms, Backend, Db};
use crate::tickets::signing::TicketSigner;
use crate::tickets::{Revocation, Ticket, TicketStatus};
use crate::users::User;
use crate::AppError;

/// A paid order, as its `order.paid` event describes it. Events written before the
/// event and the seat count were added to the payload name only the order.
pub struct PaidOrder<'a> {
    pub order_id: &'a str,
    pub event_id: Option<&'a str>,
    pub seats: Option<usize>,
}

impl<'a> PaidOrder<'a> {
    pub fn from_payload(payload: &'a serde_json::Value) -> Option<PaidOrder<'a>> {
        Some(PaidOrder {
            order_id: payload["order_id"].as_str()?,
            event_id: payload["event_id"].as_str(),
            seats: payload["seats"].as_u64().map(|n| n as usize),
        })
    }
}

/// Issues one ticket per seat of a paid order. Idempotent: seats that already have a
/// ticket are skipped, so a redelivered `order.paid` issues nothing twice. Returns how
/// many were issued, and whether the receipt of `delivery` was recorded with them.
pub async fn issue_for_order(db: &Db, signer: &TicketSigner, paid: &PaidOrder<'_>, delivery: &Delivery) -> Result<(usize, Handled), AppError> {
    let (issued, handled) = match (db.backend, paid.event_id, paid.seats) {
        (Backend::Postgres, Some(event_id), Some(seats)) => issue_in_one_statement(db, signer, paid.order_id, event_id, seats, delivery).await?,
        _ => issue_after_reading(db, signer, paid.order_id).await?,
    };
    if issued > 0 {
        db.wake_relay();
    }
    Ok((issued, handled))
}

/// `n` new tickets of `event_id`: their ids and signed codes.
fn new_tickets(signer: &TicketSigner, event_id: &str, n: usize) -> Result<Vec<(String, String)>, AppError> {
    let event: Uuid = event_id.parse().map_err(|_| AppError::Internal)?;
    Ok((0..n)
        .map(|_| {
            let id = Uuid::new_v4();
            (id.to_string(), signer.sign(id, event))
        })
        .collect())
}

/// PostgreSQL, when `order.paid` names the event and the number of seats: the codes are
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
             INSERT INTO domain_events (id, event_type, aggregate_id, payload, occurred_at) \
             SELECT gen_random_uuid()::text, '{ticket_issued}', id, json_build_object('event_id', event_id, \
             'order_id', $1::text, 'ticket_id', id, 'user_id', user_id)::text, $3 FROM issued \
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
        .fetch_one(&db.pool)
        .await?;
    let (admitted, todo, issued): (i64, i64, i64) = (row.try_get("admitted")?, row.try_get("todo")?, row.try_get("issued")?);
    if todo > seats as i64 {
        // Never expected: order.paid counted the order's seats. The statement has
        // committed the tickets it had codes for, with the receipt; the rest are issued
        // the portable way, which reads the seats still without a ticket.
        tracing::error!(order_id, todo, seats, "order.paid named fewer seats than the order has");
        let (rest, _) = issue_after_reading(db, signer, order_id).await?;
        return Ok((issued as usize + rest, Handled::Recorded));
    }
    Ok((issued as usize, if admitted == 0 { Handled::Duplicate } else { Handled::Recorded }))
}

/// The portable path (SQLite, and events that name only the order): reads the order's
/// seats without a ticket, then writes the tickets and their events in one transaction
/// that checks again that the order is PAID (on SQLite it is the one writer, so a
/// cancellation commits either before it or after it; on PostgreSQL the check reads the
/// order `FOR SHARE`, as the one-statement issue does).
async fn issue_after_reading(db: &Db, signer: &TicketSigner, order_id: &str) -> Result<(usize, Handled), AppError> {
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
    let check = match db.backend {
        Backend::Sqlite => "SELECT id FROM orders WHERE id = $1 AND status = 'PAID'",
        Backend::Postgres => "SELECT id FROM orders WHERE id = $1 AND status = 'PAID' FOR SHARE",
    };
    let still_paid: Option<String> = sqlx::query_scalar(check).bind(order_id).fetch_optional(&mut *tx).await?;
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

const TICKET_COLUMNS: &str = "t.id, t.order_id, t.event_id, e.title, e.starts_at, v.name AS venue, sc.name AS section, \
    st.row_label, st.number, u.display_name, t.status, t.code, t.issued_at, t.voided_at, t.user_id";
const TICKET_JOINS: &str = "FROM tickets t JOIN events e ON e.id = t.event_id JOIN venues v ON v.id = e.venue_id \
    JOIN seats st ON st.id = t.seat_id JOIN venue_sections sc ON sc.id = st.section_id JOIN users u ON u.id = t.user_id";

fn ticket_from_row(row: &AnyRow) -> Result<Ticket, AppError> {
    let parse = |s: String| s.parse::<Uuid>().map_err(|_| AppError::Internal);
    let status = if row.try_get::<String, _>("status")? == "VALID" { TicketStatus::Valid } else { TicketStatus::Void };
    Ok(Ticket {
        id: parse(row.try_get("id")?)?,
        order_id: parse(row.try_get("order_id")?)?,
        event_id: parse(row.try_get("event_id")?)?,
        event_title: row.try_get("title")?,
        event_starts_at: from_ms(row.try_get("starts_at")?),
        venue: row.try_get("venue")?,
        section: row.try_get("section")?,
        row: row.try_get("row_label")?,
        number: row.try_get("number")?,
        holder: row.try_get("display_name")?,
        status,
        // A void ticket's code still carries a valid signature: it is never shown again.
        code: if status == TicketStatus::Valid { Some(row.try_get("code")?) } else { None },
        qr_svg: None,
        issued_at: from_ms(row.try_get("issued_at")?),
        voided_at: row.try_get::<Option<i64>, _>("voided_at")?.map(from_ms),
    })
}

pub const TICKETS_PER_PAGE: i64 = 50;

/// A user's tickets, soonest event first.
pub async fn list_for(db: &Db, user: &User, page: i64) -> Result<Page<Ticket>, AppError> {
    let page = crate::paging::clamp_page(page);
    let user_id = user.id.to_string();
    let total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM tickets WHERE user_id = $1").bind(&user_id).fetch_one(&db.pool).await?;
    let sql = format!(
        "SELECT {TICKET_COLUMNS} {TICKET_JOINS} WHERE t.user_id = $1 ORDER BY e.starts_at, sc.sort_order, st.row_label, st.number LIMIT $2 OFFSET $3"
    );
    let rows = sqlx::query(&sql).bind(&user_id).bind(TICKETS_PER_PAGE).bind((page - 1) * TICKETS_PER_PAGE).fetch_all(&db.pool).await?;
    let items = rows.iter().map(ticket_from_row).collect::<Result<_, _>>()?;
    Ok(Page { items, total, page, per_page: TICKETS_PER_PAGE })
}

/// One ticket with its QR code, if `user` holds it or is an admin.
pub async fn find_for(db: &Db, user: &User, ticket_id: &str) -> Result<Ticket, AppError> {
    let sql = format!("SELECT {TICKET_COLUMNS} {TICKET_JOINS} WHERE t.id = $1");
    let row = sqlx::query(&sql).bind(ticket_id).fetch_optional(&db.pool).await?.ok_or(AppError::NotFound)?;
    let owner: String = row.try_get("user_id")?;
    if owner != user.id.to_string() && !user.is_admin() {
        return Err(AppError::NotFound);
    }
    let mut ticket = ticket_from_row(&row)?;
    ticket.qr_svg = ticket.code.as_deref().map(qr_svg).transpose()?;
    Ok(ticket)
}

/// The QR code of a ticket `user` may see; a void ticket has none.
pub async fn qr_for(db: &Db, user: &User, ticket_id: &str) -> Result<(Ticket, String), AppError> {
    let mut ticket = find_for(db, user, ticket_id).await?;
    match ticket.qr_svg.take() {
        Some(svg) => Ok((ticket, svg)),
        None => Err(AppError::conflict("ticket_void", "This ticket is void: it has no code and will not be let in.")),
    }
}

pub const REVOCATIONS_PER_PAGE: i64 = 1000;

/// The void tickets of an event, oldest first, voided at or after `since` (ms) when
/// given, for its organizer and administrators: door devices verify codes offline, and
/// turn these away.
pub async fn revocations(db: &Db, user: &User, event_id: &str, since: Option<i64>, page: i64) -> Result<Page<Revocation>, AppError> {
    let event_id = crate::catalog::organizer::service::require_owner(db, user, event_id).await?;
    let page = crate::paging::clamp_page(page);
    let since = since.unwrap_or(0);
    let total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM tickets WHERE event_id = $1 AND status = 'VOID' AND voided_at >= $2")
        .bind(&event_id)
        .bind(since)
        .fetch_one(&db.pool)
        .await?;
    let rows = sqlx::query(
        "SELECT id, seat_id, voided_at FROM tickets WHERE event_id = $1 AND status = 'VOID' AND voided_at >= $2 \
         ORDER BY voided_at, id LIMIT $3 OFFSET $4",
    )
    .bind(&event_id)
    .bind(since)
    .bind(REVOCATIONS_PER_PAGE)
    .bind((page - 1) * REVOCATIONS_PER_PAGE)
    .fetch_all(&db.pool)
    .await?;
    let parse = |s: String| s.parse::<Uuid>().map_err(|_| AppError::Internal);
    let items = rows
        .iter()
        .map(|r| Ok(Revocation { ticket_id: parse(r.try_get("id")?)?, seat_id: parse(r.try_get("seat_id")?)?, voided_at: from_ms(r.try_get("voided_at")?) }))
        .collect::<Result<_, AppError>>()?;
    Ok(Page { items, total, page, per_page: REVOCATIONS_PER_PAGE })
}

/// Voids the valid tickets of `order_id` inside the caller's transaction.
pub async fn void_for_order(tx: &mut crate::db::Tx, order_id: &str, now: i64) -> Result<u64, AppError> {
    let done = sqlx::query("UPDATE tickets SET status = 'VOID', voided_at = $1 WHERE order_id = $2 AND status = 'VALID'")
        .bind(now)
        .bind(order_id)
        .execute(&mut **tx)
        .await?;
    Ok(done.rows_affected())
}

/// The QR code of an admission code as a standalone SVG document.
pub fn qr_svg(code: &str) -> Result<String, AppError> {
    let qr = qrcode::QrCode::with_error_correction_level(code.as_bytes(), qrcode::EcLevel::M).map_err(|e| {
        tracing::error!(error = %e, "QR encoding failed");
        AppError::Internal
    })?;
    Ok(qr
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(240, 240)
        .quiet_zone(true)
        .dark_color(qrcode::render::svg::Color("#000000"))
        .light_color(qrcode::render::svg::Color("#ffffff"))
        .build())
}
