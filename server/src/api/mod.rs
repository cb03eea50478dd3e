//! The REST API under `/api/v1`. Handlers call the same domain services as the pages'
//! server functions.

pub mod auth;
pub mod error;
pub mod events;
pub mod extract;
pub mod openapi;
pub mod users;

use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::routing::{get, patch, post};
use axum::Router;
use serde_json::Value;

use app::state::AppState;

use crate::api::error::error_response;

/// Request bodies of the API are small JSON documents.
const MAX_BODY_BYTES: usize = 64 * 1024;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/auth/register", post(auth::register))
        .route("/auth/login", post(auth::login))
        .route("/auth/logout", post(auth::logout))
        .route("/me", get(auth::me))
        .route("/users", get(users::list).post(users::create))
        .route("/users/{id}", patch(users::update))
        .route("/events", get(events::list))
        .route("/events/{id}", get(events::get))
        .route("/events/{id}/seats", get(events::seats))
        .route("/openapi.json", get(openapi::document))
        .route("/docs", get(openapi::docs_page))
        .fallback(|| async { error_response(StatusCode::NOT_FOUND, "not_found", "No such API endpoint.", Value::Null) })
        .method_not_allowed_fallback(|| async {
            error_response(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed", "This endpoint does not accept that method.", Value::Null)
        })
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
}
