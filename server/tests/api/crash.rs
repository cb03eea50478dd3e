//! Crash safety: the real server binary, killed with SIGKILL in the middle of a rush and
//! started again, loses no placed order, leaves no seat both sold and held, and drains
//! its outbox. SQLite with the in-process bus always; PostgreSQL (with RabbitMQ when
//! `TEST_AMQP_URL` is set) when `TEST_DATABASE_URL` is set.

use std::path::PathBuf;
use std::process::Stdio;
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

use crate::helpers::{drop_postgres, fresh_postgres};

const PASSWORD: &str = "violet-tram-orbit-42";
const BUYERS: usize = 12;
/// Base64 of 32 bytes: the key the PostgreSQL variant's processes share.
const TEST_SIGNING_KEY: &str = "dGFxdWlsbGEtY3Jhc2gtdGVzdC1zaWduaW5nLWtleSE=";

/// Where the server keeps its state between the two runs.
struct Setup {
    env: Vec<(String, String)>,
    db_url: String,
    data_dir: PathBuf,
    port: u16,
    postgres: Option<(String, String)>,
}

impl Setup {
    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// Starts `taquilla serve --with-workers` and waits until it is ready.
    async fn start(&self, http: &reqwest::Client) -> Child {
        let log = std::fs::OpenOptions::new().create(true).append(true).open(self.data_dir.join("server.log")).unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_taquilla"))
            .args(["serve", "--with-workers"])
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .stdout(Stdio::null())
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
        panic!("the server did not become ready; see {}", self.data_dir.join("server.log").display());
    }
}

async fn setup(postgres: bool) -> Option<Setup> {
    let data_dir = std::env::temp_dir().join(format!("taquilla-crash-{}", uuid::Uuid::new_v4().simple()));
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
    let (db_url, postgres) = if postgres {
        let base = std::env::var("TEST_DATABASE_URL").ok().filter(|u| !u.is_empty())?;
        let (url, name) = fresh_postgres(&base).await;
        env.push(("DATABASE_URL".into(), url.clone()));
        // Every non-embedded process signs with the shared key (the same across the restart).
        env.push(("TAQUILLA_SIGNING_KEY".into(), TEST_SIGNING_KEY.into()));
        if let Some(amqp) = std::env::var("TEST_AMQP_URL").ok().filter(|u| !u.is_empty()) {
            env.push(("AMQP_URL".into(), amqp));
            env.push(("TAQUILLA_AMQP_PREFIX".into(), format!("taquilla-crash-{}", uuid::Uuid::new_v4().simple())));
            env.push(("TAQUILLA_AMQP_QUEUE_EXPIRES_MS".into(), "120000".into()));
        }
        (url, Some((base, name)))
    } else {
        (format!("sqlite://{}?mode=rwc", data_dir.join("taquilla.db").display()), None)
    };
    Some(Setup { env, db_url, data_dir, port, postgres })
}

