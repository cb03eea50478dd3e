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
    assert!(lines[0].starts_with("\"order_id\",\"status\","));
    assert!(lines[1].starts_with(&format!("\"{order_id}\",\"PAID\",")) && lines[1].contains("\"ana@example.com\"") && lines[1].ends_with(",\"2\",\"6000\",\"EUR\""));

    // A hostile name: every field is quoted (a spreadsheet splitting on `;` sees one
    // cell), quotes are doubled, and a leading formula character gets a `'`.
    sqlx::query("UPDATE users SET display_name = $1 WHERE id = (SELECT user_id FROM orders WHERE id = $2)")
        .bind("@SUM(1+1);=cmd|' /C calc'!A0 \"q\"")
        .bind(&order_id)
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    let csv = http.get(app.api(&format!("/events/{id}/orders.csv"))).bearer_auth(&olga).send().await.unwrap().text().await.unwrap();
    let line = csv.lines().nth(1).unwrap();
    assert!(line.contains(",\"ana@example.com\",\"'@SUM(1+1);=cmd|' /C calc'!A0 \"\"q\"\"\",\"2\","), "{line}");
}

async fn organizer(app: &TestApp, email: &str) -> String {
    app.create_user(email, "violet-tram-orbit-42", Role::Organizer).await;
    app.login(email, "violet-tram-orbit-42").await
}

fn venue_body() -> Value {
    json!({ "name": "Sala Propia", "city": "Bilbao", "address": "Calle 2", "sections": [{ "name": "Front", "rows": 1, "seats_per_row": 4 }] })
}

/// An event on `venue` (its first section priced), as the API takes it.
fn event_body(title: &str, venue: &Value) -> Value {
    let at = |days: i64| (time::OffsetDateTime::now_utc() + time::Duration::days(days)).format(&time::format_description::well_known::Rfc3339).unwrap();
    json!({ "title": title, "category": "concerts", "venue_id": venue["id"], "starts_at": at(30), "ends_at": at(31),
        "prices": [{ "section_id": venue["sections"][0]["id"], "price_cents": 1000 }] })
}

/// An organizer's venue is theirs: another organizer creating an event on it is told it
/// does not exist, as for an unknown venue. The house's venues serve everyone, and an
/// administrator may use any.
async fn private_venues_are_their_organizers(app: &TestApp) {
    let http = reqwest::Client::new();
    let olga = organizer(app, "olga@example.com").await;
    let other = organizer(app, "other@example.com").await;
    app.create_user("root@example.com", "violet-tram-orbit-42", Role::Admin).await;
    let admin = app.login("root@example.com", "violet-tram-orbit-42").await;
    let venue: Value = http.post(app.api("/venues")).bearer_auth(&olga).json(&venue_body()).send().await.unwrap().json().await.unwrap();

    let res = http.post(app.api("/events")).bearer_auth(&other).json(&event_body("Not Yours", &venue)).send().await.unwrap();
    assert_eq!(res.status(), 422);
    let body: Value = res.json().await.unwrap();
    let unknown: Value = http
        .post(app.api("/events"))
        .bearer_auth(&other)
        .json(&event_body("Nowhere", &json!({ "id": uuid::Uuid::new_v4().to_string(), "sections": [{ "id": "x" }] })))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["error"]["details"], unknown["error"]["details"], "the same answer as an unknown venue: {body}");
    assert!(body["error"]["details"]["venue_id"].is_string());

    assert_eq!(http.post(app.api("/events")).bearer_auth(&olga).json(&event_body("Mine", &venue)).send().await.unwrap().status(), 201);
    assert_eq!(http.post(app.api("/events")).bearer_auth(&admin).json(&event_body("Admin's", &venue)).send().await.unwrap().status(), 201);

    let house = app::catalog::manage::NewVenue {
        name: "Teatro de la Casa".into(),
        city: "Madrid".into(),
        address: String::new(),
        time_zone: "Europe/Madrid".into(),
        sections: vec![app::catalog::manage::NewSection { name: "Stalls".into(), rows: 1, seats_per_row: 3 }],
    };
    let created = app::catalog::manage::create_venue(&app.state.db, &house, None).await.unwrap();
    let house = json!({ "id": created.id, "sections": [{ "id": created.section_ids[0] }] });
    assert_eq!(http.post(app.api("/events")).bearer_auth(&other).json(&event_body("House Night", &house)).send().await.unwrap().status(), 201);
}

/// Events are looked up by id or slug: no slug may read as an id (another event's).
async fn event_slugs_never_read_as_ids(app: &TestApp) {
    let http = reqwest::Client::new();
    let olga = organizer(app, "olga@example.com").await;
    let venue: Value = http.post(app.api("/venues")).bearer_auth(&olga).json(&venue_body()).send().await.unwrap().json().await.unwrap();
    let first: Value = http.post(app.api("/events")).bearer_auth(&olga).json(&event_body("First Night", &venue)).send().await.unwrap().json().await.unwrap();
    let first_id = first["id"].as_str().unwrap();
    for title in [first_id.to_owned(), first_id.to_uppercase(), first_id.replace('-', "")] {
        let res = http.post(app.api("/events")).bearer_auth(&olga).json(&event_body(&title, &venue)).send().await.unwrap();
        assert_eq!(res.status(), 422, "title {title}");
        let body: Value = res.json().await.unwrap();
        assert!(body["error"]["details"]["title"].is_string(), "{body}");
    }
    let fine: Value = http.post(app.api("/events")).bearer_auth(&olga).json(&event_body(&format!("Tour {first_id}"), &venue)).send().await.unwrap().json().await.unwrap();
    assert_ne!(fine["slug"], first["id"]);
    let found: Value = http.get(app.api(&format!("/events/{first_id}/sales"))).bearer_auth(&olga).send().await.unwrap().json().await.unwrap();
    assert_eq!(found["title"], "First Night");
}

/// Venue texts have limits and no control characters; each refusal names its field.
async fn venue_texts_are_checked(app: &TestApp) {
    let http = reqwest::Client::new();
    let olga = organizer(app, "olga@example.com").await;
    let refused = |body: Value, field: &'static str| {
        let http = http.clone();
        let olga = olga.clone();
        async move {
            let res = http.post(app.api("/venues")).bearer_auth(&olga).json(&body).send().await.unwrap();
            assert_eq!(res.status(), 422, "{field}");
            let answer: Value = res.json().await.unwrap();
            assert!(answer["error"]["details"][field].is_string(), "{field}: {answer}");
        }
    };
    let with = |field: &str, value: Value| {
        let mut body = venue_body();
        body[field] = value;
        body
    };
    refused(with("address", json!("a".repeat(5000))), "address").await;
    refused(with("address", json!("Calle 1\nPiso 2")), "address").await;
    refused(with("name", json!("Sala\u{1b}[2J")), "name").await;
    refused(with("city", json!("Bil\u{0}bao")), "city").await;
    refused(with("sections", json!([{ "name": "s".repeat(61), "rows": 1, "seats_per_row": 1 }])), "sections").await;
    refused(with("sections", json!([{ "name": "Front\r\n", "rows": 1, "seats_per_row": 1 }, { "name": "Back\u{7}", "rows": 1, "seats_per_row": 1 }])), "sections").await;
    assert_eq!(http.post(app.api("/venues")).bearer_auth(&olga).json(&with("address", json!("a".repeat(200)))).send().await.unwrap().status(), 201);
}

on_both_backends!(organizer_sells_an_event, private_venues_are_their_organizers, event_slugs_never_read_as_ids, venue_texts_are_checked);
