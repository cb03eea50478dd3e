//! Files in support tickets through the API: images and PDF only, read from their content;
//! at most three of 5 MB to a message; sealed in the database; served to those who may
//! read them, and a file of an internal note to the desk only.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde_json::{json, Value};

use app::users::service::{insert_user, NewUser};
use app::users::Role;

use crate::helpers::{Backend, TestApp};
use crate::on_both_backends;

const PNG: &[u8] = &[0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, b'I', b'H', b'D', b'R', 0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0];
const PDF: &[u8] = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";

fn file(name: &str, bytes: &[u8]) -> Value {
    json!({ "name": name, "content_base64": STANDARD.encode(bytes) })
}

async fn send(app: &TestApp, method: reqwest::Method, token: &str, path: &str, body: Value) -> (u16, Value) {
    let res = reqwest::Client::new().request(method, app.api(path)).bearer_auth(token).json(&body).send().await.unwrap();
    (res.status().as_u16(), res.json().await.unwrap_or(Value::Null))
}

/// The status, the content type and the bytes of a file.
async fn download(app: &TestApp, token: &str, path: &str) -> (u16, String, Vec<u8>) {
    let res = reqwest::Client::new().get(app.api(path)).bearer_auth(token).send().await.unwrap();
    let status = res.status().as_u16();
    let content_type = res.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    (status, content_type, res.bytes().await.unwrap().to_vec())
}

async fn agent(app: &TestApp, email: &str) -> String {
    let hash = app.state.accounts.hasher.hash("violet-tram-orbit-42").await.unwrap();
    let new = NewUser { email: email.into(), display_name: "Agent".into(), password: "violet-tram-orbit-42".into(), role: Role::Agent, skills: vec!["payments".into()] };
    insert_user(&app.state.db, &new, &hash).await.unwrap();
    app.state.db.wake_relay();
    app.login(email, "violet-tram-orbit-42").await
}

/// A customer sends a screenshot and a PDF with their support ticket; both are sealed in
/// the database, come back as they were sent to the customer and the desk, and are not
/// found by anyone else. A file of an internal note is the desk's only.
async fn files_are_sealed_and_served_to_those_who_may(app: &TestApp) {
    let desk = agent(app, "ana@desk.test").await;
    let customer = app.customer("maria@example.com").await;
    let stranger = app.customer("eve@example.com").await;
    let new = json!({
        "title": "Charged twice", "description": "My bank statement shows two charges.", "category": "PAYMENTS",
        "attachments": [file("../../statement screenshot.png", PNG), file("receipt.pdf", PDF)],
    });
    let (status, t) = send(app, reqwest::Method::POST, &customer, "/support/tickets", new).await;
    assert_eq!(status, 201, "{t}");
    let id = t["id"].as_str().unwrap();
    let files = t["attachments"].as_array().unwrap();
    assert_eq!(files.len(), 2, "{t}");
    assert_eq!((files[0]["name"].as_str(), files[0]["content_type"].as_str(), files[0]["size"].as_u64()), (Some("statement screenshot.png"), Some("image/png"), Some(PNG.len() as u64)));
    assert_eq!((files[1]["name"].as_str(), files[1]["content_type"].as_str()), (Some("receipt.pdf"), Some("application/pdf")));

    // Sealed: neither the name nor the content is in the database in clear.
    let rows: Vec<(String, String)> = sqlx::query_as("SELECT name_sealed, content_sealed FROM support_attachments WHERE ticket_id = $1").bind(id).fetch_all(&app.state.db.pool).await.unwrap();
    assert_eq!(rows.len(), 2);
    for (name, content) in &rows {
        assert!(name.starts_with("test.") && content.starts_with("test."), "each names its key");
        assert!(!name.contains("receipt") && !name.contains("statement"));
        assert!(!content.contains(&STANDARD.encode(PDF)[..16]) && !content.contains("PDF"));
    }

    let png = format!("/support/tickets/{id}/attachments/{}", files[0]["id"].as_str().unwrap());
    let (status, content_type, bytes) = download(app, &customer, &png).await;
    assert_eq!((status, content_type.as_str(), bytes.as_slice()), (200, "image/png", PNG));
    let res = reqwest::Client::new().get(app.api(&png)).bearer_auth(&desk).send().await.unwrap();
    assert_eq!(res.status(), 200, "the desk reads it too");
    let disposition = res.headers()["content-disposition"].to_str().unwrap().to_owned();
    assert!(disposition.starts_with("inline;") && disposition.contains("filename*=UTF-8''statement%20screenshot.png"), "{disposition}");
    assert!(res.headers()["content-security-policy"].to_str().unwrap().contains("sandbox"));
    assert_eq!(download(app, &stranger, &png).await.0, 404, "another customer's file is not found");
    assert_eq!(download(app, &customer, &format!("/support/tickets/{id}/attachments/{}", uuid::Uuid::new_v4())).await.0, 404);
    assert_eq!(download(app, &customer, &format!("/support/tickets/{id}/attachments/not-an-id")).await.0, 404);

    // A note's file: the desk's only.
    let messages = format!("/support/tickets/{id}/messages");
    let (status, note) = send(app, reqwest::Method::POST, &desk, &messages, json!({ "body": "Bank's answer attached", "internal": true, "attachments": [file("bank.pdf", PDF)] })).await;
    assert_eq!(status, 201, "{note}");
    let note_file = format!("/support/tickets/{id}/attachments/{}", note["attachments"][0]["id"].as_str().unwrap());
    assert_eq!(download(app, &desk, &note_file).await.0, 200);
    assert_eq!(download(app, &customer, &note_file).await.0, 404, "a note's file is not the customer's");
    let (_, seen) = app.get(&customer, &format!("/support/tickets/{id}")).await;
    assert!(!seen.to_string().contains("bank.pdf"), "{seen}");

    // A customer's reply with a file; the desk sees it in the conversation.
    let (status, reply) = send(app, reqwest::Method::POST, &customer, &messages, json!({ "body": "Here is the second charge", "attachments": [file("second.png", PNG)] })).await;
    assert_eq!(status, 201, "{reply}");
    let (_, for_desk) = app.get(&desk, &format!("/support/tickets/{id}")).await;
    let mut names: Vec<&str> = for_desk["messages"].as_array().unwrap().iter().flat_map(|m| m["attachments"].as_array().unwrap()).map(|a| a["name"].as_str().unwrap()).collect();
    names.sort();
    assert_eq!(names, ["bank.pdf", "second.png"]);

    // A key rotation seals the files again too.
    let old = app.config.data_key.clone().unwrap();
    let next = app::sealing::DataKeys::new_key_spec("next").unwrap();
    let both = app::sealing::DataKeys::parse(&format!("{next},{old}")).unwrap();
    app::support::service::reseal_all(&app.state.db, &both).await.unwrap();
    let sealed: Vec<String> = sqlx::query_scalar("SELECT content_sealed FROM support_attachments").fetch_all(&app.state.db.pool).await.unwrap();
    assert_eq!(sealed.len(), 4);
    assert!(sealed.iter().all(|s| s.starts_with("next.")));
}

