//! Per-user notifications, created by consumers of domain events (one per source event).

pub mod model;

#[cfg(feature = "ssr")]
pub mod service;

pub use model::*;
