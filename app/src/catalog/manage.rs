//! Creating venues and events (seeding now; the organizer's pages and API later).

use serde::Deserialize;
use time::OffsetDateTime;

use crate::catalog::rules::{has_control, layout_sections, slug_reads_as_id, slugify};
use crate::catalog::EventStatus;
use crate::db::{new_id, now_ms, to_ms, Db, Tx};
use crate::error::{AppError, FieldErrors};
use crate::i18n::{msg, Text};

#[derive(Debug, Clone, Deserialize)]
pub struct NewSection {
    pub name: String,
    pub rows: u32,
    pub seats_per_row: u32,
}

#[derive(Debug, Clone, Deserialize)]
pub struct NewVenue {
    pub name: String,
    pub city: String,
    #[serde(default)]
    pub address: String,
    /// IANA time zone; the house's (`Europe/Madrid`) when not given.
    #[serde(default = "default_zone")]
    pub time_zone: String,
    pub sections: Vec<NewSection>,
}

fn default_zone() -> String {
    crate::catalog::zone::DEFAULT_ZONE.to_owned()
}

/// A created venue: its id and its sections' ids in the order given.
#[derive(Debug, Clone)]
pub struct CreatedVenue {
    pub id: String,
    pub section_ids: Vec<String>,
}

pub const MAX_ROWS: u32 = 60;
pub const MAX_SEATS_PER_ROW: u32 = 80;
pub const MAX_VENUE_NAME: usize = 120;
pub const MAX_CITY: usize = 80;
pub const MAX_ADDRESS: usize = 200;
pub const MAX_SECTION_NAME: usize = 60;

pub fn check_venue(v: &NewVenue) -> FieldErrors {
    let mut errors = FieldErrors::new();
    if v.name.trim().is_empty() || v.name.chars().count() > MAX_VENUE_NAME {
        errors.insert("name".into(), Text::with(msg::errors_catalog::VENUE_NAME, &[("max", &MAX_VENUE_NAME)]));
    } else if has_control(&v.name) {
        errors.insert("name".into(), msg::errors_catalog::VENUE_NAME_CONTROL.into());
    }
    if v.city.trim().is_empty() || v.city.chars().count() > MAX_CITY {
        errors.insert("city".into(), Text::with(msg::errors_catalog::VENUE_CITY, &[("max", &MAX_CITY)]));
    } else if has_control(&v.city) {
        errors.insert("city".into(), msg::errors_catalog::VENUE_CITY_CONTROL.into());
    }
    if v.address.chars().count() > MAX_ADDRESS {
        errors.insert("address".into(), Text::with(msg::errors_catalog::VENUE_ADDRESS, &[("max", &MAX_ADDRESS)]));
    } else if has_control(&v.address) {
        errors.insert("address".into(), msg::errors_catalog::VENUE_ADDRESS_LINE.into());
    }
    if crate::catalog::zone::zone(&v.time_zone).is_none() {
        errors.insert("time_zone".into(), msg::zones::UNKNOWN.into());
    }
    if v.sections.is_empty() || v.sections.len() > 20 {
        errors.insert("sections".into(), msg::errors_catalog::VENUE_SECTIONS_COUNT.into());
    }
    let mut names = std::collections::HashSet::new();
    for s in &v.sections {
        let name = s.name.trim();
        if name.is_empty() || name.chars().count() > MAX_SECTION_NAME || !(1..=MAX_ROWS).contains(&s.rows) || !(1..=MAX_SEATS_PER_ROW).contains(&s.seats_per_row) {
            errors.insert(
                "sections".into(),
                Text::with(
                    msg::errors_catalog::SECTION_SHAPE,
                    &[("max_name", &MAX_SECTION_NAME), ("max_rows", &MAX_ROWS), ("max_seats", &MAX_SEATS_PER_ROW)],
                ),
            );
        } else if has_control(&s.name) {
            errors.insert("sections".into(), msg::errors_catalog::SECTION_NAME_CONTROL.into());
        } else if !names.insert(name.to_lowercase()) {
            errors.insert("sections".into(), msg::errors_catalog::SECTION_NAMES_UNIQUE.into());
        }
    }
    errors
}