/// The type comes from the content, not the name; at most three files to a message, of
/// at most 5 MB each. A refusal names the file and keeps nothing.
async fn the_type_number_and_size_of_files_are_checked(app: &TestApp) {
    let customer = app.customer("jon@example.com").await;
    let ticket = |attachments: Vec<Value>| json!({ "title": "Ticket scan", "description": "The QR code of my ticket does not scan.", "category": "TICKETS", "attachments": attachments });
    let mut five_megabytes = PNG.to_vec();
    five_megabytes.resize(5 * 1024 * 1024, 0);
    let mut too_large = five_megabytes.clone();
    too_large.push(0);
    for (files, says) in [
        (vec![file("photo.png", b"<html><script>alert(1)</script></html>")], "photo.png"),
        (vec![file("drawing.svg", b"<svg xmlns=\"http://www.w3.org/2000/svg\"/>")], "drawing.svg"),
        ((0..4).map(|i| file(&format!("{i}.png"), PNG)).collect(), "3"),
        (vec![file("huge.png", &too_large)], "huge.png"),
        (vec![json!({ "name": "broken.pdf", "content_base64": "%%% not base64 %%%" })], "broken.pdf"),
    ] {
        let (status, body) = send(app, reqwest::Method::POST, &customer, "/support/tickets", ticket(files)).await;
        assert_eq!(status, 422, "{says}: {body}");
        let detail = body["error"]["details"]["attachments"].as_str().unwrap_or_default();
        assert!(detail.contains(says), "{says}: {body}");
    }
    let kept: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM support_tickets").fetch_one(&app.state.db.pool).await.unwrap();
    assert_eq!(kept, 0, "a refused support ticket is not kept");

    // Exactly 5 MB, three files: accepted, and read back whole.
    let (status, t) = send(app, reqwest::Method::POST, &customer, "/support/tickets", ticket(vec![file("a.png", PNG), file("b.pdf", PDF), file("big.png", &five_megabytes)])).await;
    assert_eq!(status, 201, "{t}");
    let id = t["id"].as_str().unwrap();
    let big = t["attachments"].as_array().unwrap().iter().find(|a| a["name"] == "big.png").unwrap();
    assert_eq!(big["size"], 5 * 1024 * 1024);
    let (status, _, bytes) = download(app, &customer, &format!("/support/tickets/{id}/attachments/{}", big["id"].as_str().unwrap())).await;
    assert_eq!((status, bytes.len()), (200, five_megabytes.len()));
    assert!(bytes == five_megabytes);

    // Other bodies stay small.
    let (status, body) = send(app, reqwest::Method::PATCH, &customer, &format!("/support/tickets/{id}"), json!({ "status": "CLOSED", "padding": "x".repeat(100_000) })).await;
    assert_eq!(status, 413, "{body}");
}

on_both_backends!(files_are_sealed_and_served_to_those_who_may, the_type_number_and_size_of_files_are_checked);
