//! The database handle shared by every domain: one pool over SQLite or PostgreSQL.
//!
//! Domain queries are written once in portable SQL with `$n` placeholders (both engines
//! accept them). Times are integer milliseconds since the epoch, ids UUID strings.

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Notify;

use sqlx::any::{AnyPoolOptions, AnyConnectOptions};
use sqlx::{AnyPool, Executor};

use crate::error::AppError;

pub type Tx = sqlx::Transaction<'static, sqlx::Any>;

/// What a store's method answers: its work against the database, to await. Stores are
/// chosen once for the backend and reached as trait objects, so their futures are boxed.
pub type DbFuture<'a, T> = std::pin::Pin<Box<dyn std::future::Future<Output = Result<T, AppError>> + Send + 'a>>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Clone)]
pub struct Db {
    pub pool: AnyPool,
    pub backend: Backend,
    /// Wakes the outbox relay after a commit that wrote events; shared by every handle on
    /// the same database.
    relay: Arc<Notify>,
}

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/postgres");

impl Db {
    /// Connects to `url` (`sqlite://…` or `postgres://…`).
    pub async fn connect(url: &str, max_connections: u32) -> Result<Db, sqlx::Error> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("postgres") { Backend::Postgres } else { Backend::Sqlite };
        let options = AnyConnectOptions::from_str(url)?;
        let pool = Self::pool_options(backend, max_connections).connect_with(options).await?;
        Ok(Db { pool, backend, relay: Arc::new(Notify::new()) })
    }

    /// Up to `max_connections` more connections to the same database, set up alike, for
    /// work that must not wait for a connection behind everything else; each is made on
    /// first use.
    pub fn more_connections(&self, max_connections: u32) -> Db {
        let options = (*self.pool.connect_options()).clone();
        Db {
            pool: Self::pool_options(self.backend, max_connections).connect_lazy_with(options),
            backend: self.backend,
            relay: self.relay.clone(),
        }
    }

    fn pool_options(backend: Backend, max_connections: u32) -> AnyPoolOptions {
        let pool_options = AnyPoolOptions::new()
            .max_connections(max_connections)
            .acquire_timeout(Duration::from_secs(10));
        match backend {
            Backend::Sqlite => pool_options.after_connect(|conn, _meta| {
                Box::pin(async move {
                    conn.execute("PRAGMA journal_mode = WAL").await?;
                    conn.execute("PRAGMA foreign_keys = ON").await?;
                    conn.execute("PRAGMA busy_timeout = 10000").await?;
                    // FULL: a transaction is on disk (the WAL synced) when its commit
                    // returns. With NORMAL a power loss or an OS crash (not a killed
                    // process) can lose the last commits, such as an order already
                    // answered 202.
                    conn.execute("PRAGMA synchronous = FULL").await?;
                    Ok(())
                })
            }),
            Backend::Postgres => pool_options.after_connect(|conn, _meta| {
                Box::pin(async move {
                    // sqlx prepares each statement once per connection. By default
                    // PostgreSQL still plans every execution again for its values
                    // ("custom plans") while it estimates that cheaper, which for the
                    // box office's many-table statements is always: planning took an
                    // eighth of the database's CPU in an on-sale rush. The hot
                    // statements look rows up by key, so one plan serves all values.
                    conn.execute("SET plan_cache_mode = force_generic_plan").await?;
                    // Just-in-time compilation is for long analytical queries. A
                    // generic plan's estimates for JSON inputs can pass its cost
                    // threshold, and then every execution of a one-millisecond
                    // statement spends tens of milliseconds compiling.
                    conn.execute("SET jit = off").await?;
                    Ok(())
                })
            }),
        }
    }

    pub async fn migrate(&self) -> Result<(), sqlx::migrate::MigrateError> {
        match self.backend {
            Backend::Sqlite => SQLITE_MIGRATIONS.run(&self.pool).await,
            Backend::Postgres => POSTGRES_MIGRATIONS.run(&self.pool).await,
        }
    }

    /// A transaction for work that reads then writes. On SQLite it takes the write lock up
    /// front (`BEGIN IMMEDIATE`) so that concurrent writers wait on the busy timeout
    /// instead of failing when they upgrade a read snapshot.
    pub async fn begin_write(&self) -> Result<Tx, AppError> {
        let tx = match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.pool.begin().await?,
        };
        Ok(tx)
    }

    /// Tells the outbox relay that a transaction which wrote events has committed.
    pub fn wake_relay(&self) {
        self.relay.notify_one();
    }

    /// Resolves when [`Db::wake_relay`] is called (or was, since the last wait).
    pub async fn relay_woken(&self) {
        self.relay.notified().await
    }

    /// This handle's connections, waking the relay of `other`: for a second pool onto the
    /// same database made on its own.
    pub fn waking_relay_of(self, other: &Db) -> Db {
        Db { relay: other.relay.clone(), ..self }
    }

    /// Checks that the database answers.
    pub async fn ping(&self) -> Result<(), AppError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }
}

