use sqlx::any::AnyRow;
use sqlx::Row;

use crate::audit::{event_types, outbox, EventEnvelope};
use crate::db::{from_ms, new_id, now_ms, Db};
use crate::notifications::Notification;
use crate::error::AppError;
use crate::i18n::{msg, I18n, Locale};

/// What to tell a user, derived from a source event.
pub struct NewNotification<'a> {
    pub user_id: &'a str,
    pub kind: &'a str,
    pub title: String,
    pub body: String,
    pub link: Option<String>,
    pub source_event_id: &'a str,
}

/// Creates the notification unless one already exists for this user and source event;
/// returns whether a new one was created. Emits `notification.created`.
pub async fn create_once(db: &Db, n: NewNotification<'_>) -> Result<bool, AppError> {
    let id = new_id();
    let mut tx = db.begin_write().await?;
    let inserted = sqlx::query(
        "INSERT INTO notifications (id, user_id, kind, title, body, link, source_event_id, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (user_id, source_event_id) DO NOTHING",
    )
    .bind(&id)
    .bind(n.user_id)
    .bind(n.kind)
    .bind(&n.title)
    .bind(&n.body)
    .bind(&n.link)
    .bind(n.source_event_id)
    .bind(now_ms())
    .execute(&mut *tx)
    .await?
    .rows_affected()
        == 1;
    if inserted {
        outbox::record(
            &mut tx,
            event_types::NOTIFICATION_CREATED,
            n.user_id,
            &serde_json::json!({ "notification_id": id, "user_id": n.user_id, "kind": n.kind, "title": n.title }),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(inserted)
}

/// `user.created` → a welcome notification.
pub async fn welcome(db: &Db, public_url: &str, event: &EventEnvelope) -> Result<(), AppError> {
    let user_id = event.payload["user_id"].as_str().ok_or_else(|| {
        tracing::error!(event_id = %event.id, "user.created without user_id");
        AppError::BadRequest(crate::i18n::Text::raw("user.created without user_id"))
    })?;
    let name = event.payload["display_name"].as_str().unwrap_or_default();
    // In the language the person signed up in (the house's when they chose none).
    let locale = sqlx::query_scalar::<_, Option<String>>("SELECT locale FROM users WHERE id = $1")
        .bind(user_id)
        .fetch_optional(&db.pool)
        .await?
        .flatten();
    let i18n = I18n::new(locale.as_deref().and_then(Locale::parse).unwrap_or_default());
    create_once(
        db,
        NewNotification {
            user_id,
            kind: "welcome",
            title: i18n.tf(msg::notifications::WELCOME_TITLE, &[("name", name)]),
            body: i18n.t(msg::notifications::WELCOME_BODY).to_string(),
            link: Some(format!("{}/events", public_url.trim_end_matches('/'))),
            source_event_id: &event.id.to_string(),
        },
    )
    .await
    .map(|_| ())
}

fn from_row(row: &AnyRow) -> Result<Notification, AppError> {
    let id: String = row.try_get("id")?;
    Ok(Notification {
        id: id.parse().map_err(|_| AppError::Internal)?,
        kind: row.try_get("kind")?,
        title: row.try_get("title")?,
        body: row.try_get("body")?,
        link: row.try_get("link")?,
        created_at: from_ms(row.try_get("created_at")?),
        read_at: row.try_get::<Option<i64>, _>("read_at")?.map(from_ms),
    })
}

/// A user's notifications, newest first.
pub async fn list_for(db: &Db, user_id: &str, unread_only: bool) -> Result<Vec<Notification>, AppError> {
    let filter = if unread_only { " AND read_at IS NULL" } else { "" };
    let sql = format!(
        "SELECT id, kind, title, body, link, created_at, read_at FROM notifications WHERE user_id = $1{filter} \
         ORDER BY created_at DESC LIMIT 100"
    );
    let rows = sqlx::query(&sql).bind(user_id).fetch_all(&db.pool).await?;
    rows.iter().map(from_row).collect()
}
