//! Holds on PostgreSQL, in batches: the hold requests that arrive while earlier ones are
//! with the database go to it together, in one statement.
//!
//! During an on-sale rush most of a hold's cost is the statement, not the seats: the
//! round trip, starting the plan of a many-table statement, the commit. One statement
//! for every request waiting at that moment pays those once. Nothing waits on purpose:
//! a request that finds a free slot ([`BATCHES_AT_ONCE`]) goes at once, alone if it is
//! alone, so a quiet box office answers as fast as before.
//!
//! Each request stays all-or-nothing on its own, exactly as the one-request statement
//! was: a batch holds the seats of every request whose seats were all available and
//! refuses the others, naming their taken seats. Two requests for a common seat never
//! share a batch, nor run in two batches at once: the later one waits. When the earlier
//! one's batch has held that seat, or found it taken, the later one is refused at once,
//! naming it (the database committed it to a hold a moment ago and would refuse it too);
//! otherwise it goes in a next batch. The same goes for every request still waiting for a
//! slot. This matters most when the doors open: hundreds of buyers who have not seen each
//! other's choices ask at once, and most of their requests share a seat with another one.
//!
//! A refusal without the database must not hide a worse answer: a request naming a seat
//! of no event gets 422 from the database, not 409. So each event's seats are read once
//! (they never change) and a request is refused at once only if all its seats are the
//! event's.
//!
//! The batches have [`BATCHES_AT_ONCE`] connections of their own, so a batch never waits
//! for a connection behind the orders and pages of an on-sale: a shared pool hands its
//! connections out in turn, and during a rush far more orders wait than there are
//! connections.
//!
//! The batches are this process's, and they know an event by the name the request gave
//! it (id or slug). The database's row locks keep several web processes, or a request by
//! id and one by slug, from holding a seat twice, as they do for any two statements.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

use tokio::sync::{oneshot, OnceCell, OwnedSemaphorePermit, Semaphore};

use crate::db::Db;
use crate::orders::holds::stored::{HoldOutcome, HoldRequest};
use crate::orders::store::postgres::{event_seat_ids, hold_batch};
use crate::error::AppError;

/// Batch statements in flight at once, each on a connection of the batches' own.
const BATCHES_AT_ONCE: usize = 4;

/// The most requests in one statement.
const MOST_PER_BATCH: usize = 64;

struct Waiting {
    request: HoldRequest,
    /// Whether every seat it names is a seat of the event (see [`EventSeats`]).
    all_known: bool,
    reply: oneshot::Sender<Result<HoldOutcome, AppError>>,
}

#[derive(Default)]
struct Queue {
    waiting: VecDeque<Waiting>,
    /// (event, seat) of the requests in the batches being run.
    in_flight: HashSet<(String, String)>,
}

/// The seats of each event, by the name requests gave the event (id or slug), each read
/// once from the database. An event's seats are made with it and never change, nor does
/// the event an id or a slug names; a name that names no event is not remembered, since
/// an event may take it later.
#[derive(Default)]
struct EventSeats {
    by_name: HashMap<String, Arc<OnceCell<Arc<HashSet<String>>>>>,
    /// Seats remembered in all.
    count: usize,
}

/// The most seats [`EventSeats`] remembers before it starts again.
const MOST_KNOWN: usize = 200_000;

pub struct HoldBatcher {
    queue: Mutex<Queue>,
    slots: Arc<Semaphore>,
    event_seats: Mutex<EventSeats>,
    /// The batches' own connections, made from the first database handed in.
    connections: OnceLock<Db>,
}

impl Default for HoldBatcher {
    fn default() -> Self {
        HoldBatcher { queue: Mutex::default(), slots: Arc::new(Semaphore::new(BATCHES_AT_ONCE)), event_seats: Mutex::default(), connections: OnceLock::new() }
    }
}

