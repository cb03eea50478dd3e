//! Server functions of the accounts domain (used by the pages; the REST API calls the
//! same services from `server/src/api`).

use leptos::prelude::*;

use crate::users::model::UserPage;
use crate::users::User;
use crate::AppError;

#[cfg(feature = "ssr")]
pub mod ssr {
    use http::header::SET_COOKIE;
    use http::request::Parts;
    use http::HeaderValue;
    use leptos::prelude::*;

    use crate::state::{app_state, AppState};
    use crate::users::{session, User};
    use crate::AppError;

    pub fn request_parts() -> Result<Parts, AppError> {
        use_context::<Parts>().ok_or(AppError::Internal)
    }

    pub fn client_ip(state: &AppState, parts: &Parts) -> std::net::IpAddr {
        state.settings.trusted_proxies.client_ip(crate::net::peer_ip(&parts.extensions), &parts.headers)
    }

    /// The signed-in user of the current request, if any.
    pub async fn current_user() -> Result<Option<User>, AppError> {
        let state = app_state()?;
        let parts = request_parts()?;
        match session::token_from_headers(&parts.headers) {
            Some(token) => session::resolve(&state, &token).await,
            None => Ok(None),
        }
    }

    pub async fn require_user() -> Result<User, AppError> {
        current_user().await?.ok_or(AppError::Unauthorized)
    }

    /// The server state and the signed-in user, for server functions that need both.
    pub async fn signed_in() -> Result<(AppState, User), AppError> {
        let user = require_user().await?;
        Ok((app_state()?, user))
    }

    pub async fn require_admin() -> Result<User, AppError> {
        let user = require_user().await?;
        if user.is_admin() { Ok(user) } else { Err(AppError::Forbidden) }
    }

    pub fn set_cookie(value: &str) {
        if let (Some(response), Ok(value)) =
            (use_context::<leptos_axum::ResponseOptions>(), HeaderValue::from_str(value))
        {
            response.append_header(SET_COOKIE, value);
        }
    }
}

/// Only same-site paths are followed after login.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n.to_owned(),
        _ => "/".to_owned(),
    }
}

#[server(endpoint = "me")]
pub async fn me() -> Result<Option<User>, AppError> {
    crate::error::respond(async move {
        ssr::current_user().await
    }
    .await)
}

#[server(endpoint = "login")]
pub async fn login(email: String, password: String, next: Option<String>) -> Result<User, AppError> {
    crate::error::respond(async move {
        use crate::users::{service, session};
        let state = crate::state::app_state()?;
        let parts = ssr::request_parts()?;
        service::check_login_rate(&state, ssr::client_ip(&state, &parts), &email)?;
        let user = service::check_credentials(&state, &email, &password).await?;
        if let Some(old) = session::cookie_token(&parts.headers) {
            session::revoke(&state, &old).await?;
        }
        let ttl = state.settings.session_ttl;
        let token = session::create(&state.db, &user.id.to_string(), session::SessionKind::Cookie, ttl).await?;
        ssr::set_cookie(&session::session_cookie(&token, state.settings.secure_cookies, ttl));
        leptos_axum::redirect(&safe_next(next.as_deref()));
        Ok(user)
    }
    .await)
}

#[server(endpoint = "register")]
pub async fn register(email: String, display_name: String, password: String) -> Result<User, AppError> {
    crate::error::respond(async move {
        use crate::users::{service, session, Role};
        let state = crate::state::app_state()?;
        let parts = ssr::request_parts()?;
        let ip = ssr::client_ip(&state, &parts);
        state.limiters.register_ip.admit(&ip.to_string())?;
        let new = service::NewUser { email, display_name, password, role: Role::Customer, skills: vec![] };
        let user = service::register(&state, new).await?;
        let ttl = state.settings.session_ttl;
        let token = session::create(&state.db, &user.id.to_string(), session::SessionKind::Cookie, ttl).await?;
        ssr::set_cookie(&session::session_cookie(&token, state.settings.secure_cookies, ttl));
        leptos_axum::redirect("/account");
        Ok(user)
    }
    .await)
}

#[server(endpoint = "logout")]
pub async fn logout() -> Result<(), AppError> {
    crate::error::respond(async move {
        use crate::users::session;
        let state = crate::state::app_state()?;
        let parts = ssr::request_parts()?;
        if let Some(token) = session::cookie_token(&parts.headers) {
            session::revoke(&state, &token).await?;
        }
        ssr::set_cookie(&session::clear_cookie(state.settings.secure_cookies));
        leptos_axum::redirect("/");
        Ok(())
    }
    .await)
}

#[server(endpoint = "admin_list_users")]
pub async fn list_users(q: String, page: i64) -> Result<UserPage, AppError> {
    crate::error::respond(async move {
        ssr::require_admin().await?;
        let state = crate::state::app_state()?;
        crate::users::service::list(&state.db, &q, page).await
    }
    .await)
}

#[server(endpoint = "admin_set_role")]
pub async fn set_user_role(id: String, role: String) -> Result<User, AppError> {
    crate::error::respond(async move {
        use crate::users::{service, Role};
        let actor = ssr::require_admin().await?;
        let state = crate::state::app_state()?;
        let role = Role::parse(&role).ok_or_else(|| AppError::field("role", "Choose one of the listed roles."))?;
        service::change(&state, &actor, &id, service::UserChange { role: Some(role), active: None }).await
    }
    .await)
}

#[server(endpoint = "admin_set_active")]
pub async fn set_user_active(id: String, active: bool) -> Result<User, AppError> {
    crate::error::respond(async move {
        use crate::users::service;
        let actor = ssr::require_admin().await?;
        let state = crate::state::app_state()?;
        service::change(&state, &actor, &id, service::UserChange { role: None, active: Some(active) }).await
    }
    .await)
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn only_local_paths_are_followed() {
        assert_eq!(safe_next(Some("/admin/users")), "/admin/users");
        assert_eq!(safe_next(Some("//evil.example")), "/");
        assert_eq!(safe_next(Some("https://evil.example")), "/");
        assert_eq!(safe_next(Some("/\\evil")), "/");
        assert_eq!(safe_next(None), "/");
    }
}
