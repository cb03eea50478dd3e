//! Catalog rules: filter validation, slugs, category names.

use time::{macros::format_description, Date, OffsetDateTime, Time};

use crate::catalog::EventFilter;
use crate::error::FieldErrors;
use crate::i18n::{msg, Text};

pub const EVENTS_PER_PAGE: i64 = 12;
pub const QUERY_MAX: usize = 100;

/// How many seats of an event one buyer may hold, or have in orders waiting for
/// payment, unless its organizer says otherwise.
pub const DEFAULT_SEATS_PER_BUYER: i64 = 8;
/// The most an organizer may allow one buyer.
pub const MOST_SEATS_PER_BUYER: i64 = 50;

/// Why a per-buyer seat limit is not acceptable, if it is not.
pub fn check_seats_per_buyer(limit: i64) -> Option<Text> {
    (!(1..=MOST_SEATS_PER_BUYER).contains(&limit))
        .then(|| Text::with(msg::errors_catalog::SEATS_PER_BUYER, &[("max", &MOST_SEATS_PER_BUYER)]))
}

/// A filter checked and turned into bounds the database can use.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckedFilter {
    pub q: Option<String>,
    pub category: Option<String>,
    pub city: Option<String>,
    pub from: Option<OffsetDateTime>,
    /// Exclusive upper bound (the day after `to`).
    pub until: Option<OffsetDateTime>,
    pub page: i64,
}

fn non_empty(v: &Option<String>) -> Option<String> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned)
}

pub fn parse_day(s: &str) -> Option<Date> {
    Date::parse(s.trim(), &format_description!("[year]-[month]-[day]")).ok()
}

