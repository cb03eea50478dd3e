//! Faults under a rush, with the server and its workers left running: PostgreSQL
//! restarted, and RabbitMQ restarted. Afterwards every accepted order has resolved, every
//! paid order has its tickets, no seat is sold twice, the outbox has drained and no
//! receipt stays FAILED.
//!
//! The database is restarted on a throwaway cluster of its own (`pg_createcluster` on a
//! free port), so the tests running beside this one never see it go. Restarting the
//! broker would disturb every other test using it: that test is `#[ignore]`d and run in
//! a step of its own after the parallel ones (`make test` does so).

use std::process::Command;
use std::time::Duration;

use app::db::Db;

use crate::rush::{assert_consistent, event_and_buyers, wait_for_orders, wait_until_settled, Rush, Setup, Stack};

/// How long PostgreSQL stays down: two minutes, past the payments' deadline (at least 2
/// minutes after an order is placed) and past what a delivery survived when an outage
/// counted as failures (five attempts, each waiting up to the pool's 10 s for a
/// connection, about 100 s in all), so an order failed by the outage alone shows.
const DATABASE_OUTAGE: Duration = Duration::from_secs(120);

/// How long RabbitMQ stays down.
const BROKER_OUTAGE: Duration = Duration::from_secs(6);

/// A PostgreSQL cluster of this test's own, dropped when the test ends (also on panic).
struct ThrowawayCluster {
    version: String,
    name: String,
    port: u16,
}

impl ThrowawayCluster {
    /// `None` (with the reason) where clusters cannot be made: no Debian PostgreSQL tools.
    fn create() -> Result<ThrowawayCluster, String> {
        let version = std::fs::read_dir("/etc/postgresql")
            .map_err(|e| format!("no /etc/postgresql: {e}"))?
            .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
            .max_by_key(|v| v.parse::<u32>().unwrap_or(0))
            .ok_or("no PostgreSQL version under /etc/postgresql")?;
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let name = format!("taquilla_faults_{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
        let status = Command::new("pg_createcluster")
            .args([version.as_str(), name.as_str(), "-p", &port.to_string(), "--start", "--", "--auth=trust"])
            .stdout(std::process::Stdio::null())
            .status()
            .map_err(|e| format!("pg_createcluster: {e}"))?;
        if !status.success() {
            return Err(format!("pg_createcluster failed: {status}"));
        }
        Ok(ThrowawayCluster { version, name, port })
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    fn ctl(&self, action: &[&str]) {
        let status = Command::new("pg_ctlcluster").args([self.version.as_str(), self.name.as_str()]).args(action).status().unwrap();
        assert!(status.success(), "pg_ctlcluster {action:?}");
    }
}

impl Drop for ThrowawayCluster {
    fn drop(&mut self) {
        let _ = Command::new("pg_dropcluster").args(["--stop", self.version.as_str(), self.name.as_str()]).status();
    }
}

/// A rush on a server of its own against the PostgreSQL of `base`, with `fault` done
/// once the rush has placed 15 orders; then the rush's checks, and the server is ready
/// again without a restart of its own.
async fn rush_through(base: String, name: &str, fault: impl std::future::Future<Output = ()>) {
    let setup = Setup::new(Stack::Postgres { base }, name).await;
    let http = reqwest::Client::builder().timeout(Duration::from_secs(20)).build().unwrap();
    let mut server = setup.start(&http).await;
    let (event_id, seat_ids, tokens) = event_and_buyers(&http, &setup).await;
    let rush = Rush::start(&http, &setup, &event_id, &seat_ids, tokens);
    let db = Db::connect(&setup.db_url, 2).await.unwrap();
    let placed = wait_for_orders(&db, &event_id, 15).await;
    assert!(placed >= 15, "the rush placed orders before the fault ({placed})");
    db.pool.close().await;
    fault.await;
    // The rush goes on for a moment after the fault.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let accepted = rush.finish().await;

    let db = Db::connect(&setup.db_url, 2).await.unwrap();
    wait_until_settled(&db, &event_id, 90, &setup.log()).await;
    assert_consistent(&db, &event_id, &accepted, seat_ids.len()).await;
    let mut ready = false;
    for _ in 0..100 {
        if http.get(setup.url("/health/ready")).send().await.map(|r| r.status() == 200).unwrap_or(false) {
            ready = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(ready, "the server is ready again without a restart of its own");

    server.start_kill().unwrap();
    server.wait().await.unwrap();
    db.pool.close().await;
    setup.remove().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_restart_mid_rush() {
    if std::env::var("TEST_DATABASE_URL").ok().filter(|u| !u.is_empty()).is_none() {
        crate::helpers::not_run(module_path!(), "TEST_DATABASE_URL is not set");
        return;
    }
    let cluster = ThrowawayCluster::create().expect("a throwaway PostgreSQL cluster (Debian's pg_createcluster)");
    // Down for longer than a quick restart, with payments and ticket issues under way.
    let outage = async {
        cluster.ctl(&["stop", "-m", "fast"]);
        tokio::time::sleep(DATABASE_OUTAGE).await;
        cluster.ctl(&["start"]);
    };
    rush_through(cluster.url(), "pg-fault", outage).await;
    drop(cluster);
}

/// Restarts the RabbitMQ application on this machine (`rabbitmqctl stop_app`, then
/// `start_app` after [`BROKER_OUTAGE`]): every connection drops, durable queues and persistent
/// messages stay.
fn restart_rabbitmq() {
    let run = |args: &[&str]| {
        let status = Command::new("rabbitmqctl").args(args).stdout(std::process::Stdio::null()).status().expect("rabbitmqctl");
        assert!(status.success(), "rabbitmqctl {args:?}");
    };
    run(&["stop_app"]);
    std::thread::sleep(BROKER_OUTAGE);
    run(&["start_app"]);
    run(&["await_startup"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "restarts the machine's RabbitMQ: run alone, after the parallel tests (make test does)"]
async fn rabbitmq_restart_mid_rush() {
    let (Some(base), Some(_)) = (
        std::env::var("TEST_DATABASE_URL").ok().filter(|u| !u.is_empty()),
        std::env::var("TEST_AMQP_URL").ok().filter(|u| !u.is_empty()),
    ) else {
        crate::helpers::not_run(module_path!(), "TEST_DATABASE_URL and TEST_AMQP_URL are not both set");
        return;
    };
    rush_through(base, "mq-fault", async { tokio::task::spawn_blocking(restart_rabbitmq).await.unwrap() }).await;
}
