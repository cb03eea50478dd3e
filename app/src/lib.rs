//! Taquilla's isomorphic application: shared types and rules, server functions, pages.
//!
//! Server-only code is behind the `ssr` feature, browser-only code behind `hydrate`.
//! Each domain keeps its types, rules, services, server functions and pages together.

pub mod admin;
pub mod audit;
pub mod catalog;
pub mod door;
pub mod error;
pub mod i18n;
pub mod live;
pub mod notifications;
pub mod orders;
pub mod paging;
pub mod support;
pub mod tickets;
pub mod ui;
pub mod users;

#[cfg(feature = "ssr")]
pub mod context;
#[cfg(feature = "ssr")]
pub mod db;
#[cfg(feature = "ssr")]
pub mod net;
#[cfg(feature = "ssr")]
pub mod sealing;
#[cfg(feature = "ssr")]
pub mod state;

mod frame;
mod routes;
mod sync;

pub use error::AppError;
pub use routes::{load_page_of, shell, App, KEPT_PAGES};
#[cfg(feature = "hydrate")]
pub use routes::mount_shell;
