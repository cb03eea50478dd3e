//! How hold requests are put in batches and refused without the database.

use super::*;
use crate::db::new_id;
use crate::orders::holds::stored::HoldEvent;

fn request(event: &str, seats: &[&str]) -> HoldRequest {
    HoldRequest {
        event: event.into(),
        hold_id: new_id(),
        user_id: "u".into(),
        seat_ids: seats.iter().map(|s| s.to_string()).collect(),
        now: 0,
        expires_at: 0,
        request_id: None,
    }
}

fn queue_of(batcher: &HoldBatcher, requests: Vec<HoldRequest>) -> Vec<oneshot::Receiver<Result<HoldOutcome, AppError>>> {
    requests
        .into_iter()
        .map(|request| {
            let (reply, answer) = oneshot::channel();
            // A seat named "zz…" is no seat of the event.
            let all_known = request.seat_ids.iter().all(|s| !s.starts_with("zz"));
            batcher.lock().waiting.push_back(Waiting { request, all_known, reply });
            answer
        })
        .collect()
}

fn seats_of(batch: &[Waiting]) -> Vec<Vec<String>> {
    batch.iter().map(|w| w.request.seat_ids.clone()).collect()
}

#[test]
fn a_batch_takes_the_requests_for_one_event_that_share_no_seat() {
    let batcher = HoldBatcher::default();
    let _answers = queue_of(
        &batcher,
        vec![request("e", &["a", "b"]), request("f", &["x"]), request("e", &["b", "c"]), request("e", &["d"]), request("f", &["y"])],
    );
    let first = batcher.take_batch();
    assert_eq!(seats_of(&first), vec![vec!["a", "b"], vec!["d"]]);
    // The next one starts with the oldest request left: the other event's.
    let second = batcher.take_batch();
    assert_eq!(seats_of(&second), vec![vec!["x"], vec!["y"]]);
    // "b" is still in flight with the first batch: its second asker waits.
    assert!(batcher.take_batch().is_empty());
    assert!(!batcher.lock().has_ready());
}

#[test]
fn seats_stop_being_in_flight_when_their_batch_ends() {
    let batcher = HoldBatcher::default();
    let _answers = queue_of(&batcher, vec![request("e", &["a"]), request("e", &["a", "b"])]);
    let batch = batcher.take_batch();
    assert_eq!(seats_of(&batch), vec![vec!["a"]]);
    assert!(!batcher.lock().has_ready());
    drop(InFlight { batcher: &batcher, seats: vec![("e".into(), "a".into())] });
    assert!(batcher.lock().has_ready());
}

fn held() -> HoldOutcome {
    HoldOutcome::Held {
        event: HoldEvent { id: "e".into(), title: String::new(), slug: String::new(), currency: "EUR".into(), seat_limit: 8 },
        seats: Vec::new(),
    }
}

#[test]
fn waiting_requests_for_seats_just_held_or_taken_are_refused_if_all_their_seats_are_the_events() {
    let batcher = HoldBatcher::default();
    let answers = queue_of(
        &batcher,
        vec![request("e", &["a", "b"]), request("e", &["b", "c"]), request("e", &["b", "zz"]), request("f", &["b"]), request("e", &["c"])],
    );
    let batch = batcher.take_batch();
    let requests: Vec<HoldRequest> = batch.into_iter().map(|w| w.request).collect();
    assert_eq!(requests.len(), 2, "the first request and the one for c alone");
    let mut queue = batcher.lock();
    let refused = queue.refuse_unavailable(&requests, &[held(), HoldOutcome::Taken(vec!["c".into()])]);
    let refused: Vec<(Vec<String>, Vec<String>)> = refused.into_iter().map(|(w, taken)| (w.request.seat_ids, taken)).collect();
    assert_eq!(refused, vec![(vec!["b".to_string(), "c".to_string()], vec!["b".to_string(), "c".to_string()])]);
    // The one naming a seat of no event goes to the database, which answers 422; "b"
    // of another event is another seat.
    let left: Vec<(String, Vec<String>)> = queue.waiting.iter().map(|w| (w.request.event.clone(), w.request.seat_ids.clone())).collect();
    assert_eq!(left, vec![("e".to_string(), vec!["b".to_string(), "zz".to_string()]), ("f".to_string(), vec!["b".to_string()])]);
    drop(answers);
}

#[test]
fn a_batch_that_held_nothing_and_found_nothing_taken_refuses_no_one() {
    let batcher = HoldBatcher::default();
    let _answers = queue_of(&batcher, vec![request("e", &["a"]), request("e", &["a"])]);
    let requests: Vec<HoldRequest> = batcher.take_batch().into_iter().map(|w| w.request).collect();
    let refused = batcher.lock().refuse_unavailable(&requests, &[HoldOutcome::NotOnSale]);
    assert!(refused.is_empty());
    assert_eq!(batcher.lock().waiting.len(), 1);
}

#[tokio::test]
async fn an_events_seats_are_read_once_and_names_of_no_event_are_not_remembered() {
    let db = Db::connect("sqlite::memory:", 1).await.unwrap();
    db.migrate().await.unwrap();
    let batcher = HoldBatcher::default();
    assert!(batcher.seats_of(&db, "rush").await.is_none());
    assert!(batcher.event_seats.lock().unwrap().by_name.is_empty(), "a name of no event is not remembered");

    // The event, named later (foreign keys off: only these two tables matter here).
    sqlx::query("PRAGMA foreign_keys = OFF").execute(&db.pool).await.unwrap();
    sqlx::query(
        "INSERT INTO events (id, slug, title, description, category, venue_id, starts_at, ends_at, status, currency, created_at, updated_at) \
         VALUES ('e1', 'rush', 'Rush', '', 'music', 'v', 1, 2, 'ON_SALE', 'EUR', 0, 0)",
    )
    .execute(&db.pool)
    .await
    .unwrap();
    for seat in ["a", "b"] {
        sqlx::query("INSERT INTO event_seats (event_id, seat_id, section_id, status, updated_at) VALUES ('e1', $1, 's', 'AVAILABLE', 0)")
            .bind(seat)
            .execute(&db.pool)
            .await
            .unwrap();
    }
    let seats = batcher.seats_of(&db, "rush").await.expect("the event's seats");
    assert_eq!(seats.len(), 2);
    assert!(seats.contains("a") && seats.contains("b"));
    // Read once: a seat added behind its back is not seen (an event's seats never change).
    sqlx::query("INSERT INTO event_seats (event_id, seat_id, section_id, status, updated_at) VALUES ('e1', 'c', 's', 'AVAILABLE', 0)")
        .execute(&db.pool)
        .await
        .unwrap();
    assert_eq!(batcher.seats_of(&db, "rush").await.unwrap().len(), 2);
    assert_eq!(batcher.seats_of(&db, "e1").await.unwrap().len(), 3, "the id is another name, read on its own");
}
