//! The languages, and which one a request gets.
//!
//! An explicit choice wins: the language cookie, which the header's switch sets (and
//! which signing in sets from the profile). Then the browser's `Accept-Language`, then
//! the house default (Spanish unless configured otherwise).

/// Where the header's language switch posts (answered by the server's `language.rs`).
pub const LANGUAGE_PATH: &str = "/language";

/// The name of the cookie that remembers a visitor's language.
pub const LANGUAGE_COOKIE: &str = "taquilla_lang";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Locale {
    #[default]
    Es,
    En,
    /// Every text accented between ⟦ and ⟧, for the test that finds texts which did not
    /// come through the catalog. Exists only in builds with the `pseudo-locale` feature.
    #[cfg(feature = "pseudo-locale")]
    Pseudo,
}

impl Locale {
    /// The languages people can choose.
    pub const ALL: [Locale; 2] = [Locale::Es, Locale::En];

    /// The BCP 47 code, as in `<html lang>` and the cookie.
    pub fn code(self) -> &'static str {
        match self {
            Locale::Es => "es",
            Locale::En => "en",
            #[cfg(feature = "pseudo-locale")]
            Locale::Pseudo => "en-XA",
        }
    }

    /// The language's own name, as the switch offers it.
    pub fn native_name(self) -> &'static str {
        match self {
            Locale::Es => "Español",
            Locale::En => "English",
            #[cfg(feature = "pseudo-locale")]
            Locale::Pseudo => "Pseudo",
        }
    }

    /// A code as stored or sent ("es", "en-GB", "ES"); `None` for other languages.
    pub fn parse(code: &str) -> Option<Locale> {
        let code = code.trim();
        #[cfg(feature = "pseudo-locale")]
        if code.eq_ignore_ascii_case("en-XA") {
            return Some(Locale::Pseudo);
        }
        let primary = code.split(['-', '_']).next().unwrap_or("");
        if primary.eq_ignore_ascii_case("es") {
            Some(Locale::Es)
        } else if primary.eq_ignore_ascii_case("en") {
            Some(Locale::En)
        } else {
            None
        }
    }

    /// Whether `count` takes the singular ("one") form. Spanish and English agree: 1 only.
    pub fn is_singular(self, count: i64) -> bool {
        count == 1
    }

    /// The language's texts.
    #[cfg(feature = "ssr")]
    pub fn texts(self) -> &'static [&'static str] {
        match self {
            Locale::Es => &super::ES,
            Locale::En => &super::EN,
            #[cfg(feature = "pseudo-locale")]
            Locale::Pseudo => &super::PSEUDO,
        }
    }
}

/// The language a request gets: its cookie's, else the best of its `Accept-Language`,
/// else `default`.
pub fn negotiate(cookie: Option<&str>, accept_language: Option<&str>, default: Locale) -> Locale {
    cookie.and_then(Locale::parse).or_else(|| accept_language.and_then(from_accept_language)).unwrap_or(default)
}

/// The language of a `Cookie` header's language cookie, if it names one.
pub fn from_cookie_header(header: &str) -> Option<&str> {
    header.split(';').filter_map(|pair| pair.trim().split_once('=')).find(|(name, _)| *name == LANGUAGE_COOKIE).map(|(_, value)| value.trim())
}

/// The highest-weighted language of an `Accept-Language` header that we speak; among equal
/// weights, the first listed.
pub fn from_accept_language(header: &str) -> Option<Locale> {
    let mut best: Option<(u16, Locale)> = None;
    for item in header.split(',') {
        let mut parts = item.split(';');
        let tag = parts.next().unwrap_or("").trim();
        let weight = parts.find_map(|p| p.trim().strip_prefix("q=")).map_or(Some(1000), parse_weight);
        let (Some(weight), Some(locale)) = (weight, Locale::parse(tag)) else { continue };
        if weight > 0 && best.is_none_or(|(w, _)| weight > w) {
            best = Some((weight, locale));
        }
    }
    best.map(|(_, locale)| locale)
}

/// A quality value in thousandths ("0.8" → 800); `None` when malformed.
fn parse_weight(q: &str) -> Option<u16> {
    let q = q.trim();
    let (units, fraction) = q.split_once('.').unwrap_or((q, ""));
    if fraction.len() > 3 || !fraction.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let units: u16 = match units {
        "0" => 0,
        "1" => 1,
        _ => return None,
    };
    let thousandths: u16 = format!("{fraction:0<3}").parse().ok()?;
    let weight = units * 1000 + thousandths;
    (weight <= 1000).then_some(weight)
}

/// The `Set-Cookie` value that remembers a language for a year.
pub fn language_cookie(locale: Locale, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{LANGUAGE_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax{secure}", locale.code())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cookie_wins_then_the_browser_then_the_house() {
        assert_eq!(negotiate(Some("en"), Some("es-ES,es;q=0.9"), Locale::Es), Locale::En);
        assert_eq!(negotiate(None, Some("es-ES,es;q=0.9"), Locale::En), Locale::Es);
        assert_eq!(negotiate(Some("klingon"), Some("en-US"), Locale::Es), Locale::En);
        assert_eq!(negotiate(None, Some("fr-FR,de;q=0.5"), Locale::Es), Locale::Es);
        assert_eq!(negotiate(None, None, Locale::En), Locale::En);
    }

    #[test]
    fn accept_language_follows_its_weights() {
        assert_eq!(from_accept_language("fr;q=1, en;q=0.5, es;q=0.8"), Some(Locale::Es));
        assert_eq!(from_accept_language("en-GB, es"), Some(Locale::En));
        assert_eq!(from_accept_language("es;q=0, en;q=0.1"), Some(Locale::En));
        assert_eq!(from_accept_language("es;q=2, en;q=0.3"), Some(Locale::En));
        assert_eq!(from_accept_language("es;q=abc"), None);
        assert_eq!(from_accept_language("*"), None);
        assert_eq!(from_accept_language(""), None);
    }

    #[test]
    fn the_cookie_is_found_among_others() {
        assert_eq!(from_cookie_header("a=1; taquilla_lang=en; b=2"), Some("en"));
        assert_eq!(from_cookie_header("xtaquilla_lang=en"), None);
        assert_eq!(from_cookie_header(""), None);
    }

    #[test]
    fn codes_are_read_loosely_and_written_exactly() {
        assert_eq!(Locale::parse("ES"), Some(Locale::Es));
        assert_eq!(Locale::parse("en_US"), Some(Locale::En));
        assert_eq!(Locale::parse("eng"), None);
        for locale in Locale::ALL {
            assert_eq!(Locale::parse(locale.code()), Some(locale));
        }
        assert_eq!(language_cookie(Locale::En, true), "taquilla_lang=en; Path=/; Max-Age=31536000; SameSite=Lax; Secure");
    }
}
