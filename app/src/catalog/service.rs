//! Catalog queries.

use sqlx::any::AnyRow;
use sqlx::Row;

use crate::catalog::rules::{check_filter, EVENTS_PER_PAGE};
use crate::catalog::{
    EventDetail, EventFilter, EventStatus, EventSummary, Facets, HomeEvents, Page, SeatStatus, SeatView, SectionPrice, Venue,
};
use crate::db::{from_ms, like_pattern, now_ms, to_ms, Arg, Db, Filters};
use crate::error::AppError;

/// Columns read into an [`EventSummary`], from `events e JOIN venues v`.
const SUMMARY_COLUMNS: &str = "e.id, e.slug, e.title, e.category, v.name AS venue_name, v.city, v.time_zone, e.starts_at, e.ends_at, \
    e.image_url, e.status, e.featured, e.currency, \
    (SELECT MIN(p.price_cents) FROM event_prices p WHERE p.event_id = e.id) AS price_from_cents, \
    (SELECT COUNT(*) FROM event_seats s WHERE s.event_id = e.id AND s.status = 'AVAILABLE') AS seats_available";

/// Only these statuses are shown to the public.
const LISTED: &str = "e.status IN ('ON_SALE', 'SOLD_OUT')";

fn uuid(row: &AnyRow, col: &str) -> Result<uuid::Uuid, AppError> {
    let s: String = row.try_get(col)?;
    s.parse().map_err(|_| AppError::Internal)
}

fn summary_from_row(row: &AnyRow) -> Result<EventSummary, AppError> {
    let status: String = row.try_get("status")?;
    let time_zone: String = row.try_get("time_zone")?;
    let starts_at = from_ms(row.try_get("starts_at")?);
    Ok(EventSummary {
        id: uuid(row, "id")?,
        slug: row.try_get("slug")?,
        title: row.try_get("title")?,
        category: row.try_get("category")?,
        venue_name: row.try_get("venue_name")?,
        city: row.try_get("city")?,
        starts_at,
        ends_at: from_ms(row.try_get("ends_at")?),
        starts_at_local: crate::catalog::zone::local_in(starts_at, &time_zone),
        time_zone,
        image_url: row.try_get("image_url")?,
        status: EventStatus::parse(&status).ok_or(AppError::Internal)?,
        featured: crate::db::flag(row, "featured")?,
        price_from_cents: row.try_get("price_from_cents")?,
        currency: row.try_get("currency")?,
        seats_available: row.try_get("seats_available")?,
    })
}

/// Listed, upcoming events matching `filter`, soonest first.
pub async fn list(db: &Db, filter: &EventFilter) -> Result<Page<EventSummary>, AppError> {
    let f = check_filter(filter).map_err(AppError::Validation)?;
    let mut filters = Filters::new();
    filters.add(LISTED, vec![]);
    let from = f.from.map(to_ms).unwrap_or(0).max(now_ms());
    filters.add("e.starts_at >= ?", vec![Arg::Int(from)]);
    if let Some(until) = f.until {
        filters.add("e.starts_at < ?", vec![Arg::Int(to_ms(until))]);
    }
    if let Some(q) = &f.q {
        let pattern = like_pattern(q);
        filters.add(
            "(LOWER(e.title) LIKE ? ESCAPE '\\' OR LOWER(e.description) LIKE ? ESCAPE '\\' OR LOWER(v.name) LIKE ? ESCAPE '\\')",
            vec![Arg::Text(pattern.clone()), Arg::Text(pattern.clone()), Arg::Text(pattern)],
        );
    }
    if let Some(category) = &f.category {
        filters.add("LOWER(e.category) = ?", vec![Arg::Text(category.to_lowercase())]);
    }
    if let Some(city) = &f.city {
        filters.add("LOWER(v.city) = ?", vec![Arg::Text(city.to_lowercase())]);
    }
    let where_sql = filters.sql();

    let count_sql = format!("SELECT COUNT(*) AS n FROM events e JOIN venues v ON v.id = e.venue_id WHERE {where_sql}");
    let total: i64 = filters.bind(sqlx::query(&count_sql)).fetch_one(&db.pool).await?.try_get("n")?;

    let n = filters.bound();
    let list_sql = format!(
        "SELECT {SUMMARY_COLUMNS} FROM events e JOIN venues v ON v.id = e.venue_id WHERE {where_sql} \
         ORDER BY e.starts_at, e.title LIMIT ${} OFFSET ${}",
        n + 1,
        n + 2
    );
    let query = filters.bind(sqlx::query(&list_sql));
    let rows = query.bind(EVENTS_PER_PAGE).bind((f.page - 1) * EVENTS_PER_PAGE).fetch_all(&db.pool).await?;
    let items = rows.iter().map(summary_from_row).collect::<Result<_, _>>()?;
    Ok(Page { items, total, page: f.page, per_page: EVENTS_PER_PAGE })
}

