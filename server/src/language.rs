//! The visitor's language at the web edge: which one each request gets, the header's
//! switch that changes it, and the two files that are not pages but are read by people
//! (the web manifest and the offline page), written in it.

use axum::extract::{Query, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use serde::Deserialize;

use app::i18n::negotiate::{from_cookie_header, language_cookie, negotiate, LANGUAGE_PATH};
use app::i18n::{msg, I18n, Locale, Msg};
use app::state::AppState;

use crate::api::error::ApiError;

/// The language of a request: its cookie's, else its `Accept-Language`'s, else the house's.
pub fn request_locale(headers: &HeaderMap, default: Locale) -> Locale {
    let cookie = headers.get_all(header::COOKIE).iter().filter_map(|v| v.to_str().ok()).find_map(from_cookie_header);
    let accept = headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok());
    negotiate(cookie, accept, default)
}

/// Puts the request's [`Locale`] in its extensions (pages, server functions and the API's
/// errors read it there) and says in the answer which language it is in, and that the
/// language depends on those headers.
pub async fn negotiate_locale(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let locale = request_locale(req.headers(), state.default_locale);
    req.extensions_mut().insert(locale);
    let mut res = next.run(req).await;
    let headers = res.headers_mut();
    if let Ok(value) = HeaderValue::from_str(locale.code()) {
        headers.insert(header::CONTENT_LANGUAGE, value);
    }
    // One Vary header for all (a client reading only the first would miss the others).
    let mut vary: Vec<String> = headers.get_all(header::VARY).iter().filter_map(|v| v.to_str().ok()).map(str::to_owned).collect();
    vary.push("accept-language, cookie".into());
    if let Ok(value) = HeaderValue::from_str(&vary.join(", ")) {
        headers.insert(header::VARY, value);
    }
    res
}

#[derive(Deserialize)]
pub struct LanguageChoice {
    lang: String,
    #[serde(default)]
    back: Option<String>,
}

/// `POST /language` (the header's switch): remembers the language in a cookie, and in the
/// profile of a signed-in user, then sends the visitor back to the page they were on.
pub async fn set_language(State(state): State<AppState>, headers: HeaderMap, Form(choice): Form<LanguageChoice>) -> Response {
    let Some(locale) = Locale::parse(&choice.lang).filter(|l| Locale::ALL.contains(l)) else {
        return ApiError(app::AppError::field("lang", msg::language::UNKNOWN)).into_response();
    };
    if let Some(token) = app::users::session::token_from_headers(&headers) {
        match app::users::session::resolve(&state.db, &state.accounts.sessions, &token).await {
            Ok(Some(user)) => {
                if let Err(e) = app::users::service::set_locale(&state.db, user.id, locale).await {
                    return ApiError(e).into_response();
                }
                state.accounts.sessions.forget_user(&user.id.to_string());
            }
            Ok(None) => {}
            Err(e) => return ApiError(e).into_response(),
        }
    }
    let back = app::users::api::safe_next(choice.back.as_deref());
    let secure = state.public_url.starts_with("https://");
    let mut res = Redirect::to(&back).into_response();
    if let Ok(cookie) = HeaderValue::from_str(&language_cookie(locale, secure)) {
        res.headers_mut().append(header::SET_COOKIE, cookie);
    }
    res
}

#[derive(Deserialize)]
pub struct LanguageQuery {
    #[serde(default)]
    lang: Option<String>,
}

/// The language a file is asked for: `?lang=`, else the request's.
fn file_locale(query: &LanguageQuery, headers: &HeaderMap, default: Locale) -> Locale {
    query.lang.as_deref().and_then(Locale::parse).unwrap_or_else(|| request_locale(headers, default))
}

/// The web manifest and the offline page, from `public/`, filled in per language here.
const MANIFEST: &str = include_str!("../../public/manifest.webmanifest");
const OFFLINE_PAGE: &str = include_str!("../../public/offline.html");

