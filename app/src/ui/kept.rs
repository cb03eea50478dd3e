//! Something made for many requests (a seat map's drawing, an event's whole page), kept
//! while nothing it shows changed and, once a change was heard of, for at most
//! [`REFRESH`] more. One request makes it anew while the others wait or, if the one
//! before is young enough, take that one: an on-sale's crowd never makes it twice at once.

use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// How long a thing is still given out after a change of what it shows was heard of.
pub const REFRESH: Duration = Duration::from_millis(250);
/// The longest a thing is kept when no change is heard of (a price an organizer edited).
pub const MAX_AGE: Duration = Duration::from_secs(30);
/// While one request makes it anew, the others take the one before, if it is younger.
pub const STALE_AT_MOST: Duration = Duration::from_secs(1);

/// Something made, when, and the number of changes heard of before it was.
struct Kept<T> {
    at: Instant,
    changes: u64,
    value: Arc<T>,
}

/// The place of one thing: the one kept, and a lock so that one request makes it anew.
pub struct Slot<T> {
    kept: Mutex<Option<Kept<T>>>,
    making: tokio::sync::Mutex<()>,
}

impl<T> Default for Slot<T> {
    fn default() -> Self {
        Slot { kept: Mutex::new(None), making: tokio::sync::Mutex::new(()) }
    }
}

pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl<T> Slot<T> {
    fn kept_at(&self) -> Option<Instant> {
        lock(&self.kept).as_ref().map(|k| k.at)
    }

    /// The kept value, if it may still be given out after `changes` changes were heard of
    /// (with `patient`, any younger than [`STALE_AT_MOST`]).
    fn fresh(&self, changes: u64, patient: bool) -> Option<Arc<T>> {
        let kept = lock(&self.kept);
        let kept = kept.as_ref()?;
        let age = kept.at.elapsed();
        let fresh = age < MAX_AGE && (kept.changes == changes || age < REFRESH);
        (fresh || (patient && age < STALE_AT_MOST)).then(|| kept.value.clone())
    }

    /// The kept value, or a new one from `make` (kept unless it fails). `changes` counts
    /// the changes heard of that the value shows.
    pub async fn get<F, Fut, E>(&self, changes: impl Fn() -> u64, make: F) -> Result<Arc<T>, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        if let Some(value) = self.fresh(changes(), false) {
            return Ok(value);
        }
        let _making = match self.making.try_lock() {
            Ok(guard) => guard,
            Err(_) => {
                if let Some(value) = self.fresh(changes(), true) {
                    return Ok(value);
                }
                self.making.lock().await
            }
        };
        // Made by another request while this one waited?
        if let Some(value) = self.fresh(changes(), false) {
            return Ok(value);
        }
        // The count before what it shows is read: a change heard of meanwhile makes this
        // value out of date at once.
        let seen = changes();
        let value = Arc::new(make().await?);
        *lock(&self.kept) = Some(Kept { at: Instant::now(), changes: seen, value: value.clone() });
        Ok(value)
    }
}

/// Slots by key, at most `most` of them (the one kept longest ago goes first).
pub struct Slots<K, T> {
    slots: Mutex<HashMap<K, Arc<Slot<T>>>>,
    most: usize,
}

impl<K: Eq + Hash + Clone, T> Slots<K, T> {
    pub fn new(most: usize) -> Slots<K, T> {
        Slots { slots: Mutex::new(HashMap::new()), most }
    }

    /// The slot of `key`, made if new.
    pub fn of(&self, key: K) -> Arc<Slot<T>> {
        let mut slots = lock(&self.slots);
        if let Some(slot) = slots.get(&key) {
            return slot.clone();
        }
        if slots.len() >= self.most {
            let oldest = slots.iter().min_by_key(|(_, s)| s.kept_at().map(|at| at.elapsed()).map(std::cmp::Reverse)).map(|(k, _)| k.clone());
            if let Some(oldest) = oldest {
                slots.remove(&oldest);
            }
        }
        slots.entry(key).or_default().clone()
    }

    /// Forgets everything kept.
    pub fn clear(&self) {
        lock(&self.slots).clear();
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, AtomicU64, Ordering::SeqCst};

    use super::*;

    #[tokio::test]
    async fn a_value_is_kept_until_a_change_is_heard_of_and_then_for_a_moment() {
        let slot: Slot<u32> = Slot::default();
        let changes = AtomicU64::new(0);
        let count = || changes.load(SeqCst);
        let made = AtomicU32::new(0);
        let make = || async { Ok::<_, ()>(made.fetch_add(1, SeqCst)) };
        assert_eq!(*slot.get(count, make).await.unwrap(), 0);
        assert_eq!(*slot.get(count, make).await.unwrap(), 0, "kept while nothing changed");
        changes.fetch_add(1, SeqCst);
        assert_eq!(*slot.get(count, make).await.unwrap(), 0, "kept for a moment after a change");
        tokio::time::sleep(REFRESH).await;
        assert_eq!(*slot.get(count, make).await.unwrap(), 1, "made again after the moment");
        assert_eq!(*slot.get(count, make).await.unwrap(), 1);
    }

    #[tokio::test]
    async fn a_failure_is_not_kept() {
        let slot: Slot<u32> = Slot::default();
        assert_eq!(slot.get(|| 0, || async { Err::<u32, _>("down") }).await.err(), Some("down"));
        assert_eq!(*slot.get(|| 0, || async { Ok::<_, ()>(7) }).await.unwrap(), 7);
    }

    #[test]
    fn the_slot_kept_longest_ago_goes_first() {
        let slots: Slots<u32, u32> = Slots::new(2);
        let a = slots.of(1);
        *lock(&a.kept) = Some(Kept { at: Instant::now() - Duration::from_secs(5), changes: 0, value: Arc::new(1) });
        let b = slots.of(2);
        *lock(&b.kept) = Some(Kept { at: Instant::now(), changes: 0, value: Arc::new(2) });
        slots.of(3);
        let kept = lock(&slots.slots);
        assert!(!kept.contains_key(&1) && kept.contains_key(&2) && kept.contains_key(&3));
    }
}
