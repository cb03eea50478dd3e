//! The catalog: venues with their seats and sections, events, prices, and what is
//! available for each event.

pub mod api;
pub mod art;
#[cfg(feature = "ssr")]
pub mod manage;
pub mod model;
pub mod organizer;
pub mod pages;
pub mod rules;
pub mod zone_names;
#[cfg(feature = "ssr")]
pub mod zone;

#[cfg(feature = "ssr")]
pub mod service;

pub use model::*;
