//! Integration tests through the real router (see `helpers.rs`).

mod helpers;

mod auth;
mod bus;
mod catalog;
mod cross_cutting;
