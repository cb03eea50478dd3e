//! Who may work an event's door: its organizer, administrators, and the door staff the
//! organizer granted.

use sqlx::Row;

use crate::db::Db;
use crate::error::AppError;
use crate::users::{Role, User};

/// Whether `user` runs the event (its organizer, or an administrator), and its id; anyone
/// else, and an event that does not exist, is `NotFound`.
async fn event_run_by(db: &Db, user: &User, event_ref: &str) -> Result<(String, bool), AppError> {
    let row = sqlx::query("SELECT id, organizer_id FROM events WHERE id = $1 OR slug = $1")
        .bind(event_ref)
        .fetch_optional(&db.pool)
        .await?
        .ok_or(AppError::NotFound)?;
    let id: String = row.try_get("id")?;
    let organizer: Option<String> = row.try_get("organizer_id")?;
    let runs = user.is_admin() || (user.role == Role::Organizer && organizer.as_deref() == Some(user.id.to_string().as_str()));
    Ok((id, runs))
}

/// The event's id when `user` may check in its tickets: its organizer, an administrator,
/// or door staff it granted (and has not revoked). Anyone else is told it does not exist.
pub async fn require_door(db: &Db, user: &User, event_ref: &str) -> Result<String, AppError> {
    let (id, runs) = event_run_by(db, user, event_ref).await?;
    if runs {
        return Ok(id);
    }
    let staff: Option<i64> = sqlx::query_scalar("SELECT granted_at FROM door_staff WHERE event_id = $1 AND user_id = $2 AND revoked_at IS NULL")
        .bind(&id)
        .bind(user.id.to_string())
        .fetch_optional(&db.pool)
        .await?;
    staff.map(|_| id).ok_or(AppError::NotFound)
}

/// The event's id when `user` runs it (who may name door staff and see the door).
pub async fn require_runner(db: &Db, user: &User, event_ref: &str) -> Result<String, AppError> {
    match event_run_by(db, user, event_ref).await? {
        (id, true) => Ok(id),
        _ => Err(AppError::NotFound),
    }
}

/// A seat as the door reads it out: section, row and number.
pub fn seat_label(section: &str, row: &str, number: i64) -> String {
    if row.is_empty() {
        format!("{section} · {number}")
    } else {
        format!("{section} · {row} · {number}")
    }
}

