//! The live stream's fan-out inside one web process: a broadcast channel per watched
//! topic, fed with the batches of events the bus delivers, and the bounds on how many
//! streams one address or one user may hold.
//!
//! A batch is formatted once, as the bytes every client of its topic writes (once more
//! for the clients that name seats by place, [`crate::live::places`]); a client
//! that falls more than [`BACKLOG`] batches behind is dropped (it reconnects and replays
//! from the event log) and never slows the others.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, MutexGuard};

use bytes::Bytes;
use tokio::sync::{broadcast, watch};

use crate::audit::EventEnvelope;
use crate::db::Db;
use crate::error::AppError;
use crate::live::feed::{self, Message, Topic};
use crate::live::places::{Places, SeatPlaces};

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

/// What a stream follows: a topic, with the event's places when it names seats by place.
#[derive(Clone)]
pub struct Watch {
    pub topic: Topic,
    pub places: Option<Arc<Places>>,
}

impl From<Topic> for Watch {
    fn from(topic: Topic) -> Watch {
        Watch { topic, places: None }
    }
}

type Sender = broadcast::Sender<Arc<Batch>>;

/// The watchers of one topic: those that name seats by id, and those that name them by
/// place (with the event's places). There is a channel while either has a sender.
#[derive(Default)]
struct Channel {
    by_id: Option<Sender>,
    by_place: Option<(Sender, Arc<Places>)>,
}

impl Channel {
    /// Forgets the senders nobody receives from; answers whether one is left.
    fn drop_unheard(&mut self) -> bool {
        if self.by_id.as_ref().is_some_and(|s| s.receiver_count() == 0) {
            self.by_id = None;
        }
        if self.by_place.as_ref().is_some_and(|(s, _)| s.receiver_count() == 0) {
            self.by_place = None;
        }
        self.by_id.is_some() || self.by_place.is_some()
    }
}

#[derive(Default)]
struct Counts {
    by_address: HashMap<IpAddr, usize>,
    by_user: HashMap<String, usize>,
}

/// The fan-out of one web process.
pub struct Hub {
    topics: Mutex<HashMap<Topic, Channel>>,
    counts: Mutex<Counts>,
    places: SeatPlaces,
    limits: StreamLimits,
    closing: watch::Sender<bool>,
}

