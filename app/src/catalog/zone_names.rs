//! Time-zone names the organizer's venue form suggests (any IANA name is accepted; the
//! server checks it, see `zone`).

/// The house's zone, where a venue names none.
pub const DEFAULT: &str = "Europe/Madrid";

/// Suggested in the venue form: Spain's zones first, then neighbours and Latin America.
pub const COMMON: [&str; 12] = [
    "Europe/Madrid",
    "Atlantic/Canary",
    "Africa/Ceuta",
    "Europe/Lisbon",
    "Europe/London",
    "Europe/Paris",
    "Europe/Berlin",
    "Europe/Rome",
    "America/Mexico_City",
    "America/Bogota",
    "America/Argentina/Buenos_Aires",
    "UTC",
];
