//! The one place configuration is read: the environment (and `.env`), with defaults
//! that make the embedded mode work on a fresh machine.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use app::net::TrustedProxies;
use app::state::Settings;

#[derive(Debug, Clone, clap::Args)]
pub struct Config {
    /// Address to listen on.
    #[arg(long, env = "TAQUILLA_ADDR", default_value = "127.0.0.1:3000", global = true)]
    pub addr: SocketAddr,
    /// SQLite file, signing key, uploads.
    #[arg(long, env = "TAQUILLA_DATA_DIR", default_value = "./data", global = true)]
    pub data_dir: PathBuf,
    /// `postgres://…` for production; SQLite in the data directory when unset.
    #[arg(long, env = "DATABASE_URL", global = true, hide_env_values = true)]
    pub database_url: Option<String>,
    /// `amqp://…` to use RabbitMQ; the in-process bus when unset.
    #[arg(long, env = "AMQP_URL", global = true, hide_env_values = true)]
    pub amqp_url: Option<String>,
    /// Prefix of the RabbitMQ exchange's and queues' names.
    #[arg(long, env = "TAQUILLA_AMQP_PREFIX", default_value = "taquilla", global = true)]
    pub amqp_prefix: String,
    /// Unused RabbitMQ queues are deleted after this many milliseconds (`x-expires`), for
    /// throw-away set-ups; never when unset.
    #[arg(long, env = "TAQUILLA_AMQP_QUEUE_EXPIRES_MS", global = true)]
    pub amqp_queue_expires_ms: Option<u32>,
    /// Base URL for links; https turns on Secure cookies.
    #[arg(long, env = "TAQUILLA_PUBLIC_URL", global = true)]
    pub public_url: Option<String>,
    /// Comma-separated CIDRs whose X-Forwarded-For is believed.
    #[arg(long, env = "TAQUILLA_TRUSTED_PROXIES", default_value = "", global = true)]
    pub trusted_proxies: String,
    /// Database connections per process, of the web in a process that also runs the
    /// workers (default: 8 on SQLite, 16 on PostgreSQL).
    #[arg(long, env = "TAQUILLA_DB_POOL", global = true)]
    pub db_pool: Option<u32>,
    /// PostgreSQL connections of the relay and consumers in a process that also serves
    /// the web (`serve --with-workers`; default a quarter of `TAQUILLA_DB_POOL`, at least 2).
    #[arg(long, env = "TAQUILLA_WORKER_DB_POOL", global = true)]
    pub worker_db_pool: Option<u32>,
    /// The language of visitors whose browser asks for none we speak: `es` or `en`.
    #[arg(long, env = "TAQUILLA_DEFAULT_LOCALE", default_value = "es", global = true)]
    pub default_locale: String,
    /// Seat hold lifetime in seconds.
    #[arg(long, env = "TAQUILLA_HOLD_TTL_SECS", default_value_t = 600, global = true)]
    pub hold_ttl_secs: u64,
    /// Simulated payment gateway processing time (default 1500 in embedded mode, 0 otherwise).
    #[arg(long, env = "TAQUILLA_PAYMENT_DELAY_MS", global = true)]
    pub payment_delay_ms: Option<u64>,
    /// Seed demo data on first start (default on in embedded mode).
    #[arg(long, env = "TAQUILLA_DEMO", global = true)]
    pub demo: Option<String>,
    /// Base64 of the 32-byte Ed25519 key that signs tickets (all processes of a
    /// deployment must share it); a key file in the data directory when unset.
    #[arg(long, env = "TAQUILLA_SIGNING_KEY", global = true, hide_env_values = true)]
    pub signing_key: Option<String>,
    /// The keys that seal personal data at rest (support tickets' phone numbers,
    /// accessibility needs): `id:base64` of 32 bytes, more than one separated by commas,
    /// the first sealing and all of them opening (for a rotation); a key file in the data
    /// directory when unset.
    #[arg(long, env = "TAQUILLA_DATA_KEY", global = true, hide_env_values = true)]
    pub data_key: Option<String>,
    /// How many times a consumer tries a delivery (with exponential back-off and jitter)
    /// before giving it up: the receipt says FAILED and RabbitMQ dead-letters the message.
    #[arg(long, env = "TAQUILLA_CONSUMER_ATTEMPTS", default_value_t = 5, global = true)]
    pub consumer_attempts: u32,
    /// SMTP server for email: `smtps://user:password@host` (TLS) or
    /// `smtp://host:587?tls=required` (STARTTLS); when unset, each email is written as an
    /// `.eml` file under `mail/` in the data directory.
    #[arg(long, env = "TAQUILLA_SMTP_URL", global = true, hide_env_values = true)]
    pub smtp_url: Option<String>,
    /// The sender of email.
    #[arg(long, env = "TAQUILLA_MAIL_FROM", default_value = "Taquilla <no-reply@taquilla.localhost>", global = true)]
    pub mail_from: String,
    /// Live streams (`GET /api/v1/stream`) one client address may hold at once.
    #[arg(long, env = "TAQUILLA_STREAMS_PER_ADDRESS", default_value_t = 100, global = true)]
    pub streams_per_address: usize,
    /// Live streams one signed-in user may hold at once (one per open page).
    #[arg(long, env = "TAQUILLA_STREAMS_PER_USER", default_value_t = 10, global = true)]
    pub streams_per_user: usize,
    /// `pretty` or `json`.
    #[arg(long, env = "TAQUILLA_LOG_FORMAT", default_value = "pretty", global = true)]
    pub log_format: String,
    /// Directory with the built site (JS, WASM, CSS, public assets).
    #[arg(long, env = "LEPTOS_SITE_ROOT", default_value = "target/site", global = true)]
    pub site_root: String,
}

