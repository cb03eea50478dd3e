//! Door check-in: door staff an organizer names for one event, the check-in bundle a
//! device keeps to judge codes offline, and the scans devices sync (the first admission
//! by scan time wins; later ones are duplicates, with their device and time).

pub mod camera;
pub mod model;
pub mod pages;
#[cfg(any(feature = "hydrate", test))]
pub mod qr_read;
#[cfg(any(feature = "ssr", feature = "hydrate"))]
pub mod rules;
pub mod scanner;

#[cfg(feature = "ssr")]
pub mod access;
#[cfg(feature = "ssr")]
pub mod checkins;
#[cfg(feature = "hydrate")]
pub mod device;
#[cfg(feature = "ssr")]
pub mod service;

pub use model::*;
