//! Home, event list and event pages.

use leptos::prelude::*;
use crate::ui::PageTitle;
use leptos_router::components::A;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::catalog::api::{get_event, list_events, load_facets, load_home};
use crate::error::AppError;
use crate::catalog::art::EventArt;
use crate::catalog::rules::{category_label, filter_query};
use crate::catalog::{EventDetail, EventFilter, EventStatus, EventSummary};
use crate::i18n::{msg, use_i18n};
use crate::ui::{ErrorNotice, Pager};

#[component]
pub fn EventCard(event: EventSummary) -> impl IntoView {
    let i18n = use_i18n();
    let href = format!("/events/{}", event.slug);
    let price = event.price_from_cents.map(|c| i18n.tf(msg::catalog::PRICE_FROM, &[("price", &i18n.fmt().money(c, &event.currency))]));
    let badge = match event.status {
        EventStatus::SoldOut => Some(i18n.t(msg::catalog::STATUS_SOLD_OUT)),
        _ if event.seats_available > 0 && event.seats_available < 20 => Some(i18n.t(msg::catalog::FEW_SEATS_LEFT)),
        _ => None,
    };
    let art_href = href.clone();
    let category = category_label(&event.category);
    let title = event.title.clone();
    let when = i18n.fmt().datetime(event.starts_at_local);
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
    let i18n = use_i18n();
    let events = Resource::new(|| (), |_| load_home());
    view! {
        <PageTitle text=""/>
        <section class="hero">
            <h1>{i18n.t(msg::catalog::HERO_TITLE)}</h1>
            <p>{i18n.t(msg::catalog::HERO_TEXT)}</p>
            <form method="get" action="/events" class="hero-search" role="search">
                <label for="hero-q" class="visually-hidden">{i18n.t(msg::catalog::SEARCH_EVENTS)}</label>
                <input id="hero-q" type="search" name="q" placeholder=i18n.t(msg::catalog::HERO_SEARCH_PLACEHOLDER)/>
                <button type="submit" class="btn btn-primary">{i18n.t(msg::catalog::SEARCH)}</button>
            </form>
        </section>
        <Suspense fallback=move || view! { <p class="muted">{i18n.t(msg::catalog::LOADING_EVENTS)}</p> }>
            {move || events.get().map(|result| match result {
                Ok(home) => view! {
                    {(!home.featured.is_empty()).then(|| view! {
                        <section class="event-section" aria-labelledby="featured-heading">
                            <h2 id="featured-heading">{i18n.t(msg::catalog::FEATURED_EVENTS)}</h2>
                            <div class="event-grid">
                                {home.featured.clone().into_iter().map(|e| view! { <EventCard event=e/> }).collect_view()}
                            </div>
                        </section>
                    })}
                    <section class="event-section" aria-labelledby="upcoming-heading">
                        <h2 id="upcoming-heading">{i18n.t(msg::catalog::UPCOMING_EVENTS)}</h2>
                        <div class="event-grid">
                            {home.upcoming.clone().into_iter().map(|e| view! { <EventCard event=e/> }).collect_view()}
                        </div>
                        <p class="more"><A href="/events" attr:class="btn">{i18n.t(msg::catalog::SEE_ALL_EVENTS)}</A></p>
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
    let i18n = use_i18n();
    let query = use_query_map();
    let filter = Memo::new(move |_| filter_from_query(&query.read()));
    let events = Resource::new(move || filter.get(), list_events);
    let options = Resource::new(|| (), |_| load_facets());
    let value = move |f: fn(&EventFilter) -> &Option<String>| move || f(&filter.get()).clone().unwrap_or_default();
    view! {
        <PageTitle text=i18n.t(msg::catalog::EVENTS)/>
        <h1>{i18n.t(msg::catalog::EVENTS)}</h1>
        <form method="get" action="/events" class="filters card" role="search" aria-label=i18n.t(msg::catalog::FILTER_EVENTS)>
            <div class="field field-wide">
                <label for="f-q">{i18n.t(msg::catalog::SEARCH)}</label>
                <input id="f-q" type="search" name="q" value=value(|f| &f.q) placeholder=i18n.t(msg::catalog::SEARCH_PLACEHOLDER)/>
            </div>
            <Suspense fallback=|| ()>
                {move || options.get().map(|result| {
                    let facets = result.unwrap_or_default();
                    let current = filter.get();
                    view! {
                        <div class="field">
                            <label for="f-category">{i18n.t(msg::catalog::CATEGORY)}</label>
                            <select id="f-category" name="category">
                                <option value="">{i18n.t(msg::catalog::ALL_CATEGORIES)}</option>
                                {facets.categories.into_iter().map(|c| {
                                    let selected = current.category.as_deref().is_some_and(|v| v.eq_ignore_ascii_case(&c));
                                    view! { <option value=c.clone() selected=selected>{category_label(&c)}</option> }
                                }).collect_view()}
                            </select>
                        </div>
                        <div class="field">
                            <label for="f-city">{i18n.t(msg::catalog::CITY)}</label>
                            <select id="f-city" name="city">
                                <option value="">{i18n.t(msg::catalog::ALL_CITIES)}</option>
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
                <label for="f-from">{i18n.t(msg::catalog::FROM)}</label>
                <input id="f-from" type="date" name="from" value=value(|f| &f.from)/>
            </div>
            <div class="field">
                <label for="f-to">{i18n.t(msg::catalog::TO)}</label>
                <input id="f-to" type="date" name="to" value=value(|f| &f.to)/>
            </div>
            <div class="filter-actions">
                <button type="submit" class="btn btn-primary">{i18n.t(msg::catalog::APPLY_FILTERS)}</button>
                <A href="/events" attr:class="btn btn-ghost">{i18n.t(msg::catalog::CLEAR_FILTERS)}</A>
            </div>
        </form>
        <Suspense fallback=move || view! { <p class="muted">{i18n.t(msg::catalog::LOADING_EVENTS)}</p> }>
            {move || events.get().map(|result| match result {
                Ok(page) => {
                    let total_pages = page.total_pages();
                    let qs = filter_query(&filter.get());
                    let base = if qs.is_empty() { "/events".to_string() } else { format!("/events?{qs}") };
                    let count = match page.total {
                        0 => i18n.t(msg::catalog::NO_EVENTS_MATCH).to_string(),
                        n => i18n.plural(msg::catalog::EVENTS_FOUND, n, &[]),
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
/// the box office (see `routes`), for the event as loaded here.
pub type SeatPicker = fn(EventDetail) -> AnyView;

#[component]
pub fn EventPage(picker: SeatPicker) -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").unwrap_or_default();
    let event = Resource::new(id, get_event);
    let i18n = use_i18n();
    view! {
        <Suspense fallback=move || view! { <p class="muted">{i18n.t(msg::catalog::LOADING_EVENT)}</p> }>
            {move || event.get().map(|result| match result {
                Ok(detail) => view! { <EventDetails detail picker/> }.into_any(),
                Err(AppError::NotFound) => view! { <crate::ui::not_found::NotFound/> }.into_any(),
                Err(e) => view! { <ErrorNotice error=e/> }.into_any(),
            })}
        </Suspense>
    }
}

#[component]
fn EventDetails(detail: EventDetail, picker: SeatPicker) -> impl IntoView {
    let i18n = use_i18n();
    let e = detail.summary.clone();
    view! {
        <PageTitle text=e.title.clone()/>
        <article class="event-page">
            <header class="event-hero">
                <EventArt event=e.clone()/>
                <div class="event-hero-text">
                    <p><span class="chip">{category_label(&e.category)}</span> " " <span class="chip">{i18n.t(e.status.label())}</span></p>
                    <h1>{e.title.clone()}</h1>
                    <p class="event-when">
                        <time datetime=crate::i18n::format::machine(e.starts_at_local)
                            title=i18n.tf(msg::zones::LOCAL_TIME_NOTE, &[("zone", &e.time_zone)])>
                            {i18n.fmt().datetime(e.starts_at_local)}
                        </time>
                    </p>
                    <p class="event-where">{format!("{}, {} · {}", detail.venue.name, detail.venue.address, detail.venue.city)}</p>
                </div>
            </header>
            <div class="event-body">
                <section class="event-about">
                    <h2>{i18n.t(msg::catalog::ABOUT)}</h2>
                    <p>{detail.description.clone()}</p>
                    <h2>{i18n.t(msg::catalog::PRICES)}</h2>
                    <ul class="price-list">
                        {detail.prices.iter().map(|p| view! {
                            <li><span>{p.name.clone()}</span><strong>{i18n.fmt().money(p.price_cents, &p.currency)}</strong></li>
                        }).collect_view()}
                    </ul>
                </section>
                {picker(detail.clone())}
            </div>
        </article>
    }
}
