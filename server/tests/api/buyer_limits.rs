//! One buyer holds at most the event's limit of seats at once (in holds and in orders
//! waiting for their payment), however many holds they send and however concurrently.

use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;

use serde_json::{json, Value};

use app::orders::holds::HoldDesk;
use app::state::AppState;
use app::users::Role;

use crate::helpers::{Backend, TestApp, APPROVED};
use crate::on_both_backends;

async fn error_code(res: reqwest::Response) -> (u16, Value) {
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn a_buyer_holds_at_most_the_events_limit(app: &TestApp) {
    let (event, seats) = app.event_with_seats(14).await;
    let ana = app.customer("ana@example.com").await;
    let first: Value = app.hold(&ana, &event, &seats[0..4]).await.json().await.unwrap();
    assert_eq!(app.hold(&ana, &event, &seats[4..8]).await.status(), 201, "8 seats are allowed");
    let (status, body) = error_code(app.hold(&ana, &event, &seats[8..9]).await).await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["error"]["code"], "seat_limit_reached");
    assert_eq!(body["error"]["details"]["limit"], 8);
    // Someone else is not concerned.
    let ben = app.customer("ben@example.com").await;
    assert_eq!(app.hold(&ben, &event, &seats[8..10]).await.status(), 201);

    // A released hold no longer counts; an order waiting for its payment still does.
    let res = reqwest::Client::new().delete(app.api(&format!("/holds/{}", first["id"].as_str().unwrap()))).bearer_auth(&ana).send().await.unwrap();
    assert_eq!(res.status(), 204);
    let h: Value = app.hold(&ana, &event, &seats[10..14]).await.json().await.unwrap();
    let o: Value = app.order(&ana, h["id"].as_str().unwrap(), APPROVED, "k").await.json().await.unwrap();
    assert_eq!(app.hold(&ana, &event, &seats[0..1]).await.status(), 409, "8 seats held or waiting for payment");
    // Paid seats are bought, not held.
    app.wait_for_status(&ana, o["id"].as_str().unwrap(), "PAID").await;
    assert_eq!(app.hold(&ana, &event, &seats[0..4]).await.status(), 201);

    // The organizer sets the limit per event.
    app.create_user("root@example.com", "violet-tram-orbit-42", Role::Admin).await;
    let root = app.login("root@example.com", "violet-tram-orbit-42").await;
    let http = reqwest::Client::new();
    let res = http.patch(app.api(&format!("/events/{event}"))).bearer_auth(&root).json(&json!({ "max_seats_per_buyer": 0 })).send().await.unwrap();
    assert_eq!(res.status(), 422);
    let res = http.patch(app.api(&format!("/events/{event}"))).bearer_auth(&root).json(&json!({ "max_seats_per_buyer": 2 })).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<Value>().await.unwrap()["max_seats_per_buyer"], 2);
    let carla = app.customer("carla@example.com").await;
    let free: Vec<String> = app.seat_statuses(&event).await.into_iter().filter(|(_, s)| s == "AVAILABLE").map(|(id, _)| id).take(3).collect();
    let (status, body) = error_code(app.hold(&carla, &event, &free).await).await;
    assert_eq!((status, body["error"]["details"]["limit"].clone()), (409, json!(2)), "{body}");
    assert_eq!(app.hold(&carla, &event, &free[..2]).await.status(), 201);
}

/// The held seats of `user_id` for `event` (HELD, by any of their holds).
async fn seats_held_by(app: &TestApp, user_id: &str, event: &str) -> i64 {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM event_seats es JOIN holds h ON h.id = es.hold_id JOIN events e ON e.id = es.event_id \
         WHERE h.user_id = $1 AND (e.id = $2 OR e.slug = $2) AND es.status = 'HELD'",
    )
    .bind(user_id)
    .bind(event)
    .fetch_one(&app.state.db.pool)
    .await
    .unwrap()
}

async fn concurrent_holds_of_one_buyer_cannot_pass_the_limit(app: &TestApp) {
    let (event, seats) = app.event_with_seats(36).await;
    app.customer("ana@example.com").await;
    let user_id: String = sqlx::query_scalar("SELECT id FROM users WHERE email = 'ana@example.com'").fetch_one(&app.state.db.pool).await.unwrap();
    let user = app::users::service::find(&app.state.db, &user_id).await.unwrap();
    // Three web processes (each with its own hold batches) take 6 holds of 2 seats each,
    // all at once.
    let processes: Vec<AppState> = (0..3).map(|_| AppState { holds: Arc::new(HoldDesk::new(app.state.db.backend, app.state.holds.ttl)), ..app.state.clone() }).collect();
    let mut attempts = Vec::new();
    for (n, pair) in seats.chunks(2).take(18).enumerate() {
        let state = processes[n % 3].clone();
        let user = user.clone();
        let ids: Vec<uuid::Uuid> = pair.iter().map(|s| s.parse().unwrap()).collect();
        let event = event.clone();
        attempts.push(tokio::spawn(async move {
            let ip = IpAddr::V4(Ipv4Addr::new(10, 0, 0, n as u8));
            app::orders::holds::create(&state.db, &state.holds, &user, ip, &event, &ids).await
        }));
    }
    let mut granted = 0;
    for attempt in attempts {
        match attempt.await.unwrap() {
            Ok(hold) => granted += hold.seats.len() as i64,
            Err(app::AppError::Conflict { code, .. }) => assert!(code == "seat_limit_reached" || code == "try_again", "{code}"),
            Err(e) => panic!("unexpected refusal: {e:?}"),
        }
    }
    let held = seats_held_by(app, &user_id, &event).await;
    assert!(held <= 8, "one buyer holds {held} seats at once");
    assert_eq!(held, granted, "every seat held was answered as held");
    assert!(granted >= 2, "some holds were granted");
}

on_both_backends!(a_buyer_holds_at_most_the_events_limit, concurrent_holds_of_one_buyer_cannot_pass_the_limit);
