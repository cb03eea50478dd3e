//! The customer's side of the support desk: my support tickets, a new one (about one of my
//! orders, if I like), and one support ticket with its conversation. The conversation
//! is drawn here for the desk's page too.

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::i18n::{msg, use_i18n};
use crate::support::api::{orders_to_name, get_support_ticket, support_tickets, MoveSupportTicket, OpenSupportTicket, ReplySupportTicket};
use crate::support::model::{Attachment, Category, NewAttachment, NewMessage, NewSupportTicket, SupportMessage, SupportStatus, SupportTicket};
use crate::support::rules::{self, Mover};
use crate::ui::mine::{self, Method, Queued, SavedOffline, SyncStatus};
use crate::ui::{field_error, form_error, ErrorNotice, Failure, PageTitle, Pager};

/// A fresh id for one submission of a form: sending the same form twice (a double click,
/// a retry) makes one support ticket or one reply.
pub(crate) fn client_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// A support ticket's status as a chip.
#[component]
pub fn StatusChip(status: SupportStatus) -> impl IntoView {
    let i18n = use_i18n();
    let class = match status {
        SupportStatus::Waiting => "chip chip-warn",
        SupportStatus::Resolved | SupportStatus::Closed => "chip chip-done",
        _ => "chip",
    };
    view! { <span class=class>{i18n.t(status.label())}</span> }
}

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
    // Support tickets written offline, not sent yet.
    let waiting = move || mine::waiting(OPEN_KIND, None).into_iter().filter_map(|q| Some((serde_json::from_str::<NewSupportTicket>(q.body.as_deref()?).ok()?, q)));
    view! {
        <PageTitle text=i18n.t(msg::support::MY_TICKETS)/>
        <SyncStatus/>
        <div class="page-head">
            <h1>{i18n.t(msg::support::MY_TICKETS)}</h1>
            <A href="/support/new" attr:class="btn btn-primary">{i18n.t(msg::support::NEW_TICKET)}</A>
        </div>
        <p class="muted">{i18n.t(msg::support::INTRO)}</p>
        <ul class="support-list support-waiting">
            {move || waiting().map(|(new, q)| view! {
                <li class="card support-item" data-testid="support-waiting">
                    <span>{new.title}</span>
                    <span class="support-meta">
                        <span class=if q.refused.is_some() { "chip chip-danger" } else { "chip chip-warn" }>{i18n.t(msg::mine::WAITING_CHIP)}</span>
                        <span class="muted">{i18n.t(new.category.label())}</span>
                    </span>
                </li>
            }).collect_view()}
        </ul>
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
    mine::queue_when_unreachable(open, move |input: &OpenSupportTicket| {
        let new = NewSupportTicket {
            title: input.title.clone(),
            description: input.description.clone(),
            category: Category::parse(&input.category)?,
            order_id: Some(input.order_id.clone()).filter(|o| !o.trim().is_empty()),
            phone: Some(input.phone.clone()).filter(|p| !p.trim().is_empty()),
            client_id: Some(input.client_id.clone()).filter(|c| !c.is_empty()),
            attachments: serde_json::from_str(&input.attachments).unwrap_or_default(),
        };
        form_id.set(client_id());
        let label = i18n.tf(msg::mine::OPEN_LABEL, &[("title", &new.title)]);
        Some(Queued::taken(OPEN_KIND, None, label, Method::Post, "/api/v1/support/tickets".into(), serde_json::to_string(&new).ok()))
    });
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
                {move || if mine::unreachable(&result.get()) {
                    view! { <SavedOffline/><p><A href="/support">{i18n.t(msg::support::BACK_TO_MINE)}</A></p> }.into_any()
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
    mine::queue_when_unreachable(reply, move |input: &ReplySupportTicket| {
        let id = input.id.trim().to_string();
        let new = NewMessage {
            body: input.body.clone(),
            internal: false,
            client_id: Some(input.client_id.clone()).filter(|c| !c.is_empty()),
            attachments: serde_json::from_str(&input.attachments).unwrap_or_default(),
        };
        let title = ticket.with_untracked(|t| t.as_ref().and_then(|t| t.as_ref().ok()).map(|t| t.title.clone())).unwrap_or_default();
        let label = i18n.tf(msg::mine::REPLY_LABEL, &[("title", &title)]);
        let path = format!("/api/v1/support/tickets/{id}/messages");
        Some(Queued::taken(REPLY_KIND, Some(id), label, Method::Post, path, serde_json::to_string(&new).ok()))
    });
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
                    <ReplyForm ticket=t.clone() action=reply desk=false/>
                    <MoveButtons ticket=t mover=Mover::Requester action=moved desk=false/>
                }.into_any(),
                Err(e) => view! { <Failure error=e/> }.into_any(),
            })}
        </Suspense>
    }
}

