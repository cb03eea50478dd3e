//! The organizer's side of the catalog: their venues and events, putting them on sale,
//! the sales figures and the orders export.

pub mod api;
pub mod form_pages;
pub mod pages;

#[cfg(feature = "ssr")]
pub mod orders_export;
#[cfg(feature = "ssr")]
pub mod service;
