//! The current time on either side, and a ticking signal for countdowns.

use leptos::prelude::*;

/// Milliseconds since the epoch, on the server, or in the browser by the server's clock
/// as this device last learnt it ([`learn_server_clock`]; the device's own clock may be
/// wrong: a hold's countdown follows the server's, and the door stamps scans with it).
pub fn now_ms() -> i64 {
    #[cfg(feature = "hydrate")]
    {
        js_sys::Date::now() as i64 + server_clock::offset_ms()
    }
    #[cfg(not(feature = "hydrate"))]
    {
        (time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64
    }
}

#[cfg(feature = "hydrate")]
pub use server_clock::learn as learn_server_clock;

/// How far the server's clock is ahead of this device's: learnt from the live stream's
/// `hello` and heartbeats and from the door's downloads, and kept on the device, so that
/// it holds offline and after a reload.
#[cfg(feature = "hydrate")]
mod server_clock {
    use std::cell::Cell;

    const KEY: &str = "taquilla.server-clock-offset-ms";

    thread_local! {
        static OFFSET_MS: Cell<Option<i64>> = const { Cell::new(None) };
    }

    fn storage() -> Option<web_sys::Storage> {
        web_sys::window()?.local_storage().ok()?
    }

    pub fn offset_ms() -> i64 {
        OFFSET_MS.with(|o| {
            o.get().unwrap_or_else(|| {
                let kept = storage().and_then(|s| s.get_item(KEY).ok().flatten()).and_then(|v| v.parse().ok()).unwrap_or(0);
                o.set(Some(kept));
                kept
            })
        })
    }

    /// The server's clock read `server_ms` when this device's read `device_ms` (for a
    /// request, halfway between asking and the answer).
    pub fn learn(server_ms: i64, device_ms: f64) {
        let offset = server_ms - device_ms as i64;
        if OFFSET_MS.with(|o| o.replace(Some(offset))) != Some(offset) {
            if let Some(storage) = storage() {
                let _ = storage.set_item(KEY, &offset.to_string());
            }
        }
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

/// A time as this device's clock reads it: "21:03:07" (on the server, in UTC).
pub fn on_this_device(t: time::OffsetDateTime) -> String {
    #[cfg(feature = "hydrate")]
    let t = {
        let minutes = -(js_sys::Date::new_0().get_timezone_offset() as i32);
        time::UtcOffset::from_whole_seconds(minutes * 60).map(|o| t.to_offset(o)).unwrap_or(t)
    };
    format!("{:02}:{:02}:{:02}", t.hour(), t.minute(), t.second())
}

/// Milliseconds since the epoch as a date-time (the epoch itself when out of range).
pub fn from_unix_ms(ms: i64) -> time::OffsetDateTime {
    time::OffsetDateTime::from_unix_timestamp_nanos(ms as i128 * 1_000_000).unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
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
