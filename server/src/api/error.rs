//! The REST boundary's error: `{"error": {"code", "message", "details"}}` with the status
//! of the domain error. Internal errors say only "something went wrong".

use axum::extract::Request;
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use app::error::AppError;
use app::i18n::{msg, I18n, Locale, Text};

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

    pub fn bad_request(message: impl Into<Text>) -> Self {
        ApiError(AppError::BadRequest(message.into()))
    }
}

/// Builds an error body with an explicit status, code and message.
pub fn error_response(status: StatusCode, code: &str, message: &str, details: Value) -> Response {
    let body = json!({ "error": { "code": code, "message": message, "details": details } });
    (status, Json(body)).into_response()
}

impl IntoResponse for ApiError {
    /// The body in English; [`localize_errors`] writes it again in the request's language.
    fn into_response(self) -> Response {
        let e = self.0;
        let mut res = render(&e, I18n::new(Locale::En));
        // Unavailable: the database or the broker is restarting; a retry soon succeeds.
        let retry_after = match e {
            AppError::RateLimited { retry_after_secs } => Some(retry_after_secs),
            AppError::Unavailable => Some(2),
            _ => None,
        };
        if let Some(v) = retry_after.and_then(|secs| HeaderValue::from_str(&secs.to_string()).ok()) {
            res.headers_mut().insert(header::RETRY_AFTER, v);
        }
        res.extensions_mut().insert(Rendered(e));
        res
    }
}

/// The error an answer's body was made from, for [`localize_errors`].
#[derive(Clone)]
struct Rendered(AppError);

/// The error body in one language: its `message`, and for field errors the message of
/// each field in `details`. The `code` is the same in every language.
fn render(e: &AppError, i18n: I18n) -> Response {
    let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let details = match e {
        AppError::Validation(fields) => {
            Value::Object(fields.iter().map(|(field, text)| (field.clone(), Value::String(i18n.text(text)))).collect())
        }
        AppError::Conflict { details, .. } => details.clone(),
        AppError::RateLimited { retry_after_secs } => json!({ "retry_after_secs": retry_after_secs }),
        _ => Value::Null,
    };
    let message = match e {
        AppError::Validation(_) => i18n.t(msg::errors::VALIDATION).to_string(),
        other => other.user_message(i18n),
    };
    error_response(status, e.code(), &message, details)
}

/// Writes the API's error bodies again in the language the request negotiated (see
/// `language::negotiate_locale`), keeping their status and headers.
pub async fn localize_errors(req: Request, next: Next) -> Response {
    let locale = req.extensions().get::<Locale>().copied();
    let res = next.run(req).await;
    match (locale, res.extensions().get::<Rendered>().cloned()) {
        (Some(locale), Some(Rendered(e))) if locale != Locale::En => {
            let (mut parts, _) = res.into_parts();
            let fresh = render(&e, I18n::new(locale));
            parts.headers.remove(header::CONTENT_LENGTH);
            Response::from_parts(parts, fresh.into_body())
        }
        _ => res,
    }
}
