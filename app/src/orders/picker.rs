//! The event page's seat picker: the seat map, the seats chosen on it with their total,
//! and the ways to hold seats (those chosen, or the best available of a section).

use leptos::prelude::*;
use leptos_router::components::A;
use uuid::Uuid;

use crate::catalog::EventDetail;
use crate::orders::api::{HoldBest, HoldSeats};
use crate::orders::seatmap::{MapSeats, SeatMap};
use crate::i18n::{msg, use_i18n};
use crate::ui::{ErrorNotice, NeedsConnection};
use crate::error::AppError;

/// The picker of an event page (see `catalog::pages::SeatPicker`).
pub fn seat_picker(detail: EventDetail) -> AnyView {
    view! { <Picker detail/> }.into_any()
}

#[component]
fn Picker(detail: EventDetail) -> impl IntoView {
    let i18n = use_i18n();
    let selected = RwSignal::new(Vec::<Uuid>::new());
    let (notice, set_notice) = signal(None::<String>);
    let map = NodeRef::<leptos::html::Div>::new();
    let seats = MapSeats::new();
    let hold = ServerAction::<HoldSeats>::new();
    let e = detail.summary.clone();
    let event_id = e.id.to_string();
    let ids = StoredValue::new((event_id.clone(), e.currency.clone()));
    #[cfg(feature = "hydrate")]
    follow_seats(ids, map, seats, selected, set_notice, hold);
    // A hold found seats taken: every status is read again.
    let on_conflict = move || {
        #[cfg(feature = "hydrate")]
        reload_statuses(ids, map);
        #[cfg(not(feature = "hydrate"))]
        let _ = (ids, map);
    };
    view! {
        <section class="seat-picker" aria-labelledby="seats-heading">
            <h2 id="seats-heading">{i18n.t(msg::orders::CHOOSE_SEATS)}</h2>
            <ul class="legend" aria-label=i18n.t(msg::orders::LEGEND)>
                <li><span class="dot seat-available"></span>{i18n.t(msg::orders::AVAILABLE)}</li>
                <li><span class="dot is-selected"></span>{i18n.t(msg::orders::SELECTED)}</li>
                <li><span class="dot seat-held"></span>{i18n.t(msg::orders::HELD)}</li>
                <li><span class="dot seat-sold"></span>{i18n.t(msg::orders::SOLD)}</li>
            </ul>
            <NeedsConnection/>
            <SeatMap event_id=event_id.clone() map seats selected notice=set_notice/>
            <SelectionSummary seats selected hold currency=e.currency.clone() event_id slug=e.slug.clone() on_conflict/>
            {move || notice.get().map(|n| view! { <p class="notice" role="status">{n}</p> })}
            <BestAvailable event_id=e.id.to_string() prices=detail.prices.clone()/>
        </section>
    }
}

/// Reads every seat's status again and draws it on the map.
#[cfg(feature = "hydrate")]
fn reload_statuses(ids: StoredValue<(String, String)>, map: NodeRef<leptos::html::Div>) {
    let (event_id, currency) = ids.get_value();
    leptos::task::spawn_local(async move {
        if let Ok(statuses) = crate::orders::api::seat_statuses(event_id).await {
            crate::orders::seatmap::board::show_statuses(map, &statuses, &currency);
        }
    });
}

/// Keeps the map as the live stream tells: seats turn held, sold or available as others
/// buy, a seat picked here that someone else takes leaves the selection (with a word), and
/// every status is read again when the stream lost track or the event changed. The
/// stream opens once the map is there, resuming from where the event log stood when the
/// map was drawn.
#[cfg(feature = "hydrate")]
fn follow_seats(
    ids: StoredValue<(String, String)>,
    map: NodeRef<leptos::html::Div>,
    seats: MapSeats,
    selected: RwSignal<Vec<Uuid>>,
    notice: WriteSignal<Option<String>>,
    hold: ServerAction<HoldSeats>,
) {
    use std::sync::{Arc, Mutex};

    use crate::catalog::{EventChanged, SeatPlacesChanged, SeatStatus, SeatsChanged};
    use crate::ui::stream::{follow, loaded_at, Follow};

    let i18n = use_i18n();
    let following: Arc<Mutex<Option<Follow>>> = Arc::default();
    let slot = following.clone();
    Effect::new(move |_| {
        let Some(cursor) = seats.cursor.get() else { return };
        let mut slot = slot.lock().unwrap_or_else(|p| p.into_inner());
        if slot.is_some() {
            return;
        }
        loaded_at(cursor);
        let (watched, currency) = ids.get_value();
        *slot = Some(follow(vec![watched.clone()], &[SeatsChanged::KIND, EventChanged::KIND], move |kind, data| {
            if kind != SeatsChanged::KIND {
                // The stream lost track, or the event changed.
                reload_statuses(ids, map);
                return;
            }
            // The page's stream names seats by their place in the map (`ui::stream`).
            let Ok(change) = serde_json::from_str::<SeatPlacesChanged>(data) else { return };
            if change.event_id != watched {
                return;
            }
            let changed = crate::orders::seatmap::board::show_change(map, &change.seat_indexes, change.status, &currency);
            if change.status == SeatStatus::Available {
                return;
            }
            // The visitor's own hold, on its way to the checkout, took nothing from them.
            let holding = hold.pending().get_untracked() || matches!(hold.value().get_untracked(), Some(Ok(_)));
            if holding || !selected.with_untracked(|picked| picked.iter().any(|id| changed.contains(id))) {
                return;
            }
            let mut lost = 0;
            selected.update(|picked| {
                let before = picked.len();
                picked.retain(|id| !changed.contains(id));
                lost = before - picked.len();
            });
            if lost > 0 {
                notice.set(Some(i18n.plural(msg::orders::SEATS_TAKEN_LIVE, lost as i64, &[])));
            }
        }));
    });
    on_cleanup(move || {
        following.lock().unwrap_or_else(|p| p.into_inner()).take();
    });
}

