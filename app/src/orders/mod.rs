//! The box office: seat holds, orders and their payments.

pub mod model;
pub mod rules;

#[cfg(feature = "ssr")]
pub mod holds;
#[cfg(feature = "ssr")]
pub mod service;

pub use model::*;
