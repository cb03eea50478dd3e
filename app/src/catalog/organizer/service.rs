//! The organizer's side of the catalog: venues, events, putting them on sale, sales
//! figures (the orders export is in `orders_export`).

use serde::Deserialize;
use sqlx::Row;
use time::OffsetDateTime;

use crate::catalog::manage::{create_event, create_venue, NewEvent, NewVenue};
use crate::catalog::rules::{has_control, has_control_besides_lines, slug_reads_as_id, slugify};
pub use crate::catalog::{SectionView, VenueView};
use crate::catalog::{EventDetail, EventStatus, SalesReport};
use crate::db::{now_ms, Db};
use crate::error::{AppError, FieldErrors};
use crate::i18n::{msg, Text};
use crate::users::{Role, User};

fn require_organizer(user: &User) -> Result<(), AppError> {
    match user.role {
        Role::Organizer | Role::Admin => Ok(()),
        _ => Err(AppError::Forbidden),
    }
}

pub async fn new_venue(db: &Db, user: &User, venue: &NewVenue) -> Result<VenueView, AppError> {
    require_organizer(user)?;
    let created = create_venue(db, venue, Some(&user.id.to_string())).await?;
    let sections = sqlx::query("SELECT id, name, capacity FROM venue_sections WHERE venue_id = $1 ORDER BY sort_order")
        .bind(&created.id)
        .fetch_all(&db.pool)
        .await?
        .iter()
        .map(|r| Ok(SectionView { id: r.try_get("id")?, name: r.try_get("name")?, capacity: r.try_get("capacity")? }))
        .collect::<Result<_, AppError>>()?;
    Ok(VenueView {
        id: created.id,
        name: venue.name.trim().to_owned(),
        city: venue.city.trim().to_owned(),
        address: venue.address.trim().to_owned(),
        time_zone: venue.time_zone.trim().to_owned(),
        sections,
    })
}

/// The venues an organizer can put events on: the ones they created and the house's
/// (created by nobody); an administrator sees every venue.
pub async fn venues_for(db: &Db, user: &User) -> Result<Vec<VenueView>, AppError> {
    require_organizer(user)?;
    const MINE: &str = "($1 OR v.created_by IS NULL OR v.created_by = $2)";
    let venues = sqlx::query(&format!("SELECT v.id, v.name, v.city, v.address, v.time_zone FROM venues v WHERE {MINE} ORDER BY v.name, v.id"))
        .bind(user.is_admin())
        .bind(user.id.to_string())
        .fetch_all(&db.pool)
        .await?;
    let sections = sqlx::query(&format!(
        "SELECT s.venue_id, s.id, s.name, s.capacity FROM venue_sections s JOIN venues v ON v.id = s.venue_id WHERE {MINE} ORDER BY s.sort_order"
    ))
    .bind(user.is_admin())
    .bind(user.id.to_string())
    .fetch_all(&db.pool)
    .await?;
    let mut by_venue: std::collections::HashMap<String, Vec<SectionView>> = std::collections::HashMap::new();
    for r in &sections {
        by_venue
            .entry(r.try_get("venue_id")?)
            .or_default()
            .push(SectionView { id: r.try_get("id")?, name: r.try_get("name")?, capacity: r.try_get("capacity")? });
    }
    venues
        .iter()
        .map(|r| {
            let id: String = r.try_get("id")?;
            Ok(VenueView {
                sections: by_venue.remove(&id).unwrap_or_default(),
                id,
                name: r.try_get("name")?,
                city: r.try_get("city")?,
                address: r.try_get("address")?,
                time_zone: r.try_get("time_zone")?,
            })
        })
        .collect()
}

/// The time zone of a venue, if there is one with this id.
pub async fn venue_time_zone(db: &Db, venue_id: &str) -> Result<Option<String>, AppError> {
    Ok(sqlx::query_scalar("SELECT time_zone FROM venues WHERE id = $1").bind(venue_id.trim()).fetch_optional(&db.pool).await?)
}