/// "Find me the best N seats in this section", for signed-in customers.
#[component]
fn BestAvailable(event_id: String, prices: Vec<crate::catalog::SectionPrice>) -> impl IntoView {
    let i18n = use_i18n();
    let session = crate::users::session_ui::use_session();
    let best = ServerAction::<HoldBest>::new();
    let pending = best.pending();
    view! {
        {move || session.current().is_some().then(|| {
            let prices = prices.clone();
            let event_id = event_id.clone();
            view! {
                <ActionForm action=best>
                    <fieldset class="best-available">
                        <legend>{i18n.t(msg::orders::BEST_LEGEND)}</legend>
                        <input type="hidden" name="event_id" value=event_id/>
                        <div class="field">
                            <label for="best-section">{i18n.t(msg::orders::SECTION)}</label>
                            <select id="best-section" name="section_id">
                                {prices.into_iter().map(|p| view! {
                                    <option value=p.section_id.to_string()>{format!("{} · {}", p.name, i18n.fmt().money(p.price_cents, &p.currency))}</option>
                                }).collect_view()}
                            </select>
                        </div>
                        <div class="field">
                            <label for="best-quantity">{i18n.t(msg::orders::SEATS_LABEL)}</label>
                            <select id="best-quantity" name="quantity">
                                {(1..=8).map(|n| view! { <option value=n.to_string() selected=n == 2>{n}</option> }).collect_view()}
                            </select>
                        </div>
                        <button type="submit" class="btn btn-primary" disabled=pending>{i18n.t(msg::orders::FIND_SEATS)}</button>
                    </fieldset>
                </ActionForm>
            }
        })}
        {move || best.value().get().and_then(|r| r.err()).map(|e| view! { <ErrorNotice error=e/> })}
    }
}

/// The seats picked on the map, their total, and the button that holds them.
#[component]
fn SelectionSummary(
    seats: MapSeats,
    selected: RwSignal<Vec<Uuid>>,
    hold: ServerAction<HoldSeats>,
    currency: String,
    event_id: String,
    slug: String,
    on_conflict: impl Fn() + Send + Sync + Copy + 'static,
) -> impl IntoView {
    let i18n = use_i18n();
    let session = crate::users::session_ui::use_session();
    let pending = hold.pending();
    Effect::new(move |_| {
        if let Some(Err(AppError::Conflict { details, .. })) = hold.value().get() {
            let taken: Vec<String> = serde_json::from_value(details["seat_ids"].clone()).unwrap_or_default();
            selected.update(|s| s.retain(|id| !taken.contains(&id.to_string())));
            on_conflict();
        }
    });
    let chosen = move || {
        seats.seats.with(|known| selected.with(|ids| ids.iter().filter_map(|id| known.get(id).cloned()).collect::<Vec<(String, i64)>>()))
    };
    let login_href = format!("/login?next=/events/{slug}");
    let signed_in = move || session.current().is_some();
    view! {
        <aside class="selection card" aria-live="polite">
            <h3>{move || i18n.tf(msg::orders::SELECTED_SEATS, &[("count", &selected.with(Vec::len).to_string())])}</h3>
            {move || {
                let list = chosen();
                if list.is_empty() {
                    view! { <p class="muted">{i18n.t(msg::orders::TAP_HINT)}</p> }.into_any()
                } else {
                    let total: i64 = list.iter().map(|(_, price)| price).sum();
                    let currency = currency.clone();
                    let event_id = event_id.clone();
                    let login_href = login_href.clone();
                    view! {
                        <ul class="selection-list">
                            {list.into_iter().map(|(label, price)| view! {
                                <li><span>{label}</span><span>{i18n.fmt().money(price, &currency)}</span></li>
                            }).collect_view()}
                        </ul>
                        <p class="selection-total">{i18n.t(msg::orders::TOTAL)}" " <strong>{i18n.fmt().money(total, &currency)}</strong></p>
                        {if signed_in() {
                            view! {
                                <button type="button" class="btn btn-primary btn-block" disabled=pending
                                    on:click=move |_| {
                                        let seat_ids = selected.get_untracked().iter().map(Uuid::to_string).collect();
                                        hold.dispatch(HoldSeats { event_id: event_id.clone(), seat_ids });
                                    }>
                                    {move || i18n.t(if pending.get() { msg::orders::HOLDING } else { msg::orders::HOLD_THESE })}
                                </button>
                            }.into_any()
                        } else {
                            view! { <A href=login_href attr:class="btn btn-primary btn-block">{i18n.t(msg::orders::LOG_IN_TO_BUY)}</A> }.into_any()
                        }}
                        <button type="button" class="btn btn-ghost" on:click=move |_| selected.set(Vec::new())>{i18n.t(msg::orders::CLEAR)}</button>
                    }.into_any()
                }
            }}
            {move || hold.value().get().and_then(|r| r.err()).map(|e| view! { <ErrorNotice error=e/> })}
        </aside>
    }
}
