//! The live stream's fan-out inside one web process: the streams watching each topic, fed
//! with the batches of events the bus delivers, each admitted within the bounds on how
//! many streams one address or one user may hold ([`crate::live::admission`]).
//!
//! A batch is formatted once, as the bytes every stream of its topic writes (once more
//! for the streams that name seats by place, [`crate::live::places`]), and handed to each
//! stream's [`Outlet`] in turn. A stream that falls behind is dropped (it reconnects and
//! replays from the event log) and never slows the others.

use std::collections::{HashMap, HashSet};
use std::net::IpAddr;
use std::sync::{Arc, Mutex, MutexGuard};

use bytes::Bytes;
use tokio::sync::watch;

use crate::audit::EventEnvelope;
use crate::db::Db;
use crate::error::AppError;
use crate::live::admission::{Counts, Refusal, StreamLimits};
use crate::live::feed::{self, Message, Topic};
use crate::live::outlet::{Batch, Outlet};
use crate::live::places::{Places, SeatPlaces};

/// What a stream follows: a topic, with the event's places when it names seats by place.
pub struct Watch {
    pub topic: Topic,
    pub places: Option<Arc<Places>>,
}

impl From<Topic> for Watch {
    fn from(topic: Topic) -> Watch {
        Watch { topic, places: None }
    }
}

/// The streams of one form of a topic, shared with a fan-out under way: a stream that
/// comes or goes meanwhile changes a copy.
type Outlets = Arc<Vec<Arc<dyn Outlet>>>;

/// The streams of one topic: those that name seats by id, and those that name them by
/// place (with the event's places).
#[derive(Default)]
struct Channel {
    by_id: Outlets,
    by_place: Option<(Outlets, Arc<Places>)>,
}

