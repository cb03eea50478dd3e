//! The customer's side of the support desk: my support tickets, a new one (about one of my
//! orders, if I like), and one support ticket with its conversation (drawn with the
//! parts the desk's page shares, `ticket_views`). Offline, a new one and a reply wait on
//! the device (`waiting`).

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::i18n::{msg, use_i18n};
use crate::support::api::{orders_to_name, get_support_ticket, support_tickets, MoveSupportTicket, OpenSupportTicket, ReplySupportTicket};
use crate::support::model::{Category, SupportTicket};
use crate::support::rules::{self, Mover};
use crate::support::ticket_views::{client_id, AttachmentsField, Conversation, MoveButtons, ReplyDraft, ReplyForm, StatusChip, TicketHead};
use crate::support::waiting::{self, WaitingReplies, WaitingTickets};
use crate::ui::mine::{self, SavedOffline, SyncStatus};
use crate::ui::{field_error, form_error, ErrorNotice, Failure, PageTitle, Pager};

#[component]
pub fn MySupportPage() -> impl IntoView {
    let query = use_query_map();
    let page = move || query.read().get("page").and_then(|p| p.parse::<i64>().ok()).unwrap_or(1).max(1);
    let list = Resource::new(
        move || (page(), mine::version()),
        |(page, _)| {
            let newest_first = |a: &SupportTicket, b: &SupportTicket| b.updated_at.cmp(&a.updated_at).then(a.id.cmp(&b.id));
            let online = support_tickets("MINE".into(), String::new(), String::new(), String::new(), false, page);
            mine::page_or_kept(SupportTicket::KEPT, page, |t| t.id.to_string(), |_| true, newest_first, online)
        },
    );
    let i18n = use_i18n();
    view! {
        <PageTitle text=i18n.t(msg::support::MY_TICKETS)/>
        <SyncStatus/>
        <div class="page-head">
            <h1>{i18n.t(msg::support::MY_TICKETS)}</h1>
            <A href="/support/new" attr:class="btn btn-primary">{i18n.t(msg::support::NEW_TICKET)}</A>
        </div>
        <p class="muted">{i18n.t(msg::support::INTRO)}</p>
        <WaitingTickets/>
        <Suspense fallback=move || view! { <p class="muted">{i18n.t(msg::ui::LOADING)}</p> }>
            {move || list.get().map(|result| match result {
                Ok(page) if page.items.is_empty() => view! {
                    <section class="card empty"><p>{i18n.t(msg::support::NONE_YET)}</p></section>
                }.into_any(),
                Ok(page) => {
                    let total_pages = page.total_pages();
                    view! {
                        <ul class="support-list">
                            {page.items.into_iter().map(|t| view! {
                                <li class="card support-item">
                                    <A href=format!("/support/{}", t.id)>{t.title.clone()}</A>
                                    <span class="support-meta">
                                        <StatusChip status=t.status/>
                                        <span class="muted">{i18n.t(t.category.label())}</span>
                                        <span class="muted">{i18n.fmt().datetime(t.updated_at)}</span>
                                    </span>
                                </li>
                            }).collect_view()}
                        </ul>
                        {(total_pages > 1).then(|| view! { <Pager base="/support".to_string() page=page.page total_pages/> })}
                    }.into_any()
                }
                Err(e) => view! { <Failure error=e/> }.into_any(),
            })}
        </Suspense>
    }
}

