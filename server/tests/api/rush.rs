//! A rush on the real server binary, for the tests that break something under it (the
//! crash test kills the server; the fault tests restart PostgreSQL or RabbitMQ): the
//! server's set-up, buyers holding and paying from their own addresses, and the checks
//! that everything resolved afterwards.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use app::db::Db;
use app::users::password::PasswordHasher;
use app::users::service::{insert_user, NewUser};
use app::users::Role;
use rand::seq::SliceRandom;
use rand::Rng;
use serde_json::{json, Value};
use tokio::process::{Child, Command};
use tokio::sync::Mutex;

use crate::helpers::{drop_postgres, event_on_sale, fresh_postgres, log_in};

pub const PASSWORD: &str = "violet-tram-orbit-42";
pub const BUYERS: usize = 12;
/// Base64 of 32 bytes: the key the PostgreSQL variants' processes share.
const TEST_SIGNING_KEY: &str = "dGFxdWlsbGEtY3Jhc2gtdGVzdC1zaWduaW5nLWtleSE=";
const TEST_DATA_KEY: &str = "test:dGFxdWlsbGEtY3Jhc2gtdGVzdC1kYXRhLWtleS0zMiE=";

/// Which database and bus the server runs on.
pub enum Stack {
    /// SQLite and the in-process bus.
    Embedded,
    /// A fresh database on the PostgreSQL server at this URL (`…/<any database>`), with
    /// RabbitMQ when `TEST_AMQP_URL` is set.
    Postgres { base: String },
}

/// Where the server keeps its state between runs.
pub struct Setup {
    pub env: Vec<(String, String)>,
    pub db_url: String,
    pub data_dir: PathBuf,
    pub port: u16,
    postgres: Option<(String, String)>,
}

