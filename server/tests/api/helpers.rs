//! `spawn_app`: the real router on 127.0.0.1:0 with a fresh database per test — SQLite
//! always, PostgreSQL when `TEST_DATABASE_URL` is set — and the in-process bus or, when
//! `TEST_AMQP_URL` is set and asked for, RabbitMQ with queue names of its own.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::time::Duration;

use serde_json::{json, Value};

use app::db::Db;
use app::state::AppState;
use app::tickets::signing::TicketSigner;
use app::users::service::{insert_user, NewUser};
use app::users::Role;
use server::bus::Bus;
use server::config::Config;
use server::startup::Taquilla;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub struct TestApp {
    pub address: String,
    pub state: AppState,
    /// The relay's and the consumers' state: on PostgreSQL with connections of its own.
    pub workers: AppState,
    pub bus: Bus,
    pub client: reqwest::Client,
    #[allow(dead_code)]
    pub backend: Backend,
    /// The test database's URL, for tests that open connections of their own.
    pub db_url: String,
    /// The configuration it started with, for tests that start a second process beside it.
    pub config: Config,
    cleanup: Option<(String, String)>,
}

/// A fresh PostgreSQL database for one test: (url of the new database, its name).
pub async fn fresh_postgres(base: &str) -> (String, String) {
    let name = format!("taquilla_test_{}", uuid::Uuid::new_v4().simple());
    let admin = Db::connect(base, 1).await.expect("connecting to TEST_DATABASE_URL");
    sqlx::query(&format!("CREATE DATABASE {name}")).execute(&admin.pool).await.expect("creating a test database");
    admin.pool.close().await;
    let (prefix, _) = base.rsplit_once('/').expect("TEST_DATABASE_URL ends with /<database>");
    (format!("{prefix}/{name}"), name)
}

impl TestApp {
    /// `None` when the backend is not configured in this environment.
    pub async fn spawn(backend: Backend) -> Option<TestApp> {
        Self::spawn_with(backend, false).await
    }

    /// [`TestApp::spawn_with`], saying through [`not_run`] that `test` did not run when what
    /// it asks for (PostgreSQL, RabbitMQ) is not configured here.
    pub async fn spawn_or_skip(backend: Backend, rabbit: bool, test: &str) -> Option<TestApp> {
        let app = Self::spawn_with(backend, rabbit).await;
        if app.is_none() {
            let why = match (backend, rabbit) {
                (Backend::Postgres, true) => "TEST_DATABASE_URL or TEST_AMQP_URL is not set",
                (Backend::Postgres, false) => "TEST_DATABASE_URL is not set",
                (Backend::Sqlite, _) => "TEST_AMQP_URL is not set",
            };
            not_run(test, why);
        }
        app
    }

    /// With `rabbit`, the bus is RabbitMQ (`None` when `TEST_AMQP_URL` is unset).
    pub async fn spawn_with(backend: Backend, rabbit: bool) -> Option<TestApp> {
        Self::spawn_configured(backend, rabbit, |_| {}).await
    }

