//! The catalog: venues with their seats and sections, events, prices, and what is
//! available for each event.

pub mod api;
pub mod art;
#[cfg(feature = "ssr")]
pub mod manage;
pub mod model;
#[cfg(feature = "ssr")]
pub mod organizer;
#[cfg(feature = "ssr")]
pub mod orders_export;
pub mod organizer_form_pages;
pub mod organizer_forms;
pub mod organizer_pages;
pub mod pages;
pub mod rules;
pub mod seatmap;

#[cfg(feature = "ssr")]
pub mod service;

pub use model::*;