/// Milliseconds since the Unix epoch, now.
pub fn now_ms() -> i64 {
    (time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64
}

/// Milliseconds since the epoch → a UTC date-time.
pub fn from_ms(ms: i64) -> time::OffsetDateTime {
    time::OffsetDateTime::from_unix_timestamp_nanos(ms as i128 * 1_000_000)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
}

/// A UTC date-time → milliseconds since the epoch.
pub fn to_ms(t: time::OffsetDateTime) -> i64 {
    (t.unix_timestamp_nanos() / 1_000_000) as i64
}

/// A fresh random id.
pub fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// A bind value of a query assembled at run time.
#[derive(Debug, Clone)]
pub enum Arg {
    Text(String),
    Int(i64),
    /// A BOOLEAN column on PostgreSQL, 0 or 1 on SQLite: sqlx binds it as each expects.
    Bool(bool),
}

/// The conditions of a query assembled at run time (a list's filters), with their values
/// in order: each `?` of a condition becomes the next `$n`.
#[derive(Debug, Default)]
pub struct Filters {
    clauses: Vec<String>,
    args: Vec<Arg>,
}

impl Filters {
    pub fn new() -> Filters {
        Filters::default()
    }

    /// Adds `clause`, numbering each `?` after the values already bound.
    pub fn add(&mut self, clause: &str, values: Vec<Arg>) {
        let mut values = values.into_iter();
        let mut sql = String::with_capacity(clause.len() + 8);
        for ch in clause.chars() {
            if ch == '?' {
                self.args.push(values.next().expect("one value per placeholder"));
                sql.push_str(&format!("${}", self.args.len()));
            } else {
                sql.push(ch);
            }
        }
        self.clauses.push(sql);
    }

    /// The conditions joined with AND (always true without any).
    pub fn sql(&self) -> String {
        if self.clauses.is_empty() { "1 = 1".into() } else { self.clauses.join(" AND ") }
    }

    /// How many values are bound: the next placeholder is `$bound + 1`.
    pub fn bound(&self) -> usize {
        self.args.len()
    }

    /// Binds the values to `query`, in order.
    pub fn bind<'q>(&self, mut query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
        for a in &self.args {
            query = match a {
                Arg::Text(s) => query.bind(s.clone()),
                Arg::Int(i) => query.bind(*i),
                Arg::Bool(b) => query.bind(*b),
            };
        }
        query
    }
}

/// A `LIKE … ESCAPE '\'` pattern that finds `text` anywhere, in lower case. Control
/// characters are left out: no stored text has them, and PostgreSQL refuses a NUL.
pub fn like_pattern(text: &str) -> String {
    let text: String = text.chars().filter(|c| !c.is_control()).collect();
    format!("%{}%", text.trim().to_lowercase().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_"))
}

/// Reads a boolean column: PostgreSQL stores BOOLEAN, SQLite stores INTEGER 0/1.
pub fn flag(row: &sqlx::any::AnyRow, column: &str) -> Result<bool, sqlx::Error> {
    use sqlx::Row;
    match row.try_get::<bool, _>(column) {
        Ok(b) => Ok(b),
        Err(_) => row.try_get::<i64, _>(column).map(|i| i != 0),
    }
}
