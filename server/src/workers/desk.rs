//! The event log's desk in this process: the consumers by name, their dead-letter
//! queues, and a delivery made now, through the consumer's receipts (see [`deliver`]).

use app::audit::log::{DeskFuture, EventDesk};
use app::audit::model::Redelivery;
use app::audit::EventEnvelope;
use app::state::AppState;

use crate::bus::Bus;
use crate::workers::{consumers, deliver, Outcome};

pub struct WorkerDesk {
    state: AppState,
    bus: Bus,
}

impl WorkerDesk {
    pub fn new(state: AppState, bus: Bus) -> WorkerDesk {
        WorkerDesk { state, bus }
    }
}

impl EventDesk for WorkerDesk {
    fn consumers(&self) -> Vec<(&'static str, &'static [&'static str])> {
        consumers().into_iter().map(|c| (c.name, c.event_types)).collect()
    }

    fn dead_lettered<'a>(&'a self, consumer: &'a str) -> DeskFuture<'a, Option<i64>> {
        Box::pin(async move {
            match &self.bus {
                Bus::Rabbit(rabbit) => match rabbit.dead_lettered(consumer).await {
                    Ok(n) => Some(i64::from(n)),
                    Err(e) => {
                        tracing::warn!(consumer, error = %e, "could not count the dead-letter queue");
                        None
                    }
                },
                Bus::InProcess(_) => None,
            }
        })
    }

    fn redeliver<'a>(&'a self, event: EventEnvelope, consumer: &'a str) -> DeskFuture<'a, Redelivery> {
        Box::pin(async move {
            let event_id = event.id;
            let Some(found) = consumers().into_iter().find(|c| c.name == consumer) else {
                return Redelivery { event_id, consumer: consumer.to_owned(), outcome: "FAILED".into(), error: Some("no such consumer".into()) };
            };
            let (outcome, error) = match deliver(&self.state, &found, &event).await {
                Outcome::Processed => ("PROCESSED", None),
                Outcome::Duplicate => ("DUPLICATE", None),
                Outcome::Failed(e) => ("FAILED", Some(e)),
                Outcome::Unavailable(e) => ("UNAVAILABLE", Some(e)),
            };
            tracing::info!(consumer, %event_id, outcome, "delivered again from the event log");
            Redelivery { event_id, consumer: consumer.to_owned(), outcome: outcome.into(), error }
        })
    }
}
