//! The parts of a support ticket's page that the customer's page and the desk's share:
//! its head, its conversation with the files, the reply form with its attachments, and
//! the buttons that move it on.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::i18n::{msg, use_i18n};
use crate::support::api::{MoveSupportTicket, ReplySupportTicket};
use crate::support::model::{Attachment, NewAttachment, SupportMessage, SupportStatus, SupportTicket};
use crate::support::rules::{self, Mover};
use crate::ui::mine::{Offline, SavedOffline};
use crate::ui::{field_error, form_error, ErrorNotice};

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

/// What the reply form holds: its text, the desk's "internal note" box, and the id of
/// this reply. The page keeps it, since the page draws the form anew whenever the support
/// ticket is loaded again (after every send, whatever its outcome): a reply the server
/// refused, or could not be reached for, stays in the box to mend or send again, with its
/// id (a reply sent twice is made once). It is emptied, with a new id, once the reply is
/// made, or kept on the device to be sent later.
#[derive(Debug, Clone, Copy)]
pub struct ReplyDraft {
    body: RwSignal<String>,
    internal: RwSignal<bool>,
    id: RwSignal<String>,
}

impl ReplyDraft {
    /// The draft of `action`'s form, emptied once the server made the reply.
    pub fn of(action: ServerAction<ReplySupportTicket>) -> ReplyDraft {
        let draft = ReplyDraft { body: RwSignal::new(String::new()), internal: RwSignal::new(false), id: RwSignal::new(client_id()) };
        Effect::new(move |_| {
            if action.value().with(|v| matches!(v, Some(Ok(_)))) {
                draft.clear();
            }
        });
        draft
    }

    /// Ready for the next reply.
    pub fn clear(self) {
        self.body.set(String::new());
        self.internal.set(false);
        self.id.set(client_id());
    }
}

/// The reply form (with the desk's "internal note" box); none for a closed support ticket.
#[component]
pub fn ReplyForm(
    ticket: SupportTicket,
    action: ServerAction<ReplySupportTicket>,
    draft: ReplyDraft,
    desk: bool,
    /// The customer's: what became of a reply the server could not be reached for.
    #[prop(optional)]
    offline: Option<Offline>,
) -> impl IntoView {
    let i18n = use_i18n();
    let result = action.value();
    let pending = action.pending();
    // A canned reply fills the box (the texts stay readable, to copy, without JavaScript).
    // The box and the "internal note" tick are bound to the draft: a tick left from a
    // note must not make the next reply a note.
    let ReplyDraft { body, internal, id: form_id } = draft;
    let canned = if desk { rules::canned_replies(ticket.category) } else { Vec::new() };
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
                {move || match offline.filter(|o| o.said()) {
                    Some(offline) => view! { <SavedOffline offline/> }.into_any(),
                    None => form_error(result.get()).map(|e| view! { <ErrorNotice error=e/> }).into_any(),
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
