//! Door check-in: door staff an organizer names for one event, the check-in bundle a
//! device keeps to judge codes offline, and the scans devices sync (the first admission
//! by scan time wins; later ones are duplicates, with their device and time).

pub mod model;
#[cfg(any(feature = "ssr", feature = "hydrate"))]
pub mod rules;

#[cfg(feature = "ssr")]
pub mod access;
#[cfg(feature = "ssr")]
pub mod checkins;
#[cfg(feature = "ssr")]
pub mod service;

pub use model::*;
