//! Server functions of the accounts domain (used by the pages; the REST API calls the
//! same services from `server/src/api`).

use leptos::prelude::*;

use crate::paging::Page;
use crate::users::User;
use crate::error::AppError;

#[cfg(feature = "ssr")]
use crate::{
    context::{client_ip, piece, request_parts, set_cookie},
    db::Db,
    users::accounts::Accounts,
    users::signed_in::{current_user, require_admin},
};

/// Where to go after login: only a path on this site. Anything else goes home: another
/// origin (`//host`, `/\host` — browsers read `\` as `/` — or a scheme), and anything with
/// a control or invisible character (browsers drop tabs and newlines inside URLs, so
/// `/<tab>/host` would become `//host`; a newline cannot be put in a header). Bytes outside
/// printable ASCII are percent-encoded, so the answer is always a valid `Location`.
pub fn safe_next(next: Option<&str>) -> String {
    let Some(next) = next else { return "/".to_owned() };
    let mut chars = next.chars();
    let same_site_path = chars.next() == Some('/')
        && !matches!(chars.next(), Some('/' | '\\'))
        && !next.contains('\\')
        && !next.chars().any(crate::users::rules::is_hidden_or_control);
    if !same_site_path {
        return "/".to_owned();
    }
    let mut out = String::with_capacity(next.len());
    for byte in next.bytes() {
        if (0x21..=0x7e).contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// Where the sign-up form leads, whether or not the email was new: the login page, which
/// then goes to the account page.
pub const AFTER_SIGN_UP: &str = "/login?registered=1&next=%2Faccount";

#[server(endpoint = "me", output = crate::ui::codec::TextJson)]
pub async fn me() -> Result<Option<User>, AppError> {
    crate::error::respond(async move {
        current_user().await
    }
    .await)
}

#[server(endpoint = "login", output = crate::ui::codec::TextJson)]
pub async fn login(email: String, password: String, next: Option<String>) -> Result<User, AppError> {
    crate::error::respond(async move {
        use crate::users::{service, session};
        let parts = request_parts()?;
        let previous = session::cookie_token(&parts.headers);
        let accounts = piece::<std::sync::Arc<Accounts>>()?;
        let kind = session::SessionKind::Cookie;
        let signed_in = service::log_in(&piece::<Db>()?, &accounts, client_ip(&parts)?, &email, &password, kind, previous.as_deref()).await?;
        set_cookie(&signed_in.cookie);
        // The profile's language follows the person to this browser.
        if let Some(locale) = signed_in.user.locale.as_deref().and_then(crate::i18n::Locale::parse) {
            set_cookie(&crate::i18n::negotiate::language_cookie(locale, accounts.secure_cookies));
        }
        leptos_axum::redirect(&safe_next(next.as_deref()));
        Ok(signed_in.user)
    }
    .await)
}

/// Signs up and leads to the login page. It answers the same whether or not the email
/// already had an account (see `service::sign_up`), so it never signs in by itself.
#[server(endpoint = "register", output = crate::ui::codec::TextJson)]
pub async fn register(email: String, display_name: String, password: String) -> Result<(), AppError> {
    crate::error::respond(async move {
        use crate::users::{service, Role};
        let ip = client_ip(&request_parts()?)?;
        let new = service::NewUser { email, display_name, password, role: Role::Customer, skills: vec![] };
        let locale = Some(crate::i18n::use_i18n().locale);
        service::sign_up(&piece::<Db>()?, &*piece::<std::sync::Arc<Accounts>>()?, ip, new, locale).await?;
        leptos_axum::redirect(AFTER_SIGN_UP);
        Ok(())
    }
    .await)
}

#[server(endpoint = "logout", output = crate::ui::codec::TextJson)]
pub async fn logout() -> Result<(), AppError> {
    crate::error::respond(async move {
        use crate::users::{service, session};
        let token = session::cookie_token(&request_parts()?.headers);
        let cleared = service::log_out(&piece::<Db>()?, &*piece::<std::sync::Arc<Accounts>>()?, token.as_deref()).await?;
        set_cookie(&cleared);
        leptos_axum::redirect("/");
        Ok(())
    }
    .await)
}

#[server(endpoint = "admin_list_users")]
pub async fn list_users(q: String, page: i64) -> Result<Page<User>, AppError> {
    crate::error::respond(async move {
        require_admin().await?;
        crate::users::service::list(&piece::<Db>()?, &q, page).await
    }
    .await)
}

#[server(endpoint = "admin_set_role")]
pub async fn set_user_role(id: String, role: String) -> Result<User, AppError> {
    crate::error::respond(async move {
        use crate::users::{service, Role};
        let actor = require_admin().await?;
        let role = Role::parse(&role).ok_or_else(|| AppError::field("role", crate::i18n::msg::errors_users::ROLE_UNKNOWN))?;
        service::change(&piece::<Db>()?, &*piece::<std::sync::Arc<Accounts>>()?, &actor, &id, service::UserChange { role: Some(role), active: None }).await
    }
    .await)
}

#[server(endpoint = "admin_set_active")]
pub async fn set_user_active(id: String, active: bool) -> Result<User, AppError> {
    crate::error::respond(async move {
        use crate::users::service;
        let actor = require_admin().await?;
        service::change(&piece::<Db>()?, &*piece::<std::sync::Arc<Accounts>>()?, &actor, &id, service::UserChange { role: None, active: Some(active) }).await
    }
    .await)
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn only_local_paths_are_followed() {
        assert_eq!(safe_next(Some("/admin/users")), "/admin/users");
        assert_eq!(safe_next(Some("/events?q=jazz&page=2#map")), "/events?q=jazz&page=2#map");
        assert_eq!(safe_next(Some("//evil.example")), "/");
        assert_eq!(safe_next(Some("https://evil.example")), "/");
        assert_eq!(safe_next(Some("/\\evil")), "/");
        assert_eq!(safe_next(Some("/a\\b")), "/");
        assert_eq!(safe_next(Some("")), "/");
        assert_eq!(safe_next(None), "/");
    }

    #[test]
    fn control_and_invisible_characters_send_home() {
        for hostile in ["/\t/evil.example/phish", "/\n/evil.example", "/\r/evil.example", "/a\nb", "/a\u{0}b", "/\u{7f}", "/a\u{202E}b", " //evil.example", "\t//evil.example"] {
            assert_eq!(safe_next(Some(hostile)), "/", "{hostile:?}");
        }
    }

    #[test]
    fn the_answer_is_always_a_valid_location_header() {
        assert_eq!(safe_next(Some("/eventos/café concierto")), "/eventos/caf%C3%A9%20concierto");
        for next in ["/eventos/café", "/a b", "/ok"] {
            assert!(http::HeaderValue::from_str(&safe_next(Some(next))).is_ok(), "{next}");
        }
    }
}
