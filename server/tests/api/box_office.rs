//! Holds, orders, payments and tickets through the API, on both backends.

use std::collections::HashMap;

use serde_json::{json, Value};

use crate::helpers::{payment, Backend, TestApp, APPROVED};
use crate::on_both_backends;

const DECLINED: &str = "4000 0000 0000 0002";

async fn hold_pay_and_get_tickets(app: &TestApp) {
    let (event, seats) = app.event_with_seats(2).await;
    let ana = app.customer("ana@example.com").await;
    let res = app.hold(&ana, &event, &seats).await;
    assert_eq!(res.status(), 201);
    let h: Value = res.json().await.unwrap();
    assert_eq!(h["status"], "ACTIVE");
    assert_eq!(h["seats"].as_array().unwrap().len(), 2);
    assert_eq!(h["total_cents"], 13_000);
    let statuses = app.seat_statuses(&event).await;
    assert!(seats.iter().all(|s| statuses[s] == "HELD"));

    let res = app.order(&ana, h["id"].as_str().unwrap(), APPROVED, "key-1").await;
    assert_eq!(res.status(), 202);
    let o: Value = res.json().await.unwrap();
    assert_eq!(o["status"], "PENDING");
    assert_eq!(o["card_last4"], "4242");
    let paid = app.wait_for_status(&ana, o["id"].as_str().unwrap(), "PAID").await;
    assert_eq!(paid["ticket_ids"].as_array().unwrap().len(), 2);
    let statuses = app.seat_statuses(&event).await;
    assert!(seats.iter().all(|s| statuses[s] == "SOLD"));

    let ticket_id = paid["ticket_ids"][0].as_str().unwrap();
    let (status, ticket) = app.get(&ana, &format!("/tickets/{ticket_id}")).await;
    assert_eq!(status, 200);
    assert!(ticket["qr_svg"].as_str().unwrap().contains("<svg"));
    let key: Value = app.client.get(app.api("/tickets/signing-key")).send().await.unwrap().json().await.unwrap();
    let verified = app::tickets::signing::verify(key["public_key"].as_str().unwrap(), ticket["code"].as_str().unwrap());
    assert_eq!(verified.map(|(t, _)| t.to_string()), Some(ticket_id.to_owned()));
    let (_, mine) = app.get(&ana, "/tickets").await;
    assert_eq!(mine["total"], 2);

    // Nobody else sees them.
    let ben = app.customer("ben@example.com").await;
    assert_eq!(app.get(&ben, &format!("/tickets/{ticket_id}")).await.0, 404);
    assert_eq!(app.get(&ben, &format!("/orders/{}", paid["id"].as_str().unwrap())).await.0, 404);
    assert_eq!(app.get(&ben, &format!("/holds/{}", h["id"].as_str().unwrap())).await.0, 404);
    let (_, none) = app.get(&ben, "/orders").await;
    assert_eq!(none["total"], 0);
    let no_card: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM gateway_tokens WHERE token LIKE '%4242424242424242%'")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!(no_card, 0);
}

