//! Checkout (hold countdown and payment), order status, my orders.

use leptos::prelude::*;
use crate::ui::PageTitle;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;

use crate::orders::api::{get_hold, get_order, my_orders, CancelOrder, PlaceOrder, ReleaseHold};
use crate::orders::model::{Hold, HoldStatus, Order, OrderStatus};
use crate::i18n::{msg, use_i18n};
use crate::ui::clock::{countdown, ticking};
use crate::error::AppError;
use crate::paging::Page;
use crate::ui::mine::{self, SyncStatus};
use crate::ui::{field_error, form_error, ErrorNotice, Failure, MyListPage, NeedsConnection};

#[component]
pub fn CheckoutPage() -> impl IntoView {
    let params = use_params_map();
    let hold = Resource::new(move || params.read().get("id").unwrap_or_default(), get_hold);
    let i18n = use_i18n();
    // A hold that ends meanwhile (its time ran out, or another tab let it go) shows so.
    #[cfg(feature = "hydrate")]
    {
        use crate::orders::model::HoldChanged;
        use crate::ui::stream::follow;
        let follow = follow(Vec::new(), &[HoldChanged::KIND], move |kind, data| {
            let shown = params.with_untracked(|p| p.get("id")).unwrap_or_default();
            // Not on a reset: the card details being typed would be lost, and the
            // countdown tells the end of the hold anyway.
            if kind == HoldChanged::KIND && serde_json::from_str::<HoldChanged>(data).is_ok_and(|c| c.hold_id == shown) {
                hold.refetch();
            }
        });
        on_cleanup(move || drop(follow));
    }
    view! {
        <PageTitle text=i18n.t(msg::orders::CHECKOUT)/>
        <Suspense fallback=move || view! { <p class="muted">{i18n.t(msg::orders::LOADING_SEATS)}</p> }>
            {move || hold.get().map(|result| match result {
                Ok(hold) => view! { <Checkout hold/> }.into_any(),
                Err(e) => view! { <Failure error=e/> }.into_any(),
            })}
        </Suspense>
    }
}

#[component]
fn Checkout(hold: Hold) -> impl IntoView {
    let i18n = use_i18n();
    let place = ServerAction::<PlaceOrder>::new();
    let release = ServerAction::<ReleaseHold>::new();
    let now = ticking(1000);
    let expires_ms = crate::ui::clock::unix_ms(hold.expires_at);
    let remaining = move || expires_ms - now.get();
    let active = hold.status == HoldStatus::Active;
    let key = uuid::Uuid::new_v4().to_string();
    let result = place.value();
    let err = move |field: &'static str| move || field_error(result.get(), field).map(|m| view! { <p class="field-error">{m}</p> });
    let other_error = move || form_error(result.get());
    let pending = place.pending();
    let hold_id = hold.id.to_string();
    let release_id = hold_id.clone();
    let slug = hold.event_slug.clone();
    view! {
        <section class="checkout">
            <header class="checkout-head">
                <h1>{i18n.t(msg::orders::CHECKOUT)}</h1>
                <p class="muted">{hold.event_title.clone()}</p>
                {active.then(|| view! {
                    <p class="countdown" role="timer" aria-live="off" aria-label=i18n.t(msg::orders::TIME_LEFT)>
                        {i18n.t(msg::orders::HELD_FOR)}" "
                        <strong>{move || countdown(remaining())}</strong>
                    </p>
                })}
            </header>
            <div class="checkout-body">
                <section class="card">
                    <h2>{i18n.t(msg::orders::YOUR_SEATS)}</h2>
                    <ul class="selection-list">
                        {hold.seats.iter().map(|s| view! {
                            <li><span>{s.label(i18n)}</span><span>{i18n.fmt().money(s.price_cents, &hold.currency)}</span></li>
                        }).collect_view()}
                    </ul>
                    <p class="selection-total">{i18n.t(msg::orders::TOTAL)}" " <strong>{i18n.fmt().money(hold.total_cents, &hold.currency)}</strong></p>
                    {active.then(|| view! {
                        <ActionForm action=release>
                            <input type="hidden" name="id" value=release_id.clone()/>
                            <input type="hidden" name="event_slug" value=slug.clone()/>
                            <button type="submit" class="btn btn-ghost">{i18n.t(msg::orders::RELEASE)}</button>
                        </ActionForm>
                    })}
                </section>
                {if !active {
                    view! {
                        <section class="card">
                            <p class="notice" role="status">{i18n.t(msg::orders::HOLD_ENDED)}</p>
                            <A href=format!("/events/{}", hold.event_slug) attr:class="btn btn-primary">{i18n.t(msg::orders::PICK_AGAIN)}</A>
                        </section>
                    }.into_any()
                } else {
                    view! {
                        <section class="card payment">
                            <h2>{i18n.t(msg::orders::PAYMENT)}</h2>
                            <p class="hint">{i18n.t(msg::orders::TEST_CARDS)}</p>
                            <NeedsConnection/>
                            {move || (remaining() <= 0).then(|| view! { <p class="notice" role="alert">{i18n.t(msg::orders::HOLD_EXPIRED)}</p> })}
                                <ActionForm action=place>
                                    <input type="hidden" name="hold_id" value=hold_id.clone()/>
                                    <input type="hidden" name="idempotency_key" value=key.clone()/>
                                    <div class="field">
                                        <label for="card-number">{i18n.t(msg::orders::CARD_NUMBER)}</label>
                                        <input id="card-number" name="card_number" inputmode="numeric" autocomplete="cc-number" required maxlength="23"/>
                                        {err("card_number")}
                                    </div>
                                    <div class="field-row">
                                        <div class="field">
                                            <label for="exp-month">{i18n.t(msg::orders::EXP_MONTH)}</label>
                                            <input id="exp-month" name="exp_month" inputmode="numeric" autocomplete="cc-exp-month" required maxlength="2" placeholder=i18n.t(msg::orders::MONTH_PLACEHOLDER)/>
                                            {err("exp_month")}
                                        </div>
                                        <div class="field">
                                            <label for="exp-year">{i18n.t(msg::orders::EXP_YEAR)}</label>
                                            <input id="exp-year" name="exp_year" inputmode="numeric" autocomplete="cc-exp-year" required maxlength="4" placeholder=i18n.t(msg::orders::YEAR_PLACEHOLDER)/>
                                            {err("exp_year")}
                                        </div>
                                        <div class="field">
                                            <label for="cvc">{i18n.t(msg::orders::CVC)}</label>
                                            <input id="cvc" name="cvc" inputmode="numeric" autocomplete="cc-csc" required maxlength="4"/>
                                            {err("cvc")}
                                        </div>
                                    </div>
                                    <div class="field">
                                        <label for="card-name">{i18n.t(msg::orders::CARD_NAME)}</label>
                                        <input id="card-name" name="name" autocomplete="cc-name" required maxlength="100"/>
                                        {err("name")}
                                    </div>
                                    {move || other_error().map(|e| view! { <ErrorNotice error=e/> })}
                                    <button type="submit" class="btn btn-primary btn-block" disabled=pending>
                                        {i18n.tf(msg::orders::PAY, &[("amount", &i18n.fmt().money(hold.total_cents, &hold.currency))])}
                                    </button>
                                    <p class="hint">{i18n.t(msg::orders::ONLINE_ONLY)}</p>
                                </ActionForm>
                        </section>
                    }.into_any()
                }}
            </div>
        </section>
    }
}

