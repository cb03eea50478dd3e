//! The organizer's dashboard: every managed event with its seats sold, held and
//! available, revenue, the CSV export, and the on-sale switch.

use leptos::prelude::*;
use crate::ui::PageTitle;
use leptos_router::components::A;

use crate::catalog::organizer::api::{organizer_dashboard, SetEventStatus};
use crate::catalog::{EventStatus, SalesReport};
use crate::time_fmt::money;
use crate::ui::{ErrorNotice, Failure};

/// A stacked bar of sold, held and available seats.
#[component]
fn SeatBar(report: SalesReport) -> impl IntoView {
    let total = report.seats_total.max(1) as f64;
    let sold = report.sold as f64 / total * 100.0;
    let held = report.held as f64 / total * 100.0;
    let label = format!("{} sold, {} held, {} available of {}", report.sold, report.held, report.available, report.seats_total);
    view! {
        <svg class="seat-bar" viewBox="0 0 100 10" preserveAspectRatio="none" role="img" aria-label=label>
            <rect class="bar-available" x="0" y="0" width="100" height="10"/>
            <rect class="bar-sold" x="0" y="0" width=format!("{sold:.2}") height="10"/>
            <rect class="bar-held" x=format!("{sold:.2}") y="0" width=format!("{held:.2}") height="10"/>
        </svg>
    }
}

#[component]
pub fn OrganizerPage() -> impl IntoView {
    let set_status = ServerAction::<SetEventStatus>::new();
    let events = Resource::new(move || set_status.version().get(), |_| organizer_dashboard());
    view! {
        <PageTitle text="Organizer"/>
        <div class="page-head">
            <h1>"Your events"</h1>
            <div class="actions">
                <A href="/organizer/events/new" attr:class="btn btn-primary">"New event"</A>
                <A href="/organizer/venues" attr:class="btn">"Venues"</A>
            </div>
        </div>
        {move || set_status.value().get().and_then(|r| r.err()).map(|e| view! { <ErrorNotice error=e/> })}
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || events.get().map(|result| match result {
                Ok(list) => {
                    let revenue: i64 = list.iter().map(|r| r.revenue_cents).sum();
                    let sold: i64 = list.iter().map(|r| r.sold).sum();
                    let currency = list.first().map(|r| r.currency.clone()).unwrap_or_else(|| "EUR".into());
                    view! {
                        <section class="kpis">
                            <div class="card kpi"><span>"Events"</span><strong>{list.len()}</strong></div>
                            <div class="card kpi"><span>"Tickets sold"</span><strong>{sold}</strong></div>
                            <div class="card kpi"><span>"Revenue"</span><strong>{money(revenue, &currency)}</strong></div>
                        </section>
                        <div class="table-wrap">
                            <table class="data stack">
                                <thead><tr><th scope="col">"Event"</th><th scope="col">"Status"</th><th scope="col">"Seats"</th><th scope="col">"Revenue"</th><th scope="col">"Actions"</th></tr></thead>
                                <tbody>
                                    {list.into_iter().map(|r| {
                                        let id = r.event_id.clone();
                                        let csv_href = format!("/api/v1/events/{id}/orders.csv");
                                        let title = r.title.clone();
                                        view! {
                                            <tr>
                                                <td data-label="Event">{r.title.clone()}</td>
                                                <td data-label="Status">{r.status.label()}</td>
                                                <td class="bar-cell" data-label="Seats"><SeatBar report=r.clone()/><span class="muted">{format!("{} / {} sold", r.sold, r.seats_total)}</span></td>
                                                <td data-label="Revenue">{money(r.revenue_cents, &r.currency)}</td>
                                                <td class="actions">
                                                    {(r.status == EventStatus::Draft).then(|| view! {
                                                        <ActionForm action=set_status>
                                                            <input type="hidden" name="id" value=id.clone()/>
                                                            <input type="hidden" name="status" value="ON_SALE"/>
                                                            <button type="submit" class="btn btn-small btn-primary" aria-label=format!("Put {title} on sale")>"Put on sale"</button>
                                                        </ActionForm>
                                                    })}
                                                    <a class="btn btn-small" href=csv_href download>"Orders CSV"</a>
                                                </td>
                                            </tr>
                                        }
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                    }.into_any()
                }
                Err(e) => view! { <Failure error=e/> }.into_any(),
            })}
        </Transition>
    }
}
