//! What the hold statements take and answer, shared by the portable and the PostgreSQL
//! ones and by the batcher that gathers them.

use sqlx::any::AnyRow;
use sqlx::Row;
use uuid::Uuid;

use crate::orders::model::SeatLine;
use crate::error::AppError;

pub(crate) fn uuid(s: String) -> Result<Uuid, AppError> {
    s.parse().map_err(|_| AppError::Internal)
}

/// The event a hold is asked for, as the hold's answer names it.
#[derive(Clone)]
pub(crate) struct HoldEvent {
    pub id: String,
    pub title: String,
    pub slug: String,
    pub currency: String,
    /// The most seats one buyer may hold, or have in orders waiting for payment.
    pub seat_limit: i64,
}

/// The columns [`HoldEvent::on_sale`] reads, of the `events` table.
pub(crate) const HOLD_EVENT_COLUMNS: &str = "id, status, starts_at, title, slug, currency, max_seats_per_buyer";

impl HoldEvent {
    /// The event of a row with [`HOLD_EVENT_COLUMNS`], if its tickets are on sale at `now`.
    pub(crate) fn on_sale(row: &AnyRow, now: i64) -> Result<Option<HoldEvent>, AppError> {
        let status: String = row.try_get("status")?;
        let starts_at: i64 = row.try_get("starts_at")?;
        if status != "ON_SALE" || starts_at <= now {
            return Ok(None);
        }
        Ok(Some(HoldEvent {
            id: row.try_get("id")?,
            title: row.try_get("title")?,
            slug: row.try_get("slug")?,
            currency: row.try_get("currency")?,
            seat_limit: row.try_get("max_seats_per_buyer")?,
        }))
    }
}

/// The seats `$1` (a user) holds for `$2` (an event) at `$3` (now), or has in orders
/// waiting for their payment: seats still HELD by an unexpired active hold or by a hold
/// turned into an order (a paid order's seats are SOLD, a refused one's are released).
pub(crate) const SEATS_OF_BUYER: &str = "SELECT COUNT(*) FROM holds h JOIN event_seats es ON es.hold_id = h.id AND es.status = 'HELD' \
    WHERE h.user_id = $1 AND h.event_id = $2 AND (h.status = 'CONVERTED' OR (h.status = 'ACTIVE' AND h.expires_at > $3))";

/// What an attempt to hold seats came to.
pub(crate) enum HoldOutcome {
    Held { event: HoldEvent, seats: Vec<SeatLine> },
    NoSuchEvent,
    NotOnSale,
    /// Some of the seats are not seats of this event.
    UnknownSeats,
    /// Some seats are held or sold already: these.
    Taken(Vec<String>),
    /// The buyer would hold more seats of the event than its limit allows.
    OverLimit { limit: i64 },
    /// Another hold of the same buyer committed while this one was decided: it must be
    /// decided again, seeing that one (PostgreSQL).
    Retry,
}

/// One attempt to hold seats, with everything decided before the database is asked.
pub(crate) struct HoldRequest {
    /// The event's id or slug, as the caller named it.
    pub event: String,
    pub hold_id: String,
    pub user_id: String,
    pub seat_ids: Vec<String>,
    pub now: i64,
    pub expires_at: i64,
    /// The request it came from: a batch of holds runs apart from the requests it holds
    /// for, and names each one's in its `seats.held`.
    pub request_id: Option<String>,
}

pub(crate) const HOLD_SEAT_LINES: &str =
    "SELECT seat_id, section, row_label, number, price_cents FROM hold_seats WHERE hold_id = $1 ORDER BY section_order, row_label, number";

/// Seat lines from a query taking one id and returning seat_id, section, row_label,
/// number and price_cents.
pub async fn seat_lines<'c, E>(executor: E, sql: &str, id: &str) -> Result<Vec<SeatLine>, AppError>
where
    E: sqlx::Executor<'c, Database = sqlx::Any>,
{
    let rows = sqlx::query(sql).bind(id).fetch_all(executor).await?;
    rows.iter()
        .map(|r| {
            Ok(SeatLine {
                seat_id: uuid(r.try_get("seat_id")?)?,
                section: r.try_get("section")?,
                row: r.try_get("row_label")?,
                number: r.try_get("number")?,
                price_cents: r.try_get("price_cents")?,
            })
        })
        .collect()
}