/// The kinds of the customer's actions that wait on the device while offline (see
/// `ui::mine`).
const OPEN_KIND: &str = "support.open";
const REPLY_KIND: &str = "support.reply";

/// The replies written offline to one support ticket, not sent yet.
#[component]
fn WaitingReplies(ticket_id: String) -> impl IntoView {
    let i18n = use_i18n();
    let waiting = move || {
        mine::waiting(REPLY_KIND, Some(ticket_id.clone())).into_iter().filter_map(|q| Some((serde_json::from_str::<NewMessage>(q.body.as_deref()?).ok()?, q)))
    };
    view! {
        <ol class="messages waiting">
            {move || waiting().map(|(new, q)| view! {
                <li class="message card" data-testid="reply-waiting">
                    <p class="message-head">
                        <span class=if q.refused.is_some() { "chip chip-danger" } else { "chip chip-warn" }>{i18n.t(msg::mine::WAITING_CHIP)}</span>
                        " " <time class="muted" datetime=crate::i18n::format::machine(crate::ui::clock::from_unix_ms(q.at_ms))>
                            {crate::ui::clock::on_this_device(crate::ui::clock::from_unix_ms(q.at_ms))}
                        </time>
                    </p>
                    <p class="message-body">{new.body}</p>
                </li>
            }).collect_view()}
        </ol>
    }
}

/// A file's size, in kilobytes.
fn file_size(i18n: crate::i18n::I18n, bytes: i64) -> String {
    format!("{} KB", i18n.fmt().number((bytes + 1023) / 1024))
}

/// The files of a support ticket or a message, each a link to its content.
#[component]
fn Files(ticket_id: uuid::Uuid, files: Vec<Attachment>) -> impl IntoView {
    let i18n = use_i18n();
    (!files.is_empty()).then(|| view! {
        <ul class="files" aria-label=i18n.t(msg::support::ATTACHMENTS)>
            {files.into_iter().map(|f| view! {
                <li>
                    <a href=format!("/api/v1/support/tickets/{ticket_id}/attachments/{}", f.id) target="_blank" rel="noopener">{f.name.clone()}</a>
                    " " <span class="muted">{file_size(i18n, f.size)}</span>
                </li>
            }).collect_view()}
        </ul>
    })
}