impl Setup {
    pub async fn new(stack: Stack, name: &str) -> Setup {
        let data_dir = std::env::temp_dir().join(format!("taquilla-{name}-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&data_dir).unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let mut env: Vec<(String, String)> = [
            ("TAQUILLA_ADDR", format!("127.0.0.1:{port}")),
            ("TAQUILLA_DATA_DIR", data_dir.display().to_string()),
            ("TAQUILLA_PAYMENT_DELAY_MS", "400".into()),
            ("TAQUILLA_DEMO", "0".into()),
            ("TAQUILLA_TRUSTED_PROXIES", "127.0.0.1".into()),
            ("RUST_LOG", "warn".into()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        let (db_url, postgres) = match stack {
            Stack::Postgres { base } => {
                let (url, db_name) = fresh_postgres(&base).await;
                env.push(("DATABASE_URL".into(), url.clone()));
                // Every non-embedded process signs with the shared key (the same across restarts).
                env.push(("TAQUILLA_SIGNING_KEY".into(), TEST_SIGNING_KEY.into()));
                env.push(("TAQUILLA_DATA_KEY".into(), TEST_DATA_KEY.into()));
                if let Some(amqp) = std::env::var("TEST_AMQP_URL").ok().filter(|u| !u.is_empty()) {
                    env.push(("AMQP_URL".into(), amqp));
                    env.push(("TAQUILLA_AMQP_PREFIX".into(), format!("taquilla-{name}-{}", uuid::Uuid::new_v4().simple())));
                    env.push(("TAQUILLA_AMQP_QUEUE_EXPIRES_MS".into(), "300000".into()));
                }
                (url, Some((base, db_name)))
            }
            Stack::Embedded => (format!("sqlite://{}?mode=rwc", data_dir.join("taquilla.db").display()), None),
        };
        Setup { env, db_url, data_dir, port, postgres }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    pub fn log(&self) -> PathBuf {
        self.data_dir.join("server.log")
    }

    /// Starts `taquilla serve --with-workers` and waits until it is ready.
    pub async fn start(&self, http: &reqwest::Client) -> Child {
        // The server logs to stdout; both go to the log file.
        let log = std::fs::OpenOptions::new().create(true).append(true).open(self.log()).unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_taquilla"))
            .args(["serve", "--with-workers"])
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .kill_on_drop(true)
            .spawn()
            .expect("starting the server binary");
        for _ in 0..300 {
            if let Ok(res) = http.get(self.url("/health/ready")).send().await {
                if res.status() == 200 {
                    return child;
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the server did not become ready; see {}", self.log().display());
    }

    /// Drops the PostgreSQL database and the data directory.
    pub async fn remove(self) {
        if let Some((base, name)) = &self.postgres {
            drop_postgres(base, name).await;
        }
        let _ = std::fs::remove_dir_all(&self.data_dir);
    }
}

/// An admin, an event of 10 × 20 seats on sale and [`BUYERS`] signed-in buyers, made on
/// a server that is running: (event id, seat ids, the buyers' tokens).
pub async fn event_and_buyers(http: &reqwest::Client, setup: &Setup) -> (String, Vec<String>, Vec<String>) {
    // People, created directly in the database the server migrated.
    let db = Db::connect(&setup.db_url, 2).await.unwrap();
    let hasher = PasswordHasher::new(2);
    let hash = hasher.hash(PASSWORD).await.unwrap();
    let person = |email: String, role| NewUser { email, display_name: "Rush Test".into(), password: PASSWORD.into(), role, skills: vec![] };
    insert_user(&db, &person("rush-admin@example.com".into(), Role::Admin), &hash).await.unwrap();
    let mut tokens = Vec::new();
    for i in 0..BUYERS {
        let email = format!("rush-buyer-{i}@example.com");
        insert_user(&db, &person(email.clone(), Role::Customer), &hash).await.unwrap();
        tokens.push(log_in(http, &setup.url("/api/v1"), &email, PASSWORD, Some(&buyer_ip(i))).await);
    }
    db.pool.close().await;
    let api = setup.url("/api/v1");
    let admin = log_in(http, &api, "rush-admin@example.com", PASSWORD, Some("10.9.0.1")).await;
    let venue = json!({ "name": "Rush Hall", "city": "Testing", "sections": [{ "name": "Floor", "rows": 10, "seats_per_row": 20 }] });
    let event = event_on_sale(http, &api, &admin, venue, json!({ "title": "Rush Night", "category": "test" }), 3000).await;
    let event_id = event["id"].as_str().expect("event created").to_owned();
    let seats: Value = http.get(setup.url(&format!("/api/v1/events/{event_id}/seats"))).send().await.unwrap().json().await.unwrap();
    let ids = seats["items"].as_array().unwrap().iter().map(|s| s["id"].as_str().unwrap().to_owned()).collect();
    (event_id, ids, tokens)
}

fn buyer_ip(i: usize) -> String {
    format!("10.9.1.{i}")
}

/// The buyers of a rush, each on its own task, and what the server accepted from them.
pub struct Rush {
    buyers: Vec<tokio::task::JoinHandle<Vec<String>>>,
    stop: Arc<AtomicBool>,
}

impl Rush {
    /// Starts every buyer: each holds 1–3 seats and pays (one order in five with the
    /// declined card), until the seats run out, the server stops answering, or
    /// [`Rush::finish`]. Answers other than success (a 503 while a service restarts) are
    /// waited out and tried again.
    pub fn start(http: &reqwest::Client, setup: &Setup, event_id: &str, seat_ids: &[String], tokens: Vec<String>) -> Rush {
        let seats = Arc::new(Mutex::new(seat_ids.to_vec()));
        let stop = Arc::new(AtomicBool::new(false));
        let buyers = tokens
            .into_iter()
            .enumerate()
            .map(|(i, token)| tokio::spawn(buyer(http.clone(), setup.url(""), event_id.to_owned(), token, buyer_ip(i), seats.clone(), stop.clone())))
            .collect();
        Rush { buyers, stop }
    }

    /// Stops the buyers and returns the ids of the orders the server accepted (202).
    pub async fn finish(self) -> Vec<String> {
        self.stop.store(true, Ordering::SeqCst);
        let mut accepted = Vec::new();
        for b in self.buyers {
            accepted.extend(b.await.unwrap());
        }
        accepted
    }
}

async fn buyer(http: reqwest::Client, base: String, event_id: String, token: String, ip: String, seats: Arc<Mutex<Vec<String>>>, stop: Arc<AtomicBool>) -> Vec<String> {
    let mut accepted = Vec::new();
    while !stop.load(Ordering::SeqCst) {
        let want: Vec<String> = {
            let seats = seats.lock().await;
            if seats.is_empty() {
                return accepted;
            }
            let n = rand::thread_rng().gen_range(1..=3).min(seats.len());
            seats.choose_multiple(&mut rand::thread_rng(), n).cloned().collect()
        };
        let Ok(res) = http
            .post(format!("{base}/api/v1/events/{event_id}/holds"))
            .bearer_auth(&token)
            .header("x-forwarded-for", &ip)
            .json(&json!({ "seat_ids": want }))
            .send()
            .await
        else {
            return accepted;
        };
        let status = res.status().as_u16();
        let Ok(body) = res.json::<Value>().await else { return accepted };
        if status != 201 {
            if status == 409 {
                let taken: Vec<String> = serde_json::from_value(body["error"]["details"]["seat_ids"].clone()).unwrap_or_default();
                seats.lock().await.retain(|s| !taken.contains(s));
            }
            tokio::time::sleep(Duration::from_millis(if status == 503 { 200 } else { 20 })).await;
            continue;
        }
        seats.lock().await.retain(|s| !want.contains(s));
        let card = if rand::thread_rng().gen_ratio(1, 5) { "4000000000000002" } else { "4242424242424242" };
        let Ok(res) = http
            .post(format!("{base}/api/v1/orders"))
            .bearer_auth(&token)
            .header("x-forwarded-for", &ip)
            .header("idempotency-key", uuid::Uuid::new_v4().to_string())
            .json(&json!({ "hold_id": body["id"], "payment": { "card_number": card, "exp_month": 12, "exp_year": 2035, "cvc": "123", "name": "Rush Buyer" } }))
            .send()
            .await
        else {
            return accepted;
        };
        if res.status() == 202 {
            if let Ok(order) = res.json::<Value>().await {
                accepted.push(order["id"].as_str().unwrap().to_owned());
            }
        }
    }
    accepted
}

pub async fn count(db: &Db, sql: &str, event_id: &str) -> i64 {
    sqlx::query_scalar(sql).bind(event_id).fetch_one(&db.pool).await.unwrap()
}

/// What is still under way for the event: (pending orders, unpublished events, paid
/// orders short of tickets, FAILED receipts). `None` while the database cannot answer.
async fn under_way(db: &Db, event_id: &str) -> Option<(i64, i64, i64, i64, i64)> {
    let one = |sql: &'static str| async move { sqlx::query_scalar::<_, i64>(sql).bind(event_id).fetch_one(&db.pool).await.ok() };
    Some((
        one("SELECT COUNT(*) FROM orders WHERE event_id = $1 AND status = 'PENDING'").await?,
        one("SELECT COUNT(*) FROM domain_events WHERE published_at IS NULL AND $1 <> ''").await?,
        one(
            "SELECT COUNT(*) FROM orders o WHERE o.event_id = $1 AND o.status = 'PAID' AND \
             (SELECT COUNT(*) FROM tickets t WHERE t.order_id = o.id) <> (SELECT COUNT(*) FROM order_items i WHERE i.order_id = o.id)",
        )
        .await?,
        one("SELECT COUNT(*) FROM event_receipts WHERE state = 'FAILED' AND $1 <> ''").await?,
        // A consumer commits its work, then its receipt: the order may be paid a moment
        // before its event counts as processed.
        one(
            "SELECT COUNT(*) FROM domain_events e WHERE e.event_type IN ('order.placed', 'order.paid') AND $1 <> '' AND NOT EXISTS \
             (SELECT 1 FROM event_receipts r WHERE r.event_id = e.id AND r.state = 'PROCESSED')",
        )
        .await?,
    ))
}

/// Waits (at most `secs`) until every payment resolved, every paid order has its
/// tickets, the outbox drained and no receipt is FAILED; panics naming what is left.
pub async fn wait_until_settled(db: &Db, event_id: &str, secs: u64, log: &std::path::Path) {
    let mut left = None;
    for _ in 0..secs * 10 {
        left = under_way(db, event_id).await;
        if left == Some((0, 0, 0, 0, 0)) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!(
        "not settled after {secs} s: (pending orders, unpublished events, paid orders short of tickets, failed receipts, order events not processed) = {left:?}; see {}",
        log.display()
    );
}

/// Every accepted order resolved (paid or refused, none lost, none expired); sold seats
/// belong to paid orders and held ones to active holds; no seat is sold or ticketed
/// twice; every consumer processed every order event.
pub async fn assert_consistent(db: &Db, event_id: &str, accepted: &[String], seat_count: usize) {
    for id in accepted {
        let status: Option<String> = sqlx::query_scalar("SELECT status FROM orders WHERE id = $1").bind(id).fetch_optional(&db.pool).await.unwrap();
        assert!(matches!(status.as_deref(), Some("PAID" | "REJECTED")), "accepted order {id} is {status:?}");
    }
    let paid = count(db, "SELECT COUNT(*) FROM orders WHERE event_id = $1 AND status = 'PAID'", event_id).await;
    assert!(paid > 0);
    // Each query counts the seats or tickets that break one rule.
    let rules = [
        (
            "every sold seat belongs to a paid order",
            "SELECT COUNT(*) FROM event_seats es LEFT JOIN orders o ON o.id = es.order_id \
             WHERE es.event_id = $1 AND es.status = 'SOLD' AND (o.id IS NULL OR o.status <> 'PAID')",
        ),
        (
            "every held seat belongs to an active hold",
            "SELECT COUNT(*) FROM event_seats es JOIN holds h ON h.id = es.hold_id \
             WHERE es.event_id = $1 AND es.status = 'HELD' AND h.status <> 'ACTIVE'",
        ),
        (
            "every seat of a paid order is sold to that order",
            "SELECT COUNT(*) FROM order_items i JOIN orders o ON o.id = i.order_id \
             JOIN event_seats es ON es.event_id = o.event_id AND es.seat_id = i.seat_id \
             WHERE o.event_id = $1 AND o.status = 'PAID' AND (es.status <> 'SOLD' OR es.order_id <> o.id)",
        ),
        (
            "no seat has two valid tickets",
            "SELECT COUNT(*) FROM (SELECT seat_id FROM tickets WHERE event_id = $1 AND status = 'VALID' GROUP BY seat_id HAVING COUNT(*) > 1) x",
        ),
    ];
    for (rule, breaking) in rules {
        assert_eq!(count(db, breaking, event_id).await, 0, "{rule}");
    }
    let sold = count(db, "SELECT COUNT(*) FROM event_seats WHERE event_id = $1 AND status = 'SOLD'", event_id).await;
    let tickets = count(db, "SELECT COUNT(*) FROM tickets WHERE event_id = $1 AND status = 'VALID'", event_id).await;
    assert_eq!(sold, tickets, "one valid ticket per sold seat");
    let total = count(db, "SELECT COUNT(*) FROM event_seats WHERE event_id = $1", event_id).await;
    assert_eq!(total as usize, seat_count);
    let unfinished: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM domain_events e WHERE e.event_type IN ('order.placed', 'order.paid') AND NOT EXISTS \
         (SELECT 1 FROM event_receipts r WHERE r.event_id = e.id AND r.state = 'PROCESSED')",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!(unfinished, 0, "every order.placed and order.paid was processed");
}

/// Waits until the event has at least `n` orders and some of them wait for their
/// payment; returns how many orders it has.
pub async fn wait_for_orders(db: &Db, event_id: &str, n: i64) -> i64 {
    let mut placed = 0;
    for _ in 0..400 {
        tokio::time::sleep(Duration::from_millis(50)).await;
        placed = count(db, "SELECT COUNT(*) FROM orders WHERE event_id = $1", event_id).await;
        let pending = count(db, "SELECT COUNT(*) FROM orders WHERE event_id = $1 AND status = 'PENDING'", event_id).await;
        if placed >= n && pending > 0 {
            break;
        }
    }
    placed
}
