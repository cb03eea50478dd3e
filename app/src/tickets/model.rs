//! What an admission ticket is, as the pages and the API show it.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TicketStatus {
    Valid,
    Void,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ticket {
    pub id: Uuid,
    pub order_id: Uuid,
    pub event_id: Uuid,
    pub event_title: String,
    #[serde(with = "time::serde::rfc3339")]
    pub event_starts_at: OffsetDateTime,
    /// The venue's IANA time zone.
    pub event_time_zone: String,
    /// `event_starts_at` in the venue's offset at that moment.
    #[serde(with = "time::serde::rfc3339")]
    pub event_starts_at_local: OffsetDateTime,
    pub venue: String,
    pub section: String,
    pub row: String,
    pub number: i64,
    pub holder: String,
    pub status: TicketStatus,
    /// The signed admission code the QR encodes; a void ticket has none.
    pub code: Option<String>,
    /// The QR code as an SVG document (single-ticket answers of valid tickets only).
    pub qr_svg: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub issued_at: OffsetDateTime,
    /// When the ticket became void (its order was cancelled or refunded).
    #[serde(with = "time::serde::rfc3339::option")]
    pub voided_at: Option<OffsetDateTime>,
}

impl Ticket {
    /// The name under which a device keeps my tickets (see `ui::mine`).
    pub const KEPT: &'static str = "tickets";
}

/// A void ticket, as door devices learn of it: its code (which still verifies, being
/// signed) must be turned away.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Revocation {
    pub ticket_id: Uuid,
    pub seat_id: Uuid,
    #[serde(with = "time::serde::rfc3339")]
    pub voided_at: OffsetDateTime,
}

/// The live stream's `ticket` message: a ticket of one of the user's orders was issued.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TicketIssued {
    pub order_id: String,
    pub ticket_id: String,
}

impl TicketIssued {
    pub const KIND: &'static str = "ticket";
}
