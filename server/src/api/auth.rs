//! `/auth/*` and `/me`.

use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde::Deserialize;
use serde_json::json;

use app::i18n::negotiate::language_cookie;
use app::i18n::Locale;
use app::state::AppState;
use app::users::service::{self, NewUser};
use app::users::{session, Role, User};

use crate::api::error::ApiResult;
use crate::api::extract::{ApiJson, AuthUser, ClientIp};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegisterBody {
    email: String,
    display_name: String,
    password: String,
}

/// 201 with the user. An email that already has an account gets the same answer (a user
/// that was not stored; the account is left as it was), so registration does not tell
/// who is registered; see `service::sign_up`.
pub async fn register(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    locale: Option<Extension<Locale>>,
    ApiJson(body): ApiJson<RegisterBody>,
) -> ApiResult<(StatusCode, Json<User>)> {
    let new = NewUser {
        email: body.email,
        display_name: body.display_name,
        password: body.password,
        role: Role::Customer,
        skills: vec![],
    };
    // The account keeps the language the request was answered in.
    let locale = locale.map(|Extension(locale)| locale);
    let sign_up = service::sign_up(&state.db, &state.accounts, ip, new, locale).await?;
    Ok((StatusCode::CREATED, Json(sign_up.user)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoginBody {
    email: String,
    password: String,
}

/// Checks the credentials and answers with a bearer token; the same token is also set
/// as the session cookie, so a browser using the API is signed in too.
pub async fn login(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    ApiJson(body): ApiJson<LoginBody>,
) -> ApiResult<Response> {
    let signed_in = service::log_in(&state.db, &state.accounts, ip, &body.email, &body.password, session::SessionKind::Api, None).await?;
    let ttl = state.accounts.session_ttl;
    let body = json!({ "token": signed_in.token, "token_type": "Bearer", "expires_in": ttl.as_secs(), "user": signed_in.user });
    let mut res = Json(body).into_response();
    if let Ok(v) = HeaderValue::from_str(&signed_in.cookie) {
        res.headers_mut().insert(header::SET_COOKIE, v);
    }
    // The profile's language follows the person to this browser.
    if let Some(locale) = signed_in.user.locale.as_deref().and_then(Locale::parse) {
        if let Ok(v) = HeaderValue::from_str(&language_cookie(locale, state.accounts.secure_cookies)) {
            res.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    Ok(res)
}

/// Ends the session or revokes the token the request carries. Idempotent.
pub async fn logout(State(state): State<AppState>, headers: HeaderMap) -> ApiResult<Response> {
    let token = session::token_from_headers(&headers);
    let cleared = service::log_out(&state.db, &state.accounts, token.as_deref()).await?;
    let mut res = StatusCode::NO_CONTENT.into_response();
    if let Ok(v) = HeaderValue::from_str(&cleared) {
        res.headers_mut().insert(header::SET_COOKIE, v);
    }
    Ok(res)
}

pub async fn me(AuthUser(user): AuthUser) -> Json<User> {
    Json(user)
}

