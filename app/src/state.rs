//! What every server-side handler and server function can reach.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::FromRef;
use leptos::prelude::LeptosOptions;

use crate::db::Db;
use crate::orders::hold_batches::HoldBatcher;
use crate::net::TrustedProxies;
use crate::tickets::signing::TicketSigner;
use crate::users::login_throttle::LoginThrottle;
use crate::users::password::PasswordHasher;
use crate::users::ratelimit::RateLimiter;
use crate::users::session::SessionCache;

/// Settings the domain needs; read from the environment by the server's `Config`.
#[derive(Debug, Clone)]
pub struct Settings {
    pub public_url: String,
    pub secure_cookies: bool,
    pub session_ttl: Duration,
    pub hold_ttl: Duration,
    pub payment_delay: Duration,
    pub trusted_proxies: TrustedProxies,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            public_url: "http://127.0.0.1:3000".into(),
            secure_cookies: false,
            session_ttl: Duration::from_secs(14 * 24 * 3600),
            hold_ttl: Duration::from_secs(600),
            payment_delay: Duration::from_millis(1500),
            trusted_proxies: TrustedProxies::default(),
        }
    }
}

/// Rate limiters, one per concern.
pub struct Limiters {
    /// Every login attempt, per address.
    pub login_ip: RateLimiter,
    /// Failed logins, per account and address and per account.
    pub login_failures: LoginThrottle,
    pub register_ip: RateLimiter,
    pub hold_user: RateLimiter,
    pub hold_ip: RateLimiter,
}

impl Default for Limiters {
    fn default() -> Self {
        Limiters {
            // 30 attempts per address, refilled one every 2 s.
            login_ip: RateLimiter::new(30, Duration::from_secs(2)),
            // Failures only: see `login_throttle`.
            login_failures: LoginThrottle::default(),
            register_ip: RateLimiter::new(20, Duration::from_secs(6)),
            // Holds: 20 at once per buyer, then one a second; 120 per address, then four a second.
            hold_user: RateLimiter::new(20, Duration::from_secs(1)),
            hold_ip: RateLimiter::new(120, Duration::from_millis(250)),
        }
    }
}

#[derive(Clone)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub db: Db,
    pub settings: Arc<Settings>,
    pub hasher: PasswordHasher,
    pub limiters: Arc<Limiters>,
    /// Wakes the outbox relay after a commit that wrote events.
    pub outbox_signal: Arc<tokio::sync::Notify>,
    /// Signs admission codes.
    pub signer: Arc<TicketSigner>,
    /// Sessions resolved a moment ago.
    pub sessions: Arc<SessionCache>,
    /// Hold requests waiting for their batch (PostgreSQL).
    pub hold_batcher: Arc<HoldBatcher>,
}

impl AppState {
    pub fn new(leptos_options: LeptosOptions, db: Db, settings: Settings) -> Self {
        AppState {
            leptos_options,
            db,
            settings: Arc::new(settings),
            hasher: PasswordHasher::new(2),
            limiters: Arc::new(Limiters::default()),
            outbox_signal: Arc::new(tokio::sync::Notify::new()),
            signer: Arc::new(TicketSigner::random()),
            sessions: Arc::new(SessionCache::default()),
            hold_batcher: Arc::new(HoldBatcher::default()),
        }
    }

    pub fn with_signer(mut self, signer: TicketSigner) -> Self {
        self.signer = Arc::new(signer);
        self
    }

    /// The same state (caches, limiters, signals, signer) on other database connections.
    pub fn with_db(&self, db: Db) -> Self {
        AppState { db, ..self.clone() }
    }
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

/// The server state inside a server function or a server-rendered component.
pub fn app_state() -> Result<AppState, crate::AppError> {
    leptos::prelude::use_context::<AppState>().ok_or_else(|| {
        tracing::error!("AppState missing from the Leptos context");
        crate::AppError::Internal
    })
}
