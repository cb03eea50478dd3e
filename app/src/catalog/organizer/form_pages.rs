//! The organizer's venues (list and new venue) and the new-event form with a price for
//! each section of the chosen venue.

use leptos::prelude::*;
use crate::ui::PageTitle;
use leptos_router::components::A;

use crate::catalog::organizer::api::{organizer_venues, NewEventForm, NewVenueForm};
use crate::catalog::VenueView;
use crate::ui::{field_error, form_error, ErrorNotice, Failure};

#[component]
pub fn OrganizerVenuesPage() -> impl IntoView {
    let create = ServerAction::<NewVenueForm>::new();
    let venues = Resource::new(move || create.version().get(), |_| organizer_venues());
    view! {
        <PageTitle text="Venues"/>
        <p class="breadcrumbs"><A href="/organizer">"Your events"</A></p>
        <h1>"Venues"</h1>
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || venues.get().map(|result| match result {
                Ok(list) => view! { <VenueTable venues=list/> <NewVenue create/> }.into_any(),
                Err(e) => view! { <Failure error=e/> }.into_any(),
            })}
        </Transition>
    }
}

#[component]
fn VenueTable(venues: Vec<VenueView>) -> impl IntoView {
    if venues.is_empty() {
        return view! { <p class="muted">"No venues yet. Create the first one below."</p> }.into_any();
    }
    view! {
        <div class="table-wrap">
            <table class="data stack">
                <thead><tr><th scope="col">"Venue"</th><th scope="col">"City"</th><th scope="col">"Sections"</th><th scope="col">"Seats"</th></tr></thead>
                <tbody>
                    {venues.into_iter().map(|v| {
                        let seats: i64 = v.sections.iter().map(|s| s.capacity).sum();
                        let sections = v.sections.iter().map(|s| format!("{} ({})", s.name, s.capacity)).collect::<Vec<_>>().join(", ");
                        view! { <tr><td data-label="Venue">{v.name}</td><td data-label="City">{v.city}</td><td data-label="Sections">{sections}</td><td data-label="Seats">{seats}</td></tr> }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
    .into_any()
}

#[component]
fn NewVenue(create: ServerAction<NewVenueForm>) -> impl IntoView {
    let rows = RwSignal::new(3usize);
    let result = create.value();
    let err = move |field: &'static str| move || field_error(result.get(), field).map(|m| view! { <p class="field-error">{m}</p> });
    let created = move || match result.get() {
        Some(Ok(v)) => Some(view! { <p class="notice notice-success" role="status">{format!("{} was created with {} sections.", v.name, v.sections.len())}</p> }),
        _ => None,
    };
    view! {
        <section class="card form-card">
            <h2>"New venue"</h2>
            {created}
            <ActionForm action=create>
                <div class="field">
                    <label for="venue-name">"Name"</label>
                    <input id="venue-name" name="name" required maxlength="120"/>
                    {err("name")}
                </div>
                <div class="field-row">
                    <div class="field">
                        <label for="venue-city">"City"</label>
                        <input id="venue-city" name="city" required maxlength="80"/>
                        {err("city")}
                    </div>
                    <div class="field">
                        <label for="venue-address">"Address (optional)"</label>
                        <input id="venue-address" name="address" maxlength="200"/>
                        {err("address")}
                    </div>
                </div>
                <fieldset class="sections">
                    <legend>"Sections"</legend>
                    <p class="hint">"Seats are laid out in rows lettered A, B, C… from the stage, numbered from the left. Leave a row blank to skip it."</p>
                    <For each=move || 0..rows.get() key=|i| *i let:i>
                        <div class="field-row section-row">
                            <div class="field">
                                <label for=format!("section-{i}-name")>{format!("Section {} name", i + 1)}</label>
                                <input id=format!("section-{i}-name") name=format!("sections[{i}][name]") maxlength="60" required=i == 0/>
                            </div>
                            <div class="field">
                                <label for=format!("section-{i}-rows")>"Rows"</label>
                                <input id=format!("section-{i}-rows") name=format!("sections[{i}][rows]") type="number" min="1" max="60" inputmode="numeric" required=i == 0/>
                            </div>
                            <div class="field">
                                <label for=format!("section-{i}-seats")>"Seats per row"</label>
                                <input id=format!("section-{i}-seats") name=format!("sections[{i}][seats_per_row]") type="number" min="1" max="80" inputmode="numeric" required=i == 0/>
                            </div>
                        </div>
                    </For>
                    <button type="button" class="btn btn-small" on:click=move |_| rows.update(|n| *n = (*n + 1).min(20))>"Add a section"</button>
                    {err("sections")}
                </fieldset>
                {move || form_error(result.get()).map(|e| view! { <ErrorNotice error=e/> })}
                <button type="submit" class="btn btn-primary" disabled=create.pending()>"Create venue"</button>
            </ActionForm>
        </section>
    }
}

#[component]
pub fn NewEventPage() -> impl IntoView {
    let venues = Resource::new(|| (), |_| organizer_venues());
    view! {
        <PageTitle text="New event"/>
        <p class="breadcrumbs"><A href="/organizer">"Your events"</A></p>
        <h1>"New event"</h1>
        <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || venues.get().map(|result| match result {
                Ok(list) if list.is_empty() => view! {
                    <p>"An event takes place at a venue. " <A href="/organizer/venues">"Create a venue first"</A> "."</p>
                }.into_any(),
                Ok(list) => view! { <EventForm venues=list/> }.into_any(),
                Err(e) => view! { <Failure error=e/> }.into_any(),
            })}
        </Suspense>
    }
}

#[component]
fn EventForm(venues: Vec<VenueView>) -> impl IntoView {
    let create = ServerAction::<NewEventForm>::new();
    let result = create.value();
    let err = move |field: &'static str| move || field_error(result.get(), field).map(|m| view! { <p class="field-error">{m}</p> });
    let selected = RwSignal::new(venues.first().map(|v| v.id.clone()).unwrap_or_default());
    let venues = StoredValue::new(venues);
    let sections = move || venues.with_value(|vs| vs.iter().find(|v| v.id == selected.get()).map(|v| v.sections.clone()).unwrap_or_default());
    view! {
        <section class="card form-card">
            <ActionForm action=create>
                <div class="field">
                    <label for="event-title">"Title"</label>
                    <input id="event-title" name="title" required maxlength="120"/>
                    {err("title")}
                </div>
                <div class="field-row">
                    <div class="field">
                        <label for="event-category">"Category"</label>
                        <input id="event-category" name="category" required maxlength="40" list="categories" placeholder="concert"/>
                        <datalist id="categories">
                            {["concert", "theatre", "comedy", "sports", "family", "festival"].map(|c| view! { <option value=c></option> }).collect_view()}
                        </datalist>
                        {err("category")}
                    </div>
                    <div class="field">
                        <label for="event-currency">"Currency"</label>
                        <select id="event-currency" name="currency">
                            {["EUR", "USD", "GBP", "MXN"].map(|c| view! { <option value=c>{c}</option> }).collect_view()}
                        </select>
                        {err("currency")}
                    </div>
                    <div class="field">
                        <label for="event-seat-limit">"Most seats per buyer"</label>
                        <input id="event-seat-limit" name="max_seats_per_buyer" type="number" inputmode="numeric"
                            min="1" max=crate::catalog::rules::MOST_SEATS_PER_BUYER value=crate::catalog::rules::DEFAULT_SEATS_PER_BUYER
                            aria-describedby="event-seat-limit-help"/>
                        <small id="event-seat-limit-help" class="muted">"Held or waiting for payment at once."</small>
                        {err("max_seats_per_buyer")}
                    </div>
                </div>
                <div class="field">
                    <label for="event-description">"Description"</label>
                    <textarea id="event-description" name="description" rows="4" maxlength="4000"></textarea>
                    {err("description")}
                </div>
                <div class="field-row">
                    <div class="field">
                        <label for="event-starts">"Starts (UTC)"</label>
                        <input id="event-starts" name="starts_at" type="datetime-local" required/>
                        {err("starts_at")}
                    </div>
                    <div class="field">
                        <label for="event-ends">"Ends (UTC)"</label>
                        <input id="event-ends" name="ends_at" type="datetime-local" required/>
                        {err("ends_at")}
                    </div>
                </div>
                <div class="field">
                    <label for="event-venue">"Venue"</label>
                    <select id="event-venue" name="venue_id" on:change=move |ev| selected.set(event_target_value(&ev))>
                        {venues.get_value().into_iter().map(|v| view! { <option value=v.id.clone()>{format!("{}, {}", v.name, v.city)}</option> }).collect_view()}
                    </select>
                    {err("venue_id")}
                </div>
                <fieldset class="prices">
                    <legend>"Price per section"</legend>
                    {move || sections().into_iter().enumerate().map(|(i, s)| view! {
                        <div class="field">
                            <input type="hidden" name=format!("prices[{i}][section_id]") value=s.id.clone()/>
                            <label for=format!("price-{i}")>{format!("{} ({} seats)", s.name, s.capacity)}</label>
                            <input id=format!("price-{i}") name=format!("prices[{i}][price]") inputmode="decimal" required placeholder="25.00"/>
                        </div>
                    }).collect_view()}
                    {err("prices")}
                </fieldset>
                {move || form_error(result.get()).map(|e| view! { <ErrorNotice error=e/> })}
                <p class="hint">"The event is saved as a draft; put it on sale from your events."</p>
                <button type="submit" class="btn btn-primary" disabled=create.pending()>"Create event"</button>
            </ActionForm>
        </section>
    }
}
