//! In-memory token buckets keyed by a string (an address, an account).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub struct RateLimiter {
    capacity: u32,
    refill_every: Duration,
    buckets: Mutex<HashMap<String, Bucket>>,
}

#[derive(Clone, Copy)]
struct Bucket {
    tokens: f64,
    updated: Instant,
}

impl RateLimiter {
    /// `capacity` requests at once, then one more every `refill_every`.
    pub fn new(capacity: u32, refill_every: Duration) -> Self {
        RateLimiter { capacity, refill_every, buckets: Mutex::new(HashMap::new()) }
    }

    /// Takes one token for `key`, or says how many seconds to wait.
    pub fn check(&self, key: &str) -> Result<(), u64> {
        self.check_at(key, Instant::now())
    }

    fn check_at(&self, key: &str, now: Instant) -> Result<(), u64> {
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        if buckets.len() > 50_000 {
            let full = self.capacity as f64;
            buckets.retain(|_, b| self.refilled(*b, now) < full);
        }
        let bucket = buckets
            .entry(key.to_owned())
            .or_insert(Bucket { tokens: self.capacity as f64, updated: now });
        bucket.tokens = self.refilled(*bucket, now);
        bucket.updated = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            let missing = 1.0 - bucket.tokens;
            let wait = self.refill_every.as_secs_f64() * missing;
            Err(wait.ceil().max(1.0) as u64)
        }
    }

    fn refilled(&self, bucket: Bucket, now: Instant) -> f64 {
        let elapsed = now.saturating_duration_since(bucket.updated).as_secs_f64();
        let gained = elapsed / self.refill_every.as_secs_f64();
        (bucket.tokens + gained).min(self.capacity as f64)
    }

    /// [`check`](Self::check) as a domain error: 429 with the wait.
    pub fn admit(&self, key: &str) -> Result<(), crate::error::AppError> {
        self.check(key).map_err(|retry_after_secs| crate::error::AppError::RateLimited { retry_after_secs })
    }

    /// Forgets `key`, e.g. after a successful login.
    pub fn reset(&self, key: &str) {
        self.buckets.lock().unwrap_or_else(|p| p.into_inner()).remove(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allows_a_burst_then_refuses_with_a_wait() {
        let limiter = RateLimiter::new(3, Duration::from_secs(10));
        let t0 = Instant::now();
        for _ in 0..3 {
            assert!(limiter.check_at("a", t0).is_ok());
        }
        assert_eq!(limiter.check_at("a", t0), Err(10));
        assert!(limiter.check_at("b", t0).is_ok(), "keys are independent");
        assert!(limiter.check_at("a", t0 + Duration::from_secs(10)).is_ok(), "refills over time");
        limiter.reset("a");
        assert!(limiter.check_at("a", t0 + Duration::from_secs(10)).is_ok());
    }
}
