//! Checkout (hold countdown and payment), order status, my orders.

use leptos::prelude::*;
use crate::ui::PageTitle;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;

use crate::orders::api::{get_hold, get_order, my_orders, CancelOrder, PlaceOrder, ReleaseHold};
use crate::orders::model::{Hold, HoldStatus, Order, OrderStatus};
use crate::time_fmt::{event_datetime, money};
use crate::ui::clock::{countdown, ticking};
use crate::ui::{field_error, form_error, ErrorNotice, Failure, MyListPage};

#[component]
pub fn CheckoutPage() -> impl IntoView {
    let params = use_params_map();
    let hold = Resource::new(move || params.read().get("id").unwrap_or_default(), get_hold);
    view! {
        <PageTitle text="Checkout"/>
        <Suspense fallback=|| view! { <p class="muted">"Loading your seats…"</p> }>
            {move || hold.get().map(|result| match result {
                Ok(hold) => view! { <Checkout hold/> }.into_any(),
                Err(e) => view! { <Failure error=e/> }.into_any(),
            })}
        </Suspense>
    }
}

#[component]
fn Checkout(hold: Hold) -> impl IntoView {
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
                <h1>"Checkout"</h1>
                <p class="muted">{hold.event_title.clone()}</p>
                {active.then(|| view! {
                    <p class="countdown" role="timer" aria-live="off" aria-label="Time left on your hold">
                        "Seats held for "
                        <strong>{move || countdown(remaining())}</strong>
                    </p>
                })}
            </header>
            <div class="checkout-body">
                <section class="card">
                    <h2>"Your seats"</h2>
                    <ul class="selection-list">
                        {hold.seats.iter().map(|s| view! {
                            <li><span>{s.label()}</span><span>{money(s.price_cents, &hold.currency)}</span></li>
                        }).collect_view()}
                    </ul>
                    <p class="selection-total">"Total: " <strong>{money(hold.total_cents, &hold.currency)}</strong></p>
                    {active.then(|| view! {
                        <ActionForm action=release>
                            <input type="hidden" name="id" value=release_id.clone()/>
                            <input type="hidden" name="event_slug" value=slug.clone()/>
                            <button type="submit" class="btn btn-ghost">"Release seats"</button>
                        </ActionForm>
                    })}
                </section>
                {if !active {
                    view! {
                        <section class="card">
                            <p class="notice" role="status">"This hold has ended. The seats may have gone back on sale."</p>
                            <A href=format!("/events/{}", hold.event_slug) attr:class="btn btn-primary">"Pick seats again"</A>
                        </section>
                    }.into_any()
                } else {
                    view! {
                        <section class="card payment">
                            <h2>"Payment"</h2>
                            <p class="hint">"Test cards: 4242 4242 4242 4242 is approved, 4000 0000 0000 0002 is declined, 4000 0000 0000 9995 has insufficient funds."</p>
                            {move || (remaining() <= 0).then(|| view! { <p class="notice" role="alert">"Your hold has expired. Pick your seats again."</p> })}
                                <ActionForm action=place>
                                    <input type="hidden" name="hold_id" value=hold_id.clone()/>
                                    <input type="hidden" name="idempotency_key" value=key.clone()/>
                                    <div class="field">
                                        <label for="card-number">"Card number"</label>
                                        <input id="card-number" name="card_number" inputmode="numeric" autocomplete="cc-number" required maxlength="23"/>
                                        {err("card_number")}
                                    </div>
                                    <div class="field-row">
                                        <div class="field">
                                            <label for="exp-month">"Expiry month"</label>
                                            <input id="exp-month" name="exp_month" inputmode="numeric" autocomplete="cc-exp-month" required maxlength="2" placeholder="MM"/>
                                            {err("exp_month")}
                                        </div>
                                        <div class="field">
                                            <label for="exp-year">"Expiry year"</label>
                                            <input id="exp-year" name="exp_year" inputmode="numeric" autocomplete="cc-exp-year" required maxlength="4" placeholder="YYYY"/>
                                            {err("exp_year")}
                                        </div>
                                        <div class="field">
                                            <label for="cvc">"Security code"</label>
                                            <input id="cvc" name="cvc" inputmode="numeric" autocomplete="cc-csc" required maxlength="4"/>
                                            {err("cvc")}
                                        </div>
                                    </div>
                                    <div class="field">
                                        <label for="card-name">"Name on card"</label>
                                        <input id="card-name" name="name" autocomplete="cc-name" required maxlength="100"/>
                                        {err("name")}
                                    </div>
                                    {move || other_error().map(|e| view! { <ErrorNotice error=e/> })}
                                    <button type="submit" class="btn btn-primary btn-block" disabled=pending>
                                        {format!("Pay {}", money(hold.total_cents, &hold.currency))}
                                    </button>
                                    <p class="hint">"Buying needs a connection; your card number is never stored."</p>
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
    let order = Resource::new(move || params.read().get("id").unwrap_or_default(), get_order);
    // While the payment is processed, look again every second (no manual reload).
    #[cfg(feature = "hydrate")]
    {
        use leptos::leptos_dom::helpers::set_interval_with_handle;
        let poll = move || {
            let pending = order.with_untracked(|o| matches!(o, Some(Ok(o)) if o.status == OrderStatus::Pending));
            if pending {
                order.refetch();
            }
        };
        if let Ok(handle) = set_interval_with_handle(poll, std::time::Duration::from_millis(1000)) {
            on_cleanup(move || handle.clear());
        }
    }
    let cancel = ServerAction::<CancelOrder>::new();
    Effect::new(move |_| {
        if let Some(Ok(_)) = cancel.value().get() {
            order.refetch();
        }
    });
    view! {
        <PageTitle text="Your order"/>
        <Transition fallback=|| view! { <p class="muted">"Loading your order…"</p> }>
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
    let status_class = format!("order-status status-{}", order.status.as_str().to_lowercase());
    let message = match order.status {
        OrderStatus::Pending => "We are processing your payment. This page updates by itself.".to_string(),
        OrderStatus::Paid => "Payment received. Your tickets are ready.".to_string(),
        OrderStatus::Rejected => order.failure_reason.clone().unwrap_or_else(|| "The payment was refused.".into()),
        OrderStatus::Expired => order.failure_reason.clone().unwrap_or_else(|| "This order expired.".into()),
        OrderStatus::Cancelled => "This order was cancelled; its tickets are void.".to_string(),
        OrderStatus::Refunded => "This order was refunded.".to_string(),
    };
    let id = order.id.to_string();
    view! {
        <section class="card order">
            <h1>{order.event_title.clone()}</h1>
            <p class="muted">{event_datetime(order.event_starts_at)}</p>
            <p class=status_class role="status">
                <strong>{order.status.label()}</strong>
                <span>{message}</span>
            </p>
            <ul class="selection-list">
                {order.items.iter().map(|s| view! { <li><span>{s.label()}</span><span>{money(s.price_cents, &order.currency)}</span></li> }).collect_view()}
            </ul>
            <p class="selection-total">"Total: " <strong>{money(order.total_cents, &order.currency)}</strong> {format!(" · card ending {}", order.card_last4)}</p>
            {(order.status == OrderStatus::Paid).then(|| view! {
                <h2>"Tickets"</h2>
                <ul class="ticket-links">
                    {order.ticket_ids.iter().zip(order.items.iter()).map(|(t, s)| view! {
                        <li><A href=format!("/tickets/{t}")>{format!("Ticket: {}", s.label())}</A></li>
                    }).collect_view()}
                </ul>
                <ActionForm action=cancel>
                    <input type="hidden" name="id" value=id.clone()/>
                    <button type="submit" class="btn btn-danger btn-small">"Cancel order"</button>
                </ActionForm>
            })}
            {(order.status == OrderStatus::Rejected).then(|| view! {
                <A href=format!("/checkout/{}", order.hold_id) attr:class="btn btn-primary">"Try another card"</A>
            })}
        </section>
    }
}

#[component]
pub fn MyOrdersPage() -> impl IntoView {
    view! {
        <MyListPage title="My orders" empty="No orders yet." base="/orders" list_class="order-list" load=my_orders item=order_item/>
    }
}

fn order_item(o: Order) -> AnyView {
    view! {
        <li class="card">
            <A href=format!("/orders/{}", o.id)>{o.event_title.clone()}</A>
            <span class="muted">{format!("{} seat(s) · {}", o.items.len(), money(o.total_cents, &o.currency))}</span>
            <span class=format!("chip status-{}", o.status.as_str().to_lowercase())>{o.status.label()}</span>
        </li>
    }
    .into_any()
}
