//! The signed-in user's own data, kept on this device so that their pages work without a
//! connection: my tickets, orders, notifications and support tickets, and the actions
//! taken while the server could not be reached.
//!
//! - **Kept objects.** A page that loads one of them keeps what it got; when the server
//!   cannot be reached it shows the kept copy instead ([`one_or_kept`], [`page_or_kept`]).
//!   The whole copy is filled after a sign-in and whenever the connection returns (the
//!   top's `sync` says what it holds).
//! - **Queued actions.** An action the server could not be reached for (a reply, a new
//!   support ticket, marking notifications read) is kept as the REST request it stands
//!   for, with the client id that makes a replay happen once, and sent in the order it was
//!   taken when the connection returns ([`replay`]). One the server refuses stays, with its
//!   reason, until the user sends it again or discards it: nothing is lost silently.
//! - **What the page says**: [`SyncStatus`], online or not, how many actions wait, when
//!   the copy was last synced.
//!
//! One IndexedDB database, `taquilla-mine`, emptied on logout by the page and deleted by
//! the service worker.

use std::cmp::Ordering;
use std::future::Future;

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::error::AppError;
use crate::i18n::{msg, use_i18n};
use crate::paging::Page;
use crate::ui::online::use_online;

/// How many kept items a page shows when the server cannot be reached.
pub const KEPT_PER_PAGE: i64 = 50;

/// The REST methods a queued action uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Method {
    Post,
    Patch,
}

/// An action taken while the server could not be reached: the REST request it stands for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Queued {
    /// Its place in the queue (when it was taken), and its key.
    pub key: String,
    /// What kind of action it is ("support.reply"), for the pages that show the waiting ones.
    pub kind: String,
    /// The object it is about (a support ticket's id), if any.
    #[serde(default)]
    pub about: Option<String>,
    /// What it does, as the page that took it put it.
    pub label: String,
    pub method: Method,
    /// The path under the site, `/api/v1/…`.
    pub path: String,
    /// The JSON body, if any.
    #[serde(default)]
    pub body: Option<String>,
    /// When it was taken, in milliseconds since the epoch.
    pub at_ms: i64,
    /// The server's reason, when it refused the action: it waits for the user.
    #[serde(default)]
    pub refused: Option<String>,
}

impl Queued {
    /// An action taken now.
    pub fn taken(kind: &str, about: Option<String>, label: String, method: Method, path: String, body: Option<String>) -> Queued {
        Queued::new(kind, about, label, method, path, body, crate::ui::clock::now_ms(), next_order())
    }

    /// An action taken at `at_ms`; `order` tells apart actions taken in one millisecond.
    pub fn new(kind: &str, about: Option<String>, label: String, method: Method, path: String, body: Option<String>, at_ms: i64, order: u32) -> Queued {
        Queued { key: format!("{at_ms:015}-{order:06}"), kind: kind.to_string(), about, label, method, path, body, at_ms, refused: None }
    }
}

/// What became of a queued action sent to the server.
#[derive(Debug, Clone, PartialEq)]
pub enum Sent {
    /// Done (or done before: the client id made the replay answer the first one).
    Done,
    /// Refused, with the server's reason: kept for the user to decide.
    Refused(String),
    /// Not now: the server was not reached, is busy, or the session has to be renewed.
    Later,
}

/// What the answer to a replayed action means: its HTTP status (`None`: no answer) and the
/// error's message.
pub fn sent(status: Option<u16>, message: &str) -> Sent {
    match status {
        None => Sent::Later,
        Some(s) if (200..300).contains(&s) => Sent::Done,
        // Not the action's fault: the user signs in again, the server recovers.
        Some(401 | 408 | 425 | 429) => Sent::Later,
        Some(s) if s >= 500 => Sent::Later,
        Some(s) if message.trim().is_empty() => Sent::Refused(format!("HTTP {s}")),
        Some(_) => Sent::Refused(message.to_string()),
    }
}

