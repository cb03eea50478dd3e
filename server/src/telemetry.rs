use tracing_subscriber::{fmt, EnvFilter};

/// Structured logs: human-readable by default, JSON lines with `TAQUILLA_LOG_FORMAT=json`.
pub fn init(format: &str) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,lapin=warn"));
    let builder = fmt().with_env_filter(filter).with_target(true);
    let _ = if format == "json" { builder.json().flatten_event(true).try_init() } else { builder.try_init() };
}
