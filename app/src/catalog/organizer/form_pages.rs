//! The organizer's venues (list and new venue) and the new-event form with a price for
//! each section of the chosen venue.

use leptos::prelude::*;
use crate::ui::PageTitle;
use leptos_router::components::A;

use crate::catalog::organizer::api::{organizer_venues, NewEventForm, NewVenueForm};
use crate::catalog::VenueView;
use crate::i18n::{msg, use_i18n};
use crate::ui::{field_error, form_error, ErrorNotice, Failure};

#[component]
pub fn OrganizerVenuesPage() -> impl IntoView {
    let i18n = use_i18n();
    let create = ServerAction::<NewVenueForm>::new();
    let venues = Resource::new(move || create.version().get(), |_| organizer_venues());
    view! {
        <PageTitle text=i18n.t(msg::organizer::VENUES)/>
        <p class="breadcrumbs"><A href="/organizer">{i18n.t(msg::organizer::YOUR_EVENTS)}</A></p>
        <h1>{i18n.t(msg::organizer::VENUES)}</h1>
        <Transition fallback=move || view! { <p class="muted">{i18n.t(msg::ui::LOADING)}</p> }>
            {move || venues.get().map(|result| match result {
                Ok(list) => view! { <VenueTable venues=list/> <NewVenue create/> }.into_any(),
                Err(e) => view! { <Failure error=e/> }.into_any(),
            })}
        </Transition>
    }
}

