//! Whether the browser has a connection, as a signal, and the notice of the pages whose
//! actions need one (holding and buying seats).

use leptos::prelude::*;

use crate::i18n::{msg, use_i18n};

/// True while the browser says it is online. It starts true (as the server rendered the
/// page) and follows the browser once the page is hydrated.
pub fn use_online() -> ReadSignal<bool> {
    let (online, set_online) = signal(true);
    #[cfg(feature = "hydrate")]
    {
        Effect::new(move |_| set_online.set(online_now()));
        let up = window_event_listener(leptos::ev::online, move |_| set_online.set(true));
        let down = window_event_listener(leptos::ev::offline, move |_| set_online.set(false));
        on_cleanup(move || {
            up.remove();
            down.remove();
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = set_online;
    online
}

/// Whether the browser says it is online now.
#[cfg(feature = "hydrate")]
pub fn online_now() -> bool {
    web_sys::window().map(|w| w.navigator().on_line()).unwrap_or(true)
}

/// Said while offline, where what the page does needs the server.
#[component]
pub fn NeedsConnection() -> impl IntoView {
    let online = use_online();
    let i18n = use_i18n();
    move || {
        (!online.get()).then(|| view! { <p class="notice notice-warn" role="alert" data-testid="needs-connection">{i18n.t(msg::ui::NEEDS_CONNECTION)}</p> })
    }
}
