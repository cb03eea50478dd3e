//! The door's offline check as the door page runs it (`app::door::rules::DoorList`), with a
//! made-up event: `Door::new(n)` signs `n` codes with a fresh key and builds the list from
//! a bundle of those `n` tickets; `judge_all` judges every code once (each is let in);
//! `judge_again` judges them all a second time (each is turned away, already admitted).

use app::door::rules::{DoorList, Verdict};
use app::door::{BundleRules, BundleTicket, CheckinBundle, DoorEvent};
use app::tickets::TicketStatus;
use ed25519_dalek::{Signer, SigningKey};
use uuid::Uuid;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
pub struct Door {
    list: DoorList,
    codes: Vec<String>,
}

fn b64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::with_capacity(bytes.len() * 4 / 3 + 2);
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |acc, (i, b)| acc | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..=chunk.len() {
            out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
}

#[wasm_bindgen]
impl Door {
    #[wasm_bindgen(constructor)]
    pub fn new(n: u32) -> Door {
        let key = SigningKey::from_bytes(&[7u8; 32]);
        let event = Uuid::new_v4();
        let now = time::OffsetDateTime::UNIX_EPOCH;
        let mut tickets = Vec::new();
        let mut codes = Vec::new();
        for i in 0..n {
            let id = Uuid::new_v4();
            let mut payload = [0u8; 32];
            payload[..16].copy_from_slice(id.as_bytes());
            payload[16..].copy_from_slice(event.as_bytes());
            codes.push(format!("TQ1.{}.{}", b64(&payload), b64(&key.sign(&payload).to_bytes())));
            tickets.push(BundleTicket { id, seat: format!("Block {} · {} · {}", i / 2500 + 1, i / 50 % 50 + 1, i % 50 + 1), status: TicketStatus::Valid });
        }
        let bundle = CheckinBundle {
            event: DoorEvent { id: event, title: "Bench".into(), venue: "Bench".into(), starts_at: now, starts_at_local: now },
            public_key: b64(&key.verifying_key().to_bytes()),
            rules: BundleRules { event_id: event, algorithm: "Ed25519".into(), code_format: "TQ1".into(), single_entry: true },
            tickets,
            revocations: Vec::new(),
            admissions: Vec::new(),
            generated_at: now,
        };
        Door { list: DoorList::from_bundle(&bundle), codes }
    }

    /// Judges every code once and notes each admission, as the door page does; returns
    /// how many were let in.
    pub fn judge_all(&mut self) -> u32 {
        let mut admitted = 0;
        for code in &self.codes {
            if let Verdict::Admit { ticket_id, .. } = self.list.judge(code) {
                self.list.admitted(ticket_id);
                admitted += 1;
            }
        }
        admitted
    }

    /// Judges every code again; returns how many were let in (none should be).
    pub fn judge_again(&self) -> u32 {
        self.codes.iter().filter(|c| matches!(self.list.judge(c), Verdict::Admit { .. })).count() as u32
    }
}
