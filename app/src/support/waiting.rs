//! The customer's support actions that wait on this device while the server cannot be
//! reached (see `ui::mine`): a new support ticket and a reply, as the REST requests they
//! stand for, and the lists of those not sent yet.

use leptos::prelude::*;

use crate::i18n::{msg, use_i18n, I18n};
use crate::support::api::{OpenSupportTicket, ReplySupportTicket};
use crate::support::model::{Category, NewMessage, NewSupportTicket};
use crate::ui::mine::{self, Queued, Rest};

/// The kinds of the customer's actions that wait on the device.
const OPEN_KIND: &str = "support.open";
const REPLY_KIND: &str = "support.reply";

/// The REST request a new support ticket written offline stands for.
pub fn open_request(i18n: I18n, input: &OpenSupportTicket) -> Option<Queued> {
    let new = NewSupportTicket {
        title: input.title.clone(),
        description: input.description.clone(),
        category: Category::parse(&input.category)?,
        order_id: Some(input.order_id.clone()).filter(|o| !o.trim().is_empty()),
        phone: Some(input.phone.clone()).filter(|p| !p.trim().is_empty()),
        client_id: Some(input.client_id.clone()).filter(|c| !c.is_empty()),
        attachments: serde_json::from_str(&input.attachments).unwrap_or_default(),
    };
    let label = i18n.tf(msg::mine::OPEN_LABEL, &[("title", &new.title)]);
    Some(Queued::taken(OPEN_KIND, label, Rest::post("/api/v1/support/tickets".into(), serde_json::to_string(&new).ok())))
}

/// The REST request a reply written offline to the support ticket titled `title` stands for.
pub fn reply_request(i18n: I18n, input: &ReplySupportTicket, title: &str) -> Option<Queued> {
    let id = input.id.trim().to_string();
    let new = NewMessage {
        body: input.body.clone(),
        internal: false,
        client_id: Some(input.client_id.clone()).filter(|c| !c.is_empty()),
        attachments: serde_json::from_str(&input.attachments).unwrap_or_default(),
    };
    let label = i18n.tf(msg::mine::REPLY_LABEL, &[("title", title)]);
    let path = format!("/api/v1/support/tickets/{id}/messages");
    Some(Queued::taken(REPLY_KIND, label, Rest::post(path, serde_json::to_string(&new).ok())).about(id))
}

/// What a waiting action's chip looks like: refused ones stand out.
fn chip_class(queued: &Queued) -> &'static str {
    if queued.refused.is_some() {
        "chip chip-danger"
    } else {
        "chip chip-warn"
    }
}

/// The support tickets written offline, not sent yet.
#[component]
pub fn WaitingTickets() -> impl IntoView {
    let i18n = use_i18n();
    let waiting = move || mine::waiting(OPEN_KIND, None).into_iter().filter_map(|q| Some((serde_json::from_str::<NewSupportTicket>(q.request.body.as_deref()?).ok()?, q)));
    view! {
        <ul class="support-list support-waiting">
            {move || waiting().map(|(new, q)| view! {
                <li class="card support-item" data-testid="support-waiting">
                    <span>{new.title}</span>
                    <span class="support-meta">
                        <span class=chip_class(&q)>{i18n.t(msg::mine::WAITING_CHIP)}</span>
                        <span class="muted">{i18n.t(new.category.label())}</span>
                    </span>
                </li>
            }).collect_view()}
        </ul>
    }
}

/// The replies written offline to one support ticket, not sent yet.
#[component]
pub fn WaitingReplies(ticket_id: String) -> impl IntoView {
    let i18n = use_i18n();
    let waiting = move || {
        mine::waiting(REPLY_KIND, Some(ticket_id.clone())).into_iter().filter_map(|q| Some((serde_json::from_str::<NewMessage>(q.request.body.as_deref()?).ok()?, q)))
    };
    view! {
        <ol class="messages waiting">
            {move || waiting().map(|(new, q)| view! {
                <li class="message card" data-testid="reply-waiting">
                    <p class="message-head">
                        <span class=chip_class(&q)>{i18n.t(msg::mine::WAITING_CHIP)}</span>
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
