//! The HTTP router: Leptos pages and server functions, the REST API, health, static
//! files, and the cross-cutting layers (security headers, same-origin writes, tracing).

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use leptos_axum::{generate_route_list, LeptosRoutes};
use serde_json::json;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::trace::{DefaultMakeSpan, DefaultOnResponse, TraceLayer};

use app::state::AppState;
use app::{shell, App};

use crate::api::error::ApiError;
use crate::bus::Bus;

pub fn router(state: AppState, bus: Bus) -> Router {
    let hashed_assets = state.leptos_options.hash_files;
    let routes = generate_route_list(App);
    let health = Router::new()
        .route("/health/live", get(live))
        .route("/health/ready", get(ready))
        .with_state((state.clone(), bus));
    Router::new()
        .nest("/api/v1", crate::api::router())
        .leptos_routes_with_context(&state, routes, || {}, {
            let options = state.leptos_options.clone();
            move || shell(options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler_with_context::<AppState, _>(
            {
                let state = state.clone();
                move || leptos::prelude::provide_context(state.clone())
            },
            shell,
        ))
        .with_state(state.clone())
        .merge(health)
        .layer(middleware::from_fn(server_fn_error_status))
        .layer(middleware::from_fn_with_state(state, same_origin_writes))
        .layer(middleware::from_fn_with_state(hashed_assets, security_headers))
        .layer(CatchPanicLayer::custom(|_| ApiError(app::AppError::Internal).into_response()))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(DefaultMakeSpan::new().level(tracing::Level::INFO))
                .on_request(())
                .on_response(DefaultOnResponse::new().level(tracing::Level::DEBUG)),
        )
}

async fn live() -> Json<serde_json::Value> {
    Json(json!({ "status": "ok" }))
}

async fn ready(State((state, bus)): State<(AppState, Bus)>) -> Response {
    let database = state.db.ping().await.is_ok();
    let broker = bus.healthy().await;
    let ok = database && broker;
    let body = json!({
        "status": if ok { "ok" } else { "unavailable" },
        "checks": { "database": database, "bus": broker, "bus_kind": bus.kind() },
    });
    let status = if ok { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    (status, Json(body)).into_response()
}

/// Refuses state-changing requests sent by another origin (CSRF defence in depth on top
/// of SameSite=Lax cookies). Requests without `Origin` (curl, REST clients) pass.
async fn same_origin_writes(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(req).await;
    }
    let headers = req.headers();
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or_default();
    let public_host = state.settings.public_url.split("://").nth(1).unwrap_or_default().trim_end_matches('/');
    let cross_site = match headers.get(header::ORIGIN).and_then(|o| o.to_str().ok()) {
        Some(origin) => {
            let origin_host = origin.split("://").nth(1).unwrap_or("");
            origin == "null" || (origin_host != host && origin_host != public_host)
        }
        None => headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) == Some("cross-site"),
    };
    if cross_site {
        tracing::warn!(method = %req.method(), path = %req.uri().path(), "cross-origin write refused");
        return ApiError(app::AppError::conflict("cross_origin", "Requests from other sites are not accepted."))
            .with_status(StatusCode::FORBIDDEN)
            .into_response();
    }
    next.run(req).await
}

/// Server functions answer 500 for errors raised before their body runs (undecodable
/// arguments). When the body is one of our errors, answer with its own status instead.
async fn server_fn_error_status(req: Request, next: Next) -> Response {
    let path = req.uri().path();
    let is_server_fn = path.starts_with("/api/") && !path.starts_with("/api/v1/");
    let res = next.run(req).await;
    if !is_server_fn || res.status() != StatusCode::INTERNAL_SERVER_ERROR {
        return res;
    }
    let (mut parts, body) = res.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, 64 * 1024).await else {
        return (StatusCode::INTERNAL_SERVER_ERROR, "").into_response();
    };
    if let Ok(error) = serde_json::from_slice::<app::AppError>(&bytes) {
        if let Ok(status) = StatusCode::from_u16(error.status()) {
            parts.status = status;
        }
    }
    Response::from_parts(parts, axum::body::Body::from(bytes))
}

/// The CSP for everything that is not a Leptos page (those get a per-response nonce).
const DEFAULT_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
    img-src 'self' data:; connect-src 'self'; manifest-src 'self'; worker-src 'self'; \
    frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'";

/// Security headers on every response; `/pkg/` files are immutable when their names carry
/// content hashes, revalidated otherwise.
async fn security_headers(State(hashed_assets): State<bool>, req: Request, next: Next) -> Response {
    let is_pkg = req.uri().path().starts_with("/pkg/");
    let mut res = next.run(req).await;
    let pkg_ok = is_pkg && res.status().is_success();
    let h = res.headers_mut();
    h.entry(header::X_CONTENT_TYPE_OPTIONS).or_insert(HeaderValue::from_static("nosniff"));
    h.entry(header::REFERRER_POLICY).or_insert(HeaderValue::from_static("strict-origin-when-cross-origin"));
    h.entry(header::X_FRAME_OPTIONS).or_insert(HeaderValue::from_static("DENY"));
    h.entry(header::CONTENT_SECURITY_POLICY).or_insert(HeaderValue::from_static(DEFAULT_CSP));
    if pkg_ok {
        let policy = if hashed_assets { "public, max-age=31536000, immutable" } else { "no-cache" };
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static(policy));
    }
    res
}
