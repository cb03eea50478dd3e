//! The box office's consumers: receipts, redeliveries and the events they read.

use std::time::Duration;

use serde_json::Value;

use crate::helpers::{take_every_connection, Backend, TestApp, APPROVED};
use crate::on_both_backends;
use server::workers::{consumers, deliver, Outcome};

/// A paid order's seats and tickets, and its `order.paid` event.
async fn paid_order(app: &TestApp, key: &str) -> (String, String, Value) {
    let (event, seats) = app.event_with_seats(2).await;
    let ana = app.customer(&format!("{key}@example.com")).await;
    let order_id = app.paid_order(&ana, &event, &seats, key).await["id"].as_str().unwrap().to_owned();
    let paid: String = sqlx::query_scalar("SELECT payload FROM domain_events WHERE event_type = 'order.paid' AND aggregate_id = $1")
        .bind(&order_id)
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    (event, order_id, serde_json::from_str(&paid).unwrap())
}

/// The payment and ticket consumers record their receipts as processed; a redelivery is
/// a duplicate, and even one whose receipt was lost (reset to RECEIVED, as after a crash
/// between the handler's commit and its receipt) changes nothing: one payment, one
/// ticket per seat.
async fn redelivered_payment_and_paid_events_change_nothing(app: &TestApp) {
    let (event, seats) = app.event_with_seats(2).await;
    let ana = app.customer("ana@example.com").await;
    let h: Value = app.hold(&ana, &event, &seats).await.json().await.unwrap();
    let o: Value = app.order(&ana, h["id"].as_str().unwrap(), APPROVED, "redeliver").await.json().await.unwrap();
    let order_id = o["id"].as_str().unwrap();
    app.wait_for_status(&ana, order_id, "PAID").await;
    let db = &app.state.db.pool;
    for (consumer, event_type) in [("payment-processor", "order.placed"), ("ticket-issuer", "order.paid")] {
        let event_id: String = sqlx::query_scalar("SELECT id FROM domain_events WHERE event_type = $1 AND aggregate_id = $2")
            .bind(event_type)
            .bind(order_id)
            .fetch_one(db)
            .await
            .unwrap();
        // The receipt may trail the order's state by a moment on the portable path.
        let mut state = String::new();
        for _ in 0..100 {
            state = sqlx::query_scalar("SELECT state FROM event_receipts WHERE event_id = $1 AND consumer = $2")
                .bind(&event_id)
                .bind(consumer)
                .fetch_optional(db)
                .await
                .unwrap()
                .unwrap_or_default();
            if state == "PROCESSED" {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert_eq!(state, "PROCESSED", "{consumer}");
        let envelope = app::audit::outbox::find(&app.state.db, &event_id).await.unwrap().unwrap();
        let worker = consumers().into_iter().find(|c| c.name == consumer).unwrap();
        assert_eq!(deliver(&app.state, &worker, &envelope).await, Outcome::Duplicate, "{consumer}");
        sqlx::query("UPDATE event_receipts SET state = 'RECEIVED' WHERE event_id = $1 AND consumer = $2").bind(&event_id).bind(consumer).execute(db).await.unwrap();
        assert_eq!(deliver(&app.state, &worker, &envelope).await, Outcome::Processed, "{consumer}");
    }
    let count = |sql: &'static str| async move { sqlx::query_scalar::<_, i64>(sql).bind(order_id).fetch_one(db).await.unwrap() };
    assert_eq!(count("SELECT COUNT(*) FROM payments WHERE order_id = $1").await, 1);
    assert_eq!(count("SELECT COUNT(*) FROM tickets WHERE order_id = $1").await, 2);
    assert_eq!(count("SELECT COUNT(*) FROM domain_events WHERE event_type = 'ticket.issued' AND payload LIKE '%' || $1 || '%'").await, 2);
    assert_eq!(count("SELECT COUNT(*) FROM domain_events WHERE event_type = 'order.paid' AND aggregate_id = $1").await, 1);
}

/// `order.paid` names the order's event and its number of seats, which is all the ticket
/// consumer needs to sign the codes.
async fn order_paid_names_the_event_and_the_seats(app: &TestApp) {
    let (event, order_id, paid) = paid_order(app, "names").await;
    assert_eq!(paid["order_id"], order_id.as_str());
    assert_eq!(paid["event_id"], event.as_str());
    assert_eq!(paid["seats"], 2);
}

/// An `order.paid` written before it named the event and the seats (only the order) is
/// still honoured: the missing tickets are issued.
async fn an_order_paid_naming_only_the_order_still_issues_tickets(app: &TestApp) {
    let (_, order_id, _) = paid_order(app, "legacy").await;
    let db = &app.state.db.pool;
    sqlx::query("DELETE FROM tickets WHERE order_id = $1").bind(&order_id).execute(db).await.unwrap();
    let legacy = app::audit::EventEnvelope {
        id: uuid::Uuid::new_v4(),
        seq: None,
        event_type: "order.paid".into(),
        aggregate_id: order_id.clone(),
        payload: serde_json::json!({ "order_id": order_id }),
        occurred_at: time::OffsetDateTime::now_utc(),
        request_id: None,
    };
    sqlx::query("INSERT INTO domain_events (id, event_type, aggregate_id, payload, occurred_at, published_at) VALUES ($1, 'order.paid', $2, $3, 0, 0)")
        .bind(legacy.id.to_string())
        .bind(&order_id)
        .bind(legacy.payload.to_string())
        .execute(db)
        .await
        .unwrap();
    let issuer = consumers().into_iter().find(|c| c.name == "ticket-issuer").unwrap();
    assert_eq!(deliver(&app.state, &issuer, &legacy).await, Outcome::Processed);
    let tickets: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM tickets WHERE order_id = $1").bind(&order_id).fetch_one(db).await.unwrap();
    assert_eq!(tickets, 2);
    assert_eq!(deliver(&app.state, &issuer, &legacy).await, Outcome::Duplicate);
}

/// A delivery a consumer cannot handle leaves a FAILED receipt with the error, and each
/// attempt is counted, also for the consumers that admit their deliveries themselves.
async fn a_failed_delivery_leaves_a_failed_receipt(app: &TestApp) {
    let db = &app.state.db.pool;
    for (consumer, event_type) in [("payment-processor", "order.placed"), ("ticket-issuer", "order.paid")] {
        let event = app::audit::EventEnvelope {
            id: uuid::Uuid::new_v4(),
            seq: None,
            event_type: event_type.into(),
            aggregate_id: "nothing".into(),
            payload: serde_json::json!({ "no_order_id": true }),
            occurred_at: time::OffsetDateTime::now_utc(),
            request_id: None,
        };
        sqlx::query("INSERT INTO domain_events (id, event_type, aggregate_id, payload, occurred_at, published_at) VALUES ($1, $2, 'nothing', $3, 0, 0)")
            .bind(event.id.to_string())
            .bind(event_type)
            .bind(event.payload.to_string())
            .execute(db)
            .await
            .unwrap();
        let worker = consumers().into_iter().find(|c| c.name == consumer).unwrap();
        for attempt in 1..=2 {
            assert!(matches!(deliver(&app.state, &worker, &event).await, Outcome::Failed(_)), "{consumer}");
            let (state, attempts, error) = app::audit::receipts::find(&app.state.db, &event.id.to_string(), consumer).await.unwrap().unwrap();
            assert_eq!((state, attempts), (app::audit::ReceiptState::Failed, attempt), "{consumer}");
            assert!(error.unwrap().contains("order_id"), "{consumer}");
        }
    }
}

/// A duplicate delivery that fails (say, no connection in time) while another one has
/// processed the event leaves the receipt processed.
async fn a_late_failure_does_not_undo_a_processed_receipt(app: &TestApp) {
    let (_, order_id, _) = paid_order(app, "late").await;
    let event_id: String = sqlx::query_scalar("SELECT id FROM domain_events WHERE event_type = 'order.placed' AND aggregate_id = $1")
        .bind(&order_id)
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    let processed = || async {
        matches!(
            app::audit::receipts::find(&app.state.db, &event_id, "payment-processor").await.unwrap(),
            Some((app::audit::ReceiptState::Processed, _, _))
        )
    };
    assert!(app.eventually(5, processed).await, "the payment's receipt is processed");
    app::audit::receipts::mark_failed(&app.state.db, &event_id, "payment-processor", "pool timed out").await.unwrap();
    assert!(processed().await);
}

/// On PostgreSQL the workers beside the web have connections of their own: while every
/// one of them is busy (a burst of payments and ticket issues), a buyer's hold and order
/// are still answered at once, and the payment goes through when the workers have a
/// connection again. (On SQLite they share the web's: one writer either way.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn busy_workers_keep_no_buyer_waiting_on_postgres() {
    let Some(app) = TestApp::spawn_or_skip(Backend::Postgres, false, module_path!()).await else {
        return;
    };
    let (event, seats) = app.event_with_seats(2).await;
    let ana = app.customer("busy@example.com").await;
    let busy = take_every_connection(&app.workers.db.pool).await;
    assert_eq!(busy.len(), 4, "every connection of the workers is taken");
    let answered = tokio::time::timeout(Duration::from_secs(5), async {
        let h = app.hold(&ana, &event, &seats).await;
        assert_eq!(h.status(), 201);
        let h: Value = h.json().await.unwrap();
        let o = app.order(&ana, h["id"].as_str().unwrap(), APPROVED, "busy").await;
        assert_eq!(o.status(), 202);
        o.json::<Value>().await.unwrap()
    })
    .await
    .expect("the hold and the order are answered while the workers are busy");
    let order_id = answered["id"].as_str().unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let pending: Value = app.client.get(app.api(&format!("/orders/{order_id}"))).bearer_auth(&ana).send().await.unwrap().json().await.unwrap();
    assert_eq!(pending["status"], "PENDING", "no worker could take the payment yet");
    drop(busy);
    app.wait_for_status(&ana, order_id, "PAID").await;
    app.cleanup().await;
}

on_both_backends!(
    a_late_failure_does_not_undo_a_processed_receipt,
    redelivered_payment_and_paid_events_change_nothing,
    order_paid_names_the_event_and_the_seats,
    an_order_paid_naming_only_the_order_still_issues_tickets,
    a_failed_delivery_leaves_a_failed_receipt,
);
