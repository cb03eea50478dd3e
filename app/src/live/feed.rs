//! From the event log to the live stream: which domain events are told, to whom (the
//! [`Topic`]), in which words (each domain's message), and what a client that reconnects
//! missed.

use serde::Serialize;
use serde_json::Value;

use crate::audit::outbox::{envelope_from_row, EVENT_COLUMNS};
pub use crate::audit::outbox::newest_seq as cursor;
use crate::audit::{event_types, EventEnvelope};
use crate::catalog::{EventChanged, EventStatus, SeatStatus, SeatsChanged};
use crate::db::Db;
use crate::error::AppError;
use crate::notifications::NotificationCreated;
use crate::orders::model::{HoldChanged, HoldStatus, OrderChanged, OrderStatus};
use crate::tickets::model::TicketIssued;
use crate::ui::stream::{Clock, HEARTBEAT, HELLO, RESET};

/// Who a message is for.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Topic {
    /// Whoever watches the event's seats (anyone: seat statuses are public).
    Event(String),
    /// One user: their orders, holds and notifications.
    User(String),
}

/// The domain events the stream tells of: what each web process's live queue is bound to.
pub const LIVE_EVENT_TYPES: &[&str] = &[
    event_types::SEATS_HELD,
    event_types::HOLD_RELEASED,
    event_types::HOLD_EXPIRED,
    event_types::ORDER_PLACED,
    event_types::ORDER_PAID,
    event_types::PAYMENT_REJECTED,
    event_types::ORDER_CANCELLED,
    event_types::ORDER_REFUNDED,
    event_types::TICKET_ISSUED,
    event_types::NOTIFICATION_CREATED,
    event_types::EVENT_CANCELLED,
];

/// At most this many log entries are read for a reconnecting client; when more were
/// missed it is told to load its state again ([`RESET`]).
pub const REPLAY_LIMIT: i64 = 1000;

/// One message of the stream, for one topic.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    /// The event log's sequence number (the server-sent event's id).
    pub seq: Option<i64>,
    pub topic: Topic,
    pub kind: &'static str,
    /// The JSON object.
    pub data: String,
}

impl Message {
    fn new(seq: Option<i64>, topic: Topic, kind: &'static str, data: &impl Serialize) -> Option<Message> {
        Some(Message { seq, topic, kind, data: serde_json::to_string(data).ok()? })
    }

    /// As a server-sent event.
    pub fn frame(&self) -> String {
        frame(self.seq, self.kind, &self.data)
    }
}

/// A server-sent event: `id` (when there is one), `event` and one line of `data`.
pub fn frame(seq: Option<i64>, kind: &str, data: &str) -> String {
    match seq {
        Some(seq) => format!("id: {seq}\nevent: {kind}\ndata: {data}\n\n"),
        None => format!("event: {kind}\ndata: {data}\n\n"),
    }
}

/// The `hello` that opens a stream: the client reconnects after `retry_ms` when the
/// connection drops, and learns the server's clock and the log's newest entry.
pub fn hello(now_ms: i64, cursor: i64, retry_ms: u32) -> String {
    let clock = serde_json::to_string(&Clock { now_ms, cursor: Some(cursor) }).unwrap_or_default();
    format!("retry: {retry_ms}\n{}", frame(None, HELLO, &clock))
}

/// A heartbeat, with the server's clock.
pub fn heartbeat(now_ms: i64) -> String {
    frame(None, HEARTBEAT, &serde_json::to_string(&Clock { now_ms, cursor: None }).unwrap_or_default())
}

/// Tells the client that it missed more than is replayed: it loads its state again.
pub fn reset() -> String {
    frame(None, RESET, "{}")
}

fn text(payload: &Value, field: &str) -> Option<String> {
    payload[field].as_str().map(str::to_owned)
}

fn seat_ids(payload: &Value) -> Vec<String> {
    payload["seat_ids"].as_array().map(|ids| ids.iter().filter_map(|id| id.as_str().map(str::to_owned)).collect()).unwrap_or_default()
}

/// What `event` tells, and to whom. Events written before their payload named what
/// the stream needs (seats, buyer) tell what they can.
pub fn messages_of(event: &EventEnvelope) -> Vec<Message> {
    let (seq, p) = (event.seq, &event.payload);
    let seats = |status: SeatStatus| {
        let ids = seat_ids(p);
        let event_id = text(p, "event_id")?;
        if ids.is_empty() {
            return None;
        }
        Message::new(seq, Topic::Event(event_id.clone()), SeatsChanged::KIND, &SeatsChanged { event_id, status, seat_ids: ids })
    };
    let order = |status: OrderStatus| {
        let (order_id, user_id) = (text(p, "order_id")?, text(p, "user_id")?);
        Message::new(seq, Topic::User(user_id), OrderChanged::KIND, &OrderChanged { order_id, status })
    };
    let hold = |status: HoldStatus| {
        let (hold_id, user_id) = (text(p, "hold_id")?, text(p, "user_id")?);
        Message::new(seq, Topic::User(user_id), HoldChanged::KIND, &HoldChanged { hold_id, status })
    };
    let messages = match event.event_type.as_str() {
        event_types::SEATS_HELD => vec![seats(SeatStatus::Held)],
        event_types::HOLD_RELEASED => vec![seats(SeatStatus::Available), hold(HoldStatus::Released)],
        event_types::HOLD_EXPIRED => vec![seats(SeatStatus::Available), hold(HoldStatus::Expired)],
        event_types::ORDER_PLACED => vec![order(OrderStatus::Pending)],
        event_types::ORDER_PAID => vec![seats(SeatStatus::Sold), order(OrderStatus::Paid)],
        event_types::PAYMENT_REJECTED => {
            let status = p["status"].as_str().and_then(OrderStatus::parse).unwrap_or(OrderStatus::Rejected);
            vec![seats(SeatStatus::Available), order(status)]
        }
        event_types::ORDER_CANCELLED => vec![seats(SeatStatus::Available), order(OrderStatus::Cancelled)],
        event_types::ORDER_REFUNDED => vec![order(OrderStatus::Refunded)],
        event_types::TICKET_ISSUED => vec![(|| {
            let (order_id, ticket_id, user_id) = (text(p, "order_id")?, text(p, "ticket_id")?, text(p, "user_id")?);
            Message::new(seq, Topic::User(user_id), TicketIssued::KIND, &TicketIssued { order_id, ticket_id })
        })()],
        event_types::NOTIFICATION_CREATED => vec![(|| {
            let (notification_id, user_id) = (text(p, "notification_id")?, text(p, "user_id")?);
            let kind = serde_json::from_value(p["kind"].clone()).ok()?;
            Message::new(seq, Topic::User(user_id), NotificationCreated::KIND, &NotificationCreated { notification_id, kind })
        })()],
        event_types::EVENT_CANCELLED => {
            let event_id = text(p, "event_id").unwrap_or_else(|| event.aggregate_id.clone());
            vec![Message::new(seq, Topic::Event(event_id.clone()), EventChanged::KIND, &EventChanged { event_id, status: EventStatus::Cancelled })]
        }
        _ => Vec::new(),
    };
    messages.into_iter().flatten().collect()
}