/// `GET /manifest.webmanifest`: the web manifest with its description and `lang` in the
/// language asked for (the page links it with `?lang=`; browsers fetch it without cookies).
pub async fn manifest(State(state): State<AppState>, Query(query): Query<LanguageQuery>, headers: HeaderMap) -> Response {
    let i18n = I18n::new(file_locale(&query, &headers, state.default_locale));
    let Ok(mut manifest) = serde_json::from_str::<serde_json::Value>(MANIFEST) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    manifest["lang"] = i18n.locale.code().into();
    manifest["description"] = i18n.t(msg::pwa::MANIFEST_DESCRIPTION).into();
    (
        [(header::CONTENT_TYPE, HeaderValue::from_static("application/manifest+json")), (header::CACHE_CONTROL, HeaderValue::from_static("no-cache"))],
        manifest.to_string(),
    )
        .into_response()
}

/// The offline page's texts, by the `{{name}}` marks of `public/offline.html`.
const OFFLINE_TEXTS: [(&str, Msg); 14] = [
    ("offline_title", msg::pwa::OFFLINE_TITLE),
    ("offline_status", msg::pwa::OFFLINE_STATUS),
    ("offline_text", msg::pwa::OFFLINE_TEXT),
    ("offline_buying_title", msg::pwa::OFFLINE_BUYING_TITLE),
    ("offline_buying_text", msg::pwa::OFFLINE_BUYING_TEXT),
    ("offline_saved", msg::pwa::OFFLINE_SAVED),
    ("offline_retry", msg::pwa::OFFLINE_RETRY),
    ("offline_home", msg::pwa::OFFLINE_HOME),
    ("offline_hint", msg::pwa::OFFLINE_HINT),
    ("offline_kept", msg::pwa::OFFLINE_KEPT),
    ("offline_tickets", msg::pwa::OFFLINE_TICKETS),
    ("offline_orders", msg::pwa::OFFLINE_ORDERS),
    ("offline_notifications", msg::pwa::OFFLINE_NOTIFICATIONS),
    ("offline_support", msg::pwa::OFFLINE_SUPPORT),
];

/// `GET /offline.html`: the page the service worker shows for a page it cannot reach, in
/// the language asked for (it keeps one per language).
pub async fn offline_page(State(state): State<AppState>, Query(query): Query<LanguageQuery>, headers: HeaderMap) -> Response {
    let i18n = I18n::new(file_locale(&query, &headers, state.default_locale));
    (
        [(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8")), (header::CACHE_CONTROL, HeaderValue::from_static("no-cache"))],
        fill_offline_page(OFFLINE_PAGE, i18n),
    )
        .into_response()
}

fn fill_offline_page(template: &str, i18n: I18n) -> String {
    let mut page = template.replace("{{lang}}", i18n.locale.code());
    for (mark, text) in OFFLINE_TEXTS {
        page = page.replace(&format!("{{{{{mark}}}}}"), &app::ui::title::escape_html(i18n.t(text)));
    }
    page
}

/// The language routes share the app's state.
pub fn routes() -> axum::Router<AppState> {
    axum::Router::new()
        .route(LANGUAGE_PATH, axum::routing::post(set_language))
        .route("/manifest.webmanifest", axum::routing::get(manifest))
        .route("/offline.html", axum::routing::get(offline_page))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_offline_page_has_no_mark_left_in_either_language() {
        for locale in Locale::ALL {
            let page = fill_offline_page(OFFLINE_PAGE, I18n::new(locale));
            assert!(!page.contains("{{"), "{page}");
            assert!(page.contains(&format!("<html lang=\"{}\">", locale.code())));
        }
        assert!(fill_offline_page(OFFLINE_PAGE, I18n::new(Locale::Es)).contains("Sin conexión"));
        assert!(serde_json::from_str::<serde_json::Value>(MANIFEST).is_ok());
    }
}
