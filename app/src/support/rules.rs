//! The support desk's rules, over plain values: what a support ticket may say, its
//! priority and deadlines, who may move it where, and which agent takes it.

use crate::error::FieldErrors;
use crate::i18n::{msg, Msg, Text};
use crate::support::model::{Category, NewSupportTicket, Priority, SupportStatus};
use crate::users::rules::is_hidden_or_control;

pub const TITLE_MIN: usize = 4;
pub const TITLE_MAX: usize = 120;
pub const DESCRIPTION_MIN: usize = 10;
pub const DESCRIPTION_MAX: usize = 5000;
pub const BODY_MAX: usize = 5000;
pub const CLIENT_ID_MAX: usize = 64;
/// The longest search of a list.
pub const SEARCH_MAX: usize = 200;
/// Digits in a phone number, at least and at most (E.164 has at most 15).
pub const PHONE_DIGITS: (usize, usize) = (6, 15);
/// Support tickets per page of a list.
pub const PER_PAGE: i64 = 20;
/// Files to one message (or to a new support ticket), at most.
pub const ATTACHMENTS_PER_MESSAGE: usize = 3;
/// Bytes of one file, at most (5 MB).
pub const ATTACHMENT_MAX_BYTES: usize = 5 * 1024 * 1024;
/// The types a file may have (read from its content), as a file picker accepts them.
pub const ATTACHMENT_TYPES: &str = "image/png,image/jpeg,image/gif,image/webp,application/pdf";

const MINUTE: i64 = 60_000;
const HOUR: i64 = 60 * MINUTE;

/// A title or a text as it is kept: trimmed, without invisible or direction-changing
/// characters (line breaks stay in texts).
pub fn clean_text(text: &str, keep_lines: bool) -> String {
    let cleaned: String = text
        .trim()
        .chars()
        .filter(|&c| (keep_lines && (c == '\n' || c == '\t')) || !is_hidden_or_control(c))
        .collect();
    cleaned.replace("\r\n", "\n")
}

/// A phone number as it is kept ("+34 600 123 456" → "+34600123456"), or why not.
pub fn normalize_phone(phone: &str) -> Result<String, Text> {
    let phone = phone.trim();
    if !phone.chars().all(|c| c.is_ascii_digit() || matches!(c, '+' | ' ' | '-' | '(' | ')' | '.')) || phone.rfind('+').is_some_and(|i| i > 0) {
        return Err(Text::msg(msg::errors_support::PHONE_INVALID));
    }
    let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
    if digits.len() < PHONE_DIGITS.0 || digits.len() > PHONE_DIGITS.1 {
        return Err(Text::msg(msg::errors_support::PHONE_INVALID));
    }
    Ok(if phone.starts_with('+') { format!("+{digits}") } else { digits })
}

/// What is wrong with a new support ticket, field by field (empty when nothing is).
pub fn check_new(new: &NewSupportTicket) -> FieldErrors {
    let mut errors = FieldErrors::new();
    let title = clean_text(&new.title, false);
    if title.chars().count() < TITLE_MIN {
        errors.insert("title".into(), Text::with(msg::errors_support::TITLE_SHORT, &[("min", &TITLE_MIN)]));
    } else if title.chars().count() > TITLE_MAX {
        errors.insert("title".into(), Text::with(msg::errors_support::TITLE_LONG, &[("max", &TITLE_MAX)]));
    }
    let description = clean_text(&new.description, true);
    if description.chars().count() < DESCRIPTION_MIN {
        errors.insert("description".into(), Text::with(msg::errors_support::DESCRIPTION_SHORT, &[("min", &DESCRIPTION_MIN)]));
    } else if description.chars().count() > DESCRIPTION_MAX {
        errors.insert("description".into(), Text::with(msg::errors_support::TEXT_LONG, &[("max", &DESCRIPTION_MAX)]));
    }
    if let Some(phone) = new.phone.as_deref().filter(|p| !p.trim().is_empty()) {
        if let Err(e) = normalize_phone(phone) {
            errors.insert("phone".into(), e);
        }
    }
    if let Some(e) = new.client_id.as_deref().and_then(check_client_id) {
        errors.insert("client_id".into(), e);
    }
    errors
}

