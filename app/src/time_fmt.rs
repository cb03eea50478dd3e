//! Formatting of times and money, identical on server and browser so hydration matches.

use time::{macros::format_description, OffsetDateTime};

/// "Sat 12 Dec 2026 · 20:00 UTC"
pub fn event_datetime(t: OffsetDateTime) -> String {
    let fmt = format_description!(
        "[weekday repr:short] [day padding:none] [month repr:short] [year] · [hour]:[minute] UTC"
    );
    t.to_offset(time::UtcOffset::UTC).format(&fmt).unwrap_or_default()
}

/// "12 Dec 2026"
pub fn short_date(t: OffsetDateTime) -> String {
    let fmt = format_description!("[day padding:none] [month repr:short] [year]");
    t.to_offset(time::UtcOffset::UTC).format(&fmt).unwrap_or_default()
}

/// "2026-12-12" for `<input type="date">`.
pub fn iso_date(t: OffsetDateTime) -> String {
    let fmt = format_description!("[year]-[month]-[day]");
    t.format(&fmt).unwrap_or_default()
}

/// Money in minor units, e.g. `money(4550, "EUR")` → "€45.50".
pub fn money(cents: i64, currency: &str) -> String {
    let symbol = match currency {
        "EUR" => "€",
        "USD" => "$",
        "GBP" => "£",
        "MXN" => "MX$",
        _ => "",
    };
    let sign = if cents < 0 { "-" } else { "" };
    let abs = cents.unsigned_abs();
    let units = abs / 100;
    let minor = abs % 100;
    if symbol.is_empty() {
        format!("{sign}{units}.{minor:02} {currency}")
    } else {
        format!("{sign}{symbol}{units}.{minor:02}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn formats_money_in_minor_units() {
        assert_eq!(money(4550, "EUR"), "€45.50");
        assert_eq!(money(5, "USD"), "$0.05");
        assert_eq!(money(120000, "CHF"), "1200.00 CHF");
        assert_eq!(money(-250, "GBP"), "-£2.50");
    }

    #[test]
    fn formats_event_times_in_utc() {
        let t = datetime!(2026-12-12 20:00 UTC);
        assert_eq!(event_datetime(t), "Sat 12 Dec 2026 · 20:00 UTC");
        assert_eq!(short_date(t), "12 Dec 2026");
        assert_eq!(iso_date(t), "2026-12-12");
    }
}
