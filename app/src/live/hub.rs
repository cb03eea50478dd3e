//! The live stream's fan-out inside one web process: a broadcast channel per watched
//! topic, fed with the batches of events the bus delivers, and the bounds on how many
//! streams one address or one user may hold.
//!
//! A batch is formatted once, as the bytes every client of its topic writes; a client
//! that falls more than [`BACKLOG`] batches behind is dropped (it reconnects and replays
//! from the event log) and never slows the others.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, MutexGuard};

use bytes::Bytes;
use tokio::sync::{broadcast, watch};

use crate::audit::EventEnvelope;
use crate::live::feed::{self, Message, Topic};

/// How many batches a topic keeps for its slowest client.
pub const BACKLOG: usize = 512;

/// How many streams one client address, and one user, may hold at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreamLimits {
    pub per_address: usize,
    pub per_user: usize,
}

impl Default for StreamLimits {
    fn default() -> Self {
        StreamLimits { per_address: 100, per_user: 10 }
    }
}

/// Messages of one topic, delivered together: the frames joined, and the sequence
/// numbers each one tells (a client skips those its replay already sent).
#[derive(Debug)]
pub struct Batch {
    pub joined: Bytes,
    pub frames: Vec<(Vec<i64>, Bytes)>,
}

impl Batch {
    fn of(frames: Vec<(Vec<i64>, Bytes)>) -> Batch {
        let joined = if frames.len() == 1 {
            frames[0].1.clone()
        } else {
            let mut all = Vec::with_capacity(frames.iter().map(|(_, f)| f.len()).sum());
            for (_, f) in &frames {
                all.extend_from_slice(f);
            }
            Bytes::from(all)
        };
        Batch { joined, frames }
    }
}

/// Why a stream was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    TooManyFromAddress,
    TooManyForUser,
}

#[derive(Default)]
struct Counts {
    by_address: HashMap<IpAddr, usize>,
    by_user: HashMap<String, usize>,
}

/// The fan-out of one web process.
pub struct Hub {
    topics: Mutex<HashMap<Topic, broadcast::Sender<Arc<Batch>>>>,
    counts: Mutex<Counts>,
    limits: StreamLimits,
    closing: watch::Sender<bool>,
}

fn locked<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Hub {
    pub fn new(limits: StreamLimits) -> Hub {
        Hub { topics: Mutex::default(), counts: Mutex::default(), limits, closing: watch::Sender::new(false) }
    }

    pub fn limits(&self) -> StreamLimits {
        self.limits
    }

    /// Counts a new stream against its address and user, or refuses it.
    pub fn admit(self: &Arc<Self>, address: IpAddr, user: Option<&str>) -> Result<Admission, Refusal> {
        let mut counts = locked(&self.counts);
        if counts.by_address.get(&address).copied().unwrap_or(0) >= self.limits.per_address {
            return Err(Refusal::TooManyFromAddress);
        }
        if let Some(user) = user {
            if counts.by_user.get(user).copied().unwrap_or(0) >= self.limits.per_user {
                return Err(Refusal::TooManyForUser);
            }
            *counts.by_user.entry(user.to_owned()).or_default() += 1;
        }
        *counts.by_address.entry(address).or_default() += 1;
        Ok(Admission { hub: self.clone(), address, user: user.map(str::to_owned) })
    }

    /// Streams open now.
    pub fn open_streams(&self) -> usize {
        locked(&self.counts).by_address.values().sum()
    }

    /// Whether any stream of this process watches `topic`.
    pub fn watches(&self, topic: &Topic) -> bool {
        locked(&self.topics).contains_key(topic)
    }

    /// A receiver of each topic's batches, from now on.
    pub fn subscribe(&self, topics: &[Topic]) -> Vec<broadcast::Receiver<Arc<Batch>>> {
        let mut map = locked(&self.topics);
        topics.iter().map(|t| map.entry(t.clone()).or_insert_with(|| broadcast::channel(BACKLOG).0).subscribe()).collect()
    }

    /// Tells every watcher what `events` change; events nobody watches cost a lookup.
    pub fn publish(&self, events: &[EventEnvelope]) {
        self.publish_messages(events.iter().flat_map(feed::messages_of).collect());
    }

    /// [`Hub::publish`], for messages already made of their events (by a caller that
    /// reads them too). A topic's seat changes in a row go out as one message.
    pub fn publish_messages(&self, messages: Vec<Message>) {
        let watched: Vec<Message> = {
            let map = locked(&self.topics);
            messages.into_iter().filter(|m| map.contains_key(&m.topic)).collect()
        };
        let mut by_topic: HashMap<Topic, Vec<(Vec<i64>, Bytes)>> = HashMap::new();
        for message in feed::coalesce(watched) {
            let frame = Bytes::from(message.frame());
            let seqs = message.seqs().collect();
            by_topic.entry(message.topic).or_default().push((seqs, frame));
        }
        if by_topic.is_empty() {
            return;
        }
        let mut map = locked(&self.topics);
        for (topic, frames) in by_topic {
            let delivered = map.get(&topic).map(|sender| sender.send(Arc::new(Batch::of(frames))).is_ok());
            // Nobody listens any more: forget the topic.
            if delivered == Some(false) {
                map.remove(&topic);
            }
        }
    }

    /// Tells every watcher that messages may have been lost (the bus was out of reach):
    /// each loads its state again.
    pub fn reset_all(&self) {
        let reset = Arc::new(Batch::of(vec![(Vec::new(), Bytes::from(feed::reset()))]));
        let mut map = locked(&self.topics);
        map.retain(|_, sender| sender.send(reset.clone()).is_ok());
    }

    /// Ends every stream (the process is shutting down); new ones end at once.
    pub fn close(&self) {
        self.closing.send_replace(true);
    }

    /// Resolves when the hub is closed.
    pub fn closed(&self) -> impl std::future::Future<Output = ()> + Send + 'static {
        let mut closing = self.closing.subscribe();
        async move {
            let _ = closing.wait_for(|closed| *closed).await;
        }
    }

    fn forget_idle_topics(&self) {
        locked(&self.topics).retain(|_, sender| sender.receiver_count() > 0);
    }
}

