//! Text that users choose (event titles, venue names, display names) is shown as text on
//! every page, the `<head>` included: it cannot add tags such as a refresh redirect.

use serde_json::{json, Value};

use app::users::Role;

use crate::helpers::{Backend, TestApp, APPROVED};
use crate::on_both_backends;

const PASSWORD: &str = "violet-tram-orbit-42";
/// Closes `<title>` and redirects; short enough for a display name.
const HEAD: &str = r#"</title><meta http-equiv="refresh" content="0;url=https://evil.example/">"#;
const SCRIPT: &str = "<script>alert(1)</script>";
/// What the event page puts its seat map in place of, naming another event.
const PLACEHOLDER: &str = "<!--seat-map:6d2b1f40-8a43-4d8e-9c1e-2f5a7b9c0d11:en-->";

/// A user with a hostile display name, signed in on a client of their own (cookie).
async fn signed_in(app: &TestApp, email: &str, role: Role) -> (reqwest::Client, String) {
    crate::helpers::signed_in(app, email, HEAD, PASSWORD, role).await
}

/// The page at `path`, checked: 200, one `<title>` holding text only, no injected tags.
async fn page_is_clean(app: &TestApp, client: &reqwest::Client, path: &str) -> String {
    let res = client.get(app.url(path)).send().await.unwrap();
    assert_eq!(res.status(), 200, "{path}");
    let html = res.text().await.unwrap();
    assert!(!html.contains("<meta http-equiv=\"refresh\""), "{path}: a refresh tag from user data:\n{html}");
    assert!(!html.contains("</title><meta"), "{path}: the title was closed early:\n{html}");
    assert!(!html.contains(SCRIPT), "{path}: a script tag from user data");
    // (The seat map's SVG has titles of its own, in the body.)
    let head = html.split("</head>").next().unwrap();
    assert_eq!(head.matches("<title>").count(), 1, "{path}: one title in the head");
    let title = head.split("<title>").nth(1).and_then(|t| t.split("</title>").next()).unwrap();
    assert!(!title.contains('<'), "{path}: the title holds text only: {title}");
    html
}

async fn hostile_text_stays_text_on_every_page(app: &TestApp) {
    let (organizer, olga) = signed_in(app, "olga@example.com", Role::Organizer).await;
    let (customer, ana) = signed_in(app, "ana@example.com", Role::Customer).await;
    let (admin, _) = signed_in(app, "root@example.com", Role::Admin).await;
    let http = reqwest::Client::new();

    let venue = json!({ "name": format!("{HEAD} hall"), "city": HEAD, "address": HEAD,
        "sections": [{ "name": "<b>Front</b>", "rows": 1, "seats_per_row": 4 }] });
    let event = json!({ "title": format!("{HEAD}{SCRIPT}"), "description": format!("{HEAD}{SCRIPT}{PLACEHOLDER}"), "category": "concerts" });
    let event = crate::helpers::event_on_sale(&http, &app.api(""), &olga, venue, event, 1000).await;
    let id = event["id"].as_str().unwrap().to_owned();

    // Ana buys one seat and holds another.
    let seats: Value = http.get(app.api(&format!("/events/{id}/seats"))).send().await.unwrap().json().await.unwrap();
    let seat = |i: usize| seats["items"][i]["id"].as_str().unwrap().to_owned();
    let hold = |seat_id: String| {
        let http = http.clone();
        let ana = ana.clone();
        let url = app.api(&format!("/events/{id}/holds"));
        async move { http.post(url).bearer_auth(ana).json(&json!({ "seat_ids": [seat_id] })).send().await.unwrap().json::<Value>().await.unwrap() }
    };
    let bought = hold(seat(0)).await;
    let placed: Value = app.order(&ana, bought["id"].as_str().unwrap(), APPROVED, "hostile-1").await.json().await.unwrap();
    let order_id = placed["id"].as_str().unwrap().to_owned();
    let paid = app.wait_for_status(&ana, &order_id, "PAID").await;
    let ticket_id = paid["ticket_ids"][0].as_str().unwrap().to_owned();
    let held = hold(seat(1)).await;
    let hold_id = held["id"].as_str().unwrap().to_owned();

    let anonymous = reqwest::Client::new();
    let slug = event["slug"].as_str().unwrap();
    let event_page = page_is_clean(app, &anonymous, &format!("/events/{slug}")).await;
    assert!(event_page.contains("<title>&lt;/title&gt;"), "the title is shown, escaped");
    assert!(event_page.contains("&lt;!--seat-map:6d2b1f40"), "a description that looks like the map's place is shown as text");
    assert_eq!(event_page.matches("<svg class=\"seat-map\"").count(), 1, "one map, the event's own");
    page_is_clean(app, &anonymous, &format!("/events/{id}")).await;
    for path in ["/", "/events", "/events?category=concerts", "/login", "/register"] {
        page_is_clean(app, &anonymous, path).await;
    }
    let search = anonymous.get(app.url("/events")).query(&[("q", HEAD)]).send().await.unwrap().text().await.unwrap();
    assert!(!search.contains("<meta http-equiv=\"refresh\"") && !search.contains("</title><meta"), "the search box echoes text");

    let customer_pages = [
        "/account".to_owned(),
        format!("/events/{slug}"),
        format!("/checkout/{hold_id}"),
        "/orders".to_owned(),
        format!("/orders/{order_id}"),
        "/tickets".to_owned(),
        format!("/tickets/{ticket_id}"),
    ];
    for path in &customer_pages {
        let html = page_is_clean(app, &customer, path).await;
        assert!(html.contains("&lt;/title"), "{path} shows the hostile name or title as text");
    }
    for path in ["/organizer", "/organizer/venues", "/organizer/new"] {
        page_is_clean(app, &organizer, path).await;
    }
    let users = page_is_clean(app, &admin, "/admin/users").await;
    assert!(users.contains("&lt;/title"));
}

on_both_backends!(hostile_text_stays_text_on_every_page);
