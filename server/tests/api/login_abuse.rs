//! Login under attack: guessing cannot lock an account out, and the page login follows
//! only same-site `next` paths. Both doors (REST and the page's server function) share
//! one throttle.

use app::users::Role;
use serde_json::json;

use crate::helpers::{Backend, TestApp};

const PASSWORD: &str = "violet-tram-orbit-42";

/// The test client is a trusted proxy, so each request can come from an address of its own.
async fn behind_proxy(backend: Backend) -> Option<TestApp> {
    TestApp::spawn_configured(backend, false, |c| c.trusted_proxies = "127.0.0.1".into()).await
}

async fn rest_login(app: &TestApp, from: &str, email: &str, password: &str) -> u16 {
    reqwest::Client::new()
        .post(app.api("/auth/login"))
        .header("x-forwarded-for", from)
        .json(&json!({ "email": email, "password": password }))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// The page's login form as the hydrated page posts it: (status, Location). Success is
/// 200 with the target in `Location` (a plain HTML form gets the same Location with a 302).
async fn page_login(app: &TestApp, from: &str, email: &str, password: &str, next: &str) -> (u16, Option<String>) {
    let res = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .post(app.url("/api/login"))
        .header("x-forwarded-for", from)
        .header("origin", &app.address)
        .form(&[("email", email), ("password", password), ("next", next)])
        .send()
        .await
        .unwrap();
    let location = res.headers().get("location").map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
    (res.status().as_u16(), location)
}

/// Eleven wrong passwords, each from another address, then the right one from a fresh
/// address: signed in, through either door (it was 429 for everyone).
async fn guessing_from_many_addresses_does_not_lock_the_owner_out(app: TestApp) {
    app.create_user("admin@example.com", PASSWORD, Role::Admin).await;
    for i in 1..=11 {
        let from = format!("198.51.100.{i}");
        let status = if i % 2 == 0 {
            page_login(&app, &from, "admin@example.com", "guessing-123", "/").await.0
        } else {
            rest_login(&app, &from, "admin@example.com", "guessing-123").await
        };
        assert_eq!(status, 401, "guess {i}");
    }
    assert_eq!(rest_login(&app, "203.0.113.7", "admin@example.com", PASSWORD).await, 200);
    let (status, location) = page_login(&app, "203.0.113.8", "ADMIN@example.com", PASSWORD, "/admin/users").await;
    assert_eq!((status, location.as_deref()), (200, Some("/admin/users")));
    app.cleanup().await;
}

/// One address that keeps failing for one account is refused for that account only.
async fn one_address_is_refused_for_one_account(app: TestApp) {
    app.create_user("target@example.com", PASSWORD, Role::Customer).await;
    app.create_user("bystander@example.com", PASSWORD, Role::Customer).await;
    let mut statuses = Vec::new();
    for _ in 0..11 {
        let res = reqwest::Client::new()
            .post(app.api("/auth/login"))
            .header("x-forwarded-for", "198.51.100.1")
            .json(&json!({ "email": "target@example.com", "password": "guessing-123" }))
            .send()
            .await
            .unwrap();
        if res.status() == 429 {
            assert!(res.headers().get("retry-after").is_some(), "429 carries Retry-After");
            let body: serde_json::Value = res.json().await.unwrap();
            assert_eq!(body["error"]["code"], "rate_limited");
            statuses.push(429);
        } else {
            statuses.push(res.status().as_u16());
        }
    }
    assert_eq!(&statuses[..10], &[401; 10]);
    assert_eq!(statuses[10], 429);
    assert_eq!(rest_login(&app, "198.51.100.1", "target@example.com", PASSWORD).await, 429, "even the right password, from there");
    let (status, _) = page_login(&app, "198.51.100.1", "target@example.com", PASSWORD, "/").await;
    assert_eq!(status, 429, "the page door shares the throttle");
    assert_eq!(rest_login(&app, "198.51.100.1", "bystander@example.com", "guessing-123").await, 401, "other accounts from there");
    assert_eq!(rest_login(&app, "198.51.100.2", "target@example.com", PASSWORD).await, 200, "the owner elsewhere");
    app.cleanup().await;
}

/// `next` is followed only to a path of this site; anything else — including control
/// characters browsers drop (`/\t/host` is `//host` to them) — goes home, never a 500.
async fn login_follows_only_same_site_paths(app: TestApp) {
    app.create_user("ana@example.com", PASSWORD, Role::Customer).await;
    for (next, expected) in [
        ("/tickets", "/tickets"),
        ("/events?q=jazz", "/events?q=jazz"),
        ("/\t/evil.example/phish", "/"),
        ("/\n/evil.example", "/"),
        ("/a\nb", "/"),
        ("/a\r\nSet-Cookie: x=1", "/"),
        ("//evil.example", "/"),
        ("/\\evil.example", "/"),
        ("https://evil.example/", "/"),
        ("", "/"),
    ] {
        let (status, location) = page_login(&app, "198.51.100.9", "ana@example.com", PASSWORD, next).await;
        assert_eq!((status, location.as_deref()), (200, Some(expected)), "next={next:?}");
    }
    app.cleanup().await;
}

macro_rules! behind_proxy_on_both_backends {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                use super::*;

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    super::$name(behind_proxy(Backend::Sqlite).await.expect("SQLite is always available")).await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    match behind_proxy(Backend::Postgres).await {
                        Some(app) => super::$name(app).await,
                        None => crate::helpers::not_run(module_path!(), "TEST_DATABASE_URL is not set"),
                    }
                }
            }
        )*
    };
}

behind_proxy_on_both_backends!(
    guessing_from_many_addresses_does_not_lock_the_owner_out,
    one_address_is_refused_for_one_account,
    login_follows_only_same_site_paths,
);
