//! Formatting of times and money, identical on server and browser so hydration matches.

use time::{OffsetDateTime, UtcOffset};

// Written out by hand rather than with `time`'s format descriptions, whose machinery
// would be most of what the browser's first download carries of `time`.

const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

fn month_name(t: OffsetDateTime) -> &'static str {
    MONTHS[usize::from(u8::from(t.month())) - 1]
}

/// "Sat 12 Dec 2026 · 20:00 UTC"
pub fn event_datetime(t: OffsetDateTime) -> String {
    let t = t.to_offset(UtcOffset::UTC);
    let weekday = WEEKDAYS[usize::from(t.weekday().number_days_from_monday())];
    format!("{weekday} {} {} {} · {:02}:{:02} UTC", t.day(), month_name(t), t.year(), t.hour(), t.minute())
}

/// "12 Dec 2026"
pub fn short_date(t: OffsetDateTime) -> String {
    let t = t.to_offset(UtcOffset::UTC);
    format!("{} {} {}", t.day(), month_name(t), t.year())
}

/// "2026-12-12" for `<input type="date">`.
pub fn iso_date(t: OffsetDateTime) -> String {
    format!("{:04}-{:02}-{:02}", t.year(), u8::from(t.month()), t.day())
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
        let morning = datetime!(2027-01-04 09:05 +02:00);
        assert_eq!(event_datetime(morning), "Mon 4 Jan 2027 · 07:05 UTC");
        assert_eq!(short_date(morning), "4 Jan 2027");
    }
}
