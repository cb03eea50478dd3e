//! Server functions of the event log (admins; the REST API calls the same service).

use leptos::prelude::*;

use serde::{Deserialize, Serialize};

use crate::audit::model::{ConsumerHealth, Receipt, Redeliveries};
use crate::paging::Page;

/// An event as the page shows it: its payload already written out as text, so that the
/// browser handles no JSON values. (Measured: with `serde_json::Value` in this page's
/// code, the split build kept every page's static data in the main module, and the first
/// visit grew from 249 to 267 KB.)
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShownEvent {
    pub id: uuid::Uuid,
    pub event_type: String,
    pub aggregate_id: String,
    /// Pretty-printed JSON.
    pub payload: String,
    #[serde(with = "time::serde::rfc3339")]
    pub occurred_at: time::OffsetDateTime,
    pub published: bool,
    pub request_id: Option<String>,
    pub receipts: Vec<Receipt>,
}

/// A page of the event log as the page shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShownLog {
    pub events: Page<ShownEvent>,
    pub consumers: Vec<ConsumerHealth>,
}
use crate::error::AppError;

#[cfg(feature = "ssr")]
use crate::{audit::log, context::piece, db::Db, users::signed_in::require_admin};

/// A time typed in the page's filter (`YYYY-MM-DDTHH:MM`, the house's time zone).
#[cfg(feature = "ssr")]
fn house_time(field: &str, value: Option<String>) -> Result<Option<time::OffsetDateTime>, AppError> {
    let Some(value) = value.filter(|v| !v.trim().is_empty()) else { return Ok(None) };
    let format = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]");
    let local = time::PrimitiveDateTime::parse(value.trim(), &format).map_err(|_| AppError::field(field, crate::i18n::msg::admin::BAD_TIME))?;
    let zone = crate::catalog::zone::zone(crate::catalog::zone_names::DEFAULT).ok_or(AppError::Internal)?;
    // A time the clocks skip or repeat is taken as the instant a moment later or earlier:
    // a filter needs no more precision than that.
    Ok(Some(crate::catalog::zone::instant_of(local, &zone).unwrap_or_else(|_| local.assume_utc())))
}

/// The log as the page shows it: times in the house's time zone (the same instants),
/// payloads as text.
#[cfg(feature = "ssr")]
fn shown(log: crate::audit::model::EventLog) -> ShownLog {
    let local = |t| crate::catalog::zone::local_in(t, crate::catalog::zone_names::DEFAULT);
    let items = log
        .events
        .items
        .into_iter()
        .map(|event| ShownEvent {
            id: event.id,
            event_type: event.event_type,
            aggregate_id: event.aggregate_id,
            payload: serde_json::to_string_pretty(&event.payload).unwrap_or_default(),
            occurred_at: local(event.occurred_at),
            published: event.published_at.is_some(),
            request_id: event.request_id,
            receipts: event
                .receipts
                .into_iter()
                .map(|r| Receipt { received_at: local(r.received_at), updated_at: local(r.updated_at), next_retry_at: r.next_retry_at.map(local), ..r })
                .collect(),
        })
        .collect();
    ShownLog { events: Page { items, total: log.events.total, page: log.events.page, per_page: log.events.per_page }, consumers: log.consumers }
}

#[server(endpoint = "read_event_log")]
pub async fn read_event_log(
    event_type: Option<String>,
    consumer: Option<String>,
    state: Option<String>,
    from: Option<String>,
    to: Option<String>,
    #[server(default)] request_id: Option<String>,
    page: i64,
) -> Result<ShownLog, AppError> {
    crate::error::respond(async move {
        require_admin().await?;
        let filter = crate::audit::model::EventLogFilter {
            event_type,
            consumer,
            state: state.as_deref().and_then(crate::audit::ReceiptState::parse),
            from: house_time("from", from)?,
            to: house_time("to", to)?,
            request_id: request_id.map(|r| r.trim().to_owned()).filter(|r| !r.is_empty()),
        };
        let desk = piece::<std::sync::Arc<dyn log::EventDesk>>()?;
        log::read(&piece::<Db>()?, &*desk, &filter, page).await.map(shown)
    }
    .await)
}

/// Retries one event for its failed consumers, or for one consumer; with `force`, replays
/// it to that consumer even if processed.
#[server(endpoint = "retry_event")]
pub async fn retry_event(id: String, #[server(default)] consumer: Option<String>, #[server(default)] force: bool) -> Result<Redeliveries, AppError> {
    crate::error::respond(async move {
        require_admin().await?;
        let id = id.parse::<uuid::Uuid>().map_err(|_| AppError::NotFound)?.to_string();
        let desk = piece::<std::sync::Arc<dyn log::EventDesk>>()?;
        log::retry_event(&piece::<Db>()?, &*desk, &id, consumer.as_deref().filter(|c| !c.is_empty()), force).await
    }
    .await)
}

#[server(endpoint = "retry_failed")]
pub async fn retry_failed(consumer: String) -> Result<Redeliveries, AppError> {
    crate::error::respond(async move {
        require_admin().await?;
        let desk = piece::<std::sync::Arc<dyn log::EventDesk>>()?;
        log::retry_failed(&piece::<Db>()?, &*desk, &consumer).await
    }
    .await)
}
