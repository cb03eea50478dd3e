//! The top of the house: every piece a handler, a server function or a worker can reach,
//! put together once at start-up. Nothing below imports this file: services take the
//! pieces they use, and server functions find them in the Leptos context
//! ([`AppState::provide`], [`crate::context::piece`]).

use std::sync::Arc;
use std::time::Duration;

use axum::extract::FromRef;
use leptos::prelude::{provide_context, LeptosOptions};

use crate::audit::log::{EventDesk, NoConsumers};
use crate::audit::store::{portable::PortableEvents, postgres::PostgresEvents, EventStore};
use crate::db::{Backend, Db};
use crate::i18n::Locale;
use crate::live::admission::StreamLimits;
use crate::live::hub::Hub;
use crate::net::TrustedProxies;
use crate::notifications::mail::Mailer;
use crate::orders::holds::HoldDesk;
use crate::sealing::DataKeys;
use crate::orders::payments::Gateway;
use crate::orders::seatmap::fragment::SeatMaps;
use crate::orders::store::{portable::PortableOrders, postgres::PostgresOrders, OrderStore};
use crate::tickets::signing::TicketSigner;
use crate::tickets::store::{portable::PortableTickets, postgres::PostgresTickets, TicketStore};
use crate::users::accounts::Accounts;

/// Settings the domain needs; read from the environment by the server's `Config`.
#[derive(Debug, Clone)]
pub struct Settings {
    pub public_url: String,
    pub secure_cookies: bool,
    pub session_ttl: Duration,
    pub hold_ttl: Duration,
    pub payment_delay: Duration,
    pub trusted_proxies: TrustedProxies,
    /// The language of visitors who ask for none we speak.
    pub default_locale: Locale,
    /// How many live streams one address, and one user, may hold.
    pub stream_limits: StreamLimits,
}

/// How long a session lasts: two weeks.
pub const SESSION_TTL: Duration = Duration::from_secs(14 * 24 * 3600);

impl Default for Settings {
    fn default() -> Self {
        Settings {
            public_url: "http://127.0.0.1:3000".into(),
            secure_cookies: false,
            session_ttl: SESSION_TTL,
            hold_ttl: Duration::from_secs(600),
            payment_delay: Duration::from_millis(1500),
            trusted_proxies: TrustedProxies::default(),
            default_locale: Locale::Es,
            stream_limits: StreamLimits::default(),
        }
    }
}

/// Made from [`Settings`] once: each setting lives in the piece that uses it.
#[derive(Clone)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub db: Db,
    /// The site's base URL, for links and the same-origin check.
    pub public_url: Arc<str>,
    /// Proxies whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Arc<TrustedProxies>,
    /// The language of visitors who ask for none we speak.
    pub default_locale: Locale,
    /// Passwords, sessions and the limits on logins and sign-ups.
    pub accounts: Arc<Accounts>,
    /// How holds last, their limits, and how they are decided on this backend.
    pub holds: Arc<HoldDesk>,
    /// The simulated payment gateway.
    pub gateway: Gateway,
    /// Signs admission codes.
    pub signer: Arc<TicketSigner>,
    /// Seals personal data at rest (support tickets' phone numbers, accessibility needs).
    pub data_keys: Arc<DataKeys>,
    /// Where orders and their payments are written, on this backend.
    pub order_store: Arc<dyn OrderStore>,
    /// Where tickets are issued, on this backend.
    pub ticket_store: Arc<dyn TicketStore>,
    /// How the event log is relayed and reconciled, on this backend.
    pub event_store: Arc<dyn EventStore>,
    /// Where email goes.
    pub mailer: Mailer,
    /// The consumers, for the event log's retries (the server wires its own).
    pub event_desk: Arc<dyn EventDesk>,
    /// The live stream's fan-out in this process (the server feeds it from the bus).
    pub live: Arc<Hub>,
    /// The events' seat maps and statuses as drawn, kept between changes.
    pub seat_maps: Arc<SeatMaps>,
}

/// The stores of `backend`, all three of one backend: the event store's
/// `handlers_admit_deliveries` holds only for the order and ticket stores beside it. The
/// backend is asked here, by the database handle itself, by the hold desk (how holds are
/// decided) and at start-up (whether the workers get a pool of their own).
fn stores_for(backend: Backend) -> (Arc<dyn OrderStore>, Arc<dyn TicketStore>, Arc<dyn EventStore>) {
    match backend {
        Backend::Sqlite => (Arc::new(PortableOrders), Arc::new(PortableTickets), Arc::new(PortableEvents)),
        Backend::Postgres => (Arc::new(PostgresOrders), Arc::new(PostgresTickets), Arc::new(PostgresEvents)),
    }
}

impl AppState {
    pub fn new(leptos_options: LeptosOptions, db: Db, settings: Settings) -> Self {
        let (order_store, ticket_store, event_store) = stores_for(db.backend);
        AppState {
            order_store,
            ticket_store,
            event_store,
            leptos_options,
            accounts: Arc::new(Accounts::new(settings.session_ttl, settings.secure_cookies)),
            holds: Arc::new(HoldDesk::new(db.backend, settings.hold_ttl)),
            gateway: Gateway { delay: settings.payment_delay },
            db,
            public_url: settings.public_url.into(),
            trusted_proxies: Arc::new(settings.trusted_proxies),
            default_locale: settings.default_locale,
            signer: Arc::new(TicketSigner::random()),
            // Until the server names the configured ones (`with_data_keys`).
            data_keys: Arc::new(DataKeys::random()),
            // Until the server names one (`with_mailer`): files in the system's temporary
            // directory, so nothing is ever sent by accident.
            mailer: Mailer::files(std::env::temp_dir().join("taquilla-mail"), "Taquilla <no-reply@taquilla.localhost>")
                .unwrap_or_else(|e| panic!("the temporary mail directory: {e}")),
            event_desk: Arc::new(NoConsumers),
            live: Arc::new(Hub::new(settings.stream_limits)),
            seat_maps: Arc::new(SeatMaps::new()),
        }
    }

    pub fn with_event_desk(mut self, desk: Arc<dyn EventDesk>) -> Self {
        self.event_desk = desk;
        self
    }

    pub fn with_mailer(mut self, mailer: Mailer) -> Self {
        self.mailer = mailer;
        self
    }

    pub fn with_data_keys(mut self, keys: DataKeys) -> Self {
        self.data_keys = Arc::new(keys);
        self
    }

    pub fn with_signer(mut self, signer: TicketSigner) -> Self {
        self.signer = Arc::new(signer);
        self
    }

    /// The same state (caches, limiters, signer, the relay's wake-up) on other database
    /// connections.
    pub fn with_db(&self, db: Db) -> Self {
        AppState { db: db.waking_relay_of(&self.db), ..self.clone() }
    }

    /// Puts the pieces server functions take into the Leptos context of a request.
    pub fn provide(&self) {
        provide_context(self.db.clone());
        provide_context(self.accounts.clone());
        provide_context(self.holds.clone());
        provide_context(self.gateway);
        provide_context(self.signer.clone());
        provide_context(self.data_keys.clone());
        provide_context(self.order_store.clone());
        provide_context(self.trusted_proxies.clone());
        provide_context(self.event_desk.clone());
        provide_context(self.seat_maps.clone());
    }
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}