impl Config {
    /// Embedded mode: no external database.
    pub fn embedded(&self) -> bool {
        self.database_url.as_deref().is_none_or(|u| u.starts_with("sqlite"))
    }

    /// Database connections of the web (or of a worker process).
    pub fn db_pool_size(&self) -> u32 {
        self.db_pool.unwrap_or(if self.database_url().starts_with("sqlite") { 8 } else { 16 }).clamp(1, 500)
    }

    /// Connections of the relay and consumers in a process that also serves the web.
    pub fn worker_db_pool_size(&self) -> u32 {
        self.worker_db_pool.unwrap_or((self.db_pool_size() / 4).max(2)).clamp(1, 500)
    }

    pub fn database_url(&self) -> String {
        match &self.database_url {
            Some(url) if !url.trim().is_empty() => url.clone(),
            _ => format!("sqlite://{}?mode=rwc", self.data_dir.join("taquilla.db").display()),
        }
    }

    pub fn demo_enabled(&self) -> bool {
        match self.demo.as_deref().map(str::to_ascii_lowercase).as_deref() {
            Some("1" | "true" | "on" | "yes") => true,
            Some("0" | "false" | "off" | "no") => false,
            _ => self.embedded(),
        }
    }

    /// The RabbitMQ bus's options, when `AMQP_URL` is set.
    pub fn rabbit(&self) -> Option<crate::bus::RabbitOptions> {
        let url = self.amqp_url.as_deref().map(str::trim).filter(|u| !u.is_empty())?;
        let prefix = if self.amqp_prefix.trim().is_empty() { "taquilla" } else { self.amqp_prefix.trim() };
        Some(crate::bus::RabbitOptions { url: url.to_owned(), prefix: prefix.to_owned(), queue_expires_ms: self.amqp_queue_expires_ms })
    }

    pub fn public_url(&self) -> String {
        self.public_url.clone().unwrap_or_else(|| format!("http://{}", self.addr))
    }

