//! Accounts: registration, sign-in sessions and API tokens, roles, administration.

pub mod admin_pages;
pub mod api;
pub mod model;
pub mod pages;
pub mod rules;
pub mod session_ui;

#[cfg(feature = "ssr")]
pub mod accounts;
#[cfg(feature = "ssr")]
pub mod login_throttle;
#[cfg(feature = "ssr")]
pub mod password;
#[cfg(feature = "ssr")]
pub mod ratelimit;
#[cfg(feature = "ssr")]
mod rows;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod session;
#[cfg(feature = "ssr")]
pub mod signed_in;

pub use model::{Role, User};