#[component]
pub fn OrderPage() -> impl IntoView {
    let params = use_params_map();
    let order = Resource::new(
        move || (params.read().get("id").unwrap_or_default(), mine::version()),
        |(id, _)| mine::one_or_kept(Order::KEPT, id.clone(), get_order(id)),
    );
    let i18n = use_i18n();
    // The live stream says when the payment is decided (or the order changes otherwise):
    // the order loads again then. When the stream opens, a pending order is loaded again
    // too, in case it was decided before.
    #[cfg(feature = "hydrate")]
    {
        use crate::orders::model::OrderChanged;
        use crate::tickets::model::TicketIssued;
        use crate::ui::stream::{follow, HELLO};
        let follow = follow(Vec::new(), &[OrderChanged::KIND, TicketIssued::KIND, HELLO], move |kind, data| {
            let shown = params.with_untracked(|p| p.get("id")).unwrap_or_default();
            let reload = match kind {
                OrderChanged::KIND => serde_json::from_str::<OrderChanged>(data).is_ok_and(|c| c.order_id == shown),
                // The tickets come a moment after the payment.
                TicketIssued::KIND => serde_json::from_str::<TicketIssued>(data).is_ok_and(|t| t.order_id == shown),
                HELLO => order.with_untracked(|o| {
                    matches!(o, Some(Ok(o)) if o.status == OrderStatus::Pending || (o.status == OrderStatus::Paid && o.ticket_ids.len() < o.items.len()))
                }),
                _ => true,
            };
            if reload {
                order.refetch();
            }
        });
        on_cleanup(move || drop(follow));
    }
    let cancel = ServerAction::<CancelOrder>::new();
    Effect::new(move |_| {
        if let Some(Ok(_)) = cancel.value().get() {
            order.refetch();
        }
    });
    view! {
        <PageTitle text=i18n.t(msg::orders::YOUR_ORDER)/>
        <SyncStatus/>
        <Transition fallback=move || view! { <p class="muted">{i18n.t(msg::orders::LOADING_ORDER)}</p> }>
            {move || order.get().map(|result| match result {
                Ok(o) => view! { <OrderView order=o cancel/> }.into_any(),
                Err(e) => view! { <Failure error=e/> }.into_any(),
            })}
        </Transition>
        {move || cancel.value().get().and_then(|r| r.err()).map(|e| view! { <ErrorNotice error=e/> })}
    }
}