/// Creates a venue with its sections and laid-out seats, in one transaction.
pub async fn create_venue(db: &Db, venue: &NewVenue, created_by: Option<&str>) -> Result<CreatedVenue, AppError> {
    let errors = check_venue(venue);
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let id = new_id();
    let mut tx = db.begin_write().await?;
    sqlx::query("INSERT INTO venues (id, name, city, address, time_zone, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)")
        .bind(&id)
        .bind(venue.name.trim())
        .bind(venue.city.trim())
        .bind(venue.address.trim())
        .bind(venue.time_zone.trim())
        .bind(created_by)
        .bind(now_ms())
        .execute(&mut *tx)
        .await?;
    let mut section_ids = Vec::new();
    for (order, s) in venue.sections.iter().enumerate() {
        let section_id = new_id();
        sqlx::query(
            "INSERT INTO venue_sections (id, venue_id, name, kind, capacity, sort_order) VALUES ($1, $2, $3, 'SEATED', $4, $5)",
        )
        .bind(&section_id)
        .bind(&id)
        .bind(s.name.trim())
        .bind((s.rows * s.seats_per_row) as i64)
        .bind(order as i64)
        .execute(&mut *tx)
        .await?;
        section_ids.push(section_id);
    }
    let shape: Vec<(u32, u32)> = venue.sections.iter().map(|s| (s.rows, s.seats_per_row)).collect();
    let places = layout_sections(&shape);
    for chunk in places.chunks(100) {
        let mut sql = String::from("INSERT INTO seats (id, venue_id, section_id, row_label, number, x, y, accessible) VALUES ");
        for i in 0..chunk.len() {
            let b = i * 8;
            if i > 0 {
                sql.push_str(", ");
            }
            sql.push_str(&format!("(${}, ${}, ${}, ${}, ${}, ${}, ${}, ${})", b + 1, b + 2, b + 3, b + 4, b + 5, b + 6, b + 7, b + 8));
        }
        let mut q = sqlx::query(&sql);
        for p in chunk {
            q = q
                .bind(new_id())
                .bind(&id)
                .bind(&section_ids[p.section])
                .bind(&p.row)
                .bind(p.number)
                .bind(p.x)
                .bind(p.y)
                .bind(p.accessible);
        }
        q.execute(&mut *tx).await?;
    }
    tx.commit().await?;
    Ok(CreatedVenue { id, section_ids })
}

#[derive(Debug, Clone)]
pub struct NewEvent {
    pub title: String,
    pub description: String,
    pub category: String,
    pub venue_id: String,
    pub organizer_id: Option<String>,
    pub starts_at: OffsetDateTime,
    pub ends_at: OffsetDateTime,
    pub image_url: Option<String>,
    pub status: EventStatus,
    pub featured: bool,
    pub currency: String,
    /// The most seats one buyer may hold, or have in orders waiting for payment.
    pub max_seats_per_buyer: i64,
    /// (section id, price in minor units) for every section of the venue.
    pub prices: Vec<(String, i64)>,
}

