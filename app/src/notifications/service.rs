//! A person's notifications: reading them (in the reader's language), marking them read,
//! and their choices of what reaches them where. The notifier writes them
//! ([`super::notifier`]).

use sqlx::any::AnyRow;
use sqlx::Row;

use crate::db::{from_ms, now_ms, Db};
use crate::error::AppError;
use crate::i18n::I18n;
use crate::notifications::texts::render;
use crate::notifications::rules::{self, PER_PAGE};
use crate::notifications::{Channel, MarkedRead, Notification, NotificationKind, Preference, Preferences};
use crate::paging::{clamp_page, Page};
use crate::users::User;

const COLUMNS: &str = "id, kind, title, body, params, link, created_at, read_at";

/// A stored notification, its texts in `i18n`'s language (those stored before texts were
/// kept as parameters read as they were written).
fn from_row(row: &AnyRow, i18n: I18n) -> Result<Notification, AppError> {
    let id: String = row.try_get("id")?;
    let kind_name: String = row.try_get("kind")?;
    let kind = NotificationKind::parse(&kind_name).ok_or_else(|| {
        tracing::error!(kind = kind_name, "a notification of an unknown kind");
        AppError::Internal
    })?;
    let params: Option<String> = row.try_get("params")?;
    let (title, body) = match params.as_deref().and_then(|p| serde_json::from_str::<serde_json::Value>(p).ok()) {
        Some(params) => render(kind, &params, i18n),
        None => (row.try_get("title")?, row.try_get("body")?),
    };
    let created_at = from_ms(row.try_get("created_at")?);
    Ok(Notification {
        id: id.parse().map_err(|_| AppError::Internal)?,
        kind,
        title,
        body,
        link: row.try_get("link")?,
        created_at,
        created_at_local: crate::catalog::zone::local_in(created_at, crate::catalog::zone_names::DEFAULT),
        read_at: row.try_get::<Option<i64>, _>("read_at")?.map(from_ms),
    })
}

/// A page of the user's notifications, newest first; only the unread ones if asked.
pub async fn list_for(db: &Db, user: &User, unread_only: bool, page: i64, i18n: I18n) -> Result<Page<Notification>, AppError> {
    let page = clamp_page(page);
    let user_id = user.id.to_string();
    let filter = if unread_only { " AND read_at IS NULL" } else { "" };
    let total: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM notifications WHERE user_id = $1{filter}"))
        .bind(&user_id)
        .fetch_one(&db.pool)
        .await?;
    let sql = format!("SELECT {COLUMNS} FROM notifications WHERE user_id = $1{filter} ORDER BY created_at DESC, id LIMIT $2 OFFSET $3");
    let rows = sqlx::query(&sql).bind(&user_id).bind(PER_PAGE).bind((page - 1) * PER_PAGE).fetch_all(&db.pool).await?;
    let items = rows.iter().map(|r| from_row(r, i18n)).collect::<Result<_, _>>()?;
    Ok(Page { items, total, page, per_page: PER_PAGE })
}

/// How many of the user's notifications are unread (the header's badge).
pub async fn unread_count(db: &Db, user: &User) -> Result<i64, AppError> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND read_at IS NULL")
        .bind(user.id.to_string())
        .fetch_one(&db.pool)
        .await?)
}

/// Marks one of the user's notifications read and answers it. Marking it again changes
/// nothing (it keeps the time it was first read); another user's answers not found.
pub async fn mark_read(db: &Db, user: &User, id: &str, i18n: I18n) -> Result<Notification, AppError> {
    let user_id = user.id.to_string();
    sqlx::query("UPDATE notifications SET read_at = $1 WHERE id = $2 AND user_id = $3 AND read_at IS NULL")
        .bind(now_ms())
        .bind(id)
        .bind(&user_id)
        .execute(&db.pool)
        .await?;
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM notifications WHERE id = $1 AND user_id = $2"))
        .bind(id)
        .bind(&user_id)
        .fetch_optional(&db.pool)
        .await?
        .ok_or(AppError::NotFound)?;
    from_row(&row, i18n)
}

/// Marks every unread notification of the user read; answers how many were unread.
pub async fn mark_all_read(db: &Db, user: &User) -> Result<MarkedRead, AppError> {
    let marked = sqlx::query("UPDATE notifications SET read_at = $1 WHERE user_id = $2 AND read_at IS NULL")
        .bind(now_ms())
        .bind(user.id.to_string())
        .execute(&db.pool)
        .await?
        .rows_affected();
    Ok(MarkedRead { marked: marked as i64 })
}

/// The choices a person made, kind by kind and channel by channel.
pub(crate) async fn chosen(db: &Db, user_id: &str) -> Result<Vec<(NotificationKind, Channel, bool)>, AppError> {
    let rows = sqlx::query("SELECT kind, channel, enabled FROM notification_preferences WHERE user_id = $1").bind(user_id).fetch_all(&db.pool).await?;
    let mut chosen = Vec::with_capacity(rows.len());
    for row in rows {
        let kind = NotificationKind::parse(&row.try_get::<String, _>("kind")?);
        let channel = match row.try_get::<String, _>("channel")?.as_str() {
            "IN_APP" => Some(Channel::InApp),
            "EMAIL" => Some(Channel::Email),
            _ => None,
        };
        let enabled = row.try_get::<i64, _>("enabled")? != 0;
        if let (Some(kind), Some(channel)) = (kind, channel) {
            chosen.push((kind, channel, enabled));
        }
    }
    Ok(chosen)
}

/// The user's settings for every kind they can be sent.
pub async fn preferences(db: &Db, user: &User) -> Result<Preferences, AppError> {
    let chosen = chosen(db, &user.id.to_string()).await?;
    Ok(Preferences { items: rules::preferences(user.role, &chosen) })
}

/// Saves the user's choices for the kinds named (the others keep theirs) and answers every
/// setting. A kind the user cannot be sent is refused.
pub async fn set_preferences(db: &Db, user: &User, items: &[Preference]) -> Result<Preferences, AppError> {
    let allowed = rules::kinds_for(user.role);
    if let Some(p) = items.iter().find(|p| !allowed.contains(&p.kind)) {
        return Err(AppError::field("items", crate::i18n::Text::with(crate::i18n::msg::notifications::KIND_UNAVAILABLE, &[("kind", &p.kind.as_str())])));
    }
    let user_id = user.id.to_string();
    let now = now_ms();
    let mut tx = db.begin_write().await?;
    for p in items {
        for (channel, enabled) in [(Channel::InApp, p.in_app), (Channel::Email, p.email)] {
            sqlx::query(
                "INSERT INTO notification_preferences (user_id, kind, channel, enabled, updated_at) VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (user_id, kind, channel) DO UPDATE SET enabled = excluded.enabled, updated_at = excluded.updated_at",
            )
            .bind(&user_id)
            .bind(p.kind.as_str())
            .bind(channel.as_str())
            .bind(i64::from(enabled))
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
    }
    tx.commit().await?;
    preferences(db, user).await
}