#[component]
pub fn NewSupportTicketPage() -> impl IntoView {
    let open = ServerAction::<OpenSupportTicket>::new();
    let result = open.value();
    let pending = open.pending();
    // Offline, the support ticket waits on the device (and the form takes a new id, so
    // that the next one is another support ticket).
    let form_id = RwSignal::new(client_id());
    let i18n = use_i18n();
    let offline = mine::queue_when_unreachable(open, move |input: &OpenSupportTicket| waiting::open_request(i18n, input), move |_: &_| form_id.set(client_id()));
    let query = use_query_map();
    let named_order = move || query.read().get("order").unwrap_or_default();
    let orders = Resource::new(|| (), |_| orders_to_name());
    let err = move |field: &'static str| {
        move || field_error(result.get(), field).map(|m| view! { <p class="field-error" id=format!("support-{field}-error")>{m}</p> })
    };
    view! {
        <PageTitle text=i18n.t(msg::support::NEW_TICKET)/>
        <section class="card form-card">
            <h1>{i18n.t(msg::support::NEW_TICKET)}</h1>
            <p class="muted">{i18n.t(msg::support::NEW_INTRO)}</p>
            <ActionForm action=open>
                <input type="hidden" name="client_id" value=move || form_id.get()/>
                <div class="field">
                    <label for="support-title">{i18n.t(msg::support::TITLE_FIELD)}</label>
                    <input id="support-title" type="text" name="title" required minlength=rules::TITLE_MIN.to_string() maxlength=rules::TITLE_MAX.to_string()/>
                    {err("title")}
                </div>
                <div class="field">
                    <label for="support-category">{i18n.t(msg::support::CATEGORY)}</label>
                    <select id="support-category" name="category" required>
                        {Category::ALL.into_iter().map(|c| view! { <option value=c.as_str()>{i18n.t(c.label())}</option> }).collect_view()}
                    </select>
                    {err("category")}
                </div>
                <div class="field">
                    <label for="support-order">{i18n.t(msg::support::ORDER)}</label>
                    <Suspense fallback=move || view! { <select id="support-order" name="order_id"><option value="">{i18n.t(msg::support::NO_ORDER)}</option></select> }>
                        {move || orders.get().map(|result| {
                            let orders = result.unwrap_or_default();
                            view! {
                                <select id="support-order" name="order_id">
                                    <option value="">{i18n.t(msg::support::NO_ORDER)}</option>
                                    {orders.into_iter().map(|(id, label)| {
                                        let selected = id == named_order();
                                        view! { <option value=id selected=selected>{label}</option> }
                                    }).collect_view()}
                                </select>
                            }
                        })}
                    </Suspense>
                    {err("order_id")}
                </div>
                <div class="field">
                    <label for="support-phone">{i18n.t(msg::support::PHONE)}</label>
                    <input id="support-phone" type="tel" name="phone" autocomplete="tel" maxlength="32" aria-describedby="support-phone-hint"/>
                    <p class="hint" id="support-phone-hint">{i18n.t(msg::support::PHONE_HINT)}</p>
                    {err("phone")}
                </div>
                <div class="field">
                    <label for="support-description">{i18n.t(msg::support::DESCRIPTION)}</label>
                    <textarea id="support-description" name="description" rows="6" required minlength=rules::DESCRIPTION_MIN.to_string() maxlength=rules::DESCRIPTION_MAX.to_string()
                        aria-describedby="support-description-hint"></textarea>
                    <p class="hint" id="support-description-hint">{i18n.t(msg::support::DESCRIPTION_HINT)}</p>
                    {err("description")}
                </div>
                <AttachmentsField id="support-files"/>
                {err("attachments")}
                {move || if offline.said() {
                    view! {
                        <SavedOffline offline/>
                        {offline.saved().then(|| view! { <p><A href="/support">{i18n.t(msg::support::BACK_TO_MINE)}</A></p> })}
                    }.into_any()
                } else {
                    form_error(result.get()).map(|e| view! { <ErrorNotice error=e/> }).into_any()
                }}
                <button type="submit" class="btn btn-primary" disabled=pending>{i18n.t(msg::support::SEND_TICKET)}</button>
            </ActionForm>
        </section>
    }
}

#[component]
pub fn SupportTicketPage() -> impl IntoView {
    let params = use_params_map();
    let reply = ServerAction::<ReplySupportTicket>::new();
    let moved = ServerAction::<MoveSupportTicket>::new();
    let ticket = Resource::new(
        move || (params.read().get("id").unwrap_or_default(), reply.version().get(), moved.version().get(), mine::version()),
        |(id, _, _, _)| mine::one_or_kept(SupportTicket::KEPT_FULL, id.clone(), get_support_ticket(id)),
    );
    let i18n = use_i18n();
    // Offline, a reply waits on the device, shown under the conversation until it is sent.
    let draft = ReplyDraft::of(reply);
    let offline = mine::queue_when_unreachable(
        reply,
        move |input: &ReplySupportTicket| {
            let title = ticket.with_untracked(|t| t.as_ref().and_then(|t| t.as_ref().ok()).map(|t| t.title.clone())).unwrap_or_default();
            waiting::reply_request(i18n, input, &title)
        },
        move |_: &_| draft.clear(),
    );
    view! {
        <PageTitle text=i18n.t(msg::support::TICKET)/>
        <SyncStatus/>
        <Suspense fallback=move || view! { <p class="muted">{i18n.t(msg::ui::LOADING)}</p> }>
            {move || ticket.get().map(|result| match result {
                Ok(t) => view! {
                    <p><A href="/support">{i18n.t(msg::support::BACK_TO_MINE)}</A></p>
                    <TicketHead ticket=t.clone() desk=false/>
                    <Conversation ticket_id=t.id messages=t.messages.clone().unwrap_or_default()/>
                    <WaitingReplies ticket_id=t.id.to_string()/>
                    <ReplyForm ticket=t.clone() action=reply draft desk=false offline/>
                    <MoveButtons ticket=t mover=Mover::Requester action=moved desk=false/>
                }.into_any(),
                Err(e) => view! { <Failure error=e/> }.into_any(),
            })}
        </Suspense>
    }
}

