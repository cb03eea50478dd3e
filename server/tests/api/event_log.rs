//! The event log (admins): every event with its receipts, filtered; a consumer that keeps
//! failing ends FAILED (dead-lettered on RabbitMQ) and a retry from the API delivers it
//! once; a replay goes through the consumer's own idempotency.

use std::sync::atomic::Ordering;
use std::time::Duration;

use serde_json::{json, Value};

use app::users::Role;

use crate::helpers::{not_run, signed_in, Backend, TestApp};
use crate::smtp_sink::SmtpSink;
use crate::on_both_backends;

const PASSWORD: &str = "violet-tram-orbit-42";

async fn log(app: &TestApp, admin: &str, query: &str) -> (u16, Value) {
    app.get(admin, &format!("/admin/event-log{query}")).await
}

/// The mailer's receipt of the welcome email of `user`: (event id, state, attempts).
async fn mailer_receipt(app: &TestApp, user: &str) -> Option<(String, String, i64)> {
    sqlx::query_as(
        "SELECT r.event_id, r.state, r.attempts FROM event_receipts r JOIN domain_events e ON e.id = r.event_id \
         WHERE r.consumer = 'mailer' AND e.event_type = 'email.queued' AND e.payload LIKE $1",
    )
    .bind(format!("%{user}%"))
    .fetch_optional(&app.state.db.pool)
    .await
    .unwrap()
}