/// What a client following `topics` missed after `after`: the messages in order, or
/// `None` when more than [`REPLAY_LIMIT`] entries of the log would have to be read.
pub async fn replay(db: &Db, topics: &[Topic], after: i64) -> Result<Option<Vec<Message>>, AppError> {
    let placeholders = (0..LIVE_EVENT_TYPES.len()).map(|i| format!("${}", i + 3)).collect::<Vec<_>>().join(", ");
    let sql = format!("SELECT {EVENT_COLUMNS} FROM domain_events WHERE seq > $1 AND event_type IN ({placeholders}) ORDER BY seq LIMIT $2");
    let mut query = sqlx::query(&sql).bind(after).bind(REPLAY_LIMIT + 1);
    for t in LIVE_EVENT_TYPES {
        query = query.bind(*t);
    }
    let rows = query.fetch_all(&db.pool).await?;
    if rows.len() as i64 > REPLAY_LIMIT {
        return Ok(None);
    }
    let mut missed = Vec::new();
    for row in &rows {
        let (_, event) = envelope_from_row(row)?;
        missed.extend(messages_of(&event).into_iter().filter(|m| topics.contains(&m.topic)));
    }
    Ok(Some(missed))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn event(event_type: &str, payload: Value) -> EventEnvelope {
        EventEnvelope {
            id: uuid::Uuid::new_v4(),
            seq: Some(7),
            event_type: event_type.into(),
            aggregate_id: "a".into(),
            payload,
            occurred_at: time::OffsetDateTime::now_utc(),
            request_id: None,
        }
    }

    #[test]
    fn a_paid_order_sells_its_seats_to_the_event_and_tells_its_buyer() {
        let paid = event(event_types::ORDER_PAID, json!({ "order_id": "o", "event_id": "e", "user_id": "u", "seats": 2, "seat_ids": ["s1", "s2"] }));
        let messages = messages_of(&paid);
        assert_eq!(messages.len(), 2);
        assert_eq!(messages[0].topic, Topic::Event("e".into()));
        assert_eq!(messages[0].frame(), "id: 7\nevent: seats\ndata: {\"event_id\":\"e\",\"status\":\"SOLD\",\"seat_ids\":[\"s1\",\"s2\"]}\n\n");
        assert_eq!(messages[1].topic, Topic::User("u".into()));
        assert_eq!(messages[1].data, "{\"order_id\":\"o\",\"status\":\"PAID\"}");
    }

    #[test]
    fn a_declined_payment_frees_seats_only_when_it_released_them() {
        let back_to_hold = event(event_types::PAYMENT_REJECTED, json!({ "order_id": "o", "event_id": "e", "user_id": "u", "status": "REJECTED", "seat_ids": [] }));
        let messages = messages_of(&back_to_hold);
        assert_eq!(messages.len(), 1, "the seats stay held: only the buyer hears");
        assert_eq!(messages[0].kind, OrderChanged::KIND);
        let timed_out = event(event_types::PAYMENT_REJECTED, json!({ "order_id": "o", "event_id": "e", "user_id": "u", "status": "EXPIRED", "seat_ids": ["s"] }));
        let messages = messages_of(&timed_out);
        assert_eq!(messages[0].data, "{\"event_id\":\"e\",\"status\":\"AVAILABLE\",\"seat_ids\":[\"s\"]}");
        assert_eq!(messages[1].data, "{\"order_id\":\"o\",\"status\":\"EXPIRED\"}");
    }

    #[test]
    fn events_written_before_they_named_their_seats_tell_what_they_can() {
        let old_release = event(event_types::HOLD_RELEASED, json!({ "hold_id": "h", "event_id": "e" }));
        assert!(messages_of(&old_release).is_empty());
        let old_paid = event(event_types::ORDER_PAID, json!({ "order_id": "o", "event_id": "e", "seats": 2 }));
        assert!(messages_of(&old_paid).is_empty());
        assert!(messages_of(&event(event_types::USER_CREATED, json!({ "user_id": "u" }))).is_empty());
    }

    #[test]
    fn frames_without_a_sequence_carry_no_id() {
        assert_eq!(reset(), "event: reset\ndata: {}\n\n");
        assert!(hello(5, 9, 3000).starts_with("retry: 3000\nevent: hello\ndata: {"));
    }
}
