//! Feeds this web process's live hub from the bus: every live event, whichever process
//! wrote it. In the embedded mode from the in-process bus; with RabbitMQ from a queue of
//! the process's own (see [`RabbitBus::live_consumer`]).

use std::sync::Arc;
use std::time::Duration;

use app::audit::{event_types, EventEnvelope};
use app::live::feed::{messages_of, Topic, LIVE_EVENT_TYPES, SEAT_EVENT_TYPES};
use app::live::hub::Hub;
use app::orders::seatmap::fragment::SeatMaps;
use futures_util::{FutureExt, StreamExt};

use crate::bus::{Bus, RabbitBus};

/// At most this many events go to the hub as one batch.
const BATCH: usize = 1000;
/// A batch starts at least this long after the one before: a burst of changes reaches
/// each stream as a few writes of many messages, not one write per change. A change
/// after a quiet spell goes out at once.
const PACE: Duration = Duration::from_millis(40);
/// ... and this long for each open stream, up to [`MOST_PACE`]: one message to one
/// stream costs the machine about 11 µs of CPU at the least (`bench/src/floor.rs`: the
/// kernel's loopback write and the reader's read), so the fan-out of a batch costs in
/// proportion to the streams, and spacing the batches in the same proportion keeps it to
/// a bounded share of the CPU while many browsers watch (2,000 streams: a batch every
/// 250 ms at most, about 5 % of this machine's two cores).
const PACE_PER_STREAM: Duration = Duration::from_micros(125);
/// A change waits at most this long for the batch it goes in to start.
const MOST_PACE: Duration = Duration::from_millis(250);

/// What each batch of live events is handed to: the streams, and the seat maps drawn of
/// the events whose seats changed.
#[derive(Clone)]
pub struct Listeners {
    pub hub: Arc<Hub>,
    pub seat_maps: Arc<SeatMaps>,
}

/// What the feed reads of a delivery first: enough to tell whom it concerns.
#[derive(serde::Deserialize)]
struct Glance {
    event_type: String,
    #[serde(default)]
    aggregate_id: String,
    #[serde(default)]
    payload: Ids,
}

#[derive(serde::Deserialize, Default)]
struct Ids {
    #[serde(default)]
    event_id: Option<String>,
    #[serde(default)]
    user_id: Option<String>,
}

impl Listeners {
    /// A delivery from the broker, decoded whole only when a stream of this process
    /// watches what it names (most of an on-sale's events concern nobody here); the seat
    /// maps hear of every seat change either way.
    fn sift(&self, data: &[u8]) -> Option<EventEnvelope> {
        let Ok(glance) = serde_json::from_slice::<Glance>(data) else { return parse(data) };
        let event = glance.payload.event_id.or_else(|| (glance.event_type == event_types::EVENT_CANCELLED).then_some(glance.aggregate_id));
        let watched = event.as_ref().is_some_and(|e| self.hub.watches(&Topic::Event(e.clone())))
            || glance.payload.user_id.is_some_and(|u| self.hub.watches(&Topic::User(u)));
        if watched {
            return parse(data);
        }
        if let Some(event) = event.filter(|_| SEAT_EVENT_TYPES.contains(&glance.event_type.as_str())) {
            self.seat_maps.changed(&event);
        }
        None
    }

    /// Hands `batch` on; then waits for the next one's turn (see [`PACE`]).
    async fn hear(&self, batch: &[EventEnvelope]) {
        let messages: Vec<_> = batch.iter().flat_map(messages_of).collect();
        for message in &messages {
            if let Topic::Event(event_id) = &message.topic {
                self.seat_maps.changed(event_id);
            }
        }
        let handing = tokio::time::Instant::now();
        if let Some(oldest) = batch.first() {
            let age = time::OffsetDateTime::now_utc() - oldest.occurred_at;
            tracing::debug!(events = batch.len(), oldest_ms = age.whole_milliseconds() as i64, "live batch handed on");
        }
        // Written on a thread of its own: handing a batch to thousands of sockets keeps a
        // core busy for a while, and the relay and the live queue (on this runtime's one
        // worker) go on meanwhile.
        let hub = self.hub.clone();
        if let Err(e) = tokio::task::spawn_blocking(move || hub.publish_messages(messages)).await {
            tracing::error!(error = %e, "handing a live batch to the streams failed");
        }
        tracing::debug!(took_us = handing.elapsed().as_micros() as u64, "live batch written");
        tokio::time::sleep_until(handing + pace(self.hub.open_streams())).await;
    }

