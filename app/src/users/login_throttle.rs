//! Login throttling that counts failed logins only, so nobody can lock an account out by
//! guessing its password:
//!
//! - per account *and* address: after [`PAIR_FAILURES`] failures that address is refused
//!   (429) for that account, until failures are forgiven (one every [`PAIR_FORGIVE`]);
//! - per account, across addresses: after [`ACCOUNT_FREE_FAILURES`] failures every answer
//!   for the account waits a growing delay (doubling from [`FIRST_DELAY`], at most
//!   [`MAX_DELAY`]; one failure forgiven every [`ACCOUNT_FORGIVE`]). Guessing from many
//!   addresses is slowed down, but the right password from a new address is never
//!   refused.
//!
//! A successful login forgets its pair's failures. Unknown emails are counted like known
//! ones, so the throttle does not tell which accounts exist. (The per-address limit on
//! every attempt lives beside it, in `Limiters::login_ip`.)

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::error::AppError;

pub const PAIR_FAILURES: u32 = 10;
pub const PAIR_FORGIVE: Duration = Duration::from_secs(30);
pub const ACCOUNT_FREE_FAILURES: u32 = 8;
pub const ACCOUNT_FORGIVE: Duration = Duration::from_secs(60);
pub const FIRST_DELAY: Duration = Duration::from_millis(100);
pub const MAX_DELAY: Duration = Duration::from_secs(3);

/// The wait before answering a login for an account that has failed `failures` times
/// lately: none for the first [`ACCOUNT_FREE_FAILURES`], then doubling up to the cap.
pub fn delay_after(failures: u32) -> Duration {
    match failures.checked_sub(ACCOUNT_FREE_FAILURES) {
        None => Duration::ZERO,
        Some(extra) => FIRST_DELAY.saturating_mul(1u32 << extra.min(16)).min(MAX_DELAY),
    }
}

pub struct LoginThrottle {
    pairs: FailureCounter,
    accounts: FailureCounter,
}

impl Default for LoginThrottle {
    fn default() -> Self {
        LoginThrottle {
            pairs: FailureCounter::new(PAIR_FORGIVE, PAIR_FAILURES),
            // Beyond this many, the delay is at its cap anyway; keeping fewer makes the
            // account recover within minutes once the guessing stops.
            accounts: FailureCounter::new(ACCOUNT_FORGIVE, ACCOUNT_FREE_FAILURES + 8),
        }
    }
}

impl LoginThrottle {
    /// Before a password is checked: refuses an address that has failed too often for
    /// this account, otherwise says how long to wait before answering.
    pub fn before_attempt(&self, account: &str, ip: IpAddr) -> Result<Duration, AppError> {
        self.before_attempt_at(account, ip, Instant::now())
    }

    /// Counts a wrong password (or an unknown email).
    pub fn failed(&self, account: &str, ip: IpAddr) {
        let now = Instant::now();
        self.pairs.record_at(&pair_key(account, ip), now);
        self.accounts.record_at(account, now);
    }

    /// Forgets the failures of this account from this address.
    pub fn succeeded(&self, account: &str, ip: IpAddr) {
        self.pairs.forget(&pair_key(account, ip));
    }

    fn before_attempt_at(&self, account: &str, ip: IpAddr, now: Instant) -> Result<Duration, AppError> {
        let pair = self.pairs.failures_at(&pair_key(account, ip), now);
        let limit = f64::from(PAIR_FAILURES);
        // Failures are forgiven continuously, so ten quick ones count a little under ten.
        if pair > limit - 1.0 {
            // Wait until no more than one fewer than the limit remains.
            let missing = pair - (limit - 1.0);
            let wait = PAIR_FORGIVE.as_secs_f64() * missing;
            return Err(AppError::RateLimited { retry_after_secs: wait.ceil().max(1.0) as u64 });
        }
        Ok(delay_after(self.accounts.failures_at(account, now) as u32))
    }
}

fn pair_key(account: &str, ip: IpAddr) -> String {
    format!("{ip} {account}")
}

/// Failures per key, forgiven one every `forgive_every`, at most `max` remembered.
struct FailureCounter {
    forgive_every: Duration,
    max: f64,
    counts: Mutex<HashMap<String, Count>>,
}

#[derive(Clone, Copy)]
struct Count {
    failures: f64,
    updated: Instant,
}

