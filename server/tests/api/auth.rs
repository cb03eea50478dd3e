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
    assert_eq!(user["email"], "Ana@Example.com");
    assert_eq!(user["role"], "customer");
    assert!(user.get("password_hash").is_none());
    uuid::Uuid::parse_str(user["id"].as_str().unwrap()).unwrap();

    // Same email in another case: refused as a field error.
    let res = app
        .client
        .post(app.api("/auth/register"))
        .json(&json!({ "email": "ana@example.COM", "display_name": "Ana 2", "password": GOOD_PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let body: Value = res.json().await.unwrap();
    assert!(body["error"]["details"]["email"].is_string(), "{body}");

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

async fn registration_rules(app: &TestApp) {
    for (body, field) in [
        (json!({ "email": "nope", "display_name": "A", "password": GOOD_PASSWORD }), "email"),
        (json!({ "email": "a@b.co", "display_name": " ", "password": GOOD_PASSWORD }), "display_name"),
        (json!({ "email": "a@b.co", "display_name": "A", "password": "short" }), "password"),
        (json!({ "email": "a@b.co", "display_name": "A", "password": "password123" }), "password"),
        (json!({ "email": "a@b.co", "display_name": "A", "password": "x".repeat(129) }), "password"),
    ] {
        let res = app.client.post(app.api("/auth/register")).json(&body).send().await.unwrap();
        assert_eq!(res.status(), 422, "{body}");
        let err: Value = res.json().await.unwrap();
        assert_eq!(err["error"]["code"], "validation_failed");
        assert!(err["error"]["details"][field].is_string(), "{field} in {err}");
    }
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

async fn login_is_rate_limited_per_account(app: &TestApp) {
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
    login_is_rate_limited_per_account,
    admin_deactivates_a_user,
    admin_creates_staff_accounts,
    session_cookie_is_http_only_and_rotates,
);
