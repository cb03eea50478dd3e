//! What the accounts' services need besides the database.

use std::time::Duration;

use crate::users::login_throttle::LoginThrottle;
use crate::users::password::PasswordHasher;
use crate::users::ratelimit::RateLimiter;
use crate::users::session::SessionCache;

/// The password hasher, the sessions resolved a moment ago, the limits on logins and
/// sign-ups, and how long a session lasts and how its cookie is sent.
pub struct Accounts {
    pub hasher: PasswordHasher,
    pub sessions: SessionCache,
    pub session_ttl: Duration,
    /// Sessions' cookies are sent only over HTTPS.
    pub secure_cookies: bool,
    /// Every login attempt, per address: 30, then one every 2 s.
    pub(crate) login_per_address: RateLimiter,
    /// Failed logins, per account and address and per account (see `login_throttle`).
    pub(crate) login_failures: LoginThrottle,
    /// Sign-ups per address: 20, then one every 6 s.
    pub(crate) sign_up_per_address: RateLimiter,
}

impl Accounts {
    pub fn new(session_ttl: Duration, secure_cookies: bool) -> Accounts {
        Accounts {
            hasher: PasswordHasher::new(2),
            sessions: SessionCache::default(),
            session_ttl,
            secure_cookies,
            login_per_address: RateLimiter::new(30, Duration::from_secs(2)),
            login_failures: LoginThrottle::default(),
            sign_up_per_address: RateLimiter::new(20, Duration::from_secs(6)),
        }
    }
}