fn locked<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Hub {
    pub fn new(limits: StreamLimits) -> Hub {
        Hub { topics: Mutex::default(), counts: Mutex::default(), places: SeatPlaces::default(), limits, closing: watch::Sender::new(false) }
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

    /// The places of `event_id`'s seats, for a stream that names seats by place.
    pub async fn places(&self, db: &Db, event_id: &str) -> Result<Arc<Places>, AppError> {
        self.places.of(db, event_id).await
    }

    /// A receiver of each watch's batches, from now on.
    pub fn subscribe(&self, watches: &[Watch]) -> Vec<broadcast::Receiver<Arc<Batch>>> {
        let mut map = locked(&self.topics);
        watches
            .iter()
            .map(|w| {
                let channel = map.entry(w.topic.clone()).or_default();
                match &w.places {
                    None => channel.by_id.get_or_insert_with(|| broadcast::channel(BACKLOG).0).subscribe(),
                    Some(places) => channel.by_place.get_or_insert_with(|| (broadcast::channel(BACKLOG).0, places.clone())).0.subscribe(),
                }
            })
            .collect()
    }

    /// Tells every watcher what `events` change; events nobody watches cost a lookup.
    pub fn publish(&self, events: &[EventEnvelope]) {
        self.publish_messages(events.iter().flat_map(feed::messages_of).collect());
    }

    /// [`Hub::publish`], for messages already made of their events (by a caller that
    /// reads them too). A topic's seat changes in a row go out as one message.
    pub fn publish_messages(&self, messages: Vec<Message>) {
        // Whether each topic is watched by id, and its places if by place.
        let mut wanted: HashMap<Topic, (bool, Option<Arc<Places>>)> = HashMap::new();
        let watched: Vec<Message> = {
            let map = locked(&self.topics);
            messages
                .into_iter()
                .filter(|m| {
                    let Some(channel) = map.get(&m.topic) else { return false };
                    wanted.entry(m.topic.clone()).or_insert_with(|| (channel.by_id.is_some(), channel.by_place.as_ref().map(|(_, p)| p.clone())));
                    true
                })
                .collect()
        };
        type Frames = Vec<(Vec<i64>, Bytes)>;
        let mut by_id: HashMap<Topic, Frames> = HashMap::new();
        let mut by_place: HashMap<Topic, Frames> = HashMap::new();
        for message in feed::coalesce(watched) {
            let Some((ids, places)) = wanted.get(&message.topic) else { continue };
            let seqs: Vec<i64> = message.seqs().collect();
            if let Some(places) = places {
                by_place.entry(message.topic.clone()).or_default().push((seqs.clone(), Bytes::from(message.frame_by_place(places))));
            }
            if *ids {
                by_id.entry(message.topic.clone()).or_default().push((seqs, Bytes::from(message.frame())));
            }
        }
        if by_id.is_empty() && by_place.is_empty() {
            return;
        }
        let mut map = locked(&self.topics);
        for (topic, frames) in by_id {
            if let Some(sender) = map.get(&topic).and_then(|c| c.by_id.as_ref()) {
                let _ = sender.send(Arc::new(Batch::of(frames)));
            }
        }
        for (topic, frames) in by_place {
            if let Some((sender, _)) = map.get(&topic).and_then(|c| c.by_place.as_ref()) {
                let _ = sender.send(Arc::new(Batch::of(frames)));
            }
        }
        // Nobody listens any more: forget the topic.
        for topic in wanted.keys() {
            if map.get_mut(topic).is_some_and(|c| !c.drop_unheard()) {
                map.remove(topic);
            }
        }
    }

    /// Tells every watcher that messages may have been lost (the bus was out of reach):
    /// each loads its state again.
    pub fn reset_all(&self) {
        let reset = Arc::new(Batch::of(vec![(Vec::new(), Bytes::from(feed::reset()))]));
        let mut map = locked(&self.topics);
        for channel in map.values() {
            for sender in channel.by_id.iter().chain(channel.by_place.as_ref().map(|(s, _)| s)) {
                let _ = sender.send(reset.clone());
            }
        }
        map.retain(|_, channel| channel.drop_unheard());
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
        locked(&self.topics).retain(|_, channel| channel.drop_unheard());
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
        let mut a = hub.subscribe(&[Topic::Event("a".into()).into()]).remove(0);
        let mut b = hub.subscribe(&[Topic::Event("b".into()).into()]).remove(0);
        hub.publish(&[held("a", 1), held("a", 2), held("c", 3)]);
        let batch = a.try_recv().unwrap();
        assert_eq!(batch.frames.iter().map(|(s, _)| s.clone()).collect::<Vec<_>>(), vec![vec![1, 2]], "two holds in a row, one message");
        assert!(std::str::from_utf8(&batch.joined).unwrap().starts_with("id: 2\nevent: seats\n"));
        assert!(b.try_recv().is_err());
    }

    #[test]
    fn watchers_by_place_get_the_same_changes_with_seats_by_place() {
        let hub = Hub::new(StreamLimits::default());
        let seat = uuid::Uuid::new_v4();
        let places = Arc::new(Places::of([uuid::Uuid::new_v4(), seat]));
        let topic = Topic::Event("a".into());
        let mut by_id = hub.subscribe(&[topic.clone().into()]).remove(0);
        let mut by_place = hub.subscribe(&[Watch { topic: topic.clone(), places: Some(places) }]).remove(0);
        let mut event = held("a", 4);
        event.payload["seat_ids"] = json!([seat.to_string()]);
        hub.publish(&[event]);
        let told = |batch: Arc<Batch>| String::from_utf8(batch.joined.to_vec()).unwrap();
        assert!(told(by_id.try_recv().unwrap()).ends_with(&format!("\"seat_ids\":[\"{seat}\"]}}\n\n")));
        let placed = by_place.try_recv().unwrap();
        assert_eq!(placed.frames[0].0, vec![4]);
        assert!(told(placed).ends_with("\"seat_indexes\":[1]}\n\n"));
        drop(by_id);
        hub.publish(&[held("a", 5)]);
        assert!(hub.watches(&topic), "watched by place still");
        drop(by_place);
        hub.publish(&[held("a", 6)]);
        assert!(!hub.watches(&topic), "forgotten once nobody listens");
    }

    #[test]
    fn a_slow_watcher_lags_behind_alone() {
        let hub = Hub::new(StreamLimits::default());
        let mut slow = hub.subscribe(&[Topic::Event("a".into()).into()]).remove(0);
        let mut quick = hub.subscribe(&[Topic::Event("a".into()).into()]).remove(0);
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
