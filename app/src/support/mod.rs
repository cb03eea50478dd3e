//! The support desk: support tickets written by customers (about one of their orders, if
//! they like), given to agents by skill, load and availability (the assigner), worked on
//! in the agent desk with public replies and internal notes.

pub mod api;
pub mod desk_pages;
pub mod model;
pub mod pages;
pub mod rules;
pub mod ticket_views;
pub mod waiting;

#[cfg(feature = "ssr")]
pub mod assigner;
#[cfg(feature = "ssr")]
pub mod attachments;
#[cfg(feature = "ssr")]
pub mod conversation;
#[cfg(feature = "ssr")]
pub mod desk;
#[cfg(feature = "ssr")]
pub mod panel;
#[cfg(feature = "ssr")]
pub mod service;

pub use model::*;
