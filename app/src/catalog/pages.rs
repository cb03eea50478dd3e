//! Home, event list and event pages.

use leptos::prelude::*;
use crate::ui::PageTitle;
use leptos_router::components::A;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::catalog::api::{get_event, get_seats, list_events, load_facets, load_home};
use crate::error::AppError;
use crate::catalog::art::EventArt;
use crate::catalog::rules::{category_label, filter_query};
use crate::catalog::{EventDetail, EventFilter, EventStatus, EventSummary, SeatView};
use crate::time_fmt::{event_datetime, money};
use crate::ui::{ErrorNotice, Pager};

#[component]
pub fn EventCard(event: EventSummary) -> impl IntoView {
    let href = format!("/events/{}", event.slug);
    let price = event.price_from_cents.map(|c| format!("from {}", money(c, &event.currency)));
    let badge = match event.status {
        EventStatus::SoldOut => Some("Sold out"),
        _ if event.seats_available > 0 && event.seats_available < 20 => Some("Few seats left"),
        _ => None,
    };
    let art_href = href.clone();
    let category = category_label(&event.category);
    let title = event.title.clone();
    let when = event_datetime(event.starts_at);
    let place = format!("{} · {}", event.venue_name, event.city);
    view! {
        <article class="event-card">
            <a href=art_href class="event-card-art" tabindex="-1" aria-hidden="true">
                <EventArt event=event/>
            </a>
            <div class="event-card-body">
                <p class="event-card-meta">
                    <span class="chip">{category}</span>
                    {badge.map(|b| view! { <span class="chip chip-warn">{b}</span> })}
                </p>
                <h3><a href=href>{title}</a></h3>
                <p class="event-card-when">{when}</p>
                <p class="event-card-where">{place}</p>
                {price.map(|p| view! { <p class="event-card-price">{p}</p> })}
            </div>
        </article>
    }
}

#[component]
pub fn HomePage() -> impl IntoView {
    let events = Resource::new(|| (), |_| load_home());
    view! {
        <PageTitle text=""/>
        <section class="hero">
            <h1>"Live events, the best seats, no queues."</h1>
            <p>"Concerts, theatre, sport and more. Pick your seats on the map, pay in seconds, and keep your tickets on your phone — even offline."</p>
            <form method="get" action="/events" class="hero-search" role="search">
                <label for="hero-q" class="visually-hidden">"Search events"</label>
                <input id="hero-q" type="search" name="q" placeholder="Artist, show, team or venue"/>
                <button type="submit" class="btn btn-primary">"Search"</button>
            </form>
        </section>
        <Suspense fallback=|| view! { <p class="muted">"Loading events…"</p> }>
            {move || events.get().map(|result| match result {
                Ok(home) => view! {
                    {(!home.featured.is_empty()).then(|| view! {
                        <section class="event-section" aria-labelledby="featured-heading">
                            <h2 id="featured-heading">"Featured events"</h2>
                            <div class="event-grid">
                                {home.featured.clone().into_iter().map(|e| view! { <EventCard event=e/> }).collect_view()}
                            </div>
                        </section>
                    })}
                    <section class="event-section" aria-labelledby="upcoming-heading">
                        <h2 id="upcoming-heading">"Upcoming events"</h2>
                        <div class="event-grid">
                            {home.upcoming.clone().into_iter().map(|e| view! { <EventCard event=e/> }).collect_view()}
                        </div>
                        <p class="more"><A href="/events" attr:class="btn">"See all events"</A></p>
                    </section>
                }.into_any(),
                Err(e) => view! { <ErrorNotice error=e/> }.into_any(),
            })}
        </Suspense>
    }
}

fn filter_from_query(q: &leptos_router::params::ParamsMap) -> EventFilter {
    EventFilter {
        q: q.get("q"),
        category: q.get("category"),
        city: q.get("city"),
        from: q.get("from"),
        to: q.get("to"),
        page: q.get("page").and_then(|p| p.trim().parse().ok()),
    }
}

