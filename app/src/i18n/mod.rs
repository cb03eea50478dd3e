//! The one translation layer: every text a person reads comes from here.
//!
//! The messages live in `app/locales/<language>/<room>.json`; the build (`build.rs`) turns
//! them into one constant per message (`msg::<room>::<KEY>`) and fails when a language
//! lacks a key, when the languages disagree on a message's placeholders, or when a plural
//! lacks a form. A page asks [`use_i18n`] for the visitor's [`I18n`] and writes
//! `i18n.t(msg::frame::EVENTS)`.
//!
//! The texts themselves exist on the server only. The server renders a page in the
//! visitor's language and puts that language's texts, and no other's, in the page as a
//! JSON data block; the browser reads them from there when it hydrates (see
//! [`MessagesScript`]), so the WASM carries keys, not texts, and a visitor loads one
//! language. Changing the language reloads the page (a plain form, see `frame.rs`).

pub mod format;
pub mod negotiate;
mod text;

pub use format::Formatter;
pub use negotiate::Locale;
pub use text::{Arg, Text};

include!(concat!(env!("OUT_DIR"), "/messages.rs"));

/// One message, by its place in the catalog.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Msg(pub(crate) u16);

impl Msg {
    /// Its place in a catalog, the same in every language.
    pub fn index(self) -> usize {
        usize::from(self.0)
    }

    /// The message at `index`, if the catalog has one there.
    pub fn from_index(index: usize) -> Option<Msg> {
        (index < MESSAGES).then(|| Msg(index as u16))
    }
}

/// A message with a singular and a plural form, chosen by a count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Plural {
    pub one: Msg,
    pub other: Msg,
}

/// The visitor's language and its texts.
#[derive(Clone, Copy)]
pub struct I18n {
    pub locale: Locale,
    texts: &'static [&'static str],
}

impl std::fmt::Debug for I18n {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "I18n({})", self.locale.code())
    }
}

impl I18n {
    /// The language's texts, on the server.
    #[cfg(feature = "ssr")]
    pub fn new(locale: Locale) -> I18n {
        I18n { locale, texts: locale.texts() }
    }

    /// The text of a message.
    pub fn t(self, msg: Msg) -> &'static str {
        self.texts.get(msg.index()).copied().unwrap_or("")
    }

    /// A message with its `{name}` placeholders filled in.
    pub fn tf(self, msg: Msg, args: &[(&str, &str)]) -> String {
        fill(self.t(msg), args)
    }

    /// The form of a plural that fits `count`, with `{count}` written as a number of this
    /// language ("1.250" in Spanish, "1,250" in English) and the other placeholders filled in.
    pub fn plural(self, plural: Plural, count: i64, args: &[(&str, &str)]) -> String {
        let msg = if self.locale.is_singular(count) { plural.one } else { plural.other };
        let count = self.fmt().number(count);
        let mut all: Vec<(&str, &str)> = vec![("count", &count)];
        all.extend_from_slice(args);
        fill(self.t(msg), &all)
    }

    /// A text made on the server (an error's message, say), in this language.
    pub fn text(self, text: &Text) -> String {
        text.render(self)
    }

    /// Numbers, money and dates in this language.
    pub fn fmt(self) -> Formatter {
        Formatter::new(self)
    }

    /// The texts to put in the page for the browser, as a JSON array safe inside `<script>`:
    /// made once per language. The rooms only the server writes with (emails, the texts of
    /// notifications) travel as empty strings.
    #[cfg(feature = "ssr")]
    pub fn texts_json(self) -> &'static str {
        use std::sync::OnceLock;
        const SERVER_ONLY: [&str; 2] = ["mail.", "notices."];
        static JSON: [OnceLock<String>; 3] = [const { OnceLock::new() }; 3];
        #[allow(unreachable_patterns)]
        let slot = match self.locale {
            Locale::Es => 0,
            Locale::En => 1,
            _ => 2,
        };
        JSON[slot].get_or_init(|| {
            let texts: Vec<&str> =
                self.texts.iter().zip(KEYS.iter()).map(|(text, key)| if SERVER_ONLY.iter().any(|room| key.starts_with(room)) { "" } else { *text }).collect();
            serde_json::to_string(&texts).unwrap_or_else(|_| "[]".into()).replace("</", "<\\/")
        })
    }
}

fn fill(template: &str, args: &[(&str, &str)]) -> String {
    if args.is_empty() || !template.contains('{') {
        return template.to_string();
    }
    let mut out = String::with_capacity(template.len() + 16);
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let Some(len) = rest[start..].find('}') else {
            rest = &rest[start..];
            break;
        };
        let name = &rest[start + 1..start + len];
        match args.iter().find(|(n, _)| *n == name) {
            Some((_, value)) => out.push_str(value),
            None => out.push_str(&rest[start..=start + len]),
        }
        rest = &rest[start + len + 1..];
    }
    out.push_str(rest);
    out
}

