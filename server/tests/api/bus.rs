//! The outbox → bus → consumer path, on the in-process bus and on RabbitMQ, including
//! redelivery of an event that was already processed.

use app::audit::{outbox, receipts, ReceiptState};
use app::users::Role;
use server::workers::{consumers, deliver, Outcome};

use crate::helpers::{Backend, TestApp};

async fn notifications_of(app: &TestApp, user_id: &str) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND kind = 'WELCOME'")
        .bind(user_id)
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap()
}

async fn user_created_event(app: &TestApp, user_id: &str) -> app::audit::EventEnvelope {
    let id: String = sqlx::query_scalar("SELECT id FROM domain_events WHERE event_type = 'user.created' AND aggregate_id = $1")
        .bind(user_id)
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    outbox::find(&app.state.db, &id).await.unwrap().unwrap()
}

/// A new user gets exactly one welcome notification, even when the event is delivered
/// again after it was processed.
async fn welcome_once(app: &TestApp) {
    app.state.db.wake_relay();
    let user = app.create_user("welcome@example.com", "violet-tram-orbit-42", Role::Customer).await;
    app.state.db.wake_relay();
    assert!(app.eventually(15, || async { notifications_of(app, &user).await == 1 }).await, "welcome notification created");
    let event = user_created_event(app, &user).await;
    assert!(
        app.eventually(5, || async {
            matches!(receipts::find(&app.state.db, &event.id.to_string(), "notifier").await.unwrap(), Some((ReceiptState::Processed, 1, None)))
        })
        .await
    );
    assert!(app.eventually(5, || async { outbox::backlog(&app.state.db).await.unwrap() == 0 }).await, "outbox drained");

    // Redelivery through the bus itself.
    app.bus.publish(std::slice::from_ref(&event)).await.unwrap();
    app.bus.publish(std::slice::from_ref(&event)).await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(notifications_of(app, &user).await, 1, "redelivered events are no-ops");
    let (state, attempts, _) = receipts::find(&app.state.db, &event.id.to_string(), "notifier").await.unwrap().unwrap();
    assert_eq!((state, attempts), (ReceiptState::Processed, 1));

    // And directly through the consumer runner.
    let notifier = consumers().into_iter().find(|c| c.name == "notifier").unwrap();
    assert_eq!(deliver(&app.state, &notifier, &event).await, Outcome::Duplicate);
}

/// A consumer failure is recorded as FAILED with the error, not lost.
async fn failures_are_recorded(app: &TestApp) {
    let user = app.create_user("broken@example.com", "violet-tram-orbit-42", Role::Customer).await;
    let mut event = user_created_event(app, &user).await;
    event.id = uuid::Uuid::new_v4();
    event.payload = serde_json::json!({ "no_user_id": true });
    // The receipt references the event, so store the broken copy first.
    let mut tx = app.state.db.begin_write().await.unwrap();
    sqlx::query("INSERT INTO domain_events (id, event_type, aggregate_id, payload, occurred_at, published_at) VALUES ($1, 'user.created', $2, $3, 0, 0)")
        .bind(event.id.to_string())
        .bind(&user)
        .bind(event.payload.to_string())
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let notifier = consumers().into_iter().find(|c| c.name == "notifier").unwrap();
    assert!(matches!(deliver(&app.state, &notifier, &event).await, Outcome::Failed(_)));
    let (state, attempts, error) = receipts::find(&app.state.db, &event.id.to_string(), "notifier").await.unwrap().unwrap();
    assert_eq!((state, attempts), (ReceiptState::Failed, 1));
    assert!(error.unwrap().contains("user_id"));
    assert!(matches!(deliver(&app.state, &notifier, &event).await, Outcome::Failed(_)));
    let (_, attempts, _) = receipts::find(&app.state.db, &event.id.to_string(), "notifier").await.unwrap().unwrap();
    assert_eq!(attempts, 2, "attempts are counted");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_process_bus_on_sqlite() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    welcome_once(&app).await;
    failures_are_recorded(&app).await;
    app.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_process_bus_on_postgres() {
    let Some(app) = TestApp::spawn_or_skip(Backend::Postgres, false, module_path!()).await else {
        return;
    };
    welcome_once(&app).await;
    failures_are_recorded(&app).await;
    app.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rabbitmq_bus_on_postgres() {
    let Some(app) = TestApp::spawn_or_skip(Backend::Postgres, true, module_path!()).await else {
        return;
    };
    assert_eq!(app.bus.kind(), "rabbitmq");
    welcome_once(&app).await;
    app.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rabbitmq_bus_on_sqlite() {
    let Some(app) = TestApp::spawn_or_skip(Backend::Sqlite, true, module_path!()).await else {
        return;
    };
    welcome_once(&app).await;
    app.cleanup().await;
}

/// Closes every broker connection named `name` (the bus's prefix), as a broker restart or
/// a network cut would. `false` when `rabbitmqctl` is not available here.
fn drop_broker_connections(name: &str) -> bool {
    let Ok(out) = std::process::Command::new("rabbitmqctl").args(["-q", "list_connections", "pid", "name", "client_properties"]).output() else {
        return false;
    };
    if !out.status.success() {
        return false;
    }
    let listing = String::from_utf8_lossy(&out.stdout);
    let pids: Vec<&str> = listing.lines().filter(|l| l.contains(name)).filter_map(|l| l.split_whitespace().next()).collect();
    assert!(!pids.is_empty(), "the bus has named connections:\n{listing}");
    for pid in pids {
        let closed = std::process::Command::new("rabbitmqctl").args(["-q", "close_connection", pid, "connection test"]).status().unwrap();
        assert!(closed.success());
    }
    true
}

/// After the broker drops its connections, the relay publishes again and the consumers
/// consume again: events written meanwhile are delivered, none is lost.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rabbitmq_connections_come_back() {
    let Some(app) = TestApp::spawn_or_skip(Backend::Sqlite, true, module_path!()).await else {
        return;
    };
    let server::bus::Bus::Rabbit(rabbit) = &app.bus else { unreachable!() };
    let prefix = rabbit.options().prefix.clone();
    let first = app.create_user("before@example.com", "violet-tram-orbit-42", Role::Customer).await;
    app.state.db.wake_relay();
    assert!(app.eventually(15, || async { notifications_of(&app, &first).await == 1 }).await);

    if !drop_broker_connections(&prefix) {
        crate::helpers::not_run(module_path!(), "rabbitmqctl is not available");
        app.cleanup().await;
        return;
    }
    let second = app.create_user("after@example.com", "violet-tram-orbit-42", Role::Customer).await;
    app.state.db.wake_relay();
    assert!(
        app.eventually(30, || async { notifications_of(&app, &second).await == 1 }).await,
        "the event written after the connections dropped was delivered"
    );
    assert!(app.eventually(10, || async { outbox::backlog(&app.state.db).await.unwrap() == 0 }).await, "outbox drained");
    app.cleanup().await;
}
