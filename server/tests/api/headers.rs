//! What a browser, a proxy or the service worker may keep (`Cache-Control`), HSTS, and
//! which origins may send writes.

use serde_json::{json, Value};

use crate::helpers::{Backend, TestApp};
use crate::on_both_backends;

fn cache_control(res: &reqwest::Response) -> String {
    res.headers().get("cache-control").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned()
}

/// Every `/api/` answer and every personal page is `no-store`; so is any page rendered
/// for a signed-in visitor. Public pages for anonymous visitors carry no such header.
async fn personal_answers_are_never_stored(app: &TestApp) {
    let anonymous = reqwest::Client::new();
    for path in ["/api/v1/events", "/api/v1/me", "/api/v1/tickets/signing-key", "/api/v1/no-such-thing"] {
        let res = anonymous.get(app.url(path)).send().await.unwrap();
        assert_eq!(cache_control(&res), "no-store", "{path} ({})", res.status());
    }
    let res = anonymous.post(app.url("/api/catalog_list")).header("content-type", "application/x-www-form-urlencoded").body("").send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(cache_control(&res), "no-store", "server functions");
    for path in ["/account", "/orders", "/tickets", "/organizer", "/admin/users", "/checkout/x"] {
        let res = anonymous.get(app.url(path)).send().await.unwrap();
        assert_eq!(cache_control(&res), "no-store", "{path} ({})", res.status());
    }
    for path in ["/", "/events"] {
        let res = anonymous.get(app.url(path)).send().await.unwrap();
        assert_eq!(res.status(), 200);
        assert!(!cache_control(&res).contains("no-store"), "{path} may be kept for anonymous visitors");
    }

    // `app.client` keeps the session cookie of its login.
    app.create_user("ana@example.com", "violet-tram-orbit-42", app::users::Role::Customer).await;
    app.login("ana@example.com", "violet-tram-orbit-42").await;
    for path in ["/", "/events", "/account"] {
        let res = app.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(res.status(), 200, "{path}");
        assert_eq!(cache_control(&res), "no-store", "{path} rendered for a signed-in visitor");
    }
}

async fn login_from(app: &TestApp, origin: &str, forwarded_proto: Option<&str>) -> u16 {
    let mut req = reqwest::Client::new()
        .post(app.api("/auth/login"))
        .header("origin", origin)
        .json(&json!({ "email": "a@b.co", "password": "whatever-123" }));
    if let Some(proto) = forwarded_proto {
        req = req.header("x-forwarded-proto", proto);
    }
    req.send().await.unwrap().status().as_u16()
}

/// The Origin check compares scheme, host and port; 401 means it passed (and the
/// credentials were wrong).
async fn writes_from_another_scheme_or_port_are_refused(app: &TestApp) {
    let port = app.address.rsplit(':').next().unwrap().parse::<u16>().unwrap();
    assert_eq!(login_from(app, &app.address, None).await, 401);
    assert_eq!(login_from(app, &format!("https://127.0.0.1:{port}"), None).await, 403, "another scheme");
    assert_eq!(login_from(app, &format!("http://127.0.0.1:{}", port + 1), None).await, 403, "another port");
    assert_eq!(login_from(app, &format!("http://127.0.0.1:{port}.evil.example"), None).await, 403);
    assert_eq!(login_from(app, &format!("https://127.0.0.1:{port}"), Some("https")).await, 403, "X-Forwarded-Proto from an untrusted peer");
    let res = reqwest::get(app.url("/health/live")).await.unwrap();
    assert!(res.headers().get("strict-transport-security").is_none(), "no HSTS on an http site");
}

