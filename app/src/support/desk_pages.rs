//! The agent desk: the queues (assigned to me, unassigned, all for administrators) with
//! filters, search and paging, the agent's availability, and one support ticket with its
//! whole conversation, internal notes included.

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::i18n::{msg, use_i18n};
use crate::support::api::{
    desk_agents, get_support_ticket, my_agent, AssignSupportTicket, support_order, support_tickets, MoveSupportTicket, RefundSupportOrder, ReplySupportTicket, ResendSupportTickets, SetMyAvailability,
    TakeSupportTicket,
};
use crate::support::model::{Availability, Category, SupportStatus, SupportTicket};
use crate::support::ticket_views::{Conversation, MoveButtons, ReplyDraft, ReplyForm, StatusChip, TicketHead};
use crate::support::rules::Mover;
use crate::ui::{form_error, ErrorNotice, Failure, PageTitle, Pager};
use crate::users::session_ui::use_session;
use crate::users::Role;

/// The desk's queues, as the page's query names them.
const QUEUES: [(&str, crate::i18n::Msg); 3] =
    [("ASSIGNED", msg::support::QUEUE_ASSIGNED), ("UNASSIGNED", msg::support::QUEUE_UNASSIGNED), ("ALL", msg::support::QUEUE_ALL)];

#[component]
pub fn DeskPage() -> impl IntoView {
    let query = use_query_map();
    let get = move |name: &str| query.read().get(name).unwrap_or_default();
    let queue = move || Some(get("queue")).filter(|q| !q.is_empty()).unwrap_or_else(|| "ASSIGNED".into());
    let list = Resource::new(
        move || (queue(), get("status"), get("category"), get("q"), get("overdue") == "1", get("page").parse::<i64>().unwrap_or(1).max(1)),
        |(queue, status, category, q, overdue, page)| support_tickets(queue, status, category, q, overdue, page),
    );
    let session = use_session();
    let admin = move || session.user.get().and_then(|r| r.ok()).flatten().is_some_and(|u| u.role == Role::Admin);
    let i18n = use_i18n();
    view! {
        <PageTitle text=i18n.t(msg::support::DESK)/>
        <div class="page-head">
            <h1>{i18n.t(msg::support::DESK)}</h1>
        </div>
        <AvailabilitySwitch/>
        <Show when=admin><AgentsTable/></Show>
        <nav class="tabs" aria-label=i18n.t(msg::support::QUEUES)>
            {QUEUES.into_iter().map(|(name, label)| {
                let shown = move || name != "ALL" || admin();
                view! {
                    <Show when=shown>
                        <A href=format!("/desk?queue={name}") attr:aria-current=move || (queue() == name).then_some("page")>{i18n.t(label)}</A>
                    </Show>
                }
            }).collect_view()}
        </nav>
        // A plain form: the filters are the page's query, with or without JavaScript.
        <form method="get" action="/desk" class="filters card">
            <input type="hidden" name="queue" value=queue/>
            <div class="field">
                <label for="desk-q">{i18n.t(msg::support::SEARCH)}</label>
                <input id="desk-q" type="search" name="q" maxlength="200" value=move || get("q")/>
            </div>
            <div class="field">
                <label for="desk-status">{i18n.t(msg::support::STATUS)}</label>
                <select id="desk-status" name="status">
                    <option value="">{i18n.t(msg::support::ANY)}</option>
                    {SupportStatus::ALL.into_iter().map(|s| view! { <option value=s.as_str() selected=move || get("status") == s.as_str()>{i18n.t(s.label())}</option> }).collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="desk-category">{i18n.t(msg::support::CATEGORY)}</label>
                <select id="desk-category" name="category">
                    <option value="">{i18n.t(msg::support::ANY)}</option>
                    {Category::ALL.into_iter().map(|c| view! { <option value=c.as_str() selected=move || get("category") == c.as_str()>{i18n.t(c.label())}</option> }).collect_view()}
                </select>
            </div>
            <div class="field field-check">
                <input id="desk-overdue" type="checkbox" name="overdue" value="1" checked=move || get("overdue") == "1"/>
                <label for="desk-overdue">{i18n.t(msg::support::ONLY_OVERDUE)}</label>
            </div>
            <button type="submit" class="btn">{i18n.t(msg::support::FILTER)}</button>
        </form>
        <Suspense fallback=move || view! { <p class="muted">{i18n.t(msg::ui::LOADING)}</p> }>
            {move || list.get().map(|result| match result {
                Ok(page) if page.items.is_empty() => view! { <section class="card empty"><p>{i18n.t(msg::support::QUEUE_EMPTY)}</p></section> }.into_any(),
                Ok(page) => {
                    let total_pages = page.total_pages();
                    let base = format!("/desk?queue={}&status={}&category={}&q={}&overdue={}", queue(), get("status"), get("category"), crate::catalog::rules::encode(&get("q")), get("overdue"));
                    view! {
                        <div class="table-wrap">
                            <table class="data desk-queue">
                                <thead><tr>
                                    <th scope="col">{i18n.t(msg::support::TITLE_FIELD)}</th>
                                    <th scope="col">{i18n.t(msg::support::STATUS)}</th>
                                    <th scope="col">{i18n.t(msg::support::PRIORITY)}</th>
                                    <th scope="col">{i18n.t(msg::support::CATEGORY)}</th>
                                    <th scope="col">{i18n.t(msg::support::CUSTOMER)}</th>
                                    <th scope="col">{i18n.t(msg::support::AGENT)}</th>
                                    <th scope="col">{i18n.t(msg::support::DUE)}</th>
                                </tr></thead>
                                <tbody>{page.items.into_iter().map(queue_row).collect_view()}</tbody>
                            </table>
                        </div>
                        {(total_pages > 1).then(|| view! { <Pager base page=page.page total_pages/> })}
                    }.into_any()
                }
                Err(e) => view! { <Failure error=e/> }.into_any(),
            })}
        </Suspense>
    }
}

fn queue_row(t: SupportTicket) -> impl IntoView {
    let i18n = use_i18n();
    // The deadline that comes next: the first answer until there is one, then the resolution.
    let due = if t.first_response_at.is_none() { t.first_response_due } else { t.resolution_due };
    view! {
        <tr class:overdue=t.overdue>
            <td><A href=format!("/desk/{}", t.id)>{t.title.clone()}</A></td>
            <td><StatusChip status=t.status/></td>
            <td>{i18n.t(t.priority.label())}</td>
            <td>{i18n.t(t.category.label())}</td>
            <td>{t.requester.display_name.clone()}</td>
            <td>{t.assignee.as_ref().map(|a| a.display_name.clone()).unwrap_or_else(|| i18n.t(msg::support::NOBODY_YET).to_owned())}</td>
            <td>
                {t.overdue.then(|| view! { <span class="chip chip-danger">{i18n.t(msg::support::OVERDUE)}</span> " " })}
                <time datetime=crate::i18n::format::machine(due)>{i18n.fmt().datetime(due)}</time>
            </td>
        </tr>
    }
}

/// An agent's availability, and buttons to change it.
#[component]
fn AvailabilitySwitch() -> impl IntoView {
    let set = ServerAction::<SetMyAvailability>::new();
    let me = Resource::new(move || set.version().get(), |_| my_agent());
    let i18n = use_i18n();
    view! {
        <Suspense>
            {move || me.get().and_then(|r| r.ok()).flatten().map(|agent| view! {
                <section class="card availability" aria-label=i18n.t(msg::support::AVAILABILITY)>
                    <p>
                        {i18n.t(msg::support::AVAILABILITY)} ": " <strong>{i18n.t(agent.availability.label())}</strong>
                        " · " {i18n.plural(msg::support::OPEN_COUNT, agent.open_tickets, &[])}
                    </p>
                    <div class="support-moves">
                        {Availability::ALL.into_iter().filter(|a| *a != agent.availability).map(|a| view! {
                            <ActionForm action=set>
                                <input type="hidden" name="availability" value=a.as_str()/>
                                <button type="submit" class="btn btn-small">{i18n.tf(msg::support::SET_AVAILABILITY, &[("availability", i18n.t(a.label()))])}</button>
                            </ActionForm>
                        }).collect_view()}
                    </div>
                    {move || form_error(set.value().get()).map(|e| view! { <ErrorNotice error=e/> })}
                </section>
            })}
        </Suspense>
    }
}

#[component]
pub fn DeskTicketPage() -> impl IntoView {
    let params = use_params_map();
    let reply = ServerAction::<ReplySupportTicket>::new();
    let draft = ReplyDraft::of(reply);
    let moved = ServerAction::<MoveSupportTicket>::new();
    let take = ServerAction::<TakeSupportTicket>::new();
    let assign = ServerAction::<AssignSupportTicket>::new();
    let ticket = Resource::new(
        move || (params.read().get("id").unwrap_or_default(), reply.version().get(), moved.version().get(), take.version().get() + assign.version().get()),
        |(id, _, _, _)| get_support_ticket(id),
    );
    let session = use_session();
    let admin = move || session.user.get().and_then(|r| r.ok()).flatten().is_some_and(|u| u.role == Role::Admin);
    let i18n = use_i18n();
    view! {
        <PageTitle text=i18n.t(msg::support::TICKET)/>
        <Suspense fallback=move || view! { <p class="muted">{i18n.t(msg::ui::LOADING)}</p> }>
            {move || ticket.get().map(|result| match result {
                Ok(t) => view! {
                    <p><A href="/desk">{i18n.t(msg::support::BACK_TO_DESK)}</A></p>
                    <TicketHead ticket=t.clone() desk=true/>
                    {t.assignee.is_none().then(|| view! {
                        <ActionForm action=take>
                            <input type="hidden" name="id" value=t.id.to_string()/>
                            <button type="submit" class="btn btn-primary">{i18n.t(msg::support::TAKE)}</button>
                        </ActionForm>
                        {move || form_error(take.value().get()).map(|e| view! { <ErrorNotice error=e/> })}
                    })}
                    <Show when=admin><AssignForm ticket_id=t.id.to_string() action=assign/></Show>
                    <MoveButtons ticket=t.clone() mover=Mover::Desk action=moved desk=true/>
                    {t.order_id.is_some().then(|| view! { <OrderPanelView ticket_id=t.id.to_string()/> })}
                    <Conversation ticket_id=t.id messages=t.messages.clone().unwrap_or_default()/>
                    <ReplyForm ticket=t action=reply draft desk=true/>
                }.into_any(),
                Err(e) => view! { <Failure error=e/> }.into_any(),
            })}
        </Suspense>
    }
}

/// The order of a support ticket, beside its conversation, with what the desk may do.
#[component]
fn OrderPanelView(ticket_id: String) -> impl IntoView {
    let refund = ServerAction::<RefundSupportOrder>::new();
    let resend = ServerAction::<ResendSupportTickets>::new();
    let id = ticket_id.clone();
    let panel = Resource::new(move || (id.clone(), refund.version().get()), |(id, _)| support_order(id));
    let i18n = use_i18n();
    view! {
        <Suspense>
            {move || panel.get().map(|result| match result {
                Ok(Some(p)) => {
                    let o = p.order;
                    let id = ticket_id.clone();
                    let resend_id = ticket_id.clone();
                    view! {
                        <section class="card order-panel" aria-label=i18n.t(msg::support::ORDER_PANEL)>
                            <h2>{i18n.t(msg::support::ORDER_PANEL)}</h2>
                            <dl class="facts">
                                <dt>{i18n.t(msg::support::ORDER_EVENT)}</dt>
                                <dd>{o.event_title.clone()} " · " {i18n.fmt().datetime(o.event_starts_at_local.unwrap_or(o.event_starts_at))}</dd>
                                <dt>{i18n.t(msg::support::STATUS)}</dt><dd><span class="chip">{i18n.t(o.status.label())}</span></dd>
                                <dt>{i18n.t(msg::support::ORDER_TOTAL)}</dt>
                                <dd>{i18n.fmt().money(o.total_cents, &o.currency)} " · " {i18n.tf(msg::support::ORDER_CARD, &[("last4", &o.card_last4)])}</dd>
                                <dt>{i18n.t(msg::support::ORDER_SEATS)}</dt>
                                <dd>{o.items.iter().map(|s| s.label(i18n)).collect::<Vec<_>>().join(", ")}</dd>
                                <dt>{i18n.t(msg::support::ORDER_TICKETS)}</dt><dd>{i18n.fmt().number(o.ticket_ids.len() as i64)}</dd>
                            </dl>
                            <div class="support-moves">
                                {p.can_resend.then(|| view! {
                                    <ActionForm action=resend>
                                        <input type="hidden" name="id" value=resend_id/>
                                        <button type="submit" class="btn">{i18n.t(msg::support::RESEND)}</button>
                                    </ActionForm>
                                })}
                                {p.can_refund.then(|| view! {
                                    <ActionForm action=refund>
                                        <input type="hidden" name="id" value=id/>
                                        <button type="submit" class="btn btn-danger">{i18n.t(msg::support::REFUND)}</button>
                                    </ActionForm>
                                })}
                            </div>
                            {move || resend.value().get().and_then(|r| r.ok()).map(|_| view! { <p class="notice notice-success" role="status">{i18n.t(msg::support::RESENT)}</p> })}
                            {move || form_error(refund.value().get()).or_else(|| form_error(resend.value().get())).map(|e| view! { <ErrorNotice error=e/> })}
                        </section>
                    }.into_any()
                }
                Ok(None) => ().into_any(),
                Err(e) => view! { <ErrorNotice error=e/> }.into_any(),
            })}
        </Suspense>
    }
}

/// The agents with their skills, availability and open support tickets (administrators).
#[component]
fn AgentsTable() -> impl IntoView {
    let agents = Resource::new(|| (), |_| desk_agents());
    let i18n = use_i18n();
    view! {
        <Suspense>
            {move || agents.get().and_then(|r| r.ok()).map(|agents| view! {
                <section class="card agents" aria-label=i18n.t(msg::support::AGENTS)>
                    <h2>{i18n.t(msg::support::AGENTS)}</h2>
                    <div class="table-wrap">
                        <table class="data">
                            <thead><tr>
                                <th scope="col">{i18n.t(msg::support::AGENT)}</th>
                                <th scope="col">{i18n.t(msg::support::SKILLS)}</th>
                                <th scope="col">{i18n.t(msg::support::AVAILABILITY)}</th>
                                <th scope="col">{i18n.t(msg::support::LOAD)}</th>
                            </tr></thead>
                            <tbody>
                                {agents.into_iter().filter(|a| a.active).map(|a| {
                                    let skills = a.skills.iter()
                                        .map(|s| Category::ALL.into_iter().find(|c| c.skill() == s).map(|c| i18n.t(c.label()).to_owned()).unwrap_or_else(|| s.clone()))
                                        .collect::<Vec<_>>()
                                        .join(", ");
                                    view! {
                                        <tr>
                                            <td>{a.display_name.clone()}</td>
                                            <td>{skills}</td>
                                            <td>{i18n.t(a.availability.label())}</td>
                                            <td>{i18n.fmt().number(a.open_tickets)}</td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                </section>
            })}
        </Suspense>
    }
}

/// An administrator's choice of agent for a support ticket.
#[component]
fn AssignForm(ticket_id: String, action: ServerAction<AssignSupportTicket>) -> impl IntoView {
    let agents = Resource::new(|| (), |_| desk_agents());
    let i18n = use_i18n();
    view! {
        <Suspense>
            {move || agents.get().and_then(|r| r.ok()).map(|agents| {
                let id = ticket_id.clone();
                view! {
                    <ActionForm action attr:class="assign-form">
                        <input type="hidden" name="id" value=id/>
                        <label for="assign-agent">{i18n.t(msg::support::ASSIGN)}</label>
                        <select id="assign-agent" name="agent_id">
                            {agents.into_iter().filter(|a| a.active).map(|a| view! {
                                <option value=a.id.to_string()>{format!("{} · {}", a.display_name, i18n.t(a.availability.label()))}</option>
                            }).collect_view()}
                        </select>
                        <button type="submit" class="btn">{i18n.t(msg::support::ASSIGN_BUTTON)}</button>
                    </ActionForm>
                }
            })}
        </Suspense>
        {move || form_error(action.value().get()).map(|e| view! { <ErrorNotice error=e/> })}
    }
}
