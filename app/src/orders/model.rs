use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum HoldStatus {
    Active,
    Released,
    Expired,
    /// An order was placed from it; its seats belong to the order now.
    Converted,
}

impl HoldStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            HoldStatus::Active => "ACTIVE",
            HoldStatus::Released => "RELEASED",
            HoldStatus::Expired => "EXPIRED",
            HoldStatus::Converted => "CONVERTED",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [HoldStatus::Active, HoldStatus::Released, HoldStatus::Expired, HoldStatus::Converted].into_iter().find(|v| v.as_str() == s)
    }
}

/// The live stream's `hold` message: one of the user's holds is now in `status`
/// (RELEASED or EXPIRED).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HoldChanged {
    pub hold_id: String,
    pub status: HoldStatus,
}

impl HoldChanged {
    pub const KIND: &'static str = "hold";
}

/// A seat of a hold or an order, with its price.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeatLine {
    pub seat_id: Uuid,
    pub section: String,
    pub row: String,
    pub number: i64,
    pub price_cents: i64,
}

impl SeatLine {
    /// "Stalls, row C, seat 12", in the visitor's language.
    pub fn label(&self, i18n: crate::i18n::I18n) -> String {
        crate::catalog::seat_label(i18n, &self.section, &self.row, self.number)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Hold {
    pub id: Uuid,
    pub event_id: Uuid,
    pub event_title: String,
    pub event_slug: String,
    pub status: HoldStatus,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
    pub seats: Vec<SeatLine>,
    pub total_cents: i64,
    pub currency: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum OrderStatus {
    Pending,
    Paid,
    Rejected,
    Expired,
    Cancelled,
    Refunded,
}

impl OrderStatus {
    pub const ALL: [OrderStatus; 6] = [
        OrderStatus::Pending,
        OrderStatus::Paid,
        OrderStatus::Rejected,
        OrderStatus::Expired,
        OrderStatus::Cancelled,
        OrderStatus::Refunded,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OrderStatus::Pending => "PENDING",
            OrderStatus::Paid => "PAID",
            OrderStatus::Rejected => "REJECTED",
            OrderStatus::Expired => "EXPIRED",
            OrderStatus::Cancelled => "CANCELLED",
            OrderStatus::Refunded => "REFUNDED",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }

    /// What a person reads for this status.
    pub fn label(self) -> crate::i18n::Msg {
        use crate::i18n::msg::orders;
        match self {
            OrderStatus::Pending => orders::STATUS_PENDING,
            OrderStatus::Paid => orders::STATUS_PAID,
            OrderStatus::Rejected => orders::STATUS_REJECTED,
            OrderStatus::Expired => orders::STATUS_EXPIRED,
            OrderStatus::Cancelled => orders::STATUS_CANCELLED,
            OrderStatus::Refunded => orders::STATUS_REFUNDED,
        }
    }
}

/// Card details as entered; never stored (only the last four digits are kept).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PaymentInput {
    pub card_number: String,
    pub exp_month: i32,
    pub exp_year: i32,
    pub cvc: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Order {
    pub id: Uuid,
    pub event_id: Uuid,
    pub event_title: String,
    pub event_slug: String,
    #[serde(with = "time::serde::rfc3339")]
    pub event_starts_at: OffsetDateTime,
    /// The venue's IANA time zone (absent from the answer that places the order).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_time_zone: Option<String>,
    /// `event_starts_at` in the venue's offset at that moment (absent with the zone).
    #[serde(default, skip_serializing_if = "Option::is_none", with = "time::serde::rfc3339::option")]
    pub event_starts_at_local: Option<OffsetDateTime>,
    pub hold_id: Uuid,
    pub status: OrderStatus,
    pub total_cents: i64,
    pub currency: String,
    pub card_last4: String,
    /// Why the payment was refused, for REJECTED orders.
    pub failure_reason: Option<String>,
    pub items: Vec<SeatLine>,
    pub ticket_ids: Vec<Uuid>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub paid_at: Option<OffsetDateTime>,
}

impl Order {
    /// The name under which a device keeps my orders (see `ui::mine`).
    pub const KEPT: &'static str = "orders";
}

/// The live stream's `order` message: one of the user's orders is now in `status`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderChanged {
    pub order_id: String,
    pub status: OrderStatus,
}

impl OrderChanged {
    pub const KIND: &'static str = "order";
}