/// Logs in from its own address and returns the bearer token.
async fn login(http: &reqwest::Client, setup: &Setup, email: &str, ip: &str) -> String {
    let res = http
        .post(setup.url("/api/v1/auth/login"))
        .header("x-forwarded-for", ip)
        .json(&json!({ "email": email, "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "login of {email}");
    res.json::<Value>().await.unwrap()["token"].as_str().unwrap().to_owned()
}

/// An event of 10 × 20 seats, on sale; returns its id and seat ids.
async fn event_on_sale(http: &reqwest::Client, setup: &Setup, admin: &str) -> (String, Vec<String>) {
    let venue: Value = http
        .post(setup.url("/api/v1/venues"))
        .bearer_auth(admin)
        .json(&json!({ "name": "Crash Hall", "city": "Testing", "sections": [{ "name": "Floor", "rows": 10, "seats_per_row": 20 }] }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let section = venue["sections"][0]["id"].as_str().expect("venue created").to_owned();
    let starts = time::OffsetDateTime::now_utc() + time::Duration::days(3);
    let fmt = &time::format_description::well_known::Rfc3339;
    let event: Value = http
        .post(setup.url("/api/v1/events"))
        .bearer_auth(admin)
        .json(&json!({ "title": "Crash Night", "category": "test", "venue_id": venue["id"],
                       "starts_at": starts.format(fmt).unwrap(), "ends_at": (starts + time::Duration::hours(2)).format(fmt).unwrap(),
                       "prices": [{ "section_id": section, "price_cents": 3000 }] }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let event_id = event["id"].as_str().expect("event created").to_owned();
    let res = http.patch(setup.url(&format!("/api/v1/events/{event_id}"))).bearer_auth(admin).json(&json!({ "status": "ON_SALE" })).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let seats: Value = http.get(setup.url(&format!("/api/v1/events/{event_id}/seats"))).send().await.unwrap().json().await.unwrap();
    let ids = seats["items"].as_array().unwrap().iter().map(|s| s["id"].as_str().unwrap().to_owned()).collect();
    (event_id, ids)
}

/// One buyer: holds 1–3 seats and pays (one order in five with the declined card) until
/// the server stops answering. Returns the ids of the orders the server accepted (202).
async fn buyer(http: reqwest::Client, base: String, event_id: String, token: String, ip: String, seats: Arc<Mutex<Vec<String>>>) -> Vec<String> {
    let mut accepted = Vec::new();
    loop {
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
            tokio::time::sleep(Duration::from_millis(20)).await;
            continue;
        }
        seats.lock().await.retain(|s| !want.contains(s));
        let card = if rand::thread_rng().gen_ratio(1, 5) { "4000000000000002" } else { "4242424242424242" };
        let Ok(res) = http
            .post(format!("{base}/api/v1/orders"))
            .bearer_auth(&token)
            .header("x-forwarded-for", &ip)
            .header("idempotency-key", uuid::Uuid::new_v4().to_string())
            .json(&json!({ "hold_id": body["id"], "payment": { "card_number": card, "exp_month": 12, "exp_year": 2035, "cvc": "123", "name": "Crash Buyer" } }))
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
}

async fn count(db: &Db, sql: &str, event_id: &str) -> i64 {
    sqlx::query_scalar(sql).bind(event_id).fetch_one(&db.pool).await.unwrap()
}

async fn killed_mid_rush_and_restarted(postgres: bool) {
    let Some(setup) = setup(postgres).await else {
        eprintln!("TEST_DATABASE_URL is not set: PostgreSQL variant not run");
        return;
    };
    let http = reqwest::Client::builder().timeout(Duration::from_secs(20)).build().unwrap();
    let mut server = setup.start(&http).await;

    // People, created directly in the database the server migrated.
    let db = Db::connect(&setup.db_url, 4).await.unwrap();
    let hasher = PasswordHasher::new(2);
    let hash = hasher.hash(PASSWORD).await.unwrap();
    let person = |email: String, role| NewUser { email, display_name: "Crash Test".into(), password: PASSWORD.into(), role, skills: vec![] };
    insert_user(&db, &person("crash-admin@example.com".into(), Role::Admin), &hash).await.unwrap();
    let admin = login(&http, &setup, "crash-admin@example.com", "10.9.0.1").await;
    let (event_id, seat_ids) = event_on_sale(&http, &setup, &admin).await;
    let mut tokens = Vec::new();
    for i in 0..BUYERS {
        let email = format!("crash-buyer-{i}@example.com");
        insert_user(&db, &person(email.clone(), Role::Customer), &hash).await.unwrap();
        tokens.push(login(&http, &setup, &email, &format!("10.9.1.{i}")).await);
    }

    // The rush, and SIGKILL once some payments are under way.
    let seats = Arc::new(Mutex::new(seat_ids.clone()));
    let buyers: Vec<_> = tokens
        .into_iter()
        .enumerate()
        .map(|(i, token)| tokio::spawn(buyer(http.clone(), setup.url(""), event_id.clone(), token, format!("10.9.1.{i}"), seats.clone())))
        .collect();
    let mut placed_before_kill = 0;
    for _ in 0..200 {
        tokio::time::sleep(Duration::from_millis(50)).await;
        placed_before_kill = count(&db, "SELECT COUNT(*) FROM orders WHERE event_id = $1", &event_id).await;
        if placed_before_kill >= 15 {
            break;
        }
    }
    server.start_kill().unwrap();
    server.wait().await.unwrap();
    let mut accepted = Vec::new();
    for b in buyers {
        accepted.extend(b.await.unwrap());
    }
    assert!(placed_before_kill >= 15, "the rush placed orders before the kill ({placed_before_kill})");
    let pending_at_kill = count(&db, "SELECT COUNT(*) FROM orders WHERE event_id = $1 AND status = 'PENDING'", &event_id).await;
    assert!(pending_at_kill > 0, "some payments were under way when the server was killed");

    // Restarted, it finishes what was under way.
    let mut server = setup.start(&http).await;
    let mut settled = false;
    for _ in 0..600 {
        let pending = count(&db, "SELECT COUNT(*) FROM orders WHERE event_id = $1 AND status = 'PENDING'", &event_id).await;
        let unpublished: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM domain_events WHERE published_at IS NULL").fetch_one(&db.pool).await.unwrap();
        let unticketed = count(
            &db,
            "SELECT COUNT(*) FROM orders o WHERE o.event_id = $1 AND o.status = 'PAID' AND \
             (SELECT COUNT(*) FROM tickets t WHERE t.order_id = o.id) <> (SELECT COUNT(*) FROM order_items i WHERE i.order_id = o.id)",
            &event_id,
        )
        .await;
        if pending == 0 && unpublished == 0 && unticketed == 0 {
            settled = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(settled, "after the restart every payment resolved, every paid order got its tickets and the outbox drained");

    // No order the server accepted was lost.
    for id in &accepted {
        let status: Option<String> = sqlx::query_scalar("SELECT status FROM orders WHERE id = $1").bind(id).fetch_optional(&db.pool).await.unwrap();
        assert!(matches!(status.as_deref(), Some("PAID" | "REJECTED")), "accepted order {id} is {status:?}");
    }
    let paid = count(&db, "SELECT COUNT(*) FROM orders WHERE event_id = $1 AND status = 'PAID'", &event_id).await;
    assert!(paid > 0);

    // The seats: sold ones belong to paid orders, held ones to active holds, none twice.
    let sold_not_paid = count(
        &db,
        "SELECT COUNT(*) FROM event_seats es LEFT JOIN orders o ON o.id = es.order_id \
         WHERE es.event_id = $1 AND es.status = 'SOLD' AND (o.id IS NULL OR o.status <> 'PAID')",
        &event_id,
    )
    .await;
    assert_eq!(sold_not_paid, 0, "every sold seat belongs to a paid order");
    let held_not_active = count(
        &db,
        "SELECT COUNT(*) FROM event_seats es JOIN holds h ON h.id = es.hold_id \
         WHERE es.event_id = $1 AND es.status = 'HELD' AND h.status <> 'ACTIVE'",
        &event_id,
    )
    .await;
    assert_eq!(held_not_active, 0, "every held seat belongs to an active hold");
    let paid_items_not_sold = count(
        &db,
        "SELECT COUNT(*) FROM order_items i JOIN orders o ON o.id = i.order_id \
         JOIN event_seats es ON es.event_id = o.event_id AND es.seat_id = i.seat_id \
         WHERE o.event_id = $1 AND o.status = 'PAID' AND (es.status <> 'SOLD' OR es.order_id <> o.id)",
        &event_id,
    )
    .await;
    assert_eq!(paid_items_not_sold, 0, "every seat of a paid order is sold to that order");
    let twice = count(
        &db,
        "SELECT COUNT(*) FROM (SELECT seat_id FROM tickets WHERE event_id = $1 AND status = 'VALID' GROUP BY seat_id HAVING COUNT(*) > 1) x",
        &event_id,
    )
    .await;
    assert_eq!(twice, 0, "no seat has two valid tickets");
    let sold = count(&db, "SELECT COUNT(*) FROM event_seats WHERE event_id = $1 AND status = 'SOLD'", &event_id).await;
    let tickets = count(&db, "SELECT COUNT(*) FROM tickets WHERE event_id = $1 AND status = 'VALID'", &event_id).await;
    assert_eq!(sold, tickets, "one valid ticket per sold seat");
    let total = count(&db, "SELECT COUNT(*) FROM event_seats WHERE event_id = $1", &event_id).await;
    assert_eq!(total as usize, seat_ids.len());
    // Every consumer finished every event it was handed.
    let unfinished: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM domain_events e WHERE e.event_type IN ('order.placed', 'order.paid') AND NOT EXISTS \
         (SELECT 1 FROM event_receipts r WHERE r.event_id = e.id AND r.state = 'PROCESSED')",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!(unfinished, 0, "every order.placed and order.paid was processed");

    server.start_kill().unwrap();
    server.wait().await.unwrap();
    db.pool.close().await;
    if let Some((base, name)) = &setup.postgres {
        drop_postgres(base, name).await;
    }
    let _ = std::fs::remove_dir_all(&setup.data_dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_mid_rush_sqlite() {
    killed_mid_rush_and_restarted(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_mid_rush_postgres() {
    killed_mid_rush_and_restarted(true).await;
}
