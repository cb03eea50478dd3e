//! The REST boundary's error: `{"error": {"code", "message", "details"}}` with the status
//! of the domain error. Internal errors say only "something went wrong".

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use app::AppError;

#[derive(Debug)]
pub struct ApiError(pub AppError);

pub type ApiResult<T> = Result<T, ApiError>;

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        ApiError(e)
    }
}

impl ApiError {
    /// The same body with another status (e.g. 403 for a refused cross-origin write).
    pub fn with_status(self, status: StatusCode) -> Response {
        let mut res = self.into_response();
        *res.status_mut() = status;
        res
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        ApiError(AppError::BadRequest(message.into()))
    }
}

/// Builds an error body with an explicit status, code and message.
pub fn error_response(status: StatusCode, code: &str, message: &str, details: Value) -> Response {
    let body = json!({ "error": { "code": code, "message": message, "details": details } });
    (status, Json(body)).into_response()
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let e = self.0;
        let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let details = match &e {
            AppError::Validation(fields) => json!(fields),
            AppError::Conflict { details, .. } => details.clone(),
            AppError::RateLimited { retry_after_secs } => json!({ "retry_after_secs": retry_after_secs }),
            _ => Value::Null,
        };
        let message = match &e {
            AppError::Validation(_) => "Some fields are not valid.".to_string(),
            other => {
                let m = other.to_string();
                let mut chars = m.chars();
                chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
            }
        };
        let mut res = error_response(status, e.code(), &message, details);
        // Unavailable: the database or the broker is restarting; a retry soon succeeds.
        let retry_after = match e {
            AppError::RateLimited { retry_after_secs } => Some(retry_after_secs),
            AppError::Unavailable => Some(2),
            _ => None,
        };
        if let Some(v) = retry_after.and_then(|secs| HeaderValue::from_str(&secs.to_string()).ok()) {
            res.headers_mut().insert(header::RETRY_AFTER, v);
        }
        res
    }
}
