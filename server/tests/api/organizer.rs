//! An organizer creates a venue and an event, puts it on sale, and follows its sales.

use serde_json::{json, Value};

use app::users::Role;

use crate::helpers::{Backend, TestApp};
use crate::on_both_backends;

async fn organizer_sells_an_event(app: &TestApp) {
    app.create_user("olga@example.com", "violet-tram-orbit-42", Role::Organizer).await;
    let olga = app.login("olga@example.com", "violet-tram-orbit-42").await;
    let http = reqwest::Client::new();
    let customer = app.customer("ana@example.com").await;

    let venue_body = json!({ "name": "Sala Nueva", "city": "Bilbao", "address": "Calle 1",
        "sections": [{ "name": "Front", "rows": 2, "seats_per_row": 5 }, { "name": "Back", "rows": 3, "seats_per_row": 4 }] });
    assert_eq!(http.post(app.api("/venues")).bearer_auth(&customer).json(&venue_body).send().await.unwrap().status(), 403);
    let res = http.post(app.api("/venues")).bearer_auth(&olga).json(&venue_body).send().await.unwrap();
    assert_eq!(res.status(), 201);
    let venue: Value = res.json().await.unwrap();
    let sections = venue["sections"].as_array().unwrap();
    assert_eq!(sections[0]["capacity"], 10);
    // Listed for its organizer (with the house's venues), not for a customer.
    let listed: Value = http.get(app.api("/venues")).bearer_auth(&olga).send().await.unwrap().json().await.unwrap();
    let mine = listed["items"].as_array().unwrap().iter().find(|v| v["id"] == venue["id"]).expect("the new venue is listed");
    assert_eq!(mine["sections"], venue["sections"]);
    assert_eq!(listed["total"].as_u64().unwrap() as usize, listed["items"].as_array().unwrap().len());
    assert_eq!(http.get(app.api("/venues")).bearer_auth(&customer).send().await.unwrap().status(), 403);

    let starts = (time::OffsetDateTime::now_utc() + time::Duration::days(30)).format(&time::format_description::well_known::Rfc3339).unwrap();
    let ends = (time::OffsetDateTime::now_utc() + time::Duration::days(30) + time::Duration::hours(2)).format(&time::format_description::well_known::Rfc3339).unwrap();
    let mut event_body = json!({ "title": "Bilbao Beats", "description": "New night", "category": "concerts", "venue_id": venue["id"],
        "starts_at": starts, "ends_at": ends, "prices": [{ "section_id": sections[0]["id"], "price_cents": 3000 }] });
    let res = http.post(app.api("/events")).bearer_auth(&olga).json(&event_body).send().await.unwrap();
    assert_eq!(res.status(), 422, "every section needs a price");
    event_body["prices"] = json!([{ "section_id": sections[0]["id"], "price_cents": 3000 }, { "section_id": sections[1]["id"], "price_cents": 2000 }]);
    let res = http.post(app.api("/events")).bearer_auth(&olga).json(&event_body).send().await.unwrap();
    assert_eq!(res.status(), 201);
    let event: Value = res.json().await.unwrap();
    assert_eq!(event["status"], "DRAFT");
    let id = event["id"].as_str().unwrap().to_owned();
    assert_eq!(app.client.get(app.api(&format!("/events/{id}"))).send().await.unwrap().status(), 404, "drafts are not public");

    let res = http.patch(app.api(&format!("/events/{id}"))).bearer_auth(&olga).json(&json!({ "status": "ON_SALE" })).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let seats: Value = app.client.get(app.api(&format!("/events/{id}/seats"))).send().await.unwrap().json().await.unwrap();
    assert_eq!(seats["total"], 22);

    // Another organizer cannot touch it; a customer cannot see its sales.
    app.create_user("other@example.com", "violet-tram-orbit-42", Role::Organizer).await;
    let other = app.login("other@example.com", "violet-tram-orbit-42").await;
    let theirs: Value = http.get(app.api("/venues")).bearer_auth(&other).send().await.unwrap().json().await.unwrap();
    assert!(theirs["items"].as_array().unwrap().iter().all(|v| v["id"] != venue["id"]), "another organizer's venue is not listed");
    assert_eq!(http.patch(app.api(&format!("/events/{id}"))).bearer_auth(&other).json(&json!({ "status": "CANCELLED" })).send().await.unwrap().status(), 404);
    assert_eq!(http.get(app.api(&format!("/events/{id}/sales"))).bearer_auth(&customer).send().await.unwrap().status(), 403);
    let res = http.patch(app.api(&format!("/events/{id}"))).bearer_auth(&olga).json(&json!({ "status": "DRAFT" })).send().await.unwrap();
    assert_eq!(res.status(), 422, "an event on sale cannot go back to draft");

    // A customer buys two front seats.
    let front: Vec<&str> = seats["items"].as_array().unwrap().iter().filter(|s| s["section"] == "Front").take(2).map(|s| s["id"].as_str().unwrap()).collect();
    let hold: Value = http.post(app.api(&format!("/events/{id}/holds"))).bearer_auth(&customer).json(&json!({ "seat_ids": front })).send().await.unwrap().json().await.unwrap();
    let order: Value = http
        .post(app.api("/orders"))
        .bearer_auth(&customer)
        .header("idempotency-key", "bilbao-1")
        .json(&json!({ "hold_id": hold["id"], "payment": { "card_number": "4242424242424242", "exp_month": 1, "exp_year": 2032, "cvc": "321", "name": "Ana" } }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let order_id = order["id"].as_str().unwrap().to_owned();
    let paid = app
        .eventually(15, || async {
            let o: Value = http.get(app.api(&format!("/orders/{order_id}"))).bearer_auth(&customer).send().await.unwrap().json().await.unwrap();
            o["status"] == "PAID"
        })
        .await;
    assert!(paid);

    let report: Value = http.get(app.api(&format!("/events/{id}/sales"))).bearer_auth(&olga).send().await.unwrap().json().await.unwrap();
    assert_eq!(report["sold"], 2);
    assert_eq!(report["available"], 20);
    assert_eq!(report["seats_total"], 22);
    assert_eq!(report["orders_paid"], 1);
    assert_eq!(report["revenue_cents"], 6000);

    let res = http.get(app.api(&format!("/events/{id}/orders.csv"))).bearer_auth(&olga).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    let csv = res.text().await.unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 2);
    assert!(lines[0].starts_with("order_id,status,"));
    assert!(lines[1].starts_with(&format!("{order_id},PAID,")) && lines[1].contains("ana@example.com") && lines[1].ends_with(",2,6000,EUR"));
}

on_both_backends!(organizer_sells_an_event);