/// The files of a message: chosen in the browser and read there into the form's hidden
/// `attachments` field (a JSON list of names and contents in base64). Their number and
/// size are checked here, and again, with their type, by the server. The picker is
/// emptied after each choice: what goes is the list under it, where a file can be taken
/// out again.
#[component]
pub fn AttachmentsField(id: &'static str) -> impl IntoView {
    let i18n = use_i18n();
    let files = RwSignal::new(Vec::<NewAttachment>::new());
    let sizes = RwSignal::new(Vec::<i64>::new());
    let reading = RwSignal::new(false);
    let problem = RwSignal::new(None::<String>);
    let on_change = move |ev: leptos::ev::Event| {
        #[cfg(feature = "hydrate")]
        {
            use base64::Engine;
            use wasm_bindgen::JsCast;
            let Some(input) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) else { return };
            let picked: Vec<web_sys::File> = input.files().map(|list| (0..list.length()).filter_map(|i| list.get(i)).collect()).unwrap_or_default();
            input.set_value("");
            problem.set(None);
            reading.set(true);
            leptos::task::spawn_local(async move {
                for file in picked {
                    let name = file.name();
                    if files.with_untracked(Vec::len) >= rules::ATTACHMENTS_PER_MESSAGE {
                        problem.set(Some(i18n.tf(msg::errors_support::ATTACHMENTS_TOO_MANY, &[("max", &rules::ATTACHMENTS_PER_MESSAGE.to_string())])));
                        break;
                    }
                    if file.size() > rules::ATTACHMENT_MAX_BYTES as f64 {
                        let max = (rules::ATTACHMENT_MAX_BYTES / (1024 * 1024)).to_string();
                        problem.set(Some(i18n.tf(msg::errors_support::ATTACHMENT_TOO_LARGE, &[("name", &name), ("max", &max)])));
                        continue;
                    }
                    let bytes = match wasm_bindgen_futures::JsFuture::from(file.array_buffer()).await {
                        Ok(buffer) => js_sys::Uint8Array::new(&buffer).to_vec(),
                        Err(_) => {
                            problem.set(Some(i18n.tf(msg::errors_support::ATTACHMENT_UNREADABLE, &[("name", &name)])));
                            continue;
                        }
                    };
                    sizes.update(|s| s.push(bytes.len() as i64));
                    files.update(|f| f.push(NewAttachment { name, content_base64: base64::engine::general_purpose::STANDARD.encode(&bytes) }));
                }
                reading.set(false);
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = ev;
    };
    let remove = move |i: usize| {
        files.update(|f| if i < f.len() { f.remove(i); });
        sizes.update(|s| if i < s.len() { s.remove(i); });
    };
    let value = move || files.with(|f| if f.is_empty() { String::new() } else { serde_json::to_string(f).unwrap_or_default() });
    let hint = format!("{id}-hint");
    view! {
        <div class="field attachments-field">
            <label for=id>{i18n.t(msg::support::ATTACH)}</label>
            <input id=id type="file" multiple accept=rules::ATTACHMENT_TYPES aria-describedby=hint.clone() on:change=on_change/>
            <p class="hint" id=hint>{i18n.t(msg::support::ATTACH_HINT)}</p>
            <input type="hidden" name="attachments" prop:value=value/>
            {move || reading.get().then(|| view! { <p class="muted" role="status">{i18n.t(msg::support::READING_FILES)}</p> })}
            {move || problem.get().map(|p| view! { <p class="field-error" role="alert">{p}</p> })}
            <ul class="chosen-files">
                {move || files.with(|f| f.iter().map(|f| f.name.clone()).collect::<Vec<_>>()).into_iter().enumerate().map(|(i, name)| view! {
                    <li>
                        {name.clone()} " " <span class="muted">{move || sizes.with(|s| s.get(i).map(|b| file_size(i18n, *b)))}</span> " "
                        <button type="button" class="btn btn-small btn-ghost" aria-label=i18n.tf(msg::support::REMOVE_FILE, &[("name", &name)])
                            on:click=move |_| remove(i)>"×"</button>
                    </li>
                }).collect_view()}
            </ul>
        </div>
    }
}

/// A support ticket's title, facts and description.
#[component]
pub fn TicketHead(ticket: SupportTicket, desk: bool) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <article class="card support-head">
            <h1>{ticket.title.clone()}</h1>
            <p class="support-meta">
                <StatusChip status=ticket.status/>
                <span class="chip">{i18n.t(ticket.category.label())}</span>
                {ticket.overdue.then(|| view! { <span class="chip chip-danger">{i18n.t(msg::support::OVERDUE)}</span> })}
            </p>
            <dl class="facts">
                <dt>{i18n.t(msg::support::PRIORITY)}</dt><dd>{i18n.t(ticket.priority.label())}</dd>
                <dt>{i18n.t(msg::support::OPENED)}</dt><dd>{i18n.fmt().datetime(ticket.created_at)}</dd>
                <dt>{i18n.t(msg::support::AGENT)}</dt>
                <dd>{ticket.assignee.as_ref().map(|a| a.display_name.clone()).unwrap_or_else(|| i18n.t(msg::support::NOBODY_YET).to_owned())}</dd>
                // The customer's own order page; the desk's panel shows it to the desk.
                {ticket.order_id.map(|o| view! {
                    <dt>{i18n.t(msg::support::ORDER)}</dt>
                    <dd>{if desk { view! { <code>{o.to_string()}</code> }.into_any() } else { view! { <A href=format!("/orders/{o}")>{o.to_string()}</A> }.into_any() }}</dd>
                })}
                {ticket.phone.clone().map(|p| view! { <dt>{i18n.t(msg::support::PHONE)}</dt><dd>{p}</dd> })}
            </dl>
            <p class="support-description">{ticket.description.clone()}</p>
            <Files ticket_id=ticket.id files=ticket.attachments.clone().unwrap_or_default()/>
        </article>
    }
}