#[component]
pub fn EventListPage() -> impl IntoView {
    let query = use_query_map();
    let filter = Memo::new(move |_| filter_from_query(&query.read()));
    let events = Resource::new(move || filter.get(), list_events);
    let options = Resource::new(|| (), |_| load_facets());
    let value = move |f: fn(&EventFilter) -> &Option<String>| move || f(&filter.get()).clone().unwrap_or_default();
    view! {
        <PageTitle text="Events"/>
        <h1>"Events"</h1>
        <form method="get" action="/events" class="filters card" role="search" aria-label="Filter events">
            <div class="field field-wide">
                <label for="f-q">"Search"</label>
                <input id="f-q" type="search" name="q" value=value(|f| &f.q) placeholder="Artist, show, venue…"/>
            </div>
            <Suspense fallback=|| ()>
                {move || options.get().map(|result| {
                    let facets = result.unwrap_or_default();
                    let current = filter.get();
                    view! {
                        <div class="field">
                            <label for="f-category">"Category"</label>
                            <select id="f-category" name="category">
                                <option value="">"All categories"</option>
                                {facets.categories.into_iter().map(|c| {
                                    let selected = current.category.as_deref().is_some_and(|v| v.eq_ignore_ascii_case(&c));
                                    view! { <option value=c.clone() selected=selected>{category_label(&c)}</option> }
                                }).collect_view()}
                            </select>
                        </div>
                        <div class="field">
                            <label for="f-city">"City"</label>
                            <select id="f-city" name="city">
                                <option value="">"All cities"</option>
                                {facets.cities.into_iter().map(|c| {
                                    let selected = current.city.as_deref().is_some_and(|v| v.eq_ignore_ascii_case(&c));
                                    view! { <option value=c.clone() selected=selected>{c.clone()}</option> }
                                }).collect_view()}
                            </select>
                        </div>
                    }
                })}
            </Suspense>
            <div class="field">
                <label for="f-from">"From"</label>
                <input id="f-from" type="date" name="from" value=value(|f| &f.from)/>
            </div>
            <div class="field">
                <label for="f-to">"To"</label>
                <input id="f-to" type="date" name="to" value=value(|f| &f.to)/>
            </div>
            <div class="filter-actions">
                <button type="submit" class="btn btn-primary">"Apply filters"</button>
                <A href="/events" attr:class="btn btn-ghost">"Clear filters"</A>
            </div>
        </form>
        <Suspense fallback=|| view! { <p class="muted">"Loading events…"</p> }>
            {move || events.get().map(|result| match result {
                Ok(page) => {
                    let total_pages = page.total_pages();
                    let qs = filter_query(&filter.get());
                    let base = if qs.is_empty() { "/events".to_string() } else { format!("/events?{qs}") };
                    let count = match page.total {
                        0 => "No events match these filters.".to_string(),
                        1 => "1 event found".to_string(),
                        n => format!("{n} events found"),
                    };
                    view! {
                        <p class="result-count" role="status">{count}</p>
                        <div class="event-grid">
                            {page.items.into_iter().map(|e| view! { <EventCard event=e/> }).collect_view()}
                        </div>
                        {(total_pages > 1).then(|| view! { <Pager base page=page.page total_pages/> })}
                    }.into_any()
                }
                Err(e) => view! { <ErrorNotice error=e/> }.into_any(),
            })}
        </Suspense>
    }
}

/// What an event page shows of its seats: the seat map and how to hold seats, given by
/// the box office (see `routes`), with the event and its seats as loaded here.
pub type SeatPicker = fn(EventDetail, Resource<Result<Vec<SeatView>, AppError>>) -> AnyView;

#[component]
pub fn EventPage(picker: SeatPicker) -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").unwrap_or_default();
    let event = Resource::new(id, get_event);
    let seats = Resource::new(id, get_seats);
    view! {
        <Suspense fallback=|| view! { <p class="muted">"Loading event…"</p> }>
            {move || event.get().map(|result| match result {
                Ok(detail) => view! { <EventDetails detail seats picker/> }.into_any(),
                Err(crate::error::AppError::NotFound) => view! { <crate::ui::not_found::NotFound/> }.into_any(),
                Err(e) => view! { <ErrorNotice error=e/> }.into_any(),
            })}
        </Suspense>
    }
}

#[component]
fn EventDetails(detail: EventDetail, seats: Resource<Result<Vec<SeatView>, AppError>>, picker: SeatPicker) -> impl IntoView {
    let e = detail.summary.clone();
    view! {
        <PageTitle text=e.title.clone()/>
        <article class="event-page">
            <header class="event-hero">
                <EventArt event=e.clone()/>
                <div class="event-hero-text">
                    <p><span class="chip">{category_label(&e.category)}</span> " " <span class="chip">{e.status.label()}</span></p>
                    <h1>{e.title.clone()}</h1>
                    <p class="event-when">{event_datetime(e.starts_at)}</p>
                    <p class="event-where">{format!("{}, {} · {}", detail.venue.name, detail.venue.address, detail.venue.city)}</p>
                </div>
            </header>
            <div class="event-body">
                <section class="event-about">
                    <h2>"About"</h2>
                    <p>{detail.description.clone()}</p>
                    <h2>"Prices"</h2>
                    <ul class="price-list">
                        {detail.prices.iter().map(|p| view! {
                            <li><span>{p.name.clone()}</span><strong>{money(p.price_cents, &p.currency)}</strong></li>
                        }).collect_view()}
                    </ul>
                </section>
                {picker(detail.clone(), seats)}
            </div>
        </article>
    }
}