async fn same_key_same_order(app: &TestApp) {
    let (event, seats) = app.event_with_seats(1).await;
    let ana = app.customer("ana@example.com").await;
    let h: Value = app.hold(&ana, &event, &seats).await.json().await.unwrap();
    let hold_id = h["id"].as_str().unwrap();
    let first: Value = app.order(&ana, hold_id, APPROVED, "same-key").await.json().await.unwrap();
    let res = app.order(&ana, hold_id, APPROVED, "same-key").await;
    assert_eq!(res.status(), 202);
    let second: Value = res.json().await.unwrap();
    assert_eq!(first["id"], second["id"]);
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM orders").fetch_one(&app.state.db.pool).await.unwrap();
    assert_eq!(n, 1);
    // Another key on the converted hold is refused.
    let res = app.order(&ana, hold_id, APPROVED, "other-key").await;
    assert_eq!(res.status(), 409);
    // The same key with another hold (a client bug) is refused and leaves the other hold
    // untouched; so is the same key with the same hold and another card.
    let (_, more) = app.event_with_seats(3).await;
    let other: Value = app.hold(&ana, &event, &more[2..]).await.json().await.unwrap();
    let res = app.order(&ana, other["id"].as_str().unwrap(), APPROVED, "same-key").await;
    assert_eq!(res.status(), 422);
    let body: Value = res.json().await.unwrap();
    assert!(body["error"]["details"]["idempotency_key"].is_string(), "{body}");
    let status: String = sqlx::query_scalar("SELECT status FROM holds WHERE id = $1").bind(other["id"].as_str().unwrap()).fetch_one(&app.state.db.pool).await.unwrap();
    assert_eq!(status, "ACTIVE");
    assert_eq!(app.order(&ana, hold_id, "5555 5555 5555 4444", "same-key").await.status(), 422);
    assert_eq!(app.order(&ana, &uuid::Uuid::new_v4().to_string(), APPROVED, "same-key").await.status(), 422);
    // The same request again still answers the first order.
    let res = app.order(&ana, hold_id, APPROVED, "same-key").await;
    assert_eq!(res.json::<Value>().await.unwrap()["id"], first["id"]);
    let res = reqwest::Client::new()
        .post(app.api("/orders"))
        .bearer_auth(&ana)
        .json(&json!({ "hold_id": hold_id, "payment": payment(APPROVED) }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422, "the Idempotency-Key header is required");
}

/// Twin requests with one key place one order, however they meet: at the same moment
/// (one of them loses on the key), or after a declined payment put the seats back into
/// the hold (the retry converts the hold again, then finds the key taken, and nothing it
/// wrote stays).
async fn twin_requests_with_one_key_place_one_order(app: &TestApp) {
    let (event, seats) = app.event_with_seats(2).await;
    let ana = app.customer("ana@example.com").await;
    let h: Value = app.hold(&ana, &event, &seats[..1]).await.json().await.unwrap();
    let hold_id = h["id"].as_str().unwrap().to_owned();
    let twins = (0..6).map(|_| app.order(&ana, &hold_id, APPROVED, "twin-key"));
    let answers = futures_util::future::join_all(twins).await;
    let mut ids = Vec::new();
    for res in answers {
        assert_eq!(res.status(), 202);
        ids.push(res.json::<Value>().await.unwrap()["id"].clone());
    }
    assert!(ids.windows(2).all(|w| w[0] == w[1]), "every twin answers the same order: {ids:?}");

    let h: Value = app.hold(&ana, &event, &seats[1..]).await.json().await.unwrap();
    let hold_id = h["id"].as_str().unwrap();
    let declined: Value = app.order(&ana, hold_id, DECLINED, "retry-key").await.json().await.unwrap();
    app.wait_for_status(&ana, declined["id"].as_str().unwrap(), "REJECTED").await;
    let res = app.order(&ana, hold_id, DECLINED, "retry-key").await;
    assert_eq!(res.status(), 202);
    let again: Value = res.json().await.unwrap();
    assert_eq!(again["id"], declined["id"], "the retry answers the first order");
    assert_eq!(again["status"], "REJECTED");
    let (_, h) = app.get(&ana, &format!("/holds/{hold_id}")).await;
    assert_eq!(h["status"], "ACTIVE", "the retry left the hold as the refusal did");
    let orders: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM orders").fetch_one(&app.state.db.pool).await.unwrap();
    let tokens: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM gateway_tokens").fetch_one(&app.state.db.pool).await.unwrap();
    assert_eq!((orders, tokens), (2, 2), "nothing of the losing twins or of the retry was kept");
}

async fn declined_then_approved(app: &TestApp) {
    let (event, seats) = app.event_with_seats(2).await;
    let ana = app.customer("ana@example.com").await;
    let h: Value = app.hold(&ana, &event, &seats).await.json().await.unwrap();
    let hold_id = h["id"].as_str().unwrap();
    let o: Value = app.order(&ana, hold_id, DECLINED, "try-1").await.json().await.unwrap();
    let rejected = app.wait_for_status(&ana, o["id"].as_str().unwrap(), "REJECTED").await;
    assert_eq!(rejected["failure_reason"], "Your card was declined.");
    let (_, h) = app.get(&ana, &format!("/holds/{hold_id}")).await;
    assert_eq!(h["status"], "ACTIVE", "the seats go back to the running hold");
    let statuses = app.seat_statuses(&event).await;
    assert!(seats.iter().all(|s| statuses[s] == "HELD"));

    let o: Value = app.order(&ana, hold_id, APPROVED, "try-2").await.json().await.unwrap();
    app.wait_for_status(&ana, o["id"].as_str().unwrap(), "PAID").await;

    // Insufficient funds has its own reason.
    let (_, more) = app.event_with_seats(4).await;
    let h: Value = app.hold(&ana, &event, &more[2..]).await.json().await.unwrap();
    let o: Value = app.order(&ana, h["id"].as_str().unwrap(), "4000 0000 0000 9995", "try-3").await.json().await.unwrap();
    let rejected = app.wait_for_status(&ana, o["id"].as_str().unwrap(), "REJECTED").await;
    assert_eq!(rejected["failure_reason"], "Your card has insufficient funds.");
}

async fn bad_payments_create_nothing(app: &TestApp) {
    let (event, seats) = app.event_with_seats(1).await;
    let ana = app.customer("ana@example.com").await;
    let h: Value = app.hold(&ana, &event, &seats).await.json().await.unwrap();
    let bad = json!({ "card_number": "1234 5678", "exp_month": 13, "exp_year": 2020, "cvc": "1", "name": "" });
    let res = reqwest::Client::new()
        .post(app.api("/orders"))
        .bearer_auth(&ana)
        .header("idempotency-key", "k")
        .json(&json!({ "hold_id": h["id"], "payment": bad }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let body: Value = res.json().await.unwrap();
    for field in ["card_number", "exp_month", "exp_year", "cvc", "name"] {
        assert!(body["error"]["details"][field].is_string(), "{field}: {body}");
    }
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM orders").fetch_one(&app.state.db.pool).await.unwrap();
    assert_eq!(n, 0);
}

async fn taken_seats_are_refused_all_or_nothing(app: &TestApp) {
    let (event, seats) = app.event_with_seats(3).await;
    let ana = app.customer("ana@example.com").await;
    let ben = app.customer("ben@example.com").await;
    assert_eq!(app.hold(&ana, &event, &seats[..2]).await.status(), 201);
    let res = app.hold(&ben, &event, &seats[1..]).await;
    assert_eq!(res.status(), 409);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"]["code"], "seats_unavailable");
    assert_eq!(body["error"]["details"]["seat_ids"], json!([seats[1]]));
    assert_eq!(app.seat_statuses(&event).await[&seats[2]], "AVAILABLE", "nothing of a refused hold is kept");

    for (seat_ids, status) in [(json!([]), 422), (json!([uuid::Uuid::new_v4()]), 422), (json!(["nope"]), 422)] {
        let res = reqwest::Client::new()
            .post(app.api(&format!("/events/{event}/holds")))
            .bearer_auth(&ben)
            .json(&json!({ "seat_ids": seat_ids }))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), status, "{seat_ids}");
    }
    let res = reqwest::Client::new().post(app.api(&format!("/events/{event}/holds"))).json(&json!({ "seat_ids": [seats[2]] })).send().await.unwrap();
    assert_eq!(res.status(), 401);
    let res = app.hold(&ben, &uuid::Uuid::new_v4().to_string(), &seats[2..]).await;
    assert_eq!(res.status(), 404);
}

/// Many buyers hold overlapping seats at once: no seat ends up in two holds, and every
/// hold is complete or absent.
async fn concurrent_holds_never_overlap(app: &TestApp) {
    let (event, seats) = app.event_with_seats(12).await;
    let mut tokens = Vec::new();
    for i in 0..16 {
        tokens.push(app.customer(&format!("buyer{i}@example.com")).await);
    }
    let mut tasks = Vec::new();
    for (i, token) in tokens.into_iter().enumerate() {
        let mut wanted: Vec<String> = (0..4).map(|k| seats[(i * 3 + k * 5) % seats.len()].clone()).collect::<std::collections::BTreeSet<_>>().into_iter().collect();
        if i % 8 == 7 {
            // Among them, buyers naming a seat that is not the event's.
            wanted[0] = uuid::Uuid::new_v4().to_string();
        }
        let url = app.api(&format!("/events/{event}/holds"));
        tasks.push(tokio::spawn(async move {
            let res = reqwest::Client::new().post(url).bearer_auth(token).json(&json!({ "seat_ids": wanted })).send().await.unwrap();
            let status = res.status().as_u16();
            let body: Value = res.json().await.unwrap();
            (status, wanted, body)
        }));
    }
    let mut granted = 0;
    let mut owner: HashMap<String, String> = HashMap::new();
    let mut refusals = Vec::new();
    for task in tasks {
        let (status, wanted, body) = task.await.unwrap();
        let unknown = !seats.contains(&wanted[0]);
        if unknown {
            assert_eq!(status, 422, "a seat of no event: {body}");
            continue;
        }
        match status {
            201 => {
                granted += 1;
                let held: Vec<&str> = body["seats"].as_array().unwrap().iter().map(|s| s["seat_id"].as_str().unwrap()).collect();
                assert_eq!(held.len(), wanted.len(), "a hold is complete");
                for seat in held {
                    assert!(owner.insert(seat.to_owned(), body["id"].as_str().unwrap().to_owned()).is_none(), "{seat} held twice");
                }
            }
            409 => {
                assert_eq!(body["error"]["code"], "seats_unavailable");
                refusals.push((wanted, body["error"]["details"]["seat_ids"].clone()));
            }
            other => panic!("unexpected {other}: {body}"),
        }
    }
    assert!(granted >= 1);
    // Every seat was available before: a refusal names seats it asked for, each held by
    // a buyer who got theirs.
    for (wanted, named) in refusals {
        let named: Vec<String> = serde_json::from_value(named).unwrap();
        assert!(!named.is_empty(), "a refusal names the taken seats");
        for seat in named {
            assert!(wanted.contains(&seat) && owner.contains_key(&seat), "{seat} named as taken");
        }
    }
    // The database agrees: every HELD seat belongs to exactly the hold that got it.
    let rows: Vec<(String, String)> = sqlx::query_as("SELECT seat_id, hold_id FROM event_seats WHERE event_id = $1 AND status = 'HELD'")
        .bind(&event)
        .fetch_all(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!(rows.len(), owner.len());
    for (seat, hold) in rows {
        assert_eq!(owner.get(&seat), Some(&hold));
    }
}

async fn owner_cancels_a_paid_order(app: &TestApp) {
    let (event, seats) = app.event_with_seats(2).await;
    let ana = app.customer("ana@example.com").await;
    let h: Value = app.hold(&ana, &event, &seats).await.json().await.unwrap();
    let o: Value = app.order(&ana, h["id"].as_str().unwrap(), APPROVED, "c-1").await.json().await.unwrap();
    let id = o["id"].as_str().unwrap();
    let paid = app.wait_for_status(&ana, id, "PAID").await;
    let res = reqwest::Client::new().post(app.api(&format!("/orders/{id}/cancel"))).bearer_auth(&ana).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let cancelled: Value = res.json().await.unwrap();
    assert_eq!(cancelled["status"], "CANCELLED");
    let statuses = app.seat_statuses(&event).await;
    assert!(seats.iter().all(|s| statuses[s] == "AVAILABLE"));
    let (_, ticket) = app.get(&ana, &format!("/tickets/{}", paid["ticket_ids"][0].as_str().unwrap())).await;
    assert_eq!(ticket["status"], "VOID");
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM domain_events WHERE event_type = 'order.cancelled'").fetch_one(&app.state.db.pool).await.unwrap();
    assert_eq!(n, 1);
}

/// A page number far past the end, from the pages, their server functions or the API,
/// answers an empty list (or 422 in the API), never a failure.
async fn huge_page_numbers_answer_empty_lists(app: &TestApp) {
    app.customer("ana@example.com").await;
    let huge = i64::MAX.to_string();
    for path in ["/orders", "/tickets"] {
        let res = app.client.get(app.url(&format!("{path}?page={huge}"))).send().await.unwrap();
        assert_eq!(res.status(), 200, "{path}");
    }
    for function in ["my_orders", "my_tickets"] {
        let res = app
            .client
            .post(app.url(&format!("/api/{function}")))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(format!("page={huge}"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "{function}");
        let page: Value = res.json().await.unwrap();
        assert_eq!(page["items"], json!([]), "{function}");
    }
    let ana = app.login("ana@example.com", "violet-tram-orbit-42").await;
    assert_eq!(app.get(&ana, &format!("/orders?page={huge}")).await.0, 422);
}

on_both_backends!(
    huge_page_numbers_answer_empty_lists,
    hold_pay_and_get_tickets,
    same_key_same_order,
    twin_requests_with_one_key_place_one_order,
    declined_then_approved,
    bad_payments_create_nothing,
    taken_seats_are_refused_all_or_nothing,
    concurrent_holds_never_overlap,
    owner_cancels_a_paid_order,
);
