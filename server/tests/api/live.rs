//! The live stream (`GET /api/v1/stream`): seat changes to whoever watches the event,
//! a user's orders and notifications to that user alone, what a reconnecting client
//! missed replayed from the event log, clear refusals, bounded streams, slow clients
//! dropped alone, and across processes through RabbitMQ.

use std::time::Duration;

use serde_json::{json, Value};

use app::users::Role;

use crate::helpers::{signed_in, Backend, TestApp, APPROVED};
use crate::on_both_backends;
use crate::sse::{self, Open, Stream};

const PASSWORD: &str = "violet-tram-orbit-42";
const SOON: Duration = Duration::from_secs(10);

fn ids(message: &sse::Message) -> Vec<String> {
    message.data["seat_ids"].as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_owned()).collect()
}

/// Holds `seats` as `token`; answers the hold.
async fn hold(app: &TestApp, token: &str, event: &str, seats: &[String]) -> Value {
    let res = app.hold(token, event, seats).await;
    assert_eq!(res.status(), 201);
    res.json().await.unwrap()
}

/// Anyone watching an event sees its seats turn held, then available when the hold is let
/// go, each message numbered after the one before.
async fn watchers_see_seats_held_and_released(app: &TestApp) {
    let (event, seats) = app.event_with_seats(2).await;
    let (mut watcher, hello) = Stream::open(&app.api(""), Open { events: &[event.as_str()], ..Default::default() }).await;
    assert!(hello.data["now_ms"].as_i64().unwrap() > 0);
    assert!(hello.data["cursor"].as_i64().is_some());

    let token = app.customer("holder@example.com").await;
    let h = hold(app, &token, &event, &seats).await;
    let held = watcher.next_of("seats", SOON).await.expect("the hold is told");
    assert_eq!(held.data["event_id"], event);
    assert_eq!(held.data["status"], "HELD");
    let mut told = ids(&held);
    told.sort();
    let mut wanted = seats.clone();
    wanted.sort();
    assert_eq!(told, wanted);

    let res = reqwest::Client::new().delete(app.api(&format!("/holds/{}", h["id"].as_str().unwrap()))).bearer_auth(&token).send().await.unwrap();
    assert!(res.status().is_success());
    let released = watcher.next_of("seats", SOON).await.expect("the release is told");
    assert_eq!(released.data["status"], "AVAILABLE");
    assert_eq!(ids(&released).len(), 2);
    assert!(released.id.unwrap() > held.id.unwrap());
}

/// A stream that asks for seats by place hears each seat by its index in the event's list
/// of seats (the order of `/seats` and `/seat-statuses`), live and replayed, while another
/// stream on the same event still hears their ids.
async fn watchers_by_place_hear_seats_by_their_index(app: &TestApp) {
    let (event, seats) = app.event_with_seats(5).await;
    let by_place = Open { events: &[event.as_str()], seats: Some("index"), ..Default::default() };
    let (mut placed, hello) = Stream::open(&app.api(""), Open { ..by_place }).await;
    let (mut named, _) = Stream::open(&app.api(""), Open { events: &[event.as_str()], seats: Some("ids"), ..Default::default() }).await;
    let cursor = hello.data["cursor"].as_i64().unwrap();

    let token = app.customer("places@example.com").await;
    let h = hold(app, &token, &event, &[seats[4].clone(), seats[1].clone()]).await;
    let held = placed.next_of("seats", SOON).await.expect("the hold is told by place");
    let mut places: Vec<u64> = held.data["seat_indexes"].as_array().unwrap().iter().map(|v| v.as_u64().unwrap()).collect();
    places.sort();
    assert_eq!(places, vec![1, 4]);
    assert_eq!(held.data["event_id"], event);
    assert_eq!(held.data["status"], "HELD");
    assert!(held.data.get("seat_ids").is_none(), "{:?}", held.data);
    let mut told = ids(&named.next_of("seats", SOON).await.expect("the hold is told by id"));
    told.sort();
    let mut wanted = vec![seats[1].clone(), seats[4].clone()];
    wanted.sort();
    assert_eq!(told, wanted);

    // The statuses, read now, say the same at those places.
    let statuses: Value = reqwest::get(app.api(&format!("/events/{event}/seat-statuses"))).await.unwrap().json().await.unwrap();
    let letters = statuses["statuses"].as_str().unwrap().as_bytes();
    assert_eq!((letters[1], letters[4]), (b'H', b'H'));

    let res = reqwest::Client::new().delete(app.api(&format!("/holds/{}", h["id"].as_str().unwrap()))).bearer_auth(&token).send().await.unwrap();
    assert!(res.status().is_success());
    let released = placed.next_of("seats", SOON).await.expect("the release is told by place");
    assert_eq!(released.data["status"], "AVAILABLE");
    assert_eq!(released.data["seat_indexes"].as_array().unwrap().len(), 2);

    // A client that comes back by place gets what it missed by place.
    let (mut back, _) = Stream::open(&app.api(""), Open { last_event_id: Some(cursor), ..by_place }).await;
    let missed = back.next_of("seats", SOON).await.expect("the hold, replayed");
    assert_eq!(missed.id, held.id);
    let mut places: Vec<u64> = missed.data["seat_indexes"].as_array().unwrap().iter().map(|v| v.as_u64().unwrap()).collect();
    places.sort();
    assert_eq!(places, vec![1, 4]);
    let freed = back.next_of("seats", SOON).await.expect("the release, replayed");
    assert_eq!(freed.data["status"], "AVAILABLE");
}

