//! Event consumers. Each has a name (its receipts and its queue), the event types it
//! wants and a handler; [`deliver`] makes every handler idempotent through receipts.

use std::time::Duration;

use app::audit::receipts::{self, Admission, Delivery, Handled};
use app::audit::{event_types, outbox, EventEnvelope};
use app::state::AppState;
use app::tickets::service::PaidOrder;
use app::AppError;
use futures_util::future::BoxFuture;

use crate::bus::rabbit::{consume_forever, Ack};
use crate::bus::{relay, Bus};

pub mod desk;
pub mod reconciler;

/// Handles one event; the delivery names it and the consumer, for handlers that record
/// their receipt in their own statement.
pub type Handler = fn(AppState, EventEnvelope, Delivery) -> BoxFuture<'static, Result<Handled, AppError>>;

#[derive(Clone, Copy)]
pub struct Consumer {
    pub name: &'static str,
    pub event_types: &'static [&'static str],
    pub handler: Handler,
    /// How many deliveries this process handles at once (the RabbitMQ prefetch).
    pub concurrency: u16,
    /// Where the event store lets handlers admit their deliveries
    /// ([`EventStore::handlers_admit_deliveries`](app::audit::store::EventStore)), this
    /// handler does so in its own statement (see [`receipts::admit_processed_cte`]), and
    /// [`deliver`] does not admit them first.
    pub admits_itself: bool,
}

/// The id an event's payload names under `field`.
fn payload_id(event: &EventEnvelope, field: &str) -> Result<String, AppError> {
    event.payload[field]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| AppError::BadRequest(app::i18n::Text::raw(format!("{} without {field}", event.event_type))))
}

/// Every consumer of the application.
pub fn consumers() -> Vec<Consumer> {
    vec![
        Consumer {
            name: "notifier",
            event_types: app::notifications::notifier::EVENT_TYPES,
            concurrency: 64,
            admits_itself: false,
            handler: |state, event, _| {
                Box::pin(async move { app::notifications::notifier::notify(&state.db, &state.public_url, &event).await.map(|_| Handled::Done) })
            },
        },
        Consumer {
            name: "mailer",
            event_types: &[event_types::EMAIL_QUEUED],
            // Most of a send is waiting for the mail server.
            concurrency: 16,
            admits_itself: false,
            handler: |state, event, _| {
                Box::pin(async move {
                    app::notifications::mail::send_queued(&state.db, &state.mailer, &payload_id(&event, "email_id")?).await.map(|_| Handled::Done)
                })
            },
        },
        Consumer {
            name: "payment-processor",
            event_types: &[event_types::ORDER_PLACED],
            // Most of a payment is waiting for the gateway (TAQUILLA_PAYMENT_DELAY_MS):
            // many wait at once, or the delay would cap the orders per second (512
            // with the embedded default of 1.5 s: about 340 payments a second).
            concurrency: 512,
            admits_itself: true,
            handler: |state, event, delivery| {
                Box::pin(async move { app::orders::payments::process_payment(&state.db, &*state.order_store, &state.gateway, &payload_id(&event, "order_id")?, &delivery).await })
            },
        },
        Consumer {
            name: "assigner",
            event_types: app::support::assigner::EVENT_TYPES,
            // Choices for agents apart are made side by side; those that could pick the
            // same agent wait for each other in the database (see the assigner).
            concurrency: 16,
            admits_itself: false,
            handler: |state, event, _| Box::pin(async move { app::support::assigner::handle(&state.db, &event).await.map(|_| Handled::Done) }),
        },
        Consumer {
            name: "box-office",
            event_types: &[event_types::EVENT_CANCELLED],
            concurrency: 4,
            admits_itself: false,
            handler: |state, event, _| {
                Box::pin(async move {
                    app::orders::cancellations::close_sales(&state.db, &payload_id(&event, "event_id")?).await.map(|_| Handled::Done)
                })
            },
        },
        Consumer {
            name: "ticket-issuer",
            event_types: &[event_types::ORDER_PAID],
            concurrency: 64,
            admits_itself: true,
            handler: |state, event, delivery| {
                Box::pin(async move {
                    let paid = PaidOrder::from_payload(&event.payload).ok_or_else(|| AppError::BadRequest(app::i18n::Text::raw(format!("{} without order_id", event.event_type))))?;
                    app::tickets::service::issue_for_order(&state.db, &*state.ticket_store, &state.signer, &paid, &delivery).await.map(|(_, handled)| handled)
                })
            },
        },
    ]
}

/// How one delivery ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Processed,
    /// Already processed before: a redelivery, nothing done.
    Duplicate,
    Failed(String),
    /// The database (or what the handler talks to) was out of reach: nothing is known to
    /// have happened, the receipt is not marked failed, and the delivery is tried again
    /// without using up an attempt.
    Unavailable(String),
}

