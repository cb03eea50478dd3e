//! From the event log to the live stream: which domain events are told, to whom (the
//! [`Topic`]), in which words (each domain's message), and what a client that reconnects
//! missed.

use std::collections::HashMap;

use serde::Serialize;
use serde_json::Value;

use crate::audit::outbox::{envelope_from_row, EVENT_COLUMNS};
pub use crate::audit::outbox::newest_seq as cursor;
use crate::audit::{event_types, EventEnvelope};
use crate::catalog::{EventChanged, EventStatus, SeatPlacesChanged, SeatStatus, SeatsChanged};
use crate::db::Db;
use crate::error::AppError;
use crate::live::places::Places;
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

/// The live events that tell the watchers of an event (seats changed, or the event
/// cancelled): those [`messages_of`] gives a [`Topic::Event`] message.
pub const SEAT_EVENT_TYPES: &[&str] = &[
    event_types::SEATS_HELD,
    event_types::HOLD_RELEASED,
    event_types::HOLD_EXPIRED,
    event_types::ORDER_PAID,
    event_types::PAYMENT_REJECTED,
    event_types::ORDER_CANCELLED,
    event_types::ORDER_REFUNDED,
    event_types::EVENT_CANCELLED,
];

/// At most this many log entries are read for a reconnecting client; when more were
/// missed it is told to load its state again ([`RESET`]).
pub const REPLAY_LIMIT: i64 = 1000;

/// At most this many seats are named by one message that tells several changes.
pub const MAX_MERGED_SEATS: usize = 1000;

/// One message of the stream, for one topic.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    /// The event log's sequence number (the server-sent event's id); of the newest
    /// change told, when the message tells several (see [`coalesce`]).
    pub seq: Option<i64>,
    /// The sequence numbers of the earlier changes told with it, oldest first.
    pub merged: Vec<i64>,
    pub topic: Topic,
    pub kind: &'static str,
    /// The JSON object.
    pub data: String,
    /// The seat change it tells, kept so that the next one can join it.
    seats: Option<SeatsChanged>,
}

impl Message {
    fn new(seq: Option<i64>, topic: Topic, kind: &'static str, data: &impl Serialize) -> Option<Message> {
        Some(Message { seq, merged: Vec::new(), topic, kind, data: serde_json::to_string(data).ok()?, seats: None })
    }

    fn of_seats(seq: Option<i64>, change: SeatsChanged) -> Option<Message> {
        let mut message = Message::new(seq, Topic::Event(change.event_id.clone()), SeatsChanged::KIND, &change)?;
        message.seats = Some(change);
        Some(message)
    }

    /// As a server-sent event.
    pub fn frame(&self) -> String {
        frame(self.seq, self.kind, &self.data)
    }

    /// As a server-sent event to a stream that names seats by their place in the event's
    /// map (`places`, the event's): a `seats` message as [`SeatPlacesChanged`], any other
    /// as [`Message::frame`]. A seat the event does not have is left out.
    pub fn frame_by_place(&self, places: &Places) -> String {
        let Some(change) = &self.seats else { return self.frame() };
        let placed = SeatPlacesChanged {
            event_id: change.event_id.clone(),
            status: change.status,
            seat_indexes: change.seat_ids.iter().filter_map(|id| places.place(id)).collect(),
        };
        frame(self.seq, self.kind, &serde_json::to_string(&placed).unwrap_or_default())
    }

    /// The sequence numbers of every change it tells, oldest first.
    pub fn seqs(&self) -> impl Iterator<Item = i64> + '_ {
        self.merged.iter().copied().chain(self.seq)
    }

    /// Takes `next` in when both tell seats of one event turned to one status.
    fn absorb(&mut self, next: &Message) -> bool {
        let (Some(mine), Some(theirs)) = (self.seats.as_mut(), next.seats.as_ref()) else { return false };
        if mine.event_id != theirs.event_id || mine.status != theirs.status || mine.seat_ids.len() + theirs.seat_ids.len() > MAX_MERGED_SEATS {
            return false;
        }
        mine.seat_ids.extend(theirs.seat_ids.iter().cloned());
        self.merged.extend(self.seq);
        self.merged.extend(next.merged.iter().copied());
        self.seq = next.seq;
        true
    }
}