/// One page (from 1) of kept items: those `keep` takes, in `order`.
pub fn page_of<T>(items: Vec<T>, page: i64, keep: impl Fn(&T) -> bool, order: impl FnMut(&T, &T) -> Ordering) -> Page<T> {
    let mut items: Vec<T> = items.into_iter().filter(|i| keep(i)).collect();
    items.sort_by(order);
    let total = items.len() as i64;
    let page = crate::paging::clamp_page(page);
    let skip = usize::try_from((page - 1) * KEPT_PER_PAGE).unwrap_or(usize::MAX);
    let items = items.into_iter().skip(skip).take(KEPT_PER_PAGE as usize).collect();
    Page { items, total, page, per_page: KEPT_PER_PAGE }
}

/// Loads one of the user's objects through `online`. In the browser what it got is kept
/// under `kind` and `id`, and when the server cannot be reached the kept copy answers (the
/// error when there is none).
pub fn one_or_kept<T, F>(kind: &'static str, id: String, online: F) -> impl Future<Output = Result<T, AppError>> + Send + 'static
where
    T: Serialize + DeserializeOwned + 'static,
    F: Future<Output = Result<T, AppError>> + Send + 'static,
{
    // IndexedDB's futures stay on the browser's one thread.
    #[cfg(feature = "hydrate")]
    return send_wrapper::SendWrapper::new(async move { browser::one_or_kept(kind, &id, online.await).await });
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = (kind, id);
        online
    }
}

/// Loads one page of one of the user's lists through `online`. In the browser its items
/// are kept under `kind` (each by `id_of`), and when the server cannot be reached the
/// page is made of the kept items that `keep` takes, in `order`.
pub fn page_or_kept<T, F>(
    kind: &'static str,
    page: i64,
    id_of: fn(&T) -> String,
    keep: fn(&T) -> bool,
    order: fn(&T, &T) -> Ordering,
    online: F,
) -> impl Future<Output = Result<Page<T>, AppError>> + Send + 'static
where
    T: Serialize + DeserializeOwned + 'static,
    F: Future<Output = Result<Page<T>, AppError>> + Send + 'static,
{
    #[cfg(feature = "hydrate")]
    return send_wrapper::SendWrapper::new(async move { browser::page_or_kept(kind, page, id_of, keep, order, online.await).await });
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = (kind, page, id_of, keep, order);
        online
    }
}

/// Changes a kept object in place (the page did something to it offline, such as
/// marking it read), so that the pages show it as it will be once the action is sent.
pub fn change_kept<T>(kind: &'static str, change: impl Fn(&mut T) -> Option<String> + 'static)
where
    T: Serialize + DeserializeOwned + 'static,
{
    #[cfg(feature = "hydrate")]
    leptos::task::spawn_local(async move {
        let _ = browser::change(kind, &change).await;
        browser::changed();
    });
    #[cfg(not(feature = "hydrate"))]
    let _ = (kind, change);
}

