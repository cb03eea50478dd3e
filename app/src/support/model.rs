//! The support desk's shared types: support tickets, their conversation, the agents who
//! take them and who has which.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::i18n::{msg, Msg};

/// What a support ticket is about; an agent's skills name the categories they take.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Category {
    Payments,
    Tickets,
    Events,
    Account,
    Accessibility,
    Other,
}

impl Category {
    pub const ALL: [Category; 6] = [Category::Payments, Category::Tickets, Category::Events, Category::Account, Category::Accessibility, Category::Other];

    pub fn as_str(self) -> &'static str {
        match self {
            Category::Payments => "PAYMENTS",
            Category::Tickets => "TICKETS",
            Category::Events => "EVENTS",
            Category::Account => "ACCOUNT",
            Category::Accessibility => "ACCESSIBILITY",
            Category::Other => "OTHER",
        }
    }

    pub fn parse(s: &str) -> Option<Category> {
        Category::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// The skill an agent needs to take it, as agents' skills are written ("payments").
    pub fn skill(self) -> &'static str {
        match self {
            Category::Payments => "payments",
            Category::Tickets => "tickets",
            Category::Events => "events",
            Category::Account => "account",
            Category::Accessibility => "accessibility",
            Category::Other => "other",
        }
    }

    pub fn label(self) -> Msg {
        match self {
            Category::Payments => msg::support::CATEGORY_PAYMENTS,
            Category::Tickets => msg::support::CATEGORY_TICKETS,
            Category::Events => msg::support::CATEGORY_EVENTS,
            Category::Account => msg::support::CATEGORY_ACCOUNT,
            Category::Accessibility => msg::support::CATEGORY_ACCESSIBILITY,
            Category::Other => msg::support::CATEGORY_OTHER,
        }
    }
}

/// How soon a support ticket must be answered; the system sets it (see
/// [`super::rules::priority_for`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Priority {
    Low,
    Normal,
    High,
    Urgent,
}

impl Priority {
    pub const ALL: [Priority; 4] = [Priority::Low, Priority::Normal, Priority::High, Priority::Urgent];

    pub fn as_str(self) -> &'static str {
        match self {
            Priority::Low => "LOW",
            Priority::Normal => "NORMAL",
            Priority::High => "HIGH",
            Priority::Urgent => "URGENT",
        }
    }

    pub fn parse(s: &str) -> Option<Priority> {
        Priority::ALL.into_iter().find(|p| p.as_str() == s)
    }

    pub fn label(self) -> Msg {
        match self {
            Priority::Low => msg::support::PRIORITY_LOW,
            Priority::Normal => msg::support::PRIORITY_NORMAL,
            Priority::High => msg::support::PRIORITY_HIGH,
            Priority::Urgent => msg::support::PRIORITY_URGENT,
        }
    }
}

/// Where a support ticket stands: OPEN → IN_PROGRESS → WAITING → RESOLVED → CLOSED, and
/// back to OPEN when reopened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SupportStatus {
    Open,
    InProgress,
    /// Waiting for the customer.
    Waiting,
    Resolved,
    Closed,
}

impl SupportStatus {
    pub const ALL: [SupportStatus; 5] = [SupportStatus::Open, SupportStatus::InProgress, SupportStatus::Waiting, SupportStatus::Resolved, SupportStatus::Closed];

    pub fn as_str(self) -> &'static str {
        match self {
            SupportStatus::Open => "OPEN",
            SupportStatus::InProgress => "IN_PROGRESS",
            SupportStatus::Waiting => "WAITING",
            SupportStatus::Resolved => "RESOLVED",
            SupportStatus::Closed => "CLOSED",
        }
    }

    pub fn parse(s: &str) -> Option<SupportStatus> {
        SupportStatus::ALL.into_iter().find(|v| v.as_str() == s)
    }

    /// Still on an agent's plate: counts towards their load.
    pub fn is_open(self) -> bool {
        matches!(self, SupportStatus::Open | SupportStatus::InProgress | SupportStatus::Waiting)
    }

    pub fn label(self) -> Msg {
        match self {
            SupportStatus::Open => msg::support::STATUS_OPEN,
            SupportStatus::InProgress => msg::support::STATUS_IN_PROGRESS,
            SupportStatus::Waiting => msg::support::STATUS_WAITING,
            SupportStatus::Resolved => msg::support::STATUS_RESOLVED,
            SupportStatus::Closed => msg::support::STATUS_CLOSED,
        }
    }
}

/// Whether an agent takes new support tickets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Availability {
    Available,
    /// Away for a while: keeps their support tickets, gets no new ones.
    Away,
    /// Gone for the day: their open support tickets go to others.
    Off,
}

impl Availability {
    pub const ALL: [Availability; 3] = [Availability::Available, Availability::Away, Availability::Off];