/// Changes of one event's seats to one status, told one after another, as one message
/// naming all their seats (a burst of holds reaches a browser as a few messages, not one
/// per seat); it bears the newest change's id. Each topic's messages keep their order:
/// only a topic's consecutive messages are joined, so a seat held, released and held
/// again ends held.
pub fn coalesce(messages: impl IntoIterator<Item = Message>) -> Vec<Message> {
    let mut out: Vec<Message> = Vec::new();
    let mut newest: HashMap<Topic, usize> = HashMap::new();
    let mut grown = Vec::new();
    for message in messages {
        if let Some(&at) = newest.get(&message.topic) {
            if out[at].absorb(&message) {
                grown.push(at);
                continue;
            }
        }
        newest.insert(message.topic.clone(), out.len());
        out.push(message);
    }
    grown.sort_unstable();
    grown.dedup();
    for at in grown {
        let message = &mut out[at];
        if let Some(change) = &message.seats {
            if let Ok(data) = serde_json::to_string(change) {
                message.data = data;
            }
        }
    }
    out
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
        Message::of_seats(seq, SeatsChanged { event_id, status, seat_ids: ids })
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
        event_types::ORDER_REFUNDED => vec![seats(SeatStatus::Available), order(OrderStatus::Refunded)],
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

/// What a client following `topics` missed after `after`: the messages in order (seat
/// changes joined as the live stream joins them), or `None` when more than
/// [`REPLAY_LIMIT`] entries of the log would have to be read.
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
    Ok(Some(coalesce(missed)))
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

    fn at(seq: i64, event_type: &str, payload: Value) -> EventEnvelope {
        EventEnvelope { seq: Some(seq), ..event(event_type, payload) }
    }

    #[test]
    fn changes_of_seats_to_one_status_in_a_row_are_told_as_one_message() {
        let held = |seq, event_id: &str, seat: &str| at(seq, event_types::SEATS_HELD, json!({ "event_id": event_id, "hold_id": "h", "user_id": "u", "seat_ids": [seat] }));
        let released = |seq, seat: &str| at(seq, event_types::HOLD_RELEASED, json!({ "event_id": "e", "hold_id": "h", "user_id": "u", "seat_ids": [seat] }));
        let events = [held(1, "e", "s1"), held(2, "f", "t1"), held(3, "e", "s2"), released(4, "s1"), held(5, "e", "s1"), held(6, "e", "s3")];
        let messages = coalesce(events.iter().flat_map(messages_of));
        let told: Vec<(Topic, Vec<i64>, &str)> = messages.iter().map(|m| (m.topic.clone(), m.seqs().collect(), m.data.as_str())).collect();
        let e = Topic::Event("e".into());
        let u = Topic::User("u".into());
        assert_eq!(
            told,
            vec![
                (e.clone(), vec![1, 3], r#"{"event_id":"e","status":"HELD","seat_ids":["s1","s2"]}"#),
                (Topic::Event("f".into()), vec![2], r#"{"event_id":"f","status":"HELD","seat_ids":["t1"]}"#),
                (e.clone(), vec![4], r#"{"event_id":"e","status":"AVAILABLE","seat_ids":["s1"]}"#),
                (u, vec![4], r#"{"hold_id":"h","status":"RELEASED"}"#),
                (e, vec![5, 6], r#"{"event_id":"e","status":"HELD","seat_ids":["s1","s3"]}"#),
            ],
            "each topic in its order, the seat held again ends held"
        );
        assert!(messages[0].frame().starts_with("id: 3\nevent: seats\n"), "the newest change's id");
    }

    #[test]
    fn a_stream_that_names_seats_by_place_gets_their_places() {
        let seats: Vec<uuid::Uuid> = (0..3).map(|_| uuid::Uuid::new_v4()).collect();
        let places = Places::of(seats.iter().copied());
        let held = |seq, seat: usize| at(seq, event_types::SEATS_HELD, json!({ "event_id": "e", "hold_id": "h", "user_id": "u", "seat_ids": [seats[seat].to_string()] }));
        let messages = coalesce([held(1, 2), held(2, 0)].iter().flat_map(messages_of));
        assert_eq!(messages[0].frame_by_place(&places), "id: 2\nevent: seats\ndata: {\"event_id\":\"e\",\"status\":\"HELD\",\"seat_indexes\":[2,0]}\n\n");
        assert_eq!(messages.len(), 1, "two holds in a row, one message");
        let cancelled = at(3, event_types::EVENT_CANCELLED, json!({ "event_id": "e" }));
        let told = &messages_of(&cancelled)[0];
        assert_eq!(told.frame_by_place(&places), told.frame(), "other messages are as they are");
    }

    #[test]
    fn a_joined_message_names_a_bounded_number_of_seats() {
        let many: Vec<String> = (0..MAX_MERGED_SEATS - 1).map(|i| format!("s{i}")).collect();
        let events = [
            at(1, event_types::SEATS_HELD, json!({ "event_id": "e", "seat_ids": many })),
            at(2, event_types::SEATS_HELD, json!({ "event_id": "e", "seat_ids": ["x", "y"] })),
            at(3, event_types::SEATS_HELD, json!({ "event_id": "e", "seat_ids": ["z"] })),
        ];
        let messages = coalesce(events.iter().flat_map(messages_of));
        assert_eq!(messages.iter().map(|m| m.seqs().collect::<Vec<_>>()).collect::<Vec<_>>(), vec![vec![1], vec![2, 3]]);
    }

    #[test]
    fn the_events_that_tell_an_event_s_watchers_are_the_seat_event_types() {
        let everything = json!({ "event_id": "e", "order_id": "o", "hold_id": "h", "user_id": "u", "ticket_id": "t",
            "notification_id": "n", "kind": "WELCOME", "status": "EXPIRED", "seat_ids": ["s"] });
        for event_type in LIVE_EVENT_TYPES {
            let tells_watchers = messages_of(&event(event_type, everything.clone())).iter().any(|m| matches!(m.topic, Topic::Event(_)));
            assert_eq!(tells_watchers, SEAT_EVENT_TYPES.contains(event_type), "{event_type}");
            assert!(!messages_of(&event(event_type, everything.clone())).is_empty(), "{event_type} tells someone");
        }
        assert!(SEAT_EVENT_TYPES.iter().all(|t| LIVE_EVENT_TYPES.contains(t)));
    }

    #[test]
    fn frames_without_a_sequence_carry_no_id() {
        assert_eq!(reset(), "event: reset\ndata: {}\n\n");
        assert!(hello(5, 9, 3000).starts_with("retry: 3000\nevent: hello\ndata: {"));
    }
}
