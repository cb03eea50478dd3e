//! Time-dependent box-office rules: the sweeper and the payment/timeout race, with
//! short hold times and slow payments.

use std::time::Duration;

use serde_json::Value;

use crate::helpers::{Backend, TestApp, APPROVED};

async fn timed(backend: Backend, hold_ttl_secs: u64, payment_delay_ms: u64) -> Option<TestApp> {
    TestApp::spawn_configured(backend, false, |c| {
        c.hold_ttl_secs = hold_ttl_secs;
        c.payment_delay_ms = Some(payment_delay_ms);
    })
    .await
}

/// The sweeper expires holds on time with no request arriving.
async fn sweeper_expires_holds(app: TestApp) {
    let (event, seats) = app.event_with_seats(2).await;
    let ana = app.customer("ana@example.com").await;
    let h: Value = app.hold(&ana, &event, &seats).await.json().await.unwrap();
    let hold_id = h["id"].as_str().unwrap().to_owned();
    let db = app.state.db.clone();
    assert!(
        app.eventually(8, || {
            let db = db.clone();
            let hold_id = hold_id.clone();
            async move {
                let status: String = sqlx::query_scalar("SELECT status FROM holds WHERE id = $1").bind(hold_id).fetch_one(&db.pool).await.unwrap();
                status == "EXPIRED"
            }
        })
        .await
    );
    let statuses = app.seat_statuses(&event).await;
    assert!(seats.iter().all(|s| statuses[s] == "AVAILABLE"));
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM domain_events WHERE event_type = 'hold.expired'").fetch_one(&app.state.db.pool).await.unwrap();
    assert_eq!(n, 1);
    let res = app.order(&ana, &hold_id, APPROVED, "late").await;
    assert_eq!(res.status(), 409, "an expired hold cannot be bought");
    app.cleanup().await;
}

/// An order placed while its hold is valid keeps its seats until the payment resolves,
/// even when the hold's time runs out meanwhile.
async fn pending_payment_outlives_the_hold(app: TestApp) {
    let (event, seats) = app.event_with_seats(2).await;
    let ana = app.customer("ana@example.com").await;
    let h: Value = app.hold(&ana, &event, &seats).await.json().await.unwrap();
    let o: Value = app.order(&ana, h["id"].as_str().unwrap(), APPROVED, "race").await.json().await.unwrap();
    tokio::time::sleep(Duration::from_millis(1800)).await;
    let statuses = app.seat_statuses(&event).await;
    assert!(seats.iter().all(|s| statuses[s] == "HELD"), "the sweeper leaves a converted hold alone");
    app.wait_for_status(&ana, o["id"].as_str().unwrap(), "PAID").await;
    let statuses = app.seat_statuses(&event).await;
    assert!(seats.iter().all(|s| statuses[s] == "SOLD"));
    app.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sweeper_on_sqlite() {
    sweeper_expires_holds(timed(Backend::Sqlite, 1, 50).await.unwrap()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sweeper_on_postgres() {
    if let Some(app) = timed(Backend::Postgres, 1, 50).await {
        sweeper_expires_holds(app).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn payment_race_on_sqlite() {
    pending_payment_outlives_the_hold(timed(Backend::Sqlite, 1, 2500).await.unwrap()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn payment_race_on_postgres() {
    if let Some(app) = timed(Backend::Postgres, 1, 2500).await {
        pending_payment_outlives_the_hold(app).await;
    }
}
