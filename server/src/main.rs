use std::process::ExitCode;

use clap::Parser;
use server::cli::Cli;

/// Keeps large allocations out of glibc's arenas. Password hashing allocates 19 MiB per
/// hash on whichever blocking thread runs it; with glibc's adaptive threshold those blocks
/// end up in per-thread arenas that are never given back, and the process grows to
/// hundreds of megabytes. A fixed threshold maps them on demand and unmaps them on free.
fn return_large_blocks_to_the_os() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only adjusts allocator parameters; it is called once, before any
    // other thread exists.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20);
    }
}

fn main() -> ExitCode {
    return_large_blocks_to_the_os();
    match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime.block_on(run()),
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> ExitCode {
    let _ = dotenvy::dotenv();
    let cli = Cli::parse();
    server::telemetry::init(&cli.config.log_format);
    match server::cli::run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            tracing::error!(error = format!("{err:#}"), "taquilla stopped");
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}
