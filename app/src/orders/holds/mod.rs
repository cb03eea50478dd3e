//! Seat holds: all-or-nothing, timed, released by their owner or by the sweeper.

mod portable;

use std::net::IpAddr;

use serde_json::json;
use sqlx::any::AnyRow;
use sqlx::Row;
use uuid::Uuid;

use crate::audit::{event_types, outbox};
use crate::db::{from_ms, new_id, now_ms, Backend, Db, Tx};
use crate::orders::model::{Hold, HoldStatus, SeatLine};
use crate::orders::rules::{best_seats, check_seat_request, SeatSpot};
use crate::state::AppState;
use crate::users::User;
use crate::AppError;

fn uuid(s: String) -> Result<Uuid, AppError> {
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
}

/// How often a hold decided while another hold of the same buyer committed is decided
/// again before the buyer is asked to try again.
const RETRIES: usize = 4;

/// Counts a hold attempt of `user` from `ip` against the rate limits (429 past them).
pub fn admit_attempt(state: &AppState, user: &User, ip: IpAddr) -> Result<(), AppError> {
    state.limiters.hold_user.admit(&user.id.to_string())?;
    state.limiters.hold_ip.admit(&ip.to_string())
}

/// Holds every requested seat for `user`, or none: a 409 names the seats already taken.
/// The attempt counts against the rate limits of the user and of `ip`.
pub async fn create(state: &AppState, user: &User, ip: IpAddr, event_id: &str, seat_ids: &[Uuid]) -> Result<Hold, AppError> {
    admit_attempt(state, user, ip)?;
    hold_seats(state, user, event_id, seat_ids).await
}

async fn hold_seats(state: &AppState, user: &User, event_id: &str, seat_ids: &[Uuid]) -> Result<Hold, AppError> {
    check_seat_request(seat_ids).map_err(AppError::Validation)?;
    let mut tries = 0;
    let (hold_id, expires_at, outcome) = loop {
        let now = now_ms();
        let request = HoldRequest {
            event: event_id.to_owned(),
            hold_id: new_id(),
            user_id: user.id.to_string(),
            seat_ids: seat_ids.iter().map(Uuid::to_string).collect(),
            now,
            expires_at: now + state.settings.hold_ttl.as_millis() as i64,
        };
        let (hold_id, expires_at) = (request.hold_id.clone(), request.expires_at);
        let outcome = match state.db.backend {
            Backend::Postgres => state.hold_batcher.hold(&state.db, request).await?,
            Backend::Sqlite => portable::hold_in_transaction(&state.db, &request).await?,
        };
        tries += 1;
        match outcome {
            HoldOutcome::Retry if tries < RETRIES => continue,
            outcome => break (hold_id, expires_at, outcome),
        }
    };
    match outcome {
        HoldOutcome::Held { event, seats } => {
            state.outbox_signal.notify_one();
            Ok(Hold {
                id: uuid(hold_id)?,
                event_id: uuid(event.id)?,
                event_title: event.title,
                event_slug: event.slug,
                status: HoldStatus::Active,
                expires_at: from_ms(expires_at),
                total_cents: seats.iter().map(|s| s.price_cents).sum(),
                seats,
                currency: event.currency,
            })
        }
        HoldOutcome::NoSuchEvent => Err(AppError::NotFound),
        HoldOutcome::NotOnSale => Err(AppError::conflict("not_on_sale", "Tickets for this event are not on sale.")),
        HoldOutcome::UnknownSeats => Err(AppError::field("seat_ids", "Some of these seats do not belong to this event.")),
        HoldOutcome::OverLimit { limit } => Err(AppError::Conflict {
            code: "seat_limit_reached".into(),
            message: format!(
                "You can hold or buy at most {limit} seats of this event at a time, counting your holds and the orders waiting for payment."
            ),
            details: json!({ "limit": limit }),
        }),
        HoldOutcome::Retry => Err(AppError::conflict("try_again", "Your other holds for this event were being decided; please try again.")),
        HoldOutcome::Taken(mut taken) => {
            taken.sort();
            Err(AppError::Conflict {
                code: "seats_unavailable".into(),
                message: "Some of these seats were just taken. Pick others and try again.".into(),
                details: json!({ "seat_ids": taken }),
            })
        }
    }
}

/// Holds the best `quantity` available seats of a section (see [`best_seats`]). Tries
/// again when a concurrent buyer took one of them first. The request counts once against
/// the rate limits of the user and of `ip`.
pub async fn create_best(state: &AppState, user: &User, ip: IpAddr, event_id: &str, section_id: &str, quantity: usize) -> Result<Hold, AppError> {
    admit_attempt(state, user, ip)?;
    if !(1..=crate::orders::rules::MAX_SEATS_PER_HOLD).contains(&quantity) {
        return Err(AppError::field("quantity", format!("Ask for 1 to {} seats.", crate::orders::rules::MAX_SEATS_PER_HOLD)));
    }
    for _ in 0..3 {
        let rows = sqlx::query(
            "SELECT st.id, st.row_label, st.number, st.x, st.y FROM event_seats es JOIN seats st ON st.id = es.seat_id \
             JOIN events e ON e.id = es.event_id WHERE (e.id = $1 OR e.slug = $1) AND es.section_id = $2 AND es.status = 'AVAILABLE'",
        )
        .bind(event_id)
        .bind(section_id)
        .fetch_all(&state.db.pool)
        .await?;
        let spots = rows
            .iter()
            .map(|r| {
                Ok(SeatSpot {
                    id: uuid(r.try_get("id")?)?,
                    row: r.try_get("row_label")?,
                    number: r.try_get("number")?,
                    x: r.try_get("x")?,
                    y: r.try_get("y")?,
                })
            })
            .collect::<Result<Vec<_>, AppError>>()?;
        let Some(choice) = best_seats(&spots, quantity) else {
            return Err(AppError::Conflict {
                code: "seats_unavailable".into(),
                message: format!("There are not {quantity} seats left in this section."),
                details: json!({ "seat_ids": [] }),
            });
        };
        match hold_seats(state, user, event_id, &choice).await {
            Err(AppError::Conflict { code, .. }) if code == "seats_unavailable" => continue,
            other => return other,
        }
    }
    Err(AppError::conflict("seats_unavailable", "These seats are selling fast; please try again."))
}