pub fn check_filter(filter: &EventFilter) -> Result<CheckedFilter, FieldErrors> {
    let mut errors = FieldErrors::new();
    let q = non_empty(&filter.q);
    if q.as_ref().is_some_and(|q| q.chars().count() > QUERY_MAX) {
        errors.insert("q".into(), Text::with(msg::errors_catalog::SEARCH_LENGTH, &[("max", &QUERY_MAX)]));
    }
    let mut day = |field: &str, value: &Option<String>| match non_empty(value) {
        None => None,
        Some(s) => match parse_day(&s) {
            Some(d) => Some(d),
            None => {
                errors.insert(field.into(), msg::errors_catalog::DATE_FORMAT.into());
                None
            }
        },
    };
    let from = day("from", &filter.from);
    let to = day("to", &filter.to);
    if let (Some(f), Some(t)) = (from, to) {
        if t < f {
            errors.insert("to".into(), msg::errors_catalog::DATE_ORDER.into());
        }
    }
    let page = filter.page.unwrap_or(1);
    if !(1..=10_000).contains(&page) {
        errors.insert("page".into(), msg::errors::PAGE_START.into());
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(CheckedFilter {
        q,
        category: non_empty(&filter.category),
        city: non_empty(&filter.city),
        from: from.map(|d| d.with_time(Time::MIDNIGHT).assume_utc()),
        until: to.and_then(|d| d.next_day()).map(|d| d.with_time(Time::MIDNIGHT).assume_utc()),
        page,
    })
}

/// The query string for a filter (without `page`), to keep filters in links.
pub fn filter_query(filter: &EventFilter) -> String {
    let mut parts = Vec::new();
    for (name, value) in [
        ("q", &filter.q),
        ("category", &filter.category),
        ("city", &filter.city),
        ("from", &filter.from),
        ("to", &filter.to),
    ] {
        if let Some(v) = non_empty(value) {
            parts.push(format!("{name}={}", encode(&v)));
        }
    }
    parts.join("&")
}

/// Percent-encoding for a query value.
pub fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(b as char),
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Whether text a person typed on one line holds a control character (a newline, a tab,
/// an escape).
pub fn has_control(text: &str) -> bool {
    text.chars().any(char::is_control)
}

/// Whether text of several lines holds a control character other than its line breaks
/// and tabs.
pub fn has_control_besides_lines(text: &str) -> bool {
    text.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
}

/// A URL-safe slug: lowercase ASCII letters, digits and single dashes.
pub fn slugify(title: &str) -> String {
    let mut slug = String::new();
    for c in title.chars().flat_map(char::to_lowercase) {
        let c = match c {
            'á' | 'à' | 'ä' | 'â' | 'ã' => 'a',
            'é' | 'è' | 'ë' | 'ê' => 'e',
            'í' | 'ì' | 'ï' | 'î' => 'i',
            'ó' | 'ò' | 'ö' | 'ô' | 'õ' => 'o',
            'ú' | 'ù' | 'ü' | 'û' => 'u',
            'ñ' => 'n',
            'ç' => 'c',
            c => c,
        };
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    slug.trim_end_matches('-').chars().take(80).collect()
}

/// Whether a slug would be taken for an event id: event lookups accept either, so such a
/// slug could name another event. Anything `Uuid::parse_str` accepts counts (with or
/// without dashes, braces or a `urn:uuid:` prefix).
pub fn slug_reads_as_id(slug: &str) -> bool {
    uuid::Uuid::parse_str(slug).is_ok()
}

/// A category's display name ("stand-up comedy" stays as written, first letter up).
pub fn category_label(category: &str) -> String {
    let mut chars = category.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn filter(from: &str, to: &str) -> EventFilter {
        EventFilter { from: Some(from.into()), to: Some(to.into()), ..Default::default() }
    }

    #[test]
    fn dates_become_inclusive_day_bounds() {
        let f = check_filter(&filter("2026-12-01", "2026-12-31")).unwrap();
        assert_eq!(f.from, Some(datetime!(2026-12-01 0:00 UTC)));
        assert_eq!(f.until, Some(datetime!(2027-01-01 0:00 UTC)));
        assert_eq!(f.page, 1);
    }

    #[test]
    fn bad_filters_are_field_errors() {
        let errors = check_filter(&filter("tomorrow", "2026-01-01")).unwrap_err();
        assert!(errors.contains_key("from"));
        let errors = check_filter(&filter("2026-12-31", "2026-12-01")).unwrap_err();
        assert!(errors.contains_key("to"));
        let errors = check_filter(&EventFilter { page: Some(0), ..Default::default() }).unwrap_err();
        assert!(errors.contains_key("page"));
        let errors = check_filter(&EventFilter { q: Some("x".repeat(101)), ..Default::default() }).unwrap_err();
        assert!(errors.contains_key("q"));
    }

    #[test]
    fn blank_values_are_ignored_and_kept_out_of_links() {
        let f = EventFilter { q: Some("  ".into()), city: Some("Sevilla".into()), category: Some("rock & roll".into()), ..Default::default() };
        let checked = check_filter(&f).unwrap();
        assert_eq!(checked.q, None);
        assert_eq!(filter_query(&f), "category=rock+%26+roll&city=Sevilla");
    }

    #[test]
    fn slugs_are_url_safe() {
        assert_eq!(slugify("Noche de Flamenco: ¡Olé!"), "noche-de-flamenco-ole");
        assert_eq!(slugify("  AC/DC -- Live  "), "ac-dc-live");
    }

    #[test]
    fn slugs_that_read_as_ids_are_refused() {
        let id = uuid::Uuid::new_v4();
        assert!(slug_reads_as_id(&slugify(&id.to_string())));
        assert!(slug_reads_as_id(&slugify(&id.to_string().to_uppercase())));
        assert!(slug_reads_as_id(&slugify(&id.simple().to_string())));
        assert!(slug_reads_as_id(&slugify(&format!("{{{id}}}"))));
        assert!(!slug_reads_as_id(&slugify(&format!("Tour {id}"))));
        assert!(!slug_reads_as_id("noche-de-flamenco-ole"));
        assert!(!slug_reads_as_id(""));
    }
}

/// Horizontal distance between seat centres, in map units.
pub const SEAT_SPACING: i64 = 22;
/// Vertical distance between rows.
pub const ROW_SPACING: i64 = 24;
const SECTION_GAP: i64 = 56;

/// A seat's place on the map, before it has an id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeatPlace {
    pub section: usize,
    pub row: String,
    pub number: i64,
    pub x: i64,
    pub y: i64,
    pub accessible: bool,
}

/// Row labels A…Z, then AA, AB…
pub fn row_label(index: usize) -> String {
    let mut n = index + 1;
    let mut label = Vec::new();
    while n > 0 {
        n -= 1;
        label.push((b'A' + (n % 26) as u8) as char);
        n /= 26;
    }
    label.iter().rev().collect()
}

/// Lays out sections of `rows × seats_per_row` one behind the other, each centred in
/// front of the stage. The ends of each section's front row are wheelchair places.
pub fn layout_sections(sections: &[(u32, u32)]) -> Vec<SeatPlace> {
    let mut places = Vec::new();
    let mut y = 0i64;
    for (index, &(rows, per_row)) in sections.iter().enumerate() {
        let width = (per_row.max(1) as i64 - 1) * SEAT_SPACING;
        for r in 0..rows as usize {
            for n in 0..per_row as i64 {
                places.push(SeatPlace {
                    section: index,
                    row: row_label(r),
                    number: n + 1,
                    x: -width / 2 + n * SEAT_SPACING,
                    y: y + r as i64 * ROW_SPACING,
                    accessible: r == 0 && (n == 0 || n == per_row as i64 - 1),
                });
            }
        }
        y += rows as i64 * ROW_SPACING + SECTION_GAP;
    }
    places
}

#[cfg(test)]
mod layout_tests {
    use super::*;

    #[test]
    fn row_labels_continue_after_z() {
        assert_eq!(row_label(0), "A");
        assert_eq!(row_label(25), "Z");
        assert_eq!(row_label(26), "AA");
        assert_eq!(row_label(27), "AB");
    }

    #[test]
    fn sections_do_not_overlap_and_positions_are_unique() {
        let places = layout_sections(&[(3, 10), (2, 6)]);
        assert_eq!(places.len(), 42);
        let mut seen = std::collections::HashSet::new();
        for p in &places {
            assert!(seen.insert((p.x, p.y)), "two seats at {},{}", p.x, p.y);
        }
        let first_back = places.iter().filter(|p| p.section == 0).map(|p| p.y).max().unwrap();
        let second_front = places.iter().filter(|p| p.section == 1).map(|p| p.y).min().unwrap();
        assert!(second_front > first_back);
        assert_eq!(places.iter().filter(|p| p.accessible).count(), 4);
    }
}

#[cfg(test)]
mod seat_limit_tests {
    use super::*;

    #[test]
    fn organizers_allow_between_one_and_fifty_seats_a_buyer() {
        assert!(check_seats_per_buyer(DEFAULT_SEATS_PER_BUYER).is_none());
        assert!(check_seats_per_buyer(1).is_none());
        assert!(check_seats_per_buyer(MOST_SEATS_PER_BUYER).is_none());
        assert!(check_seats_per_buyer(0).is_some());
        assert!(check_seats_per_buyer(-3).is_some());
        assert!(check_seats_per_buyer(MOST_SEATS_PER_BUYER + 1).is_some());
    }
}
