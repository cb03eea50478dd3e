//! What placing an order shares between its portable statements and its PostgreSQL one.

use crate::orders::model::SeatLine;

/// The condition, on a hold row named `holds`, that its event still sells tickets at `$1`.
pub(crate) const EVENT_SELLS: &str =
    "EXISTS (SELECT 1 FROM events e WHERE e.id = holds.event_id AND e.status IN ('ON_SALE', 'SOLD_OUT') AND e.starts_at > $1)";

/// What a placed order's answer takes from its hold and event.
pub(crate) struct Placed {
    pub event_id: String,
    pub event_title: String,
    pub event_slug: String,
    pub event_starts_at: i64,
    pub total_cents: i64,
    pub currency: String,
    pub items: Vec<SeatLine>,
}
