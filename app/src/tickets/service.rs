//! Issuing tickets for paid orders (the ticket consumer) and reading them.

use sqlx::any::AnyRow;
use sqlx::Row;
use uuid::Uuid;

use crate::audit::receipts::{Delivery, Handled};
use crate::paging::Page;
use crate::db::{from_ms, Db};
use crate::tickets::signing::TicketSigner;
pub use crate::tickets::store::PaidOrder;
use crate::tickets::store::TicketStore;
use crate::tickets::{Revocation, Ticket, TicketStatus};
use crate::users::User;
use crate::error::AppError;

/// Issues, through `store`, one ticket per seat of a paid order. Idempotent: seats that
/// already have a ticket are skipped, so a redelivered `order.paid` issues nothing twice.
/// Returns how many were issued, and whether the receipt of `delivery` was recorded with
/// them.
pub async fn issue_for_order(db: &Db, store: &dyn TicketStore, signer: &TicketSigner, paid: &PaidOrder<'_>, delivery: &Delivery) -> Result<(usize, Handled), AppError> {
    let (issued, handled) = store.issue(db, signer, paid, delivery).await?;
    if issued > 0 {
        db.wake_relay();
    }
    Ok((issued, handled))
}

const TICKET_COLUMNS: &str = "t.id, t.order_id, t.event_id, e.title, e.starts_at, v.time_zone, v.name AS venue, sc.name AS section, \
    st.row_label, st.number, u.display_name, t.status, t.code, t.issued_at, t.voided_at, t.user_id";
const TICKET_JOINS: &str = "FROM tickets t JOIN events e ON e.id = t.event_id JOIN venues v ON v.id = e.venue_id \
    JOIN seats st ON st.id = t.seat_id JOIN venue_sections sc ON sc.id = st.section_id JOIN users u ON u.id = t.user_id";

fn ticket_from_row(row: &AnyRow) -> Result<Ticket, AppError> {
    let parse = |s: String| s.parse::<Uuid>().map_err(|_| AppError::Internal);
    let status = if row.try_get::<String, _>("status")? == "VALID" { TicketStatus::Valid } else { TicketStatus::Void };
    let starts_at = from_ms(row.try_get("starts_at")?);
    let time_zone: String = row.try_get("time_zone")?;
    Ok(Ticket {
        id: parse(row.try_get("id")?)?,
        order_id: parse(row.try_get("order_id")?)?,
        event_id: parse(row.try_get("event_id")?)?,
        event_title: row.try_get("title")?,
        event_starts_at: starts_at,
        event_starts_at_local: crate::catalog::zone::local_in(starts_at, &time_zone),
        event_time_zone: time_zone,
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
        None => Err(AppError::conflict("ticket_void", crate::i18n::msg::errors_tickets::VOID)),
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
    crate::tickets::codes::draw_qr(code).ok_or_else(|| {
        tracing::error!("QR encoding failed");
        AppError::Internal
    })
}