impl HoldBatcher {
    fn lock(&self) -> MutexGuard<'_, Queue> {
        // The queue holds no invariant a panic could break halfway.
        self.queue.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn event_seats(&self) -> MutexGuard<'_, EventSeats> {
        // A map of read-only sets: a panic cannot leave it halfway either.
        self.event_seats.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Holds the request's seats, or none, in the next batch.
    pub(crate) async fn hold(self: &Arc<Self>, db: &Db, request: HoldRequest) -> Result<HoldOutcome, AppError> {
        let db = self.connections.get_or_init(|| db.more_connections(BATCHES_AT_ONCE as u32));
        let all_known = match self.seats_of(db, &request.event).await {
            Some(seats) => request.seat_ids.iter().all(|s| seats.contains(s)),
            None => false,
        };
        let (reply, answer) = oneshot::channel();
        self.lock().waiting.push_back(Waiting { request, all_known, reply });
        if let Ok(slot) = self.slots.clone().try_acquire_owned() {
            tokio::spawn(self.clone().run(db.clone(), slot));
        }
        answer.await.map_err(|_| {
            tracing::error!("a hold batch ended without an answer");
            AppError::Internal
        })?
    }

    /// The seats of the event a request names, read once; `None` while the name names no
    /// event with seats, or when they could not be read (the database decides then).
    async fn seats_of(&self, db: &Db, event: &str) -> Option<Arc<HashSet<String>>> {
        let cell = {
            let mut known = self.event_seats();
            if let Some(seats) = known.by_name.get(event).and_then(|cell| cell.get()) {
                return Some(seats.clone());
            }
            if known.count > MOST_KNOWN {
                *known = EventSeats::default();
            }
            known.by_name.entry(event.to_owned()).or_default().clone()
        };
        // One read per event, however many requests arrive for it at once.
        let seats = cell.get_or_try_init(|| async {
            match event_seat_ids(db, event).await {
                Ok(ids) if !ids.is_empty() => {
                    self.event_seats().count += ids.len();
                    Ok(Arc::new(ids.into_iter().collect::<HashSet<String>>()))
                }
                Ok(_) => Err(()),
                Err(e) => {
                    tracing::warn!(error = %e, "could not read an event's seats; its holds go to the database");
                    Err(())
                }
            }
        })
        .await;
        if seats.is_err() {
            // Not remembered: names of no event must not fill the map.
            let mut known = self.event_seats();
            if known.by_name.get(event).is_some_and(|c| Arc::ptr_eq(c, &cell) && !c.initialized()) {
                known.by_name.remove(event);
            }
        }
        seats.ok().cloned()
    }

    /// Closes the batches' own connections, if they were made.
    pub async fn close(&self) {
        if let Some(db) = self.connections.get() {
            db.pool.close().await;
        }
    }

    /// Runs batches while requests wait. A request queued while every slot was taken is
    /// picked up by one of the runners when it looks again, after its batch or after
    /// giving its slot back; one waiting for seats in flight, by the runner of that batch.
    async fn run(self: Arc<Self>, db: Db, mut slot: OwnedSemaphorePermit) {
        loop {
            let batch = self.take_batch();
            if batch.is_empty() {
                drop(slot);
                if !self.lock().has_ready() {
                    return;
                }
                match self.slots.clone().try_acquire_owned() {
                    Ok(again) => slot = again,
                    // Another runner holds a slot and will look after its batch.
                    Err(_) => return,
                }
                continue;
            }
            let in_flight = InFlight {
                batcher: &self,
                seats: batch.iter().flat_map(|w| w.request.seat_ids.iter().map(|s| (w.request.event.clone(), s.clone()))).collect(),
            };
            let (requests, replies): (Vec<_>, Vec<_>) = batch.into_iter().map(|w| (w.request, w.reply)).unzip();
            let started = std::time::Instant::now();
            // In a task of its own, so that a panic ends this batch with an error and the
            // runner goes on looking after the queue.
            let statement = tokio::spawn({
                let db = db.clone();
                async move {
                    let outcomes = hold_batch(&db, &requests).await;
                    (requests, outcomes)
                }
            });
            let (requests, outcomes) = statement.await.unwrap_or_else(|e| {
                tracing::error!(error = %e, "a batch of holds panicked");
                (Vec::new(), Err(AppError::Internal))
            });
            tracing::debug!(requests = requests.len(), ms = started.elapsed().as_secs_f64() * 1000.0, "hold batch");
            // Before the seats stop being in flight: no other runner can then take a
            // request for a seat just held or found taken into a batch of its own first.
            let refused = match &outcomes {
                Ok(outcomes) => self.lock().refuse_unavailable(&requests, outcomes),
                Err(_) => Vec::new(),
            };
            drop(in_flight);
            for (waiting, taken) in refused {
                let _ = waiting.reply.send(Ok(HoldOutcome::Taken(taken)));
            }
            match outcomes {
                Ok(outcomes) => {
                    for (reply, outcome) in replies.into_iter().zip(outcomes) {
                        let _ = reply.send(Ok(outcome));
                    }
                }
                Err(e) => {
                    for reply in replies {
                        let _ = reply.send(Err(e.clone()));
                    }
                }
            }
        }
    }