/// A buyer hears of their order (pending, then paid) and of its notification; the event's
/// watchers see the seats sold; another signed-in user hears none of it.
async fn a_buyer_hears_of_their_order_and_nobody_else_does(app: &TestApp) {
    let (event, seats) = app.event_with_seats(1).await;
    let buyer = app.customer("buyer@example.com").await;
    let other = app.customer("other@example.com").await;
    // Welcome notifications first, so that they do not come on the streams below.
    for token in [&buyer, &other] {
        assert!(app.eventually(10, || async { app.get(token, "/notifications").await.1["total"] == 1 }).await);
    }
    let (mut mine, _) = Stream::open(&app.api(""), Open { bearer: Some(&buyer), ..Default::default() }).await;
    let (mut theirs, _) = Stream::open(&app.api(""), Open { bearer: Some(&other), ..Default::default() }).await;
    let (mut watcher, _) = Stream::open(&app.api(""), Open { events: &[event.as_str()], ..Default::default() }).await;

    let order = app.paid_order(&buyer, &event, &seats, "live-1").await;
    let order_id = order["id"].as_str().unwrap();
    let pending = mine.next_of("order", SOON).await.expect("the order is told");
    assert_eq!(pending.data, json!({ "order_id": order_id, "status": "PENDING" }));
    let paid = mine.next_of("order", SOON).await.expect("the payment is told");
    assert_eq!(paid.data, json!({ "order_id": order_id, "status": "PAID" }));
    let ticket = mine.next_of("ticket", SOON).await.expect("the tickets are told");
    assert_eq!(ticket.data["order_id"], order_id);
    let notice = loop {
        // The buyer's own welcome may come first (see below).
        let m = mine.next_of("notification", SOON).await.expect("the notification is told");
        if m.data["kind"] != "WELCOME" {
            break m;
        }
    };
    assert_eq!(notice.data["kind"], "ORDER_PAID");
    let (_, listed) = app.get(&buyer, "/notifications?unread=true").await;
    assert!(listed["items"].as_array().unwrap().iter().any(|n| n["id"] == notice.data["notification_id"]), "{listed}");

    let sold = loop {
        let m = watcher.next_of("seats", SOON).await.expect("the sale is told");
        if m.data["status"] == "SOLD" {
            break m;
        }
    };
    assert_eq!(ids(&sold), seats);
    // The other user's own welcome may still be on its way (the notifier's row is read
    // before its event is relayed); anything else would be the buyer's business.
    let overheard: Vec<_> = theirs
        .drain(Duration::from_millis(800))
        .await
        .into_iter()
        .filter(|m| !(m.kind == "notification" && m.data["kind"] == "WELCOME"))
        .collect();
    assert!(overheard.is_empty(), "another user heard: {overheard:?}");
}