    /// Events may have been missed.
    fn lost_track(&self) {
        self.hub.reset_all();
        self.seat_maps.forget_all();
    }
}

/// Starts feeding the listeners in the background, on `runtime`.
pub fn spawn(bus: &Bus, hub: Listeners, runtime: &tokio::runtime::Handle) {
    match bus {
        Bus::InProcess(inproc) => {
            let mut queue = inproc.subscribe(LIVE_EVENT_TYPES);
            runtime.spawn(async move {
                while let Some(event) = queue.recv().await {
                    let mut batch = vec![event];
                    while batch.len() < BATCH {
                        match queue.try_recv() {
                            Ok(event) => batch.push(event),
                            Err(_) => break,
                        }
                    }
                    hub.hear(&batch).await;
                }
            });
        }
        Bus::Rabbit(rabbit) => {
            runtime.spawn(from_rabbit(rabbit.clone(), hub));
        }
    }
}

/// Consumes the process's live queue for ever, reconnecting with back-off. After a
/// reconnection every watcher is told to load its state again: what was published
/// while the queue was gone never reached it.
async fn from_rabbit(bus: RabbitBus, hub: Listeners) {
    let mut backoff = Duration::from_millis(200);
    let mut connected_before = false;
    loop {
        match bus.live_consumer(LIVE_EVENT_TYPES).await {
            Ok((_conn, _channel, mut consumer)) => {
                backoff = Duration::from_millis(200);
                if connected_before {
                    hub.lost_track();
                }
                connected_before = true;
                tracing::info!("live queue consuming from RabbitMQ");
                while let Some(delivery) = consumer.next().await {
                    let Ok(delivery) = delivery else { break };
                    let mut batch: Vec<EventEnvelope> = hub.sift(&delivery.data).into_iter().collect();
                    // What else has arrived already, in the same batch.
                    let mut taken = 1;
                    while taken < BATCH {
                        match consumer.next().now_or_never() {
                            Some(Some(Ok(delivery))) => batch.extend(hub.sift(&delivery.data)),
                            _ => break,
                        }
                        taken += 1;
                    }
                    if !batch.is_empty() {
                        hub.hear(&batch).await;
                    }
                }
                tracing::warn!("live queue lost its connection to RabbitMQ");
            }
            Err(e) => tracing::warn!(error = format!("{e:#}"), "cannot consume the live queue from RabbitMQ"),
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(Duration::from_secs(10));
    }
}

/// How long after a batch starts the next may start, with `streams` open.
fn pace(streams: usize) -> Duration {
    PACE_PER_STREAM.saturating_mul(u32::try_from(streams).unwrap_or(u32::MAX)).clamp(PACE, MOST_PACE)
}

fn parse(data: &[u8]) -> Option<EventEnvelope> {
    serde_json::from_slice(data).map_err(|e| tracing::warn!(error = %e, "undecodable live message skipped")).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_are_spaced_by_the_streams_they_go_to() {
        assert_eq!(pace(0), PACE);
        assert_eq!(pace(100), PACE);
        assert_eq!(pace(1_000), Duration::from_millis(125));
        assert_eq!(pace(2_000), MOST_PACE);
        assert_eq!(pace(10_000), MOST_PACE);
        assert_eq!(pace(usize::MAX), MOST_PACE);
    }
}
