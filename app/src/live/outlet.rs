//! Where the hub hands a stream its batches: an [`Outlet`]. The hub calls every outlet of
//! a topic in turn, on the feed's thread, so an outlet takes a batch without waiting.
//!
//! A stream whose connection is the server's own writes the batch to its socket there and
//! then (`server::stream_socket`): one write a stream, no task woken. A stream served by
//! hyper gets a [`Queue`] its body drains. Both skip what their replay already told
//! ([`Replayed`]).

use std::collections::{HashSet, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};

use bytes::Bytes;

/// How many batches a stream may have waiting before it is dropped.
pub const BACKLOG: usize = 512;

/// Messages of one topic, delivered together: the frames joined, and the sequence
/// numbers each one tells (a stream skips those its replay already sent).
#[derive(Debug)]
pub struct Batch {
    pub joined: Bytes,
    pub frames: Vec<(Vec<i64>, Bytes)>,
}

impl Batch {
    pub fn of(frames: Vec<(Vec<i64>, Bytes)>) -> Batch {
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

/// A stream, as the hub sees it.
pub trait Outlet: Send + Sync {
    /// Takes `batch`; answers `false` once the stream has ended, and the hub forgets it.
    fn offer(&self, batch: &Arc<Batch>) -> bool;

    /// Whether the stream has ended.
    fn ended(&self) -> bool;
}

/// What a stream's replay told, skipped when it comes live: the stream listens before it
/// reads the log, so what happens in between comes twice at most.
#[derive(Debug, Default)]
pub struct Replayed {
    seqs: HashSet<i64>,
    newest: Option<i64>,
}

impl Replayed {
    pub fn new(seqs: HashSet<i64>) -> Replayed {
        let newest = seqs.iter().max().copied();
        Replayed { seqs, newest }
    }

    /// Adds to `out` the bytes of `batch` this stream has not been told yet.
    pub fn told(&mut self, batch: &Batch, out: &mut Vec<Bytes>) {
        // Live messages newer than all the replay sent: the replay is behind us (the
        // relay publishes in the log's order).
        let first = batch.frames.first().and_then(|(seqs, _)| seqs.first().copied());
        if first.zip(self.newest).is_some_and(|(first, newest)| first > newest) {
            self.seqs.clear();
        }
        if self.seqs.is_empty() {
            out.push(batch.joined.clone());
            return;
        }
        for (seqs, frame) in &batch.frames {
            // Sent again unless the replay told all of it (a seat change told twice
            // changes nothing; a notification must not be counted twice, and is a
            // message of its own).
            let all_replayed = !seqs.is_empty() && seqs.iter().all(|s| self.seqs.contains(s));
            for s in seqs {
                self.seqs.remove(s);
            }
            if !all_replayed {
                out.push(frame.clone());
            }
        }
    }
}

/// The batches of a stream whose body is polled (a stream served by hyper): they wait
/// here, at most [`BACKLOG`] of them; a stream further behind is dropped (its browser
/// reconnects and replays) and never slows the others.
#[derive(Default)]
pub struct Queue {
    state: Mutex<QueueState>,
}

#[derive(Default)]
struct QueueState {
    batches: VecDeque<Arc<Batch>>,
    waker: Option<Waker>,
    behind: bool,
    ended: bool,
}

/// A stream fell more than [`BACKLOG`] batches behind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FellBehind;

impl Queue {
    fn state(&self) -> MutexGuard<'_, QueueState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Moves the waiting batches to `out`; pending (and woken later) when none waits.
    pub fn poll_take(&self, cx: &mut Context<'_>, out: &mut Vec<Arc<Batch>>) -> Poll<Result<(), FellBehind>> {
        let mut state = self.state();
        if state.behind {
            return Poll::Ready(Err(FellBehind));
        }
        if state.batches.is_empty() {
            if !state.waker.as_ref().is_some_and(|w| w.will_wake(cx.waker())) {
                state.waker = Some(cx.waker().clone());
            }
            return Poll::Pending;
        }
        out.extend(state.batches.drain(..));
        Poll::Ready(Ok(()))
    }

    /// The stream has ended: the hub forgets it.
    pub fn end(&self) {
        let mut state = self.state();
        state.ended = true;
        state.batches.clear();
    }
}

impl Outlet for Queue {
    fn offer(&self, batch: &Arc<Batch>) -> bool {
        let mut state = self.state();
        if state.ended {
            return false;
        }
        if state.batches.len() >= BACKLOG {
            state.behind = true;
            state.batches.clear();
        } else if !state.behind {
            state.batches.push_back(batch.clone());
        }
        if let Some(waker) = state.waker.take() {
            waker.wake();
        }
        true
    }

    fn ended(&self) -> bool {
        self.state().ended
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn batch(frames: &[(&[i64], &str)]) -> Arc<Batch> {
        Arc::new(Batch::of(frames.iter().map(|(s, f)| (s.to_vec(), Bytes::from(f.to_string()))).collect()))
    }

    fn told(replayed: &mut Replayed, b: &Batch) -> String {
        let mut out = Vec::new();
        replayed.told(b, &mut out);
        out.iter().map(|b| String::from_utf8_lossy(b).into_owned()).collect()
    }

    #[test]
    fn what_the_replay_told_is_not_told_again() {
        let mut replayed = Replayed::new([3, 4].into());
        assert_eq!(told(&mut replayed, &batch(&[(&[3], "a"), (&[4, 5], "b"), (&[], "c")])), "bc", "4 came with 5: told again, whole");
        assert_eq!(told(&mut replayed, &batch(&[(&[6], "d"), (&[7], "e")])), "de");
        let mut behind_us = Replayed::new([3].into());
        assert_eq!(told(&mut behind_us, &batch(&[(&[9], "x"), (&[3], "y")])), "xy", "newer than the whole replay: nothing skipped");
    }

    #[test]
    fn a_queue_far_behind_is_dropped_and_an_ended_one_forgotten() {
        let queue = Queue::default();
        let mut cx = Context::from_waker(Waker::noop());
        let mut out = Vec::new();
        assert!(queue.poll_take(&mut cx, &mut out).is_pending());
        assert!(queue.offer(&batch(&[(&[1], "a")])));
        assert_eq!(queue.poll_take(&mut cx, &mut out), Poll::Ready(Ok(())));
        assert_eq!(out.len(), 1);
        for seq in 0..=BACKLOG as i64 {
            assert!(queue.offer(&batch(&[(&[seq], "a")])));
        }
        assert_eq!(queue.poll_take(&mut cx, &mut out), Poll::Ready(Err(FellBehind)));
        queue.end();
        assert!(queue.ended());
        assert!(!queue.offer(&batch(&[(&[1], "a")])), "the hub forgets it");
    }
}