/// A client that reconnects with the last id it received gets what it missed, once; one
/// that missed more than is replayed is told to load its state again.
async fn a_reconnecting_client_gets_what_it_missed(app: &TestApp) {
    let (event, seats) = app.event_with_seats(3).await;
    let token = app.customer("again@example.com").await;
    let (first, hello) = Stream::open(&app.api(""), Open { events: &[event.as_str()], ..Default::default() }).await;
    let cursor = hello.data["cursor"].as_i64().unwrap();
    drop(first);

    hold(app, &token, &event, &seats[..1]).await;
    hold(app, &token, &event, &seats[1..2]).await;

    let (mut back, _) = Stream::open(&app.api(""), Open { events: &[event.as_str()], last_event_id: Some(cursor), ..Default::default() }).await;
    // Both holds, told as one message naming both seats, with the second one's id.
    let both = back.next_of("seats", SOON).await.expect("the holds, replayed");
    assert_eq!(ids(&both), vec![seats[0].clone(), seats[1].clone()]);
    assert!(back.drain(Duration::from_millis(500)).await.iter().all(|m| m.kind != "seats"), "nothing twice");

    // Resuming after the last one replays nothing; what comes next comes live.
    let (mut later, _) = Stream::open(&app.api(""), Open { events: &[event.as_str()], last_event_id: both.id, ..Default::default() }).await;
    hold(app, &token, &event, &seats[2..3]).await;
    let three = later.next_of("seats", SOON).await.expect("the third hold, live");
    assert_eq!(ids(&three), vec![seats[2].clone()]);
    assert!(later.drain(Duration::from_millis(500)).await.iter().all(|m| m.kind != "seats"));

}

/// More missed than the replay reaches: the client is told to load its state again.
async fn too_much_missed_is_a_reset(app: &TestApp) {
    let (event, _) = app.event_with_seats(1).await;
    let (_, hello) = Stream::open(&app.api(""), Open { events: &[event.as_str()], ..Default::default() }).await;
    let cursor = hello.data["cursor"].as_i64().unwrap();
    // Seat changes of another event, more than the replay reads.
    let mut tx = app.state.db.begin_write().await.unwrap();
    let other = uuid::Uuid::new_v4().to_string();
    let batch: Vec<(&str, &str, Value)> = (0..=app::live::feed::REPLAY_LIMIT)
        .map(|_| ("seats.held", other.as_str(), json!({ "event_id": other, "hold_id": "h", "user_id": "u", "seat_ids": ["s"] })))
        .collect();
    for chunk in batch.chunks(200) {
        app::audit::outbox::record_all(&mut tx, chunk).await.unwrap();
    }
    tx.commit().await.unwrap();
    let (mut stale, _) = Stream::open(&app.api(""), Open { events: &[event.as_str()], last_event_id: Some(cursor), ..Default::default() }).await;
    let first = stale.next(SOON).await.expect("a message");
    assert_eq!(first.kind, "reset");
    assert_eq!(first.id, None);
}

/// Requests the stream cannot serve get JSON errors with the right status.
async fn bad_requests_get_clear_errors(app: &TestApp) {
    let api = app.api("");
    let plain = reqwest::Client::new().get(format!("{api}/stream")).send().await.unwrap();
    assert_eq!(plain.status(), 406);
    assert_eq!(plain.json::<Value>().await.unwrap()["error"]["code"], "not_acceptable");

    let asks = |query: &str| {
        reqwest::Client::new().get(format!("{api}/stream{query}")).header("accept", "text/event-stream").send()
    };
    let res = asks("?events=not-an-id").await.unwrap();
    assert_eq!(res.status(), 422);
    let body: Value = res.json().await.unwrap();
    assert!(body["error"]["details"]["events"].as_str().unwrap().contains("20"), "{body}");
    let many = (0..21).map(|_| uuid::Uuid::new_v4().to_string()).collect::<Vec<_>>().join(",");
    assert_eq!(asks(&format!("?events={many}")).await.unwrap().status(), 422);
    assert_eq!(asks("?last_event_id=-4").await.unwrap().status(), 422);
    assert_eq!(asks("?last_event_id=abc").await.unwrap().status(), 422);
    assert_eq!(asks("?colour=blue").await.unwrap().status(), 400);
    let res = asks("?seats=names").await.unwrap();
    assert_eq!(res.status(), 422);
    assert!(res.json::<Value>().await.unwrap()["error"]["details"]["seats"].as_str().unwrap().contains("index"));
    let res = sse::request(&api, &Open { bearer: Some("not-a-token"), ..Default::default() }).await;
    assert_eq!(res.status(), 401);
    assert_eq!(res.json::<Value>().await.unwrap()["error"]["code"], "unauthorized");
    // A stale session cookie only makes the stream anonymous.
    let res = reqwest::Client::new()
        .get(format!("{api}/stream"))
        .header("accept", "text/event-stream")
        .header("cookie", "taquilla_session=stale")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
}

