//! The page's `<title>`, the one way pages set it.
//!
//! leptos_meta 0.8 writes the title's text into the server-rendered `<head>` as it is,
//! unescaped, so a title taken from user data (an event's name) could close `<title>` and
//! add tags of its own, such as a `<meta http-equiv="refresh">` redirect. [`PageTitle`]
//! escapes the text when rendering on the server; in the browser the text goes to
//! `document.title`, which needs it plain. (leptos_meta escapes attributes, e.g. `<Meta
//! content>`; only the title text is written raw.)

use leptos::prelude::*;
use leptos::text_prop::TextProp;
use leptos_meta::Title;

/// Sets the page title (the root adds " · Taquilla").
#[component]
pub fn PageTitle(#[prop(into)] text: TextProp) -> impl IntoView {
    #[cfg(feature = "ssr")]
    let text = TextProp::from(move || escape_html(&text.get()));
    view! { <Title text/> }
}

/// Text made safe to put between HTML tags or inside a quoted attribute.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::escape_html;

    #[test]
    fn markup_becomes_text() {
        assert_eq!(
            escape_html(r#"</title><meta http-equiv="refresh" content="0;url=https://evil.example/">"#),
            "&lt;/title&gt;&lt;meta http-equiv=&quot;refresh&quot; content=&quot;0;url=https://evil.example/&quot;&gt;"
        );
        assert_eq!(escape_html("Rock & Roll 'live'"), "Rock &amp; Roll &#39;live&#39;");
        assert_eq!(escape_html("Noche de Risas"), "Noche de Risas");
    }

    /// Every page goes through `PageTitle`: leptos_meta's own `<Title text>` is used here only.
    #[test]
    fn no_page_sets_its_title_around_the_escaping() {
        fn visit(dir: &std::path::Path, offenders: &mut Vec<String>) {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    visit(&path, offenders);
                } else if path.extension().is_some_and(|e| e == "rs") && !path.ends_with("ui/title.rs") {
                    let source = std::fs::read_to_string(&path).unwrap();
                    for (i, line) in source.lines().enumerate() {
                        if line.contains("<Title text") {
                            offenders.push(format!("{}:{}", path.display(), i + 1));
                        }
                    }
                }
            }
        }
        let mut offenders = Vec::new();
        visit(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut offenders);
        assert!(offenders.is_empty(), "use ui::PageTitle instead of <Title text=…>: {offenders:?}");
    }
}
