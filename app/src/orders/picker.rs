//! The event page's seat picker: the seat map, the seats chosen on it with their total,
//! and the ways to hold seats (those chosen, or the best available of a section).

use leptos::prelude::*;
use leptos_router::components::A;
use uuid::Uuid;

use crate::catalog::{EventDetail, SeatView};
use crate::orders::api::{HoldBest, HoldSeats};
use crate::orders::seatmap::SeatMap;
use crate::time_fmt::money;
use crate::ui::ErrorNotice;
use crate::error::AppError;

/// The picker of an event page (see `catalog::pages::SeatPicker`).
pub fn seat_picker(detail: EventDetail, seats: Resource<Result<Vec<SeatView>, AppError>>) -> AnyView {
    view! { <Picker detail seats/> }.into_any()
}

#[component]
fn Picker(detail: EventDetail, seats: Resource<Result<Vec<SeatView>, AppError>>) -> impl IntoView {
    let selected = RwSignal::new(Vec::<Uuid>::new());
    let (notice, set_notice) = signal(None::<String>);
    let e = detail.summary.clone();
    let currency = e.currency.clone();
    let event_id = e.id.to_string();
    let slug = e.slug.clone();
    view! {
        <section class="seat-picker" aria-labelledby="seats-heading">
            <h2 id="seats-heading">"Choose your seats"</h2>
            <ul class="legend" aria-label="Legend">
                <li><span class="dot seat-available"></span>"Available"</li>
                <li><span class="dot is-selected"></span>"Selected"</li>
                <li><span class="dot seat-held"></span>"Held"</li>
                <li><span class="dot seat-sold"></span>"Sold"</li>
            </ul>
            <Suspense fallback=|| view! { <p class="muted">"Loading seat map…"</p> }>
                {move || seats.get().map(|result| match result {
                    Ok(list) => {
                        let all = list.clone();
                        let currency = currency.clone();
                        let event_id = event_id.clone();
                        let slug = slug.clone();
                        view! {
                            <div class="seat-map-wrap"><SeatMap seats=list selected notice=set_notice/></div>
                            <SelectionSummary seats=all selected currency event_id=event_id.clone() slug=slug.clone() on_conflict=move || seats.refetch()/>
                        }.into_any()
                    }
                    Err(e) => view! { <ErrorNotice error=e/> }.into_any(),
                })}
            </Suspense>
            {move || notice.get().map(|n| view! { <p class="notice" role="status">{n}</p> })}
            <BestAvailable event_id=e.id.to_string() prices=detail.prices.clone()/>
        </section>
    }
}

/// "Find me the best N seats in this section", for signed-in customers.
#[component]
fn BestAvailable(event_id: String, prices: Vec<crate::catalog::SectionPrice>) -> impl IntoView {
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
                        <legend>"Or let us pick the best available seats"</legend>
                        <input type="hidden" name="event_id" value=event_id/>
                        <div class="field">
                            <label for="best-section">"Section"</label>
                            <select id="best-section" name="section_id">
                                {prices.into_iter().map(|p| view! {
                                    <option value=p.section_id.to_string()>{format!("{} · {}", p.name, money(p.price_cents, &p.currency))}</option>
                                }).collect_view()}
                            </select>
                        </div>
                        <div class="field">
                            <label for="best-quantity">"Seats"</label>
                            <select id="best-quantity" name="quantity">
                                {(1..=8).map(|n| view! { <option value=n.to_string() selected=n == 2>{n}</option> }).collect_view()}
                            </select>
                        </div>
                        <button type="submit" class="btn btn-primary" disabled=pending>"Find seats"</button>
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
    seats: Vec<SeatView>,
    selected: RwSignal<Vec<Uuid>>,
    currency: String,
    event_id: String,
    slug: String,
    on_conflict: impl Fn() + Send + Sync + Copy + 'static,
) -> impl IntoView {
    let session = crate::users::session_ui::use_session();
    let hold = ServerAction::<HoldSeats>::new();
    let pending = hold.pending();
    Effect::new(move |_| {
        if let Some(Err(AppError::Conflict { details, .. })) = hold.value().get() {
            let taken: Vec<String> = serde_json::from_value(details["seat_ids"].clone()).unwrap_or_default();
            selected.update(|s| s.retain(|id| !taken.contains(&id.to_string())));
            on_conflict();
        }
    });
    let chosen = move || {
        selected.with(|ids| ids.iter().filter_map(|id| seats.iter().find(|s| s.id == *id).cloned()).collect::<Vec<_>>())
    };
    let login_href = format!("/login?next=/events/{slug}");
    let signed_in = move || session.current().is_some();
    view! {
        <aside class="selection card" aria-live="polite">
            <h3>{move || format!("Selected seats ({})", selected.with(Vec::len))}</h3>
            {move || {
                let list = chosen();
                if list.is_empty() {
                    view! { <p class="muted">"Tap or press Enter on an available seat to select it."</p> }.into_any()
                } else {
                    let total: i64 = list.iter().map(|s| s.price_cents).sum();
                    let currency = currency.clone();
                    let event_id = event_id.clone();
                    let login_href = login_href.clone();
                    view! {
                        <ul class="selection-list">
                            {list.into_iter().map(|s| view! {
                                <li><span>{s.label()}</span><span>{money(s.price_cents, &s.currency)}</span></li>
                            }).collect_view()}
                        </ul>
                        <p class="selection-total">"Total: " <strong>{money(total, &currency)}</strong></p>
                        {if signed_in() {
                            view! {
                                <button type="button" class="btn btn-primary btn-block" disabled=pending
                                    on:click=move |_| {
                                        let seat_ids = selected.get_untracked().iter().map(Uuid::to_string).collect();
                                        hold.dispatch(HoldSeats { event_id: event_id.clone(), seat_ids });
                                    }>
                                    {move || if pending.get() { "Holding…" } else { "Hold these seats" }}
                                </button>
                            }.into_any()
                        } else {
                            view! { <A href=login_href attr:class="btn btn-primary btn-block">"Log in to buy"</A> }.into_any()
                        }}
                        <button type="button" class="btn btn-ghost" on:click=move |_| selected.set(Vec::new())>"Clear selection"</button>
                    }.into_any()
                }
            }}
            {move || hold.value().get().and_then(|r| r.err()).map(|e| view! { <ErrorNotice error=e/> })}
        </aside>
    }
}