on_both_backends!(
    watchers_see_seats_held_and_released,
    watchers_by_place_hear_seats_by_their_index,
    a_buyer_hears_of_their_order_and_nobody_else_does,
    a_reconnecting_client_gets_what_it_missed,
    too_much_missed_is_a_reset,
    bad_requests_get_clear_errors,
);

/// One address and one user hold a bounded number of streams; a closed stream frees its
/// place.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn streams_are_bounded_per_address_and_per_user() {
    let app = TestApp::spawn_configured(Backend::Sqlite, false, |c| {
        c.streams_per_address = 3;
        c.streams_per_user = 2;
        c.trusted_proxies = "127.0.0.1/32".into();
    })
    .await
    .unwrap();
    let (_, token) = signed_in(&app, "tabs@example.com", "Tabs", PASSWORD, Role::Customer).await;
    let api = app.api("");
    let from = |ip| Open { forwarded_for: Some(ip), ..Default::default() };
    let (one, _) = Stream::open(&api, Open { bearer: Some(&token), forwarded_for: Some("203.0.113.1"), ..Default::default() }).await;
    let (_two, _) = Stream::open(&api, Open { bearer: Some(&token), forwarded_for: Some("203.0.113.2"), ..Default::default() }).await;
    let refused = sse::request(&api, &Open { bearer: Some(&token), forwarded_for: Some("203.0.113.3"), ..Default::default() }).await;
    assert_eq!(refused.status(), 429);
    assert!(refused.headers().contains_key("retry-after"));
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["error"]["code"], "too_many_streams");
    assert_eq!(body["error"]["details"]["limit"], 2);

    let mut anonymous = Vec::new();
    for _ in 0..3 {
        anonymous.push(Stream::open(&api, from("198.51.100.7")).await.0);
    }
    assert_eq!(sse::request(&api, &from("198.51.100.7")).await.status(), 429, "a fourth from one address");
    assert_eq!(sse::request(&api, &from("198.51.100.8")).await.status(), 200, "another address is not held back");

    drop(one);
    assert!(
        app.eventually(5, || async { sse::request(&api, &Open { bearer: Some(&token), ..Default::default() }).await.status() == 200 }).await,
        "a closed stream frees its place"
    );
    app.cleanup().await;
}

/// A client that does not read is dropped once it falls behind; the others get every
/// message, in time.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_client_is_dropped_alone() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let event = uuid::Uuid::new_v4().to_string();
    let api = app.api("");
    let (mut slow, _) = Stream::open(&api, Open { events: &[event.as_str()], ..Default::default() }).await;
    let (mut quick, _) = Stream::open(&api, Open { events: &[event.as_str()], ..Default::default() }).await;
    let total = 3000;
    let reader = tokio::spawn(async move {
        let mut got = 0;
        while got < total {
            match quick.next(SOON).await {
                Some(m) if m.kind == "seats" => got += 1,
                Some(_) => {}
                None => break,
            }
        }
        got
    });
    // About 10 KB a message, 30 MB in all: far more than the sockets' buffers hold for
    // the client that does not read.
    let seat_ids: Vec<String> = (0..250).map(|_| uuid::Uuid::new_v4().to_string()).collect();
    for seq in 0..total {
        let change = app::audit::EventEnvelope {
            id: uuid::Uuid::new_v4(),
            seq: Some(seq as i64 + 1),
            event_type: "seats.held".into(),
            aggregate_id: event.clone(),
            payload: json!({ "event_id": event, "hold_id": "h", "user_id": "u", "seat_ids": seat_ids }),
            occurred_at: time::OffsetDateTime::now_utc(),
            request_id: None,
        };
        app.state.live.publish(&[change]);
        if seq % 10 == 0 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
    assert_eq!(reader.await.unwrap(), total, "the client that reads got everything");
    assert!(slow.ended_within(SOON).await, "the client that did not read was dropped");
    app.cleanup().await;
}