#[derive(Debug, Clone, Deserialize)]
pub struct PriceInput {
    pub section_id: String,
    pub price_cents: i64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventInput {
    pub title: String,
    #[serde(default)]
    pub description: String,
    pub category: String,
    pub venue_id: String,
    #[serde(with = "time::serde::rfc3339")]
    pub starts_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub ends_at: OffsetDateTime,
    #[serde(default = "euro")]
    pub currency: String,
    pub prices: Vec<PriceInput>,
    #[serde(default)]
    pub image_url: Option<String>,
    #[serde(default)]
    pub featured: bool,
    /// The most seats one buyer may hold, or have in orders waiting for payment.
    #[serde(default = "default_seat_limit")]
    pub max_seats_per_buyer: i64,
}

fn euro() -> String {
    "EUR".into()
}

fn default_seat_limit() -> i64 {
    crate::catalog::rules::DEFAULT_SEATS_PER_BUYER
}

/// Checks an event against its venue's sections (every section needs a price).
pub fn check_event(e: &EventInput, sections: &[String], now: OffsetDateTime) -> FieldErrors {
    let mut errors = FieldErrors::new();
    if e.title.trim().is_empty() || e.title.chars().count() > 120 {
        errors.insert("title".into(), msg::errors_catalog::TITLE_LENGTH.into());
    } else if has_control(&e.title) {
        errors.insert("title".into(), msg::errors_catalog::TITLE_ONE_LINE.into());
    } else if slug_reads_as_id(&slugify(&e.title)) {
        errors.insert("title".into(), msg::errors_catalog::TITLE_READS_AS_ID.into());
    }
    if e.description.chars().count() > 4000 {
        errors.insert("description".into(), msg::errors_catalog::DESCRIPTION_LENGTH.into());
    } else if has_control_besides_lines(&e.description) {
        errors.insert("description".into(), msg::errors_catalog::DESCRIPTION_TEXT.into());
    }
    let category = e.category.trim();
    if category.is_empty() || category.chars().count() > 40 {
        errors.insert("category".into(), msg::errors_catalog::CATEGORY_LENGTH.into());
    } else if has_control(category) {
        errors.insert("category".into(), msg::errors_catalog::CATEGORY_ONE_LINE.into());
    }
    if e.starts_at <= now {
        errors.insert("starts_at".into(), msg::errors_catalog::STARTS_IN_FUTURE.into());
    }
    if e.ends_at <= e.starts_at {
        errors.insert("ends_at".into(), msg::errors_catalog::ENDS_AFTER_START.into());
    }
    if e.currency.len() != 3 || !e.currency.bytes().all(|b| b.is_ascii_uppercase()) {
        errors.insert("currency".into(), msg::errors_catalog::CURRENCY_CODE.into());
    }
    if let Some(message) = crate::catalog::rules::check_seats_per_buyer(e.max_seats_per_buyer) {
        errors.insert("max_seats_per_buyer".into(), message);
    }
    if e.image_url.as_deref().is_some_and(|u| !(u.starts_with("https://") || u.starts_with('/')) || u.len() > 500) {
        errors.insert("image_url".into(), msg::errors_catalog::IMAGE_URL.into());
    }
    let priced: std::collections::HashSet<&str> = e.prices.iter().map(|p| p.section_id.as_str()).collect();
    if e.prices.iter().any(|p| !(0..=10_000_000).contains(&p.price_cents)) {
        errors.insert("prices".into(), msg::errors_catalog::PRICE_RANGE.into());
    } else if priced.len() != e.prices.len() || sections.iter().any(|s| !priced.contains(s.as_str())) || priced.len() != sections.len() {
        errors.insert("prices".into(), msg::errors_catalog::PRICE_EVERY_SECTION.into());
    }
    errors
}

/// Creates an event as a draft; it is listed once put on sale.
pub async fn new_event(db: &Db, user: &User, input: &EventInput) -> Result<EventDetail, AppError> {
    require_organizer(user)?;
    // Another organizer's venue is answered as one that does not exist.
    let sections: Vec<String> = sqlx::query_scalar(
        "SELECT s.id FROM venue_sections s JOIN venues v ON v.id = s.venue_id \
         WHERE s.venue_id = $1 AND ($2 OR v.created_by IS NULL OR v.created_by = $3)",
    )
    .bind(&input.venue_id)
    .bind(user.is_admin())
    .bind(user.id.to_string())
    .fetch_all(&db.pool)
    .await?;
    if sections.is_empty() {
        return Err(AppError::field("venue_id", msg::errors_catalog::NO_SUCH_VENUE));
    }
    let errors = check_event(input, &sections, OffsetDateTime::now_utc());
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let event = NewEvent {
        title: input.title.clone(),
        description: input.description.clone(),
        category: input.category.clone(),
        venue_id: input.venue_id.clone(),
        organizer_id: Some(user.id.to_string()),
        starts_at: input.starts_at,
        ends_at: input.ends_at,
        image_url: input.image_url.clone(),
        status: EventStatus::Draft,
        featured: input.featured && user.is_admin(),
        currency: input.currency.clone(),
        max_seats_per_buyer: input.max_seats_per_buyer,
        prices: input.prices.iter().map(|p| (p.section_id.clone(), p.price_cents)).collect(),
    };
    let id = create_event(db, &event).await?;
    crate::catalog::service::find_any(db, &id).await
}

/// Events are managed by the organizer who created them, or an administrator; anyone
/// else is told the event does not exist.
pub(crate) async fn require_owner(db: &Db, user: &User, event_id: &str) -> Result<String, AppError> {
    require_organizer(user)?;
    let row = sqlx::query("SELECT id, organizer_id FROM events WHERE id = $1 OR slug = $1")
        .bind(event_id)
        .fetch_optional(&db.pool)
        .await?
        .ok_or(AppError::NotFound)?;
    let owner: Option<String> = row.try_get("organizer_id")?;
    if user.is_admin() || owner.as_deref() == Some(user.id.to_string().as_str()) {
        Ok(row.try_get("id")?)
    } else {
        Err(AppError::NotFound)
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventPatch {
    #[serde(default)]
    pub status: Option<EventStatus>,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub max_seats_per_buyer: Option<i64>,
}

/// Which status changes an organizer may make.
pub fn can_move(from: EventStatus, to: EventStatus) -> bool {
    use EventStatus::*;
    matches!((from, to), (Draft, OnSale) | (Draft, Cancelled) | (OnSale, SoldOut) | (SoldOut, OnSale) | (OnSale, Cancelled) | (SoldOut, Cancelled))
        || from == to
}

pub async fn update_event(db: &Db, user: &User, event_id: &str, patch: &EventPatch) -> Result<EventDetail, AppError> {
    let id = require_owner(db, user, event_id).await?;
    let current: String = sqlx::query_scalar("SELECT status FROM events WHERE id = $1").bind(&id).fetch_one(&db.pool).await?;
    let current = EventStatus::parse(&current).ok_or(AppError::Internal)?;
    let mut errors = FieldErrors::new();
    if let Some(to) = patch.status {
        if !can_move(current, to) {
            errors.insert(
                "status".into(),
                Text::with(msg::errors_catalog::STATUS_CHANGE, &[("from", &current.as_str()), ("to", &to.as_str())]),
            );
        }
    }
    if patch.title.as_deref().is_some_and(|t| t.trim().is_empty() || t.chars().count() > 120) {
        errors.insert("title".into(), msg::errors_catalog::TITLE_LENGTH.into());
    } else if patch.title.as_deref().is_some_and(has_control) {
        errors.insert("title".into(), msg::errors_catalog::TITLE_ONE_LINE.into());
    }
    if patch.description.as_deref().is_some_and(|d| d.chars().count() > 4000) {
        errors.insert("description".into(), msg::errors_catalog::DESCRIPTION_LENGTH.into());
    } else if patch.description.as_deref().is_some_and(has_control_besides_lines) {
        errors.insert("description".into(), msg::errors_catalog::DESCRIPTION_TEXT.into());
    }
    if let Some(message) = patch.max_seats_per_buyer.and_then(crate::catalog::rules::check_seats_per_buyer) {
        errors.insert("max_seats_per_buyer".into(), message);
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let mut tx = db.begin_write().await?;
    let now = now_ms();
    let cancelled = patch.status == Some(EventStatus::Cancelled) && current != EventStatus::Cancelled;
    if let Some(to) = patch.status {
        sqlx::query("UPDATE events SET status = $1, version = version + 1, updated_at = $2 WHERE id = $3")
            .bind(to.as_str())
            .bind(now)
            .bind(&id)
            .execute(&mut *tx)
            .await?;
    }
    if cancelled {
        // The box office closes the event's sales when it hears of this (holds end,
        // orders are cancelled or refunded, tickets become void).
        let payload = serde_json::json!({ "event_id": id, "cancelled_by": user.id });
        crate::audit::outbox::record(&mut tx, crate::audit::event_types::EVENT_CANCELLED, &id, &payload).await?;
    }
    if let Some(title) = &patch.title {
        sqlx::query("UPDATE events SET title = $1, updated_at = $2 WHERE id = $3").bind(title.trim()).bind(now).bind(&id).execute(&mut *tx).await?;
    }
    if let Some(limit) = patch.max_seats_per_buyer {
        sqlx::query("UPDATE events SET max_seats_per_buyer = $1, updated_at = $2 WHERE id = $3").bind(limit).bind(now).bind(&id).execute(&mut *tx).await?;
    }
    if let Some(description) = &patch.description {
        sqlx::query("UPDATE events SET description = $1, updated_at = $2 WHERE id = $3").bind(description.trim()).bind(now).bind(&id).execute(&mut *tx).await?;
    }
    tx.commit().await?;
    if cancelled {
        db.wake_relay();
    }
    crate::catalog::service::find_any(db, &id).await
}

pub async fn sales(db: &Db, user: &User, event_id: &str) -> Result<SalesReport, AppError> {
    let id = require_owner(db, user, event_id).await?;
    let event = sqlx::query("SELECT title, status, currency FROM events WHERE id = $1").bind(&id).fetch_one(&db.pool).await?;
    let count = |status: &'static str| {
        let id = id.clone();
        async move {
            sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM event_seats WHERE event_id = $1 AND status = $2")
                .bind(id)
                .bind(status)
                .fetch_one(&db.pool)
                .await
        }
    };
    let (available, held, sold) = (count("AVAILABLE").await?, count("HELD").await?, count("SOLD").await?);
    let paid = sqlx::query("SELECT COUNT(*) AS n, CAST(COALESCE(SUM(total_cents), 0) AS BIGINT) AS revenue FROM orders WHERE event_id = $1 AND status = 'PAID'")
        .bind(&id)
        .fetch_one(&db.pool)
        .await?;
    let status: String = event.try_get("status")?;
    Ok(SalesReport {
        event_id: id,
        title: event.try_get("title")?,
        status: EventStatus::parse(&status).ok_or(AppError::Internal)?,
        currency: event.try_get("currency")?,
        seats_total: available + held + sold,
        available,
        held,
        sold,
        orders_paid: paid.try_get("n")?,
        revenue_cents: paid.try_get("revenue")?,
    })
}

/// The sales of every event the user manages (all events for an administrator), soonest first.
pub async fn my_events(db: &Db, user: &User) -> Result<Vec<SalesReport>, AppError> {
    require_organizer(user)?;
    let ids: Vec<String> = if user.is_admin() {
        sqlx::query_scalar("SELECT id FROM events ORDER BY starts_at, title").fetch_all(&db.pool).await?
    } else {
        sqlx::query_scalar("SELECT id FROM events WHERE organizer_id = $1 ORDER BY starts_at, title")
            .bind(user.id.to_string())
            .fetch_all(&db.pool)
            .await?
    };
    let mut reports = Vec::with_capacity(ids.len());
    for id in ids {
        reports.push(sales(db, user, &id).await?);
    }
    Ok(reports)
}

#[cfg(test)]
mod tests;
