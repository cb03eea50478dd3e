//! My tickets, and one ticket with its QR code.

use leptos::prelude::*;
use crate::ui::PageTitle;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;

use crate::error::AppError;
use crate::paging::Page;
use crate::tickets::api::{get_ticket, my_tickets};
#[cfg(any(feature = "ssr", feature = "hydrate"))]
use crate::tickets::codes::draw_qr;
use crate::tickets::{Ticket, TicketStatus};
use crate::ui::mine::{self, SyncStatus};
use crate::catalog::seat_label;
use crate::i18n::{msg, use_i18n};
use crate::ui::{Failure, MyListPage};

#[component]
pub fn MyTicketsPage() -> impl IntoView {
    view! {
        <SyncStatus/>
        <MyListPage title=msg::tickets::MY_TICKETS empty=msg::tickets::NO_TICKETS base="/tickets" list_class="ticket-list" load=load_tickets item=ticket_item/>
    }
}

/// My tickets, from the server or, offline, as this device kept them (soonest event
/// first, then by seat, as the server lists them).
fn load_tickets(page: i64) -> impl std::future::Future<Output = Result<Page<Ticket>, AppError>> + Send + 'static {
    let by_event = |a: &Ticket, b: &Ticket| (a.event_starts_at, &a.section, &a.row, a.number).cmp(&(b.event_starts_at, &b.section, &b.row, b.number));
    mine::page_or_kept(Ticket::KEPT, page, |t| t.id.to_string(), |_| true, by_event, my_tickets(page))
}

fn ticket_item(t: Ticket) -> AnyView {
    let i18n = use_i18n();
    view! {
        <li class="card">
            <A href=format!("/tickets/{}", t.id)>{format!("{} — {}", t.event_title, seat_label(i18n, &t.section, &t.row, t.number))}</A>
            <span class="muted">{i18n.fmt().datetime(t.event_starts_at_local)}</span>
            {(t.status == TicketStatus::Void).then(|| view! { <span class="chip chip-warn">{i18n.t(msg::tickets::VOID)}</span> })}
        </li>
    }
    .into_any()
}

#[component]
pub fn TicketPage() -> impl IntoView {
    let params = use_params_map();
    let ticket = Resource::new(
        move || (params.read().get("id").unwrap_or_default(), mine::version()),
        |(id, _)| mine::one_or_kept(Ticket::KEPT, id.clone(), get_ticket(id)),
    );
    let i18n = use_i18n();
    view! {
        <PageTitle text=i18n.t(msg::tickets::TICKET)/>
        <SyncStatus/>
        <Suspense fallback=move || view! { <p class="muted">{i18n.t(msg::tickets::LOADING)}</p> }>
            {move || ticket.get().map(|result| match result {
                Ok(t) => view! { <TicketView ticket=t/> }.into_any(),
                Err(e) => view! { <Failure error=e/> }.into_any(),
            })}
        </Suspense>
    }
}

/// Without a side to run on (a build of the crate alone), nothing is drawn.
#[cfg(not(any(feature = "ssr", feature = "hydrate")))]
fn draw_qr(_: &str) -> Option<String> {
    None
}

#[component]
fn TicketView(ticket: Ticket) -> impl IntoView {
    let i18n = use_i18n();
    let void = ticket.status == TicketStatus::Void;
    // A void ticket shows no code: its signature would still verify at a door that has
    // not fetched the event's revocations yet.
    // A ticket kept from a list has its code but no drawing: drawn here, offline too.
    let qr = ticket.qr_svg.clone().or_else(|| ticket.code.as_deref().and_then(draw_qr));
    let admission = match (ticket.code.clone(), qr) {
        (Some(code), Some(qr)) if !void => view! {
            <div class="qr" role="img" aria-label=i18n.t(msg::tickets::QR) inner_html=qr></div>
            <p class="ticket-code"><code>{code}</code></p>
            <a class="btn" href=format!("/api/v1/tickets/{}/qr.svg", ticket.id) download>{i18n.t(msg::tickets::DOWNLOAD)}</a>
        }
        .into_any(),
        _ => view! {
            <p class="notice notice-warn" role="status">{i18n.t(msg::tickets::VOID_NOTICE)}</p>
        }
        .into_any(),
    };
    view! {
        <article class="card ticket" class:void=void>
            <h1>{ticket.event_title.clone()}</h1>
            <p class="event-when">{i18n.fmt().datetime(ticket.event_starts_at_local)}</p>
            <p class="muted">{ticket.venue.clone()}</p>
            <dl class="facts">
                <dt>{i18n.t(msg::tickets::SEAT)}</dt><dd>{seat_label(i18n, &ticket.section, &ticket.row, ticket.number)}</dd>
                <dt>{i18n.t(msg::tickets::HOLDER)}</dt><dd>{ticket.holder.clone()}</dd>
                <dt>{i18n.t(msg::tickets::STATUS)}</dt><dd>{i18n.t(if void { msg::tickets::VOID } else { msg::tickets::VALID })}</dd>
            </dl>
            {admission}
        </article>
    }
}
