//! Issuing tickets for paid orders (the ticket consumer) and reading them.

use serde_json::json;
use sqlx::any::AnyRow;
use sqlx::Row;
use uuid::Uuid;

use crate::audit::receipts::{self, Delivery, Handled};
use crate::audit::{event_types, outbox};
use crate::catalog::Page;
use crate::db::{from_ms, now_ms, Backend, Db};
use crate::state::AppState;
use crate::tickets::{Ticket, TicketStatus};
use crate::users::User;
use crate::AppError;

/// Issues one ticket per seat of a paid order. Idempotent: seats that already have a
/// ticket are skipped, so a redelivered `order.paid` issues nothing twice. Returns how
/// many were issued, and whether the receipt of `delivery` was recorded with them.
pub async fn issue_for_order(state: &AppState, order_id: &str, delivery: &Delivery) -> Result<(usize, Handled), AppError> {
    let db = &state.db;
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
    let event_uuid: Uuid = event_id.parse().map_err(|_| AppError::Internal)?;
    let seats = rows.iter().map(|r| r.try_get::<Option<String>, _>("seat_id")).collect::<Result<Vec<_>, _>>()?;
    let seats: Vec<String> = seats.into_iter().flatten().collect();
    if seats.is_empty() {
        return Ok((0, Handled::Done));
    }
    let now = now_ms();
    let mut tickets = Vec::with_capacity(seats.len());
    for seat_id in &seats {
        let id = Uuid::new_v4();
        tickets.push((id.to_string(), seat_id, state.signer.sign(id, event_uuid)));
    }
    let rows = (0..tickets.len())
        .map(|i| format!("(${}, $1, $2, ${}, $3, ${}, 'VALID', $4)", i * 3 + 5, i * 3 + 6, i * 3 + 7))
        .collect::<Vec<_>>()
        .join(", ");
    let insert = format!(
        "INSERT INTO tickets (id, order_id, event_id, seat_id, user_id, code, status, issued_at) VALUES {rows} \
         ON CONFLICT (order_id, seat_id) DO NOTHING RETURNING id"
    );
    let (issued, handled) = match db.backend {
        // One statement: the tickets, their `ticket.issued` events and the consumer's
        // receipt commit together.
        Backend::Postgres => {
            let next = 5 + tickets.len() * 3;
            let sql = format!(
                "WITH issued AS ({insert}), announced AS ( \
                     INSERT INTO domain_events (id, event_type, aggregate_id, payload, occurred_at) \
                     SELECT gen_random_uuid()::text, '{ticket_issued}', id, json_build_object('event_id', $2::text, \
                     'order_id', $1::text, 'ticket_id', id, 'user_id', $3::text)::text, $4 FROM issued \
                 ), {receipt} SELECT COUNT(*) FROM issued",
                ticket_issued = event_types::TICKET_ISSUED,
                receipt = receipts::mark_processed_cte("$4", &format!("${next}"), &format!("${}", next + 1)),
            );
            let mut query = sqlx::query_scalar::<_, i64>(&sql).bind(order_id).bind(&event_id).bind(&user_id).bind(now);
            for (id, seat_id, code) in &tickets {
                query = query.bind(id).bind(*seat_id).bind(code);
            }
            let issued = query.bind(delivery.event_id.as_str()).bind(delivery.consumer).fetch_one(&db.pool).await? as usize;
            (issued, Handled::Recorded)
        }
        Backend::Sqlite => {
            let mut query = sqlx::query_scalar::<_, String>(&insert).bind(order_id).bind(&event_id).bind(&user_id).bind(now);
            for (id, seat_id, code) in &tickets {
                query = query.bind(id).bind(*seat_id).bind(code);
            }
            let mut tx = db.begin_write().await?;
            let issued = query.fetch_all(&mut *tx).await?;
            let events: Vec<_> = issued
                .iter()
                .map(|id| {
                    (event_types::TICKET_ISSUED, id.as_str(), json!({ "ticket_id": id, "order_id": order_id, "user_id": user_id, "event_id": event_id }))
                })
                .collect();
            outbox::record_all(&mut tx, &events).await?;
            tx.commit().await?;
            (issued.len(), Handled::Done)
        }
    };
    if issued > 0 {
        state.outbox_signal.notify_one();
    }
    Ok((issued, handled))
}

const TICKET_COLUMNS: &str = "t.id, t.order_id, t.event_id, e.title, e.starts_at, v.name AS venue, sc.name AS section, \
    st.row_label, st.number, u.display_name, t.status, t.code, t.issued_at, t.user_id";
const TICKET_JOINS: &str = "FROM tickets t JOIN events e ON e.id = t.event_id JOIN venues v ON v.id = e.venue_id \
    JOIN seats st ON st.id = t.seat_id JOIN venue_sections sc ON sc.id = st.section_id JOIN users u ON u.id = t.user_id";

fn ticket_from_row(row: &AnyRow) -> Result<Ticket, AppError> {
    let parse = |s: String| s.parse::<Uuid>().map_err(|_| AppError::Internal);
    let status: String = row.try_get("status")?;
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
        status: if status == "VALID" { TicketStatus::Valid } else { TicketStatus::Void },
        code: row.try_get("code")?,
        qr_svg: None,
        issued_at: from_ms(row.try_get("issued_at")?),
    })
}

pub const TICKETS_PER_PAGE: i64 = 50;

/// A user's tickets, soonest event first.
pub async fn list_for(db: &Db, user: &User, page: i64) -> Result<Page<Ticket>, AppError> {
    let page = page.max(1);
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
    ticket.qr_svg = Some(qr_svg(&ticket.code)?);
    Ok(ticket)
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
