//! My tickets, and one ticket with its QR code.

use leptos::prelude::*;
use crate::ui::PageTitle;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;

use crate::tickets::api::{get_ticket, my_tickets};
use crate::tickets::{Ticket, TicketStatus};
use crate::time_fmt::event_datetime;
use crate::ui::{Failure, MyListPage};

#[component]
pub fn MyTicketsPage() -> impl IntoView {
    view! {
        <MyListPage title="My tickets" empty="No tickets yet." base="/tickets" list_class="ticket-list" load=my_tickets item=ticket_item/>
    }
}

fn ticket_item(t: Ticket) -> AnyView {
    view! {
        <li class="card">
            <A href=format!("/tickets/{}", t.id)>{format!("{} — {}, row {}, seat {}", t.event_title, t.section, t.row, t.number)}</A>
            <span class="muted">{event_datetime(t.event_starts_at)}</span>
            {(t.status == TicketStatus::Void).then(|| view! { <span class="chip chip-warn">"Void"</span> })}
        </li>
    }
    .into_any()
}

#[component]
pub fn TicketPage() -> impl IntoView {
    let params = use_params_map();
    let ticket = Resource::new(move || params.read().get("id").unwrap_or_default(), get_ticket);
    view! {
        <PageTitle text="Ticket"/>
        <Suspense fallback=|| view! { <p class="muted">"Loading ticket…"</p> }>
            {move || ticket.get().map(|result| match result {
                Ok(t) => view! { <TicketView ticket=t/> }.into_any(),
                Err(e) => view! { <Failure error=e/> }.into_any(),
            })}
        </Suspense>
    }
}

#[component]
fn TicketView(ticket: Ticket) -> impl IntoView {
    let void = ticket.status == TicketStatus::Void;
    // A void ticket shows no code: its signature would still verify at a door that has
    // not fetched the event's revocations yet.
    let admission = match (ticket.code.clone(), ticket.qr_svg.clone()) {
        (Some(code), Some(qr)) if !void => view! {
            <div class="qr" role="img" aria-label="Ticket QR code" inner_html=qr></div>
            <p class="ticket-code"><code>{code}</code></p>
            <a class="btn" href=format!("/api/v1/tickets/{}/qr.svg", ticket.id) download>"Download QR code"</a>
        }
        .into_any(),
        _ => view! {
            <p class="notice notice-warn" role="status">"This ticket is void: its order was cancelled or refunded, and it will not be let in."</p>
        }
        .into_any(),
    };
    view! {
        <article class="card ticket" class:void=void>
            <h1>{ticket.event_title.clone()}</h1>
            <p class="event-when">{event_datetime(ticket.event_starts_at)}</p>
            <p class="muted">{ticket.venue.clone()}</p>
            <dl class="facts">
                <dt>"Seat"</dt><dd>{format!("{}, row {}, seat {}", ticket.section, ticket.row, ticket.number)}</dd>
                <dt>"Holder"</dt><dd>{ticket.holder.clone()}</dd>
                <dt>"Status"</dt><dd>{if void { "Void" } else { "Valid" }}</dd>
            </dl>
            {admission}
        </article>
    }
}
