//! Crash safety: the real server binary, killed with SIGKILL in the middle of a rush and
//! started again, loses no placed order, leaves no seat both sold and held, and drains
//! its outbox. SQLite with the in-process bus always; PostgreSQL (with RabbitMQ when
//! `TEST_AMQP_URL` is set) when `TEST_DATABASE_URL` is set.

use std::time::Duration;

use app::db::Db;

use crate::rush::{assert_consistent, count, event_and_buyers, wait_for_orders, wait_until_settled, Rush, Setup, Stack};

async fn killed_mid_rush_and_restarted(stack: Stack) {
    let setup = Setup::new(stack, "crash").await;
    let http = reqwest::Client::builder().timeout(Duration::from_secs(20)).build().unwrap();
    let mut server = setup.start(&http).await;
    let (event_id, seat_ids, tokens) = event_and_buyers(&http, &setup).await;
    let db = Db::connect(&setup.db_url, 4).await.unwrap();

    // The rush, and SIGKILL once some payments are under way.
    let rush = Rush::start(&http, &setup, &event_id, &seat_ids, tokens);
    let placed_before_kill = wait_for_orders(&db, &event_id, 15).await;
    server.start_kill().unwrap();
    server.wait().await.unwrap();
    let accepted = rush.finish().await;
    assert!(placed_before_kill >= 15, "the rush placed orders before the kill ({placed_before_kill})");
    let pending_at_kill = count(&db, "SELECT COUNT(*) FROM orders WHERE event_id = $1 AND status = 'PENDING'", &event_id).await;
    assert!(pending_at_kill > 0, "some payments were under way when the server was killed");

    // Restarted, it finishes what was under way.
    let mut server = setup.start(&http).await;
    wait_until_settled(&db, &event_id, 60, &setup.log()).await;
    assert_consistent(&db, &event_id, &accepted, seat_ids.len()).await;

    server.start_kill().unwrap();
    server.wait().await.unwrap();
    db.pool.close().await;
    setup.remove().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_mid_rush_sqlite() {
    killed_mid_rush_and_restarted(Stack::Embedded).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_mid_rush_postgres() {
    let Some(base) = std::env::var("TEST_DATABASE_URL").ok().filter(|u| !u.is_empty()) else {
        crate::helpers::not_run(module_path!(), "TEST_DATABASE_URL is not set");
        return;
    };
    killed_mid_rush_and_restarted(Stack::Postgres { base }).await;
}
