//! The seat map of an event: every seat with its status and price. The server draws it
//! once per event and language and keeps it ([`fragment`]), so a page costs the same for
//! a thousand seats as for ten; in the browser its seats turn as the visitor picks them
//! and as the live stream tells, straight on the page's nodes ([`board`]). Available
//! seats can be selected with the pointer or the keyboard (up to [`MAX_SELECTION`]).
//! Without JavaScript the map shows every seat as it was when the page was sent.

#[cfg(feature = "hydrate")]
pub mod board;
#[cfg(feature = "ssr")]
pub mod fragment;

use std::collections::HashMap;

use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::catalog::SeatStatus;
use crate::i18n::{msg, use_i18n, I18n, Locale, Msg};

pub const MAX_SELECTION: usize = 8;

fn status_word(status: SeatStatus) -> Msg {
    match status {
        SeatStatus::Available => msg::orders::SEAT_AVAILABLE,
        SeatStatus::Held => msg::orders::SEAT_HELD,
        SeatStatus::Sold => msg::orders::SEAT_SOLD,
    }
}

/// A status as one letter, as the compact statuses carry it.
pub fn status_letter(status: SeatStatus) -> char {
    match status {
        SeatStatus::Available => 'A',
        SeatStatus::Held => 'H',
        SeatStatus::Sold => 'S',
    }
}

pub fn status_of_letter(letter: u8) -> Option<SeatStatus> {
    match letter {
        b'A' => Some(SeatStatus::Available),
        b'H' => Some(SeatStatus::Held),
        b'S' => Some(SeatStatus::Sold),
        _ => None,
    }
}

/// A seat's classes: its status, whether it is for wheelchairs, whether it is picked.
fn seat_class(status: SeatStatus, accessible: bool, selected: bool) -> String {
    let mut class = format!("seat seat-{}", status.as_str().to_lowercase());
    if accessible {
        class.push_str(" seat-accessible");
    }
    if selected {
        class.push_str(" is-selected");
    }
    class
}

/// A seat's name for a person: "Stalls, row C, seat 12, €45.00, available".
fn seat_name(i18n: I18n, label: &str, price_cents: i64, currency: &str, status: SeatStatus) -> String {
    format!("{label}, {}, {}", i18n.fmt().money(price_cents, currency), i18n.t(status_word(status)))
}

/// Adds or removes a seat from the selection; refuses a ninth seat.
pub fn toggle(selection: &mut Vec<Uuid>, seat: Uuid) -> bool {
    if let Some(pos) = selection.iter().position(|s| *s == seat) {
        selection.remove(pos);
        true
    } else if selection.len() < MAX_SELECTION {
        selection.push(seat);
        true
    } else {
        false
    }
}

/// The statuses of an event's seats, one letter each ([`status_letter`]) in the map's
/// order (the order of `GET /api/v1/events/{id}/seats`), with where the event log stood
/// when they were read: the live stream goes on from there.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeatStatuses {
    pub cursor: i64,
    pub statuses: String,
}

/// What the page knows of the map once it is there: each seat's label and price, for the
/// selection's summary, and where the event log stood when the map was drawn.
#[derive(Clone, Copy)]
pub struct MapSeats {
    pub seats: RwSignal<HashMap<Uuid, (String, i64)>>,
    pub cursor: RwSignal<Option<i64>>,
}

impl MapSeats {
    pub fn new() -> MapSeats {
        MapSeats { seats: RwSignal::new(HashMap::new()), cursor: RwSignal::new(None) }
    }
}

impl Default for MapSeats {
    fn default() -> Self {
        MapSeats::new()
    }
}

/// Where the server's page has the map of `event_id` in `locale`: the server puts the map
/// in its place as it sends the page (see the server's `pages` module), compressed once
/// for every visitor.
pub fn placeholder(event_id: &str, locale: Locale) -> String {
    format!("{PLACEHOLDER_START}{event_id}:{}{PLACEHOLDER_END}", locale.code())
}

pub const PLACEHOLDER_START: &str = "<!--seat-map:";
pub const PLACEHOLDER_END: &str = "-->";

/// The event and the language a placeholder's inside (`{event_id}:{locale}`) names.
pub fn parse_placeholder(inside: &str) -> Option<(Uuid, Locale)> {
    let (event, code) = inside.split_once(':')?;
    Some((Uuid::parse_str(event).ok()?, Locale::parse(code)?))
}

/// The map: drawn by the server, picked on and kept here. `map` is its node, for the
/// picker that follows the live stream.
#[component]
pub fn SeatMap(
    event_id: String,
    map: NodeRef<leptos::html::Div>,
    seats: MapSeats,
    selected: RwSignal<Vec<Uuid>>,
    #[prop(into)] notice: WriteSignal<Option<String>>,
) -> impl IntoView {
    let i18n = use_i18n();
    // On the server, the placeholder; in the browser, whatever the server put there is
    // kept (hydration leaves an element's inner HTML alone), and a map opened without a
    // page load is fetched (see `board::attach`).
    #[cfg(feature = "ssr")]
    let html = placeholder(&event_id, i18n.locale);
    #[cfg(not(feature = "ssr"))]
    let html = String::new();
    #[cfg(feature = "hydrate")]
    board::attach(map, event_id, seats, selected);
    #[cfg(not(feature = "hydrate"))]
    let _ = (event_id, seats);
    let pick = move |target: Option<leptos::web_sys::EventTarget>| {
        #[cfg(feature = "hydrate")]
        board::pick(target, selected, notice, i18n);
        #[cfg(not(feature = "hydrate"))]
        let _ = (target, selected, notice, i18n);
    };
    view! {
        <div class="seat-map-wrap" node_ref=map inner_html=html
            on:click=move |ev| pick(ev.target())
            on:keydown=move |ev| {
                if ev.key() == "Enter" || ev.key() == " " {
                    ev.prevent_default();
                    pick(ev.target());
                }
            }
        ></div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selection_toggles_and_is_capped() {
        let mut sel = Vec::new();
        let seats: Vec<Uuid> = (0..9).map(|_| Uuid::new_v4()).collect();
        for s in &seats[..8] {
            assert!(toggle(&mut sel, *s));
        }
        assert!(!toggle(&mut sel, seats[8]), "a ninth seat is refused");
        assert!(toggle(&mut sel, seats[0]), "a selected seat can be removed");
        assert_eq!(sel.len(), 7);
        assert!(toggle(&mut sel, seats[8]));
    }

    #[test]
    fn a_placeholder_names_its_event_and_language() {
        let id = Uuid::new_v4();
        let p = placeholder(&id.to_string(), Locale::En);
        let inside = p.strip_prefix(PLACEHOLDER_START).and_then(|p| p.strip_suffix(PLACEHOLDER_END)).unwrap();
        assert_eq!(parse_placeholder(inside), Some((id, Locale::En)));
        assert_eq!(parse_placeholder("nope:en"), None);
        assert_eq!(parse_placeholder(&format!("{id}:xx")), None);
    }

    #[test]
    fn letters_go_both_ways() {
        for s in [SeatStatus::Available, SeatStatus::Held, SeatStatus::Sold] {
            assert_eq!(status_of_letter(status_letter(s) as u8), Some(s));
        }
        assert_eq!(status_of_letter(b'x'), None);
    }
}
