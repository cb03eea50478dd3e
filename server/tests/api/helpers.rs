//! `spawn_app`: the real router on 127.0.0.1:0 with a fresh database per test — SQLite
//! always, PostgreSQL when `TEST_DATABASE_URL` is set — and the in-process bus or, when
//! `TEST_AMQP_URL` is set and asked for, RabbitMQ with queue names of its own.

use std::net::SocketAddr;
use std::time::Duration;

use app::db::Db;
use app::state::{AppState, Settings};
use app::users::service::{insert_user, NewUser};
use app::users::Role;
use server::bus::{Bus, InProcessBus, RabbitBus, RabbitOptions};

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
    cleanup: Option<(String, String)>,
}

fn test_settings() -> Settings {
    Settings { payment_delay: Duration::from_millis(50), ..Settings::default() }
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

    /// With `rabbit`, the bus is RabbitMQ (`None` when `TEST_AMQP_URL` is unset).
    pub async fn spawn_with(backend: Backend, rabbit: bool) -> Option<TestApp> {
        Self::spawn_configured(backend, rabbit, |_| {}).await
    }

    /// With settings adjusted by `configure` (short hold times, slow payments, …).
    pub async fn spawn_configured(backend: Backend, rabbit: bool, configure: impl FnOnce(&mut Settings)) -> Option<TestApp> {
        let _ = tracing_subscriber::fmt()
            .with_test_writer()
            .with_env_filter(std::env::var("RUST_LOG").unwrap_or_else(|_| "warn".into()))
            .try_init();
        let mut cleanup = None;
        let url = match backend {
            Backend::Sqlite => {
                let dir = std::env::temp_dir().join(format!("taquilla-test-{}", uuid::Uuid::new_v4().simple()));
                std::fs::create_dir_all(&dir).unwrap();
                format!("sqlite://{}?mode=rwc", dir.join("test.db").display())
            }
            Backend::Postgres => {
                let base = std::env::var("TEST_DATABASE_URL").ok().filter(|u| !u.is_empty())?;
                let (url, name) = fresh_postgres(&base).await;
                cleanup = Some((base, name));
                url
            }
        };
        let db = Db::connect(&url, 10).await.expect("connecting to the test database");
        db.migrate().await.expect("migrating the test database");

        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr: SocketAddr = listener.local_addr().unwrap();
        let options = leptos::prelude::LeptosOptions::builder()
            .output_name("taquilla")
            .site_root("target/site")
            .site_addr(addr)
            .build();
        let mut settings = Settings { public_url: format!("http://{addr}"), ..test_settings() };
        configure(&mut settings);
        let state = AppState::new(options, db, settings);

        let bus = if rabbit {
            let amqp = std::env::var("TEST_AMQP_URL").ok().filter(|u| !u.is_empty())?;
            let options = RabbitOptions {
                url: amqp,
                prefix: format!("taquilla-test-{}", uuid::Uuid::new_v4().simple()),
                queue_expires_ms: Some(60_000),
            };
            Bus::Rabbit(RabbitBus::connect(options).await.expect("connecting to TEST_AMQP_URL"))
        } else {
            Bus::InProcess(InProcessBus::default())
        };
        // On PostgreSQL the workers have connections of their own, as in `serve --with-workers`.
        let workers = server::startup::worker_state(&state, &url, 4).await.expect("connecting the workers");
        server::workers::spawn_all(&workers, &bus).await.expect("starting workers");
        tokio::spawn(server::startup::serve_on(listener, state.clone(), bus.clone()));

        let client = reqwest::Client::builder().cookie_store(true).build().unwrap();
        Some(TestApp { address: format!("http://{addr}"), state, workers, bus, client, backend, db_url: url, cleanup })
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    pub fn api(&self, path: &str) -> String {
        format!("{}/api/v1{path}", self.address)
    }

    /// Creates a user directly (no rate limits) and returns its id.
    pub async fn create_user(&self, email: &str, password: &str, role: Role) -> String {
        let hash = self.state.hasher.hash(password).await.unwrap();
        let new = NewUser { email: email.into(), display_name: format!("Test {role:?}"), password: password.into(), role, skills: vec![] };
        insert_user(&self.state.db, &new, &hash).await.unwrap().id.to_string()
    }

    /// Logs in through the API and returns the bearer token.
    pub async fn login(&self, email: &str, password: &str) -> String {
        let res = self
            .client
            .post(self.api("/auth/login"))
            .json(&serde_json::json!({ "email": email, "password": password }))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "login of {email} failed");
        let body: serde_json::Value = res.json().await.unwrap();
        body["token"].as_str().unwrap().to_owned()
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
        self.state.hold_batcher.close().await;
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

/// A customer who can buy: returns the bearer token.
impl TestApp {
    pub async fn customer(&self, email: &str) -> String {
        self.create_user(email, "violet-tram-orbit-42", Role::Customer).await;
        self.login(email, "violet-tram-orbit-42").await
    }
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
                        None => eprintln!("TEST_DATABASE_URL is not set: PostgreSQL variant not run"),
                    }
                }
            }
        )*
    };
}
