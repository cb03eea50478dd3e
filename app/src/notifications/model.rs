//! What a notification is, as the pages and the API show it, and a person's choices of
//! what reaches them where.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

/// What a notification is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum NotificationKind {
    Welcome,
    /// A hold has two minutes left.
    HoldExpiring,
    HoldExpired,
    /// An order is paid and its tickets are issued.
    OrderPaid,
    PaymentDeclined,
    /// An order cancelled, or refunded, with its event.
    OrderCancelled,
    /// An account was deactivated (told to the admins).
    AccountDeactivated,
    /// A support ticket was given to the agent told.
    SupportAssigned,
    /// Someone answered in a support ticket: the desk to its customer, the customer to
    /// its agent (never an internal note).
    SupportReply,
    /// The desk moved the customer's support ticket (waiting for them, resolved, closed).
    SupportStatus,
}

impl NotificationKind {
    pub const ALL: [NotificationKind; 10] = [
        NotificationKind::Welcome,
        NotificationKind::HoldExpiring,
        NotificationKind::HoldExpired,
        NotificationKind::OrderPaid,
        NotificationKind::PaymentDeclined,
        NotificationKind::OrderCancelled,
        NotificationKind::AccountDeactivated,
        NotificationKind::SupportAssigned,
        NotificationKind::SupportReply,
        NotificationKind::SupportStatus,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            NotificationKind::Welcome => "WELCOME",
            NotificationKind::HoldExpiring => "HOLD_EXPIRING",
            NotificationKind::HoldExpired => "HOLD_EXPIRED",
            NotificationKind::OrderPaid => "ORDER_PAID",
            NotificationKind::PaymentDeclined => "PAYMENT_DECLINED",
            NotificationKind::OrderCancelled => "ORDER_CANCELLED",
            NotificationKind::AccountDeactivated => "ACCOUNT_DEACTIVATED",
            NotificationKind::SupportAssigned => "SUPPORT_ASSIGNED",
            NotificationKind::SupportReply => "SUPPORT_REPLY",
            NotificationKind::SupportStatus => "SUPPORT_STATUS",
        }
    }

    pub fn parse(value: &str) -> Option<NotificationKind> {
        NotificationKind::ALL.into_iter().find(|k| k.as_str() == value)
    }
}

/// Where a notification reaches a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Channel {
    /// The notifications page, the badge and the live stream.
    InApp,
    Email,
}

impl Channel {
    pub const ALL: [Channel; 2] = [Channel::InApp, Channel::Email];

    pub fn as_str(self) -> &'static str {
        match self {
            Channel::InApp => "IN_APP",
            Channel::Email => "EMAIL",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Notification {
    pub id: Uuid,
    pub kind: NotificationKind,
    /// In the reader's language.
    pub title: String,
    pub body: String,
    /// A path of this site (the object the notification is about), if it has one.
    pub link: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// `created_at` in the house's time zone (that of the demo venues, Europe/Madrid), as
    /// the pages show it.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at_local: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub read_at: Option<OffsetDateTime>,
}

impl Notification {
    /// The name under which a device keeps my notifications (see `ui::mine`).
    pub const KEPT: &'static str = "notifications";
}

/// Whether one kind reaches a person in the app and by email.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Preference {
    pub kind: NotificationKind,
    pub in_app: bool,
    pub email: bool,
}

/// Every kind a person can be sent, with their choices.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Preferences {
    pub items: Vec<Preference>,
}

/// The answer to "mark all read".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MarkedRead {
    /// How many were unread and are read now.
    pub marked: i64,
}

/// The live stream's `notification` message: the user has a new notification.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NotificationCreated {
    pub notification_id: String,
    pub kind: NotificationKind,
}

impl NotificationCreated {
    pub const KIND: &'static str = "notification";
}