/// What is wrong with a reply's text, if anything.
pub fn check_body(body: &str) -> Option<Text> {
    let body = clean_text(body, true);
    if body.is_empty() {
        Some(Text::msg(msg::errors_support::BODY_MISSING))
    } else if body.chars().count() > BODY_MAX {
        Some(Text::with(msg::errors_support::TEXT_LONG, &[("max", &BODY_MAX)]))
    } else {
        None
    }
}

/// A device's id for an action: printable ASCII, at most [`CLIENT_ID_MAX`] long.
pub fn check_client_id(id: &str) -> Option<Text> {
    (id.is_empty() || id.len() > CLIENT_ID_MAX || !id.bytes().all(|b| b.is_ascii_graphic())).then(|| Text::msg(msg::errors_support::CLIENT_ID_INVALID))
}

/// The priority the system gives a support ticket: by how soon the event of its order
/// starts (`starts_in_ms`, negative once it has started), then by what it is about.
pub fn priority_for(category: Category, starts_in_ms: Option<i64>) -> Priority {
    match starts_in_ms {
        // The doors open within hours: someone may be standing outside.
        Some(ms) if (0..6 * HOUR).contains(&ms) => Priority::Urgent,
        Some(ms) if (0..48 * HOUR).contains(&ms) => Priority::High,
        _ => match category {
            Category::Payments | Category::Tickets | Category::Accessibility | Category::Account => Priority::Normal,
            Category::Events | Category::Other => Priority::Low,
        },
    }
}

/// How long the desk has for the first answer and for the resolution, by priority (ms).
pub fn deadlines_ms(priority: Priority) -> (i64, i64) {
    match priority {
        Priority::Urgent => (15 * MINUTE, 4 * HOUR),
        Priority::High => (HOUR, 8 * HOUR),
        Priority::Normal => (4 * HOUR, 48 * HOUR),
        Priority::Low => (24 * HOUR, 120 * HOUR),
    }
}

/// Whether a support ticket is late, at `now`: not answered by its first-response
/// deadline, or not resolved by its resolution deadline. A resolved or closed one is not.
pub fn overdue(status: SupportStatus, now: i64, first_response_due: i64, first_response_at: Option<i64>, resolution_due: i64) -> bool {
    status.is_open() && ((first_response_at.is_none() && now > first_response_due) || now > resolution_due)
}

/// Who moves a support ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mover {
    /// The customer who opened it.
    Requester,
    /// An agent or an administrator.
    Desk,
}

/// Whether `mover` may take a support ticket from `from` to `to`. The desk moves it
/// forward (OPEN → IN_PROGRESS → WAITING → RESOLVED → CLOSED; WAITING only when there
/// is something to wait for: IN_PROGRESS → RESOLVED is fine), back to IN_PROGRESS from
/// WAITING, and reopens a resolved one. The customer closes their own, and reopens it
/// once resolved. A closed support ticket stays closed: a new one is opened instead.
pub fn can_move(from: SupportStatus, to: SupportStatus, mover: Mover) -> bool {
    use SupportStatus::*;
    match mover {
        Mover::Desk => matches!(
            (from, to),
            (Open, InProgress) | (InProgress, Waiting) | (InProgress, Resolved) | (Waiting, InProgress) | (Waiting, Resolved) | (Resolved, Closed) | (Resolved, Open)
        ),
        Mover::Requester => matches!((from, to), (Open | InProgress | Waiting | Resolved, Closed) | (Resolved, Open)),
    }
}

/// Where a customer's reply takes their support ticket: a WAITING or RESOLVED one is
/// reopened. A closed one takes no replies.
pub fn after_customer_reply(status: SupportStatus) -> Option<SupportStatus> {
    matches!(status, SupportStatus::Waiting | SupportStatus::Resolved).then_some(SupportStatus::Open)
}

