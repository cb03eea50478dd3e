//! `/notifications`: the signed-in user's notifications and their settings. The texts
//! come in the request's language.

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Json;
use serde::Deserialize;

use app::notifications::{rules, service, MarkedRead, Notification, Preferences};
use app::paging::Page;
use app::state::AppState;
use app::users::session;
use app::AppError;

use crate::api::error::{ApiError, ApiResult};
use crate::api::extract::{parse_id, ApiJson, ApiQuery, AuthUser, RequestI18n};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    #[serde(default)]
    page: Option<i64>,
    /// Only the unread ones.
    #[serde(default)]
    unread: Option<bool>,
}

pub async fn list(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    RequestI18n(i18n): RequestI18n,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> ApiResult<Json<Page<Notification>>> {
    let page = match q.page.unwrap_or(1) {
        p if (1..=app::paging::MAX_PAGE).contains(&p) => p,
        _ => return Err(AppError::field("page", app::i18n::msg::errors::PAGE_START).into()),
    };
    Ok(Json(service::list_for(&state.db, &user, q.unread.unwrap_or(false), page, i18n).await?))
}

/// Marks one read; again is the same as once. Another user's answers 404.
pub async fn mark_read(State(state): State<AppState>, AuthUser(user): AuthUser, RequestI18n(i18n): RequestI18n, Path(id): Path<String>) -> ApiResult<Json<Notification>> {
    Ok(Json(service::mark_read(&state.db, &user, &parse_id(&id)?, i18n).await?))
}

pub async fn mark_all_read(State(state): State<AppState>, AuthUser(user): AuthUser) -> ApiResult<Json<MarkedRead>> {
    Ok(Json(service::mark_all_read(&state.db, &user).await?))
}

pub async fn preferences(State(state): State<AppState>, AuthUser(user): AuthUser) -> ApiResult<Json<Preferences>> {
    Ok(Json(service::preferences(&state.db, &user).await?))
}

/// Saves the kinds named (the others keep their settings) and answers them all.
pub async fn set_preferences(State(state): State<AppState>, AuthUser(user): AuthUser, ApiJson(body): ApiJson<Preferences>) -> ApiResult<Json<Preferences>> {
    Ok(Json(service::set_preferences(&state.db, &user, &body.items).await?))
}

/// The settings page's plain form (`on=KIND:CHANNEL` for each ticked box): saves every
/// kind, and leads back to the page. Signed out, it leads to the login page.
pub async fn settings_form(State(state): State<AppState>, headers: HeaderMap, body: axum::body::Bytes) -> Response {
    let back = rules::SETTINGS_PAGE_PATH;
    let user = match session::token_from_headers(&headers) {
        Some(token) => session::resolve(&state.db, &state.accounts.sessions, &token).await,
        None => Ok(None),
    };
    let user = match user {
        Ok(Some(user)) => user,
        Ok(None) => return Redirect::to(&format!("/login?next={}", back.replace('/', "%2F"))).into_response(),
        Err(e) => return ApiError(e).into_response(),
    };
    let ticked: Vec<String> = form_urlencoded(&body).into_iter().filter(|(name, _)| name == "on").map(|(_, value)| value).collect();
    let items = rules::from_form(user.role, &ticked);
    match service::set_preferences(&state.db, &user, &items).await {
        Ok(_) => Redirect::to(&format!("{back}?saved=1")).into_response(),
        Err(e) => ApiError(e).into_response(),
    }
}

/// The name/value pairs of a form body (repeated names kept; what does not decode is
/// read as the browser would have meant it).
fn form_urlencoded(body: &[u8]) -> Vec<(String, String)> {
    form_urlencoded::parse(body).map(|(k, v)| (k.into_owned(), v.into_owned())).collect()
}
