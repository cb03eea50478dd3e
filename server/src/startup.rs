//! Start-up: database and migrations, state, bus and workers, the HTTP server.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::Context;
use axum::serve::ListenerExt;
use app::db::Db;
use app::state::AppState;
use leptos::prelude::LeptosOptions;

use crate::bus::Bus;
use crate::config::Config;

/// Connects to the configured database and applies migrations. A SQLite database and
/// its `-wal` and `-shm` files are the owner's only (0600), in a private data directory.
pub async fn open_database(config: &Config) -> anyhow::Result<Db> {
    let url = config.database_url();
    let sqlite_file = sqlite_file(&url);
    if url.starts_with("sqlite") {
        config.prepare_data_dir()?;
        if let Some(file) = sqlite_file.as_deref().filter(|_| url.contains("mode=rwc")) {
            create_private_file(file).with_context(|| format!("creating the database file {}", file.display()))?;
        }
    }
    let db = Db::connect(&url, config.db_pool_size()).await.context("connecting to the database")?;
    db.migrate().await.context("applying migrations")?;
    if let Some(file) = &sqlite_file {
        make_sqlite_files_private(file)?;
    }
    Ok(db)
}

/// The file of a `sqlite://` URL (none for an in-memory database).
fn sqlite_file(url: &str) -> Option<PathBuf> {
    let rest = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or_default();
    (!path.is_empty() && path != ":memory:" && !url.contains("mode=memory")).then(|| PathBuf::from(path))
}

/// Creates an empty file with mode 0600 unless it exists. SQLite then creates the
/// `-wal` and `-shm` files with the database file's permissions.
fn create_private_file(path: &Path) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    match options.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}

/// Tightens the database, WAL and shared-memory files of an existing installation.
fn make_sqlite_files_private(file: &Path) -> anyhow::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        for suffix in ["", "-wal", "-shm"] {
            let mut name = file.as_os_str().to_owned();
            name.push(suffix);
            let path = PathBuf::from(name);
            match std::fs::metadata(&path) {
                Ok(meta) if meta.permissions().mode() & 0o077 != 0 => std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))
                    .with_context(|| format!("making {} private (0600)", path.display()))?,
                _ => {}
            }
        }
    }
    #[cfg(not(unix))]
    let _ = file;
    Ok(())
}

/// The state the relay, the consumers and the sweeper of a process that also serves the
/// web run with. On PostgreSQL they get `max` connections of their own
/// (`TAQUILLA_WORKER_DB_POOL`), so that the background work of an on-sale (hundreds of
/// payments and ticket issues at once) never queues in front of a buyer's hold or order
/// for a connection, and runs at most that many statements at a time beside them. SQLite
/// has one writer whatever the pools: there they share the web's.
pub async fn worker_state(web: &AppState, url: &str, max: u32) -> anyhow::Result<AppState> {
    if web.db.backend != app::db::Backend::Postgres {
        return Ok(web.clone());
    }
    let db = Db::connect(url, max).await.context("connecting the workers to the database")?;
    Ok(web.with_db(db))
}

/// Leptos' options, built from our configuration rather than cargo-leptos' variables so
/// the binary also runs from tests and outside the build tree.
pub fn leptos_options(config: &Config) -> LeptosOptions {
    let hash_file_exists = crate::service_worker::hash_file().is_some_and(|f| f.exists());
    LeptosOptions::builder()
        .output_name("taquilla")
        .site_root(config.site_root.clone())
        .site_pkg_dir("pkg")
        .site_addr(config.addr)
        .env(leptos::prelude::Env::PROD)
        .hash_files(hash_file_exists)
        .build()
}

/// A process put together from its configuration, ready to serve: the state the web
/// answers with and the bus. `main` and the test harness both start here.
pub struct Taquilla {
    pub state: AppState,
    pub bus: Bus,
}

impl Taquilla {
    /// Checks the signing key first (a process that would not sign tickets as the others
    /// do does not start), opens and migrates the database, seeds the demo data when
    /// configured, and connects the bus.
    pub async fn assemble(config: &Config) -> anyhow::Result<Taquilla> {
        let state = command_state(config).await?;
        if config.demo_enabled() {
            if let Some(accounts) = crate::seed::seed_demo(&state).await.context("seeding demo data")? {
                crate::seed::print_accounts(&accounts);
            }
        }
        let bus = Bus::connect(config.rabbit()).await?;
        let desk = crate::workers::desk::WorkerDesk::new(state.clone(), bus.clone());
        let state = state.with_event_desk(std::sync::Arc::new(desk));
        Ok(Taquilla { state, bus })
    }