/// With RabbitMQ, every web process hears every change: a seat held and a notification
/// made through one process reach a stream of another (PostgreSQL, both processes running
/// their workers as `serve --with-workers` does).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_made_through_one_process_reaches_a_stream_of_another() {
    let Some(a) = TestApp::spawn_or_skip(Backend::Postgres, true, module_path!()).await else {
        return;
    };
    // The second process: same database, same broker and names, its own address.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let mut config = a.config.clone();
    config.addr = listener.local_addr().unwrap();
    let b = server::startup::Taquilla::assemble(&config).await.unwrap();
    b.start_workers(&config, &tokio::runtime::Handle::current()).await.unwrap();
    tokio::spawn(b.serve_on(listener));
    let b_api = format!("http://{}/api/v1", config.addr);

    let (event, seats) = a.event_with_seats(1).await;
    let buyer = a.customer("two@example.com").await;
    assert!(a.eventually(10, || async { a.get(&buyer, "/notifications").await.1["total"] == 1 }).await);
    let (mut on_b, _) = Stream::open(&b_api, Open { events: &[event.as_str()], bearer: Some(&buyer), ..Default::default() }).await;

    let h = hold(&a, &buyer, &event, &seats).await;
    let held = on_b.next_of("seats", SOON).await.expect("the hold made through A reaches B");
    assert_eq!(ids(&held), seats);
    let o: Value = a.order(&buyer, h["id"].as_str().unwrap(), APPROVED, "two-processes").await.json().await.unwrap();
    let notice = on_b.next_of("notification", SOON).await.expect("the notification made through A reaches B");
    assert_eq!(notice.data["kind"], "ORDER_PAID");
    a.wait_for_status(&buyer, o["id"].as_str().unwrap(), "PAID").await;
    a.cleanup().await;
}

/// The broker drops every connection (as when it restarts): the streams open are told to
/// load their state again (`reset`: what was published meanwhile never reached this
/// process), and changes made afterwards reach them as before.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn streams_are_told_when_the_broker_dropped_the_process() {
    let Some((proxy, through_proxy)) = crate::proxy::StallingProxy::in_front_of_broker(module_path!()).await else { return };
    let app = TestApp::spawn_configured(Backend::Sqlite, true, |c| c.amqp_url = Some(through_proxy)).await.unwrap();
    let (event, seats) = app.event_with_seats(2).await;
    let (mut watcher, _) = Stream::open(&app.api(""), Open { events: &[event.as_str()], ..Default::default() }).await;
    let token = app.customer("dropped@example.com").await;
    hold(&app, &token, &event, &seats[..1]).await;
    assert_eq!(ids(&watcher.next_of("seats", SOON).await.expect("told before the drop")), vec![seats[0].clone()]);

    proxy.cut();
    watcher.next_of("reset", Duration::from_secs(30)).await.expect("told to load its state again once the process is back on the broker");
    hold(&app, &token, &event, &seats[1..]).await;
    // (The outbox publishes at least once: the hold before the drop may come again.)
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        let held = ids(&watcher.next_of("seats", left).await.expect("a change after the drop is told"));
        assert!(held.iter().all(|s| seats.contains(s)), "only the hold before the drop comes again: {held:?}");
        if held.contains(&seats[1]) {
            break;
        }
    }
    app.cleanup().await;
}
