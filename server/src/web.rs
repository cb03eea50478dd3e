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
use tower_http::compression::CompressionLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::services::ServeDir;
use tower_http::trace::{DefaultOnResponse, TraceLayer};

use app::state::AppState;
use app::{shell, App};

use crate::api::error::ApiError;
use crate::bus::Bus;

pub fn router(state: AppState, bus: Bus) -> Router {
    let policy = HeaderPolicy {
        hashed_assets: state.leptos_options.hash_files,
        https: state.public_url.to_ascii_lowercase().starts_with("https://"),
    };
    let routes = generate_route_list(App);
    let health = Router::new()
        .route("/health/live", get(live))
        .route("/health/ready", get(ready))
        .with_state((state.clone(), bus));
    // The build's JS, WASM and CSS, served as the precompressed copies the build wrote
    // beside them (Brotli, else gzip, else as they are).
    let options = &state.leptos_options;
    let pkg = format!("/{}", options.site_pkg_dir);
    let assets = ServeDir::new(format!("{}/{}", options.site_root, options.site_pkg_dir)).precompressed_br().precompressed_gzip();
    Router::new()
        .leptos_routes_with_context(&state, routes, { let state = state.clone(); move || state.provide() }, {
            let options = state.leptos_options.clone();
            move || shell(options.clone())
        })
        // Server functions read their whole body: at most what a reply with three files
        // needs. (The layer wraps the routes above it; the API has its own limits.)
        .layer(RequestBodyLimitLayer::new(app::support::attachments::BODY_MAX))
        .nest_service(&pkg, assets)
        .nest("/api/v1", crate::api::router())
        .merge(crate::language::routes())
        .route(app::notifications::rules::SETTINGS_FORM_PATH, axum::routing::post(crate::api::notifications::settings_form))
        .route("/sw.js", get(crate::service_worker::script))
        .fallback({
            let files_and_errors = leptos_axum::file_and_error_handler_with_context::<AppState, _>(
                {
                    let state = state.clone();
                    move || state.provide()
                },
                shell,
            );
            // Leptos serves a found file under `Owner::new()`, a child of whatever owner the
            // thread last left current, and takes the response options it finds there: run
            // it under a root of its own, so that a file never takes a page's headers (its
            // CSP, leaving the page with none and its scripts blocked).
            move |uri: axum::http::Uri, state: State<AppState>, req: Request| {
                use leptos::prelude::{Owner, ScopedFuture};
                let root = Owner::new_root(None);
                root.with(|| ScopedFuture::new(files_and_errors(uri, state, req)))
            }
        })
        .with_state(state.clone())
        .merge(health)
        .layer(middleware::from_fn(server_fn_error_status))
        .layer(middleware::from_fn_with_state(state.clone(), same_origin_writes))
        // The API's errors in the request's language (negotiated further out).
        .layer(middleware::from_fn(crate::api::error::localize_errors))
        .layer(middleware::from_fn_with_state(policy, security_headers))
        // Event pages: the seat map drawn and compressed once for every visitor, and the
        // whole page kept for visitors who are not signed in.
        .layer(middleware::from_fn_with_state(crate::event_pages::EventPages::new(state.clone()), crate::event_pages::put_in))
        // Pages and JSON compressed on the fly (Brotli, else gzip) for clients that ask;
        // the build's files already carry their encoding and are left alone, as are
        // bodies too small to gain, images and event streams.
        .layer(CompressionLayer::new().br(true).gzip(true).quality(tower_http::CompressionLevel::Precise(4)))
        // The request's language, for everything inside (pages, the API's errors).
        .layer(middleware::from_fn_with_state(state, crate::language::negotiate_locale))
        .layer(CatchPanicLayer::custom(|_| ApiError(app::AppError::Internal).into_response()))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|req: &Request| {
                    let id = req.headers().get(REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or_default();
                    tracing::info_span!("request", method = %req.method(), uri = %req.uri(), request_id = id)
                })
                .on_request(())
                .on_response(DefaultOnResponse::new().level(tracing::Level::DEBUG)),
        )
        .layer(middleware::from_fn(request_id))
}

const REQUEST_ID: &str = "x-request-id";

