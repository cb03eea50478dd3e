//! Seat holds: all-or-nothing, timed, released by their owner or by the sweeper.

use serde_json::json;
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

/// Holds every requested seat for `user`, or none: a 409 names the seats already taken.
pub async fn create(state: &AppState, user: &User, event_id: &str, seat_ids: &[Uuid]) -> Result<Hold, AppError> {
    check_seat_request(seat_ids).map_err(AppError::Validation)?;
    let db = &state.db;
    let now = now_ms();
    let event = sqlx::query("SELECT id, status, starts_at, title, slug, currency FROM events WHERE id = $1 OR slug = $1")
        .bind(event_id)
        .fetch_optional(&db.pool)
        .await?
        .ok_or(AppError::NotFound)?;
    let event_id: String = event.try_get("id")?;
    let status: String = event.try_get("status")?;
    let starts_at: i64 = event.try_get("starts_at")?;
    if status != "ON_SALE" || starts_at <= now {
        return Err(AppError::conflict("not_on_sale", "Tickets for this event are not on sale."));
    }

    let ids: Vec<String> = seat_ids.iter().map(Uuid::to_string).collect();
    let list = (0..ids.len()).map(|i| format!("${}", i + 5)).collect::<Vec<_>>().join(", ");
    let hold_id = new_id();
    let expires_at = now + state.settings.hold_ttl.as_millis() as i64;

    let mut tx = db.begin_write().await?;
    // On PostgreSQL the seats are locked in one order (by id), so that two buyers asking
    // for overlapping seats wait for each other instead of deadlocking. SQLite has one
    // writer at a time (`BEGIN IMMEDIATE`), so a plain update is enough there.
    let sql = match db.backend {
        Backend::Postgres => format!(
            "UPDATE event_seats SET status = 'HELD', hold_id = $1, version = version + 1, updated_at = $2 \
             WHERE event_id = $3 AND seat_id IN (SELECT seat_id FROM event_seats WHERE event_id = $3 AND status = $4 \
             AND seat_id IN ({list}) ORDER BY seat_id FOR UPDATE)"
        ),
        Backend::Sqlite => format!(
            "UPDATE event_seats SET status = 'HELD', hold_id = $1, version = version + 1, updated_at = $2 \
             WHERE event_id = $3 AND status = $4 AND seat_id IN ({list})"
        ),
    };
    let mut update = sqlx::query(&sql).bind(&hold_id).bind(now).bind(&event_id).bind("AVAILABLE");
    for id in &ids {
        update = update.bind(id);
    }
    let held = update.execute(&mut *tx).await?.rows_affected() as usize;
    if held != ids.len() {
        tx.rollback().await?;
        return Err(refusal(db, &event_id, &ids).await?);
    }
    sqlx::query("INSERT INTO holds (id, event_id, user_id, status, expires_at, created_at, updated_at) VALUES ($1, $2, $3, 'ACTIVE', $4, $5, $5)")
        .bind(&hold_id)
        .bind(&event_id)
        .bind(user.id.to_string())
        .bind(expires_at)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO hold_seats (hold_id, seat_id, price_cents) \
         SELECT es.hold_id, es.seat_id, p.price_cents FROM event_seats es \
         JOIN event_prices p ON p.event_id = es.event_id AND p.section_id = es.section_id \
         WHERE es.event_id = $1 AND es.hold_id = $2",
    )
    .bind(&event_id)
    .bind(&hold_id)
    .execute(&mut *tx)
    .await?;
    outbox::record(
        &mut tx,
        event_types::SEATS_HELD,
        &event_id,
        &json!({ "hold_id": hold_id, "event_id": event_id, "user_id": user.id, "seat_ids": ids, "expires_at_ms": expires_at }),
    )
    .await?;
    let seats = seat_lines(&mut *tx, HOLD_SEAT_LINES, &hold_id).await?;
    tx.commit().await?;
    state.outbox_signal.notify_one();
    Ok(Hold {
        id: uuid(hold_id)?,
        event_id: uuid(event_id)?,
        event_title: event.try_get("title")?,
        event_slug: event.try_get("slug")?,
        status: HoldStatus::Active,
        expires_at: from_ms(expires_at),
        total_cents: seats.iter().map(|s| s.price_cents).sum(),
        seats,
        currency: event.try_get("currency")?,
    })
}

/// Holds the best `quantity` available seats of a section (see [`best_seats`]). Tries
/// again when a concurrent buyer took one of them first.
pub async fn create_best(state: &AppState, user: &User, event_id: &str, section_id: &str, quantity: usize) -> Result<Hold, AppError> {
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
        match create(state, user, event_id, &choice).await {
            Err(AppError::Conflict { code, .. }) if code == "seats_unavailable" => continue,
            other => return other,
        }
    }
    Err(AppError::conflict("seats_unavailable", "These seats are selling fast; please try again."))
}

/// Why a hold was refused: unknown seats are a field error, taken seats a conflict.
async fn refusal(db: &Db, event_id: &str, ids: &[String]) -> Result<AppError, AppError> {
    let list = (0..ids.len()).map(|i| format!("${}", i + 2)).collect::<Vec<_>>().join(", ");
    let sql = format!("SELECT seat_id, status FROM event_seats WHERE event_id = $1 AND seat_id IN ({list})");
    let mut query = sqlx::query(&sql).bind(event_id);
    for id in ids {
        query = query.bind(id);
    }
    let rows = query.fetch_all(&db.pool).await?;
    if rows.len() != ids.len() {
        return Ok(AppError::field("seat_ids", "Some of these seats do not belong to this event."));
    }
    let mut taken = Vec::new();
    for row in rows {
        let status: String = row.try_get("status")?;
        if status != "AVAILABLE" {
            taken.push(row.try_get::<String, _>("seat_id")?);
        }
    }
    taken.sort();
    Ok(AppError::Conflict {
        code: "seats_unavailable".into(),
        message: "Some of these seats were just taken. Pick others and try again.".into(),
        details: json!({ "seat_ids": taken }),
    })
}

const HOLD_SEAT_LINES: &str = "SELECT hs.seat_id, sc.name AS section, st.row_label, st.number, hs.price_cents FROM hold_seats hs \
    JOIN seats st ON st.id = hs.seat_id JOIN venue_sections sc ON sc.id = st.section_id \
    WHERE hs.hold_id = $1 ORDER BY sc.sort_order, st.row_label, st.number";

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
