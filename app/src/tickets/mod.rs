//! Admission tickets: one per seat of a paid order, with a code signed with Ed25519 that
//! a door device can verify offline, shown as a QR code.

pub mod api;
#[cfg(any(feature = "ssr", feature = "hydrate"))]
pub mod codes;
pub mod model;
pub mod pages;

#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod signing;
#[cfg(feature = "ssr")]
pub mod store;

pub use model::*;
