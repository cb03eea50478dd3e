//! The SVG seat map of an event: every seat with its status and price; available seats
//! can be selected with the pointer or the keyboard (up to [`MAX_SELECTION`]).

use std::collections::HashMap;

use leptos::prelude::*;
use uuid::Uuid;

use crate::catalog::{SeatStatus, SeatView, SeatsChanged};
use crate::i18n::{msg, use_i18n, Msg};

pub const MAX_SELECTION: usize = 8;
const SEAT_RADIUS: i64 = 8;
const PAD: i64 = 30;

fn status_word(status: SeatStatus) -> Msg {
    match status {
        SeatStatus::Available => msg::orders::SEAT_AVAILABLE,
        SeatStatus::Held => msg::orders::SEAT_HELD,
        SeatStatus::Sold => msg::orders::SEAT_SOLD,
    }
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

/// Each seat's status as the page knows it: loaded with the map, then kept by the live
/// stream. One signal per seat, so that a change redraws its seat alone.
#[derive(Clone, Copy)]
pub struct SeatStates(StoredValue<HashMap<Uuid, ArcRwSignal<SeatStatus>>>);

impl SeatStates {
    pub fn new() -> SeatStates {
        SeatStates(StoredValue::new(HashMap::new()))
    }

    /// The statuses of a (fresh) load of the map.
    pub fn load(&self, seats: &[SeatView]) {
        self.0.update_value(|states| {
            for seat in seats {
                match states.get(&seat.id) {
                    Some(status) => status.set(seat.status),
                    None => {
                        states.insert(seat.id, ArcRwSignal::new(seat.status));
                    }
                }
            }
        });
    }

    fn of(&self, seat: &SeatView) -> ArcRwSignal<SeatStatus> {
        self.0.with_value(|states| states.get(&seat.id).cloned()).unwrap_or_else(|| ArcRwSignal::new(seat.status))
    }

    /// A change the live stream told of; answers the seats it took (no longer available).
    pub fn apply(&self, change: &SeatsChanged) -> Vec<Uuid> {
        let ids: Vec<Uuid> = change.seat_ids.iter().filter_map(|id| Uuid::parse_str(id).ok()).collect();
        self.0.with_value(|states| {
            for id in &ids {
                if let Some(status) = states.get(id) {
                    status.set(change.status);
                }
            }
        });
        if change.status == SeatStatus::Available { Vec::new() } else { ids }
    }
}

impl Default for SeatStates {
    fn default() -> Self {
        SeatStates::new()
    }
}

#[component]
pub fn SeatMap(
    seats: Vec<SeatView>,
    states: SeatStates,
    selected: RwSignal<Vec<Uuid>>,
    #[prop(into)] notice: WriteSignal<Option<String>>,
) -> impl IntoView {
    let i18n = use_i18n();
    if seats.is_empty() {
        return view! { <p class="muted">{i18n.t(msg::orders::NO_SEATING)}</p> }.into_any();
    }
    let min_x = seats.iter().map(|s| s.x).min().unwrap_or(0) - PAD;
    let max_x = seats.iter().map(|s| s.x).max().unwrap_or(0) + PAD;
    let min_y = seats.iter().map(|s| s.y).min().unwrap_or(0) - PAD - 60;
    let max_y = seats.iter().map(|s| s.y).max().unwrap_or(0) + PAD;
    let view_box = format!("{} {} {} {}", min_x, min_y, max_x - min_x, max_y - min_y);
    let stage_width = (max_x - min_x) / 2;
    let stage_x = min_x + (max_x - min_x - stage_width) / 2;

    let mut sections: Vec<(Uuid, String, i64, i64)> = Vec::new();
    for seat in &seats {
        match sections.iter_mut().find(|(id, ..)| *id == seat.section_id) {
            Some(entry) => {
                entry.2 = entry.2.min(seat.y);
                entry.3 += seat.x;
            }
            None => sections.push((seat.section_id, seat.section.clone(), seat.y, seat.x)),
        }
    }
    let labels = sections
        .into_iter()
        .map(|(id, name, top, sum_x)| {
            let count = seats.iter().filter(|s| s.section_id == id).count().max(1) as i64;
            view! { <text class="section-label" x=sum_x / count y=top - 14 text-anchor="middle">{name}</text> }
        })
        .collect_view();

    let circles = seats
        .into_iter()
        .map(|seat| {
            let id = seat.id;
            let status = states.of(&seat);
            let available = {
                let status = status.clone();
                move || status.get() == SeatStatus::Available
            };
            let name = format!("{}, {}", seat.label(i18n), i18n.fmt().money(seat.price_cents, &seat.currency));
            let label = {
                let status = status.clone();
                move || format!("{name}, {}", i18n.t(status_word(status.get())))
            };
            let is_selected = move || selected.with(|s| s.contains(&id));
            let class = move || {
                let mut c = format!("seat seat-{}", status.get().as_str().to_lowercase());
                if seat.accessible {
                    c.push_str(" seat-accessible");
                }
                if is_selected() {
                    c.push_str(" is-selected");
                }
                c
            };
            let choose = {
                let available = available.clone();
                move || {
                    if !available() {
                        return;
                    }
                    let mut ok = true;
                    selected.update(|s| ok = toggle(s, id));
                    notice.set((!ok).then(|| i18n.tf(msg::orders::MAX_SELECTION, &[("max", &MAX_SELECTION.to_string())])));
                }
            };
            let on_key = choose.clone();
            let title = label.clone();
            let can_choose = available.clone();
            view! {
                <circle
                    class=class
                    cx=seat.x
                    cy=seat.y
                    r=SEAT_RADIUS
                    role="checkbox"
                    aria-label=label
                    aria-checked=move || if is_selected() { "true" } else { "false" }
                    aria-disabled=move || if can_choose() { "false" } else { "true" }
                    tabindex=move || if available() { "0" } else { "-1" }
                    data-seat-id=id.to_string()
                    on:click=move |_| choose()
                    on:keydown=move |ev| {
                        if ev.key() == "Enter" || ev.key() == " " {
                            ev.prevent_default();
                            on_key();
                        }
                    }
                >
                    <title>{title}</title>
                </circle>
            }
        })
        .collect_view();

    view! {
        <svg class="seat-map" viewBox=view_box role="group" aria-label=i18n.t(msg::orders::SEAT_MAP) preserveAspectRatio="xMidYMin meet">
            <rect class="stage" x=stage_x y=min_y + 10 width=stage_width height="28" rx="6"/>
            <text class="stage-label" x=stage_x + stage_width / 2 y=min_y + 29 text-anchor="middle">{i18n.t(msg::orders::STAGE)}</text>
            {labels}
            {circles}
        </svg>
    }
    .into_any()
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
}
