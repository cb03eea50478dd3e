use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

/// A domain event as it travels on the bus.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventEnvelope {
    pub id: Uuid,
    pub event_type: String,
    pub aggregate_id: String,
    pub payload: serde_json::Value,
    #[serde(with = "time::serde::rfc3339")]
    pub occurred_at: OffsetDateTime,
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