/// Pages and JSON travel compressed to a client that asks (Brotli first, else gzip), and
/// as they are to one that does not.
async fn pages_and_json_are_compressed_for_clients_that_ask(app: &TestApp) {
    let http = reqwest::Client::new();
    let encoding = |res: &reqwest::Response| res.headers().get("content-encoding").and_then(|v| v.to_str().ok()).map(str::to_owned);
    for path in ["/", "/events", "/api/v1/events", "/api/v1/openapi.json"] {
        for (accept, expected) in [("gzip, deflate, br", Some("br")), ("gzip", Some("gzip")), ("identity", None)] {
            let res = http.get(app.url(path)).header("accept-encoding", accept).send().await.unwrap();
            assert_eq!(res.status(), 200, "{path}");
            assert_eq!(encoding(&res).as_deref(), expected, "{path} with Accept-Encoding: {accept}");
            assert!(res.headers().get("vary").and_then(|v| v.to_str().ok()).unwrap_or_default().to_ascii_lowercase().contains("accept-encoding") || expected.is_none(),
                "{path}: caches keep the encodings apart");
        }
        let plain = http.get(app.url(path)).send().await.unwrap();
        assert_eq!(encoding(&plain), None, "{path} without Accept-Encoding");
    }
}

on_both_backends!(pages_and_json_are_compressed_for_clients_that_ask, personal_answers_are_never_stored, writes_from_another_scheme_or_port_are_refused);

/// Behind a TLS proxy (public URL https): HSTS on every answer, and the origin is the
/// public URL's or the request's own host with https, never http.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_https_site_sends_hsts_and_wants_https_origins() {
    let app = TestApp::spawn_configured(Backend::Sqlite, false, |c| c.public_url = Some("https://tickets.example.test".into())).await.unwrap();
    let port = app.address.rsplit(':').next().unwrap().to_owned();
    for path in ["/health/live", "/api/v1/events", "/"] {
        let res = reqwest::get(app.url(path)).await.unwrap();
        assert_eq!(res.headers()["strict-transport-security"], "max-age=31536000; includeSubDomains", "{path}");
    }
    assert_eq!(login_from(&app, "https://tickets.example.test", None).await, 401);
    assert_eq!(login_from(&app, &format!("https://127.0.0.1:{port}"), None).await, 401, "its own host, the public scheme");
    assert_eq!(login_from(&app, &format!("http://127.0.0.1:{port}"), None).await, 403);
    assert_eq!(login_from(&app, "http://tickets.example.test", None).await, 403);
    app.cleanup().await;

    // A trusted proxy's X-Forwarded-Proto names the scheme the browser used.
    let app = TestApp::spawn_configured(Backend::Sqlite, false, |c| c.trusted_proxies = "127.0.0.1".into())
    .await
    .unwrap();
    let port = app.address.rsplit(':').next().unwrap().to_owned();
    assert_eq!(login_from(&app, &format!("https://127.0.0.1:{port}"), Some("https")).await, 401);
    assert_eq!(login_from(&app, &format!("https://127.0.0.1:{port}"), None).await, 403);
    let body: Value = reqwest::get(app.url("/health/live")).await.unwrap().json().await.unwrap();
    assert_eq!(body["status"], "ok");
    app.cleanup().await;
}

/// Pages and the site's files served at the same moment keep their own headers: every
/// page's CSP names the nonce its scripts carry, and no file carries a page's nonce.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_and_files_served_together_keep_their_own_csp() {
    let site = std::env::temp_dir().join(format!("taquilla-site-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&site).unwrap();
    std::fs::write(site.join("robots.txt"), "User-agent: *\n").unwrap();
    let root = site.to_string_lossy().into_owned();
    let app = TestApp::spawn_configured(Backend::Sqlite, false, |c| c.site_root = root.into()).await.expect("SQLite is always available");
    let mut tasks = Vec::new();
    for i in 0..200 {
        let (client, url) = (app.client.clone(), app.url(if i % 2 == 0 { "/" } else { "/robots.txt" }));
        tasks.push(tokio::spawn(async move {
            let res = client.get(&url).send().await.unwrap();
            assert_eq!(res.status(), 200, "{url}");
            let csp = res.headers().get("content-security-policy").unwrap().to_str().unwrap().to_owned();
            let page = res.text().await.unwrap();
            if url.ends_with("robots.txt") {
                assert!(!csp.contains("'nonce-"), "a file took a page's CSP: {csp}");
                return;
            }
            let nonce = page.split("nonce=\"").nth(1).and_then(|rest| rest.split('"').next()).expect("the page's scripts carry a nonce");
            assert!(csp.contains(&format!("'nonce-{nonce}'")), "the page's CSP names another nonce or none: {csp}");
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    app.cleanup().await;
    let _ = std::fs::remove_dir_all(&site);
}
