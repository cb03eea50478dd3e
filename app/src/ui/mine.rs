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
//!   reason, until the user sends it again or discards it; one the device cannot keep
//!   (its storage is full) is said so on the form: nothing is lost silently.
//! - **What the page says**: [`SyncStatus`], online or not, how many actions wait, when
//!   the copy was last synced.
//!
//! One IndexedDB database, `taquilla-mine` (`store`), emptied on logout by the page and
//! deleted by the service worker.

use std::cmp::Ordering;
use std::future::Future;

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::error::AppError;
use crate::i18n::{msg, use_i18n};
use crate::paging::Page;

/// How many kept items a page shows when the server cannot be reached.
pub const KEPT_PER_PAGE: i64 = 50;

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
    return send_wrapper::SendWrapper::new(async move { store::one_or_kept(kind, &id, online.await).await });
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
    return send_wrapper::SendWrapper::new(async move { store::page_or_kept(kind, page, id_of, keep, order, online.await).await });
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
        let _ = store::change(kind, &change).await;
        store::changed();
    });
    #[cfg(not(feature = "hydrate"))]
    let _ = (kind, change);
}

/// What became, on this device, of the last submission of a form whose server could not
/// be reached.
#[derive(Debug, Clone, PartialEq)]
pub enum Keeping {
    /// Being written to the device.
    Saving,
    /// In the queue: it is sent when the connection returns.
    Saved,
    /// The device could not keep it (its storage is full, say): nothing was saved or sent.
    NotSaved(String),
}

/// A form's [`Keeping`], for the form to say; `None` until its action waits on the device.
#[derive(Debug, Clone, Copy)]
pub struct Offline(RwSignal<Option<Keeping>>);

impl Offline {
    /// The last submission waits in the queue.
    pub fn saved(self) -> bool {
        self.0.with(|k| k == &Some(Keeping::Saved))
    }

    /// The last submission went to the device (kept or not): the form says so instead of
    /// the server's error.
    pub fn said(self) -> bool {
        self.0.with(Option::is_some)
    }
}

/// When the server could not be reached for what `action` was sent with, queues the
/// REST request that `request_of` makes of it (`None`: the action cannot wait; the form
/// shows the error). Once the device kept it, `then` is told (to change the kept copy to
/// match). The form says what became of it with [`SavedOffline`].
pub fn queue_when_unreachable<S>(
    action: ServerAction<S>,
    request_of: impl Fn(&S) -> Option<Queued> + Send + Sync + 'static,
    then: impl Fn(&Queued) + Send + Sync + 'static,
) -> Offline
where
    S: ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    S::Output: Send + Sync + 'static,
{
    let offline = Offline(RwSignal::new(None));
    #[cfg(feature = "hydrate")]
    {
        // The input is gone once the answer is in: kept as it is sent.
        let sent = StoredValue::new(None::<S>);
        Effect::new(move |_| {
            if let Some(input) = action.input().get() {
                sent.set_value(Some(input));
                offline.0.set(None);
            }
        });
        let then = std::sync::Arc::new(then);
        Effect::new(move |_| {
            if !action.value().with(|v| matches!(v, Some(Err(AppError::Transport(_))))) {
                return;
            }
            let Some(request) = sent.with_value(|s| s.as_ref().and_then(&request_of)) else { return };
            offline.0.set(Some(Keeping::Saving));
            let then = then.clone();
            leptos::task::spawn_local(async move {
                match store::enqueue(request.clone()).await {
                    Ok(()) => {
                        then(&request);
                        offline.0.set(Some(Keeping::Saved));
                    }
                    Err(e) => offline.0.set(Some(Keeping::NotSaved(e.to_string()))),
                }
            });
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (action, request_of, then);
    offline
}

/// Says what became of a form's action kept on the device: saved to be sent later, or
/// not kept at all (then nothing was sent).
#[component]
pub fn SavedOffline(offline: Offline) -> impl IntoView {
    let i18n = use_i18n();
    move || match offline.0.get() {
        Some(Keeping::Saved) => view! { <p class="notice notice-warn" role="status" data-testid="saved-offline">{i18n.t(msg::mine::SAVED_OFFLINE)}</p> }.into_any(),
        Some(Keeping::NotSaved(reason)) => view! {
            <p class="notice notice-error" role="alert" data-testid="not-saved-offline">{i18n.tf(msg::mine::NOT_SAVED, &[("reason", &reason)])}</p>
        }
        .into_any(),
        Some(Keeping::Saving) | None => ().into_any(),
    }
}

/// A number that grows whenever the kept copy or the queue changed: a page whose resource
/// reads it loads again (from the server once it is back). Always 0 on the server.
pub fn version() -> u64 {
    #[cfg(feature = "hydrate")]
    return store::state().version.get();
    #[cfg(not(feature = "hydrate"))]
    0
}

/// The actions waiting (or refused) of `kind` about `about`, oldest first.
pub fn waiting(kind: &'static str, about: Option<String>) -> Vec<Queued> {
    #[cfg(feature = "hydrate")]
    return store::state().waiting.with(|w| w.iter().filter(|q| q.kind == kind && (about.is_none() || q.about == about)).cloned().collect());
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = (kind, about);
        Vec::new()
    }
}

/// The kept copy of the signed-in user (as JSON), for the header when the server cannot
/// be reached. Its code comes only when it is needed.
#[cfg(feature = "hydrate")]
#[lazy]
pub async fn kept_user() -> Option<String> {
    store::meta::<String>("user").await.ok().flatten()
}

/// Whether the user may log out: yes, unless actions still wait on this device (those
/// queued here, and `also_waiting` more, such as a door's scans not yet sent) and they
/// would rather keep them (logging out deletes them).
#[cfg(feature = "hydrate")]
#[lazy]
pub async fn may_forget(i18n: crate::i18n::I18n, also_waiting: usize) -> bool {
    store::refresh().await;
    let waiting = (store::state().waiting.with_untracked(Vec::len) + also_waiting) as i64;
    let question = i18n.plural(msg::mine::CONFIRM_FORGET, waiting, &[]);
    waiting == 0 || web_sys::window().and_then(|w| w.confirm_with_message(&question).ok()).unwrap_or(true)
}

/// Forgets everything kept for the user (they logged out).
#[cfg(feature = "hydrate")]
#[lazy]
pub async fn forget() {
    let _ = store::forget_all().await;
}

/// Sends the waiting actions in order (at most one replay at a time); answers whether any
/// was sent or refused.
#[cfg(feature = "hydrate")]
pub async fn replay() -> bool {
    store::replay().await
}

#[cfg(feature = "hydrate")]
pub use store::{forget_all, keep_meta, kept_one, meta, refresh, replace, state, MineState};

mod queue;
mod status;
#[cfg(feature = "hydrate")]
mod store;

pub use queue::{sent, Method, Queued, Rest, Sent};
pub use status::SyncStatus;

#[cfg(test)]
mod tests {
    use super::*;

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
