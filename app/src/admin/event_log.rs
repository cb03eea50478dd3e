//! `/admin/events`: every domain event with its consumers' receipts, filtered by type,
//! consumer, state and time; the consumers' failures and dead-letter queues; retry and
//! replay.

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

use crate::admin::api::{read_event_log, RetryEvent, RetryFailed, ShownEvent};
use crate::audit::model::{Receipt, Redeliveries};
use crate::audit::ReceiptState;
use crate::i18n::{msg, use_i18n, Msg};
use crate::ui::{AdminNav, ErrorNotice, Failure, PageTitle, Pager};

fn state_label(state: ReceiptState) -> Msg {
    match state {
        ReceiptState::Received => msg::admin::STATE_RECEIVED,
        ReceiptState::Processed => msg::admin::STATE_PROCESSED,
        ReceiptState::Failed => msg::admin::STATE_FAILED,
    }
}

#[component]
pub fn EventLogPage() -> impl IntoView {
    let query = use_query_map();
    let retry = ServerAction::<RetryEvent>::new();
    let retry_all = ServerAction::<RetryFailed>::new();
    let param = move |name: &str| query.read().get(name).filter(|v| !v.is_empty());
    let log = Resource::new(
        move || {
            let (t, c, s, f, to, r) = (param("type"), param("consumer"), param("state"), param("from"), param("to"), param("request"));
            let page = param("page").and_then(|p| p.parse::<i64>().ok()).unwrap_or(1);
            (t, c, s, f, to, r, page, retry.version().get(), retry_all.version().get())
        },
        |(t, c, s, f, to, r, page, _, _)| read_event_log(t, c, s, f, to, r, page),
    );
    let i18n = use_i18n();
    let outcome = move || {
        let last = retry.value().get().or_else(|| retry_all.value().get());
        last.map(|result| match result {
            Ok(done) => view! { <p class="notice" role="status">{summary(&done)}</p> }.into_any(),
            Err(e) => view! { <ErrorNotice error=e/> }.into_any(),
        })
    };
    // The filters as the pager must keep them.
    let base = move || {
        let mut kept = Vec::new();
        let mut keep = |name: &str| {
            if let Some(v) = param(name) {
                kept.push(format!("{name}={}", urlencode(&v)));
            }
        };
        keep("type");
        keep("consumer");
        keep("state");
        keep("from");
        keep("to");
        keep("request");
        if kept.is_empty() { "/admin/events".to_owned() } else { format!("/admin/events?{}", kept.join("&")) }
    };
    view! {
        <PageTitle text=i18n.t(msg::admin::EVENT_LOG)/>
        <AdminNav/>
        <h1>{i18n.t(msg::admin::EVENT_LOG)}</h1>
        <p class="muted">{i18n.t(msg::admin::EVENT_LOG_INTRO)}</p>
        {outcome}
        <Transition fallback=move || view! { <p class="muted">{i18n.t(msg::admin::LOADING_EVENTS)}</p> }>
            {move || log.get().map(|result| match result {
                Ok(log) => {
                    let consumers: Vec<String> = log.consumers.iter().map(|c| c.name.clone()).collect();
                    let total_pages = log.events.total_pages();
                    let current = log.events.page;
                    view! {
                        <section class="card">
                            <h2>{i18n.t(msg::admin::CONSUMERS)}</h2>
                            <div class="table-wrap">
                                <table class="data">
                                    <thead><tr>
                                        <th scope="col">{i18n.t(msg::admin::CONSUMER)}</th>
                                        <th scope="col">{i18n.t(msg::admin::FAILED)}</th>
                                        <th scope="col">{i18n.t(msg::admin::DEAD_LETTERED)}</th>
                                        <th scope="col">{i18n.t(msg::admin::ACTIONS)}</th>
                                    </tr></thead>
                                    <tbody>
                                        {log.consumers.into_iter().map(|c| {
                                            let label = i18n.tf(msg::admin::RETRY_ALL_OF, &[("consumer", &c.name)]);
                                            view! {
                                                <tr>
                                                    <th scope="row"><code>{c.name.clone()}</code></th>
                                                    <td>{i18n.fmt().number(c.failed)}</td>
                                                    <td>{match c.dead_lettered {
                                                        Some(n) => i18n.fmt().number(n),
                                                        None => i18n.t(msg::admin::NO_QUEUE).to_owned(),
                                                    }}</td>
                                                    <td>{(c.failed > 0).then(|| view! {
                                                        <ActionForm action=retry_all>
                                                            <input type="hidden" name="consumer" value=c.name.clone()/>
                                                            <button type="submit" class="btn btn-small" aria-label=label>{i18n.t(msg::admin::RETRY_ALL)}</button>
                                                        </ActionForm>
                                                    })}</td>
                                                </tr>
                                            }
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            </div>
                        </section>
                        <Filters consumers/>
                        <p class="muted">{i18n.plural(msg::admin::EVENTS_FOUND, log.events.total, &[])}</p>
                        {if log.events.items.is_empty() {
                            view! { <section class="card empty"><p>{i18n.t(msg::admin::NO_EVENTS)}</p></section> }.into_any()
                        } else {
                            view! {
                                <ol class="event-log">
                                    {log.events.items.into_iter().map(|e| view! { <EventItem event=e retry/> }).collect_view()}
                                </ol>
                            }.into_any()
                        }}
                        {(total_pages > 1).then(|| view! { <Pager base=base() page=current total_pages/> })}
                    }.into_any()
                }
                Err(e) => view! { <Failure error=e/> }.into_any(),
            })}
        </Transition>
    }
}

/// What a retry did, in words.
fn summary(done: &Redeliveries) -> String {
    let i18n = use_i18n();
    let count = |outcome: &str| done.items.iter().filter(|d| d.outcome == outcome).count().to_string();
    let (processed, duplicate) = (count("PROCESSED"), count("DUPLICATE"));
    let failed = done.items.iter().filter(|d| d.outcome != "PROCESSED" && d.outcome != "DUPLICATE").count().to_string();
    i18n.plural(msg::admin::REDELIVERED, done.items.len() as i64, &[("processed", &processed), ("duplicate", &duplicate), ("failed", &failed)])
}

fn urlencode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b':' => out.push(byte as char),
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

/// The filter form: a plain GET form, so the filters stay in the URL.
#[component]
fn Filters(consumers: Vec<String>) -> impl IntoView {
    let query = use_query_map();
    let value = move |name: &'static str| query.read().get(name).unwrap_or_default();
    let i18n = use_i18n();
    view! {
        <form method="get" action="/admin/events" class="card filters" aria-label=i18n.t(msg::admin::FILTERS)>
            <div class="field">
                <label for="log-type">{i18n.t(msg::admin::EVENT_TYPE)}</label>
                <input id="log-type" name="type" list="log-types" value=move || value("type")/>
                <datalist id="log-types">
                    <option value="user.created"></option>
                    <option value="user.deactivated"></option>
                    <option value="seats.held"></option>
                    <option value="hold.expiring"></option>
                    <option value="hold.expired"></option>
                    <option value="hold.released"></option>
                    <option value="order.placed"></option>
                    <option value="payment.approved"></option>
                    <option value="payment.rejected"></option>
                    <option value="order.paid"></option>
                    <option value="ticket.issued"></option>
                    <option value="ticket.checked_in"></option>
                    <option value="order.cancelled"></option>
                    <option value="order.refunded"></option>
                    <option value="event.cancelled"></option>
                    <option value="notification.created"></option>
                    <option value="email.queued"></option>
                </datalist>
            </div>
            <div class="field">
                <label for="log-consumer">{i18n.t(msg::admin::CONSUMER)}</label>
                <select id="log-consumer" name="consumer">
                    <option value="">{i18n.t(msg::admin::ANY)}</option>
                    {consumers.into_iter().map(|c| {
                        let selected = value("consumer") == c;
                        view! { <option value=c.clone() selected=selected>{c.clone()}</option> }
                    }).collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="log-state">{i18n.t(msg::admin::STATE)}</label>
                <select id="log-state" name="state">
                    <option value="">{i18n.t(msg::admin::ANY)}</option>
                    {[ReceiptState::Failed, ReceiptState::Received, ReceiptState::Processed].into_iter().map(|s| view! {
                        <option value=s.as_str() selected=move || value("state") == s.as_str()>{i18n.t(state_label(s))}</option>
                    }).collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="log-from">{i18n.t(msg::admin::FROM)}</label>
                <input id="log-from" name="from" type="datetime-local" value=move || value("from")/>
            </div>
            <div class="field">
                <label for="log-to">{i18n.t(msg::admin::TO)}</label>
                <input id="log-to" name="to" type="datetime-local" value=move || value("to")/>
            </div>
            <div class="field">
                <label for="log-request">{i18n.t(msg::admin::REQUEST_FILTER)}</label>
                <input id="log-request" name="request" type="search" maxlength="64" spellcheck="false" value=move || value("request")/>
            </div>
            <div class="actions">
                <button type="submit" class="btn btn-primary">{i18n.t(msg::admin::APPLY)}</button>
                <A href="/admin/events" attr:class="btn btn-ghost">{i18n.t(msg::admin::CLEAR)}</A>
            </div>
        </form>
    }
}

#[component]
fn EventItem(event: ShownEvent, retry: ServerAction<RetryEvent>) -> impl IntoView {
    let i18n = use_i18n();
    let failed = event.receipts.iter().any(|r| r.state == ReceiptState::Failed);
    let payload = event.payload.clone();
    let id = event.id.to_string();
    let event_type = event.event_type.clone();
    view! {
        <li class="card event-entry" class:failed=failed>
            <details>
                <summary>
                    <span class="event-type"><code>{event.event_type.clone()}</code></span>
                    " "
                    <time datetime=crate::i18n::format::machine(event.occurred_at)>{i18n.fmt().datetime(event.occurred_at)}</time>
                    " "
                    {event.receipts.iter().map(|r| {
                        let class = match r.state { ReceiptState::Failed => "chip chip-danger", ReceiptState::Received => "chip chip-warn", ReceiptState::Processed => "chip" };
                        view! { <span class=class><code>{r.consumer.clone()}</code>": "{i18n.t(state_label(r.state))}</span>" " }
                    }).collect_view()}
                </summary>
                <dl class="facts">
                    <dt>{i18n.t(msg::admin::AGGREGATE)}</dt><dd><code>{event.aggregate_id.clone()}</code></dd>
                    <dt>{i18n.t(msg::admin::EVENT_ID)}</dt><dd><code>{id.clone()}</code></dd>
                    {event.request_id.clone().map(|request| view! {
                        <dt>{i18n.t(msg::admin::REQUEST_ID)}</dt>
                        <dd>
                            <code>{request.clone()}</code>" "
                            <A href=format!("/admin/events?request={}", urlencode(&request))>{i18n.t(msg::admin::EVENTS_OF_REQUEST)}</A>
                        </dd>
                    })}
                </dl>
                {(!event.published).then(|| view! { <p class="chip chip-warn">{i18n.t(msg::admin::UNPUBLISHED)}</p> })}
                <h3>{i18n.t(msg::admin::PAYLOAD)}</h3>
                <pre class="payload">{payload}</pre>
                <h3>{i18n.t(msg::admin::RECEIPTS)}</h3>
                {if event.receipts.is_empty() {
                    view! { <p class="muted">{i18n.t(msg::admin::NOT_RECEIVED)}</p> }.into_any()
                } else {
                    view! {
                        <div class="table-wrap">
                            <table class="data">
                                <thead><tr>
                                    <th scope="col">{i18n.t(msg::admin::CONSUMER)}</th>
                                    <th scope="col">{i18n.t(msg::admin::STATE)}</th>
                                    <th scope="col">{i18n.t(msg::admin::ACTIONS)}</th>
                                    <th scope="col">{i18n.t(msg::admin::ATTEMPTS)}</th>
                                    <th scope="col">{i18n.t(msg::admin::NEXT_RETRY)}</th>
                                    <th scope="col">{i18n.t(msg::admin::LAST_ERROR)}</th>
                                </tr></thead>
                                <tbody>
                                    {event.receipts.into_iter().map(|r| view! { <ReceiptRow receipt=r event_id=id.clone() event_type=event_type.clone() retry/> }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                    }.into_any()
                }}
            </details>
        </li>
    }
}

#[component]
fn ReceiptRow(receipt: Receipt, event_id: String, event_type: String, retry: ServerAction<RetryEvent>) -> impl IntoView {
    let i18n = use_i18n();
    let args = [("event_type", event_type.as_str()), ("consumer", receipt.consumer.as_str())];
    let retry_label = i18n.tf(msg::admin::RETRY_OF, &args);
    let replay_label = i18n.tf(msg::admin::REPLAY_OF, &args);
    let failed = receipt.state == ReceiptState::Failed;
    let (retry_id, retry_consumer) = (event_id.clone(), receipt.consumer.clone());
    view! {
        <tr>
            <th scope="row"><code>{receipt.consumer.clone()}</code></th>
            <td>{i18n.t(state_label(receipt.state))}</td>
            <td class="row-actions">
                {failed.then(|| view! {
                    <ActionForm action=retry>
                        <input type="hidden" name="id" value=retry_id/>
                        <input type="hidden" name="consumer" value=retry_consumer/>
                        <button type="submit" class="btn btn-small" aria-label=retry_label>{i18n.t(msg::admin::RETRY)}</button>
                    </ActionForm>
                })}
                <ActionForm action=retry>
                    <input type="hidden" name="id" value=event_id/>
                    <input type="hidden" name="consumer" value=receipt.consumer.clone()/>
                    <input type="hidden" name="force" value="true"/>
                    <button type="submit" class="btn btn-small btn-ghost" aria-label=replay_label>{i18n.t(msg::admin::REPLAY)}</button>
                </ActionForm>
            </td>
            <td>{i18n.fmt().number(receipt.attempts)}</td>
            <td>{receipt.next_retry_at.map(|t| i18n.fmt().datetime(t)).unwrap_or_default()}</td>
            <td class="error-text">{receipt.last_error.clone().unwrap_or_default()}</td>
        </tr>
    }
}