    /// Starts the outbox relay (on `relay_on`), the consumers and the sweepers in the
    /// background, beside the web (see [`worker_state`]); answers the state they run with.
    pub async fn start_workers(&self, config: &Config, relay_on: &tokio::runtime::Handle) -> anyhow::Result<AppState> {
        let workers = worker_state(&self.state, &config.database_url(), config.worker_db_pool_size()).await?;
        crate::workers::spawn_all(&workers, &self.bus, config.consumer_attempts, relay_on).await?;
        Ok(workers)
    }

    /// Serves the web app on an already-bound listener until Ctrl-C / SIGTERM, its live
    /// feed on the current runtime.
    pub async fn serve_on(self, listener: tokio::net::TcpListener) -> anyhow::Result<()> {
        serve_on(listener, self.state, self.bus, &tokio::runtime::Handle::current()).await
    }
}

/// The live feed of a process that serves the web, and with `--with-workers` its outbox
/// relay, run on a small runtime of their own. A burst handed to thousands of streams
/// keeps the cores busy; on the web's runtime every step of the relay and of the feed (a
/// statement, a publication, a delivery) waited behind the streams' work, and the next
/// changes reached the streams later and later. Apart, they wait for a core, not for a
/// queue; the feed writes each batch to the streams on a blocking thread, so the relay
/// goes on meanwhile. (The consumers stay with the web: apart, they made the rush
/// slower.)
struct Background(Option<tokio::runtime::Runtime>);

impl Background {
    fn start() -> anyhow::Result<Background> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("taquilla-background")
            .enable_all()
            .build()
            .context("starting the background runtime")?;
        Ok(Background(Some(runtime)))
    }

    fn handle(&self) -> tokio::runtime::Handle {
        self.0.as_ref().map(|r| r.handle().clone()).unwrap_or_else(tokio::runtime::Handle::current)
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        // Dropped within the web's runtime, where a runtime may not block on its end.
        if let Some(runtime) = self.0.take() {
            runtime.shutdown_background();
        }
    }
}

/// The state every process starts from (the web, a worker process, a one-off command
/// such as seeding): the configured signer, checked first, and the configured database,
/// migrated.
pub async fn command_state(config: &Config) -> anyhow::Result<AppState> {
    let signer = config.signer()?;
    let data_keys = config.data_keys()?;
    let db = open_database(config).await?;
    Ok(AppState::new(leptos_options(config), db, config.settings()?).with_signer(signer).with_data_keys(data_keys).with_mailer(config.mailer()?))
}

/// Serves the web app; with `with_workers`, also the relay and the consumers.
pub async fn serve(config: &Config, with_workers: bool) -> anyhow::Result<()> {
    let taquilla = Taquilla::assemble(config).await?;
    let background = Background::start()?;
    if with_workers {
        taquilla.start_workers(config, &background.handle()).await?;
    }
    let listener = tokio::net::TcpListener::bind(config.addr)
        .await
        .with_context(|| format!("listening on {}", config.addr))?;
    tracing::info!(address = %config.addr, embedded = config.embedded(), "Taquilla is serving on http://{}", config.addr);
    serve_on(listener, taquilla.state, taquilla.bus, &background.handle()).await
}

/// Serves on an already-bound listener until Ctrl-C / SIGTERM.
/// The live stream's hub is fed from the bus on `feed`, and its streams are ended when
/// the process stops (a stream never ends by itself, and the shutdown waits for every
/// answer).
async fn serve_on(listener: tokio::net::TcpListener, state: AppState, bus: Bus, feed: &tokio::runtime::Handle) -> anyhow::Result<()> {
    crate::bus::live::spawn(&bus, crate::bus::live::Listeners { hub: state.live.clone(), seat_maps: state.seat_maps.clone() }, feed);
    let hub = state.live.clone();
    let router = crate::web::router(state, bus);
    // The live streams' connections are answered apart (see `connections`); hyper gets
    // the others, every socket without Nagle's delay.
    let listener = crate::connections::Sorted::new(listener, router.clone())?.tap_io(|io| {
        let _ = io.set_nodelay(true);
    });
    axum::serve(listener, router.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(async move {
            shutdown_signal().await;
            hub.close();
        })
        .await
        .context("serving HTTP")
}

/// Runs the relay and consumers only, until stopped.
pub async fn run_workers(config: &Config) -> anyhow::Result<()> {
    let state = command_state(config).await?;
    let bus = Bus::connect(config.rabbit()).await?;
    crate::workers::spawn_all(&state, &bus, config.consumer_attempts, &tokio::runtime::Handle::current()).await?;
    tracing::info!("worker running");
    shutdown_signal().await;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down");
}
