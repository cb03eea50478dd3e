//! A venue's time zone: event times are entered and shown in the venue's local time and
//! stored as instants. The zone rules (IANA, with their daylight-saving changes) come with
//! the server; the browser is handed times already in the venue's offset.

use jiff::civil::DateTime;
use jiff::tz::{AmbiguousOffset, TimeZone};
use time::{OffsetDateTime, PrimitiveDateTime, UtcOffset};

/// The zone of a venue when none is given: the house sells in Spain.
pub const DEFAULT_ZONE: &str = crate::catalog::zone_names::DEFAULT;

/// Why a local time names no single instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LocalTimeProblem {
    /// The clocks jump over it (spring forward): it never happens.
    Skipped,
    /// The clocks go back over it (fall back): it happens twice.
    Repeated,
}

/// The zone called `name`, if it is an IANA zone name we know.
pub fn zone(name: &str) -> Option<TimeZone> {
    let name = name.trim();
    if name.is_empty() || name.len() > 64 {
        return None;
    }
    TimeZone::get(name).ok()
}

/// The instant of a local date and time in `zone`: refused when the clocks skip it or
/// pass it twice, so that an event's time is never a guess.
pub fn instant_of(local: PrimitiveDateTime, zone: &TimeZone) -> Result<OffsetDateTime, LocalTimeProblem> {
    let civil = DateTime::new(
        local.year() as i16,
        u8::from(local.month()) as i8,
        local.day() as i8,
        local.hour() as i8,
        local.minute() as i8,
        local.second() as i8,
        0,
    )
    .map_err(|_| LocalTimeProblem::Skipped)?;
    match zone.to_ambiguous_timestamp(civil).offset() {
        AmbiguousOffset::Unambiguous { offset } => {
            let offset = UtcOffset::from_whole_seconds(offset.seconds()).map_err(|_| LocalTimeProblem::Skipped)?;
            Ok(local.assume_offset(offset))
        }
        AmbiguousOffset::Gap { .. } => Err(LocalTimeProblem::Skipped),
        AmbiguousOffset::Fold { .. } => Err(LocalTimeProblem::Repeated),
    }
}

/// The same instant in `zone`'s offset at that moment (what a clock at the venue shows).
pub fn local(t: OffsetDateTime, zone: &TimeZone) -> OffsetDateTime {
    let offset = jiff::Timestamp::from_second(t.unix_timestamp())
        .ok()
        .map(|ts| zone.to_offset(ts).seconds())
        .and_then(|s| UtcOffset::from_whole_seconds(s).ok())
        .unwrap_or(UtcOffset::UTC);
    t.to_offset(offset)
}

/// [`local`] by the zone's name; an unknown name (which validation keeps out) shows UTC.
pub fn local_in(t: OffsetDateTime, zone_name: &str) -> OffsetDateTime {
    match zone(zone_name) {
        Some(z) => local(t, &z),
        None => t.to_offset(UtcOffset::UTC),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{datetime, offset};

    fn madrid() -> TimeZone {
        zone("Europe/Madrid").expect("Europe/Madrid is known")
    }

    #[test]
    fn names_are_iana_zones() {
        assert!(zone("Europe/Madrid").is_some());
        assert!(zone("Atlantic/Canary").is_some());
        assert!(zone("UTC").is_some());
        assert!(zone("Europe/Atlantis").is_none());
        assert!(zone("").is_none());
        assert!(zone("../../etc/passwd").is_none());
    }

    #[test]
    fn winter_and_summer_times_in_madrid() {
        assert_eq!(instant_of(datetime!(2026-12-07 20:00), &madrid()).unwrap(), datetime!(2026-12-07 19:00 UTC));
        assert_eq!(instant_of(datetime!(2026-07-07 20:00), &madrid()).unwrap(), datetime!(2026-07-07 18:00 UTC));
        let shown = local(datetime!(2026-12-07 19:00 UTC), &madrid());
        assert_eq!((shown.hour(), shown.offset()), (20, offset!(+1)));
        let shown = local(datetime!(2026-07-07 18:00 UTC), &madrid());
        assert_eq!((shown.hour(), shown.offset()), (20, offset!(+2)));
    }

    /// On 29 March 2026 Madrid's clocks go from 02:00 to 03:00: 02:30 never happens.
    #[test]
    fn a_time_the_clocks_skip_is_refused() {
        assert_eq!(instant_of(datetime!(2026-03-29 02:30), &madrid()), Err(LocalTimeProblem::Skipped));
        assert_eq!(instant_of(datetime!(2026-03-29 01:59), &madrid()).unwrap(), datetime!(2026-03-29 00:59 UTC));
        assert_eq!(instant_of(datetime!(2026-03-29 03:00), &madrid()).unwrap(), datetime!(2026-03-29 01:00 UTC));
    }

    /// On 25 October 2026 Madrid's clocks go from 03:00 back to 02:00: 02:30 happens twice.
    #[test]
    fn a_time_the_clocks_repeat_is_refused() {
        assert_eq!(instant_of(datetime!(2026-10-25 02:30), &madrid()), Err(LocalTimeProblem::Repeated));
        assert_eq!(instant_of(datetime!(2026-10-25 01:30), &madrid()).unwrap(), datetime!(2026-10-24 23:30 UTC));
        assert_eq!(instant_of(datetime!(2026-10-25 03:30), &madrid()).unwrap(), datetime!(2026-10-25 02:30 UTC));
    }

    #[test]
    fn the_night_of_the_change_shows_each_instant_in_its_own_offset() {
        // 00:30 and 01:30 UTC on 25 October are 02:30 summer time and 02:30 winter time.
        let first = local(datetime!(2026-10-25 00:30 UTC), &madrid());
        let second = local(datetime!(2026-10-25 01:30 UTC), &madrid());
        assert_eq!((first.hour(), first.minute(), first.offset()), (2, 30, offset!(+2)));
        assert_eq!((second.hour(), second.minute(), second.offset()), (2, 30, offset!(+1)));
        assert_eq!(local_in(datetime!(2026-10-25 01:30 UTC), "Nowhere/Else").offset(), UtcOffset::UTC);
    }
}
