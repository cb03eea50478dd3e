//! The event log as an admin reads and repairs it: every domain event with its
//! consumers' receipts, filtered; retrying what FAILED and replaying one event to one
//! consumer, through that consumer's own idempotency.

use std::future::Future;
use std::pin::Pin;

use sqlx::Row;

use crate::audit::model::{ConsumerHealth, EventLog, EventLogFilter, LoggedEvent, Receipt, Redeliveries, Redelivery};
use crate::audit::outbox;
use crate::audit::{EventEnvelope, ReceiptState};
use crate::audit::fallen::MAX_REDRIVES;
use crate::db::{from_ms, to_ms, Db};
use crate::error::AppError;
use crate::i18n::{msg, Text};
use crate::paging::{clamp_page, Page};

/// Events a page of the log shows.
pub const PER_PAGE: i64 = 25;

/// At most this many FAILED deliveries are retried by one "retry all".
pub const RETRY_ALL_LIMIT: i64 = 500;

pub type DeskFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// The consumers, as the process that runs them knows them: the server puts its own in
/// the state ([`crate::state::AppState::with_event_desk`]).
pub trait EventDesk: Send + Sync + 'static {
    /// Every consumer: its name and the event types it handles.
    fn consumers(&self) -> Vec<(&'static str, &'static [&'static str])>;

    /// Messages in the consumer's dead-letter queue, where the bus has one.
    fn dead_lettered<'a>(&'a self, consumer: &'a str) -> DeskFuture<'a, Option<i64>>;

    /// Delivers the event to the consumer now, as its queue would: a receipt already
    /// PROCESSED makes it a no-op.
    fn redeliver<'a>(&'a self, event: EventEnvelope, consumer: &'a str) -> DeskFuture<'a, Redelivery>;
}

/// The desk of a state that runs no consumers (before the server wires its own).
pub struct NoConsumers;

impl EventDesk for NoConsumers {
    fn consumers(&self) -> Vec<(&'static str, &'static [&'static str])> {
        Vec::new()
    }

    fn dead_lettered<'a>(&'a self, _consumer: &'a str) -> DeskFuture<'a, Option<i64>> {
        Box::pin(async { None })
    }

    fn redeliver<'a>(&'a self, event: EventEnvelope, consumer: &'a str) -> DeskFuture<'a, Redelivery> {
        Box::pin(async move {
            Redelivery { event_id: event.id, consumer: consumer.to_owned(), outcome: "UNAVAILABLE".into(), error: Some("no consumers in this process".into()) }
        })
    }
}

/// A page of the log, newest first, with the consumers' health.
pub async fn read(db: &Db, desk: &dyn EventDesk, filter: &EventLogFilter, page: i64) -> Result<EventLog, AppError> {
    let page = clamp_page(page);
    let mut conditions = Vec::new();
    let mut binds: Vec<Bind> = Vec::new();
    if let Some(event_type) = filter.event_type.as_deref().filter(|t| !t.is_empty()) {
        binds.push(Bind::Text(event_type.to_owned()));
        conditions.push(format!("e.event_type = ${}", binds.len()));
    }
    if filter.consumer.is_some() || filter.state.is_some() {
        let mut receipt = vec!["r.event_id = e.id".to_owned()];
        if let Some(consumer) = filter.consumer.as_deref().filter(|c| !c.is_empty()) {
            binds.push(Bind::Text(consumer.to_owned()));
            receipt.push(format!("r.consumer = ${}", binds.len()));
        }
        if let Some(state) = filter.state {
            binds.push(Bind::Text(state.as_str().to_owned()));
            receipt.push(format!("r.state = ${}", binds.len()));
        }
        conditions.push(format!("EXISTS (SELECT 1 FROM event_receipts r WHERE {})", receipt.join(" AND ")));
    }
    if let Some(request) = filter.request_id.as_deref().filter(|r| !r.is_empty()) {
        binds.push(Bind::Text(request.to_owned()));
        conditions.push(format!("e.request_id = ${}", binds.len()));
    }
    if let Some(from) = filter.from {
        binds.push(Bind::Int(to_ms(from)));
        conditions.push(format!("e.occurred_at >= ${}", binds.len()));
    }
    if let Some(to) = filter.to {
        binds.push(Bind::Int(to_ms(to)));
        conditions.push(format!("e.occurred_at < ${}", binds.len()));
    }
    let filter_sql = if conditions.is_empty() { String::new() } else { format!(" WHERE {}", conditions.join(" AND ")) };

    let count_sql = format!("SELECT COUNT(*) FROM domain_events e{filter_sql}");
    let mut count = sqlx::query_scalar::<_, i64>(&count_sql);
    for b in &binds {
        count = match b {
            Bind::Text(t) => count.bind(t.clone()),
            Bind::Int(i) => count.bind(*i),
        };
    }
    let total = count.fetch_one(&db.pool).await?;

    let list_sql = format!(
        "SELECT e.seq, e.id, e.event_type, e.aggregate_id, e.payload, e.occurred_at, e.published_at, e.request_id FROM domain_events e{filter_sql} \
         ORDER BY e.seq DESC LIMIT ${} OFFSET ${}",
        binds.len() + 1,
        binds.len() + 2
    );
    let mut list = sqlx::query(&list_sql);
    for b in &binds {
        list = match b {
            Bind::Text(t) => list.bind(t.clone()),
            Bind::Int(i) => list.bind(*i),
        };
    }
    let rows = list.bind(PER_PAGE).bind((page - 1) * PER_PAGE).fetch_all(&db.pool).await?;
    let mut events = Vec::with_capacity(rows.len());
    for row in &rows {
        let id: String = row.try_get("id")?;
        let payload: String = row.try_get("payload")?;
        events.push(LoggedEvent {
            id: id.parse().map_err(|_| AppError::Internal)?,
            seq: row.try_get("seq")?,
            event_type: row.try_get("event_type")?,
            aggregate_id: row.try_get("aggregate_id")?,
            payload: serde_json::from_str(&payload).unwrap_or(serde_json::Value::String(payload)),
            occurred_at: from_ms(row.try_get("occurred_at")?),
            published_at: row.try_get::<Option<i64>, _>("published_at")?.map(from_ms),
            request_id: row.try_get("request_id")?,
            receipts: Vec::new(),
        });
    }
    if !events.is_empty() {
        let placeholders = (1..=events.len()).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ");
        let sql = format!(
            "SELECT event_id, consumer, state, attempts, last_error, received_at, updated_at FROM event_receipts \
             WHERE event_id IN ({placeholders}) ORDER BY consumer"
        );
        let mut query = sqlx::query(&sql);
        for e in &events {
            query = query.bind(e.id.to_string());
        }
        for row in query.fetch_all(&db.pool).await? {
            let event_id: String = row.try_get("event_id")?;
            let receipt = receipt_from_row(&row)?;
            if let Some(e) = events.iter_mut().find(|e| e.id.to_string() == event_id) {
                e.receipts.push(receipt);
            }
        }
    }

    let failed: Vec<(String, i64)> = sqlx::query("SELECT consumer, COUNT(*) AS failed FROM event_receipts WHERE state = 'FAILED' GROUP BY consumer")
        .fetch_all(&db.pool)
        .await?
        .iter()
        .map(|r| Ok((r.try_get::<String, _>("consumer")?, r.try_get::<i64, _>("failed")?)))
        .collect::<Result<_, AppError>>()?;
    let mut consumers = Vec::new();
    for (name, _) in desk.consumers() {
        consumers.push(ConsumerHealth {
            name: name.to_owned(),
            failed: failed.iter().find(|(c, _)| c == name).map(|(_, n)| *n).unwrap_or(0),
            dead_lettered: desk.dead_lettered(name).await,
        });
    }
    Ok(EventLog { events: Page { items: events, total, page, per_page: PER_PAGE }, consumers })
}

enum Bind {
    Text(String),
    Int(i64),
}

fn receipt_from_row(row: &sqlx::any::AnyRow) -> Result<Receipt, AppError> {
    let state: String = row.try_get("state")?;
    let state = ReceiptState::parse(&state).ok_or(AppError::Internal)?;
    let attempts: i64 = row.try_get("attempts")?;
    let updated_at: i64 = row.try_get("updated_at")?;
    // The reconciler's own schedule (see `fallen::failed_receipts`).
    let next_retry_at = (state == ReceiptState::Failed && attempts < MAX_REDRIVES).then(|| from_ms(updated_at + 5000 * attempts));
    Ok(Receipt {
        consumer: row.try_get("consumer")?,
        state,
        attempts,
        last_error: row.try_get("last_error")?,
        received_at: from_ms(row.try_get("received_at")?),
        updated_at: from_ms(updated_at),
        next_retry_at,
    })
}

/// Delivers one event again. To the consumer named: as a retry (a receipt already
/// PROCESSED makes it a no-op), or with `force` as a replay (that receipt is set aside, so
/// the handler runs again; the handlers are idempotent, so a replay repeats nothing that
/// was done). Without a consumer: to every consumer whose receipt of it FAILED.
pub async fn retry_event(db: &Db, desk: &dyn EventDesk, event_id: &str, consumer: Option<&str>, force: bool) -> Result<Redeliveries, AppError> {
    let event = outbox::find(db, event_id).await?.ok_or(AppError::NotFound)?;
    let consumers = desk.consumers();
    let targets: Vec<&'static str> = match consumer {
        Some(name) => {
            let Some((name, types)) = consumers.iter().find(|(c, _)| *c == name) else {
                return Err(AppError::field("consumer", Text::with(msg::admin::UNKNOWN_CONSUMER, &[("consumer", &name)])));
            };
            if !types.contains(&event.event_type.as_str()) {
                return Err(AppError::field(
                    "consumer",
                    Text::with(msg::admin::CONSUMER_IGNORES, &[("consumer", name), ("event_type", &event.event_type)]),
                ));
            }
            vec![*name]
        }
        None => {
            let failed: Vec<String> = sqlx::query_scalar("SELECT consumer FROM event_receipts WHERE event_id = $1 AND state = 'FAILED' ORDER BY consumer")
                .bind(event_id)
                .fetch_all(&db.pool)
                .await?;
            consumers.iter().filter(|(c, _)| failed.iter().any(|f| f == c)).map(|(c, _)| *c).collect()
        }
    };
    let mut items = Vec::with_capacity(targets.len());
    for name in targets {
        if force {
            sqlx::query("DELETE FROM event_receipts WHERE event_id = $1 AND consumer = $2").bind(event_id).bind(name).execute(&db.pool).await?;
        }
        items.push(desk.redeliver(event.clone(), name).await);
    }
    Ok(Redeliveries { items })
}

/// Retries every FAILED delivery of one consumer, oldest first (at most
/// [`RETRY_ALL_LIMIT`] at a time).
pub async fn retry_failed(db: &Db, desk: &dyn EventDesk, consumer: &str) -> Result<Redeliveries, AppError> {
    let Some((name, _)) = desk.consumers().into_iter().find(|(c, _)| *c == consumer) else {
        return Err(AppError::field("consumer", Text::with(msg::admin::UNKNOWN_CONSUMER, &[("consumer", &consumer)])));
    };
    let ids: Vec<String> = sqlx::query_scalar(
        "SELECT r.event_id FROM event_receipts r JOIN domain_events e ON e.id = r.event_id WHERE r.consumer = $1 AND r.state = 'FAILED' \
         ORDER BY e.seq LIMIT $2",
    )
    .bind(name)
    .bind(RETRY_ALL_LIMIT)
    .fetch_all(&db.pool)
    .await?;
    let mut items = Vec::with_capacity(ids.len());
    for id in ids {
        if let Some(event) = outbox::find(db, &id).await? {
            items.push(desk.redeliver(event, name).await);
        }
    }
    Ok(Redeliveries { items })
}
