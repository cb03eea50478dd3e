//! A text decided on one side and read on the other: an error's message is made by a
//! service, which knows no language, and is put into words where it is shown (the page, in
//! the visitor's language; the REST API, in the request's).

use serde::{Deserialize, Serialize};

use super::{I18n, Msg};

/// A placeholder's name and value.
pub type Arg = (String, String);

/// A message of the catalog with its placeholders' values, or a text that has no
/// translation (what a parser said about a malformed request, say).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Text {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    msg: Option<u16>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    raw: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    args: Vec<Arg>,
}

impl Text {
    pub fn msg(msg: Msg) -> Text {
        Text { msg: Some(msg.0), raw: String::new(), args: Vec::new() }
    }

    /// A message with values for its placeholders.
    pub fn with(msg: Msg, args: &[(&str, &dyn std::fmt::Display)]) -> Text {
        let args = args.iter().map(|(name, value)| (name.to_string(), value.to_string())).collect();
        Text { msg: Some(msg.0), raw: String::new(), args }
    }

    /// A text that is the same in every language.
    pub fn raw(text: impl Into<String>) -> Text {
        Text { msg: None, raw: text.into(), args: Vec::new() }
    }

    /// Whether this is that message.
    pub fn is(&self, msg: Msg) -> bool {
        self.msg == Some(msg.0)
    }

    pub(super) fn render(&self, i18n: I18n) -> String {
        match self.msg.and_then(|m| Msg::from_index(usize::from(m))) {
            Some(msg) => {
                let args: Vec<(&str, &str)> = self.args.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
                i18n.tf(msg, &args)
            }
            None => self.raw.clone(),
        }
    }
}

impl From<Msg> for Text {
    fn from(msg: Msg) -> Text {
        Text::msg(msg)
    }
}

/// In English on the server (for logs), in the page's language in the browser.
impl std::fmt::Display for Text {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        #[cfg(feature = "ssr")]
        let i18n = I18n::new(super::Locale::En);
        #[cfg(not(feature = "ssr"))]
        let i18n = super::use_i18n();
        f.write_str(&self.render(i18n))
    }
}
