//! The portable hold (SQLite): the box office's one writer holds a buyer's seats in one
//! write transaction of a few statements.

use serde_json::json;
use sqlx::Row;

use super::stored::{seat_lines, HoldEvent, HoldOutcome, HoldRequest, HOLD_EVENT_COLUMNS, HOLD_SEAT_LINES, SEATS_OF_BUYER};
use crate::audit::{event_types, outbox};
use crate::db::Db;
use crate::error::AppError;

/// The portable hold (SQLite): one write transaction of a few statements. SQLite has one
/// writer at a time (`BEGIN IMMEDIATE`), so a plain conditional update cannot race.
pub(super) async fn hold_in_transaction(db: &Db, request: &HoldRequest) -> Result<HoldOutcome, AppError> {
    let Some(event) = sqlx::query(&format!("SELECT {HOLD_EVENT_COLUMNS} FROM events WHERE id = $1 OR slug = $1"))
        .bind(&request.event)
        .fetch_optional(&db.pool)
        .await?
    else {
        return Ok(HoldOutcome::NoSuchEvent);
    };
    let Some(event) = HoldEvent::on_sale(&event, request.now)? else {
        return Ok(HoldOutcome::NotOnSale);
    };
    let ids = &request.seat_ids;
    let list = (0..ids.len()).map(|i| format!("${}", i + 4)).collect::<Vec<_>>().join(", ");

    let mut tx = db.begin_write().await?;
    // Inside the write transaction (SQLite's one writer), so no other hold of the buyer
    // can commit between the count and the hold.
    let holding: i64 = sqlx::query_scalar(SEATS_OF_BUYER).bind(&request.user_id).bind(&event.id).bind(request.now).fetch_one(&mut *tx).await?;
    if holding + ids.len() as i64 > event.seat_limit {
        tx.rollback().await?;
        return Ok(HoldOutcome::OverLimit { limit: event.seat_limit });
    }
    let sql = format!(
        "UPDATE event_seats SET status = 'HELD', hold_id = $1, version = version + 1, updated_at = $2 \
         WHERE event_id = $3 AND status = 'AVAILABLE' AND seat_id IN ({list})"
    );
    let mut update = sqlx::query(&sql).bind(&request.hold_id).bind(request.now).bind(&event.id);
    for id in ids {
        update = update.bind(id);
    }
    let held = update.execute(&mut *tx).await?.rows_affected() as usize;
    if held != ids.len() {
        tx.rollback().await?;
        return refusal(db, &event.id, ids).await;
    }
    sqlx::query("INSERT INTO holds (id, event_id, user_id, status, expires_at, created_at, updated_at) VALUES ($1, $2, $3, 'ACTIVE', $4, $5, $5)")
        .bind(&request.hold_id)
        .bind(&event.id)
        .bind(&request.user_id)
        .bind(request.expires_at)
        .bind(request.now)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO hold_seats (hold_id, seat_id, price_cents, section, section_order, row_label, number) \
         SELECT es.hold_id, es.seat_id, p.price_cents, sc.name, sc.sort_order, st.row_label, st.number FROM event_seats es \
         JOIN event_prices p ON p.event_id = es.event_id AND p.section_id = es.section_id \
         JOIN venue_sections sc ON sc.id = es.section_id JOIN seats st ON st.id = es.seat_id \
         WHERE es.event_id = $1 AND es.hold_id = $2",
    )
    .bind(&event.id)
    .bind(&request.hold_id)
    .execute(&mut *tx)
    .await?;
    outbox::record(
        &mut tx,
        event_types::SEATS_HELD,
        &event.id,
        &json!({ "hold_id": request.hold_id, "event_id": event.id, "user_id": request.user_id, "seat_ids": ids, "expires_at_ms": request.expires_at }),
    )
    .await?;
    let seats = seat_lines(&mut *tx, HOLD_SEAT_LINES, &request.hold_id).await?;
    tx.commit().await?;
    Ok(HoldOutcome::Held { event, seats })
}

/// Why a hold was refused: seats that are not the event's, or seats already taken.
async fn refusal(db: &Db, event_id: &str, ids: &[String]) -> Result<HoldOutcome, AppError> {
    let list = (0..ids.len()).map(|i| format!("${}", i + 2)).collect::<Vec<_>>().join(", ");
    let sql = format!("SELECT seat_id, status FROM event_seats WHERE event_id = $1 AND seat_id IN ({list})");
    let mut query = sqlx::query(&sql).bind(event_id);
    for id in ids {
        query = query.bind(id);
    }
    let rows = query.fetch_all(&db.pool).await?;
    if rows.len() != ids.len() {
        return Ok(HoldOutcome::UnknownSeats);
    }
    let mut taken = Vec::new();
    for row in rows {
        let status: String = row.try_get("status")?;
        if status != "AVAILABLE" {
            taken.push(row.try_get::<String, _>("seat_id")?);
        }
    }
    Ok(HoldOutcome::Taken(taken))
}