/// A stream counted against its address and user, until dropped.
pub struct Admission {
    hub: Arc<Hub>,
    address: IpAddr,
    user: Option<String>,
}

impl Drop for Admission {
    fn drop(&mut self) {
        {
            let mut counts = locked(&self.hub.counts);
            let counts = &mut *counts;
            if let Some(n) = counts.by_address.get_mut(&self.address) {
                *n -= 1;
                if *n == 0 {
                    counts.by_address.remove(&self.address);
                }
            }
            if let Some(user) = &self.user {
                if let Some(n) = counts.by_user.get_mut(user) {
                    *n -= 1;
                    if *n == 0 {
                        counts.by_user.remove(user);
                    }
                }
            }
        }
        // Now and then, rather than on every stream's end: the topics nobody watches.
        if self.hub.open_streams() % 64 == 0 {
            self.hub.forget_idle_topics();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn held(event_id: &str, seq: i64) -> EventEnvelope {
        EventEnvelope {
            id: uuid::Uuid::new_v4(),
            seq: Some(seq),
            event_type: crate::audit::event_types::SEATS_HELD.into(),
            aggregate_id: event_id.into(),
            payload: json!({ "event_id": event_id, "hold_id": "h", "user_id": "u", "seat_ids": ["s"] }),
            occurred_at: time::OffsetDateTime::now_utc(),
            request_id: None,
        }
    }

    #[test]
    fn watchers_get_their_topics_batches_only() {
        let hub = Hub::new(StreamLimits::default());
        let mut a = hub.subscribe(&[Topic::Event("a".into())]).remove(0);
        let mut b = hub.subscribe(&[Topic::Event("b".into())]).remove(0);
        hub.publish(&[held("a", 1), held("a", 2), held("c", 3)]);
        let batch = a.try_recv().unwrap();
        assert_eq!(batch.frames.iter().map(|(s, _)| s.clone()).collect::<Vec<_>>(), vec![vec![1, 2]], "two holds in a row, one message");
        assert!(std::str::from_utf8(&batch.joined).unwrap().starts_with("id: 2\nevent: seats\n"));
        assert!(b.try_recv().is_err());
    }

    #[test]
    fn a_slow_watcher_lags_behind_alone() {
        let hub = Hub::new(StreamLimits::default());
        let mut slow = hub.subscribe(&[Topic::Event("a".into())]).remove(0);
        let mut quick = hub.subscribe(&[Topic::Event("a".into())]).remove(0);
        for seq in 0..(BACKLOG as i64 + 10) {
            hub.publish(&[held("a", seq)]);
            assert!(quick.try_recv().is_ok());
        }
        assert!(matches!(slow.try_recv(), Err(broadcast::error::TryRecvError::Lagged(_))));
    }

    #[test]
    fn streams_are_bounded_per_address_and_per_user() {
        let hub = Arc::new(Hub::new(StreamLimits { per_address: 2, per_user: 1 }));
        let ip: IpAddr = "10.0.0.1".parse().unwrap();
        let first = hub.admit(ip, Some("u")).unwrap();
        assert_eq!(hub.admit(ip, Some("u")).err(), Some(Refusal::TooManyForUser));
        let second = hub.admit(ip, None).unwrap();
        assert_eq!(hub.admit(ip, None).err(), Some(Refusal::TooManyFromAddress));
        assert!(hub.admit("10.0.0.2".parse().unwrap(), None).is_ok());
        drop(first);
        assert!(hub.admit(ip, Some("u")).is_ok());
        drop(second);
        assert_eq!(hub.open_streams(), 0);
    }
}