/// When the server could not be reached for what `action` was sent with, queues the
/// REST request that `unreachable` makes of it (having changed the kept copy to match, if
/// it likes; `None`: the action cannot wait). The page shows [`SavedOffline`] for it.
pub fn queue_when_unreachable<S>(action: ServerAction<S>, unreachable: impl Fn(&S) -> Option<Queued> + Send + Sync + 'static)
where
    S: ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    S::Output: Send + Sync + 'static,
{
    #[cfg(feature = "hydrate")]
    {
        // The input is gone once the answer is in: kept as it is sent.
        let sent = StoredValue::new(None::<S>);
        Effect::new(move |_| {
            if let Some(input) = action.input().get() {
                sent.set_value(Some(input));
            }
        });
        Effect::new(move |_| {
            if action.value().with(|v| matches!(v, Some(Err(AppError::Transport(_))))) {
                if let Some(request) = sent.with_value(|s| s.as_ref().and_then(&unreachable)) {
                    queue(request);
                }
            }
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (action, unreachable);
}

/// Whether the last answer of a form's action is "the server could not be reached" (the
/// action waits on the device, see [`queue_when_unreachable`]).
pub fn unreachable<T>(result: &Option<Result<T, AppError>>) -> bool {
    matches!(result, Some(Err(AppError::Transport(_))))
}

/// Said where a form's action was kept on the device, to be sent later.
#[component]
pub fn SavedOffline() -> impl IntoView {
    let i18n = use_i18n();
    view! { <p class="notice notice-warn" role="status" data-testid="saved-offline">{i18n.t(msg::mine::SAVED_OFFLINE)}</p> }
}

/// Queues `action`, to be sent when the connection returns.
pub fn queue(action: Queued) {
    #[cfg(feature = "hydrate")]
    leptos::task::spawn_local(async move {
        let _ = browser::enqueue(action).await;
    });
    #[cfg(not(feature = "hydrate"))]
    let _ = action;
}

/// A number that grows whenever the kept copy or the queue changed: a page whose resource
/// reads it loads again (from the server once it is back). Always 0 on the server.
pub fn version() -> u64 {
    #[cfg(feature = "hydrate")]
    return browser::state().version.get();
    #[cfg(not(feature = "hydrate"))]
    0
}

/// The actions waiting (or refused) of `kind` about `about`, oldest first.
pub fn waiting(kind: &'static str, about: Option<String>) -> Vec<Queued> {
    #[cfg(feature = "hydrate")]
    return browser::state().waiting.with(|w| w.iter().filter(|q| q.kind == kind && (about.is_none() || q.about == about)).cloned().collect());
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = (kind, about);
        Vec::new()
    }
}

/// An order number for actions taken in one millisecond.
fn next_order() -> u32 {
    thread_local! {
        static ORDER: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
    }
    ORDER.with(|o| {
        o.set(o.get().wrapping_add(1) % 1_000_000);
        o.get()
    })
}

/// The kept copy of the signed-in user (as JSON), for the header when the server cannot
/// be reached. Its code comes only when it is needed.
#[cfg(feature = "hydrate")]
#[lazy]
pub async fn kept_user() -> Option<String> {
    browser::meta::<String>("user").await.ok().flatten()
}

/// Whether the user may log out: yes, unless actions still wait on this device and they
/// would rather keep them (logging out deletes them).
#[cfg(feature = "hydrate")]
#[lazy]
pub async fn may_forget(i18n: crate::i18n::I18n) -> bool {
    browser::refresh().await;
    let waiting = browser::state().waiting.with_untracked(Vec::len) as i64;
    let question = i18n.plural(msg::mine::CONFIRM_FORGET, waiting, &[]);
    waiting == 0 || web_sys::window().and_then(|w| w.confirm_with_message(&question).ok()).unwrap_or(true)
}

/// Forgets everything kept for the user (they logged out).
#[cfg(feature = "hydrate")]
#[lazy]
pub async fn forget() {
    let _ = browser::forget_all().await;
}

/// Online or not, how many actions wait, when the copy was last synced; the refused
/// actions, each to send again or discard.
#[component]
pub fn SyncStatus() -> impl IntoView {
    let i18n = use_i18n();
    let online = use_online();
    #[cfg(feature = "hydrate")]
    let (waiting, synced_at) = {
        let state = browser::state();
        leptos::task::spawn_local(browser::refresh());
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
        let _ = browser::retry(&key).await;
    });
    #[cfg(not(feature = "hydrate"))]
    let _ = key;
}

/// Drops a refused action.
fn discard(key: String) {
    #[cfg(feature = "hydrate")]
    leptos::task::spawn_local(async move { browser::discard(&key).await.unwrap_or_default() });
    #[cfg(not(feature = "hydrate"))]
    let _ = key;
}

/// Sends the waiting actions in order (at most one replay at a time); answers whether any
/// was sent or refused.
#[cfg(feature = "hydrate")]
pub async fn replay() -> bool {
    browser::replay().await
}

#[cfg(feature = "hydrate")]
pub use browser::{forget_all, keep, keep_meta, kept_one, meta, refresh, replace, state, MineState};

#[cfg(feature = "hydrate")]
mod browser {
    use std::cell::{Cell, RefCell};
    use std::rc::Rc;

    use leptos::prelude::*;
    use rexie::{Index, KeyRange, ObjectStore, Rexie, TransactionMode};
    use serde::de::DeserializeOwned;
    use serde::Serialize;
    use wasm_bindgen::JsValue;

    use super::{sent, Method, Queued, Sent};
    use crate::error::AppError;
    use crate::ui::idb::{self, Fail};

    /// Version 1: `items` (every kept object, keyed `kind/id`, indexed by kind), `queue`
    /// (the actions, keyed in the order they were taken), `meta` (whose copy it is, when it
    /// was synced). A later version adds its stores here; IndexedDB's upgrade keeps the
    /// others.
    const DB_NAME: &str = "taquilla-mine";
    const DB_VERSION: u32 = 1;

    /// What the pages show of the copy, shared by every page of the visit.
    #[derive(Clone)]
    pub struct MineState {
        pub waiting: ArcRwSignal<Vec<Queued>>,
        pub synced_at: ArcRwSignal<Option<i64>>,
        pub version: ArcRwSignal<u64>,
    }

    thread_local! {
        static DB: RefCell<Option<Rc<Rexie>>> = const { RefCell::new(None) };
        static STATE: MineState = MineState { waiting: ArcRwSignal::new(Vec::new()), synced_at: ArcRwSignal::new(None), version: ArcRwSignal::new(0) };
        static REPLAYING: Cell<bool> = const { Cell::new(false) };
    }

    pub fn state() -> MineState {
        STATE.with(MineState::clone)
    }

    /// Tells the pages that the copy changed.
    pub fn changed() {
        state().version.update(|v| *v += 1);
    }

    async fn db() -> Result<Rc<Rexie>, Fail> {
        if let Some(db) = DB.with(|d| d.borrow().clone()) {
            return Ok(db);
        }
        let db = Rc::new(
            Rexie::builder(DB_NAME)
                .version(DB_VERSION)
                .add_object_store(ObjectStore::new("items").key_path("key").add_index(Index::new("kind", "kind")))
                .add_object_store(ObjectStore::new("queue").key_path("key"))
                .add_object_store(ObjectStore::new("meta").key_path("key"))
                .build()
                .await?,
        );
        DB.with(|d| *d.borrow_mut() = Some(db.clone()));
        Ok(db)
    }

    fn item_key(kind: &str, id: &str) -> String {
        format!("{kind}/{id}")
    }

    fn item<T: Serialize>(kind: &str, id: &str, value: &T) -> Result<JsValue, Fail> {
        idb::record(&[("key", &item_key(kind, id)), ("kind", kind)], value)
    }

    /// Keeps `items` (id, value) of `kind`.
    pub async fn keep<T: Serialize>(kind: &str, items: &[(String, &T)]) -> Result<(), Fail> {
        let records = items.iter().map(|(id, value)| item(kind, id, value)).collect::<Result<Vec<_>, _>>()?;
        idb::put_records(&*db().await?, "items", records).await
    }

    /// Keeps `items` (id, value) as every kept object of `kind`: the others go.
    pub async fn replace<T: Serialize>(kind: &str, items: &[(String, &T)]) -> Result<(), Fail> {
        let db = db().await?;
        let tx = db.transaction(&["items"], TransactionMode::ReadWrite)?;
        let store = tx.store("items")?;
        let only = KeyRange::only(&JsValue::from_str(kind)).map_err(|e| Fail::Store(e.to_string()))?;
        for key in store.index("kind")?.get_all_keys(Some(only), None).await? {
            store.delete(key).await?;
        }
        for (id, value) in items {
            store.put(&item(kind, id, value)?, None).await?;
        }
        tx.done().await?;
        Ok(())
    }

    pub async fn kept<T: DeserializeOwned>(kind: &str) -> Result<Vec<T>, Fail> {
        idb::all_in(&*db().await?, "items", "kind", kind).await
    }

    pub async fn kept_one<T: DeserializeOwned>(kind: &str, id: &str) -> Result<Option<T>, Fail> {
        idb::get(&*db().await?, "items", &item_key(kind, id)).await
    }

    pub async fn page_or_kept<T: Serialize + DeserializeOwned>(
        kind: &str,
        page: i64,
        id_of: fn(&T) -> String,
        keep_it: fn(&T) -> bool,
        order: fn(&T, &T) -> std::cmp::Ordering,
        answer: Result<crate::paging::Page<T>, AppError>,
    ) -> Result<crate::paging::Page<T>, AppError> {
        match answer {
            Ok(got) => {
                let items: Vec<(String, &T)> = got.items.iter().map(|i| (id_of(i), i)).collect();
                let _ = keep(kind, &items).await;
                Ok(got)
            }
            Err(AppError::Transport(e)) => {
                // Only a whole copy (a sync has run) may say what the list holds.
                let kept = if has_copy().await { kept::<T>(kind).await.ok() } else { None };
                kept.map(|k| super::page_of(k, page, keep_it, order)).ok_or(AppError::Transport(e))
            }
            Err(e) => Err(e),
        }
    }

    /// Whether this device holds a copy for a signed-in user (a sync has run).
    pub async fn has_copy() -> bool {
        meta::<i64>("synced_at").await.ok().flatten().is_some()
    }

    pub async fn one_or_kept<T: Serialize + DeserializeOwned>(kind: &str, id: &str, answer: Result<T, AppError>) -> Result<T, AppError> {
        match answer {
            Ok(got) => {
                let _ = keep(kind, &[(id.to_string(), &got)]).await;
                Ok(got)
            }
            Err(AppError::Transport(e)) => kept_one::<T>(kind, id).await.ok().flatten().ok_or(AppError::Transport(e)),
            Err(e) => Err(e),
        }
    }

    /// Applies `change` to every kept object of `kind`; keeps those it says changed.
    pub async fn change<T: Serialize + DeserializeOwned>(kind: &str, change: &dyn Fn(&mut T) -> Option<String>) -> Result<(), Fail> {
        let mut changed = Vec::new();
        for mut value in kept::<T>(kind).await? {
            if let Some(id) = change(&mut value) {
                changed.push((id, value));
            }
        }
        let items: Vec<(String, &T)> = changed.iter().map(|(id, v)| (id.clone(), v)).collect();
        keep(kind, &items).await
    }

    pub async fn meta<T: DeserializeOwned>(key: &str) -> Result<Option<T>, Fail> {
        idb::get(&*db().await?, "meta", key).await
    }

    pub async fn keep_meta<T: Serialize>(key: &str, value: &T) -> Result<(), Fail> {
        idb::put_records(&*db().await?, "meta", vec![idb::record(&[("key", key)], value)?]).await
    }

    /// Reads the queue and the last sync into the pages' signals.
    pub async fn refresh() {
        let Ok(db) = db().await else { return };
        let queue = idb::all::<Queued>(&db, "queue").await.unwrap_or_default();
        let synced_at = idb::get::<i64>(&db, "meta", "synced_at").await.ok().flatten();
        let state = state();
        state.waiting.set(queue);
        state.synced_at.set(synced_at);
    }

    pub async fn enqueue(action: Queued) -> Result<(), Fail> {
        idb::put_records(&*db().await?, "queue", vec![idb::record(&[("key", &action.key)], &action)?]).await?;
        refresh().await;
        changed();
        Ok(())
    }

    async fn send(action: &Queued) -> Sent {
        use gloo_net::http::Request;
        let builder = match action.method {
            Method::Post => Request::post(&action.path),
            Method::Patch => Request::patch(&action.path),
        };
        let request = match &action.body {
            Some(body) => builder.header("content-type", "application/json").body(body.clone()),
            None => builder.build(),
        };
        let Ok(request) = request else { return Sent::Refused(String::new()) };
        match request.send().await {
            Err(_) => Sent::Later,
            Ok(res) if res.ok() => Sent::Done,
            Ok(res) => match idb::refusal(res).await {
                Fail::Server { status, message } => sent(Some(status), &message),
                _ => Sent::Later,
            },
        }
    }

    pub async fn replay() -> bool {
        if REPLAYING.with(|r| r.replace(true)) {
            return false;
        }
        let mut any = false;
        if let Ok(db) = db().await {
            for mut action in idb::all::<Queued>(&db, "queue").await.unwrap_or_default() {
                if action.refused.is_some() {
                    continue;
                }
                match send(&action).await {
                    Sent::Done => {
                        let _ = idb::delete(&db, "queue", &action.key).await;
                    }
                    Sent::Refused(reason) => {
                        action.refused = Some(reason);
                        if let Ok(record) = idb::record(&[("key", &action.key)], &action) {
                            let _ = idb::put_records(&db, "queue", vec![record]).await;
                        }
                    }
                    Sent::Later => break,
                }
                any = true;
            }
        }
        REPLAYING.with(|r| r.set(false));
        refresh().await;
        if any {
            changed();
        }
        any
    }

    pub async fn retry(key: &str) -> Result<(), Fail> {
        let db = db().await?;
        if let Some(mut action) = idb::get::<Queued>(&db, "queue", key).await? {
            action.refused = None;
            idb::put_records(&db, "queue", vec![idb::record(&[("key", key)], &action)?]).await?;
        }
        replay().await;
        Ok(())
    }

    pub async fn discard(key: &str) -> Result<(), Fail> {
        idb::delete(&*db().await?, "queue", key).await?;
        refresh().await;
        changed();
        Ok(())
    }

    pub async fn forget_all() -> Result<(), Fail> {
        let result = idb::clear(&*db().await?, &["items", "queue", "meta"]).await;
        // The connection goes, so that the service worker may delete the database.
        if let Some(db) = DB.with(|d| d.borrow_mut().take()) {
            if let Ok(db) = Rc::try_unwrap(db) {
                db.close();
            }
        }
        refresh_empty();
        result
    }

    fn refresh_empty() {
        let state = state();
        state.waiting.set(Vec::new());
        state.synced_at.set(None);
        changed();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replays_are_done_refused_or_left_for_later() {
        assert_eq!(sent(Some(201), ""), Sent::Done);
        assert_eq!(sent(Some(200), ""), Sent::Done, "a replay answered with the first one");
        assert_eq!(sent(None, ""), Sent::Later);
        for status in [401, 408, 429, 500, 502, 503] {
            assert_eq!(sent(Some(status), "busy"), Sent::Later, "{status}");
        }
        assert_eq!(sent(Some(409), "The support ticket is closed."), Sent::Refused("The support ticket is closed.".into()));
        assert_eq!(sent(Some(404), " "), Sent::Refused("HTTP 404".into()));
    }

    #[test]
    fn queued_actions_keep_the_order_they_were_taken_in() {
        let take = |at, order| Queued::new("support.reply", None, String::new(), Method::Post, String::new(), None, at, order);
        let mut keys = vec![take(1_700_000_000_123, 2).key, take(999, 9).key, take(1_700_000_000_123, 1).key, take(1_700_000_000_124, 0).key];
        let taken = keys.clone();
        keys.sort();
        assert_eq!(keys, vec![taken[1].clone(), taken[2].clone(), taken[0].clone(), taken[3].clone()]);
    }

    #[test]
    fn kept_lists_are_filtered_sorted_and_paged() {
        let items: Vec<i64> = (1..=120).collect();
        let page = page_of(items.clone(), 2, |n| n % 2 == 0, |a, b| b.cmp(a));
        assert_eq!(page.total, 60);
        assert_eq!(page.per_page, KEPT_PER_PAGE);
        assert_eq!(page.items.first(), Some(&20));
        assert_eq!(page.items.len(), 10);
        assert_eq!(page.total_pages(), 2);
        assert!(page_of(items.clone(), 9, |_| true, i64::cmp).items.is_empty());
        assert_eq!(page_of(items, i64::MIN, |_| true, i64::cmp).page, 1);
    }
}
