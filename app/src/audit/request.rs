//! The request a change came from. Every domain event names the HTTP request that caused
//! it (`X-Request-Id`), directly or through the consumers: a consumer handles an event
//! within that event's request, so what it records names the same one. The event log
//! shows it, and the request's log lines carry it, so one click can be followed from the
//! browser to the last email it caused.

use std::future::Future;
use std::sync::Arc;

tokio::task_local! {
    static CURRENT: Option<Arc<str>>;
}

/// The longest request id taken from a client or a proxy; a longer one is replaced.
pub const MAX_LEN: usize = 64;

/// The id of the request this task works for (or of the event a consumer is handling).
pub fn current() -> Option<String> {
    CURRENT.try_with(|id| id.as_deref().map(str::to_owned)).ok().flatten()
}

/// Runs `work` on behalf of the request `id`.
pub async fn within<F: Future>(id: Option<String>, work: F) -> F::Output {
    CURRENT.scope(id.map(Arc::from), work).await
}

/// The id a client or a proxy in front gave (`X-Request-Id`) when it is one: 1 to
/// [`MAX_LEN`] letters, digits, `-`, `_`, `.` or `:`; a fresh one otherwise.
pub fn accept(given: Option<&str>) -> String {
    match given {
        Some(id) if !id.is_empty() && id.len() <= MAX_LEN && id.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b)) => id.to_owned(),
        _ => uuid::Uuid::new_v4().simple().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sane_id_is_kept_and_anything_else_replaced() {
        assert_eq!(accept(Some("lb-7f3a:01.2_x")), "lb-7f3a:01.2_x");
        for bad in [None, Some(""), Some("a b"), Some("<script>"), Some("é"), Some(&*"x".repeat(MAX_LEN + 1))] {
            let id = accept(bad);
            assert_eq!(id.len(), 32, "{bad:?} gave {id}");
            assert!(id.bytes().all(|b| b.is_ascii_hexdigit()));
        }
    }

    #[tokio::test]
    async fn the_id_is_the_scope_s_and_none_outside() {
        assert_eq!(current(), None);
        let seen = within(Some("r-1".into()), async { current() }).await;
        assert_eq!(seen.as_deref(), Some("r-1"));
        assert_eq!(within(None, async { current() }).await, None);
    }
}