    /// The ticket signer: from `TAQUILLA_SIGNING_KEY`, else (embedded mode only)
    /// `<data dir>/ticket-signing.key`. Outside the embedded mode several processes sign
    /// tickets, so a key of its own per process would make the others' codes invalid at
    /// the door: there the shared key is required.
    pub fn signer(&self) -> anyhow::Result<app::tickets::signing::TicketSigner> {
        use app::tickets::signing::TicketSigner;
        match self.signing_key.as_deref().filter(|k| !k.trim().is_empty()) {
            Some(key) => TicketSigner::from_base64(key).map_err(|e| anyhow::anyhow!("TAQUILLA_SIGNING_KEY: {e}")),
            None if !self.embedded() => anyhow::bail!(
                "TAQUILLA_SIGNING_KEY is required when DATABASE_URL is PostgreSQL: every process must sign with the same key \
                 (base64 of 32 random bytes, e.g. `head -c 32 /dev/urandom | base64`)"
            ),
            None => {
                self.prepare_data_dir()?;
                Ok(TicketSigner::load_or_create(&self.data_dir.join("ticket-signing.key"))?)
            }
        }
    }

    /// The data keys: from `TAQUILLA_DATA_KEY`, else (embedded mode only)
    /// `<data dir>/data.key`. Outside the embedded mode every process must open what the
    /// others sealed: there the shared keys are required.
    pub fn data_keys(&self) -> anyhow::Result<app::sealing::DataKeys> {
        use app::sealing::DataKeys;
        match self.data_key.as_deref().filter(|k| !k.trim().is_empty()) {
            Some(keys) => DataKeys::parse(keys).map_err(|e| anyhow::anyhow!("TAQUILLA_DATA_KEY: {e}")),
            None if !self.embedded() => anyhow::bail!(
                "TAQUILLA_DATA_KEY is required when DATABASE_URL is PostgreSQL: every process must seal and open personal data \
                 with the same keys (`taquilla data-key new` prints one)"
            ),
            None => {
                self.prepare_data_dir()?;
                Ok(DataKeys::load_or_create(&self.data_dir.join("data.key"))?)
            }
        }
    }

    /// Creates the data directory if needed and keeps it the owner's only (0700, an
    /// existing one is tightened): it holds the SQLite database, the signing key and the
    /// mail files. A shared sticky directory (such as /tmp) is left as it is.
    pub fn prepare_data_dir(&self) -> anyhow::Result<()> {
        use anyhow::Context;
        let dir = &self.data_dir;
        std::fs::create_dir_all(dir).with_context(|| format!("creating the data directory {}", dir.display()))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir)?.permissions().mode();
            if mode & 0o1000 != 0 {
                tracing::warn!(dir = %dir.display(), "the data directory is a shared sticky directory; its permissions are left alone");
            } else if mode & 0o077 != 0 {
                std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
                    .with_context(|| format!("making the data directory {} private (0700)", dir.display()))?;
            }
        }
        Ok(())
    }

    /// Where email goes: `TAQUILLA_SMTP_URL`, else `.eml` files in `<data dir>/mail`.
    pub fn mailer(&self) -> anyhow::Result<app::notifications::mail::Mailer> {
        use app::notifications::mail::Mailer;
        match self.smtp_url.as_deref().map(str::trim).filter(|u| !u.is_empty()) {
            Some(url) => Mailer::smtp(url, &self.mail_from).map_err(anyhow::Error::msg),
            None => {
                self.prepare_data_dir()?;
                Mailer::files(self.data_dir.join("mail"), &self.mail_from).map_err(anyhow::Error::msg)
            }
        }
    }

    pub fn settings(&self) -> anyhow::Result<Settings> {
        let public_url = self.public_url();
        Ok(Settings {
            secure_cookies: public_url.starts_with("https://"),
            public_url,
            session_ttl: app::state::SESSION_TTL,
            hold_ttl: Duration::from_secs(self.hold_ttl_secs.max(1)),
            payment_delay: Duration::from_millis(
                self.payment_delay_ms.unwrap_or(if self.embedded() { 1500 } else { 0 }),
            ),
            trusted_proxies: TrustedProxies::parse(&self.trusted_proxies).map_err(anyhow::Error::msg)?,
            default_locale: app::i18n::Locale::parse(&self.default_locale)
                .ok_or_else(|| anyhow::anyhow!("TAQUILLA_DEFAULT_LOCALE: `{}` is not es or en", self.default_locale))?,
            stream_limits: app::live::admission::StreamLimits { per_address: self.streams_per_address.max(1), per_user: self.streams_per_user.max(1) },
        })
    }
}