/// Handles one delivery once: records the receipt, runs the handler unless the event was
/// already processed, and records the result. A consumer that admits its deliveries
/// itself does the first and the last in the handler's own statement.
pub async fn deliver(state: &AppState, consumer: &Consumer, event: &EventEnvelope) -> Outcome {
    let delivery = Delivery { event_id: event.id.to_string(), consumer: consumer.name };
    let event_id = delivery.event_id.as_str();
    let admits_itself = consumer.admits_itself && state.event_store.handlers_admit_deliveries();
    if !admits_itself {
        match receipts::admit(&state.db, event_id, consumer.name).await {
            Ok(Admission::AlreadyProcessed) => return Outcome::Duplicate,
            Ok(Admission::Handle { .. }) => {}
            Err(e) if e.is_transient() => return Outcome::Unavailable(format!("recording the receipt: {e}")),
            Err(e) => return Outcome::Failed(format!("recording the receipt: {e}")),
        }
    }
    // Within the request the event came from: what the handler records names it too.
    let result = app::audit::request::within(event.request_id.clone(), (consumer.handler)(state.clone(), event.clone(), delivery.clone())).await;
    let (outcome, recorded) = match result {
        Ok(Handled::Recorded) => (Outcome::Processed, Ok(())),
        Ok(Handled::Duplicate) => (Outcome::Duplicate, Ok(())),
        // A handler that admits itself but had nothing to write learns here whether the
        // delivery was processed before.
        Ok(Handled::Done) => match receipts::mark_processed(&state.db, event_id, consumer.name).await {
            Ok(false) if admits_itself => (Outcome::Duplicate, Ok(())),
            Ok(_) => (Outcome::Processed, Ok(())),
            // The work is done but not recorded: handled again later, which the handler
            // takes as a no-op.
            Err(e) if e.is_transient() => (Outcome::Unavailable(format!("recording the receipt: {e}")), Ok(())),
            Err(e) => (Outcome::Processed, Err(e)),
        },
        Err(e) if e.is_transient() => (Outcome::Unavailable(e.to_string()), Ok(())),
        Err(e) => {
            let message = e.to_string();
            (Outcome::Failed(message.clone()), receipts::mark_failed(&state.db, event_id, consumer.name, &message).await)
        }
    };
    if let Err(e) = recorded {
        tracing::error!(consumer = consumer.name, event_id, error = %e, "could not record the receipt");
    }
    outcome
}

/// How long a delivery keeps waiting for the database to come back before it is handed
/// back to the bus (RabbitMQ requeues it; the reconciler finds it otherwise). Below
/// RabbitMQ's default `consumer_timeout` (30 minutes), past which the broker would close
/// the channel of a delivery left unacknowledged.
pub const OUTAGE_PATIENCE: Duration = Duration::from_secs(20 * 60);

/// The wait before the next try while the database is out of reach: 250 ms, doubling, at
/// most 5 s.
fn outage_backoff(waits: u32) -> Duration {
    Duration::from_millis(250 * 2u64.pow(waits.min(5))).min(Duration::from_secs(5))
}

/// [`deliver`] with retries and back-off; gives up after `max_attempts` failures. An
/// outage is not a failure: the delivery waits for the database, up to
/// [`OUTAGE_PATIENCE`], without counting attempts.
pub async fn deliver_with_retries(state: &AppState, consumer: &Consumer, event: &EventEnvelope, max_attempts: u32) -> Outcome {
    let mut attempt = 1;
    let mut waits = 0;
    let waiting_since = tokio::time::Instant::now();
    loop {
        let outcome = deliver(state, consumer, event).await;
        match &outcome {
            Outcome::Unavailable(reason) if waiting_since.elapsed() < OUTAGE_PATIENCE => {
                if waits == 0 {
                    tracing::warn!(consumer = consumer.name, event_id = %event.id, reason, "database out of reach; waiting for it");
                }
                tokio::time::sleep(outage_backoff(waits)).await;
                waits += 1;
            }
            Outcome::Failed(reason) if attempt < max_attempts => {
                tracing::warn!(consumer = consumer.name, event_id = %event.id, attempt, reason, "consumer failed; retrying");
                tokio::time::sleep(retry_backoff(attempt)).await;
                attempt += 1;
            }
            Outcome::Failed(reason) => {
                tracing::error!(consumer = consumer.name, event_id = %event.id, attempt, reason, "consumer gave up");
                return outcome;
            }
            Outcome::Unavailable(reason) => {
                tracing::error!(consumer = consumer.name, event_id = %event.id, reason, "database out of reach for too long; handing the delivery back");
                return outcome;
            }
            _ => return outcome,
        }
    }
}

