//! In the browser: records kept in IndexedDB and the REST API's answers, for the pages
//! that keep data on the device (the door, the signed-in user's own copy, see `mine`).
//!
//! A record is `{key, …, json}`: the value as JSON text (the JSON reader the pages already
//! have, rather than one more for JavaScript objects), beside the fields an index reads.

use rexie::{KeyRange, Rexie, TransactionMode};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use wasm_bindgen::JsValue;

/// Why keeping or fetching failed.
#[derive(Debug, Clone, PartialEq)]
pub enum Fail {
    /// The server could not be reached (or its answer could not be read).
    Offline,
    /// The server answered with an error: its status and message.
    Server { status: u16, message: String },
    /// IndexedDB failed.
    Store(String),
}

impl std::fmt::Display for Fail {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Fail::Offline => f.write_str("the server could not be reached"),
            Fail::Server { status, message } if message.is_empty() => write!(f, "HTTP {status}"),
            Fail::Server { message, .. } => f.write_str(message),
            Fail::Store(e) => f.write_str(e),
        }
    }
}

impl From<rexie::Error> for Fail {
    fn from(e: rexie::Error) -> Fail {
        Fail::Store(e.to_string())
    }
}

/// A record of `value`, with `fields` (the key, and whatever an index reads) beside it.
pub fn record<T: Serialize>(fields: &[(&str, &str)], value: &T) -> Result<JsValue, Fail> {
    let json = serde_json::to_string(value).map_err(|e| Fail::Store(e.to_string()))?;
    let record = js_sys::Object::new();
    for (field, text) in fields.iter().copied().chain([("json", json.as_str())]) {
        js_sys::Reflect::set(&record, &JsValue::from_str(field), &JsValue::from_str(text)).map_err(|_| Fail::Store(field.into()))?;
    }
    Ok(record.into())
}

/// The value a record holds.
pub fn value<T: DeserializeOwned>(record: JsValue) -> Result<T, Fail> {
    let json = js_sys::Reflect::get(&record, &JsValue::from_str("json")).ok().and_then(|v| v.as_string()).ok_or_else(|| Fail::Store("json".into()))?;
    serde_json::from_str(&json).map_err(|e| Fail::Store(e.to_string()))
}

/// Puts `records` into `store`, in one transaction.
pub async fn put_records(db: &Rexie, store: &str, records: Vec<JsValue>) -> Result<(), Fail> {
    let tx = db.transaction(&[store], TransactionMode::ReadWrite)?;
    let s = tx.store(store)?;
    for record in records {
        s.put(&record, None).await?;
    }
    tx.done().await?;
    Ok(())
}

/// Every value of `store` whose `index` reads `equal_to`.
pub async fn all_in<T: DeserializeOwned>(db: &Rexie, store: &str, index: &str, equal_to: &str) -> Result<Vec<T>, Fail> {
    let tx = db.transaction(&[store], TransactionMode::ReadOnly)?;
    let index = tx.store(store)?.index(index)?;
    let only = KeyRange::only(&JsValue::from_str(equal_to)).map_err(|e| Fail::Store(e.to_string()))?;
    let values = index.get_all(Some(only), None).await?;
    values.into_iter().map(value::<T>).collect()
}

/// Every value of `store`, in the order of their keys.
pub async fn all<T: DeserializeOwned>(db: &Rexie, store: &str) -> Result<Vec<T>, Fail> {
    let tx = db.transaction(&[store], TransactionMode::ReadOnly)?;
    let values = tx.store(store)?.get_all(None, None).await?;
    values.into_iter().map(value::<T>).collect()
}

pub async fn get<T: DeserializeOwned>(db: &Rexie, store: &str, key: &str) -> Result<Option<T>, Fail> {
    let tx = db.transaction(&[store], TransactionMode::ReadOnly)?;
    match tx.store(store)?.get(JsValue::from_str(key)).await? {
        Some(v) if !v.is_undefined() => Ok(Some(value::<T>(v)?)),
        _ => Ok(None),
    }
}

pub async fn delete(db: &Rexie, store: &str, key: &str) -> Result<(), Fail> {
    let tx = db.transaction(&[store], TransactionMode::ReadWrite)?;
    tx.store(store)?.delete(JsValue::from_str(key)).await?;
    tx.done().await?;
    Ok(())
}

/// Empties `stores`, in one transaction.
pub async fn clear(db: &Rexie, stores: &[&str]) -> Result<(), Fail> {
    let tx = db.transaction(stores, TransactionMode::ReadWrite)?;
    for store in stores {
        tx.store(store)?.clear().await?;
    }
    tx.done().await?;
    Ok(())
}

// The REST API, with the session cookie. Typed answers only: a lazy page that reads JSON
// as `serde_json::Value` makes the split build keep every page's static data in the
// module of the first visit.

#[derive(Deserialize)]
struct ErrorBody {
    error: ErrorMessage,
}

#[derive(Deserialize)]
struct ErrorMessage {
    #[serde(default)]
    message: String,
}

/// The answer of a request, read as `T`, or why there is none.
pub async fn answer<T: DeserializeOwned>(sent: Result<gloo_net::http::Response, gloo_net::Error>) -> Result<T, Fail> {
    let res = sent.map_err(|_| Fail::Offline)?;
    if res.ok() {
        return res.json::<T>().await.map_err(|_| Fail::Offline);
    }
    Err(refusal(res).await)
}

/// A request's error answer as a [`Fail::Server`].
pub async fn refusal(res: gloo_net::http::Response) -> Fail {
    let status = res.status();
    let message = res.json::<ErrorBody>().await.map(|b| b.error.message).unwrap_or_default();
    Fail::Server { status, message }
}
