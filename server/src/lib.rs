//! Taquilla's server: the composition root. Configuration, database, bus, workers, the
//! HTTP router (Leptos pages, REST API, health) and the command line.

#![recursion_limit = "512"] // the OpenAPI document is one large `json!` literal

pub mod api;
pub mod bus;
pub mod cli;
pub mod config;
pub mod connections;
pub mod language;
pub mod event_pages;
pub mod seed;
pub mod service_worker;
pub mod startup;
pub mod stream_socket;
pub mod telemetry;
pub mod web;
pub mod workers;