#[component]
fn OrderView(order: Order, cancel: ServerAction<CancelOrder>) -> impl IntoView {
    let i18n = use_i18n();
    // A refusal's stored reason, in the visitor's language.
    let reason = |fallback| match &order.failure_reason {
        Some(stored) => i18n.text(&crate::orders::rules::failure_text(stored)),
        None => i18n.t(fallback).to_string(),
    };
    let status_class = format!("order-status status-{}", order.status.as_str().to_lowercase());
    let message = match order.status {
        OrderStatus::Pending => i18n.t(msg::orders::PENDING_TEXT).to_string(),
        OrderStatus::Paid => i18n.t(msg::orders::PAID_TEXT).to_string(),
        OrderStatus::Rejected => reason(msg::orders::REFUSED_TEXT),
        OrderStatus::Expired => reason(msg::orders::EXPIRED_TEXT),
        OrderStatus::Cancelled => i18n.t(msg::orders::CANCELLED_TEXT).to_string(),
        OrderStatus::Refunded => i18n.t(msg::orders::REFUNDED_TEXT).to_string(),
    };
    let id = order.id.to_string();
    let ticket_links: Vec<(String, String)> = order
        .ticket_ids
        .iter()
        .zip(order.items.iter())
        .map(|(t, s)| (format!("/tickets/{t}"), i18n.tf(msg::orders::TICKET_LINK, &[("seat", &s.label(i18n))])))
        .collect();
    view! {
        <section class="card order">
            <h1>{order.event_title.clone()}</h1>
            <p class="muted">{i18n.fmt().datetime(order.event_starts_at_local.unwrap_or(order.event_starts_at))}</p>
            <p class=status_class role="status">
                <strong>{i18n.t(order.status.label())}</strong>
                <span>{message}</span>
            </p>
            <ul class="selection-list">
                {order.items.iter().map(|s| view! { <li><span>{s.label(i18n)}</span><span>{i18n.fmt().money(s.price_cents, &order.currency)}</span></li> }).collect_view()}
            </ul>
            <p class="selection-total">{i18n.t(msg::orders::TOTAL)}" " <strong>{i18n.fmt().money(order.total_cents, &order.currency)}</strong> " · " {i18n.tf(msg::orders::CARD_ENDING, &[("last4", &order.card_last4)])}</p>
            {(order.status == OrderStatus::Paid).then(|| view! {
                <h2>{i18n.t(msg::orders::TICKETS)}</h2>
                <ul class="ticket-links">
                    {ticket_links.into_iter().map(|(href, text)| view! { <li><A href=href>{text}</A></li> }).collect_view()}
                </ul>
                <ActionForm action=cancel>
                    <input type="hidden" name="id" value=id.clone()/>
                    <button type="submit" class="btn btn-danger btn-small">{i18n.t(msg::orders::CANCEL_ORDER)}</button>
                </ActionForm>
            })}
            {(order.status == OrderStatus::Rejected).then(|| view! {
                <A href=format!("/checkout/{}", order.hold_id) attr:class="btn btn-primary">{i18n.t(msg::orders::TRY_ANOTHER)}</A>
            })}
        </section>
    }
}

#[component]
pub fn MyOrdersPage() -> impl IntoView {
    view! {
        <SyncStatus/>
        <MyListPage title=msg::orders::MY_ORDERS empty=msg::orders::NO_ORDERS base="/orders" list_class="order-list" load=load_orders item=order_item/>
    }
}

/// My orders, from the server or, offline, as this device kept them (newest first).
fn load_orders(page: i64) -> impl std::future::Future<Output = Result<Page<Order>, AppError>> + Send + 'static {
    let newest_first = |a: &Order, b: &Order| b.created_at.cmp(&a.created_at).then(a.id.cmp(&b.id));
    mine::page_or_kept(Order::KEPT, page, |o| o.id.to_string(), |_| true, newest_first, my_orders(page))
}

fn order_item(o: Order) -> AnyView {
    let i18n = use_i18n();
    view! {
        <li class="card">
            <A href=format!("/orders/{}", o.id)>{o.event_title.clone()}</A>
            <span class="muted">{format!("{} · {}", i18n.plural(msg::orders::SEATS, o.items.len() as i64, &[]), i18n.fmt().money(o.total_cents, &o.currency))}</span>
            <span class=format!("chip status-{}", o.status.as_str().to_lowercase())>{i18n.t(o.status.label())}</span>
        </li>
    }
    .into_any()
}
