//! Extractors whose rejections are JSON errors: bodies, queries, the signed-in user.

use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{Extensions, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use serde_json::json;

use app::i18n::{msg, I18n, Locale};
use app::state::AppState;
use app::users::{session, User};
use app::AppError;

use crate::api::error::{error_response, ApiError};

/// The request's language, as `language::negotiate_locale` put it in its extensions, for
/// the answers made here rather than from an [`ApiError`] (whose body is put into the
/// request's language where it is answered).
pub fn request_i18n(extensions: &Extensions) -> I18n {
    I18n::new(extensions.get::<Locale>().copied().unwrap_or_default())
}

/// A JSON body; malformed JSON is 400, wrong shapes or types 422, too large 413.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let i18n = request_i18n(req.extensions());
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(value)) => Ok(ApiJson(value)),
            Err(rejection) => Err(json_rejection(rejection, i18n)),
        }
    }
}

/// The parser's own words (`details.body`) stay as it said them: they name what it met.
fn json_rejection(rejection: JsonRejection, i18n: I18n) -> Response {
    let text = rejection.body_text();
    match rejection {
        JsonRejection::JsonDataError(_) => error_response(
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            i18n.t(msg::errors_api::BODY_FIELDS),
            json!({ "body": text }),
        ),
        JsonRejection::JsonSyntaxError(_) => {
            error_response(StatusCode::BAD_REQUEST, "malformed_json", i18n.t(msg::errors_api::MALFORMED_JSON), json!({ "body": text }))
        }
        JsonRejection::MissingJsonContentType(_) => error_response(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            i18n.t(msg::errors_api::JSON_CONTENT_TYPE),
            serde_json::Value::Null,
        ),
        // What axum says of a body it could not read (too large, cut short): no translation.
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
            Err(rejection) => Err(query_rejection(rejection, request_i18n(&parts.extensions))),
        }
    }
}

fn query_rejection(rejection: QueryRejection, i18n: I18n) -> Response {
    error_response(
        StatusCode::BAD_REQUEST,
        "invalid_query",
        i18n.t(msg::errors_api::INVALID_QUERY),
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

/// The request's language (see [`request_i18n`]), for answers that carry texts.
pub struct RequestI18n(pub I18n);

impl<S: Send + Sync> FromRequestParts<S> for RequestI18n {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(RequestI18n(request_i18n(&parts.extensions)))
    }
}
