//! Seat holds: all-or-nothing, timed, released by their owner or by the sweeper.

mod portable;
pub(crate) mod stored;

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use serde_json::json;
use sqlx::Row;
use uuid::Uuid;

use crate::audit::{event_types, outbox};
use crate::db::{from_ms, new_id, now_ms, Backend, Db, Tx};
use crate::orders::hold_batches::HoldBatcher;
use crate::orders::model::{Hold, HoldStatus};
use crate::orders::rules::{best_seats, check_seat_request, SeatSpot};
use crate::users::ratelimit::RateLimiter;
use crate::users::User;
use crate::error::AppError;
use crate::i18n::{msg, Text};

pub use stored::seat_lines;
use stored::{uuid, HoldOutcome, HoldRequest, HOLD_SEAT_LINES};

/// What holding seats needs besides the database: how long a hold lasts, the rate limits
/// of buyers and of addresses, and how holds are decided, chosen once for the backend.
pub struct HoldDesk {
    pub ttl: Duration,
    per_buyer: RateLimiter,
    per_address: RateLimiter,
    decide: Decide,
}

/// How a hold is decided.
enum Decide {
    /// In one write transaction of its own (SQLite has one writer).
    Alone,
    /// Together with the other holds asked for at the same moment (PostgreSQL).
    Batched(Arc<HoldBatcher>),
}

impl HoldDesk {
    /// Holds of `ttl` on `backend`. A buyer may try 20 holds at once, then one a second;
    /// an address 120 at once, then four a second.
    pub fn new(backend: Backend, ttl: Duration) -> HoldDesk {
        HoldDesk {
            ttl,
            per_buyer: RateLimiter::new(20, Duration::from_secs(1)),
            per_address: RateLimiter::new(120, Duration::from_millis(250)),
            decide: match backend {
                Backend::Sqlite => Decide::Alone,
                Backend::Postgres => Decide::Batched(Arc::new(HoldBatcher::default())),
            },
        }
    }

    /// Counts a hold attempt of `user` from `ip` against the rate limits (429 past them).
    fn admit(&self, user: &User, ip: IpAddr) -> Result<(), AppError> {
        self.per_buyer.admit(&user.id.to_string())?;
        self.per_address.admit(&ip.to_string())
    }

    async fn decide(&self, db: &Db, request: HoldRequest) -> Result<HoldOutcome, AppError> {
        match &self.decide {
            Decide::Alone => portable::hold_in_transaction(db, &request).await,
            Decide::Batched(batcher) => batcher.hold(db, request).await,
        }
    }

    /// Closes the connections the batcher made for itself, if any.
    pub async fn close(&self) {
        if let Decide::Batched(batcher) = &self.decide {
            batcher.close().await;
        }
    }
}

/// How often a hold decided while another hold of the same buyer committed is decided
/// again before the buyer is asked to try again.
const RETRIES: usize = 4;

/// Holds every requested seat for `user`, or none: a 409 names the seats already taken.
/// The attempt counts against the rate limits of the user and of `ip`.
pub async fn create(db: &Db, desk: &HoldDesk, user: &User, ip: IpAddr, event_id: &str, seat_ids: &[Uuid]) -> Result<Hold, AppError> {
    desk.admit(user, ip)?;
    hold_seats(db, desk, user, event_id, seat_ids).await
}

async fn hold_seats(db: &Db, desk: &HoldDesk, user: &User, event_id: &str, seat_ids: &[Uuid]) -> Result<Hold, AppError> {
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
            expires_at: now + desk.ttl.as_millis() as i64,
            request_id: crate::audit::request::current(),
        };
        let (hold_id, expires_at) = (request.hold_id.clone(), request.expires_at);
        let outcome = desk.decide(db, request).await?;
        tries += 1;
        match outcome {
            HoldOutcome::Retry if tries < RETRIES => continue,
            outcome => break (hold_id, expires_at, outcome),
        }
    };
    match outcome {
        HoldOutcome::Held { event, seats } => {
            db.wake_relay();
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
        HoldOutcome::NotOnSale => Err(AppError::conflict("not_on_sale", msg::errors_orders::NOT_ON_SALE)),
        HoldOutcome::UnknownSeats => Err(AppError::field("seat_ids", msg::errors_orders::SEATS_NOT_OF_EVENT)),
        HoldOutcome::OverLimit { limit } => Err(AppError::Conflict {
            code: "seat_limit_reached".into(),
            message: Text::with(msg::errors_orders::SEAT_LIMIT, &[("limit", &limit)]),
            details: json!({ "limit": limit }),
        }),
        HoldOutcome::Retry => Err(AppError::conflict("try_again", msg::errors_orders::TRY_AGAIN)),
        HoldOutcome::Taken(mut taken) => {
            taken.sort();
            Err(AppError::Conflict {
                code: "seats_unavailable".into(),
                message: msg::errors_orders::SEATS_TAKEN.into(),
                details: json!({ "seat_ids": taken }),
            })
        }
    }
}

