//! The REST API under `/api/v1`. Handlers call the same domain services as the pages'
//! server functions.

pub mod auth;
pub mod door;
pub mod error;
pub mod event_log;
pub mod events;
pub mod extract;
pub mod openapi;
pub mod orders;
pub mod notifications;
pub mod organizer;
pub mod stream;
pub mod support;
pub mod users;

use axum::extract::{DefaultBodyLimit, Request};
use axum::http::StatusCode;
use axum::routing::{delete, get, patch, post};
use axum::Router;
use serde_json::Value;

use app::i18n::msg;
use app::state::AppState;

use crate::api::error::error_response;

/// Request bodies of the API are small JSON documents (but those that carry files).
const MAX_BODY_BYTES: usize = 64 * 1024;
/// 500 scans of about 250 bytes each.
const CHECKINS_BODY_BYTES: usize = 256 * 1024;
const ATTACHMENTS_BODY_BYTES: usize = app::support::attachments::BODY_MAX;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/auth/register", post(auth::register))
        .route("/auth/login", post(auth::login))
        .route("/auth/logout", post(auth::logout))
        .route("/me", get(auth::me))
        .route("/users", get(users::list).post(users::create))
        .route("/users/{id}", patch(users::update))
        .route("/events", get(events::list).post(organizer::create_event))
        .route("/events/{id}", get(events::get).patch(organizer::update_event))
        .route("/events/{id}/sales", get(organizer::sales))
        .route("/events/{id}/orders.csv", get(organizer::orders_csv))
        .route("/venues", get(organizer::list_venues).post(organizer::create_venue))
        .route("/events/{id}/seats", get(events::seats))
        .route("/events/{id}/seat-statuses", get(events::seat_statuses))
        .route("/events/{id}/holds", post(orders::create_hold))
        .route("/events/{id}/revocations", get(orders::revocations))
        .route("/events/{id}/checkin-bundle", get(door::bundle))
        .route("/events/{id}/checkins", get(door::changes))
        .route("/events/{id}/door", get(door::summary))
        .route("/events/{id}/door-staff", get(door::staff).post(door::grant))
        .route("/events/{id}/door-staff/{user_id}", delete(door::revoke))
        .route("/door/events", get(door::events))
        // A device's scans: up to 500 in a batch.
        .route("/checkins", post(door::sync).layer(DefaultBodyLimit::max(CHECKINS_BODY_BYTES)))
        .route("/holds/{id}", get(orders::get_hold).delete(orders::release_hold))
        .route("/orders", get(orders::list_orders).post(orders::place_order))
        .route("/orders/{id}", get(orders::get_order))
        .route("/orders/{id}/cancel", post(orders::cancel_order))
        .route("/tickets", get(orders::list_tickets))
        .route("/tickets/signing-key", get(orders::signing_key))
        .route("/tickets/{id}", get(orders::get_ticket))
        .route("/tickets/{id}/qr.svg", get(orders::ticket_qr))
        .route("/notifications", get(notifications::list))
        .route("/notifications/read-all", post(notifications::mark_all_read))
        .route("/notifications/preferences", get(notifications::preferences).put(notifications::set_preferences))
        .route("/notifications/{id}/read", patch(notifications::mark_read))
        // Support tickets and replies may carry files (see `app::support::attachments`).
        .route("/support/tickets", get(support::list).post(support::create).layer(DefaultBodyLimit::max(ATTACHMENTS_BODY_BYTES)))
        .route("/support/tickets/{id}", get(support::get).patch(support::update))
        .route("/support/tickets/{id}/messages", post(support::reply).layer(DefaultBodyLimit::max(ATTACHMENTS_BODY_BYTES)))
        .route("/support/tickets/{id}/attachments/{file_id}", get(support::attachment))
        .route("/support/tickets/{id}/order", get(support::order))
        .route("/support/tickets/{id}/order/refund", post(support::refund))
        .route("/support/tickets/{id}/order/resend", post(support::resend))
        .route("/support/agents", get(support::agents))
        .route("/support/agents/{id}", patch(support::update_agent))
        .route("/assignments", get(support::assignments))
        .route("/stream", get(stream::stream))
        .route("/admin/event-log", get(event_log::list))
        .route("/admin/event-log/retry-failed", post(event_log::retry_failed))
        .route("/admin/event-log/{id}/retry", post(event_log::retry))
        .route("/openapi.json", get(openapi::document))
        .route("/docs", get(openapi::docs_page))
        .fallback(|req: Request| async move {
            let message = extract::request_i18n(req.extensions()).t(msg::errors_api::NO_ENDPOINT);
            error_response(StatusCode::NOT_FOUND, "not_found", message, Value::Null)
        })
        .method_not_allowed_fallback(|req: Request| async move {
            let message = extract::request_i18n(req.extensions()).t(msg::errors_api::METHOD_NOT_ALLOWED);
            error_response(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed", message, Value::Null)
        })
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
}
