//! Notifications: the notifier tells the people an event concerns, once per event, in the
//! app (in the reader's language) and by email (an .eml file here), as each chose; the API
//! lists them, marks them read idempotently, and keeps them to their owner.

use std::time::Duration;

use serde_json::{json, Value};

use app::notifications::rules::EXPIRY_WARNING_MS;
use app::users::Role;

use crate::helpers::{signed_in, Backend, TestApp};
use crate::smtp_sink::SmtpSink;
use crate::on_both_backends;

const PASSWORD: &str = "violet-tram-orbit-42";

/// The user's notifications of `kind`, as the API lists them.
async fn of_kind(app: &TestApp, token: &str, kind: &str) -> Vec<Value> {
    let (status, page) = app.get(token, "/notifications").await;
    assert_eq!(status, 200, "{page}");
    page["items"].as_array().unwrap().iter().filter(|n| n["kind"] == kind).cloned().collect()
}

/// Waits until the user has a notification of `kind`, and answers it.
async fn wait_for(app: &TestApp, token: &str, kind: &str) -> Value {
    for _ in 0..200 {
        if let Some(n) = of_kind(app, token, kind).await.into_iter().next() {
            return n;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no {kind} notification came");
}

async fn count(app: &TestApp, sql: &str, bind: &str) -> i64 {
    sqlx::query_scalar(sql).bind(bind).fetch_one(&app.state.db.pool).await.unwrap()
}

/// The .eml files written so far.
fn mail_files(app: &TestApp) -> Vec<String> {
    let dir = app.state.mailer.directory().expect("the tests write email to files");
    let mut files: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| entries.filter_map(|e| e.ok()).filter(|e| e.path().extension().is_some_and(|x| x == "eml")).map(|e| std::fs::read_to_string(e.path()).unwrap()).collect())
        .unwrap_or_default();
    files.sort();
    files
}

/// A paid order tells its buyer once, with the tickets: in the app, in the language each
/// request asks for, and by an email with a plain-text part, an HTML part and one QR image
/// per ticket.
async fn a_paid_order_is_told_once_in_the_app_and_by_email(app: &TestApp) {
    let (event, seats) = app.event_with_seats(2).await;
    let token = app.customer("paid@example.com").await;
    let order = app.paid_order(&token, &event, &seats, "paid-1").await;
    let order_id = order["id"].as_str().unwrap();

    let n = wait_for(app, &token, "ORDER_PAID").await;
    assert_eq!(n["link"], format!("/orders/{order_id}"));
    assert!(n["title"].as_str().unwrap().starts_with("Your tickets for"), "{n}");
    assert!(n["body"].as_str().unwrap().contains("2 tickets"), "{n}");
    assert!(n["read_at"].is_null());

    // The same notification, read in Spanish.
    let es: Value = reqwest::Client::new()
        .get(app.api("/notifications"))
        .bearer_auth(&token)
        .header("accept-language", "es")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let es = es["items"].as_array().unwrap().iter().find(|x| x["id"] == n["id"]).unwrap().clone();
    assert!(es["title"].as_str().unwrap().starts_with("Tus entradas para"), "{es}");

    // One email, sent, with both parts and the QR images.
    let user_id = app.get(&token, "/me").await.1["id"].as_str().unwrap().to_owned();
    assert!(
        app.eventually(15, || async {
            count(app, "SELECT COUNT(*) FROM outgoing_emails WHERE user_id = $1 AND kind = 'ORDER_PAID' AND sent_at IS NOT NULL", &user_id).await == 1
        })
        .await,
        "the order's email is sent"
    );
    let mails: Vec<String> = mail_files(app).into_iter().filter(|m| m.contains("paid@example.com")).collect();
    let paid: Vec<&String> = mails.iter().filter(|m| m.contains("Content-Type: image/png")).collect();
    assert_eq!(paid.len(), 1, "one email for the order");
    let mail = paid[0];
    assert!(mail.contains("Content-Type: text/plain"), "{mail}");
    assert!(mail.contains("Content-Type: text/html"), "{mail}");
    assert_eq!(mail.matches("Content-Type: image/png").count(), 2, "a QR image per ticket");
    for ticket in order["ticket_ids"].as_array().unwrap() {
        assert!(mail.contains(&format!("qr-{}@taquilla", ticket.as_str().unwrap())), "the image of {ticket} is referenced");
    }

    // Both tickets were announced by events of their own; still one notification.
    assert_eq!(of_kind(app, &token, "ORDER_PAID").await.len(), 1);
}

/// A declined card tells the buyer why, in their words.
async fn a_declined_payment_says_why(app: &TestApp) {
    let (event, seats) = app.event_with_seats(1).await;
    let token = app.customer("declined@example.com").await;
    let hold: Value = app.hold(&token, &event, &seats).await.json().await.unwrap();
    let order: Value = app.order(&token, hold["id"].as_str().unwrap(), "4000 0000 0000 0002", "declined-1").await.json().await.unwrap();
    app.wait_for_status(&token, order["id"].as_str().unwrap(), "REJECTED").await;
    let n = wait_for(app, &token, "PAYMENT_DECLINED").await;
    assert!(n["body"].as_str().unwrap().starts_with("Your card was declined."), "{n}");
}

/// Read once or twice, the same; the unread filter, paging, read-all; another user's
/// notification is not found; bad ids and pages get clear errors.
async fn marking_read_is_idempotent_and_private(app: &TestApp) {
    let (event, seats) = app.event_with_seats(1).await;
    let token = app.customer("reader@example.com").await;
    app.paid_order(&token, &event, &seats, "reader-1").await;
    let n = wait_for(app, &token, "ORDER_PAID").await;
    let id = n["id"].as_str().unwrap();
    let http = reqwest::Client::new();

    let (_, unread) = app.get(&token, "/notifications?unread=true").await;
    assert!(unread["items"].as_array().unwrap().iter().any(|x| x["id"] == id));
    assert_eq!(unread["per_page"], 20);

    let other = app.customer("nosy@example.com").await;
    let res = http.patch(app.api(&format!("/notifications/{id}/read"))).bearer_auth(&other).send().await.unwrap();
    assert_eq!(res.status(), 404, "another user's notification does not exist for them");

    let first: Value = http.patch(app.api(&format!("/notifications/{id}/read"))).bearer_auth(&token).send().await.unwrap().json().await.unwrap();
    assert!(first["read_at"].is_string(), "{first}");
    tokio::time::sleep(Duration::from_millis(20)).await;
    let again: Value = http.patch(app.api(&format!("/notifications/{id}/read"))).bearer_auth(&token).send().await.unwrap().json().await.unwrap();
    assert_eq!(first["read_at"], again["read_at"], "marking read twice is the same as once");

    let (_, unread) = app.get(&token, "/notifications?unread=true").await;
    assert!(unread["items"].as_array().unwrap().iter().all(|x| x["id"] != id));

    let all: Value = http.post(app.api("/notifications/read-all")).bearer_auth(&token).send().await.unwrap().json().await.unwrap();
    assert!(all["marked"].as_i64().unwrap() >= 0);
    let again: Value = http.post(app.api("/notifications/read-all")).bearer_auth(&token).send().await.unwrap().json().await.unwrap();
    assert_eq!(again["marked"], 0);
    let (_, unread) = app.get(&token, "/notifications?unread=true").await;
    assert_eq!(unread["total"], 0);

    for (path, status) in [("/notifications/not-a-uuid/read", 404), ("/notifications/00000000-0000-4000-8000-000000000000/read", 404)] {
        let res = http.patch(app.api(path)).bearer_auth(&token).send().await.unwrap();
        assert_eq!(res.status(), status, "{path}");
        let body: Value = res.json().await.unwrap();
        assert!(body["error"]["code"].is_string(), "{body}");
    }
    let (status, body) = app.get(&token, "/notifications?page=0").await;
    assert_eq!(status, 422, "{body}");
    let (status, body) = app.get(&token, "/notifications?unread=maybe").await;
    assert_eq!(status, 400, "{body}");
    let res = http.get(app.api("/notifications")).send().await.unwrap();
    assert_eq!(res.status(), 401);
}

/// Settings per kind and channel: off by email means a notification and no email; a kind
/// the account cannot get is refused; the page's plain form saves them too.
async fn settings_decide_the_channels(app: &TestApp) {
    let (event, seats) = app.event_with_seats(2).await;
    let (client, token) = signed_in(app, "chooser@example.com", "Chooser", PASSWORD, Role::Customer).await;
    let http = reqwest::Client::new();

    let (status, prefs) = app.get(&token, "/notifications/preferences").await;
    assert_eq!(status, 200);
    let items = prefs["items"].as_array().unwrap();
    assert!(items.iter().any(|p| p["kind"] == "ORDER_PAID" && p["in_app"] == true && p["email"] == true));
    assert!(items.iter().any(|p| p["kind"] == "HOLD_EXPIRING" && p["email"] == false));
    assert!(items.iter().all(|p| p["kind"] != "ACCOUNT_DEACTIVATED"), "only admins hear of deactivations");

    let res = http
        .put(app.api("/notifications/preferences"))
        .bearer_auth(&token)
        .json(&json!({ "items": [{ "kind": "ACCOUNT_DEACTIVATED", "in_app": true, "email": true }] }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let res = http.put(app.api("/notifications/preferences")).bearer_auth(&token).json(&json!({ "items": [{ "kind": "NOPE", "in_app": true }] })).send().await.unwrap();
    assert_eq!(res.status(), 422);

    let saved: Value = http
        .put(app.api("/notifications/preferences"))
        .bearer_auth(&token)
        .json(&json!({ "items": [{ "kind": "ORDER_PAID", "in_app": true, "email": false }] }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(saved["items"].as_array().unwrap().iter().any(|p| p["kind"] == "ORDER_PAID" && p["email"] == false));

    app.paid_order(&token, &event, &seats[..1], "chooser-1").await;
    wait_for(app, &token, "ORDER_PAID").await;
    let user_id = app.get(&token, "/me").await.1["id"].as_str().unwrap().to_owned();
    assert_eq!(count(app, "SELECT COUNT(*) FROM outgoing_emails WHERE user_id = $1 AND kind = 'ORDER_PAID'", &user_id).await, 0, "no email when email is off");

    // The settings page's form: only ticked boxes are sent; the rest turn off.
    let res = client
        .post(app.url("/notifications/preferences"))
        .header("origin", &app.address)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("on=ORDER_PAID%3AEMAIL&on=WELCOME%3AIN_APP")
        .send()
        .await
        .unwrap();
    assert!(res.url().path().ends_with("/notifications/settings") && res.url().query() == Some("saved=1"), "{}", res.url());
    let (_, prefs) = app.get(&token, "/notifications/preferences").await;
    let paid = prefs["items"].as_array().unwrap().iter().find(|p| p["kind"] == "ORDER_PAID").unwrap().clone();
    assert_eq!((paid["in_app"].clone(), paid["email"].clone()), (json!(false), json!(true)));

    // In-app off: the next order makes an email and no notification.
    app.paid_order(&token, &event, &seats[1..], "chooser-2").await;
    assert!(
        app.eventually(15, || async { count(app, "SELECT COUNT(*) FROM outgoing_emails WHERE user_id = $1 AND kind = 'ORDER_PAID'", &user_id).await == 1 }).await
    );
    assert_eq!(of_kind(app, &token, "ORDER_PAID").await.len(), 1, "the second order made no notification");

    // Signed out, the form leads to the login page and changes nothing.
    let res = reqwest::Client::new()
        .post(app.url("/notifications/preferences"))
        .header("origin", &app.address)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("on=ORDER_PAID%3AIN_APP")
        .send()
        .await
        .unwrap();
    assert_eq!(res.url().path(), "/login");
}

/// Two minutes before a hold runs out its holder is warned, once however often the sweeper
/// looks; when it runs out they are told it did.
async fn holds_warn_before_they_expire_and_tell_when_they_did(app: &TestApp) {
    let (event, seats) = app.event_with_seats(1).await;
    let token = app.customer("holder@example.com").await;
    let hold: Value = app.hold(&token, &event, &seats).await.json().await.unwrap();
    let hold_id = hold["id"].as_str().unwrap();
    let expires_at: i64 = count(app, "SELECT expires_at FROM holds WHERE id = $1", hold_id).await;

    let db = &app.state.db;
    assert_eq!(app::orders::holds::warn_expiring(db, expires_at - EXPIRY_WARNING_MS - 1_000, EXPIRY_WARNING_MS).await.unwrap(), 0, "not yet");
    assert_eq!(app::orders::holds::warn_expiring(db, expires_at - 60_000, EXPIRY_WARNING_MS).await.unwrap(), 1);
    assert_eq!(app::orders::holds::warn_expiring(db, expires_at - 30_000, EXPIRY_WARNING_MS).await.unwrap(), 0, "once");
    let n = wait_for(app, &token, "HOLD_EXPIRING").await;
    assert_eq!(n["link"], format!("/checkout/{hold_id}"));
    assert!(n["body"].as_str().unwrap().contains("held until"), "{n}");

    // The hold's time is up: the sweeper ends it, and its holder hears of it.
    sqlx::query("UPDATE holds SET expires_at = 1 WHERE id = $1").bind(hold_id).execute(&db.pool).await.unwrap();
    let n = wait_for(app, &token, "HOLD_EXPIRED").await;
    assert_eq!(n["link"], format!("/events/{event}"));
    let user_id = app.get(&token, "/me").await.1["id"].as_str().unwrap().to_owned();
    assert_eq!(count(app, "SELECT COUNT(*) FROM outgoing_emails WHERE user_id = $1", &user_id).await, 1, "only the welcome: hold news is not emailed by default");
}

/// A deactivated account is told to the other admins, not to the one who did it.
async fn deactivations_are_told_to_the_other_admins(app: &TestApp) {
    let (_, acting) = signed_in(app, "acting-admin@example.com", "Acting", PASSWORD, Role::Admin).await;
    let (_, other) = signed_in(app, "other-admin@example.com", "Other", PASSWORD, Role::Admin).await;
    let gone = app.create_user("leaving@example.com", PASSWORD, Role::Customer).await;
    let res = reqwest::Client::new().patch(app.api(&format!("/users/{gone}"))).bearer_auth(&acting).json(&json!({ "active": false })).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let n = wait_for(app, &other, "ACCOUNT_DEACTIVATED").await;
    assert!(n["body"].as_str().unwrap().contains("leaving@example.com"), "{n}");
    assert_eq!(n["link"], "/admin/users");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(of_kind(app, &acting, "ACCOUNT_DEACTIVATED").await.is_empty());
}

/// An event handled again (a redelivery, a replay) creates nothing new, and an email sent
/// is never sent again.
async fn a_redelivered_event_creates_nothing_new(app: &TestApp) {
    let (event, seats) = app.event_with_seats(1).await;
    let token = app.customer("again@example.com").await;
    app.paid_order(&token, &event, &seats, "again-1").await;
    wait_for(app, &token, "ORDER_PAID").await;
    let user_id = app.get(&token, "/me").await.1["id"].as_str().unwrap().to_owned();
    let email_id: String = {
        let mut id = None;
        for _ in 0..200 {
            id = sqlx::query_scalar("SELECT id FROM outgoing_emails WHERE user_id = $1 AND kind = 'ORDER_PAID' AND sent_at IS NOT NULL")
                .bind(&user_id)
                .fetch_optional(&app.state.db.pool)
                .await
                .unwrap();
            if id.is_some() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        id.expect("the email was sent")
    };
    // The order's emails (demo accounts' welcome emails may still be on their way).
    let order_mails = || mail_files(app).into_iter().filter(|m| m.contains("again@example.com") && m.contains("image/png")).count();
    assert_eq!(order_mails(), 1);

    let issued: Vec<(String,)> = sqlx::query_as("SELECT id FROM domain_events WHERE event_type = 'ticket.issued'").fetch_all(&app.state.db.pool).await.unwrap();
    for (event_id,) in issued {
        let event = app::audit::outbox::find(&app.state.db, &event_id).await.unwrap().expect("the event");
        app::notifications::notifier::notify(&app.state.db, &app.state.public_url, &event).await.unwrap();
    }
    assert_eq!(of_kind(app, &token, "ORDER_PAID").await.len(), 1);
    assert_eq!(count(app, "SELECT COUNT(*) FROM outgoing_emails WHERE user_id = $1 AND kind = 'ORDER_PAID'", &user_id).await, 1);

    let again = app::notifications::mail::send_queued(&app.state.db, &app.state.mailer, &email_id).await.unwrap();
    assert_eq!(again, app::notifications::mail::Sent::Already);
    assert_eq!(order_mails(), 1, "nothing sent twice");
}

on_both_backends!(
    a_paid_order_is_told_once_in_the_app_and_by_email,
    a_declined_payment_says_why,
    marking_read_is_idempotent_and_private,
    settings_decide_the_channels,
    holds_warn_before_they_expire_and_tell_when_they_did,
    deactivations_are_told_to_the_other_admins,
    a_redelivered_event_creates_nothing_new,
);

/// Through SMTP: a mail server that refuses twice gets the email on the consumer's third
/// try, once, with both parts.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_send_is_retried_by_the_consumer_and_sent_once() {
    let sink = SmtpSink::start(2).await;
    let (port, taken) = (sink.port, sink.taken.clone());
    let app = TestApp::spawn_configured(Backend::Sqlite, false, |config| config.smtp_url = Some(format!("smtp://127.0.0.1:{port}")))
        .await
        .expect("SQLite is always available");
    let user = app.create_user("smtp@example.com", PASSWORD, Role::Customer).await;
    assert!(
        app.eventually(20, || async { count(&app, "SELECT COUNT(*) FROM outgoing_emails WHERE user_id = $1 AND sent_at IS NOT NULL", &user).await == 1 })
            .await,
        "the welcome email is sent in the end"
    );
    let (attempts, error): (i64, Option<String>) = sqlx::query_as("SELECT attempts, last_error FROM outgoing_emails WHERE user_id = $1")
        .bind(&user)
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!((attempts, error), (3, None), "two refusals, then sent");
    tokio::time::sleep(Duration::from_millis(300)).await;
    let taken = taken.lock().unwrap().clone();
    assert_eq!(taken.len(), 1, "sent once");
    assert!(taken[0].contains("smtp@example.com") && taken[0].contains("multipart/alternative"), "{}", taken[0]);
    assert!(taken[0].contains("text/plain") && taken[0].contains("text/html"));
    app.cleanup().await;
}
