//! Numbers, money and dates as each language writes them, identical on server and
//! browser so that hydration matches. Written by hand (names from the catalog, the
//! shapes here) rather than with ICU, whose data would outweigh the browser's first load.

use time::OffsetDateTime;

use super::{msg, I18n, Locale, Msg};

/// Formats for one language.
#[derive(Clone, Copy)]
pub struct Formatter {
    i18n: I18n,
}

const WEEKDAYS: [Msg; 7] = [
    msg::time::MON, msg::time::TUE, msg::time::WED, msg::time::THU, msg::time::FRI, msg::time::SAT, msg::time::SUN,
];
const MONTHS: [Msg; 12] = [
    msg::time::JAN, msg::time::FEB, msg::time::MAR, msg::time::APR, msg::time::MAY, msg::time::JUN,
    msg::time::JUL, msg::time::AUG, msg::time::SEP, msg::time::OCT, msg::time::NOV, msg::time::DEC,
];

impl Formatter {
    pub fn new(i18n: I18n) -> Formatter {
        Formatter { i18n }
    }

    fn separators(self) -> (char, char) {
        match self.i18n.locale {
            Locale::Es => ('.', ','),
            _ => (',', '.'),
        }
    }

    /// Digits in groups of three: "1,250" / "1.250". Spanish leaves four digits ungrouped
    /// ("1250", "12.500"), as its usage (and CLDR's minimum grouping) has it.
    fn digits(self, n: u64) -> String {
        let plain = n.to_string();
        let (group, _) = self.separators();
        let min = if self.i18n.locale == Locale::Es { 5 } else { 4 };
        if plain.len() < min {
            return plain;
        }
        let mut out = String::with_capacity(plain.len() + plain.len() / 3);
        for (i, c) in plain.chars().enumerate() {
            if i > 0 && (plain.len() - i) % 3 == 0 {
                out.push(group);
            }
            out.push(c);
        }
        out
    }

    /// A whole number.
    pub fn number(self, n: i64) -> String {
        let sign = if n < 0 { "-" } else { "" };
        format!("{sign}{}", self.digits(n.unsigned_abs()))
    }

    /// Money in minor units: "65,00 €" in Spanish, "€65.00" in English.
    pub fn money(self, cents: i64, currency: &str) -> String {
        let (_, decimal) = self.separators();
        let abs = cents.unsigned_abs();
        let amount = format!("{}{decimal}{:02}", self.digits(abs / 100), abs % 100);
        let sign = if cents < 0 { "-" } else { "" };
        let symbol = match currency {
            "EUR" => "€",
            "GBP" => "£",
            "USD" if self.i18n.locale == Locale::Es => "US$",
            "USD" => "$",
            _ => "",
        };
        match (symbol, self.i18n.locale) {
            ("", _) => format!("{sign}{amount} {currency}"),
            (symbol, Locale::Es) => format!("{sign}{amount} {symbol}"),
            (symbol, _) => format!("{sign}{symbol}{amount}"),
        }
    }

    fn weekday(self, t: OffsetDateTime) -> &'static str {
        self.i18n.t(WEEKDAYS[usize::from(t.weekday().number_days_from_monday())])
    }

    fn month(self, t: OffsetDateTime) -> &'static str {
        self.i18n.t(MONTHS[usize::from(u8::from(t.month())) - 1])
    }

    /// The time of day: "20:00" in Spanish, "8:00 PM" in English.
    pub fn clock(self, t: OffsetDateTime) -> String {
        match self.i18n.locale {
            Locale::Es => format!("{:02}:{:02}", t.hour(), t.minute()),
            _ => {
                let period = if t.hour() < 12 { msg::time::AM } else { msg::time::PM };
                let hour = match t.hour() % 12 {
                    0 => 12,
                    h => h,
                };
                format!("{hour}:{:02} {}", t.minute(), self.i18n.t(period))
            }
        }
    }

    /// A date and time as given, in its own offset (an event's, the venue's local time):
    /// "lun, 7 dic 2026, 20:00" / "Mon 7 Dec 2026, 8:00 PM".
    pub fn datetime(self, t: OffsetDateTime) -> String {
        self.i18n.tf(
            msg::time::DATETIME,
            &[
                ("weekday", self.weekday(t)),
                ("day", &t.day().to_string()),
                ("month", self.month(t)),
                ("year", &t.year().to_string()),
                ("time", &self.clock(t)),
            ],
        )
    }

    /// A date: "7 dic 2026" / "7 Dec 2026".
    pub fn date(self, t: OffsetDateTime) -> String {
        self.i18n.tf(msg::time::DATE, &[("day", &t.day().to_string()), ("month", self.month(t)), ("year", &t.year().to_string())])
    }
}

/// A date and time for machines (`<time datetime>`): RFC 3339 in its own offset, written by
/// hand like the rest ("2026-12-07T20:00:00+01:00").
pub fn machine(t: OffsetDateTime) -> String {
    let offset = t.offset().whole_minutes();
    let sign = if offset < 0 { '-' } else { '+' };
    let offset = offset.unsigned_abs();
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}{sign}{:02}:{:02}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        offset / 60,
        offset % 60
    )
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn es() -> Formatter {
        I18n::new(Locale::Es).fmt()
    }
    fn en() -> Formatter {
        I18n::new(Locale::En).fmt()
    }

    #[test]
    fn money_as_each_language_writes_it() {
        assert_eq!(es().money(6500, "EUR"), "65,00 €");
        assert_eq!(en().money(6500, "EUR"), "€65.00");
        assert_eq!(es().money(123456, "EUR"), "1234,56 €");
        assert_eq!(es().money(1234567, "EUR"), "12.345,67 €");
        assert_eq!(en().money(123456, "EUR"), "€1,234.56");
        assert_eq!(en().money(-250, "GBP"), "-£2.50");
        assert_eq!(es().money(5, "USD"), "0,05 US$");
        assert_eq!(en().money(120000, "CHF"), "1,200.00 CHF");
    }

    #[test]
    fn numbers_group_their_thousands() {
        assert_eq!(en().number(999), "999");
        assert_eq!(en().number(1000), "1,000");
        assert_eq!(en().number(-1234567), "-1,234,567");
        assert_eq!(es().number(1000), "1000");
        assert_eq!(es().number(10000), "10.000");
    }

    #[test]
    fn dates_as_each_language_writes_them() {
        let t = datetime!(2026-12-07 20:00 +01:00);
        assert_eq!(es().datetime(t), "lun, 7 dic 2026, 20:00");
        assert_eq!(en().datetime(t), "Mon 7 Dec 2026, 8:00 PM");
        assert_eq!(en().datetime(datetime!(2027-01-04 00:05 +01:00)), "Mon 4 Jan 2027, 12:05 AM");
        assert_eq!(en().datetime(datetime!(2027-01-04 12:30 +01:00)), "Mon 4 Jan 2027, 12:30 PM");
        assert_eq!(es().date(t), "7 dic 2026");
        assert_eq!(machine(t), "2026-12-07T20:00:00+01:00");
        assert_eq!(machine(datetime!(2026-12-07 20:00 -03:30)), "2026-12-07T20:00:00-03:30");
        assert_eq!(en().date(t), "7 Dec 2026");
    }
}