/// How many times a delivery is tried before it is given up (and dead-lettered on
/// RabbitMQ), unless configured (`TAQUILLA_CONSUMER_ATTEMPTS`).
pub const MAX_ATTEMPTS: u32 = 5;

/// The wait after the `attempt`-th failure: exponential (200 ms, 400 ms, 800 ms, … at most
/// 30 s) with jitter (a random half to the whole of it), so that deliveries that failed
/// together do not all come back at once.
pub fn retry_backoff(attempt: u32) -> Duration {
    use rand::Rng;
    let full = (100u64 << attempt.min(16)).min(30_000);
    Duration::from_millis(rand::thread_rng().gen_range(full / 2..=full))
}

/// Starts the relay, every consumer and the reconciler on the given bus.
pub async fn spawn_all(state: &AppState, bus: &Bus, max_attempts: u32, relay_on: &tokio::runtime::Handle) -> anyhow::Result<()> {
    let max_attempts = max_attempts.max(1);
    if let Bus::Rabbit(rabbit) = bus {
        let queues: Vec<(&str, &[&str])> = consumers().iter().map(|c| (c.name, c.event_types)).collect();
        rabbit.declare_queues(&queues).await?;
    }
    for consumer in consumers() {
        match bus {
            Bus::InProcess(inproc) => {
                let mut queue = inproc.subscribe(consumer.event_types);
                let state = state.clone();
                // Deliveries that never finished before the last stop, replayed first but
                // through the same concurrency as new ones.
                let day_ago = app::db::now_ms() - 24 * 3600 * 1000;
                let unfinished = outbox::unfinished_for(&state.db, consumer.name, consumer.event_types, day_ago).await?;
                let permits = std::sync::Arc::new(tokio::sync::Semaphore::new(consumer.concurrency.into()));
                tokio::spawn(async move {
                    let mut unfinished = unfinished.into_iter();
                    loop {
                        let event = match unfinished.next() {
                            Some(event) => event,
                            None => match queue.recv().await {
                                Some(event) => event,
                                None => break,
                            },
                        };
                        let Ok(permit) = permits.clone().acquire_owned().await else { break };
                        let state = state.clone();
                        tokio::spawn(async move {
                            deliver_with_retries(&state, &consumer, &event, max_attempts).await;
                            drop(permit);
                        });
                    }
                });
            }
            Bus::Rabbit(rabbit) => {
                let state = state.clone();
                tokio::spawn(consume_forever(rabbit.clone(), consumer.name, consumer.event_types, consumer.concurrency, move |parsed| {
                    let state = state.clone();
                    async move {
                        match parsed {
                            Err(reason) => {
                                tracing::error!(consumer = consumer.name, reason, "undecodable message sent to the dead-letter queue");
                                Ack::DeadLetter
                            }
                            Ok(event) => match deliver_with_retries(&state, &consumer, &event, max_attempts).await {
                                Outcome::Processed | Outcome::Duplicate => Ack::Ack,
                                // Its receipt says FAILED: the reconciler drives it again later.
                                Outcome::Failed(_) => Ack::DeadLetter,
                                Outcome::Unavailable(_) => Ack::Requeue,
                            },
                        }
                    }
                }));
            }
        }
    }
    // Last, so that no event is relayed before every in-process consumer subscribed.
    relay_on.spawn(relay::run(state.clone(), bus.clone()));
    tokio::spawn(reconciler::run(state.clone()));
    tokio::spawn(maintenance(state.clone()));
    tokio::spawn(sweeper(state.clone()));
    Ok(())
}

/// Expires holds on time even when no request arrives, once a second, and warns the
/// holders of those about to expire. (Payments that never resolved are the reconciler's.)
async fn sweeper(state: AppState) {
    let mut tick = tokio::time::interval(Duration::from_millis(1000));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        match app::orders::holds::warn_expiring(&state.db, app::db::now_ms(), app::notifications::rules::EXPIRY_WARNING_MS).await {
            Ok(0) => {}
            Ok(n) => tracing::debug!(holds = n, "holders warned of their holds' expiry"),
            Err(e) => tracing::warn!(error = %e, "warning of expiring holds failed"),
        }
        match app::orders::holds::expire_due(&state.db).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(holds = n, "expired holds released"),
            Err(e) => tracing::warn!(error = %e, "expiring holds failed"),
        }
    }
}

/// Hourly housekeeping: forgets sessions that ended more than a day ago.
async fn maintenance(state: AppState) {
    let mut tick = tokio::time::interval(Duration::from_secs(3600));
    loop {
        tick.tick().await;
        match app::users::session::purge_expired(&state.db).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(sessions = n, "expired sessions purged"),
            Err(e) => tracing::warn!(error = %e, "purging expired sessions failed"),
        }
    }
}