/// Gives every request an id (the `X-Request-Id` a client or proxy sent, when it is a
/// sane one, else a fresh one), answers with it, and runs the request within it: the
/// domain events it records name it (see `app::audit::request`), and so do its log lines.
async fn request_id(mut req: Request, next: Next) -> Response {
    let id = app::audit::request::accept(req.headers().get(REQUEST_ID).and_then(|v| v.to_str().ok()));
    let value = HeaderValue::from_str(&id).expect("a request id is visible ASCII");
    req.headers_mut().insert(REQUEST_ID, value.clone());
    let mut res = app::audit::request::within(Some(id), next.run(req)).await;
    res.headers_mut().insert(REQUEST_ID, value);
    res
}

async fn live() -> Json<serde_json::Value> {
    Json(json!({ "status": "ok" }))
}

async fn ready(State((state, bus)): State<(AppState, Bus)>) -> Response {
    // Both at once and time-boxed: a readiness probe answers even when one hangs.
    let (database, broker) = tokio::join!(
        async { matches!(tokio::time::timeout(std::time::Duration::from_secs(2), state.db.ping()).await, Ok(Ok(()))) },
        bus.healthy(),
    );
    let ok = database && broker;
    let body = json!({
        "status": if ok { "ok" } else { "unavailable" },
        "checks": { "database": database, "bus": broker, "bus_kind": bus.kind() },
    });
    let status = if ok { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    (status, Json(body)).into_response()
}

/// Refuses state-changing requests sent by another origin (CSRF defence in depth on top
/// of SameSite=Lax cookies). Requests without `Origin` (curl, REST clients) pass. The
/// whole origin counts, scheme and port included: it must be the public URL's, or the
/// request's own (its `Host` with the public URL's scheme, or the `X-Forwarded-Proto` of
/// a trusted proxy).
async fn same_origin_writes(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(req).await;
    }
    let headers = req.headers();
    let cross_site = match headers.get(header::ORIGIN) {
        Some(origin) => {
            let public_url = &*state.public_url;
            let public_scheme = public_url.split_once("://").map(|(scheme, _)| scheme).unwrap_or("http");
            let peer = app::net::peer_ip(req.extensions());
            let forwarded_proto = headers
                .get("x-forwarded-proto")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.split(',').next())
                .map(str::trim)
                .filter(|_| state.trusted_proxies.trusts(peer));
            let scheme = forwarded_proto.unwrap_or(public_scheme);
            let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
            let own = [app::net::origin_of(public_url), host.and_then(|h| app::net::origin_of(&format!("{scheme}://{h}")))];
            !origin.to_str().is_ok_and(|o| app::net::is_own_origin(o, &own))
        }
        None => headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) == Some("cross-site"),
    };
    if cross_site {
        tracing::warn!(method = %req.method(), path = %req.uri().path(), "cross-origin write refused");
        return ApiError(app::AppError::conflict("cross_origin", app::i18n::msg::language::CROSS_ORIGIN))
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

/// What the security headers depend on, fixed at start-up.
#[derive(Clone, Copy)]
struct HeaderPolicy {
    /// `/pkg/` file names carry content hashes (cargo-leptos `hash-files`).
    hashed_assets: bool,
    /// The public URL is https: browsers are told to use nothing else (HSTS).
    https: bool,
}

/// Security headers on every response. `/pkg/` files are immutable when their names
/// carry content hashes, revalidated otherwise; answers that are someone's own (see
/// [`app::net::must_not_store`]) are never stored.
async fn security_headers(State(policy): State<HeaderPolicy>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_owned();
    let is_pkg = path.starts_with("/pkg/");
    let signed_in = app::users::session::cookie_token(req.headers()).is_some();
    let mut res = next.run(req).await;
    let pkg_ok = is_pkg && res.status().is_success();
    let is_html = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.to_ascii_lowercase().starts_with("text/html"));
    let h = res.headers_mut();
    h.entry(header::X_CONTENT_TYPE_OPTIONS).or_insert(HeaderValue::from_static("nosniff"));
    h.entry(header::REFERRER_POLICY).or_insert(HeaderValue::from_static("strict-origin-when-cross-origin"));
    h.entry(header::X_FRAME_OPTIONS).or_insert(HeaderValue::from_static("DENY"));
    h.entry(header::CONTENT_SECURITY_POLICY).or_insert(HeaderValue::from_static(DEFAULT_CSP));
    if policy.https {
        h.insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static("max-age=31536000; includeSubDomains"));
    }
    if pkg_ok {
        let cache = if policy.hashed_assets { "public, max-age=31536000, immutable" } else { "no-cache" };
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    } else if app::net::must_not_store(&path, signed_in, is_html) || h.contains_key(header::SET_COOKIE) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    res
}