impl FailureCounter {
    fn new(forgive_every: Duration, max: u32) -> Self {
        FailureCounter { forgive_every, max: f64::from(max), counts: Mutex::new(HashMap::new()) }
    }

    fn decayed(&self, count: Count, now: Instant) -> f64 {
        let elapsed = now.saturating_duration_since(count.updated).as_secs_f64();
        (count.failures - elapsed / self.forgive_every.as_secs_f64()).max(0.0)
    }

    fn failures_at(&self, key: &str, now: Instant) -> f64 {
        let counts = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        counts.get(key).map_or(0.0, |c| self.decayed(*c, now))
    }

    fn record_at(&self, key: &str, now: Instant) {
        let mut counts = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        if counts.len() > 50_000 {
            counts.retain(|_, c| self.decayed(*c, now) > 0.0);
        }
        let count = counts.entry(key.to_owned()).or_insert(Count { failures: 0.0, updated: now });
        count.failures = (self.decayed(*count, now) + 1.0).min(self.max);
        count.updated = now;
    }

    fn forget(&self, key: &str) {
        self.counts.lock().unwrap_or_else(|p| p.into_inner()).remove(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(last: u8) -> IpAddr {
        IpAddr::from([203, 0, 113, last])
    }

    fn fail_at(t: &LoginThrottle, account: &str, ip: IpAddr, now: Instant) {
        t.pairs.record_at(&pair_key(account, ip), now);
        t.accounts.record_at(account, now);
    }

    #[test]
    fn the_delay_grows_after_the_free_failures_and_is_capped() {
        for n in 0..ACCOUNT_FREE_FAILURES {
            assert_eq!(delay_after(n), Duration::ZERO);
        }
        assert_eq!(delay_after(ACCOUNT_FREE_FAILURES), FIRST_DELAY);
        assert_eq!(delay_after(ACCOUNT_FREE_FAILURES + 1), FIRST_DELAY * 2);
        assert_eq!(delay_after(ACCOUNT_FREE_FAILURES + 2), FIRST_DELAY * 4);
        assert_eq!(delay_after(ACCOUNT_FREE_FAILURES + 10), MAX_DELAY);
        assert_eq!(delay_after(u32::MAX), MAX_DELAY);
    }

    #[test]
    fn one_address_is_refused_for_one_account_after_its_failures() {
        let t = LoginThrottle::default();
        let t0 = Instant::now();
        for _ in 0..PAIR_FAILURES {
            assert!(t.before_attempt_at("ana@example.com", ip(1), t0).is_ok());
            fail_at(&t, "ana@example.com", ip(1), t0);
        }
        let refused = t.before_attempt_at("ana@example.com", ip(1), t0);
        assert_eq!(refused, Err(AppError::RateLimited { retry_after_secs: PAIR_FORGIVE.as_secs() }));
        assert!(t.before_attempt_at("ana@example.com", ip(2), t0).is_ok(), "another address still may try");
        assert!(t.before_attempt_at("ben@example.com", ip(1), t0).is_ok(), "another account still may be tried");
        assert!(t.before_attempt_at("ana@example.com", ip(1), t0 + PAIR_FORGIVE).is_ok(), "failures are forgiven");
    }

    #[test]
    fn failures_from_many_addresses_slow_the_account_down_but_never_refuse_it() {
        let t = LoginThrottle::default();
        let t0 = Instant::now();
        for i in 0..200u8 {
            fail_at(&t, "admin@example.com", ip(i), t0);
        }
        let fresh = t.before_attempt_at("admin@example.com", ip(250), t0);
        assert_eq!(fresh, Ok(MAX_DELAY), "slowed down, not refused");
        assert_eq!(t.before_attempt_at("other@example.com", ip(250), t0), Ok(Duration::ZERO));
        // Remembered failures are capped, so the account recovers soon after the guessing stops.
        let later = t0 + ACCOUNT_FORGIVE * 9;
        assert_eq!(t.before_attempt_at("admin@example.com", ip(250), later), Ok(delay_after(7)));
    }

    #[test]
    fn a_success_forgets_its_pair() {
        let t = LoginThrottle::default();
        for _ in 0..PAIR_FAILURES {
            t.failed("ana@example.com", ip(1));
        }
        assert!(t.before_attempt("ana@example.com", ip(1)).is_err());
        t.succeeded("ana@example.com", ip(1));
        assert!(t.before_attempt("ana@example.com", ip(1)).is_ok());
    }
}
