//! A door device in the browser: what it keeps in IndexedDB (the event's bundle, its own
//! scans, the admissions and conflicts it has learnt of) and how it talks with the REST
//! API. Nothing here needs the network but the `fetch_*` and `push` calls.

use rexie::{Index, ObjectStore, Rexie};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::door::{Checkin, CheckinBundle, DoorEvent, DoorStaff, DoorSummary, Scan, ScanBatch, SyncAnswer};
use crate::paging::Page;
use crate::ui::idb::{self, answer};

pub use crate::ui::idb::{get, Fail};

/// The database of door devices. Version 1: bundles, scans, admissions, conflicts, meta.
/// A later version adds its stores in `open`, and IndexedDB's upgrade keeps the others.
const DB_NAME: &str = "taquilla-door";
const DB_VERSION: u32 = 1;

pub async fn open() -> Result<Rexie, Fail> {
    let keyed = |name: &str| ObjectStore::new(name).key_path("key").add_index(Index::new("event_id", "event_id"));
    Ok(Rexie::builder(DB_NAME)
        .version(DB_VERSION)
        .add_object_store(keyed("bundles"))
        .add_object_store(keyed("scans"))
        .add_object_store(keyed("admissions"))
        .add_object_store(keyed("conflicts"))
        .add_object_store(ObjectStore::new("meta").key_path("key").add_index(Index::new("event_id", "event_id")))
        .build()
        .await?)
}

/// Puts `items` (key, value) of one event into `store`, in one transaction.
pub async fn put_all<T: Serialize>(db: &Rexie, store: &str, event_id: &str, items: &[(String, &T)]) -> Result<(), Fail> {
    let records = items.iter().map(|(key, value)| idb::record(&[("key", key), ("event_id", event_id)], value)).collect::<Result<Vec<_>, _>>()?;
    idb::put_records(db, store, records).await
}

/// Every value of one event in `store`.
pub async fn all_of<T: DeserializeOwned>(db: &Rexie, store: &str, event_id: &str) -> Result<Vec<T>, Fail> {
    idb::all_in(db, store, "event_id", event_id).await
}

/// Forgets everything (another user signed in on this device).
pub async fn clear(db: &Rexie) -> Result<(), Fail> {
    idb::clear(db, &["bundles", "scans", "admissions", "conflicts", "meta"]).await
}

/// Where a browser keeps its door device id.
const DEVICE_KEY: &str = "taquilla-door-device";

/// This browser's door device id, made once and kept.
pub fn device_id() -> String {
    let storage = web_sys::window().and_then(|w| w.local_storage().ok().flatten());
    if let Some(id) = storage.as_ref().and_then(|s| s.get_item(DEVICE_KEY).ok().flatten()) {
        return id;
    }
    let id = format!("door-{}", &Uuid::new_v4().simple().to_string()[..8]);
    if let Some(s) = storage {
        let _ = s.set_item(DEVICE_KEY, &id);
    }
    id
}

/// How many scans this device has not sent yet, of every event: none when it never was a
/// door (its database is not even opened then). Asked before logging out, which deletes
/// them; its code comes only then.
#[leptos::prelude::lazy]
pub async fn unsent_scans() -> usize {
    let storage = web_sys::window().and_then(|w| w.local_storage().ok().flatten());
    if storage.and_then(|s| s.get_item(DEVICE_KEY).ok().flatten()).is_none() {
        return 0;
    }
    let Ok(db) = open().await else { return 0 };
    idb::all::<crate::door::DeviceScan>(&db, "scans").await.map(|scans| scans.iter().filter(|s| !s.synced).count()).unwrap_or(0)
}

// The REST API, with the session cookie.

#[derive(Serialize)]
struct Grant<'a> {
    email: &'a str,
}

#[derive(Deserialize)]
struct Me {
    id: String,
}

/// The signed-in user's id, when online and signed in.
pub async fn fetch_me() -> Option<String> {
    let res = gloo_net::http::Request::get("/api/v1/me").send().await.ok()?;
    if !res.ok() {
        return None;
    }
    res.json::<Me>().await.ok().map(|me| me.id)
}

pub async fn fetch_events() -> Result<Vec<DoorEvent>, Fail> {
    answer(gloo_net::http::Request::get("/api/v1/door/events").send().await).await
}

pub async fn fetch_bundle(event_id: &str) -> Result<CheckinBundle, Fail> {
    answer(gloo_net::http::Request::get(&format!("/api/v1/events/{event_id}/checkin-bundle")).send().await).await
}

pub async fn push(event_id: &str, device_id: &str, scans: Vec<Scan>) -> Result<SyncAnswer, Fail> {
    let batch = ScanBatch { event_id: event_id.to_string(), device_id: device_id.to_string(), scans };
    let req = gloo_net::http::Request::post("/api/v1/checkins").json(&batch).map_err(|e| Fail::Store(e.to_string()))?;
    answer(req.send().await).await
}

/// The event's scans changed at or after `since` (all pages, up to 20,000 scans).
pub async fn fetch_changes(event_id: &str, since: OffsetDateTime) -> Result<Vec<Checkin>, Fail> {
    let since = since.format(&time::format_description::well_known::Rfc3339).unwrap_or_default().replace('+', "%2B");
    let mut all = Vec::new();
    for page in 1..=20 {
        let url = format!("/api/v1/events/{event_id}/checkins?since={since}&page={page}");
        let got: Page<Checkin> = answer(gloo_net::http::Request::get(&url).send().await).await?;
        let done = got.items.len() < got.per_page as usize;
        all.extend(got.items);
        if done {
            break;
        }
    }
    Ok(all)
}

pub async fn fetch_summary(event_id: &str) -> Result<DoorSummary, Fail> {
    answer(gloo_net::http::Request::get(&format!("/api/v1/events/{event_id}/door")).send().await).await
}

pub async fn fetch_staff(event_id: &str) -> Result<Vec<DoorStaff>, Fail> {
    answer(gloo_net::http::Request::get(&format!("/api/v1/events/{event_id}/door-staff")).send().await).await
}

pub async fn grant(event_id: &str, email: &str) -> Result<DoorStaff, Fail> {
    let req = gloo_net::http::Request::post(&format!("/api/v1/events/{event_id}/door-staff"))
        .json(&Grant { email })
        .map_err(|e| Fail::Store(e.to_string()))?;
    answer(req.send().await).await
}

pub async fn revoke(event_id: &str, user_id: &str) -> Result<(), Fail> {
    let res = gloo_net::http::Request::delete(&format!("/api/v1/events/{event_id}/door-staff/{user_id}")).send().await.map_err(|_| Fail::Offline)?;
    if res.ok() {
        Ok(())
    } else {
        Err(Fail::Server { status: res.status(), message: String::new() })
    }
}