    /// The oldest waiting request none of whose seats is in flight and, in arrival order,
    /// the others for the same event that share no seat with it, with each other or with
    /// a batch in flight.
    fn take_batch(&self) -> Vec<Waiting> {
        let mut queue = self.lock();
        let Queue { waiting, in_flight, .. } = &mut *queue;
        let mut batch: Vec<Waiting> = Vec::new();
        let mut later = VecDeque::new();
        while let Some(w) = waiting.pop_front() {
            let fits = batch.len() < MOST_PER_BATCH
                && batch.first().is_none_or(|first| first.request.event == w.request.event)
                && is_ready(in_flight, &w.request);
            if fits {
                in_flight.extend(w.request.seat_ids.iter().map(|s| (w.request.event.clone(), s.clone())));
                batch.push(w);
            } else {
                later.push_back(w);
            }
        }
        *waiting = later;
        batch
    }
}

/// The seats of a batch being run; they stop being in flight when this is dropped.
struct InFlight<'a> {
    batcher: &'a HoldBatcher,
    seats: Vec<(String, String)>,
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        let mut queue = self.batcher.lock();
        for seat in &self.seats {
            queue.in_flight.remove(seat);
        }
    }
}

/// Whether none of the request's seats is in a batch being run.
fn is_ready(in_flight: &HashSet<(String, String)>, request: &HoldRequest) -> bool {
    request.seat_ids.iter().all(|s| !in_flight.contains(&(request.event.clone(), s.clone())))
}

impl Queue {
    /// Takes out the waiting requests that asked for seats the batch of `requests` has
    /// just held or found taken, with those seats: the database committed them to a hold
    /// a moment ago, so it would refuse these too. Only requests whose every seat is the
    /// event's: the database refuses a seat of no event first.
    fn refuse_unavailable(&mut self, requests: &[HoldRequest], outcomes: &[HoldOutcome]) -> Vec<(Waiting, Vec<String>)> {
        let mut unavailable: HashSet<(&str, &str)> = HashSet::new();
        for (r, outcome) in requests.iter().zip(outcomes) {
            match outcome {
                HoldOutcome::Held { .. } => unavailable.extend(r.seat_ids.iter().map(|s| (r.event.as_str(), s.as_str()))),
                HoldOutcome::Taken(taken) => unavailable.extend(taken.iter().map(|s| (r.event.as_str(), s.as_str()))),
                HoldOutcome::NoSuchEvent | HoldOutcome::NotOnSale | HoldOutcome::UnknownSeats | HoldOutcome::OverLimit { .. } | HoldOutcome::Retry => {}
            }
        }
        if unavailable.is_empty() {
            return Vec::new();
        }
        let mut refused = Vec::new();
        let mut still = VecDeque::new();
        for w in self.waiting.drain(..) {
            let taken: Vec<String> =
                w.request.seat_ids.iter().filter(|s| unavailable.contains(&(w.request.event.as_str(), s.as_str()))).cloned().collect();
            if taken.is_empty() || !w.all_known {
                still.push_back(w);
            } else {
                refused.push((w, taken));
            }
        }
        self.waiting = still;
        refused
    }

    /// Whether a waiting request could go in a batch now.
    fn has_ready(&self) -> bool {
        self.waiting.iter().any(|w| is_ready(&self.in_flight, &w.request))
    }
}

#[cfg(test)]
mod tests;