/// Holds the best `quantity` available seats of a section (see [`best_seats`]). Tries
/// again when a concurrent buyer took one of them first. The request counts once against
/// the rate limits of the user and of `ip`.
pub async fn create_best(
    db: &Db,
    desk: &HoldDesk,
    user: &User,
    ip: IpAddr,
    event_id: &str,
    section_id: &str,
    quantity: usize,
) -> Result<Hold, AppError> {
    desk.admit(user, ip)?;
    if !(1..=crate::orders::rules::MAX_SEATS_PER_HOLD).contains(&quantity) {
        return Err(AppError::field("quantity", Text::with(msg::errors::HOLD_QUANTITY, &[("max", &crate::orders::rules::MAX_SEATS_PER_HOLD)])));
    }
    for _ in 0..3 {
        let rows = sqlx::query(
            "SELECT st.id, st.row_label, st.number, st.x, st.y FROM event_seats es JOIN seats st ON st.id = es.seat_id \
             JOIN events e ON e.id = es.event_id WHERE (e.id = $1 OR e.slug = $1) AND es.section_id = $2 AND es.status = 'AVAILABLE'",
        )
        .bind(event_id)
        .bind(section_id)
        .fetch_all(&db.pool)
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
                message: Text::with(msg::errors_orders::SEATS_LEFT, &[("quantity", &quantity)]),
                details: json!({ "seat_ids": [] }),
            });
        };
        match hold_seats(db, desk, user, event_id, &choice).await {
            Err(AppError::Conflict { code, .. }) if code == "seats_unavailable" => continue,
            other => return other,
        }
    }
    Err(AppError::conflict("seats_unavailable", msg::errors::SEATS_UNAVAILABLE))
}

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
    let seat_ids = release_seats_of_hold(tx, hold_id, now).await?;
    let row = sqlx::query("SELECT event_id, user_id FROM holds WHERE id = $1").bind(hold_id).fetch_one(&mut **tx).await?;
    let (event_id, user_id): (String, String) = (row.try_get("event_id")?, row.try_get("user_id")?);
    // The seats freed, for the seat maps watching the event's live stream.
    let payload = json!({ "hold_id": hold_id, "event_id": event_id, "user_id": user_id, "seat_ids": seat_ids });
    outbox::record(tx, event_type, &event_id, &payload).await?;
    Ok(true)
}

/// Makes the seats still held by `hold_id` (and not sold) available again; answers them.
pub async fn release_seats_of_hold(tx: &mut Tx, hold_id: &str, now: i64) -> Result<Vec<String>, AppError> {
    let freed = sqlx::query_scalar(
        "UPDATE event_seats SET status = 'AVAILABLE', hold_id = NULL, order_id = NULL, version = version + 1, updated_at = $1 \
         WHERE hold_id = $2 AND status = 'HELD' RETURNING seat_id",
    )
    .bind(now)
    .bind(hold_id)
    .fetch_all(&mut **tx)
    .await?;
    Ok(freed)
}

/// The owner lets the seats go. Releasing twice is the same as once.
pub async fn release(db: &Db, user: &User, hold_id: &str) -> Result<(), AppError> {
    let hold = find_for(db, user, hold_id).await?.hold;
    if hold.status != HoldStatus::Active {
        return Ok(());
    }
    let mut tx = db.begin_write().await?;
    end_hold(&mut tx, hold_id, HoldStatus::Released, event_types::HOLD_RELEASED).await?;
    tx.commit().await?;
    db.wake_relay();
    Ok(())
}

/// The sweeper's warning: each active hold with at most `warning_ms` left, and a life
/// longer than that, gets one `hold.expiring` event (its holder is told by the notifier).
/// `now` is the sweeper's clock. Returns how many were warned.
pub async fn warn_expiring(db: &Db, now: i64, warning_ms: i64) -> Result<usize, AppError> {
    let due: Vec<String> = sqlx::query_scalar(
        "SELECT id FROM holds WHERE status = 'ACTIVE' AND expires_at > $1 AND expires_at <= $2 AND expiry_warned_at IS NULL \
         AND expires_at - created_at > $3 ORDER BY expires_at LIMIT 500",
    )
    .bind(now)
    .bind(now + warning_ms)
    .bind(warning_ms)
    .fetch_all(&db.pool)
    .await?;
    let mut warned = 0;
    for hold_id in due {
        let mut tx = db.begin_write().await?;
        // Once, even with several sweepers: only the one whose update lands writes the event.
        let marked = sqlx::query("UPDATE holds SET expiry_warned_at = $1 WHERE id = $2 AND status = 'ACTIVE' AND expiry_warned_at IS NULL")
            .bind(now)
            .bind(&hold_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if marked == 1 {
            let row = sqlx::query("SELECT event_id, user_id, expires_at FROM holds WHERE id = $1").bind(&hold_id).fetch_one(&mut *tx).await?;
            let event_id: String = row.try_get("event_id")?;
            let payload = json!({ "hold_id": hold_id, "event_id": event_id, "user_id": row.try_get::<String, _>("user_id")?, "expires_at_ms": row.try_get::<i64, _>("expires_at")? });
            outbox::record(&mut tx, event_types::HOLD_EXPIRING, &event_id, &payload).await?;
            warned += 1;
        }
        tx.commit().await?;
    }
    if warned > 0 {
        db.wake_relay();
    }
    Ok(warned)
}

/// The sweeper: expires active holds whose time is up; returns how many.
pub async fn expire_due(db: &Db) -> Result<usize, AppError> {
    let due: Vec<String> = sqlx::query_scalar("SELECT id FROM holds WHERE status = 'ACTIVE' AND expires_at <= $1 ORDER BY expires_at LIMIT 500")
        .bind(now_ms())
        .fetch_all(&db.pool)
        .await?;
    let mut expired = 0;
    for hold_id in due {
        let mut tx = db.begin_write().await?;
        if end_hold(&mut tx, &hold_id, HoldStatus::Expired, event_types::HOLD_EXPIRED).await? {
            expired += 1;
        }
        tx.commit().await?;
    }
    if expired > 0 {
        db.wake_relay();
    }
    Ok(expired)
}
