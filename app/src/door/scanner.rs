//! One event's door on this device: its state as signals for the page, and (in the
//! browser) what it does: judge a code against the kept list at once, keep the scan, and
//! sync every two seconds while online.

use leptos::prelude::*;
use time::OffsetDateTime;

use crate::door::{Checkin, DeviceScan, DoorEvent, DoorStaff, DoorSummary, RejectReason};

/// The answer on screen.
#[derive(Debug, Clone, PartialEq)]
pub struct Shown {
    pub admitted: bool,
    pub seat: Option<String>,
    pub reason: Option<RejectReason>,
    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    serial: u64,
}

/// How many of this device's scans the page lists.
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
const RECENT: usize = 20;

#[derive(Clone, Copy)]
pub struct Door {
    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    event_id: StoredValue<String>,
    pub event: RwSignal<Option<DoorEvent>>,
    /// The list is loaded: codes can be checked.
    pub ready: RwSignal<bool>,
    pub online: RwSignal<bool>,
    pub pending: RwSignal<usize>,
    pub synced_at: RwSignal<Option<OffsetDateTime>>,
    pub device: RwSignal<String>,
    /// The kept list's size and when it was downloaded.
    pub list_info: RwSignal<Option<(usize, OffsetDateTime)>>,
    pub no_list: RwSignal<bool>,
    pub refused: RwSignal<Option<String>>,
    /// The server's status when the door is not this user's (401, 404).
    pub denied: RwSignal<Option<u16>>,
    pub shown: RwSignal<Option<Shown>>,
    pub conflicts: RwSignal<Vec<Checkin>>,
    pub recent: RwSignal<Vec<DeviceScan>>,
    pub summary: RwSignal<Option<DoorSummary>>,
    pub staff: RwSignal<Vec<DoorStaff>>,
    pub staff_error: RwSignal<Option<String>>,
    serial: StoredValue<u64>,
}

impl Door {
    pub fn new(event_id: String) -> Door {
        Door {
            event_id: StoredValue::new(event_id),
            event: RwSignal::new(None),
            ready: RwSignal::new(false),
            online: RwSignal::new(true),
            pending: RwSignal::new(0),
            synced_at: RwSignal::new(None),
            device: RwSignal::new(String::new()),
            list_info: RwSignal::new(None),
            no_list: RwSignal::new(false),
            refused: RwSignal::new(None),
            denied: RwSignal::new(None),
            shown: RwSignal::new(None),
            conflicts: RwSignal::new(Vec::new()),
            recent: RwSignal::new(Vec::new()),
            summary: RwSignal::new(None),
            staff: RwSignal::new(Vec::new()),
            staff_error: RwSignal::new(None),
            serial: StoredValue::new(0),
        }
    }

    pub fn dismiss(self) {
        self.shown.set(None);
    }

    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    fn show(self, admitted: bool, seat: Option<String>, reason: Option<RejectReason>) -> u64 {
        let serial = self.serial.get_value() + 1;
        self.serial.set_value(serial);
        self.shown.set(Some(Shown { admitted, seat, reason, serial }));
        serial
    }
}

#[cfg(not(feature = "hydrate"))]
mod browser {
    use super::*;

    impl Door {
        pub fn start(self) {}
        pub fn check(self, _code: String) {}
        pub fn grant(self, _email: String) {}
        pub fn revoke(self, _user_id: String) {}
    }

    pub fn load_events(_events: RwSignal<Option<Result<Vec<DoorEvent>, u16>>>) {}
}

#[cfg(feature = "hydrate")]
#[path = "scanner_browser.rs"]
mod browser;

pub use browser::load_events;
