//! Seats named by their place in the event's map, for the streams that ask for it
//! (`?seats=index`): the place of a seat is its index in the order of
//! `/events/{id}/seats` and `/events/{id}/seat-statuses`, which is the order the page's
//! map is drawn in. A few bytes a seat instead of a 36-character id: a burst of changes
//! told to thousands of browsers is that many times smaller to write, send and read.
//!
//! An event's seats are fixed when it is made (its venue's seats), so its places are read
//! once and kept.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use tokio::sync::OnceCell;
use uuid::Uuid;

use crate::db::Db;
use crate::error::AppError;
use crate::ui::kept::lock;

/// The places of events kept at most (the oldest read goes first).
const KEPT_AT_MOST: usize = 256;

/// One event's seats by place.
#[derive(Debug, Default)]
pub struct Places {
    by_id: HashMap<u128, u32>,
}

impl Places {
    /// `seats` in the map's order.
    pub fn of(seats: impl IntoIterator<Item = Uuid>) -> Places {
        Places { by_id: seats.into_iter().enumerate().map(|(place, id)| (id.as_u128(), place as u32)).collect() }
    }

    /// The place of the seat `id`, if it is one of the event's.
    pub fn place(&self, id: &str) -> Option<u32> {
        self.by_id.get(&Uuid::parse_str(id).ok()?.as_u128()).copied()
    }

    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }
}

/// The places of the events this process's streams watch by place.
#[derive(Default)]
pub struct SeatPlaces {
    /// Each event's, read once (the first stream reads, those opening meanwhile wait for
    /// it), and the events in the order they were first asked for.
    kept: Mutex<(HashMap<Uuid, Arc<OnceCell<Arc<Places>>>>, VecDeque<Uuid>)>,
}

impl SeatPlaces {
    /// The places of `event_id`'s seats: none for an event that is not there (or not
    /// published yet: its seats change for nobody), and then not kept.
    pub async fn of(&self, db: &Db, event_id: &str) -> Result<Arc<Places>, AppError> {
        let Ok(event) = Uuid::parse_str(event_id) else { return Ok(Arc::default()) };
        let cell = {
            let mut kept = lock(&self.kept);
            let (by_event, order) = &mut *kept;
            by_event
                .entry(event)
                .or_insert_with(|| {
                    order.push_back(event);
                    Arc::default()
                })
                .clone()
        };
        let places = cell
            .get_or_try_init(|| async {
                match crate::catalog::service::seats(db, event_id).await {
                    Ok(seats) => Ok(Arc::new(Places::of(seats.iter().map(|s| s.id)))),
                    Err(AppError::NotFound) => Ok(Arc::default()),
                    Err(e) => Err(e),
                }
            })
            .await?
            .clone();
        let mut kept = lock(&self.kept);
        let (by_event, order) = &mut *kept;
        if places.is_empty() {
            by_event.remove(&event);
            order.retain(|e| *e != event);
        }
        while order.len() > KEPT_AT_MOST {
            if let Some(oldest) = order.pop_front() {
                by_event.remove(&oldest);
            }
        }
        Ok(places)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_seat_is_named_by_its_index_in_the_map() {
        let seats: Vec<Uuid> = (0..3).map(|_| Uuid::new_v4()).collect();
        let places = Places::of(seats.iter().copied());
        assert_eq!(places.place(&seats[2].to_string()), Some(2));
        assert_eq!(places.place(&seats[0].to_string().to_uppercase()), Some(0));
        assert_eq!(places.place(&Uuid::new_v4().to_string()), None);
        assert_eq!(places.place("not-a-seat"), None);
    }
}
