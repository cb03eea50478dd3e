//! Server functions of the organizer's pages. What the forms send (a venue with its
//! sections, an event with a price for each section) arrives as text and is parsed here
//! into the same inputs the REST API takes, so both go through one set of checks.

use serde::{Deserialize, Serialize};
use time::{macros::format_description, PrimitiveDateTime};

use crate::catalog::{SalesReport, VenueView};
use crate::error::AppError;
use leptos::prelude::*;

/// One section row of the venue form, as typed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SectionForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub rows: String,
    #[serde(default)]
    pub seats_per_row: String,
}

/// One price of the event form, as typed ("25", "25.5", "25.50").
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PriceForm {
    #[serde(default)]
    pub section_id: String,
    #[serde(default)]
    pub price: String,
}

/// "25", "25.5" or "25.50" in major units → minor units. At most two decimals.
pub fn parse_price(s: &str) -> Option<i64> {
    let s = s.trim();
    let (units, minor) = match s.split_once('.') {
        Some((u, m)) => (u, m),
        None => (s, ""),
    };
    if units.is_empty() || units.len() > 9 || !units.bytes().all(|b| b.is_ascii_digit()) || minor.len() > 2 || !minor.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let minor = format!("{minor:0<2}");
    Some(units.parse::<i64>().ok()? * 100 + minor.parse::<i64>().ok()?)
}

/// The value of an `<input type="datetime-local">` ("2026-12-12T20:00", seconds
/// optional): a local date and time, at the venue.
pub fn parse_local_datetime(s: &str) -> Option<PrimitiveDateTime> {
    let s = s.trim();
    let with_seconds = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]");
    let without = format_description!("[year]-[month]-[day]T[hour]:[minute]");
    PrimitiveDateTime::parse(s, &without).or_else(|_| PrimitiveDateTime::parse(s, &with_seconds)).ok()
}

/// A form's local time at the venue as an instant, or the message for its field: missing,
/// or a time the venue's clocks skip or pass twice.
#[cfg(feature = "ssr")]
fn instant_at_venue(value: &str, zone: &jiff::tz::TimeZone, missing: crate::i18n::Msg) -> Result<time::OffsetDateTime, crate::i18n::Msg> {
    use crate::catalog::zone::{instant_of, LocalTimeProblem};
    let local = parse_local_datetime(value).ok_or(missing)?;
    instant_of(local, zone).map_err(|problem| match problem {
        LocalTimeProblem::Skipped => crate::i18n::msg::zones::TIME_SKIPPED,
        LocalTimeProblem::Repeated => crate::i18n::msg::zones::TIME_REPEATED,
    })
}

/// Section rows left entirely blank are ignored; the others must be whole.
pub fn sections_from_form(rows: &[SectionForm]) -> Result<Vec<(String, u32, u32)>, AppError> {
    let filled: Vec<&SectionForm> = rows.iter().filter(|s| !(s.name.trim().is_empty() && s.rows.trim().is_empty() && s.seats_per_row.trim().is_empty())).collect();
    filled
        .iter()
        .map(|s| match (s.rows.trim().parse::<u32>(), s.seats_per_row.trim().parse::<u32>()) {
            (Ok(rows), Ok(seats)) if !s.name.trim().is_empty() => Ok((s.name.trim().to_owned(), rows, seats)),
            _ => Err(AppError::field("sections", crate::i18n::msg::errors_catalog::SECTION_INCOMPLETE)),
        })
        .collect()
}

#[server(endpoint = "organizer_venues")]
pub async fn organizer_venues() -> Result<Vec<VenueView>, AppError> {
    crate::error::respond(async move {
        let user = crate::users::signed_in::require_user().await?;
        let db = crate::context::piece::<crate::db::Db>()?;
        crate::catalog::organizer::service::venues_for(&db, &user).await
    }
    .await)
}

#[server(endpoint = "organizer_new_venue")]
pub async fn new_venue_form(
    name: String,
    city: String,
    #[server(default)] address: String,
    #[server(default)] time_zone: String,
    #[server(default)] sections: Vec<SectionForm>,
) -> Result<VenueView, AppError> {
    use crate::catalog::manage::{NewSection, NewVenue};
    crate::error::respond(async move {
        let user = crate::users::signed_in::require_user().await?;
        let db = crate::context::piece::<crate::db::Db>()?;
        let sections = sections_from_form(&sections)?
            .into_iter()
            .map(|(name, rows, seats_per_row)| NewSection { name, rows, seats_per_row })
            .collect();
        let time_zone = if time_zone.trim().is_empty() { crate::catalog::zone::DEFAULT_ZONE.to_owned() } else { time_zone.trim().to_owned() };
        let venue = crate::catalog::organizer::service::new_venue(&db, &user, &NewVenue { name, city, address, time_zone, sections }).await?;
        leptos_axum::redirect("/organizer/venues");
        Ok(venue)
    }
    .await)
}

