//! Per-user notifications, made by the notifier from domain events (one per source event
//! and recipient), shown in the app and sent by email as each person chose.

pub mod api;
pub mod badge;
pub mod model;
pub mod pages;
pub mod rules;

#[cfg(feature = "ssr")]
pub mod mail;
#[cfg(feature = "ssr")]
pub mod notifier;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod texts;

pub use model::*;
