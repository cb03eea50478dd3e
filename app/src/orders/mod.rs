//! The box office: seat holds, orders and their payments.

pub mod api;
pub mod model;
pub mod pages;
pub mod picker;
pub mod rules;
pub mod seatmap;

#[cfg(feature = "ssr")]
pub mod cancellations;
#[cfg(feature = "ssr")]
pub mod hold_batches;
#[cfg(feature = "ssr")]
pub mod holds;
#[cfg(feature = "ssr")]
mod idempotency;
#[cfg(feature = "ssr")]
pub mod payments;
#[cfg(feature = "ssr")]
pub mod refunds;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod store;

pub use model::*;