#[component]
fn VenueTable(venues: Vec<VenueView>) -> impl IntoView {
    let i18n = use_i18n();
    if venues.is_empty() {
        return view! { <p class="muted">{i18n.t(msg::organizer::NO_VENUES)}</p> }.into_any();
    }
    view! {
        <div class="table-wrap">
            <table class="data stack">
                <thead><tr>
                    <th scope="col">{i18n.t(msg::organizer::VENUE)}</th>
                    <th scope="col">{i18n.t(msg::organizer::CITY)}</th>
                    <th scope="col">{i18n.t(msg::organizer::SECTIONS)}</th>
                    <th scope="col">{i18n.t(msg::organizer::SEATS)}</th>
                </tr></thead>
                <tbody>
                    {venues.into_iter().map(|v| {
                        let seats: i64 = v.sections.iter().map(|s| s.capacity).sum();
                        let sections = v.sections.iter().map(|s| format!("{} ({})", s.name, i18n.fmt().number(s.capacity))).collect::<Vec<_>>().join(", ");
                        view! {
                            <tr>
                                <td data-label=i18n.t(msg::organizer::VENUE)>{v.name}</td>
                                <td data-label=i18n.t(msg::organizer::CITY)>{v.city}</td>
                                <td data-label=i18n.t(msg::organizer::SECTIONS)>{sections}</td>
                                <td data-label=i18n.t(msg::organizer::SEATS)>{i18n.fmt().number(seats)}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
    .into_any()
}

#[component]
fn NewVenue(create: ServerAction<NewVenueForm>) -> impl IntoView {
    let i18n = use_i18n();
    let rows = RwSignal::new(3usize);
    let result = create.value();
    let err = move |field: &'static str| move || field_error(result.get(), field).map(|m| view! { <p class="field-error">{m}</p> });
    let created = move || match result.get() {
        Some(Ok(v)) => Some(view! { <p class="notice notice-success" role="status">{i18n.plural(msg::organizer::VENUE_CREATED, v.sections.len() as i64, &[("name", &v.name)])}</p> }),
        _ => None,
    };
    view! {
        <section class="card form-card">
            <h2>{i18n.t(msg::organizer::NEW_VENUE)}</h2>
            {created}
            <ActionForm action=create>
                <div class="field">
                    <label for="venue-name">{i18n.t(msg::organizer::NAME)}</label>
                    <input id="venue-name" name="name" required maxlength="120"/>
                    {err("name")}
                </div>
                <div class="field-row">
                    <div class="field">
                        <label for="venue-city">{i18n.t(msg::organizer::CITY)}</label>
                        <input id="venue-city" name="city" required maxlength="80"/>
                        {err("city")}
                    </div>
                    <div class="field">
                        <label for="venue-address">{i18n.t(msg::organizer::ADDRESS_OPTIONAL)}</label>
                        <input id="venue-address" name="address" maxlength="200"/>
                        {err("address")}
                    </div>
                </div>
                <div class="field">
                    <label for="venue-time-zone">{i18n.t(msg::organizer::TIME_ZONE)}</label>
                    <input id="venue-time-zone" name="time_zone" value=crate::catalog::zone_names::DEFAULT maxlength="64" required
                        list="venue-time-zones" autocomplete="off" aria-describedby="venue-time-zone-help"/>
                    <datalist id="venue-time-zones">
                        {crate::catalog::zone_names::COMMON.iter().map(|z| view! { <option value=*z></option> }).collect_view()}
                    </datalist>
                    <small id="venue-time-zone-help" class="muted">{i18n.t(msg::organizer::TIME_ZONE_HELP)}</small>
                    {err("time_zone")}
                </div>
                <fieldset class="sections">
                    <legend>{i18n.t(msg::organizer::SECTIONS)}</legend>
                    <p class="hint">{i18n.t(msg::organizer::SECTIONS_HINT)}</p>
                    <For each=move || 0..rows.get() key=|i| *i let:i>
                        <div class="field-row section-row">
                            <div class="field">
                                <label for=format!("section-{i}-name")>{i18n.tf(msg::organizer::SECTION_NAME, &[("number", &(i + 1).to_string())])}</label>
                                <input id=format!("section-{i}-name") name=format!("sections[{i}][name]") maxlength="60" required=i == 0/>
                            </div>
                            <div class="field">
                                <label for=format!("section-{i}-rows")>{i18n.t(msg::organizer::ROWS)}</label>
                                <input id=format!("section-{i}-rows") name=format!("sections[{i}][rows]") type="number" min="1" max="60" inputmode="numeric" required=i == 0/>
                            </div>
                            <div class="field">
                                <label for=format!("section-{i}-seats")>{i18n.t(msg::organizer::SEATS_PER_ROW)}</label>
                                <input id=format!("section-{i}-seats") name=format!("sections[{i}][seats_per_row]") type="number" min="1" max="80" inputmode="numeric" required=i == 0/>
                            </div>
                        </div>
                    </For>
                    <button type="button" class="btn btn-small" on:click=move |_| rows.update(|n| *n = (*n + 1).min(20))>{i18n.t(msg::organizer::ADD_SECTION)}</button>
                    {err("sections")}
                </fieldset>
                {move || form_error(result.get()).map(|e| view! { <ErrorNotice error=e/> })}
                <button type="submit" class="btn btn-primary" disabled=create.pending()>{i18n.t(msg::organizer::CREATE_VENUE)}</button>
            </ActionForm>
        </section>
    }
}

#[component]
pub fn NewEventPage() -> impl IntoView {
    let i18n = use_i18n();
    let venues = Resource::new(|| (), |_| organizer_venues());
    view! {
        <PageTitle text=i18n.t(msg::organizer::NEW_EVENT)/>
        <p class="breadcrumbs"><A href="/organizer">{i18n.t(msg::organizer::YOUR_EVENTS)}</A></p>
        <h1>{i18n.t(msg::organizer::NEW_EVENT)}</h1>
        <Suspense fallback=move || view! { <p class="muted">{i18n.t(msg::ui::LOADING)}</p> }>
            {move || venues.get().map(|result| match result {
                Ok(list) if list.is_empty() => view! {
                    <p>{i18n.t(msg::organizer::VENUE_FIRST)} <A href="/organizer/venues">{i18n.t(msg::organizer::VENUE_FIRST_LINK)}</A> "."</p>
                }.into_any(),
                Ok(list) => view! { <EventForm venues=list/> }.into_any(),
                Err(e) => view! { <Failure error=e/> }.into_any(),
            })}
        </Suspense>
    }
}

#[component]
fn EventForm(venues: Vec<VenueView>) -> impl IntoView {
    let i18n = use_i18n();
    let create = ServerAction::<NewEventForm>::new();
    let result = create.value();
    let err = move |field: &'static str| move || field_error(result.get(), field).map(|m| view! { <p class="field-error">{m}</p> });
    let selected = RwSignal::new(venues.first().map(|v| v.id.clone()).unwrap_or_default());
    let venues = StoredValue::new(venues);
    let sections = move || venues.with_value(|vs| vs.iter().find(|v| v.id == selected.get()).map(|v| v.sections.clone()).unwrap_or_default());
    let zone = move || venues.with_value(|vs| vs.iter().find(|v| v.id == selected.get()).map(|v| v.time_zone.clone()).unwrap_or_default());
    view! {
        <section class="card form-card">
            <ActionForm action=create>
                <div class="field">
                    <label for="event-title">{i18n.t(msg::organizer::EVENT_TITLE)}</label>
                    <input id="event-title" name="title" required maxlength="120"/>
                    {err("title")}
                </div>
                <div class="field-row">
                    <div class="field">
                        <label for="event-category">{i18n.t(msg::organizer::CATEGORY)}</label>
                        <input id="event-category" name="category" required maxlength="40" list="categories" placeholder="concert"/>
                        <datalist id="categories">
                            {["concert", "theatre", "comedy", "sports", "family", "festival"].map(|c| view! { <option value=c></option> }).collect_view()}
                        </datalist>
                        {err("category")}
                    </div>
                    <div class="field">
                        <label for="event-currency">{i18n.t(msg::organizer::CURRENCY)}</label>
                        <select id="event-currency" name="currency">
                            {["EUR", "USD", "GBP", "MXN"].map(|c| view! { <option value=c>{c}</option> }).collect_view()}
                        </select>
                        {err("currency")}
                    </div>
                    <div class="field">
                        <label for="event-seat-limit">{i18n.t(msg::organizer::MOST_SEATS_PER_BUYER)}</label>
                        <input id="event-seat-limit" name="max_seats_per_buyer" type="number" inputmode="numeric"
                            min="1" max=crate::catalog::rules::MOST_SEATS_PER_BUYER value=crate::catalog::rules::DEFAULT_SEATS_PER_BUYER
                            aria-describedby="event-seat-limit-help"/>
                        <small id="event-seat-limit-help" class="muted">{i18n.t(msg::organizer::SEAT_LIMIT_HELP)}</small>
                        {err("max_seats_per_buyer")}
                    </div>
                </div>
                <div class="field">
                    <label for="event-description">{i18n.t(msg::organizer::DESCRIPTION)}</label>
                    <textarea id="event-description" name="description" rows="4" maxlength="4000"></textarea>
                    {err("description")}
                </div>
                <div class="field-row">
                    <div class="field">
                        <label for="event-starts">{i18n.t(msg::organizer::STARTS_LOCAL)}</label>
                        <input id="event-starts" name="starts_at" type="datetime-local" required aria-describedby="event-zone"/>
                        {err("starts_at")}
                    </div>
                    <div class="field">
                        <label for="event-ends">{i18n.t(msg::organizer::ENDS_LOCAL)}</label>
                        <input id="event-ends" name="ends_at" type="datetime-local" required aria-describedby="event-zone"/>
                        {err("ends_at")}
                    </div>
                </div>
                <p id="event-zone" class="hint">{move || i18n.tf(msg::zones::LOCAL_TIME_NOTE, &[("zone", &zone())])}</p>
                <div class="field">
                    <label for="event-venue">{i18n.t(msg::organizer::VENUE)}</label>
                    <select id="event-venue" name="venue_id" on:change=move |ev| selected.set(event_target_value(&ev))>
                        {venues.get_value().into_iter().map(|v| view! { <option value=v.id.clone()>{format!("{}, {}", v.name, v.city)}</option> }).collect_view()}
                    </select>
                    {err("venue_id")}
                </div>
                <fieldset class="prices">
                    <legend>{i18n.t(msg::organizer::PRICE_PER_SECTION)}</legend>
                    {move || sections().into_iter().enumerate().map(|(i, s)| view! {
                        <div class="field">
                            <input type="hidden" name=format!("prices[{i}][section_id]") value=s.id.clone()/>
                            <label for=format!("price-{i}")>{i18n.plural(msg::organizer::SECTION_SEATS, s.capacity, &[("name", &s.name)])}</label>
                            <input id=format!("price-{i}") name=format!("prices[{i}][price]") inputmode="decimal" required placeholder="25.00"/>
                        </div>
                    }).collect_view()}
                    {err("prices")}
                </fieldset>
                {move || form_error(result.get()).map(|e| view! { <ErrorNotice error=e/> })}
                <p class="hint">{i18n.t(msg::organizer::DRAFT_HINT)}</p>
                <button type="submit" class="btn btn-primary" disabled=create.pending()>{i18n.t(msg::organizer::CREATE_EVENT)}</button>
            </ActionForm>
        </section>
    }
}