/// A mail server down for every try: the mailer's delivery ends FAILED after the
/// configured attempts (RabbitMQ: in the dead-letter queue too); once the server is back,
/// a retry from the API sends the email, once; a forced replay sends nothing more.
async fn a_delivery_that_keeps_failing_is_retried_from_the_api(rabbit: bool) {
    let sink = SmtpSink::start(usize::MAX).await;
    let url = sink.url();
    let Some(app) = TestApp::spawn_configured(Backend::Sqlite, rabbit, |c| {
        c.smtp_url = Some(url);
        c.consumer_attempts = 3;
    })
    .await
    else {
        return not_run("event_log::a_delivery_that_keeps_failing_is_retried_from_the_api (rabbitmq)", "TEST_AMQP_URL is not set");
    };
    let (_, admin) = signed_in(&app, "log-admin@example.com", "Log Admin", PASSWORD, Role::Admin).await;
    let user = app.create_user("unlucky@example.com", PASSWORD, Role::Customer).await;

    assert!(
        app.eventually(30, || async { mailer_receipt(&app, &user).await.is_some_and(|(_, state, attempts)| state == "FAILED" && attempts >= 3) }).await,
        "the delivery ends FAILED: {:?}",
        mailer_receipt(&app, &user).await
    );
    let (event_id, _, attempts) = mailer_receipt(&app, &user).await.unwrap();
    assert_eq!(attempts, 3, "the configured attempts, no more");
    assert!(sink.messages().is_empty());

    let (status, page) = log(&app, &admin, "?state=FAILED&consumer=mailer").await;
    assert_eq!(status, 200, "{page}");
    let listed = page["events"]["items"].as_array().unwrap();
    assert!(listed.iter().any(|e| e["id"] == event_id.as_str()), "{page}");
    let entry = listed.iter().find(|e| e["id"] == event_id.as_str()).unwrap();
    let receipt = entry["receipts"].as_array().unwrap().iter().find(|r| r["consumer"] == "mailer").unwrap();
    assert_eq!(receipt["state"], "FAILED");
    assert!(receipt["last_error"].as_str().unwrap().contains("sending the email failed"), "{receipt}");
    assert!(receipt["next_retry_at"].is_string());
    let mailer = page["consumers"].as_array().unwrap().iter().find(|c| c["name"] == "mailer").unwrap().clone();
    assert!(mailer["failed"].as_i64().unwrap() >= 1);
    if rabbit {
        let dead = || async {
            let (_, page) = log(&app, &admin, "").await;
            page["consumers"].as_array().unwrap().iter().find(|c| c["name"] == "mailer").unwrap()["dead_lettered"].as_i64()
        };
        // The admin's welcome email and the user's.
        assert!(app.eventually(10, || async { dead().await == Some(2) }).await, "dead-lettered: {:?}", dead().await);
    } else {
        assert!(mailer["dead_lettered"].is_null(), "no dead-letter queue on the in-process bus");
    }

    // The mail server is back: a retry from the API delivers it now, once.
    sink.refuse_next.store(0, Ordering::SeqCst);
    let http = reqwest::Client::new();
    let res = http.post(app.api(&format!("/admin/event-log/{event_id}/retry"))).bearer_auth(&admin).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let done: Value = res.json().await.unwrap();
    let items = done["items"].as_array().unwrap();
    // The reconciler may have driven it again a moment before: either way it is done once.
    assert!(items.is_empty() || (items.len() == 1 && items[0]["consumer"] == "mailer" && items[0]["outcome"] == "PROCESSED"), "{done}");
    // The user's email (the admin's, refused too, may be sent by the reconciler meanwhile).
    let sent = || sink.messages().into_iter().filter(|m| m.contains("unlucky@example.com")).count();
    assert!(app.eventually(10, || async { sent() == 1 }).await);
    assert_eq!(mailer_receipt(&app, &user).await.unwrap().1, "PROCESSED");

    // Retried again: nothing FAILED is left, nothing happens.
    let done: Value = http.post(app.api(&format!("/admin/event-log/{event_id}/retry"))).bearer_auth(&admin).send().await.unwrap().json().await.unwrap();
    assert_eq!(done["items"], json!([]));
    // A replay to the mailer runs it again, and the email it already sent is not sent again.
    let done: Value = http
        .post(app.api(&format!("/admin/event-log/{event_id}/retry")))
        .bearer_auth(&admin)
        .json(&json!({ "consumer": "mailer", "force": true }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(done["items"][0]["outcome"], "PROCESSED", "{done}");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(sent(), 1, "sent once");
    // A plain retry of a processed delivery is a no-op.
    let done: Value = http
        .post(app.api(&format!("/admin/event-log/{event_id}/retry")))
        .bearer_auth(&admin)
        .json(&json!({ "consumer": "mailer" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(done["items"][0]["outcome"], "DUPLICATE", "{done}");
    app.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_process_a_delivery_that_keeps_failing_is_retried_from_the_api() {
    a_delivery_that_keeps_failing_is_retried_from_the_api(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rabbitmq_a_delivery_that_keeps_failing_is_dead_lettered_and_retried_from_the_api() {
    a_delivery_that_keeps_failing_is_retried_from_the_api(true).await;
}

/// "Retry all failed" of one consumer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retry_all_failed_of_a_consumer() {
    let sink = SmtpSink::start(usize::MAX).await;
    let url = sink.url();
    let app = TestApp::spawn_configured(Backend::Sqlite, false, |c| {
        c.smtp_url = Some(url);
        c.consumer_attempts = 1;
    })
    .await
    .unwrap();
    let (_, admin) = signed_in(&app, "all-admin@example.com", "All Admin", PASSWORD, Role::Admin).await;
    let users = [app.create_user("one@example.com", PASSWORD, Role::Customer).await, app.create_user("two@example.com", PASSWORD, Role::Customer).await];
    for user in &users {
        assert!(app.eventually(20, || async { mailer_receipt(&app, user).await.is_some_and(|r| r.1 == "FAILED") }).await);
    }
    sink.refuse_next.store(0, Ordering::SeqCst);
    let done: Value = reqwest::Client::new()
        .post(app.api("/admin/event-log/retry-failed"))
        .bearer_auth(&admin)
        .json(&json!({ "consumer": "mailer" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(done["items"].as_array().unwrap().iter().all(|d| d["outcome"] == "PROCESSED"), "{done}");
    // The admin's own welcome email failed too: every email is sent in the end, once each.
    assert!(app.eventually(10, || async { sink.messages().len() == 3 }).await, "{}", sink.messages().len());
    for user in &users {
        assert_eq!(mailer_receipt(&app, user).await.unwrap().1, "PROCESSED");
    }
    app.cleanup().await;
}

/// The log lists and filters, and refuses what it should, with clear errors.
async fn the_log_lists_filters_and_refuses(app: &TestApp) {
    let (_, admin) = signed_in(app, "root-log@example.com", "Root", PASSWORD, Role::Admin).await;
    let customer = app.customer("plain@example.com").await;
    app.event_with_seats(1).await;

    assert!(app.eventually(10, || async { log(app, &admin, "?type=user.created").await.1["events"]["total"].as_i64().unwrap_or(0) >= 2 }).await);
    let (_, page) = log(app, &admin, "?type=user.created").await;
    let items = page["events"]["items"].as_array().unwrap();
    assert!(items.iter().all(|e| e["event_type"] == "user.created"));
    assert!(items.windows(2).all(|w| w[0]["seq"].as_i64() > w[1]["seq"].as_i64()), "newest first");
    assert_eq!(page["events"]["per_page"], 25);
    let names: Vec<&str> = page["consumers"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
    for name in ["notifier", "mailer", "payment-processor", "ticket-issuer", "box-office"] {
        assert!(names.contains(&name), "{names:?}");
    }
    assert!(app.eventually(10, || async {
        let (_, page) = log(app, &admin, "?type=user.created&consumer=notifier&state=PROCESSED").await;
        page["events"]["total"].as_i64().unwrap_or(0) >= 2
    })
    .await);
    let (_, failed) = log(app, &admin, "?state=FAILED").await;
    assert_eq!(failed["events"]["total"], 0, "{failed}");
    let (_, future) = log(app, &admin, "?from=2999-01-01T00:00:00Z").await;
    assert_eq!(future["events"]["total"], 0);
    let (_, past) = log(app, &admin, "?to=2000-01-01T00:00:00Z").await;
    assert_eq!(past["events"]["total"], 0);

    for (query, status) in [("?page=0", 422), ("?state=BROKEN", 400), ("?from=yesterday", 400), ("?color=red", 400)] {
        let (got, body) = log(app, &admin, query).await;
        assert_eq!(got, status, "{query}: {body}");
        assert!(body["error"]["code"].is_string(), "{query}: {body}");
    }
    let (status, _) = log(app, &customer, "").await;
    assert_eq!(status, 403);
    let res = reqwest::Client::new().get(app.api("/admin/event-log")).send().await.unwrap();
    assert_eq!(res.status(), 401);

    let event_id = items[0]["id"].as_str().unwrap();
    let http = reqwest::Client::new();
    let post = |path: String, body: Option<Value>| {
        let mut req = http.post(app.api(&path)).bearer_auth(&admin);
        if let Some(b) = body {
            req = req.json(&b);
        }
        req.send()
    };
    let cases = [
        (format!("/admin/event-log/{}/retry", uuid::Uuid::new_v4()), None, 404),
        ("/admin/event-log/not-an-id/retry".to_owned(), None, 404),
        (format!("/admin/event-log/{event_id}/retry"), Some(json!({ "consumer": "nobody" })), 422),
        (format!("/admin/event-log/{event_id}/retry"), Some(json!({ "consumer": "ticket-issuer" })), 422),
        (format!("/admin/event-log/{event_id}/retry"), Some(json!({ "force": true })), 422),
        (format!("/admin/event-log/{event_id}/retry"), Some(json!({ "consumer": 7 })), 422),
        ("/admin/event-log/retry-failed".to_owned(), Some(json!({ "consumer": "nobody" })), 422),
        ("/admin/event-log/retry-failed".to_owned(), Some(json!({})), 422),
    ];
    for (path, body, status) in cases {
        let res = post(path.clone(), body.clone()).await.unwrap();
        assert_eq!(res.status(), status, "{path} {body:?}");
        let answer: Value = res.json().await.unwrap();
        assert!(answer["error"]["code"].is_string(), "{path}: {answer}");
    }
    let res = http
        .post(app.api(&format!("/admin/event-log/{event_id}/retry")))
        .bearer_auth(&admin)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    let res = http.post(app.api(&format!("/admin/event-log/{event_id}/retry"))).bearer_auth(&customer).send().await.unwrap();
    assert_eq!(res.status(), 403);
    // A retry of a processed event names nothing to do.
    let done: Value = post(format!("/admin/event-log/{event_id}/retry"), None).await.unwrap().json().await.unwrap();
    assert_eq!(done["items"], json!([]));
}

on_both_backends!(the_log_lists_filters_and_refuses);

/// The types of the events the log lists for `request`, oldest first.
async fn types_of_request(app: &TestApp, admin: &str, request: &str) -> Vec<String> {
    let (status, page) = log(app, admin, &format!("?request_id={request}")).await;
    assert_eq!(status, 200, "{page}");
    let items = page["events"]["items"].as_array().unwrap();
    assert!(items.iter().all(|e| e["request_id"] == request), "{page}");
    items.iter().rev().map(|e| e["event_type"].as_str().unwrap().to_owned()).collect()
}

/// Every response names its request (`X-Request-Id`: the client's own when it is a sane
/// one); the events a request causes name it in the log, and so do the events the
/// consumers record while handling them (payment, tickets, notification), on both
/// backends (PostgreSQL writes some of them in statements of their own).
async fn a_request_s_events_name_it(app: &TestApp) {
    let (_, admin) = signed_in(app, "trail-admin@example.com", "Trail Admin", PASSWORD, Role::Admin).await;
    let (event, seats) = app.event_with_seats(2).await;
    let buyer = app.customer("trail@example.com").await;
    let http = reqwest::Client::new();

    let hold_request = format!("hold-{}", uuid::Uuid::new_v4().simple());
    let res = http
        .post(app.api(&format!("/events/{event}/holds")))
        .bearer_auth(&buyer)
        .header("x-request-id", &hold_request)
        .json(&json!({ "seat_ids": seats }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    assert_eq!(res.headers()["x-request-id"], hold_request.as_str());
    let hold: Value = res.json().await.unwrap();
    assert_eq!(types_of_request(app, &admin, &hold_request).await, ["seats.held"]);

    let order_request = format!("order-{}", uuid::Uuid::new_v4().simple());
    let res = http
        .post(app.api("/orders"))
        .bearer_auth(&buyer)
        .header("idempotency-key", "trail-1")
        .header("x-request-id", &order_request)
        .json(&json!({ "hold_id": hold["id"], "payment": crate::helpers::payment("4242 4242 4242 4242") }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 202);
    let order: Value = res.json().await.unwrap();
    app.wait_for_status(&buyer, order["id"].as_str().unwrap(), "PAID").await;
    let wanted = ["order.placed", "payment.approved", "order.paid", "ticket.issued", "notification.created"];
    assert!(
        app.eventually(10, || async {
            let types = types_of_request(app, &admin, &order_request).await;
            wanted.iter().all(|w| types.iter().any(|t| t == w)) && types.iter().filter(|t| *t == "ticket.issued").count() == 2
        })
        .await,
        "the order's request names what followed it: {:?}",
        types_of_request(app, &admin, &order_request).await
    );
    assert_eq!(types_of_request(app, &admin, &order_request).await[0], "order.placed");

    // Without one, or with one that is not an id, the server gives its own.
    let res = http.get(app.api("/events")).header("x-request-id", "<script>alert(1)</script>").send().await.unwrap();
    let given = res.headers()["x-request-id"].to_str().unwrap().to_owned();
    assert!(given.len() == 32 && given.bytes().all(|b| b.is_ascii_hexdigit()), "{given}");
    let res = http.get(app.url("/events")).send().await.unwrap();
    assert_eq!(res.headers()["x-request-id"].len(), 32);
    // A request that changed nothing has no events.
    assert!(types_of_request(app, &admin, &given).await.is_empty());
    let (status, _) = log(app, &admin, "?request_id=x&bogus=1").await;
    assert_eq!(status, 400);
}

on_both_backends!(a_request_s_events_name_it);
