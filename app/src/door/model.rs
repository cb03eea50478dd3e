//! What the door works with: an event's check-in bundle, the scans door devices take and
//! sync, and what the server made of them.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::tickets::TicketStatus;

/// An event whose tickets the user may check in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DoorEvent {
    pub id: Uuid,
    pub title: String,
    pub venue: String,
    #[serde(with = "time::serde::rfc3339")]
    pub starts_at: OffsetDateTime,
    /// `starts_at` in the venue's offset at that moment.
    #[serde(with = "time::serde::rfc3339")]
    pub starts_at_local: OffsetDateTime,
}

/// Everything a door device needs to check an event's tickets without a network.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckinBundle {
    pub event: DoorEvent,
    /// The Ed25519 key that signed the codes (base64url).
    pub public_key: String,
    pub rules: BundleRules,
    pub tickets: Vec<BundleTicket>,
    /// Void tickets (of cancelled or refunded orders): their codes still verify, and
    /// must be turned away.
    pub revocations: Vec<Uuid>,
    /// The admissions known to the server when the bundle was made.
    pub admissions: Vec<Admission>,
    #[serde(with = "time::serde::rfc3339")]
    pub generated_at: OffsetDateTime,
}

/// The list's rules, as a device applies them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BundleRules {
    /// Codes of other events are turned away.
    pub event_id: Uuid,
    /// `Ed25519`.
    pub algorithm: String,
    /// The codes' format: `TQ1.<base64url ticket id + event id>.<base64url signature>`.
    pub code_format: String,
    /// One admission per ticket: a ticket scanned again is turned away.
    pub single_entry: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BundleTicket {
    pub id: Uuid,
    /// "Section · Row 3 · Seat 12", as the venue names them.
    pub seat: String,
    pub status: TicketStatus,
}

/// A ticket's admission: which device let it in, and when.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Admission {
    pub ticket_id: Uuid,
    pub device_id: String,
    #[serde(with = "time::serde::rfc3339")]
    pub scanned_at: OffsetDateTime,
}

/// One scan a device took, as it sends it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scan {
    /// The device's id for this scan (a UUID): sending it again changes nothing.
    pub client_id: String,
    /// The code read from the QR or typed.
    pub code: String,
    #[serde(with = "time::serde::rfc3339")]
    pub scanned_at: OffsetDateTime,
}

/// A device's scans of one event, synced together (`POST /checkins`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScanBatch {
    pub event_id: String,
    /// The device's own name for itself, kept with its scans (1 to 64 letters, digits,
    /// `-` or `_`).
    pub device_id: String,
    pub scans: Vec<Scan>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CheckinResult {
    /// The first scan of a valid ticket by scan time.
    Admitted,
    /// A later scan of a ticket already admitted.
    Duplicate,
    /// Not a valid ticket of this event.
    Rejected,
}

impl CheckinResult {
    pub fn as_str(self) -> &'static str {
        match self {
            CheckinResult::Admitted => "ADMITTED",
            CheckinResult::Duplicate => "DUPLICATE",
            CheckinResult::Rejected => "REJECTED",
        }
    }

    pub fn parse(s: &str) -> Option<CheckinResult> {
        match s {
            "ADMITTED" => Some(CheckinResult::Admitted),
            "DUPLICATE" => Some(CheckinResult::Duplicate),
            "REJECTED" => Some(CheckinResult::Rejected),
            _ => None,
        }
    }
}

/// Why a code was turned away.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RejectReason {
    /// Not a code Taquilla signed (misread, made up, altered).
    NotGenuine,
    /// A ticket of another event.
    OtherEvent,
    /// The ticket's order was cancelled or refunded.
    Void,
    /// The ticket was admitted already (a device's own verdict, before the server's).
    AlreadyAdmitted,
}

impl RejectReason {
    pub fn as_str(self) -> &'static str {
        match self {
            RejectReason::NotGenuine => "not_genuine",
            RejectReason::OtherEvent => "other_event",
            RejectReason::Void => "void",
            RejectReason::AlreadyAdmitted => "already_admitted",
        }
    }

    pub fn parse(s: &str) -> Option<RejectReason> {
        match s {
            "not_genuine" => Some(RejectReason::NotGenuine),
            "other_event" => Some(RejectReason::OtherEvent),
            "void" => Some(RejectReason::Void),
            "already_admitted" => Some(RejectReason::AlreadyAdmitted),
            _ => None,
        }
    }
}

/// A scan as the server recorded and judged it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Checkin {
    pub id: Uuid,
    pub client_id: String,
    pub ticket_id: Option<Uuid>,
    /// The ticket's seat, when the code named a ticket of the event.
    pub seat: Option<String>,
    pub device_id: String,
    #[serde(with = "time::serde::rfc3339")]
    pub scanned_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub received_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    pub result: CheckinResult,
    pub reason: Option<RejectReason>,
    /// For a duplicate: the admission it came after.
    pub admission: Option<Admission>,
}

/// What a sync answered: each scan sent, in the order sent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SyncAnswer {
    pub results: Vec<Checkin>,
}

/// A device seen at an event's door.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DoorDevice {
    pub device_id: String,
    pub scans: i64,
    pub admitted: i64,
    pub duplicates: i64,
    pub rejected: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub last_synced_at: OffsetDateTime,
}

/// The door at a glance, for the organizer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DoorSummary {
    pub event: DoorEvent,
    /// Valid tickets of the event.
    pub tickets: i64,
    pub admitted: i64,
    pub duplicates: i64,
    pub rejected: i64,
    pub devices: Vec<DoorDevice>,
    /// The latest duplicates, newest first (at most 50).
    pub latest_duplicates: Vec<Checkin>,
}

/// A user who may check in an event's tickets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DoorStaff {
    pub user_id: Uuid,
    pub email: String,
    pub display_name: String,
    #[serde(with = "time::serde::rfc3339")]
    pub granted_at: OffsetDateTime,
}

/// A scan as this device took and judged it, and what the server made of it once synced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeviceScan {
    pub client_id: String,
    pub event_id: String,
    pub code: String,
    #[serde(with = "time::serde::rfc3339")]
    pub scanned_at: OffsetDateTime,
    pub ticket_id: Option<Uuid>,
    pub seat: Option<String>,
    /// This device's verdict: let in, or turned away for `reason`.
    pub admitted: bool,
    pub reason: Option<RejectReason>,
    pub synced: bool,
    /// The server's verdict, once synced (a later sync may change it).
    pub result: Option<CheckinResult>,
    pub admission: Option<Admission>,
}
