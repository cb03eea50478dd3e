use app::users::Role;
use serde_json::{json, Value};

use crate::helpers::{Backend, TestApp};
use crate::on_both_backends;

const GOOD_PASSWORD: &str = "violet-tram-orbit-42";

async fn register_login_me_logout(app: &TestApp) {
    let res = app
        .client
        .post(app.api("/auth/register"))
        .json(&json!({ "email": "Ana@Example.com", "display_name": "Ana", "password": GOOD_PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let user: Value = res.json().await.unwrap();
    assert_eq!(user["email"], "Ana@example.com", "stored with the domain in lower case");
    assert_eq!(user["role"], "customer");
    assert!(user.get("password_hash").is_none());
    uuid::Uuid::parse_str(user["id"].as_str().unwrap()).unwrap();
    assert!(signed_out(&app.client, app).await, "registering does not sign in");

    let token = app.login("ana@example.com", GOOD_PASSWORD).await;
    let me: Value = reqwest::Client::new()
        .get(app.api("/me"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["display_name"], "Ana");

    let res = reqwest::Client::new().post(app.api("/auth/logout")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(res.status(), 204);
    let res = reqwest::Client::new().get(app.api("/me")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(res.status(), 401, "a revoked token no longer works");
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"]["code"], "unauthorized");
}

/// A session ended by another web process (here: straight in the database) stops
/// working in this one within `SESSION_CACHE_FOR`, without any request to this one.
async fn sessions_revoked_elsewhere_end_here_soon(app: &TestApp) {
    app.create_user("ana@example.com", GOOD_PASSWORD, Role::Customer).await;
    let token = app.login("ana@example.com", GOOD_PASSWORD).await;
    let me = |token: String| async move { reqwest::Client::new().get(app.api("/me")).bearer_auth(token).send().await.unwrap().status() };
    assert_eq!(me(token.clone()).await, 200);
    sqlx::query("UPDATE sessions SET revoked_at = $1").bind(app::db::now_ms()).execute(&app.state.db.pool).await.unwrap();
    tokio::time::sleep(app::users::session::SESSION_CACHE_FOR + std::time::Duration::from_millis(100)).await;
    assert_eq!(me(token).await, 401);
}

/// Nobody is signed in on this client.
async fn signed_out(client: &reqwest::Client, app: &TestApp) -> bool {
    client.get(app.api("/me")).send().await.unwrap().status() == 401
}

/// Registering an email that has an account answers as registering a new one does (201
/// and a user of the same shape; the same form redirect, no cookie), and changes nothing.
async fn registration_does_not_reveal_accounts(app: &TestApp) {
    let register = |email: &'static str, name: &'static str, password: &'static str| async move {
        let res = reqwest::Client::new()
            .post(app.api("/auth/register"))
            .json(&json!({ "email": email, "display_name": name, "password": password }))
            .send()
            .await
            .unwrap();
        (res.status().as_u16(), res.json::<Value>().await.unwrap())
    };
    let (status, first) = register("ana@example.com", "Ana", GOOD_PASSWORD).await;
    assert_eq!(status, 201);
    let (status, again) = register("ANA@example.COM", "Mallory", "another-long-passphrase").await;
    assert_eq!(status, 201, "{again}");
    let shape = |v: &Value| v.as_object().unwrap().iter().map(|(k, v)| (k.clone(), std::mem::discriminant(v))).collect::<Vec<_>>();
    assert_eq!(shape(&again), shape(&first), "same fields of the same types: {first} / {again}");
    assert_eq!(again["email"], "ANA@example.com");
    assert_eq!(again["display_name"], "Mallory");
    assert_eq!(again["role"], "customer");

    // Nothing changed: one account, its name and password as they were, one user.created.
    let (n, name): (i64, String) = (
        sqlx::query_scalar("SELECT COUNT(*) FROM users").fetch_one(&app.state.db.pool).await.unwrap(),
        sqlx::query_scalar("SELECT display_name FROM users").fetch_one(&app.state.db.pool).await.unwrap(),
    );
    assert_eq!((n, name.as_str()), (1, "Ana"));
    let created: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM domain_events WHERE event_type = 'user.created'")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!(created, 1);
    app.login("ana@example.com", GOOD_PASSWORD).await;
    let res = reqwest::Client::new()
        .post(app.api("/auth/login"))
        .json(&json!({ "email": "ana@example.com", "password": "another-long-passphrase" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);

    // The page's form: the same answer for a taken and a new email, and no session.
    let form = |email: &'static str| async move {
        let res = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap()
            .post(app.url("/api/register"))
            .header("origin", &app.address)
            .form(&[("email", email), ("display_name", "Someone"), ("password", "violet-tram-orbit-43")])
            .send()
            .await
            .unwrap();
        let headers = res.headers();
        (res.status().as_u16(), headers.get("location").cloned(), headers.get("set-cookie").is_some())
    };
    let taken = form("ana@example.com").await;
    let new = form("new@example.com").await;
    assert_eq!(taken, new);
    assert_eq!(taken.0, 200);
    assert_eq!(taken.1.unwrap(), app::users::api::AFTER_SIGN_UP);
    assert!(!taken.2, "no session cookie");
    app.login("new@example.com", "violet-tram-orbit-43").await;
}

async fn registration_rules(app: &TestApp) {
    for (body, field) in [
        (json!({ "email": "nope", "display_name": "A", "password": GOOD_PASSWORD }), "email"),
        (json!({ "email": "a@b.co", "display_name": " ", "password": GOOD_PASSWORD }), "display_name"),
        (json!({ "email": "a@b.co", "display_name": "A", "password": "short" }), "password"),
        (json!({ "email": "a@b.co", "display_name": "A", "password": "password123" }), "password"),
        (json!({ "email": "a@b.co", "display_name": "A", "password": "x".repeat(129) }), "password"),
        // Direction and invisible characters make one name look like another.
        (json!({ "email": "a@b.co", "display_name": "Ana\u{202E}nimda", "password": GOOD_PASSWORD }), "display_name"),
        (json!({ "email": "a@b.co", "display_name": "Ad\u{200B}min", "password": GOOD_PASSWORD }), "display_name"),
        (json!({ "email": "a@b.co", "display_name": "\u{2066}Ana\u{2069}", "password": GOOD_PASSWORD }), "display_name"),
        (json!({ "email": "a@b.co", "display_name": "\u{FEFF}Ana", "password": GOOD_PASSWORD }), "display_name"),
        (json!({ "email": "ad\u{200B}min@b.co", "display_name": "A", "password": GOOD_PASSWORD }), "email"),
    ] {
        let res = app.client.post(app.api("/auth/register")).json(&body).send().await.unwrap();
        assert_eq!(res.status(), 422, "{body}");
        let err: Value = res.json().await.unwrap();
        assert_eq!(err["error"]["code"], "validation_failed");
        assert!(err["error"]["details"][field].is_string(), "{field} in {err}");
    }
    // The same email composed differently is the same account.
    let res = app
        .client
        .post(app.api("/auth/register"))
        .json(&json!({ "email": " Jose\u{301}@Example.com ", "display_name": "  José  ", "password": GOOD_PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let user: Value = res.json().await.unwrap();
    assert_eq!((user["email"].as_str(), user["display_name"].as_str()), (Some("Jos\u{e9}@example.com"), Some("José")));
    app.login("jos\u{e9}@example.com", GOOD_PASSWORD).await;
}

async fn login_does_not_reveal_accounts(app: &TestApp) {
    app.create_user("known@example.com", GOOD_PASSWORD, Role::Customer).await;
    let wrong: Value = app
        .client
        .post(app.api("/auth/login"))
        .json(&json!({ "email": "known@example.com", "password": "wrong-password-1" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let res = app
        .client
        .post(app.api("/auth/login"))
        .json(&json!({ "email": "unknown@example.com", "password": "wrong-password-1" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    let unknown: Value = res.json().await.unwrap();
    assert_eq!(wrong, unknown, "same answer for a wrong password and an unknown email");
    assert_eq!(unknown["error"]["code"], "invalid_credentials");
}

/// Failures from one address for one account (see login_abuse.rs for many addresses).
async fn login_is_rate_limited_per_account_and_address(app: &TestApp) {
    app.create_user("target@example.com", GOOD_PASSWORD, Role::Customer).await;
    let mut statuses = Vec::new();
    for _ in 0..12 {
        let res = app
            .client
            .post(app.api("/auth/login"))
            .json(&json!({ "email": "target@example.com", "password": "guessing-123" }))
            .send()
            .await
            .unwrap();
        if res.status() == 429 {
            assert!(res.headers().get("retry-after").is_some(), "429 carries Retry-After");
        }
        statuses.push(res.status().as_u16());
    }
    assert_eq!(&statuses[..10], &[401; 10]);
    assert_eq!(statuses[10], 429);
}

async fn admin_deactivates_a_user(app: &TestApp) {
    app.create_user("boss@example.com", GOOD_PASSWORD, Role::Admin).await;
    let victim = app.create_user("leaving@example.com", GOOD_PASSWORD, Role::Customer).await;
    let admin = app.login("boss@example.com", GOOD_PASSWORD).await;
    let victim_token = app.login("leaving@example.com", GOOD_PASSWORD).await;
    let anon = reqwest::Client::new();

    // Only administrators manage users.
    assert_eq!(anon.get(app.api("/users")).send().await.unwrap().status(), 401);
    assert_eq!(anon.get(app.api("/users")).bearer_auth(&victim_token).send().await.unwrap().status(), 403);
    let list: Value = anon.get(app.api("/users?q=leaving")).bearer_auth(&admin).send().await.unwrap().json().await.unwrap();
    assert_eq!(list["total"], 1);
    assert_eq!(list["page"], 1);

    let res = anon
        .patch(app.api(&format!("/users/{victim}")))
        .bearer_auth(&admin)
        .json(&json!({ "active": false }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let user: Value = res.json().await.unwrap();
    assert_eq!(user["active"], false);

    assert_eq!(anon.get(app.api("/me")).bearer_auth(&victim_token).send().await.unwrap().status(), 401, "sessions end");
    let res = anon
        .post(app.api("/auth/login"))
        .json(&json!({ "email": "leaving@example.com", "password": GOOD_PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 409);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"]["code"], "account_deactivated");

    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM domain_events WHERE event_type = 'user.deactivated' AND aggregate_id = $1")
        .bind(&victim)
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!(n, 1);

    // Unknown and malformed ids are 404; an admin cannot deactivate themselves.
    let res = anon.patch(app.api(&format!("/users/{}", uuid::Uuid::new_v4()))).bearer_auth(&admin).json(&json!({ "active": false })).send().await.unwrap();
    assert_eq!(res.status(), 404);
    let res = anon.patch(app.api("/users/not-a-uuid")).bearer_auth(&admin).json(&json!({ "active": false })).send().await.unwrap();
    assert_eq!(res.status(), 404);
    let me: Value = anon.get(app.api("/me")).bearer_auth(&admin).send().await.unwrap().json().await.unwrap();
    let res = anon
        .patch(app.api(&format!("/users/{}", me["id"].as_str().unwrap())))
        .bearer_auth(&admin)
        .json(&json!({ "active": false }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let res = anon.patch(app.api(&format!("/users/{victim}"))).bearer_auth(&admin).json(&json!({ "role": "wizard" })).send().await.unwrap();
    assert_eq!(res.status(), 422);
}

async fn admin_creates_staff_accounts(app: &TestApp) {
    app.create_user("root@example.com", GOOD_PASSWORD, Role::Admin).await;
    let admin = app.login("root@example.com", GOOD_PASSWORD).await;
    let res = reqwest::Client::new()
        .post(app.api("/users"))
        .bearer_auth(&admin)
        .json(&json!({ "email": "agent@example.com", "display_name": "Agent", "password": GOOD_PASSWORD, "role": "agent", "skills": ["Payments", "tickets"] }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let user: Value = res.json().await.unwrap();
    assert_eq!(user["role"], "agent");
    assert_eq!(user["skills"], json!(["payments", "tickets"]));
}

async fn session_cookie_is_http_only_and_rotates(app: &TestApp) {
    app.create_user("cookie@example.com", GOOD_PASSWORD, Role::Customer).await;
    let first = app
        .client
        .post(app.api("/auth/login"))
        .json(&json!({ "email": "cookie@example.com", "password": GOOD_PASSWORD }))
        .send()
        .await
        .unwrap();
    let cookie = first.headers().get("set-cookie").unwrap().to_str().unwrap().to_owned();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"), "{cookie}");
    let second = app.login("cookie@example.com", GOOD_PASSWORD).await;
    assert!(!cookie.contains(&second), "each login gets a new session id");
    // The cookie alone authenticates.
    let res = app.client.get(app.api("/me")).send().await.unwrap();
    assert_eq!(res.status(), 200);
}

on_both_backends!(
    register_login_me_logout,
    sessions_revoked_elsewhere_end_here_soon,
    registration_rules,
    login_does_not_reveal_accounts,
    login_is_rate_limited_per_account_and_address,
    registration_does_not_reveal_accounts,
    admin_deactivates_a_user,
    admin_creates_staff_accounts,
    session_cookie_is_http_only_and_rotates,
);