/// Creates an event, its prices and its seat inventory (every seat AVAILABLE).
pub async fn create_event(db: &Db, e: &NewEvent) -> Result<String, AppError> {
    let id = new_id();
    // Lookups read `id = $1 OR slug = $1`: a slug must never read as another event's id.
    // (`check_event` refuses such titles; the event's own id is the fallback here.)
    let mut slug = slugify(&e.title);
    if slug.is_empty() || slug_reads_as_id(&slug) {
        slug = id.clone();
    }
    let now = now_ms();
    let mut tx = db.begin_write().await?;
    let taken: Option<String> = sqlx::query_scalar("SELECT id FROM events WHERE slug = $1")
        .bind(&slug)
        .fetch_optional(&mut *tx)
        .await?;
    if taken.is_some() {
        slug = format!("{slug}-{}", &id[..8]);
    }
    sqlx::query(
        "INSERT INTO events (id, slug, title, description, category, venue_id, organizer_id, starts_at, ends_at, \
         image_url, status, featured, currency, created_at, updated_at, max_seats_per_buyer) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14, $15)",
    )
    .bind(&id)
    .bind(&slug)
    .bind(e.title.trim())
    .bind(e.description.trim())
    .bind(e.category.trim().to_lowercase())
    .bind(&e.venue_id)
    .bind(&e.organizer_id)
    .bind(to_ms(e.starts_at))
    .bind(to_ms(e.ends_at))
    .bind(&e.image_url)
    .bind(e.status.as_str())
    .bind(e.featured)
    .bind(&e.currency)
    .bind(now)
    .bind(e.max_seats_per_buyer)
    .execute(&mut *tx)
    .await?;
    for (section_id, cents) in &e.prices {
        sqlx::query("INSERT INTO event_prices (event_id, section_id, price_cents) VALUES ($1, $2, $3)")
            .bind(&id)
            .bind(section_id)
            .bind(*cents)
            .execute(&mut *tx)
            .await?;
    }
    create_inventory(&mut tx, &id, &e.venue_id, now).await?;
    tx.commit().await?;
    Ok(id)
}

async fn create_inventory(tx: &mut Tx, event_id: &str, venue_id: &str, now: i64) -> Result<(), AppError> {
    sqlx::query(
        "INSERT INTO event_seats (event_id, seat_id, section_id, status, version, updated_at) \
         SELECT $1, s.id, s.section_id, 'AVAILABLE', 1, $2 FROM seats s WHERE s.venue_id = $3",
    )
    .bind(event_id)
    .bind(now)
    .bind(venue_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn venue() -> NewVenue {
        NewVenue {
            name: "Sala Nueva".into(),
            city: "Bilbao".into(),
            address: "Calle 1".into(),
            time_zone: "Europe/Madrid".into(),
            sections: vec![NewSection { name: "Front".into(), rows: 2, seats_per_row: 5 }, NewSection { name: "Back".into(), rows: 1, seats_per_row: 4 }],
        }
    }

    #[test]
    fn venue_texts_have_limits() {
        assert!(check_venue(&venue()).is_empty());
        assert!(check_venue(&NewVenue { address: "a".repeat(MAX_ADDRESS), ..venue() }).is_empty());
        assert!(check_venue(&NewVenue { address: "a".repeat(5000), ..venue() }).contains_key("address"));
        assert!(check_venue(&NewVenue { name: "é".repeat(MAX_VENUE_NAME), ..venue() }).is_empty(), "characters, not bytes");
        assert!(check_venue(&NewVenue { city: "c".repeat(MAX_CITY + 1), ..venue() }).contains_key("city"));
        let mut long_section = venue();
        long_section.sections[0].name = "s".repeat(MAX_SECTION_NAME + 1);
        assert!(check_venue(&long_section).contains_key("sections"));
    }

    #[test]
    fn venue_texts_refuse_control_characters() {
        assert!(check_venue(&NewVenue { name: "Sala\u{1b}[31m".into(), ..venue() }).contains_key("name"));
        assert!(check_venue(&NewVenue { city: "Bil\u{0}bao".into(), ..venue() }).contains_key("city"));
        assert!(check_venue(&NewVenue { address: "Calle 1\nPiso 2".into(), ..venue() }).contains_key("address"));
        assert!(check_venue(&NewVenue { time_zone: "Atlantic/Canary".into(), ..venue() }).is_empty());
        assert!(check_venue(&NewVenue { time_zone: "Europe/Gotham".into(), ..venue() }).contains_key("time_zone"));
        let mut section = venue();
        section.sections[1].name = "Back\r\nrow".into();
        assert!(check_venue(&section).contains_key("sections"));
    }

    #[test]
    fn section_names_differ() {
        let mut twins = venue();
        twins.sections[1].name = " front ".into();
        assert!(check_venue(&twins).contains_key("sections"));
    }
}