/// Where the desk's public reply takes a support ticket: an OPEN one is in progress.
pub fn after_desk_reply(status: SupportStatus) -> Option<SupportStatus> {
    (status == SupportStatus::Open).then_some(SupportStatus::InProgress)
}

/// The canned replies the desk is offered for a topic (title, text), most useful first;
/// every topic ends with asking for more details.
pub fn canned_replies(category: Category) -> Vec<(Msg, Msg)> {
    use crate::i18n::msg::support as m;
    let mut replies = match category {
        Category::Payments => vec![(m::CANNED_PAYMENT_CHECK_TITLE, m::CANNED_PAYMENT_CHECK_BODY), (m::CANNED_REFUND_TITLE, m::CANNED_REFUND_BODY)],
        Category::Tickets => vec![(m::CANNED_TICKETS_TITLE, m::CANNED_TICKETS_BODY), (m::CANNED_ENTRY_TITLE, m::CANNED_ENTRY_BODY)],
        Category::Events => vec![(m::CANNED_EVENT_TITLE, m::CANNED_EVENT_BODY)],
        Category::Account => vec![(m::CANNED_ACCOUNT_TITLE, m::CANNED_ACCOUNT_BODY)],
        Category::Accessibility => vec![(m::CANNED_ACCESS_TITLE, m::CANNED_ACCESS_BODY)],
        Category::Other => vec![],
    };
    replies.push((m::CANNED_MORE_TITLE, m::CANNED_MORE_BODY));
    replies
}

/// An agent who could take a support ticket, with what they have now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub agent_id: String,
    /// Their open support tickets.
    pub open: i64,
    /// When they were last given one (never: first in line).
    pub last_assigned_at: Option<i64>,
}

/// The agent who takes the next support ticket: the fewest open ones; among equals,
/// the one given one least recently (never before first); then by id, so that the
/// choice is the same wherever it is made.
pub fn choose_agent(candidates: &[Candidate]) -> Option<&Candidate> {
    candidates.iter().min_by(|a, b| {
        a.open
            .cmp(&b.open)
            .then_with(|| a.last_assigned_at.unwrap_or(i64::MIN).cmp(&b.last_assigned_at.unwrap_or(i64::MIN)))
            .then_with(|| a.agent_id.cmp(&b.agent_id))
    })
}

/// An agent's skills as they are kept: lower case, trimmed, without repeats.
pub fn normalize_skills(skills: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for s in skills {
        let s = s.trim().to_lowercase();
        if !s.is_empty() && !s.contains(',') && !out.contains(&s) {
            out.push(s);
        }
    }
    out
}