    /// With the configuration adjusted by `configure` (short hold times, slow payments, …).
    /// The app starts as `taquilla serve --with-workers` does, through
    /// [`Taquilla::assemble`], with a configuration of its own: a fresh database and data
    /// directory, no demo data, payments answered after 50 ms.
    pub async fn spawn_configured(backend: Backend, rabbit: bool, configure: impl FnOnce(&mut Config)) -> Option<TestApp> {
        let _ = tracing_subscriber::fmt()
            .with_test_writer()
            .with_env_filter(std::env::var("RUST_LOG").unwrap_or_else(|_| "warn".into()))
            .try_init();
        let data_dir = std::env::temp_dir().join(format!("taquilla-test-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&data_dir).unwrap();
        let mut cleanup = None;
        let url = match backend {
            Backend::Sqlite => format!("sqlite://{}?mode=rwc", data_dir.join("test.db").display()),
            Backend::Postgres => {
                let base = std::env::var("TEST_DATABASE_URL").ok().filter(|u| !u.is_empty())?;
                let (url, name) = fresh_postgres(&base).await;
                cleanup = Some((base, name));
                url
            }
        };
        let amqp_url = match rabbit {
            true => Some(std::env::var("TEST_AMQP_URL").ok().filter(|u| !u.is_empty())?),
            false => None,
        };
        // Every process of a deployment signs with one key; so does the test's.
        let key_file = data_dir.join("ticket-signing.key");
        TicketSigner::load_or_create(&key_file).expect("creating a signing key");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr: SocketAddr = listener.local_addr().unwrap();
        let mut config = Config {
            addr,
            data_dir,
            database_url: Some(url.clone()),
            amqp_url,
            amqp_prefix: format!("taquilla-test-{}", uuid::Uuid::new_v4().simple()),
            amqp_queue_expires_ms: Some(60_000),
            public_url: Some(format!("http://{addr}")),
            trusted_proxies: String::new(),
            db_pool: Some(10),
            worker_db_pool: Some(4),
            // The house default is Spanish; the tests read English unless they ask otherwise.
            default_locale: "en".into(),
            hold_ttl_secs: 600,
            payment_delay_ms: Some(50),
            demo: Some("off".into()),
            signing_key: Some(std::fs::read_to_string(&key_file).unwrap()),
            data_key: Some(app::sealing::DataKeys::new_key_spec("test").unwrap()),
            consumer_attempts: 5,
            // Email as .eml files under the test's data directory.
            smtp_url: None,
            mail_from: "Taquilla <no-reply@taquilla.localhost>".into(),
            streams_per_address: 100,
            streams_per_user: 10,
            log_format: "pretty".into(),
            site_root: "target/site".into(),
        };
        configure(&mut config);
        let taquilla = Taquilla::assemble(&config).await.expect("starting the app");
        let workers = taquilla.start_workers(&config, &tokio::runtime::Handle::current()).await.expect("starting the workers");
        let (state, bus) = (taquilla.state.clone(), taquilla.bus.clone());
        tokio::spawn(taquilla.serve_on(listener));

        let client = reqwest::Client::builder().cookie_store(true).build().unwrap();
        Some(TestApp { address: format!("http://{addr}"), state, workers, bus, client, backend, db_url: url, config, cleanup })
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    pub fn api(&self, path: &str) -> String {
        format!("{}/api/v1{path}", self.address)
    }

    /// Creates a user directly (no rate limits) and returns its id.
    pub async fn create_user(&self, email: &str, password: &str, role: Role) -> String {
        let hash = self.state.accounts.hasher.hash(password).await.unwrap();
        let new = NewUser { email: email.into(), display_name: format!("Test {role:?}"), password: password.into(), role, skills: vec![] };
        insert_user(&self.state.db, &new, &hash).await.unwrap().id.to_string()
    }

    /// Logs in through the API and returns the bearer token.
    pub async fn login(&self, email: &str, password: &str) -> String {
        log_in(&self.client, &self.api(""), email, password, None).await
    }

    /// Polls `check` until it holds, for at most `secs` seconds.
    pub async fn eventually<F, Fut>(&self, secs: u64, mut check: F) -> bool
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = bool>,
    {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
        while tokio::time::Instant::now() < deadline {
            if check().await {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        false
    }

    /// Drops the PostgreSQL test database.
    pub async fn cleanup(mut self) {
        self.state.db.pool.close().await;
        self.workers.db.pool.close().await;
        self.state.holds.close().await;
        if let Some((base, name)) = self.cleanup.take() {
            drop_postgres(&base, &name).await;
        }
    }
}

/// Drops a database made by [`fresh_postgres`].
/// Takes every connection `pool` will hand out (until one is not handed out within
/// 300 ms), to stand for work that keeps them all busy.
pub async fn take_every_connection(pool: &sqlx::AnyPool) -> Vec<sqlx::pool::PoolConnection<sqlx::Any>> {
    let mut busy = Vec::new();
    while let Ok(Ok(conn)) = tokio::time::timeout(Duration::from_millis(300), pool.acquire()).await {
        busy.push(conn);
    }
    busy
}

pub async fn drop_postgres(base: &str, name: &str) {
    if let Ok(admin) = Db::connect(base, 1).await {
        let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&admin.pool).await;
    }
}

/// The test card the simulated gateway approves.
pub const APPROVED: &str = "4242 4242 4242 4242";

/// A payment with `card`, as the API takes it.
pub fn payment(card: &str) -> Value {
    json!({ "card_number": card, "exp_month": 12, "exp_year": 2031, "cvc": "123", "name": "Ana García" })
}

/// A buyer's steps through the API.
impl TestApp {
    /// A customer who can buy: returns the bearer token.
    pub async fn customer(&self, email: &str) -> String {
        self.create_user(email, "violet-tram-orbit-42", Role::Customer).await;
        self.login(email, "violet-tram-orbit-42").await
    }

    /// Seeds the demo catalog; returns (event id, the first `n` seat ids of its map).
    pub async fn event_with_seats(&self, n: usize) -> (String, Vec<String>) {
        server::seed::seed_demo(&self.state).await.unwrap();
        let page: Value = self.client.get(self.api("/events?q=Mahler")).send().await.unwrap().json().await.unwrap();
        let event = page["items"][0]["id"].as_str().unwrap().to_owned();
        let seats: Value = self.client.get(self.api(&format!("/events/{event}/seats"))).send().await.unwrap().json().await.unwrap();
        let ids = seats["items"].as_array().unwrap().iter().take(n).map(|s| s["id"].as_str().unwrap().to_owned()).collect();
        (event, ids)
    }

    pub async fn hold(&self, token: &str, event: &str, seats: &[String]) -> reqwest::Response {
        reqwest::Client::new()
            .post(self.api(&format!("/events/{event}/holds")))
            .bearer_auth(token)
            .json(&json!({ "seat_ids": seats }))
            .send()
            .await
            .unwrap()
    }

    pub async fn order(&self, token: &str, hold_id: &str, card: &str, key: &str) -> reqwest::Response {
        reqwest::Client::new()
            .post(self.api("/orders"))
            .bearer_auth(token)
            .header("idempotency-key", key)
            .json(&json!({ "hold_id": hold_id, "payment": payment(card) }))
            .send()
            .await
            .unwrap()
    }

    /// GET `path` of the API as `token`: the status and the JSON body (null if none).
    pub async fn get(&self, token: &str, path: &str) -> (u16, Value) {
        let res = reqwest::Client::new().get(self.api(path)).bearer_auth(token).send().await.unwrap();
        (res.status().as_u16(), res.json().await.unwrap_or(Value::Null))
    }

    /// The order once it has `status` (and, when PAID, its tickets), within 10 s.
    pub async fn wait_for_status(&self, token: &str, order_id: &str, status: &str) -> Value {
        let mut last = Value::Null;
        for _ in 0..200 {
            let (_, o) = self.get(token, &format!("/orders/{order_id}")).await;
            if o["status"] == status && (status != "PAID" || !o["ticket_ids"].as_array().unwrap().is_empty()) {
                return o;
            }
            last = o;
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("order never became {status}: {last}");
    }

    /// `token`'s order of `seats`, held, paid with the approved card and waited for until
    /// its tickets are issued: the order as the API answers it.
    pub async fn paid_order(&self, token: &str, event: &str, seats: &[String], key: &str) -> Value {
        let res = self.hold(token, event, seats).await;
        assert_eq!(res.status(), 201, "holding {seats:?}");
        let h: Value = res.json().await.unwrap();
        let o: Value = self.order(token, h["id"].as_str().unwrap(), APPROVED, key).await.json().await.unwrap();
        self.wait_for_status(token, o["id"].as_str().unwrap(), "PAID").await
    }

    /// Every seat of the event with its status, by seat id.
    pub async fn seat_statuses(&self, event: &str) -> HashMap<String, String> {
        let seats: Value = self.client.get(self.api(&format!("/events/{event}/seats"))).send().await.unwrap().json().await.unwrap();
        seats["items"].as_array().unwrap().iter().map(|s| (s["id"].as_str().unwrap().to_owned(), s["status"].as_str().unwrap().to_owned())).collect()
    }
}

/// Says that the test `test` did not run here, and why: on its output, and, when
/// `TAQUILLA_NOT_RUN_LOG` names a file (as `make test` does), as a line of that file, so
/// the run can end by saying what did not run.
pub fn not_run(test: &str, why: &str) {
    use std::io::Write;
    eprintln!("{test}: NOT RUN: {why}");
    if let Some(path) = std::env::var_os("TAQUILLA_NOT_RUN_LOG").filter(|p| !p.is_empty()) {
        if let Ok(mut log) = std::fs::OpenOptions::new().create(true).append(true).open(path) {
            let _ = log.write_all(format!("{why}\t{test}\n").as_bytes());
        }
    }
}

/// Logs in through the API at `api` (`…/api/v1`), from `ip` when given (a trusted proxy's
/// `X-Forwarded-For`), and returns the bearer token.
pub async fn log_in(http: &reqwest::Client, api: &str, email: &str, password: &str, ip: Option<&str>) -> String {
    let mut request = http.post(format!("{api}/auth/login")).json(&json!({ "email": email, "password": password }));
    if let Some(ip) = ip {
        request = request.header("x-forwarded-for", ip);
    }
    let res = request.send().await.unwrap();
    assert_eq!(res.status(), 200, "login of {email}");
    res.json::<Value>().await.unwrap()["token"].as_str().unwrap().to_owned()
}

/// An event on sale thirty days ahead, made through the API at `api` as `organizer`: a
/// venue with the fields of `venue` (its `sections` give the seats), the event with the
/// fields of `event`, every section at `price_cents`. Answers the event as the API does.
pub async fn event_on_sale(http: &reqwest::Client, api: &str, organizer: &str, venue: Value, event: Value, price_cents: i64) -> Value {
    let res = http.post(format!("{api}/venues")).bearer_auth(organizer).json(&venue).send().await.unwrap();
    assert_eq!(res.status(), 201, "creating the venue");
    let venue: Value = res.json().await.unwrap();
    let starts = time::OffsetDateTime::now_utc() + time::Duration::days(30);
    let rfc = |t: time::OffsetDateTime| t.format(&time::format_description::well_known::Rfc3339).unwrap();
    let mut body = event;
    body["venue_id"] = venue["id"].clone();
    body["starts_at"] = json!(rfc(starts));
    body["ends_at"] = json!(rfc(starts + time::Duration::hours(2)));
    body["prices"] = venue["sections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| json!({ "section_id": s["id"], "price_cents": price_cents }))
        .collect();
    let res = http.post(format!("{api}/events")).bearer_auth(organizer).json(&body).send().await.unwrap();
    assert_eq!(res.status(), 201, "creating the event");
    let event: Value = res.json().await.unwrap();
    let id = event["id"].as_str().unwrap();
    let res = http.patch(format!("{api}/events/{id}")).bearer_auth(organizer).json(&json!({ "status": "ON_SALE" })).send().await.unwrap();
    assert_eq!(res.status(), 200, "putting the event on sale");
    res.json().await.unwrap()
}

/// Runs a test body on SQLite and, when configured, on PostgreSQL.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                use super::*;

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    let app = TestApp::spawn(Backend::Sqlite).await.expect("SQLite is always available");
                    super::$name(&app).await;
                    app.cleanup().await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    match TestApp::spawn(Backend::Postgres).await {
                        Some(app) => {
                            super::$name(&app).await;
                            app.cleanup().await;
                        }
                        None => $crate::helpers::not_run(module_path!(), "TEST_DATABASE_URL is not set"),
                    }
                }
            }
        )*
    };
}

/// A new user with `display_name`, signed in on a client of their own (cookie); answers the
/// client and a bearer token.
pub async fn signed_in(app: &TestApp, email: &str, display_name: &str, password: &str, role: Role) -> (reqwest::Client, String) {
    let hash = app.state.accounts.hasher.hash(password).await.unwrap();
    let new = NewUser { email: email.into(), display_name: display_name.into(), password: password.into(), role, skills: vec![] };
    insert_user(&app.state.db, &new, &hash).await.unwrap();
    let client = reqwest::Client::builder().cookie_store(true).build().unwrap();
    let token = log_in(&client, &app.api(""), email, password, None).await;
    (client, token)
}
