use serde_json::{json, Value};

use crate::helpers::{Backend, TestApp};
use crate::on_both_backends;

async fn health(app: &TestApp) {
    let res = app.client.get(app.url("/health/live")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let res = app.client.get(app.url("/health/ready")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["checks"]["database"], true);
}

async fn bad_input_gets_json_errors(app: &TestApp) {
    let post = |body: &'static str, content_type: &'static str| {
        app.client.post(app.api("/auth/register")).header("content-type", content_type).body(body).send()
    };
    let cases = [
        (post("{not json", "application/json").await.unwrap(), 400, "malformed_json"),
        (post(r#"{"email": 5, "display_name": "a", "password": "x"}"#, "application/json").await.unwrap(), 422, "validation_failed"),
        (post(r#"{"email": "a@b.co"}"#, "application/json").await.unwrap(), 422, "validation_failed"),
        (post(r#"{"email":"a@b.co","display_name":"A","password":"violet-tram-orbit-42","role":"admin"}"#, "application/json").await.unwrap(), 422, "validation_failed"),
        (post("email=a", "application/x-www-form-urlencoded").await.unwrap(), 415, "unsupported_media_type"),
    ];
    for (res, status, code) in cases {
        assert_eq!(res.status().as_u16(), status);
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["error"]["code"], code, "{body}");
        assert!(body["error"]["message"].is_string());
    }
    let huge = format!(r#"{{"email":"{}","display_name":"a","password":"b"}}"#, "a".repeat(200_000));
    // The server answers 413 without reading the rest of the body and then closes the
    // connection, so this request goes on a connection of its own.
    let res = reqwest::Client::new()
        .post(app.api("/auth/register"))
        .header("content-type", "application/json")
        .header("connection", "close")
        .body(huge)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 413);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"]["code"], "payload_too_large");

    let res = app.client.get(app.api("/no-such-thing")).send().await.unwrap();
    assert_eq!(res.status(), 404);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"]["code"], "not_found");
    let res = app.client.delete(app.api("/events")).send().await.unwrap();
    assert_eq!(res.status(), 405);
}

async fn cross_origin_writes_are_refused(app: &TestApp) {
    let res = app
        .client
        .post(app.api("/auth/login"))
        .header("origin", "https://evil.example")
        .json(&json!({ "email": "a@b.co", "password": "whatever-123" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"]["code"], "cross_origin");
    // Same origin passes (and fails on the credentials instead).
    let res = app
        .client
        .post(app.api("/auth/login"))
        .header("origin", &app.address)
        .json(&json!({ "email": "a@b.co", "password": "whatever-123" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
}

async fn security_headers_and_openapi(app: &TestApp) {
    let res = app.client.get(app.api("/openapi.json")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["x-content-type-options"], "nosniff");
    assert!(res.headers().get("referrer-policy").is_some());
    let doc: Value = res.json().await.unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    for path in ["/auth/login", "/auth/register", "/me", "/users", "/users/{id}", "/events", "/events/{id}", "/events/{id}/seats"] {
        assert!(doc["paths"][path].is_object(), "{path} is documented");
    }
    // Operations with a JSON body document its refusals too (what the fuzzer sends).
    for (path, ops) in doc["paths"].as_object().unwrap() {
        for (method, op) in ops.as_object().unwrap() {
            if op.get("requestBody").is_some() {
                for status in ["413", "415", "422"] {
                    assert!(op["responses"][status].is_object(), "{method} {path} documents {status}");
                }
            }
        }
    }
    let docs = app.client.get(app.api("/docs")).send().await.unwrap().text().await.unwrap();
    assert!(docs.contains("/api/v1/events/{id}/seats"));
}

/// Server functions (the pages' RPC) answer bad arguments with 400 and a JSON body too.
async fn server_functions_refuse_bad_arguments(app: &TestApp) {
    let form = |path: &str, body: &'static str| {
        app.client
            .post(app.url(path))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("origin", &app.address)
            .body(body)
            .send()
    };
    let res = form("/api/catalog_event", "").await.unwrap();
    assert_eq!(res.status(), 400);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["kind"], "bad_request", "{body}");
    // Every filter is optional.
    assert_eq!(form("/api/catalog_list", "").await.unwrap().status(), 200);
    let res = form("/api/catalog_list", "filter[page]=0").await.unwrap();
    assert_eq!(res.status(), 422);
    let res = form("/api/login", "email=a%40b.co&password=wrong-password").await.unwrap();
    assert_eq!(res.status(), 401);
}

on_both_backends!(server_functions_refuse_bad_arguments, health, bad_input_gets_json_errors, cross_origin_writes_are_refused, security_headers_and_openapi);
