use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

/// A domain event as it travels on the bus.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventEnvelope {
    pub id: Uuid,
    /// Its place in the event log (`domain_events.seq`): what the live stream numbers its
    /// messages with. Absent from messages published before it travelled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seq: Option<i64>,
    pub event_type: String,
    pub aggregate_id: String,
    pub payload: serde_json::Value,
    #[serde(with = "time::serde::rfc3339")]
    pub occurred_at: OffsetDateTime,
    /// The request it came from (see `audit::request`), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
}

/// How a consumer's handling of one event went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ReceiptState {
    Received,
    Processed,
    Failed,
}

impl ReceiptState {
    pub fn as_str(self) -> &'static str {
        match self {
            ReceiptState::Received => "RECEIVED",
            ReceiptState::Processed => "PROCESSED",
            ReceiptState::Failed => "FAILED",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [ReceiptState::Received, ReceiptState::Processed, ReceiptState::Failed].into_iter().find(|r| r.as_str() == s)
    }
}

/// One consumer's receipt of an event, as the event log shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Receipt {
    pub consumer: String,
    pub state: ReceiptState,
    pub attempts: i64,
    pub last_error: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub received_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    /// When the reconciler tries a FAILED receipt again by itself; none once it has
    /// stopped trying (a person retries it).
    #[serde(with = "time::serde::rfc3339::option")]
    pub next_retry_at: Option<OffsetDateTime>,
}

/// A domain event with its consumers' receipts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoggedEvent {
    pub id: Uuid,
    /// Its place in the log.
    pub seq: i64,
    pub event_type: String,
    pub aggregate_id: String,
    pub payload: serde_json::Value,
    #[serde(with = "time::serde::rfc3339")]
    pub occurred_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub published_at: Option<OffsetDateTime>,
    /// The request it came from (`X-Request-Id`); none for the workers' own changes.
    #[serde(default)]
    pub request_id: Option<String>,
    pub receipts: Vec<Receipt>,
}

/// What the event log lists: all filters optional.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EventLogFilter {
    /// An event type, e.g. `order.paid`.
    #[serde(default, rename = "type")]
    pub event_type: Option<String>,
    /// Events this consumer has a receipt for (with `state`: a receipt in that state).
    #[serde(default)]
    pub consumer: Option<String>,
    /// Events with a receipt in this state.
    #[serde(default)]
    pub state: Option<ReceiptState>,
    /// Events that occurred at or after this time.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub from: Option<OffsetDateTime>,
    /// Events that occurred before this time.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub to: Option<OffsetDateTime>,
    /// Events that came from this request (directly or through the consumers).
    #[serde(default)]
    pub request_id: Option<String>,
}

/// A consumer as the event log shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConsumerHealth {
    pub name: String,
    /// Its FAILED receipts.
    pub failed: i64,
    /// Messages in its dead-letter queue (RabbitMQ); none on the in-process bus, where
    /// a FAILED receipt is all there is.
    pub dead_lettered: Option<i64>,
}

/// A page of the event log, with the consumers' health.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventLog {
    pub events: crate::paging::Page<LoggedEvent>,
    pub consumers: Vec<ConsumerHealth>,
}

/// What a retry or a replay did, for one consumer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Redelivery {
    pub event_id: Uuid,
    pub consumer: String,
    /// PROCESSED (handled now), DUPLICATE (processed before: nothing done), FAILED or
    /// UNAVAILABLE (the database out of reach).
    pub outcome: String,
    pub error: Option<String>,
}

/// The answer to a retry: each delivery made.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Redeliveries {
    pub items: Vec<Redelivery>,
}
