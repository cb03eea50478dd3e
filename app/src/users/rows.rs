//! How a user is read from the `users` table, by the services and the sessions alike.

use sqlx::any::AnyRow;
use sqlx::Row;

use crate::db::from_ms;
use crate::users::{Role, User};
use crate::error::AppError;

/// Columns read into a [`User`], from `users` aliased as `u`.
pub const USER_COLUMNS: &str = "u.id, u.email, u.display_name, u.role, u.active, u.skills, u.created_at, u.locale";

pub fn user_from_row(row: &AnyRow) -> Result<User, AppError> {
    let id: String = row.try_get("id")?;
    let role: String = row.try_get("role")?;
    let skills: String = row.try_get("skills")?;
    Ok(User {
        id: id.parse().map_err(|_| AppError::Internal)?,
        email: row.try_get("email")?,
        display_name: row.try_get("display_name")?,
        role: Role::parse(&role).ok_or(AppError::Internal)?,
        active: crate::db::flag(row, "active")?,
        skills: skills.split(',').filter(|s| !s.is_empty()).map(str::to_owned).collect(),
        created_at: from_ms(row.try_get("created_at")?),
        locale: row.try_get("locale")?,
    })
}
