//! What the pages of the user's own data say of the copy: online or not, how many
//! actions wait, when it was last synced, and the refused actions to send again or
//! discard.

use leptos::prelude::*;

#[cfg(not(feature = "hydrate"))]
use super::Queued;
#[cfg(feature = "hydrate")]
use super::store;
use crate::i18n::{msg, use_i18n};
use crate::ui::online::use_online;

/// Online or not, how many actions wait, when the copy was last synced; the refused
/// actions, each to send again or discard.
#[component]
pub fn SyncStatus() -> impl IntoView {
    let i18n = use_i18n();
    let online = use_online();
    #[cfg(feature = "hydrate")]
    let (waiting, synced_at) = {
        let state = store::state();
        leptos::task::spawn_local(store::refresh());
        (state.waiting, state.synced_at)
    };
    #[cfg(not(feature = "hydrate"))]
    let (waiting, synced_at) = (ArcRwSignal::new(Vec::<Queued>::new()), ArcRwSignal::new(None::<i64>));
    let count = {
        let waiting = waiting.clone();
        move || waiting.with(|w| w.iter().filter(|q| q.refused.is_none()).count() as i64)
    };
    let refused = move || waiting.with(|w| w.iter().filter(|q| q.refused.is_some()).cloned().collect::<Vec<_>>());
    view! {
        <section class="sync-status" aria-label=i18n.t(msg::mine::STATUS)>
            <p>
                <span class=move || if online.get() { "chip chip-ok" } else { "chip chip-warn" } data-testid="mine-online">
                    {move || i18n.t(if online.get() { msg::mine::ONLINE } else { msg::mine::OFFLINE })}
                </span>
                " "
                <span data-testid="mine-waiting">{move || i18n.plural(msg::mine::WAITING, count(), &[])}</span>
                " · "
                <span class="muted" data-testid="mine-synced">{move || match synced_at.get() {
                    Some(ms) => i18n.tf(msg::mine::SYNCED, &[("time", &crate::ui::clock::on_this_device(crate::ui::clock::from_unix_ms(ms)))]),
                    None => i18n.t(msg::mine::NEVER_SYNCED).to_string(),
                }}</span>
            </p>
            {move || (!online.get()).then(|| view! { <p class="muted">{i18n.t(msg::mine::OFFLINE_NOTE)}</p> })}
            <ul class="refused">
                {move || refused().into_iter().map(|q| {
                    let (again, away) = (q.key.clone(), q.key.clone());
                    view! {
                        <li class="notice notice-error" role="alert">
                            <p>{i18n.tf(msg::mine::REFUSED, &[("action", q.label.as_str()), ("reason", q.refused.as_deref().unwrap_or_default())])}</p>
                            <button type="button" class="btn btn-small" on:click=move |_| retry(again.clone())>{i18n.t(msg::mine::SEND_AGAIN)}</button>
                            " "
                            <button type="button" class="btn btn-small btn-ghost" on:click=move |_| discard(away.clone())>{i18n.t(msg::mine::DISCARD)}</button>
                        </li>
                    }
                }).collect_view()}
            </ul>
        </section>
    }
}

/// Sends a refused action again.
fn retry(key: String) {
    #[cfg(feature = "hydrate")]
    leptos::task::spawn_local(async move {
        let _ = store::retry(&key).await;
    });
    #[cfg(not(feature = "hydrate"))]
    let _ = key;
}

/// Drops a refused action.
fn discard(key: String) {
    #[cfg(feature = "hydrate")]
    leptos::task::spawn_local(async move { store::discard(&key).await.unwrap_or_default() });
    #[cfg(not(feature = "hydrate"))]
    let _ = key;
}

