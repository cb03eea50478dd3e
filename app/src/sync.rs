//! Fills this device's copy of the signed-in user's data (see `ui::mine`): my tickets,
//! orders, notifications and support tickets with their conversations. It runs once a
//! page shows a signed-in user, whenever the connection returns, and every few minutes
//! while a page is open; the actions waiting go first, in the order they were taken.

/// Keeps the copy of the user `user_id` up to date from now on in this page; `preload`
/// fetches the code of the pages the copy serves, so that they open offline. Its code
/// comes only with a signed-in page.
#[cfg(feature = "hydrate")]
#[leptos::prelude::lazy]
pub async fn keep_mine(user_id: String, preload: fn()) {
    browser::keep_mine(user_id, preload).await;
}

#[cfg(feature = "hydrate")]
mod browser {
    use std::cell::{Cell, RefCell};

    use leptos::prelude::WithUntracked;
    use serde::de::DeserializeOwned;
    use serde::{Deserialize, Serialize};
    use wasm_bindgen::JsCast;

    use crate::notifications::Notification;
    use crate::orders::model::Order;
    use crate::paging::Page;
    use crate::support::model::SupportTicket;
    use crate::tickets::Ticket;
    use crate::ui::idb::{answer, Fail};
    use crate::ui::mine;
    use crate::ui::online::online_now as online;

    /// How often the copy is refreshed while a page stays open and online.
    const EVERY_MS: u32 = 5 * 60 * 1000;
    /// How often waiting actions are tried again while the browser says it is online
    /// (a request can fail while it does).
    const RETRY_MS: u32 = 30 * 1000;
    /// The most pages of one list kept.
    const MAX_PAGES: i64 = 20;

    thread_local! {
        /// The user whose copy this page keeps (their id).
        static USER: RefCell<Option<String>> = const { RefCell::new(None) };
        static SYNCING: Cell<bool> = const { Cell::new(false) };
    }

    #[derive(Deserialize)]
    struct Me {
        id: String,
    }

    pub async fn keep_mine(user_id: String, preload: fn()) {
        let first = USER.with(|u| u.borrow().is_none());
        let same = USER.with(|u| u.replace(Some(user_id.clone()))).as_deref() == Some(user_id.as_str());
        if first {
            watch();
            preload();
        } else if same {
            return;
        }
        sync().await;
    }

    /// Syncs when the connection returns, and from time to time.
    fn watch() {
        let Some(window) = web_sys::window() else { return };
        let on_online = wasm_bindgen::closure::Closure::<dyn Fn()>::new(|| leptos::task::spawn_local(sync()));
        let _ = window.add_event_listener_with_callback("online", on_online.as_ref().unchecked_ref());
        on_online.forget();
        let every = wasm_bindgen::closure::Closure::<dyn Fn()>::new(|| leptos::task::spawn_local(sync()));
        let _ = window.set_interval_with_callback_and_timeout_and_arguments_0(every.as_ref().unchecked_ref(), EVERY_MS as i32);
        every.forget();
        let retry = wasm_bindgen::closure::Closure::<dyn Fn()>::new(|| {
            let waiting = mine::state().waiting.with_untracked(|w| w.iter().any(|q| q.refused.is_none()));
            if waiting && online() {
                leptos::task::spawn_local(async {
                    mine::replay().await;
                });
            }
        });
        let _ = window.set_interval_with_callback_and_timeout_and_arguments_0(retry.as_ref().unchecked_ref(), RETRY_MS as i32);
        retry.forget();
    }

    /// Makes the copy `user_id`'s: another user's copy on this device goes first. The
    /// user's profile is kept too, for the header of a page opened offline. Asked at every
    /// sync: the session cookie may be another user's since (a sign-in in another tab),
    /// and then nothing of theirs must go into this user's copy.
    async fn own(user_id: &str) -> Result<(), Fail> {
        let owner = mine::meta::<String>("owner").await?;
        if owner.as_deref().is_some_and(|o| o != user_id) {
            mine::forget_all().await?;
        }
        mine::keep_meta("owner", &user_id.to_string()).await?;
        let res = gloo_net::http::Request::get("/api/v1/me").send().await.map_err(|_| Fail::Offline)?;
        let json = if res.ok() { res.text().await.map_err(|_| Fail::Offline)? } else { return Err(Fail::Offline) };
        match serde_json::from_str::<Me>(&json) {
            Ok(me) if me.id == user_id => mine::keep_meta("user", &json).await,
            _ => Err(Fail::Offline),
        }
    }

    /// Sends the waiting actions, then fills the copy anew.
    async fn sync() {
        let Some(user_id) = USER.with(|u| u.borrow().clone()) else { return };
        if !online() || SYNCING.with(|s| s.replace(true)) {
            return;
        }
        if own(&user_id).await.is_ok() {
            mine::replay().await;
            if fill().await.is_ok() {
                let _ = mine::keep_meta("synced_at", &(js_sys::Date::now() as i64)).await;
            }
            mine::refresh().await;
        }
        SYNCING.with(|s| s.set(false));
    }

    async fn fill() -> Result<(), Fail> {
        let tickets: Vec<Ticket> = all("/api/v1/tickets?").await?;
        keep_all(Ticket::KEPT, &tickets, |t| t.id.to_string()).await?;
        let orders: Vec<Order> = all("/api/v1/orders?").await?;
        keep_all(Order::KEPT, &orders, |o| o.id.to_string()).await?;
        let notifications: Vec<Notification> = all("/api/v1/notifications?").await?;
        keep_all(Notification::KEPT, &notifications, |n| n.id.to_string()).await?;
        let support: Vec<SupportTicket> = all("/api/v1/support/tickets?queue=MINE&").await?;
        keep_all(SupportTicket::KEPT, &support, |t| t.id.to_string()).await?;
        // Each conversation, read again only when the support ticket changed since.
        let mut full = Vec::new();
        for listed in &support {
            let id = listed.id.to_string();
            let kept = mine::kept_one::<SupportTicket>(SupportTicket::KEPT_FULL, &id).await.ok().flatten();
            match kept {
                Some(kept) if kept.updated_at == listed.updated_at && kept.messages.is_some() => full.push(kept),
                _ => full.push(answer(gloo_net::http::Request::get(&format!("/api/v1/support/tickets/{id}")).send().await).await?),
            }
        }
        keep_all(SupportTicket::KEPT_FULL, &full, |t| t.id.to_string()).await
    }

    /// Every item of a list of the REST API (`path` ends in `?` or `&`), up to
    /// [`MAX_PAGES`] pages.
    async fn all<T: DeserializeOwned>(path: &str) -> Result<Vec<T>, Fail> {
        let mut items = Vec::new();
        for page in 1..=MAX_PAGES {
            let got: Page<T> = answer(gloo_net::http::Request::get(&format!("{path}page={page}")).send().await).await?;
            let last = page >= got.total_pages();
            items.extend(got.items);
            if last {
                break;
            }
        }
        Ok(items)
    }

    async fn keep_all<T: Serialize>(kind: &str, items: &[T], id_of: fn(&T) -> String) -> Result<(), Fail> {
        let items: Vec<(String, &T)> = items.iter().map(|i| (id_of(i), i)).collect();
        mine::replace(kind, &items).await
    }
}