pub(crate) const HOLD_SEAT_LINES: &str =
    "SELECT seat_id, section, row_label, number, price_cents FROM hold_seats WHERE hold_id = $1 ORDER BY section_order, row_label, number";

/// A hold as stored, with who holds it and when its event starts.
pub struct StoredHold {
    pub hold: Hold,
    pub user_id: String,
    pub event_starts_at: i64,
}

/// A hold with its seats, prices and event.
pub async fn find(db: &Db, hold_id: &str) -> Result<StoredHold, AppError> {
    let row = sqlx::query(
        "SELECT h.id, h.event_id, h.user_id, h.status, h.expires_at, e.title, e.slug, e.currency, e.starts_at \
         FROM holds h JOIN events e ON e.id = h.event_id WHERE h.id = $1",
    )
    .bind(hold_id)
    .fetch_optional(&db.pool)
    .await?
    .ok_or(AppError::NotFound)?;
    let seats = seat_lines(&db.pool, HOLD_SEAT_LINES, hold_id).await?;
    let status: String = row.try_get("status")?;
    Ok(StoredHold {
        user_id: row.try_get("user_id")?,
        event_starts_at: row.try_get("starts_at")?,
        hold: Hold {
            id: uuid(row.try_get("id")?)?,
            event_id: uuid(row.try_get("event_id")?)?,
            event_title: row.try_get("title")?,
            event_slug: row.try_get("slug")?,
            status: HoldStatus::parse(&status).ok_or(AppError::Internal)?,
            expires_at: from_ms(row.try_get("expires_at")?),
            total_cents: seats.iter().map(|s| s.price_cents).sum(),
            seats,
            currency: row.try_get("currency")?,
        },
    })
}

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

/// The hold if `user` may see it (its owner or an admin); otherwise "not found".
pub async fn find_for(db: &Db, user: &User, hold_id: &str) -> Result<StoredHold, AppError> {
    match find(db, hold_id).await {
        Ok(stored) if stored.user_id == user.id.to_string() || user.is_admin() => Ok(stored),
        Ok(_) | Err(AppError::NotFound) => Err(AppError::NotFound),
        Err(e) => Err(e),
    }
}

/// Ends an active hold and frees its seats, emitting `event_type`. Returns false when
/// the hold was no longer active (released, expired or converted meanwhile).
async fn end_hold(tx: &mut Tx, hold_id: &str, to: HoldStatus, event_type: &str) -> Result<bool, AppError> {
    let now = now_ms();
    let ended = sqlx::query("UPDATE holds SET status = $1, updated_at = $2 WHERE id = $3 AND status = 'ACTIVE'")
        .bind(to.as_str())
        .bind(now)
        .bind(hold_id)
        .execute(&mut **tx)
        .await?
        .rows_affected();
    if ended == 0 {
        return Ok(false);
    }
    release_seats_of_hold(tx, hold_id, now).await?;
    let event_id: String = sqlx::query_scalar("SELECT event_id FROM holds WHERE id = $1").bind(hold_id).fetch_one(&mut **tx).await?;
    outbox::record(tx, event_type, &event_id, &json!({ "hold_id": hold_id, "event_id": event_id })).await?;
    Ok(true)
}

/// Makes the seats still held by `hold_id` (and not sold) available again.
pub async fn release_seats_of_hold(tx: &mut Tx, hold_id: &str, now: i64) -> Result<u64, AppError> {
    let done = sqlx::query(
        "UPDATE event_seats SET status = 'AVAILABLE', hold_id = NULL, order_id = NULL, version = version + 1, updated_at = $1 \
         WHERE hold_id = $2 AND status = 'HELD'",
    )
    .bind(now)
    .bind(hold_id)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected())
}

/// The owner lets the seats go. Releasing twice is the same as once.
pub async fn release(state: &AppState, user: &User, hold_id: &str) -> Result<(), AppError> {
    let hold = find_for(&state.db, user, hold_id).await?.hold;
    if hold.status != HoldStatus::Active {
        return Ok(());
    }
    let mut tx = state.db.begin_write().await?;
    end_hold(&mut tx, hold_id, HoldStatus::Released, event_types::HOLD_RELEASED).await?;
    tx.commit().await?;
    state.outbox_signal.notify_one();
    Ok(())
}

/// The sweeper: expires active holds whose time is up; returns how many.
pub async fn expire_due(state: &AppState) -> Result<usize, AppError> {
    let due: Vec<String> = sqlx::query_scalar("SELECT id FROM holds WHERE status = 'ACTIVE' AND expires_at <= $1 ORDER BY expires_at LIMIT 500")
        .bind(now_ms())
        .fetch_all(&state.db.pool)
        .await?;
    let mut expired = 0;
    for hold_id in due {
        let mut tx = state.db.begin_write().await?;
        if end_hold(&mut tx, &hold_id, HoldStatus::Expired, event_types::HOLD_EXPIRED).await? {
            expired += 1;
        }
        tx.commit().await?;
    }
    if expired > 0 {
        state.outbox_signal.notify_one();
    }
    Ok(expired)
}