impl Channel {
    /// Forgets the streams that have ended; answers whether one is left.
    fn drop_ended(&mut self) -> bool {
        fn keep_open(outlets: &mut Outlets) {
            if outlets.iter().any(|o| o.ended()) {
                Arc::make_mut(outlets).retain(|o| !o.ended());
            }
        }
        keep_open(&mut self.by_id);
        if let Some((outlets, _)) = &mut self.by_place {
            keep_open(outlets);
            if outlets.is_empty() {
                self.by_place = None;
            }
        }
        !self.by_id.is_empty() || self.by_place.is_some()
    }
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
        locked(&self.counts).admit(self.limits, address, user)?;
        Ok(Admission { hub: self.clone(), address, user: user.map(str::to_owned) })
    }

    /// Streams open now.
    pub fn open_streams(&self) -> usize {
        locked(&self.counts).open()
    }

    /// Whether any stream of this process watches `topic`.
    pub fn watches(&self, topic: &Topic) -> bool {
        locked(&self.topics).contains_key(topic)
    }

    /// The places of `event_id`'s seats, for a stream that names seats by place.
    pub async fn places(&self, db: &Db, event_id: &str) -> Result<Arc<Places>, AppError> {
        self.places.of(db, event_id).await
    }

    /// Hands `outlet` each watch's batches from now on.
    pub fn subscribe(&self, watches: &[Watch], outlet: Arc<dyn Outlet>) {
        let mut map = locked(&self.topics);
        for w in watches {
            let channel = map.entry(w.topic.clone()).or_default();
            let outlets = match &w.places {
                None => &mut channel.by_id,
                Some(places) => &mut channel.by_place.get_or_insert_with(|| (Outlets::default(), places.clone())).0,
            };
            Arc::make_mut(outlets).push(outlet.clone());
        }
    }

    /// Tells every watcher what `events` change; events nobody watches cost a lookup.
    pub fn publish(&self, events: &[EventEnvelope]) {
        self.publish_messages(events.iter().flat_map(feed::messages_of).collect());
    }

    /// [`Hub::publish`], for messages already made of their events (by a caller that
    /// reads them too). A topic's seat changes in a row go out as one message. Each
    /// stream gets the batch through its outlet, here and now; a stream that subscribes
    /// meanwhile is not told it (its replay reads the log past it).
    pub fn publish_messages(&self, messages: Vec<Message>) {
        // The streams of each watched topic, as they are now.
        let mut wanted: HashMap<Topic, (Outlets, Option<(Outlets, Arc<Places>)>)> = HashMap::new();
        let watched: Vec<Message> = {
            let map = locked(&self.topics);
            messages
                .into_iter()
                .filter(|m| {
                    let Some(channel) = map.get(&m.topic) else { return false };
                    wanted.entry(m.topic.clone()).or_insert_with(|| (channel.by_id.clone(), channel.by_place.clone()));
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
            if let Some((_, places)) = places {
                by_place.entry(message.topic.clone()).or_default().push((seqs.clone(), Bytes::from(message.frame_by_place(places))));
            }
            if !ids.is_empty() {
                by_id.entry(message.topic.clone()).or_default().push((seqs, Bytes::from(message.frame())));
            }
        }
        let mut ended = false;
        for (topic, (ids, places)) in &wanted {
            if let Some(frames) = by_id.remove(topic) {
                ended |= hand_out(ids, frames);
            }
            if let (Some((outlets, _)), Some(frames)) = (places, by_place.remove(topic)) {
                ended |= hand_out(outlets, frames);
            }
        }
        if ended {
            let mut map = locked(&self.topics);
            for topic in wanted.keys() {
                if map.get_mut(topic).is_some_and(|c| !c.drop_ended()) {
                    map.remove(topic);
                }
            }
        }
    }

    /// Tells every stream that messages may have been lost (the bus was out of reach):
    /// each loads its state again.
    pub fn reset_all(&self) {
        let reset = Arc::new(Batch::of(vec![(Vec::new(), Bytes::from(feed::reset()))]));
        let outlets: Vec<Arc<dyn Outlet>> = {
            let map = locked(&self.topics);
            let mut seen = HashSet::new();
            map.values()
                .flat_map(|c| c.by_id.iter().chain(c.by_place.iter().flat_map(|(o, _)| o.iter())))
                .filter(|o| seen.insert(Arc::as_ptr(o).cast::<()>()))
                .cloned()
                .collect()
        };
        for outlet in outlets {
            outlet.offer(&reset);
        }
        self.forget_idle_topics();
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
        locked(&self.topics).retain(|_, channel| channel.drop_ended());
    }
}

/// Hands one batch of `frames` to every outlet; answers whether one has ended.
fn hand_out(outlets: &[Arc<dyn Outlet>], frames: Vec<(Vec<i64>, Bytes)>) -> bool {
    let batch = Arc::new(Batch::of(frames));
    let mut ended = false;
    for outlet in outlets {
        ended |= !outlet.offer(&batch);
    }
    ended
}

/// A stream counted against its address and user, until dropped.
pub struct Admission {
    hub: Arc<Hub>,
    address: IpAddr,
    user: Option<String>,
}

impl Drop for Admission {
    fn drop(&mut self) {
        locked(&self.hub.counts).release(self.address, self.user.as_deref());
        // Now and then, rather than on every stream's end: the topics nobody watches.
        if self.hub.open_streams() % 64 == 0 {
            self.hub.forget_idle_topics();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::live::outlet::{FellBehind, Queue, BACKLOG};
    use serde_json::json;
    use std::task::{Context, Poll, Waker};

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

    /// A stream of `watches`, as a queue the test reads.
    fn watcher(hub: &Hub, watches: &[Watch]) -> Arc<Queue> {
        let queue = Arc::new(Queue::default());
        hub.subscribe(watches, queue.clone());
        queue
    }

    fn take(queue: &Queue) -> Poll<Result<Vec<Arc<Batch>>, FellBehind>> {
        let mut out = Vec::new();
        queue.poll_take(&mut Context::from_waker(Waker::noop()), &mut out).map_ok(|()| out)
    }

    fn one(queue: &Queue) -> Arc<Batch> {
        match take(queue) {
            Poll::Ready(Ok(mut batches)) if batches.len() == 1 => batches.remove(0),
            _ => panic!("one batch expected"),
        }
    }

    #[test]
    fn watchers_get_their_topics_batches_only() {
        let hub = Hub::new(StreamLimits::default());
        let a = watcher(&hub, &[Topic::Event("a".into()).into()]);
        let b = watcher(&hub, &[Topic::Event("b".into()).into()]);
        hub.publish(&[held("a", 1), held("a", 2), held("c", 3)]);
        let batch = one(&a);
        assert_eq!(batch.frames.iter().map(|(s, _)| s.clone()).collect::<Vec<_>>(), vec![vec![1, 2]], "two holds in a row, one message");
        assert!(std::str::from_utf8(&batch.joined).unwrap().starts_with("id: 2\nevent: seats\n"));
        assert!(take(&b).is_pending());
    }

    #[test]
    fn watchers_by_place_get_the_same_changes_with_seats_by_place() {
        let hub = Hub::new(StreamLimits::default());
        let seat = uuid::Uuid::new_v4();
        let places = Arc::new(Places::of([uuid::Uuid::new_v4(), seat]));
        let topic = Topic::Event("a".into());
        let by_id = watcher(&hub, &[topic.clone().into()]);
        let by_place = watcher(&hub, &[Watch { topic: topic.clone(), places: Some(places) }]);
        let mut event = held("a", 4);
        event.payload["seat_ids"] = json!([seat.to_string()]);
        hub.publish(&[event]);
        let told = |batch: Arc<Batch>| String::from_utf8(batch.joined.to_vec()).unwrap();
        assert!(told(one(&by_id)).ends_with(&format!("\"seat_ids\":[\"{seat}\"]}}\n\n")));
        let placed = one(&by_place);
        assert_eq!(placed.frames[0].0, vec![4]);
        assert!(told(placed).ends_with("\"seat_indexes\":[1]}\n\n"));
        by_id.end();
        hub.publish(&[held("a", 5)]);
        assert!(hub.watches(&topic), "watched by place still");
        assert!(take(&by_id).is_pending(), "an ended stream is told nothing");
        by_place.end();
        hub.publish(&[held("a", 6)]);
        assert!(!hub.watches(&topic), "forgotten once nobody listens");
    }

    #[test]
    fn a_stream_watching_two_topics_hears_both_and_one_reset() {
        let hub = Hub::new(StreamLimits::default());
        let both = watcher(&hub, &[Topic::Event("a".into()).into(), Topic::User("u".into()).into()]);
        let mut released = held("a", 7);
        released.event_type = crate::audit::event_types::HOLD_RELEASED.into();
        hub.publish(&[released]);
        let Poll::Ready(Ok(batches)) = take(&both) else { panic!("two batches expected") };
        assert_eq!(batches.len(), 2, "the event's seats and the user's hold");
        hub.reset_all();
        assert_eq!(one(&both).joined, Bytes::from(feed::reset()));
    }

    #[test]
    fn a_slow_watcher_falls_behind_alone() {
        let hub = Hub::new(StreamLimits::default());
        let slow = watcher(&hub, &[Topic::Event("a".into()).into()]);
        let quick = watcher(&hub, &[Topic::Event("a".into()).into()]);
        for seq in 0..(BACKLOG as i64 + 10) {
            hub.publish(&[held("a", seq)]);
            assert!(matches!(take(&quick), Poll::Ready(Ok(_))));
        }
        assert!(matches!(take(&slow), Poll::Ready(Err(FellBehind))));
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
