//! What a server function takes from the request's Leptos context: the pieces the server
//! put there at start-up (see `state::AppState::provide`) and the request itself.

use http::header::SET_COOKIE;
use http::request::Parts;
use http::HeaderValue;
use leptos::prelude::use_context;

use crate::error::AppError;

/// A piece of the server the request's context carries: the `Db`, `Arc<Accounts>`,
/// `Arc<HoldDesk>`, `Gateway`, `Arc<TicketSigner>` or `Arc<TrustedProxies>`.
pub fn piece<T: Clone + Send + Sync + 'static>() -> Result<T, AppError> {
    use_context::<T>().ok_or_else(|| {
        tracing::error!(piece = std::any::type_name::<T>(), "missing from the Leptos context");
        AppError::Internal
    })
}

/// The request a server function answers.
pub fn request_parts() -> Result<Parts, AppError> {
    piece::<Parts>()
}

/// The address of the client behind the request, believing `X-Forwarded-For` only from
/// trusted proxies.
pub fn client_ip(parts: &Parts) -> Result<std::net::IpAddr, AppError> {
    let proxies = piece::<std::sync::Arc<crate::net::TrustedProxies>>()?;
    Ok(proxies.client_ip(crate::net::peer_ip(&parts.extensions), &parts.headers))
}

/// Adds a `Set-Cookie` header to the server function's response.
pub fn set_cookie(value: &str) {
    if let (Some(response), Ok(value)) = (use_context::<leptos_axum::ResponseOptions>(), HeaderValue::from_str(value)) {
        response.append_header(SET_COOKIE, value);
    }
}
