//! The current time on either side, and a ticking signal for countdowns.

use leptos::prelude::*;

/// Milliseconds since the epoch, on the server, or in the browser by the server's clock
/// as the live stream last told it (the browser's own clock may be wrong: a hold's
/// countdown follows the server's).
pub fn now_ms() -> i64 {
    #[cfg(feature = "hydrate")]
    {
        crate::ui::stream::server_now_ms()
    }
    #[cfg(not(feature = "hydrate"))]
    {
        (time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64
    }
}

/// A signal holding the current time, updated every `every_ms` in the browser.
pub fn ticking(every_ms: u64) -> ReadSignal<i64> {
    let (now, set_now) = signal(now_ms());
    #[cfg(feature = "hydrate")]
    {
        use leptos::leptos_dom::helpers::set_interval_with_handle;
        if let Ok(handle) = set_interval_with_handle(move || set_now.set(now_ms()), std::time::Duration::from_millis(every_ms)) {
            on_cleanup(move || handle.clear());
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (set_now, every_ms);
    now
}

/// "9:05" for a remaining time in milliseconds.
pub fn countdown(ms: i64) -> String {
    let secs = (ms.max(0) + 999) / 1000;
    format!("{}:{:02}", secs / 60, secs % 60)
}

/// A date-time as milliseconds since the epoch.
pub fn unix_ms(t: time::OffsetDateTime) -> i64 {
    (t.unix_timestamp_nanos() / 1_000_000) as i64
}

#[cfg(test)]
mod tests {
    #[test]
    fn countdowns_round_up_to_the_second() {
        assert_eq!(super::countdown(600_000), "10:00");
        assert_eq!(super::countdown(545_001), "9:06");
        assert_eq!(super::countdown(-5), "0:00");
    }
}