/// Featured and next upcoming events for the home page.
pub async fn home(db: &Db) -> Result<HomeEvents, AppError> {
    let now = now_ms();
    let featured_sql = format!(
        "SELECT {SUMMARY_COLUMNS} FROM events e JOIN venues v ON v.id = e.venue_id \
         WHERE {LISTED} AND e.featured = $1 AND e.starts_at >= $2 ORDER BY e.starts_at LIMIT 4"
    );
    let featured = sqlx::query(&featured_sql).bind(true).bind(now).fetch_all(&db.pool).await?;
    let upcoming_sql = format!(
        "SELECT {SUMMARY_COLUMNS} FROM events e JOIN venues v ON v.id = e.venue_id \
         WHERE {LISTED} AND e.starts_at >= $1 ORDER BY e.starts_at LIMIT 8"
    );
    let upcoming = sqlx::query(&upcoming_sql).bind(now).fetch_all(&db.pool).await?;
    Ok(HomeEvents {
        featured: featured.iter().map(summary_from_row).collect::<Result<_, _>>()?,
        upcoming: upcoming.iter().map(summary_from_row).collect::<Result<_, _>>()?,
    })
}

/// Categories and cities of listed upcoming events.
pub async fn facets(db: &Db) -> Result<Facets, AppError> {
    let now = now_ms();
    let categories = sqlx::query(&format!(
        "SELECT DISTINCT e.category AS value FROM events e WHERE {LISTED} AND e.starts_at >= $1 ORDER BY value"
    ))
    .bind(now)
    .fetch_all(&db.pool)
    .await?;
    let cities = sqlx::query(&format!(
        "SELECT DISTINCT v.city AS value FROM events e JOIN venues v ON v.id = e.venue_id \
         WHERE {LISTED} AND e.starts_at >= $1 ORDER BY value"
    ))
    .bind(now)
    .fetch_all(&db.pool)
    .await?;
    let values = |rows: Vec<AnyRow>| rows.iter().map(|r| r.try_get::<String, _>("value")).collect::<Result<Vec<_>, _>>();
    Ok(Facets { categories: values(categories)?, cities: values(cities)? })
}

/// One listed event by id or slug (drafts are not public).
pub async fn find(db: &Db, id_or_slug: &str) -> Result<EventDetail, AppError> {
    find_where(db, id_or_slug, " AND e.status <> 'DRAFT'").await
}

/// One event by id or slug, drafts included (for its organizer).
pub async fn find_any(db: &Db, id_or_slug: &str) -> Result<EventDetail, AppError> {
    find_where(db, id_or_slug, "").await
}

async fn find_where(db: &Db, id_or_slug: &str, extra: &str) -> Result<EventDetail, AppError> {
    let sql = format!(
        "SELECT {SUMMARY_COLUMNS}, e.description, e.max_seats_per_buyer, v.id AS venue_id, v.address FROM events e \
         JOIN venues v ON v.id = e.venue_id WHERE (e.id = $1 OR e.slug = $1){extra}"
    );
    let row = sqlx::query(&sql).bind(id_or_slug).fetch_optional(&db.pool).await?.ok_or(AppError::NotFound)?;
    let summary = summary_from_row(&row)?;
    let venue = Venue {
        id: uuid(&row, "venue_id")?,
        name: summary.venue_name.clone(),
        city: summary.city.clone(),
        address: row.try_get("address")?,
        time_zone: summary.time_zone.clone(),
    };
    let prices = sqlx::query(
        "SELECT s.id, s.name, s.capacity, p.price_cents FROM event_prices p JOIN venue_sections s ON s.id = p.section_id \
         WHERE p.event_id = $1 ORDER BY s.sort_order",
    )
    .bind(summary.id.to_string())
    .fetch_all(&db.pool)
    .await?
    .iter()
    .map(|r| {
        Ok(SectionPrice {
            section_id: uuid(r, "id")?,
            name: r.try_get("name")?,
            price_cents: r.try_get("price_cents")?,
            currency: summary.currency.clone(),
            capacity: r.try_get("capacity")?,
        })
    })
    .collect::<Result<_, AppError>>()?;
    Ok(EventDetail { description: row.try_get("description")?, venue, prices, max_seats_per_buyer: row.try_get("max_seats_per_buyer")?, summary })
}

/// Every seat of an event with its status and price.
pub async fn seats(db: &Db, event_id: &str) -> Result<Vec<SeatView>, AppError> {
    let event = find(db, event_id).await?;
    let rows = sqlx::query(
        "SELECT st.id, st.section_id, sc.name AS section, st.row_label, st.number, st.x, st.y, st.accessible, \
         es.status, p.price_cents FROM event_seats es \
         JOIN seats st ON st.id = es.seat_id \
         JOIN venue_sections sc ON sc.id = st.section_id \
         JOIN event_prices p ON p.event_id = es.event_id AND p.section_id = st.section_id \
         WHERE es.event_id = $1 ORDER BY sc.sort_order, sc.id, st.row_label, st.number, st.id",
    )
    .bind(event.summary.id.to_string())
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|r| {
            let status: String = r.try_get("status")?;
            Ok(SeatView {
                id: uuid(r, "id")?,
                section_id: uuid(r, "section_id")?,
                section: r.try_get("section")?,
                row: r.try_get("row_label")?,
                number: r.try_get("number")?,
                x: r.try_get("x")?,
                y: r.try_get("y")?,
                accessible: crate::db::flag(r, "accessible")?,
                status: SeatStatus::parse(&status).ok_or(AppError::Internal)?,
                price_cents: r.try_get("price_cents")?,
                currency: event.summary.currency.clone(),
            })
        })
        .collect()
}
