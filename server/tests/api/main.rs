//! Integration tests through the real router (see `helpers.rs`).

mod helpers;

mod auth;
mod box_office;
mod box_office_timing;
mod bus;
mod buyer_limits;
mod cancellations;
mod catalog;
mod consumers;
mod crash;
mod event_log;
mod cross_cutting;
mod door;
mod faults;
mod hardening;
mod headers;
mod hostile_text;
mod i18n;
mod live;
mod login_abuse;
mod notifications;
mod organizer;
mod proxy;
mod rate_limits;
mod reliability;
mod rush;
mod seat_maps;
mod seat_selection;
mod smtp_sink;
mod sse;
mod stream_connections;
mod support;
mod support_conversation;
mod support_files;