/// An agent's skills as they are kept, or why not: each is a support category
/// ([`Category::skill`]).
pub fn check_skills(skills: &[String]) -> Result<Vec<String>, Text> {
    let skills = normalize_skills(skills);
    let known: Vec<&str> = Category::ALL.iter().map(|c| c.skill()).collect();
    if skills.iter().any(|s| !known.contains(&s.as_str())) {
        return Err(Text::with(msg::errors_support::SKILLS_UNKNOWN, &[("skills", &known.join(", "))]));
    }
    Ok(skills)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn candidate(id: &str, open: i64, last: Option<i64>) -> Candidate {
        Candidate { agent_id: id.into(), open, last_assigned_at: last }
    }

    #[test]
    fn the_fewest_open_tickets_win_then_the_longest_wait() {
        assert_eq!(choose_agent(&[]), None);
        let c = [candidate("a", 3, Some(1)), candidate("b", 1, Some(50)), candidate("c", 1, Some(10))];
        assert_eq!(choose_agent(&c).unwrap().agent_id, "c", "equal loads: the least recently assigned");
        let c = [candidate("a", 1, Some(10)), candidate("b", 1, None)];
        assert_eq!(choose_agent(&c).unwrap().agent_id, "b", "never assigned comes first");
        let c = [candidate("b", 0, None), candidate("a", 0, None)];
        assert_eq!(choose_agent(&c).unwrap().agent_id, "a", "a full tie: the same answer everywhere");
        let c = [candidate("a", 0, Some(99)), candidate("b", 2, None)];
        assert_eq!(choose_agent(&c).unwrap().agent_id, "a", "load before waiting time");
    }

    #[test]
    fn priority_follows_the_event_then_the_subject() {
        const H: i64 = 3_600_000;
        assert_eq!(priority_for(Category::Other, Some(2 * H)), Priority::Urgent);
        assert_eq!(priority_for(Category::Events, Some(47 * H)), Priority::High);
        assert_eq!(priority_for(Category::Payments, Some(49 * H)), Priority::Normal);
        assert_eq!(priority_for(Category::Other, None), Priority::Low);
        assert_eq!(priority_for(Category::Tickets, Some(-H)), Priority::Normal, "an event already started is not urgent any more");
        for p in Priority::ALL {
            let (first, resolve) = deadlines_ms(p);
            assert!(first < resolve);
        }
        assert!(deadlines_ms(Priority::Urgent).0 < deadlines_ms(Priority::Low).0);
    }

    #[test]
    fn transitions_follow_the_desk_and_the_customer() {
        use SupportStatus::*;
        assert!(can_move(Open, InProgress, Mover::Desk));
        assert!(!can_move(Open, Resolved, Mover::Desk), "work starts before it is resolved");
        assert!(can_move(InProgress, Resolved, Mover::Desk));
        assert!(can_move(Resolved, Closed, Mover::Desk));
        assert!(can_move(Resolved, Open, Mover::Desk), "reopen");
        assert!(!can_move(Closed, Open, Mover::Desk), "closed stays closed");
        assert!(!can_move(Open, InProgress, Mover::Requester));
        assert!(can_move(Waiting, Closed, Mover::Requester));
        assert!(!can_move(Closed, Closed, Mover::Requester));
        assert!(can_move(Resolved, Open, Mover::Requester));
        assert_eq!(after_customer_reply(Waiting), Some(Open));
        assert_eq!(after_customer_reply(Resolved), Some(Open));
        assert_eq!(after_customer_reply(InProgress), None);
        assert_eq!(after_desk_reply(Open), Some(InProgress));
        assert_eq!(after_desk_reply(Waiting), None);
    }

    #[test]
    fn overdue_means_an_open_ticket_past_a_deadline() {
        assert!(overdue(SupportStatus::Open, 100, 50, None, 1_000));
        assert!(!overdue(SupportStatus::Open, 100, 50, Some(40), 1_000), "answered in time");
        assert!(overdue(SupportStatus::Waiting, 2_000, 50, Some(40), 1_000));
        assert!(!overdue(SupportStatus::Resolved, 2_000, 50, None, 1_000));
    }

    #[test]
    fn new_tickets_are_checked_field_by_field() {
        let mut new = NewSupportTicket {
            title: "  Refund  ".into(),
            description: "My card was charged twice.".into(),
            category: Category::Payments,
            order_id: None,
            phone: Some("+34 600 12 34 56".into()),
            client_id: None,
            attachments: Vec::new(),
        };
        assert!(check_new(&new).is_empty());
        new.title = "\u{202e}ab".into();
        new.phone = Some("call me".into());
        new.description = "short".into();
        new.client_id = Some("a b".into());
        let errors = check_new(&new);
        assert_eq!(errors.keys().map(String::as_str).collect::<Vec<_>>(), ["client_id", "description", "phone", "title"]);
        assert_eq!(normalize_phone("+34 (600) 12-34-56").unwrap(), "+34600123456");
        assert!(normalize_phone("34+600123456").is_err());
        assert!(normalize_phone("12345").is_err());
        assert_eq!(check_body("  \n "), Some(Text::msg(msg::errors_support::BODY_MISSING)));
        assert_eq!(normalize_skills(&[" Payments".into(), "payments".into(), "a,b".into(), "".into()]), ["payments"]);
        assert_eq!(check_skills(&["Tickets".into(), "other".into()]).unwrap(), ["tickets", "other"]);
        assert!(check_skills(&["accounts".into()]).is_err());
    }
}
