//! The organizer's dashboard: every managed event with its seats sold, held and
//! available, revenue, the CSV export, and the on-sale switch.

use leptos::prelude::*;
use crate::ui::PageTitle;
use leptos_router::components::A;

use crate::catalog::organizer::api::{organizer_dashboard, SetEventStatus};
use crate::catalog::{EventStatus, SalesReport};
use crate::i18n::{msg, use_i18n};
use crate::ui::{ErrorNotice, Failure};

/// A stacked bar of sold, held and available seats.
#[component]
fn SeatBar(report: SalesReport) -> impl IntoView {
    let i18n = use_i18n();
    let n = |v: i64| i18n.fmt().number(v);
    let total = report.seats_total.max(1) as f64;
    let sold = report.sold as f64 / total * 100.0;
    let held = report.held as f64 / total * 100.0;
    let label = i18n.tf(
        msg::organizer::SEAT_BAR_LABEL,
        &[("sold", &n(report.sold)), ("held", &n(report.held)), ("available", &n(report.available)), ("total", &n(report.seats_total))],
    );
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
    let i18n = use_i18n();
    let set_status = ServerAction::<SetEventStatus>::new();
    let events = Resource::new(move || set_status.version().get(), |_| organizer_dashboard());
    view! {
        <PageTitle text=i18n.t(msg::organizer::TITLE)/>
        <div class="page-head">
            <h1>{i18n.t(msg::organizer::YOUR_EVENTS)}</h1>
            <div class="actions">
                <A href="/organizer/new" attr:class="btn btn-primary">{i18n.t(msg::organizer::NEW_EVENT)}</A>
                <A href="/organizer/venues" attr:class="btn">{i18n.t(msg::organizer::VENUES)}</A>
                <A href="/door" attr:class="btn">{i18n.t(msg::door::TITLE)}</A>
            </div>
        </div>
        {move || set_status.value().get().and_then(|r| r.err()).map(|e| view! { <ErrorNotice error=e/> })}
        <Transition fallback=move || view! { <p class="muted">{i18n.t(msg::ui::LOADING)}</p> }>
            {move || events.get().map(|result| match result {
                Ok(list) => {
                    let revenue: i64 = list.iter().map(|r| r.revenue_cents).sum();
                    let sold: i64 = list.iter().map(|r| r.sold).sum();
                    let currency = list.first().map(|r| r.currency.clone()).unwrap_or_else(|| "EUR".into());
                    view! {
                        <section class="kpis">
                            <div class="card kpi"><span>{i18n.t(msg::organizer::EVENTS)}</span><strong>{i18n.fmt().number(list.len() as i64)}</strong></div>
                            <div class="card kpi"><span>{i18n.t(msg::organizer::TICKETS_SOLD)}</span><strong>{i18n.fmt().number(sold)}</strong></div>
                            <div class="card kpi"><span>{i18n.t(msg::organizer::REVENUE)}</span><strong>{i18n.fmt().money(revenue, &currency)}</strong></div>
                        </section>
                        <div class="table-wrap">
                            <table class="data stack">
                                <thead><tr>
                                    <th scope="col">{i18n.t(msg::organizer::EVENT)}</th>
                                    <th scope="col">{i18n.t(msg::organizer::STATUS)}</th>
                                    <th scope="col">{i18n.t(msg::organizer::SEATS)}</th>
                                    <th scope="col">{i18n.t(msg::organizer::REVENUE)}</th>
                                    <th scope="col">{i18n.t(msg::organizer::ACTIONS)}</th>
                                </tr></thead>
                                <tbody>
                                    {list.into_iter().map(|r| {
                                        let id = r.event_id.clone();
                                        let csv_href = format!("/api/v1/events/{id}/orders.csv");
                                        let door_href = format!("/door/{id}");
                                        let title = r.title.clone();
                                        view! {
                                            <tr>
                                                <td data-label=i18n.t(msg::organizer::EVENT)>{r.title.clone()}</td>
                                                <td data-label=i18n.t(msg::organizer::STATUS)>{i18n.t(r.status.label())}</td>
                                                <td class="bar-cell" data-label=i18n.t(msg::organizer::SEATS)>
                                                    <SeatBar report=r.clone()/>
                                                    <span class="muted">{i18n.tf(msg::organizer::SOLD_OF, &[("sold", &i18n.fmt().number(r.sold)), ("total", &i18n.fmt().number(r.seats_total))])}</span>
                                                </td>
                                                <td data-label=i18n.t(msg::organizer::REVENUE)>{i18n.fmt().money(r.revenue_cents, &r.currency)}</td>
                                                <td class="actions">
                                                    {(r.status == EventStatus::Draft).then(|| view! {
                                                        <ActionForm action=set_status>
                                                            <input type="hidden" name="id" value=id.clone()/>
                                                            <input type="hidden" name="status" value="ON_SALE"/>
                                                            <button type="submit" class="btn btn-small btn-primary" aria-label=i18n.tf(msg::organizer::PUT_TITLE_ON_SALE, &[("title", &title)])>{i18n.t(msg::organizer::PUT_ON_SALE)}</button>
                                                        </ActionForm>
                                                    })}
                                                    <a class="btn btn-small" href=csv_href download>{i18n.t(msg::organizer::ORDERS_CSV)}</a>
                                                    <A href=door_href attr:class="btn btn-small">{i18n.t(msg::organizer::DOOR)}</A>
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
