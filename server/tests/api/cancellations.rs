//! Cancelled orders and cancelled events: a cancellation wins or loses against the
//! ticket issue as a whole, a cancelled event sells nothing more and closes its sales,
//! and a void ticket shows no code and is listed for the door.

use serde_json::{json, Value};

use app::audit::receipts::Delivery;
use app::tickets::service::PaidOrder;
use app::users::Role;

use crate::helpers::{Backend, TestApp, APPROVED};
use crate::on_both_backends;

/// A customer's paid order of `seats`: (order id, its tickets).
async fn paid_order(app: &TestApp, token: &str, event: &str, seats: &[String], key: &str) -> (String, Vec<String>) {
    let paid = app.paid_order(token, event, seats, key).await;
    let tickets = paid["ticket_ids"].as_array().unwrap().iter().map(|t| t.as_str().unwrap().to_owned()).collect();
    (paid["id"].as_str().unwrap().to_owned(), tickets)
}

/// Takes the order back to "paid, tickets not issued yet": its tickets and the ticket
/// issuer's receipt of its `order.paid` are removed. Returns that event's id.
async fn forget_tickets(app: &TestApp, order_id: &str) -> String {
    let db = &app.state.db.pool;
    let paid_event: String = sqlx::query_scalar("SELECT id FROM domain_events WHERE event_type = 'order.paid' AND aggregate_id = $1")
        .bind(order_id)
        .fetch_one(db)
        .await
        .unwrap();
    sqlx::query("DELETE FROM event_receipts WHERE event_id = $1 AND consumer = 'ticket-issuer'").bind(&paid_event).execute(db).await.unwrap();
    sqlx::query("DELETE FROM tickets WHERE order_id = $1").bind(order_id).execute(db).await.unwrap();
    paid_event
}

/// The number of VALID tickets of orders that are not PAID; must always be 0.
async fn valid_tickets_of_unpaid_orders(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM tickets t JOIN orders o ON o.id = t.order_id WHERE t.status = 'VALID' AND o.status <> 'PAID'")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap()
}

async fn a_cancel_and_a_ticket_issue_never_leave_valid_tickets_behind(app: &TestApp) {
    let (event, seats) = app.event_with_seats(48).await;
    let event_uuid: String = sqlx::query_scalar("SELECT id FROM events WHERE id = $1 OR slug = $1").bind(&event).fetch_one(&app.state.db.pool).await.unwrap();
    // 24 paid orders of two seats, by three buyers.
    let mut orders = Vec::new();
    for (b, chunk) in seats.chunks(16).enumerate() {
        let email = format!("buyer{b}@example.com");
        let token = app.customer(&email).await;
        let user_id: String = sqlx::query_scalar("SELECT id FROM users WHERE email = $1").bind(&email).fetch_one(&app.state.db.pool).await.unwrap();
        let user = app::users::service::find(&app.state.db, &user_id).await.unwrap();
        for (k, pair) in chunk.chunks(2).enumerate() {
            let (order_id, tickets) = paid_order(app, &token, &event, pair, &format!("race-{b}-{k}")).await;
            assert_eq!(tickets.len(), 2);
            orders.push((order_id, user.clone()));
        }
    }
    // Each order is cancelled while its tickets are being issued (again): half through
    // the one-statement issue, half through the portable one.
    let mut races = Vec::new();
    for (n, (order_id, user)) in orders.into_iter().enumerate() {
        let paid_event = forget_tickets(app, &order_id).await;
        let (issuer, canceller) = (app.workers.clone(), app.state.clone());
        let (order_for_issue, order_for_cancel, event_id) = (order_id.clone(), order_id.clone(), event_uuid.clone());
        let issue = tokio::spawn(async move {
            let paid = PaidOrder { order_id: &order_for_issue, event_id: (n % 2 == 0).then_some(event_id.as_str()), seats: Some(2) };
            let delivery = Delivery { event_id: paid_event, consumer: "ticket-issuer" };
            app::tickets::service::issue_for_order(&issuer.db, &*issuer.ticket_store, &issuer.signer, &paid, &delivery).await.map(|(issued, _)| issued)
        });
        let cancel = tokio::spawn(async move { app::orders::service::cancel(&canceller.db, &user, &order_for_cancel).await.map(|o| o.status) });
        races.push((order_id, issue, cancel));
    }
    for (order_id, issue, cancel) in races {
        issue.await.unwrap().expect("the issue ran");
        assert_eq!(cancel.await.unwrap().expect("the cancel ran"), app::orders::OrderStatus::Cancelled, "order {order_id}");
    }
    assert_eq!(valid_tickets_of_unpaid_orders(app).await, 0, "a cancelled order kept valid tickets");
    let seats_out: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM event_seats WHERE event_id = $1 AND status <> 'AVAILABLE'")
        .bind(&event_uuid)
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!(seats_out, 0, "every cancelled seat is back on sale");
}

