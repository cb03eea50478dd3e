use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum EventStatus {
    Draft,
    OnSale,
    SoldOut,
    Cancelled,
}

impl EventStatus {
    pub const ALL: [EventStatus; 4] = [EventStatus::Draft, EventStatus::OnSale, EventStatus::SoldOut, EventStatus::Cancelled];

    pub fn as_str(self) -> &'static str {
        match self {
            EventStatus::Draft => "DRAFT",
            EventStatus::OnSale => "ON_SALE",
            EventStatus::SoldOut => "SOLD_OUT",
            EventStatus::Cancelled => "CANCELLED",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }

    /// The status's name, as pages show it: `i18n.t(status.label())`.
    pub fn label(self) -> crate::i18n::Msg {
        use crate::i18n::msg::catalog;
        match self {
            EventStatus::Draft => catalog::STATUS_DRAFT,
            EventStatus::OnSale => catalog::STATUS_ON_SALE,
            EventStatus::SoldOut => catalog::STATUS_SOLD_OUT,
            EventStatus::Cancelled => catalog::STATUS_CANCELLED,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SeatStatus {
    Available,
    Held,
    Sold,
}

impl SeatStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            SeatStatus::Available => "AVAILABLE",
            SeatStatus::Held => "HELD",
            SeatStatus::Sold => "SOLD",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [SeatStatus::Available, SeatStatus::Held, SeatStatus::Sold].into_iter().find(|v| v.as_str() == s)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Venue {
    pub id: Uuid,
    pub name: String,
    pub city: String,
    pub address: String,
    /// IANA time zone (`Europe/Madrid`): its events' times are entered and shown in it.
    pub time_zone: String,
}

/// An event as listed in the catalog.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventSummary {
    pub id: Uuid,
    pub slug: String,
    pub title: String,
    pub category: String,
    pub venue_name: String,
    pub city: String,
    #[serde(with = "time::serde::rfc3339")]
    pub starts_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub ends_at: OffsetDateTime,
    /// The venue's IANA time zone.
    pub time_zone: String,
    /// `starts_at` in the venue's offset at that moment: the time its clocks show.
    #[serde(with = "time::serde::rfc3339")]
    pub starts_at_local: OffsetDateTime,
    pub image_url: Option<String>,
    pub status: EventStatus,
    pub featured: bool,
    /// The cheapest section price, in minor units.
    pub price_from_cents: Option<i64>,
    pub currency: String,
    pub seats_available: i64,
}

/// A section's price for one event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SectionPrice {
    pub section_id: Uuid,
    pub name: String,
    pub price_cents: i64,
    pub currency: String,
    pub capacity: i64,
}

/// An event with everything its page shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventDetail {
    #[serde(flatten)]
    pub summary: EventSummary,
    pub description: String,
    pub venue: Venue,
    pub prices: Vec<SectionPrice>,
    /// The most seats one buyer may hold, or have in orders waiting for payment, at once.
    pub max_seats_per_buyer: i64,
}

/// One seat of an event's map, with its current status and price.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeatView {
    pub id: Uuid,
    pub section_id: Uuid,
    pub section: String,
    pub row: String,
    pub number: i64,
    pub x: i64,
    pub y: i64,
    pub accessible: bool,
    pub status: SeatStatus,
    pub price_cents: i64,
    pub currency: String,
}

/// The live stream's `seats` message: these seats of the event are now in `status`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeatsChanged {
    pub event_id: String,
    pub status: SeatStatus,
    pub seat_ids: Vec<String>,
}

impl SeatsChanged {
    pub const KIND: &'static str = "seats";
}

/// The live stream's `seats` message to a stream that asked for seats by place
/// (`?seats=index`): these seats of the event, each named by its index in the order of
/// `/events/{id}/seats` and `/seat-statuses` (the order of the page's map), are now in
/// `status`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeatPlacesChanged {
    pub event_id: String,
    pub status: SeatStatus,
    pub seat_indexes: Vec<u32>,
}

/// The live stream's `event` message: the event is now in `status` (CANCELLED).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventChanged {
    pub event_id: String,
    pub status: EventStatus,
}

impl EventChanged {
    pub const KIND: &'static str = "event";
}

impl SeatView {
    /// "Stalls, row C, seat 12", in the visitor's language.
    pub fn label(&self, i18n: crate::i18n::I18n) -> String {
        seat_label(i18n, &self.section, &self.row, self.number)
    }
}

/// How a seat is named to a person: its section, row and number.
pub fn seat_label(i18n: crate::i18n::I18n, section: &str, row: &str, number: i64) -> String {
    i18n.tf(crate::i18n::msg::catalog::SEAT_LABEL, &[("section", section), ("row", row), ("number", &number.to_string())])
}

/// Catalog search, as in the URL of the events page and `GET /api/v1/events`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EventFilter {
    #[serde(default)]
    pub q: Option<String>,
    #[serde(default)]
    pub category: Option<String>,
    #[serde(default)]
    pub city: Option<String>,
    /// First day, `YYYY-MM-DD` (UTC).
    #[serde(default)]
    pub from: Option<String>,
    /// Last day, `YYYY-MM-DD` (UTC), inclusive.
    #[serde(default)]
    pub to: Option<String>,
    #[serde(default)]
    pub page: Option<i64>,
}

pub use crate::paging::Page;

/// The values the catalog can be filtered by.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Facets {
    pub categories: Vec<String>,
    pub cities: Vec<String>,
}

/// What the home page shows.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct HomeEvents {
    pub featured: Vec<EventSummary>,
    pub upcoming: Vec<EventSummary>,
}

/// Seats by status, paid orders and revenue of one event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SalesReport {
    pub event_id: String,
    pub title: String,
    pub status: EventStatus,
    pub currency: String,
    pub seats_total: i64,
    pub available: i64,
    pub held: i64,
    pub sold: i64,
    pub orders_paid: i64,
    pub revenue_cents: i64,
}


#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SectionView {
    pub id: String,
    pub name: String,
    pub capacity: i64,
}

/// A venue as its organizer sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VenueView {
    pub id: String,
    pub name: String,
    pub city: String,
    pub address: String,
    pub time_zone: String,
    pub sections: Vec<SectionView>,
}