    pub fn as_str(self) -> &'static str {
        match self {
            Availability::Available => "AVAILABLE",
            Availability::Away => "AWAY",
            Availability::Off => "OFF",
        }
    }

    pub fn parse(s: &str) -> Option<Availability> {
        Availability::ALL.into_iter().find(|v| v.as_str() == s)
    }

    pub fn label(self) -> Msg {
        match self {
            Availability::Available => msg::support::AVAILABILITY_AVAILABLE,
            Availability::Away => msg::support::AVAILABILITY_AWAY,
            Availability::Off => msg::support::AVAILABILITY_OFF,
        }
    }
}

/// A person in a support ticket, as the desk shows them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Person {
    pub id: Uuid,
    pub display_name: String,
}

/// A support ticket as its reader may see it. The conversation comes with one ticket
/// (`GET /support/tickets/{id}`), not with lists; a customer's never holds internal notes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SupportTicket {
    pub id: Uuid,
    pub title: String,
    pub description: String,
    pub category: Category,
    pub priority: Priority,
    pub status: SupportStatus,
    pub requester: Person,
    pub assignee: Option<Person>,
    pub order_id: Option<Uuid>,
    /// Only for the requester and the desk.
    pub phone: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub first_response_due: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub resolution_due: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub first_response_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub resolved_at: Option<OffsetDateTime>,
    /// The first answer, or the resolution, is late (see [`super::rules::overdue`]).
    pub overdue: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub messages: Option<Vec<SupportMessage>>,
    /// The files sent with the support ticket itself (with the conversation, like it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attachments: Option<Vec<Attachment>>,
}

impl SupportTicket {
    /// The names under which a device keeps my support tickets (see `ui::mine`): as
    /// lists show them, and whole, with their conversation.
    pub const KEPT: &'static str = "support";
    pub const KEPT_FULL: &'static str = "support.ticket";
}

/// One message of a support ticket's conversation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SupportMessage {
    pub id: Uuid,
    pub author: Person,
    /// Written by the desk (an agent or an administrator), not the customer.
    pub from_staff: bool,
    pub body: String,
    /// An internal note: for the desk only.
    pub internal: bool,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// The files sent with it.
    #[serde(default)]
    pub attachments: Vec<Attachment>,
}

/// A file of a support ticket or of one of its messages, as its readers see it; its
/// content is at `GET /support/tickets/{ticket}/attachments/{id}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Attachment {
    pub id: Uuid,
    pub name: String,
    /// Read from the content when it was sent: image/png, image/jpeg, image/gif,
    /// image/webp or application/pdf.
    pub content_type: String,
    /// In bytes.
    pub size: i64,
}

/// A file as it is sent: its name and its content in base64.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewAttachment {
    pub name: String,
    pub content_base64: String,
}

/// Who has (or had) a support ticket, and since when.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Assignment {
    pub id: Uuid,
    pub ticket_id: Uuid,
    pub ticket_title: String,
    pub agent: Person,
    /// NEW, WAITED, REASSIGNED, MANUAL or TAKEN.
    pub reason: String,
    #[serde(with = "time::serde::rfc3339")]
    pub assigned_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub ended_at: Option<OffsetDateTime>,
}

/// An agent as the desk's administrators see them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Agent {
    pub id: Uuid,
    pub display_name: String,
    pub email: String,
    pub active: bool,
    pub skills: Vec<String>,
    pub availability: Availability,
    /// Their open support tickets (OPEN, IN_PROGRESS, WAITING).
    pub open_tickets: i64,
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_assigned_at: Option<OffsetDateTime>,
}

/// The order a support ticket names, as the desk's panel shows it, with what the viewer
/// may do with it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderPanel {
    pub order: crate::orders::model::Order,
    /// Paid, its event not started, and the viewer handles payments (or administers).
    pub can_refund: bool,
    /// Paid: its tickets can be sent again.
    pub can_resend: bool,
}

/// A support ticket as a customer writes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewSupportTicket {
    pub title: String,
    pub description: String,
    pub category: Category,
    /// One of the customer's own orders.
    #[serde(default)]
    pub order_id: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    /// The id the customer's device gave it: sending it again answers the same ticket.
    #[serde(default)]
    pub client_id: Option<String>,
    /// Images or PDF, at most 3 of 5 MB each.
    #[serde(default)]
    pub attachments: Vec<NewAttachment>,
}

/// A reply or an internal note as it is written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewMessage {
    pub body: String,
    /// An internal note (the desk only).
    #[serde(default)]
    pub internal: bool,
    #[serde(default)]
    pub client_id: Option<String>,
    /// Images or PDF, at most 3 of 5 MB each.
    #[serde(default)]
    pub attachments: Vec<NewAttachment>,
}
