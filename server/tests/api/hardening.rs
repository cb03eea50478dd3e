//! What a process keeps to itself: private data files, one signing key across the
//! processes of a deployment, commits that survive a power loss.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::Duration;

use clap::Parser;

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap_or_else(|e| panic!("{}: {e}", path.display())).permissions().mode() & 0o7777
}

fn with_suffix(path: &Path, suffix: &str) -> std::path::PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    name.into()
}

/// The data directory is 0700 and the database, its WAL, its shared memory and the
/// signing key are 0600, also when an earlier version left them readable by others.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn embedded_data_is_the_owners_only() {
    let dir = std::env::temp_dir().join(format!("taquilla-private-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    let db_file = dir.join("taquilla.db");
    let url = format!("sqlite://{}?mode=rwc", db_file.display());
    let cli = server::cli::Cli::try_parse_from(["taquilla", "--data-dir", dir.to_str().unwrap(), "--database-url", &url, "--signing-key="]).unwrap();
    let files = [db_file.clone(), with_suffix(&db_file, "-wal"), with_suffix(&db_file, "-shm")];

    // The first pool stays open in the second round, as does the WAL it keeps.
    let mut pools = Vec::new();
    for round in ["a fresh data directory", "an existing one, readable by others"] {
        let db = server::startup::open_database(&cli.config).await.unwrap();
        let signer = cli.config.signer().unwrap();
        assert_eq!(mode(&dir), 0o700, "{round}: data directory");
        for file in &files {
            assert_eq!(mode(file), 0o600, "{round}: {}", file.display());
        }
        assert_eq!(mode(&dir.join("ticket-signing.key")), 0o600, "{round}: signing key");
        assert_eq!(cli.config.signer().unwrap().public_key(), signer.public_key(), "the key is kept");
        pools.push(db);
        // What an earlier version left behind.
        for file in &files {
            std::fs::set_permissions(file, std::fs::Permissions::from_mode(0o644)).unwrap();
        }
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    for db in pools {
        db.pool.close().await;
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// Outside the embedded mode several processes sign tickets: each must have the shared
/// key, or the door would refuse the others' codes.
#[tokio::test]
async fn a_postgres_process_without_the_shared_signing_key_does_not_start() {
    let dir = std::env::temp_dir().join(format!("taquilla-nokey-{}", uuid::Uuid::new_v4().simple()));
    for command in ["serve", "worker"] {
        let run = tokio::process::Command::new(env!("CARGO_BIN_EXE_taquilla"))
            .arg(command)
            .env_remove("TAQUILLA_SIGNING_KEY")
            .env_remove("AMQP_URL")
            .env("DATABASE_URL", "postgres://postgres@127.0.0.1:1/nowhere")
            .env("TAQUILLA_DATA_DIR", &dir)
            .env("TAQUILLA_ADDR", "127.0.0.1:0")
            .env("RUST_LOG", "off")
            .kill_on_drop(true)
            .output();
        let out = tokio::time::timeout(Duration::from_secs(60), run).await.expect("the process exits").unwrap();
        assert!(!out.status.success(), "{command} started");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("TAQUILLA_SIGNING_KEY is required when DATABASE_URL is PostgreSQL: every process must sign with the same key"),
            "{command}: {stderr}"
        );
    }
    assert!(!dir.exists(), "nothing was written to the data directory");
}

/// SQLite syncs its WAL on every commit, so that an answered order survives a power loss.
#[tokio::test]
async fn sqlite_commits_are_synced() {
    let dir = std::env::temp_dir().join(format!("taquilla-sync-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let db = app::db::Db::connect(&format!("sqlite://{}?mode=rwc", dir.join("t.db").display()), 2).await.unwrap();
    let synchronous: i64 = sqlx::query_scalar("PRAGMA synchronous").fetch_one(&db.pool).await.unwrap();
    assert_eq!(synchronous, 2, "FULL");
    db.pool.close().await;
    let _ = std::fs::remove_dir_all(&dir);
}
