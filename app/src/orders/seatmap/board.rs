//! The map in the browser. The server drew it ([`super::fragment`]); here its seats turn
//! as the visitor picks them and as the live stream tells, straight on the page's nodes:
//! a reactive node for each of a thousand seats would cost the page more than it gives.

use std::collections::HashMap;

use leptos::prelude::*;
use uuid::Uuid;
use wasm_bindgen::JsCast;
use web_sys::{Element, EventTarget, Node};

use super::{seat_class, seat_name, status_letter, status_of_letter, toggle, MapSeats, SeatStatuses, MAX_SELECTION};
use crate::catalog::SeatStatus;
use crate::i18n::{msg, use_i18n, I18n};
use crate::ui::title::escape_html;

/// Makes the map's node the map: fetches it if the page did not come with it (a
/// navigation inside the app), reads its seats and cursor into `seats`, and keeps the
/// picked seats drawn as picked.
pub fn attach(map: NodeRef<leptos::html::Div>, event_id: String, seats: MapSeats, selected: RwSignal<Vec<Uuid>>) {
    Effect::new(move |_| {
        let Some(root) = map.get() else { return };
        let root: Element = root.into();
        if first_element(root.first_child()).is_some() {
            read(&root, seats);
            return;
        }
        let event_id = event_id.clone();
        leptos::task::spawn_local(async move {
            if let Ok(html) = crate::orders::api::seat_map(event_id).await {
                root.set_inner_html(&html);
                read(&root, seats);
            }
        });
    });
    // Picked seats drawn as picked (and the ones let go as not).
    Effect::new(move |before: Option<Vec<Uuid>>| {
        let now = selected.get();
        if let Some(root) = map.get() {
            let root: Element = root.into();
            for el in elements(&root) {
                let Some(id) = id_of(&el) else { continue };
                let picked = now.contains(&id);
                if picked || before.as_ref().is_some_and(|b| b.contains(&id)) {
                    let _ = el.set_attribute("aria-checked", if picked { "true" } else { "false" });
                    redraw_class(&el);
                }
            }
        }
        now
    });
}

// The walks below use only DOM calls the first visit's code has already (each other one
// weighs on it): children by `firstChild`/`nextSibling`, no selectors.

/// `node` or the first element among its next siblings.
fn first_element(mut node: Option<Node>) -> Option<Element> {
    while let Some(n) = node {
        match n.dyn_into::<Element>() {
            Ok(el) => return Some(el),
            Err(n) => node = n.next_sibling(),
        }
    }
    None
}

/// The map's SVG (or its sentence when there are no seats).
fn drawing(root: &Element) -> Option<Element> {
    first_element(root.first_child())
}

/// Every seat node, in the map's order.
fn elements(root: &Element) -> Vec<Element> {
    let mut seats = Vec::new();
    let mut next = drawing(root).and_then(|svg| first_element(svg.first_child()));
    while let Some(el) = next {
        next = first_element(el.next_sibling());
        if el.has_attribute("data-seat-id") {
            seats.push(el);
        }
    }
    seats
}

fn id_of(el: &Element) -> Option<Uuid> {
    el.get_attribute("data-seat-id").and_then(|id| Uuid::parse_str(&id).ok())
}

/// The seats' labels and prices, and the map's cursor.
fn read(root: &Element, seats: MapSeats) {
    let mut found = HashMap::new();
    for el in elements(root) {
        let (Some(id), Some(label), Some(price)) = (id_of(&el), el.get_attribute("data-label"), el.get_attribute("data-price").and_then(|p| p.parse::<i64>().ok())) else {
            continue;
        };
        found.insert(id, (label, price));
    }
    seats.seats.set(found);
    let cursor = drawing(root).and_then(|svg| svg.get_attribute("data-cursor")).and_then(|c| c.parse().ok());
    seats.cursor.set(cursor.or(Some(0)));
}

fn status_of(el: &Element) -> Option<SeatStatus> {
    el.get_attribute("data-status").and_then(|s| s.bytes().next()).and_then(status_of_letter)
}

fn redraw_class(el: &Element) {
    let Some(status) = status_of(el) else { return };
    let picked = el.get_attribute("aria-checked").as_deref() == Some("true");
    let _ = el.set_attribute("class", &seat_class(status, el.has_attribute("data-accessible"), picked));
}

/// Draws `status` on a seat: its class, its name, whether it can be picked.
fn show_status(el: &Element, status: SeatStatus, i18n: I18n, currency: &str) {
    if status_of(el) == Some(status) {
        return;
    }
    let available = status == SeatStatus::Available;
    let _ = el.set_attribute("data-status", &status_letter(status).to_string());
    if !available {
        let _ = el.set_attribute("aria-checked", "false");
    }
    redraw_class(el);
    let label = el.get_attribute("data-label").unwrap_or_default();
    let price = el.get_attribute("data-price").and_then(|p| p.parse().ok()).unwrap_or(0);
    let name = seat_name(i18n, &label, price, currency, status);
    let _ = el.set_attribute("aria-label", &name);
    if let Some(title) = el.first_element_child() {
        title.set_inner_html(&escape_html(&name));
    }
    let _ = el.set_attribute("aria-disabled", if available { "false" } else { "true" });
    let _ = el.set_attribute("tabindex", if available { "0" } else { "-1" });
}

/// Seats of the map the live stream says are now in `status`, named by their place in the
/// map's order; answers their ids.
pub fn show_change(map: NodeRef<leptos::html::Div>, places: &[u32], status: SeatStatus, currency: &str) -> Vec<Uuid> {
    let Some(root) = map.get_untracked() else { return Vec::new() };
    let root: Element = root.into();
    let i18n = use_i18n();
    let seats = elements(&root);
    let mut changed = Vec::with_capacity(places.len());
    for el in places.iter().filter_map(|place| seats.get(*place as usize)) {
        show_status(el, status, i18n, currency);
        changed.extend(id_of(el));
    }
    changed
}

/// A fresh read of every seat's status, in the map's order.
pub fn show_statuses(map: NodeRef<leptos::html::Div>, statuses: &SeatStatuses, currency: &str) {
    let Some(root) = map.get_untracked() else { return };
    let root: Element = root.into();
    let i18n = use_i18n();
    for (el, letter) in elements(&root).iter().zip(statuses.statuses.bytes()) {
        if let Some(status) = status_of_letter(letter) {
            show_status(el, status, i18n, currency);
        }
    }
}

/// The visitor clicked or pressed Enter or Space on the map: the seat under it, if one
/// that can be picked, goes in or out of the selection.
pub fn pick(target: Option<EventTarget>, selected: RwSignal<Vec<Uuid>>, notice: WriteSignal<Option<String>>, i18n: I18n) {
    let Some(el) = target.and_then(|t| t.dyn_into::<Element>().ok()) else { return };
    // The seat, or its tooltip's title.
    let el = if el.has_attribute("data-seat-id") { el } else { match el.parent_node().and_then(|p| p.dyn_into::<Element>().ok()) { Some(p) => p, None => return } };
    let Some(id) = id_of(&el) else { return };
    if status_of(&el) != Some(SeatStatus::Available) {
        return;
    }
    let mut ok = true;
    selected.update(|s| ok = toggle(s, id));
    notice.set((!ok).then(|| i18n.tf(msg::orders::MAX_SELECTION, &[("max", &MAX_SELECTION.to_string())])));
}
