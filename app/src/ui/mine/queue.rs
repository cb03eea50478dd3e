//! The actions taken while the server could not be reached, as the REST requests they
//! stand for, and what the server's answer to one of them means when it is sent.

use serde::{Deserialize, Serialize};

/// The REST methods a queued action uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Method {
    Post,
    Patch,
}

/// The REST request an action stands for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rest {
    pub method: Method,
    /// The path under the site, `/api/v1/…`.
    pub path: String,
    /// The JSON body, if any.
    #[serde(default)]
    pub body: Option<String>,
}

impl Rest {
    pub fn post(path: String, body: Option<String>) -> Rest {
        Rest { method: Method::Post, path, body }
    }

    pub fn patch(path: String) -> Rest {
        Rest { method: Method::Patch, path, body: None }
    }
}

/// An action taken while the server could not be reached: the REST request it stands for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Queued {
    /// Its place in the queue (when it was taken), and its key.
    pub key: String,
    /// What kind of action it is ("support.reply"), for the pages that show the waiting ones.
    pub kind: String,
    /// The object it is about (a support ticket's id), if any.
    #[serde(default)]
    pub about: Option<String>,
    /// What it does, as the page that took it put it.
    pub label: String,
    #[serde(flatten)]
    pub request: Rest,
    /// When it was taken, in milliseconds since the epoch.
    pub at_ms: i64,
    /// The server's reason, when it refused the action: it waits for the user.
    #[serde(default)]
    pub refused: Option<String>,
}

impl Queued {
    /// An action of `kind` taken now, which does `request` (`label` says what, to the user).
    pub fn taken(kind: &str, label: String, request: Rest) -> Queued {
        Queued::at(kind, label, request, crate::ui::clock::now_ms(), next_order())
    }

    /// The action is about `id` (a support ticket, a notification).
    pub fn about(self, id: String) -> Queued {
        Queued { about: Some(id), ..self }
    }

    /// An action taken at `at_ms`; `order` tells apart actions taken in one millisecond.
    pub(super) fn at(kind: &str, label: String, request: Rest, at_ms: i64, order: u32) -> Queued {
        Queued { key: format!("{at_ms:015}-{order:06}"), kind: kind.to_string(), about: None, label, request, at_ms, refused: None }
    }
}

/// What became of a queued action sent to the server.
#[derive(Debug, Clone, PartialEq)]
pub enum Sent {
    /// Done (or done before: the client id made the replay answer the first one).
    Done,
    /// Refused, with the server's reason: kept for the user to decide.
    Refused(String),
    /// Not now: the server was not reached, is busy, or the session has to be renewed.
    Later,
}

/// What the answer to a replayed action means: its HTTP status (`None`: no answer) and the
/// error's message.
pub fn sent(status: Option<u16>, message: &str) -> Sent {
    match status {
        None => Sent::Later,
        Some(s) if (200..300).contains(&s) => Sent::Done,
        // Not the action's fault: the user signs in again, the server recovers.
        Some(401 | 408 | 425 | 429) => Sent::Later,
        Some(s) if s >= 500 => Sent::Later,
        Some(s) if message.trim().is_empty() => Sent::Refused(format!("HTTP {s}")),
        Some(_) => Sent::Refused(message.to_string()),
    }
}

/// An order number for actions taken in one millisecond.
fn next_order() -> u32 {
    thread_local! {
        static ORDER: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
    }
    ORDER.with(|o| {
        o.set(o.get().wrapping_add(1) % 1_000_000);
        o.get()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replays_are_done_refused_or_left_for_later() {
        assert_eq!(sent(Some(201), ""), Sent::Done);
        assert_eq!(sent(Some(200), ""), Sent::Done, "a replay answered with the first one");
        assert_eq!(sent(None, ""), Sent::Later);
        for status in [401, 408, 429, 500, 502, 503] {
            assert_eq!(sent(Some(status), "busy"), Sent::Later, "{status}");
        }
        assert_eq!(sent(Some(409), "The support ticket is closed."), Sent::Refused("The support ticket is closed.".into()));
        assert_eq!(sent(Some(404), " "), Sent::Refused("HTTP 404".into()));
    }

    #[test]
    fn queued_actions_keep_the_order_they_were_taken_in() {
        let take = |at, order| Queued::at("support.reply", String::new(), Rest::post(String::new(), None), at, order);
        let mut keys = vec![take(1_700_000_000_123, 2).key, take(999, 9).key, take(1_700_000_000_123, 1).key, take(1_700_000_000_124, 0).key];
        let taken = keys.clone();
        keys.sort();
        assert_eq!(keys, vec![taken[1].clone(), taken[2].clone(), taken[0].clone(), taken[3].clone()]);
    }

    #[test]
    fn a_queued_action_is_kept_as_the_flat_record_earlier_builds_wrote() {
        let q = Queued::at("support.reply", "Reply".into(), Rest::post("/api/v1/support/tickets/t/messages".into(), Some("{}".into())), 5, 1).about("t".into());
        let json = serde_json::to_value(&q).unwrap();
        assert_eq!(json["method"], "Post");
        assert_eq!(json["path"], "/api/v1/support/tickets/t/messages");
        assert_eq!(json["about"], "t");
        let earlier = r#"{"key":"k","kind":"notifications.read","label":"Read","method":"Patch","path":"/api/v1/notifications/n/read","at_ms":1}"#;
        let read: Queued = serde_json::from_str(earlier).unwrap();
        assert_eq!(read.request, Rest::patch("/api/v1/notifications/n/read".into()));
        assert_eq!((read.about, read.refused), (None, None));
    }
}
