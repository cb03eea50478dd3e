//! In the browser: the IndexedDB database `taquilla-mine` that holds the user's copy and
//! the queue of their actions, and the replay that sends the queue (see `ui::mine`).

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use leptos::prelude::*;
use rexie::{Index, KeyRange, ObjectStore, Rexie, TransactionMode};
use serde::de::DeserializeOwned;
use serde::Serialize;
use wasm_bindgen::JsValue;

use super::{page_of, sent, Method, Queued, Sent};
use crate::error::AppError;
use crate::paging::Page;
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
    answer: Result<Page<T>, AppError>,
) -> Result<Page<T>, AppError> {
    if let Ok(got) = &answer {
        let items: Vec<(String, &T)> = got.items.iter().map(|i| (id_of(i), i)).collect();
        let _ = keep(kind, &items).await;
    }
    // Only a whole copy (a sync has run) may say what the list holds.
    or_copy(answer, async {
        if !has_copy().await {
            return None;
        }
        kept::<T>(kind).await.ok().map(|k| page_of(k, page, keep_it, order))
    })
    .await
}

/// Whether this device holds a copy for a signed-in user (a sync has run).
pub async fn has_copy() -> bool {
    meta::<i64>("synced_at").await.ok().flatten().is_some()
}

pub async fn one_or_kept<T: Serialize + DeserializeOwned>(kind: &str, id: &str, answer: Result<T, AppError>) -> Result<T, AppError> {
    if let Ok(got) = &answer {
        let _ = keep(kind, &[(id.to_string(), got)]).await;
    }
    or_copy(answer, async { kept_one::<T>(kind, id).await.ok().flatten() }).await
}

/// `answer`, unless the server could not be reached: then what `copy` finds, if anything.
async fn or_copy<T>(answer: Result<T, AppError>, copy: impl std::future::Future<Output = Option<T>>) -> Result<T, AppError> {
    match answer {
        Err(AppError::Transport(e)) => copy.await.ok_or(AppError::Transport(e)),
        other => other,
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
    let rest = &action.request;
    let builder = match rest.method {
        Method::Post => Request::post(&rest.path),
        Method::Patch => Request::patch(&rest.path),
    };
    let request = match &rest.body {
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