/// The id of the data block that carries the page's texts to the browser.
pub const MESSAGES_ELEMENT_ID: &str = "taquilla-messages";

/// The visitor's language, as the page was rendered in it.
///
/// On the server: the language the request asked for (`Locale` in the request's
/// extensions, put there by the server's negotiation layer). In the browser: the page's
/// `<html lang>` and the texts the server put in the page.
pub fn use_i18n() -> I18n {
    if let Some(i18n) = leptos::prelude::use_context::<I18n>() {
        return i18n;
    }
    current()
}

/// Makes the visitor's language the context of the whole app.
pub fn provide_i18n() -> I18n {
    let i18n = current();
    leptos::prelude::provide_context(i18n);
    i18n
}

#[cfg(feature = "ssr")]
fn current() -> I18n {
    let locale = leptos::prelude::use_context::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<Locale>().copied())
        .unwrap_or_default();
    I18n::new(locale)
}

#[cfg(not(feature = "ssr"))]
fn current() -> I18n {
    browser::page_i18n()
}

#[cfg(not(feature = "ssr"))]
mod browser {
    use super::{I18n, Locale, MESSAGES, MESSAGES_ELEMENT_ID};
    use std::sync::OnceLock;

    static PAGE: OnceLock<(Locale, Vec<&'static str>)> = OnceLock::new();

    /// Read once from the page: `<html lang>` and the texts' data block.
    pub fn page_i18n() -> I18n {
        let (locale, texts) = PAGE.get_or_init(read_page);
        I18n { locale: *locale, texts: texts.as_slice() }
    }

    #[cfg(feature = "hydrate")]
    fn read_page() -> (Locale, Vec<&'static str>) {
        let document = web_sys::window().and_then(|w| w.document());
        let locale = document
            .as_ref()
            .and_then(|d| d.document_element())
            .and_then(|html| html.get_attribute("lang"))
            .and_then(|lang| Locale::parse(&lang))
            .unwrap_or_default();
        let texts: Vec<String> = document
            .and_then(|d| d.get_element_by_id(MESSAGES_ELEMENT_ID))
            .and_then(|e| e.text_content())
            .and_then(|json| serde_json::from_str(&json).ok())
            .unwrap_or_default();
        let mut texts: Vec<&'static str> = texts.into_iter().map(|s| &*Box::leak(s.into_boxed_str())).collect();
        texts.resize(MESSAGES, "");
        (locale, texts)
    }

    #[cfg(not(feature = "hydrate"))]
    fn read_page() -> (Locale, Vec<&'static str>) {
        (Locale::default(), vec![""; MESSAGES])
    }
}

/// The page's texts for the browser, in a JSON data block (not a script: nothing runs it,
/// so the content security policy has nothing to allow).
#[cfg(feature = "ssr")]
#[leptos::component]
pub fn MessagesScript() -> impl leptos::IntoView {
    use leptos::prelude::*;
    let i18n = use_i18n();
    view! { <script type="application/json" id=MESSAGES_ELEMENT_ID inner_html=i18n.texts_json()></script> }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_filled_and_unknown_ones_kept() {
        assert_eq!(fill("{a} and {b}", &[("a", "1"), ("b", "2")]), "1 and 2");
        assert_eq!(fill("{a} and {c}", &[("a", "1")]), "1 and {c}");
        assert_eq!(fill("no braces", &[("a", "1")]), "no braces");
        assert_eq!(fill("open { brace", &[("a", "1")]), "open { brace");
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn plurals_pick_their_form_by_language() {
        let en = I18n::new(Locale::En);
        let es = I18n::new(Locale::Es);
        assert_eq!(en.plural(msg::orders::SEATS, 1, &[]), "1 seat");
        assert_eq!(en.plural(msg::orders::SEATS, 0, &[]), "0 seats");
        assert_eq!(en.plural(msg::orders::SEATS, 1250, &[]), "1,250 seats");
        assert_eq!(es.plural(msg::orders::SEATS, 1, &[]), "1 asiento");
        assert_eq!(es.plural(msg::orders::SEATS, 2, &[]), "2 asientos");
        assert_eq!(es.plural(msg::orders::SEATS, 12500, &[]), "12.500 asientos");
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn every_language_has_every_message() {
        for locale in Locale::ALL {
            let texts = locale.texts();
            assert_eq!(texts.len(), MESSAGES);
            for (i, text) in texts.iter().enumerate() {
                assert!(!text.trim().is_empty(), "{} is empty in {}", KEYS[i], locale.code());
            }
        }
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn the_page_data_block_cannot_close_its_script() {
        let json = I18n::new(Locale::En).texts_json();
        assert!(!json.contains("</"));
        let texts: Vec<String> = serde_json::from_str(&json).unwrap();
        assert_eq!(texts.len(), MESSAGES);
    }
}
