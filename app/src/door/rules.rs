//! The door's rules, pure: which scan lets a person in. The server judges synced scans by
//! them, and a door device judges each scan by them offline, from its bundle.

use std::collections::{HashMap, HashSet};

use uuid::Uuid;

use crate::door::{CheckinBundle, RejectReason};
use crate::tickets::codes::CodeChecker;
use crate::tickets::TicketStatus;

/// At most this many scans travel in one sync.
pub const MAX_SCANS_PER_SYNC: usize = 500;
pub const DEVICE_ID_MAX: usize = 64;

/// A device id: 1 to 64 letters, digits, `-` or `_`.
pub fn device_id_ok(id: &str) -> bool {
    !id.is_empty() && id.len() <= DEVICE_ID_MAX && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Which of two scans of one ticket is the admission: the earlier by scan time, and on
/// the same millisecond the one the server had first.
pub fn scanned_first(a: (i64, i64), b: (i64, i64)) -> bool {
    a < b
}

/// What a device answers for one scan.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    Admit { ticket_id: Uuid, seat: Option<String> },
    Refuse { reason: RejectReason, ticket_id: Option<Uuid>, seat: Option<String> },
}

/// An event's list as a door device holds it: the key, the seats, the void tickets and the
/// admissions it knows of (its own, and the others' from its last sync).
pub struct DoorList {
    checker: Option<CodeChecker>,
    event_id: Uuid,
    seats: HashMap<Uuid, String>,
    void: HashSet<Uuid>,
    admitted: HashSet<Uuid>,
}

impl DoorList {
    pub fn from_bundle(bundle: &CheckinBundle) -> DoorList {
        let mut void: HashSet<Uuid> = bundle.revocations.iter().copied().collect();
        void.extend(bundle.tickets.iter().filter(|t| t.status == TicketStatus::Void).map(|t| t.id));
        DoorList {
            checker: CodeChecker::new(&bundle.public_key),
            event_id: bundle.rules.event_id,
            seats: bundle.tickets.iter().map(|t| (t.id, t.seat.clone())).collect(),
            void,
            admitted: bundle.admissions.iter().map(|a| a.ticket_id).collect(),
        }
    }

    /// Notes an admission (this device's, or another's learnt in a sync).
    pub fn admitted(&mut self, ticket_id: Uuid) {
        self.admitted.insert(ticket_id);
    }

    /// Notes a ticket voided since the bundle was made.
    pub fn voided(&mut self, ticket_id: Uuid) {
        self.void.insert(ticket_id);
    }

    pub fn seat_of(&self, ticket_id: &Uuid) -> Option<&str> {
        self.seats.get(ticket_id).map(String::as_str)
    }

    /// Judges a scanned code: genuine, of this event, not void, not admitted yet. A
    /// genuine code of this event that the bundle does not list (a ticket issued after it
    /// was made) is let in: its signature is the proof.
    pub fn judge(&self, code: &str) -> Verdict {
        let Some((ticket_id, event_id)) = self.checker.as_ref().and_then(|c| c.verify(code)) else {
            return Verdict::Refuse { reason: RejectReason::NotGenuine, ticket_id: None, seat: None };
        };
        let seat = self.seat_of(&ticket_id).map(str::to_string);
        let refuse = |reason| Verdict::Refuse { reason, ticket_id: Some(ticket_id), seat: seat.clone() };
        if event_id != self.event_id {
            Verdict::Refuse { reason: RejectReason::OtherEvent, ticket_id: Some(ticket_id), seat: None }
        } else if self.void.contains(&ticket_id) {
            refuse(RejectReason::Void)
        } else if self.admitted.contains(&ticket_id) {
            refuse(RejectReason::AlreadyAdmitted)
        } else {
            Verdict::Admit { ticket_id, seat }
        }
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;
    use crate::door::{Admission, BundleRules, BundleTicket, DoorEvent};
    use crate::tickets::signing::TicketSigner;

    fn bundle(signer: &TicketSigner, event: Uuid, tickets: &[(Uuid, TicketStatus)]) -> CheckinBundle {
        let now = time::OffsetDateTime::now_utc();
        CheckinBundle {
            event: DoorEvent { id: event, title: "Concert".into(), venue: "Hall".into(), starts_at: now, starts_at_local: now },
            public_key: signer.public_key(),
            rules: BundleRules { event_id: event, algorithm: "Ed25519".into(), code_format: "TQ1".into(), single_entry: true },
            tickets: tickets.iter().map(|(id, status)| BundleTicket { id: *id, seat: format!("Stalls · A · {}", id.as_bytes()[0]), status: *status }).collect(),
            revocations: Vec::new(),
            admissions: Vec::new(),
            generated_at: now,
        }
    }

    #[test]
    fn a_genuine_ticket_of_the_event_is_let_in_once() {
        let signer = TicketSigner::random();
        let (event, ticket) = (Uuid::new_v4(), Uuid::new_v4());
        let mut list = DoorList::from_bundle(&bundle(&signer, event, &[(ticket, TicketStatus::Valid)]));
        let code = signer.sign(ticket, event);
        assert!(matches!(list.judge(&code), Verdict::Admit { ticket_id, seat: Some(_) } if ticket_id == ticket));
        list.admitted(ticket);
        assert!(matches!(list.judge(&code), Verdict::Refuse { reason: RejectReason::AlreadyAdmitted, .. }));
    }

    #[test]
    fn void_forged_and_other_events_codes_are_turned_away() {
        let signer = TicketSigner::random();
        let (event, void, later) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
        let mut b = bundle(&signer, event, &[(void, TicketStatus::Void)]);
        b.admissions.push(Admission { ticket_id: Uuid::new_v4(), device_id: "gate-1".into(), scanned_at: b.generated_at });
        let mut list = DoorList::from_bundle(&b);
        assert!(matches!(list.judge(&signer.sign(void, event)), Verdict::Refuse { reason: RejectReason::Void, .. }));
        assert!(matches!(list.judge(&signer.sign(Uuid::new_v4(), Uuid::new_v4())), Verdict::Refuse { reason: RejectReason::OtherEvent, .. }));
        assert!(matches!(list.judge(&TicketSigner::random().sign(later, event)), Verdict::Refuse { reason: RejectReason::NotGenuine, .. }));
        assert!(matches!(list.judge("TQ1.garbage"), Verdict::Refuse { reason: RejectReason::NotGenuine, .. }));
        // Issued after the bundle was made: the signature is enough.
        assert!(matches!(list.judge(&signer.sign(later, event)), Verdict::Admit { seat: None, .. }));
        list.voided(later);
        assert!(matches!(list.judge(&signer.sign(later, event)), Verdict::Refuse { reason: RejectReason::Void, .. }));
    }

    #[test]
    fn device_ids_are_short_plain_words() {
        assert!(device_id_ok("gate-2_left"));
        assert!(!device_id_ok(""));
        assert!(!device_id_ok("gate 2"));
        assert!(!device_id_ok(&"a".repeat(65)));
        assert!(scanned_first((1, 9), (2, 0)) && scanned_first((1, 1), (1, 2)) && !scanned_first((2, 0), (1, 9)));
    }
}
