//! Picking seats: the best N of a section, the lines a hold and its order name, and holds
//! answered while every other connection is busy.

use std::time::Duration;

use serde_json::{json, Value};

use crate::helpers::{take_every_connection, Backend, TestApp, APPROVED};
use crate::on_both_backends;

async fn best_available_seats(app: &TestApp) {
    let (event, _) = app.event_with_seats(0).await;
    let ana = app.customer("ana@example.com").await;
    let detail: Value = app.client.get(app.api(&format!("/events/{event}"))).send().await.unwrap().json().await.unwrap();
    let section = detail["prices"][0]["section_id"].as_str().unwrap().to_owned();
    let ask = |quantity: i64| {
        reqwest::Client::new()
            .post(app.api(&format!("/events/{event}/holds")))
            .bearer_auth(&ana)
            .json(&json!({ "section_id": section, "quantity": quantity }))
            .send()
    };
    let res = ask(3).await.unwrap();
    assert_eq!(res.status(), 201);
    let h: Value = res.json().await.unwrap();
    let seats = h["seats"].as_array().unwrap();
    assert_eq!(seats.len(), 3);
    assert!(seats.iter().all(|s| s["row"] == "A"), "front row first: {h}");
    let mut numbers: Vec<i64> = seats.iter().map(|s| s["number"].as_i64().unwrap()).collect();
    numbers.sort();
    assert!(numbers.windows(2).all(|w| w[1] == w[0] + 1), "side by side: {numbers:?}");
    // The next request gets other seats.
    let again: Value = ask(3).await.unwrap().json().await.unwrap();
    let first: std::collections::HashSet<&str> = seats.iter().map(|s| s["seat_id"].as_str().unwrap()).collect();
    assert!(again["seats"].as_array().unwrap().iter().all(|s| !first.contains(s["seat_id"].as_str().unwrap())));
    assert_eq!(ask(9).await.unwrap().status(), 422);
    let res = reqwest::Client::new()
        .post(app.api(&format!("/events/{event}/holds")))
        .bearer_auth(&ana)
        .json(&json!({ "section_id": section }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422, "quantity is needed with section_id");
}

/// A hold's and its order's lines name each seat as the map does (section, row,
/// number, price), in map order, whether the event is named by id or slug; an event
/// that is not on sale refuses holds.
async fn lines_name_the_seats_as_the_map_does(app: &TestApp) {
    let (event, _) = app.event_with_seats(0).await;
    let map: Value = app.client.get(app.api(&format!("/events/{event}/seats"))).send().await.unwrap().json().await.unwrap();
    let map = map["items"].as_array().unwrap();
    // Seats of two sections, asked for in reverse map order.
    let first_section = map[0]["section"].as_str().unwrap();
    let other = map.iter().find(|s| s["section"] != first_section).expect("a second section");
    let wanted: Vec<&Value> = vec![other, &map[1], &map[0]];
    let ids: Vec<String> = wanted.iter().map(|s| s["id"].as_str().unwrap().to_owned()).collect();
    let detail: Value = app.client.get(app.api(&format!("/events/{event}"))).send().await.unwrap().json().await.unwrap();
    let slug = detail["slug"].as_str().unwrap();

    let ana = app.customer("ana@example.com").await;
    let res = app.hold(&ana, slug, &ids).await;
    assert_eq!(res.status(), 201, "an event can be named by its slug");
    let h: Value = res.json().await.unwrap();
    assert_eq!(h["event_id"], event.as_str());
    assert_eq!(h["event_slug"], slug);
    let expected: Vec<Value> = [&map[0], &map[1], other]
        .iter()
        .map(|s| json!({ "seat_id": s["id"], "section": s["section"], "row": s["row"], "number": s["number"], "price_cents": s["price_cents"] }))
        .collect();
    assert_eq!(h["seats"], json!(expected), "in map order: {h}");
    let total: i64 = expected.iter().map(|s| s["price_cents"].as_i64().unwrap()).sum();
    assert_eq!(h["total_cents"], total);
    let (_, read) = app.get(&ana, &format!("/holds/{}", h["id"].as_str().unwrap())).await;
    assert_eq!(read["seats"], h["seats"], "read back the same");

    let res = app.order(&ana, h["id"].as_str().unwrap(), APPROVED, "lines").await;
    assert_eq!(res.status(), 202);
    let o: Value = res.json().await.unwrap();
    assert_eq!(o["total_cents"], total);
    assert_eq!(o["event_title"], detail["title"]);
    let mut placed: Vec<Value> = o["items"].as_array().unwrap().clone();
    let mut stored: Vec<Value> = app.get(&ana, &format!("/orders/{}", o["id"].as_str().unwrap())).await.1["items"].as_array().unwrap().clone();
    let key = |v: &Value| v["seat_id"].as_str().unwrap().to_owned();
    placed.sort_by_key(key);
    stored.sort_by_key(key);
    let mut lines: Vec<Value> = expected.clone();
    lines.sort_by_key(key);
    assert_eq!(placed, lines);
    assert_eq!(stored, lines);
    let placed_events: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM domain_events WHERE event_type = 'order.placed' AND aggregate_id = $1")
        .bind(o["id"].as_str().unwrap())
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!(placed_events, 1);
    let held: String = sqlx::query_scalar("SELECT payload FROM domain_events WHERE event_type = 'seats.held'").fetch_one(&app.state.db.pool).await.unwrap();
    let held: Value = serde_json::from_str(&held).unwrap();
    assert_eq!(held["hold_id"], h["id"]);
    assert_eq!(held["event_id"], event.as_str());
    assert_eq!(held["seat_ids"].as_array().unwrap().len(), 3);

    // Off sale: nothing can be held.
    sqlx::query("UPDATE events SET status = 'DRAFT' WHERE id = $1").bind(&event).execute(&app.state.db.pool).await.unwrap();
    let res = app.hold(&ana, &event, &[map[5]["id"].as_str().unwrap().to_owned()]).await;
    assert_eq!(res.status(), 409);
    assert_eq!(res.json::<Value>().await.unwrap()["error"]["code"], "not_on_sale");
}

on_both_backends!(best_available_seats, lines_name_the_seats_as_the_map_does);

/// On PostgreSQL the hold batches have connections of their own: a buyer's hold is
/// answered, and a second buyer's refused, while orders and pages hold every connection
/// of the web's pool.
#[tokio::test]
async fn holds_are_answered_while_the_web_pool_is_busy_on_postgres() {
    let Some(app) = TestApp::spawn_or_skip(Backend::Postgres, false, module_path!()).await else {
        return;
    };
    let (event, seats) = app.event_with_seats(3).await;
    let ana = app.customer("ana@example.com").await;
    let ben = app.customer("ben@example.com").await;
    // Signed in a moment ago: their sessions are believed without a query.
    for token in [&ana, &ben] {
        assert_eq!(app.client.get(app.api("/me")).bearer_auth(token).send().await.unwrap().status(), 200);
    }
    let busy = take_every_connection(&app.state.db.pool).await;
    assert!(!busy.is_empty() && app.state.db.pool.num_idle() == 0, "every connection of the web is taken");
    let (first, second) = tokio::time::timeout(Duration::from_secs(5), async {
        let first = app.hold(&ana, &event, &seats[..2]).await;
        let second = app.hold(&ben, &event, &seats[1..]).await;
        (first.status(), second.json::<Value>().await.unwrap())
    })
    .await
    .expect("holds are answered while the web's connections are busy");
    assert_eq!(first, 201);
    assert_eq!(second["error"]["code"], "seats_unavailable");
    assert_eq!(second["error"]["details"]["seat_ids"], json!([seats[1]]));
    drop(busy);
    app.cleanup().await;
}