/// The messages of a support ticket, oldest first; internal notes marked as such (only
/// the desk ever gets them).
#[component]
pub fn Conversation(ticket_id: uuid::Uuid, messages: Vec<SupportMessage>) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <section class="conversation" aria-label=i18n.t(msg::support::CONVERSATION)>
            <h2>{i18n.t(msg::support::CONVERSATION)}</h2>
            {messages.is_empty().then(|| view! { <p class="muted">{i18n.t(msg::support::NO_MESSAGES)}</p> })}
            <ol class="messages">
                {messages.into_iter().map(|m| view! {
                    <li class="message card" class:from-staff=m.from_staff class:internal=m.internal>
                        <p class="message-head">
                            <strong>{m.author.display_name.clone()}</strong>
                            {m.internal.then(|| view! { " " <span class="chip chip-warn">{i18n.t(msg::support::INTERNAL_NOTE)}</span> })}
                            " " <time class="muted" datetime=crate::i18n::format::machine(m.created_at)>{i18n.fmt().datetime(m.created_at)}</time>
                        </p>
                        <p class="message-body">{m.body.clone()}</p>
                        <Files ticket_id files=m.attachments.clone()/>
                    </li>
                }).collect_view()}
            </ol>
        </section>
    }
}

/// The reply form (with the desk's "internal note" box); none for a closed support ticket.
#[component]
pub fn ReplyForm(ticket: SupportTicket, action: ServerAction<ReplySupportTicket>, desk: bool) -> impl IntoView {
    let i18n = use_i18n();
    let result = action.value();
    let pending = action.pending();
    // What the box holds: a canned reply fills it (the texts stay readable, to copy,
    // without JavaScript).
    let body = RwSignal::new(String::new());
    // Bound rather than left to the browser: after a send the page redraws this form in
    // place, and a box left ticked would make the next reply a note.
    let internal = RwSignal::new(false);
    let canned = if desk { rules::canned_replies(ticket.category) } else { Vec::new() };
    // A reply kept offline (the customer's) leaves the box for the next one, with its own id.
    let form_id = RwSignal::new(client_id());
    Effect::new(move |_| {
        if !desk && mine::unreachable(&result.get()) {
            form_id.set(client_id());
            body.set(String::new());
        }
    });
    if ticket.status == SupportStatus::Closed {
        return view! { <p class="notice" role="status">{i18n.t(msg::support::CLOSED_NOTICE)}</p> }.into_any();
    }
    view! {
        <section class="card reply">
            <ActionForm action>
                <input type="hidden" name="id" value=ticket.id.to_string()/>
                <input type="hidden" name="client_id" value=move || form_id.get()/>
                {desk.then(|| view! { <input type="hidden" name="desk" value="1"/> })}
                <div class="field">
                    <label for="reply-body">{i18n.t(if desk { msg::support::WRITE_DESK } else { msg::support::WRITE })}</label>
                    <textarea id="reply-body" name="body" rows="4" required maxlength=rules::BODY_MAX.to_string()
                        prop:value=move || body.get() on:input=move |ev| body.set(event_target_value(&ev))></textarea>
                    {move || field_error(result.get(), "body").map(|m| view! { <p class="field-error">{m}</p> })}
                </div>
                <AttachmentsField id="reply-files"/>
                {move || field_error(result.get(), "attachments").map(|m| view! { <p class="field-error">{m}</p> })}
                {desk.then(|| view! {
                    <div class="field field-check">
                        <input id="reply-internal" type="checkbox" name="internal" value="on"
                            prop:checked=move || internal.get() on:change=move |ev| internal.set(event_target_checked(&ev))/>
                        <label for="reply-internal">{i18n.t(msg::support::AS_INTERNAL_NOTE)}</label>
                    </div>
                })}
                {move || if !desk && mine::unreachable(&result.get()) {
                    view! { <SavedOffline/> }.into_any()
                } else {
                    form_error(result.get()).map(|e| view! { <ErrorNotice error=e/> }).into_any()
                }}
                <button type="submit" class="btn btn-primary" disabled=pending>{i18n.t(msg::support::SEND)}</button>
            </ActionForm>
            {(!canned.is_empty()).then(|| view! {
                <details class="canned">
                    <summary>{i18n.t(msg::support::CANNED)}</summary>
                    <ul>
                        {canned.into_iter().map(|(title, text)| view! {
                            <li>
                                <button type="button" class="btn btn-small" aria-label=i18n.tf(msg::support::CANNED_USE, &[("title", i18n.t(title))])
                                    on:click=move |_| body.set(i18n.t(text).to_owned())>{i18n.t(title)}</button>
                                <p class="muted">{i18n.t(text)}</p>
                            </li>
                        }).collect_view()}
                    </ul>
                </details>
            })}
        </section>
    }
    .into_any()
}