#[server(endpoint = "organizer_new_event")]
#[allow(clippy::too_many_arguments)]
pub async fn new_event_form(
    title: String,
    category: String,
    #[server(default)] description: String,
    venue_id: String,
    starts_at: String,
    ends_at: String,
    #[server(default)] currency: String,
    #[server(default)] max_seats_per_buyer: String,
    #[server(default)] prices: Vec<PriceForm>,
) -> Result<String, AppError> {
    use crate::catalog::organizer::service::{EventInput, PriceInput};
    crate::error::respond(async move {
        let user = crate::users::signed_in::require_user().await?;
        let db = crate::context::piece::<crate::db::Db>()?;
        let mut errors = crate::error::FieldErrors::new();
        // Times are entered at the venue's clock; an unknown venue is refused further on.
        let zone = crate::catalog::organizer::service::venue_time_zone(&db, &venue_id)
            .await?
            .and_then(|name| crate::catalog::zone::zone(&name))
            .or_else(|| crate::catalog::zone::zone(crate::catalog::zone::DEFAULT_ZONE))
            .ok_or(AppError::Internal)?;
        let starts = instant_at_venue(&starts_at, &zone, crate::i18n::msg::errors_catalog::STARTS_AT_MISSING);
        let ends = instant_at_venue(&ends_at, &zone, crate::i18n::msg::errors_catalog::ENDS_AT_MISSING);
        if let Err(msg) = starts {
            errors.insert("starts_at".into(), msg.into());
        }
        if let Err(msg) = ends {
            errors.insert("ends_at".into(), msg.into());
        }
        let seat_limit = match max_seats_per_buyer.trim() {
            "" => Some(crate::catalog::rules::DEFAULT_SEATS_PER_BUYER),
            text => text.parse::<i64>().ok(),
        };
        if seat_limit.is_none() {
            errors.insert("max_seats_per_buyer".into(), crate::i18n::msg::errors_catalog::SEAT_LIMIT_NUMBER.into());
        }
        let mut parsed = Vec::with_capacity(prices.len());
        for p in &prices {
            match parse_price(&p.price) {
                Some(price_cents) => parsed.push(PriceInput { section_id: p.section_id.clone(), price_cents }),
                None => {
                    errors.insert("prices".into(), crate::i18n::msg::errors_catalog::PRICE_FORMAT.into());
                }
            }
        }
        let (Ok(starts_at), Ok(ends_at)) = (starts, ends) else { return Err(AppError::Validation(errors)) };
        if !errors.is_empty() {
            return Err(AppError::Validation(errors));
        }
        let currency = if currency.trim().is_empty() { "EUR".to_owned() } else { currency.trim().to_uppercase() };
        let input = EventInput {
            title,
            description,
            category,
            venue_id,
            starts_at,
            ends_at,
            currency,
            prices: parsed,
            image_url: None,
            featured: false,
            max_seats_per_buyer: seat_limit.unwrap_or_default(),
        };
        let event = crate::catalog::organizer::service::new_event(&db, &user, &input).await?;
        leptos_axum::redirect("/organizer");
        Ok(event.summary.id.to_string())
    }
    .await)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prices_in_major_units() {
        assert_eq!(parse_price("25"), Some(2500));
        assert_eq!(parse_price(" 25.5 "), Some(2550));
        assert_eq!(parse_price("0.05"), Some(5));
        assert_eq!(parse_price("25.505"), None);
        assert_eq!(parse_price("-3"), None);
        assert_eq!(parse_price(""), None);
        assert_eq!(parse_price(".5"), None);
        assert_eq!(parse_price("1e3"), None);
    }

    #[test]
    fn form_times_are_read_at_the_venue() {
        let t = parse_local_datetime("2026-12-12T20:00").unwrap();
        assert_eq!((t.hour(), t.minute()), (20, 0));
        assert!(parse_local_datetime("2026-12-12T20:00:30").is_some());
        assert!(parse_local_datetime("12/12/2026 8pm").is_none());
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn form_times_the_clocks_skip_or_repeat_are_refused_with_their_reason() {
        use crate::i18n::msg;
        let madrid = crate::catalog::zone::zone("Europe/Madrid").unwrap();
        let missing = msg::errors_catalog::STARTS_AT_MISSING;
        assert_eq!(instant_at_venue("2026-12-12T20:00", &madrid, missing), Ok(time::macros::datetime!(2026-12-12 19:00 UTC)));
        assert_eq!(instant_at_venue("2026-03-29T02:30", &madrid, missing), Err(msg::zones::TIME_SKIPPED));
        assert_eq!(instant_at_venue("2026-10-25T02:30", &madrid, missing), Err(msg::zones::TIME_REPEATED));
        assert_eq!(instant_at_venue("", &madrid, missing), Err(missing));
    }

    #[test]
    fn blank_section_rows_are_ignored_and_partial_ones_refused() {
        let row = |n: &str, r: &str, s: &str| SectionForm { name: n.into(), rows: r.into(), seats_per_row: s.into() };
        let ok = sections_from_form(&[row("Stalls", "10", "20"), row("", "", "")]).unwrap();
        assert_eq!(ok, vec![("Stalls".to_owned(), 10, 20)]);
        assert!(sections_from_form(&[row("Stalls", "ten", "20")]).is_err());
        assert!(sections_from_form(&[row("", "10", "20")]).is_err());
    }
}

#[server(endpoint = "organizer_dashboard")]
pub async fn organizer_dashboard() -> Result<Vec<SalesReport>, AppError> {
    crate::error::respond(async move {
        let user = crate::users::signed_in::require_user().await?;
        let db = crate::context::piece::<crate::db::Db>()?;
        crate::catalog::organizer::service::my_events(&db, &user).await
    }
    .await)
}

#[server(endpoint = "organizer_set_status")]
pub async fn set_event_status(id: String, status: String) -> Result<(), AppError> {
    crate::error::respond(async move {
        let user = crate::users::signed_in::require_user().await?;
        let db = crate::context::piece::<crate::db::Db>()?;
        let status = crate::catalog::EventStatus::parse(&status).ok_or_else(|| AppError::field("status", crate::i18n::msg::errors_catalog::UNKNOWN_STATUS))?;
        let patch = crate::catalog::organizer::service::EventPatch { status: Some(status), ..Default::default() };
        crate::catalog::organizer::service::update_event(&db, &user, &id, &patch).await.map(|_| ())
    }
    .await)
}