/// An admin's bearer token (admins manage every event, the demo's included).
async fn admin(app: &TestApp) -> String {
    app.create_user("root@example.com", "violet-tram-orbit-42", Role::Admin).await;
    app.login("root@example.com", "violet-tram-orbit-42").await
}

async fn set_status(app: &TestApp, token: &str, event: &str, status: &str) -> u16 {
    reqwest::Client::new()
        .patch(app.api(&format!("/events/{event}")))
        .bearer_auth(token)
        .json(&json!({ "status": status }))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

async fn a_cancelled_event_sells_nothing_and_closes_its_sales(app: &TestApp) {
    let (event, seats) = app.event_with_seats(6).await;
    let root = admin(app).await;
    let ana = app.customer("ana@example.com").await;
    let ben = app.customer("ben@example.com").await;
    let (paid, tickets) = paid_order(app, &ana, &event, &seats[0..2], "before").await;
    // Ben holds two seats and has not paid yet.
    let held: Value = app.hold(&ben, &event, &seats[2..4]).await.json().await.unwrap();
    let hold_id = held["id"].as_str().unwrap();

    assert_eq!(set_status(app, &root, &event, "CANCELLED").await, 200);
    // Placing an order on the hold is refused, whether or not the sales are closed yet.
    let res = app.order(&ben, hold_id, APPROVED, "after").await;
    assert_eq!(res.status(), 409);
    let code = res.json::<Value>().await.unwrap()["error"]["code"].as_str().unwrap().to_owned();
    assert!(code == "event_cancelled" || code == "hold_not_active", "{code}");
    assert_eq!(app.hold(&ana, &event, &seats[4..6]).await.status(), 409, "no new holds");

    // The sales close: the hold ends, the paid order is refunded, its tickets void, the
    // seats free; the refund is in the event log.
    let closed = app
        .eventually(10, || async {
            let (_, o) = app.get(&ana, &format!("/orders/{paid}")).await;
            o["status"] == "REFUNDED"
        })
        .await;
    assert!(closed, "the paid order was not refunded");
    let (_, h) = app.get(&ben, &format!("/holds/{hold_id}")).await;
    assert_eq!(h["status"], "RELEASED");
    for ticket in &tickets {
        let (status, t) = app.get(&ana, &format!("/tickets/{ticket}")).await;
        assert_eq!(status, 200);
        assert_eq!(t["status"], "VOID");
        assert!(t["code"].is_null() && t["qr_svg"].is_null(), "a void ticket has no code: {t}");
    }
    let db = &app.state.db.pool;
    let event_id: String = sqlx::query_scalar("SELECT event_id FROM orders WHERE id = $1").bind(&paid).fetch_one(db).await.unwrap();
    let refunds: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM domain_events WHERE event_type = 'order.refunded' AND aggregate_id = $1")
        .bind(&paid)
        .fetch_one(db)
        .await
        .unwrap();
    assert_eq!(refunds, 1);
    let out: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM event_seats WHERE event_id = $1 AND status <> 'AVAILABLE'").bind(&event_id).fetch_one(db).await.unwrap();
    assert_eq!(out, 0);
    assert_eq!(valid_tickets_of_unpaid_orders(app).await, 0);
}

async fn a_payment_for_a_cancelled_event_is_not_taken(app: &TestApp) {
    let (event, seats) = app.event_with_seats(2).await;
    let ana = app.customer("ana@example.com").await;
    let held: Value = app.hold(&ana, &event, &seats).await.json().await.unwrap();
    let o: Value = app.order(&ana, held["id"].as_str().unwrap(), APPROVED, "k").await.json().await.unwrap();
    let order_id = o["id"].as_str().unwrap();
    // The event is cancelled while the payment is with the gateway, before its sales
    // are closed (as if the box office had not heard of it yet).
    sqlx::query("UPDATE events SET status = 'CANCELLED' WHERE id = $1").bind(o["event_id"].as_str().unwrap()).execute(&app.state.db.pool).await.unwrap();
    let rejected = app.wait_for_status(&ana, order_id, "REJECTED").await;
    assert_eq!(rejected["failure_reason"], app::orders::payments::EVENT_CANCELLED);
    let tickets: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM tickets WHERE order_id = $1").bind(order_id).fetch_one(&app.state.db.pool).await.unwrap();
    assert_eq!(tickets, 0);
}

async fn void_tickets_show_no_code_and_are_revoked(app: &TestApp) {
    let (event, seats) = app.event_with_seats(2).await;
    let root = admin(app).await;
    let ana = app.customer("ana@example.com").await;
    let (order_id, tickets) = paid_order(app, &ana, &event, &seats, "k").await;
    let ticket = &tickets[0];
    let (_, before) = app.get(&root, &format!("/events/{event}/revocations")).await;
    assert_eq!(before["total"], 0);

    let res = reqwest::Client::new().post(app.api(&format!("/orders/{order_id}/cancel"))).bearer_auth(&ana).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let (_, t) = app.get(&ana, &format!("/tickets/{ticket}")).await;
    assert_eq!(t["status"], "VOID");
    assert!(t["code"].is_null() && t["qr_svg"].is_null() && t["voided_at"].is_string(), "{t}");
    let (_, listed) = app.get(&ana, "/tickets").await;
    assert!(listed["items"].as_array().unwrap().iter().all(|t| t["code"].is_null()));
    let res = reqwest::Client::new().get(app.api(&format!("/tickets/{ticket}/qr.svg"))).bearer_auth(&ana).send().await.unwrap();
    assert_eq!(res.status(), 409);
    assert_eq!(res.json::<Value>().await.unwrap()["error"]["code"], "ticket_void");
    let page = app.client.get(app.url(&format!("/tickets/{ticket}"))).bearer_auth(&ana).send().await.unwrap().text().await.unwrap();
    let code: String = sqlx::query_scalar("SELECT code FROM tickets WHERE id = $1").bind(ticket).fetch_one(&app.state.db.pool).await.unwrap();
    assert!(!page.contains(&code), "the ticket page shows a void ticket's code");

    // The door's revocation list names both, for the organizer (here an admin) only.
    let (status, revoked) = app.get(&root, &format!("/events/{event}/revocations")).await;
    assert_eq!(status, 200);
    assert_eq!(revoked["total"], 2);
    let ids: Vec<&str> = revoked["items"].as_array().unwrap().iter().map(|r| r["ticket_id"].as_str().unwrap()).collect();
    assert!(tickets.iter().all(|t| ids.contains(&t.as_str())));
    assert!(revoked["items"][0]["voided_at"].is_string());
    let later = (time::OffsetDateTime::now_utc() + time::Duration::minutes(1)).format(&time::format_description::well_known::Rfc3339).unwrap();
    let (_, none) = app.get(&root, &format!("/events/{event}/revocations?since={}", later.replace('+', "%2B"))).await;
    assert_eq!(none["total"], 0, "since filters out older revocations");
    assert_eq!(app.get(&ana, &format!("/events/{event}/revocations")).await.0, 403, "customers may not read it");
    assert_eq!(app.get(&root, "/events/no-such-event/revocations").await.0, 404);
    assert_eq!(app.get(&root, &format!("/events/{event}/revocations?since=yesterday")).await.0, 400);
}

on_both_backends!(
    a_cancel_and_a_ticket_issue_never_leave_valid_tickets_behind,
    a_cancelled_event_sells_nothing_and_closes_its_sales,
    void_tickets_show_no_code_and_are_revoked,
);

/// With a gateway slow enough to cancel the event while it answers.
mod payment_for_a_cancelled_event {
    use super::*;

    async fn slow_gateway(backend: Backend) -> Option<TestApp> {
        TestApp::spawn_configured(backend, false, |c| c.payment_delay_ms = Some(1500)).await
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        let app = slow_gateway(Backend::Sqlite).await.expect("SQLite is always available");
        a_payment_for_a_cancelled_event_is_not_taken(&app).await;
        app.cleanup().await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        match slow_gateway(Backend::Postgres).await {
            Some(app) => {
                a_payment_for_a_cancelled_event_is_not_taken(&app).await;
                app.cleanup().await;
            }
            None => crate::helpers::not_run(module_path!(), "TEST_DATABASE_URL is not set"),
        }
    }
}
