//! Taquilla's server: the composition root. Configuration, database, bus, workers, the
//! HTTP router (Leptos pages, REST API, health) and the command line.

pub mod api;
pub mod bus;
pub mod cli;
pub mod config;
pub mod seed;
pub mod startup;
pub mod telemetry;
pub mod web;
pub mod workers;