/// A button for each status `mover` may take the support ticket to.
#[component]
pub fn MoveButtons(ticket: SupportTicket, mover: Mover, action: ServerAction<MoveSupportTicket>, desk: bool) -> impl IntoView {
    let i18n = use_i18n();
    let moves: Vec<SupportStatus> = SupportStatus::ALL.into_iter().filter(|to| rules::can_move(ticket.status, *to, mover)).collect();
    let id = ticket.id.to_string();
    view! {
        {move || form_error(action.value().get()).map(|e| view! { <ErrorNotice error=e/> })}
        <div class="support-moves">
            {moves.into_iter().map(|to| {
                let id = id.clone();
                view! {
                <ActionForm action>
                    <input type="hidden" name="id" value=id/>
                    <input type="hidden" name="status" value=to.as_str()/>
                    {desk.then(|| view! { <input type="hidden" name="desk" value="1"/> })}
                    <button type="submit" class="btn">{i18n.t(move_label(ticket.status, to))}</button>
                </ActionForm>
            }}).collect_view()}
        </div>
    }
}

/// What the button that moves a support ticket from `from` to `to` says.
fn move_label(from: SupportStatus, to: SupportStatus) -> crate::i18n::Msg {
    match (from, to) {
        (_, SupportStatus::InProgress) if from == SupportStatus::Open => msg::support::MOVE_START,
        (_, SupportStatus::InProgress) => msg::support::MOVE_RESUME,
        (_, SupportStatus::Waiting) => msg::support::MOVE_WAIT,
        (_, SupportStatus::Resolved) => msg::support::MOVE_RESOLVE,
        (_, SupportStatus::Closed) => msg::support::MOVE_CLOSE,
        (_, SupportStatus::Open) => msg::support::MOVE_REOPEN,
    }
}
