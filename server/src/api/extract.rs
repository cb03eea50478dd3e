//! Extractors whose rejections are JSON errors: bodies, queries, the signed-in user.

use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use serde_json::json;

use app::state::AppState;
use app::users::{session, User};
use app::AppError;

use crate::api::error::{error_response, ApiError};

/// A JSON body; malformed JSON is 400, wrong shapes or types 422, too large 413.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(value)) => Ok(ApiJson(value)),
            Err(rejection) => Err(json_rejection(rejection)),
        }
    }
}

fn json_rejection(rejection: JsonRejection) -> Response {
    let text = rejection.body_text();
    match rejection {
        JsonRejection::JsonDataError(_) => error_response(
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            "The request body does not have the expected fields or types.",
            json!({ "body": text }),
        ),
        JsonRejection::JsonSyntaxError(_) => {
            error_response(StatusCode::BAD_REQUEST, "malformed_json", "The request body is not valid JSON.", json!({ "body": text }))
        }
        JsonRejection::MissingJsonContentType(_) => error_response(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "Send the body as JSON with Content-Type: application/json.",
            serde_json::Value::Null,
        ),
        other => {
            let status = other.status();
            let code = if status == StatusCode::PAYLOAD_TOO_LARGE { "payload_too_large" } else { "bad_request" };
            error_response(status, code, &other.body_text(), serde_json::Value::Null)
        }
    }
}

/// Query parameters; a malformed query is 400 with the reason.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(value)) => Ok(ApiQuery(value)),
            Err(rejection) => Err(query_rejection(rejection)),
        }
    }
}

fn query_rejection(rejection: QueryRejection) -> Response {
    error_response(
        StatusCode::BAD_REQUEST,
        "invalid_query",
        "The query string is not valid.",
        json!({ "query": rejection.body_text() }),
    )
}

/// The signed-in user (bearer token or session cookie); 401 otherwise.
pub struct AuthUser(pub User);

impl FromRequestParts<AppState> for AuthUser {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let token = session::token_from_headers(&parts.headers).ok_or_else(|| ApiError(AppError::Unauthorized).into_response())?;
        match session::resolve(&state.db, &state.accounts.sessions, &token).await {
            Ok(Some(user)) => Ok(AuthUser(user)),
            Ok(None) => Err(ApiError(AppError::Unauthorized).into_response()),
            Err(e) => Err(ApiError(e).into_response()),
        }
    }
}

/// An administrator; 401 when signed out, 403 for other roles.
pub struct AdminUser(pub User);

impl FromRequestParts<AppState> for AdminUser {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let AuthUser(user) = AuthUser::from_request_parts(parts, state).await?;
        if user.is_admin() { Ok(AdminUser(user)) } else { Err(ApiError(AppError::Forbidden).into_response()) }
    }
}

/// The client address, believing `X-Forwarded-For` only from trusted proxies.
pub struct ClientIp(pub std::net::IpAddr);

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let peer = app::net::peer_ip(&parts.extensions);
        Ok(ClientIp(state.trusted_proxies.client_ip(peer, &parts.headers)))
    }
}

/// An event named in a path by id or slug; anything longer than a slug is "not found".
pub fn event_ref(raw: &str) -> Result<&str, ApiError> {
    if raw.len() > 120 { Err(ApiError(AppError::NotFound)) } else { Ok(raw) }
}

/// A path id that must be a UUID; anything else is "not found", as an unknown id is.
pub fn parse_id(raw: &str) -> Result<String, ApiError> {
    uuid::Uuid::parse_str(raw).map(|u| u.to_string()).map_err(|_| ApiError(AppError::NotFound))
}
