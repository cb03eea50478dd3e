use serde_json::Value;

use crate::helpers::{Backend, TestApp};
use crate::on_both_backends;

async fn seeded(app: &TestApp) {
    let accounts = server::seed::seed_demo(&app.state).await.unwrap();
    assert_eq!(accounts.map(|a| a.len()), Some(7));
    assert!(server::seed::seed_demo(&app.state).await.unwrap().is_none(), "seeding twice adds nothing");
}

async fn get(app: &TestApp, path: &str) -> (u16, Value) {
    let res = app.client.get(app.api(path)).send().await.unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap())
}

async fn lists_and_filters_events(app: &TestApp) {
    seeded(app).await;
    let (status, page) = get(app, "/events").await;
    assert_eq!(status, 200);
    assert!(page["total"].as_i64().unwrap() >= 24);
    assert_eq!(page["page"], 1);
    assert_eq!(page["per_page"], 12);
    let items = page["items"].as_array().unwrap();
    assert_eq!(items.len(), 12);
    let starts: Vec<&str> = items.iter().map(|e| e["starts_at"].as_str().unwrap()).collect();
    assert!(starts.windows(2).all(|w| w[0] <= w[1]), "soonest first");

    let (_, page3) = get(app, "/events?page=3").await;
    assert_eq!(page3["page"], 3);
    assert!(!page3["items"].as_array().unwrap().is_empty());

    let (_, comedy) = get(app, "/events?category=comedy").await;
    assert_eq!(comedy["total"], 3);
    assert!(comedy["items"].as_array().unwrap().iter().all(|e| e["category"] == "comedy"));

    let (_, sevilla) = get(app, "/events?city=sevilla").await;
    assert!(sevilla["items"].as_array().unwrap().iter().all(|e| e["city"] == "Sevilla"));
    assert!(sevilla["total"].as_i64().unwrap() >= 5);

    let (_, search) = get(app, "/events?q=SWAN").await;
    assert_eq!(search["total"], 1);
    assert_eq!(search["items"][0]["title"], "Swan Lake");

    let (_, none) = get(app, "/events?q=%25").await;
    assert_eq!(none["total"], 0, "% is matched literally");

    let today = time::OffsetDateTime::now_utc().date();
    let in_ten = today + time::Duration::days(10);
    let (_, window) = get(app, &format!("/events?from={today}&to={in_ten}")).await;
    let n = window["total"].as_i64().unwrap();
    assert!(n > 0 && n < page["total"].as_i64().unwrap());
}

async fn refuses_bad_filters(app: &TestApp) {
    for (query, field) in [("from=yesterday", "from"), ("from=2030-01-02&to=2030-01-01", "to"), ("page=0", "page")] {
        let (status, body) = get(app, &format!("/events?{query}")).await;
        assert_eq!(status, 422, "{query}");
        assert!(body["error"]["details"][field].is_string(), "{body}");
    }
    let (status, body) = get(app, "/events?page=abc").await;
    assert_eq!(status, 400);
    assert_eq!(body["error"]["code"], "invalid_query");
}

async fn shows_event_and_seat_map(app: &TestApp) {
    seeded(app).await;
    let (_, page) = get(app, "/events?q=Mahler").await;
    let id = page["items"][0]["id"].as_str().unwrap().to_owned();
    let slug = page["items"][0]["slug"].as_str().unwrap().to_owned();
    let (status, event) = get(app, &format!("/events/{id}")).await;
    assert_eq!(status, 200);
    assert_eq!(event["venue"]["city"], "Madrid");
    assert_eq!(event["prices"].as_array().unwrap().len(), 3);
    let (_, by_slug) = get(app, &format!("/events/{slug}")).await;
    assert_eq!(by_slug["id"], event["id"]);

    let (status, seats) = get(app, &format!("/events/{id}/seats")).await;
    assert_eq!(status, 200);
    let items = seats["items"].as_array().unwrap();
    assert!(items.len() >= 500, "the big venue has at least 500 seats");
    assert_eq!(seats["total"].as_i64().unwrap() as usize, items.len());
    assert!(items.iter().all(|s| s["status"] == "AVAILABLE"));
    let sections: std::collections::HashSet<&str> = items.iter().map(|s| s["section"].as_str().unwrap()).collect();
    assert_eq!(sections.len(), 3);

    for missing in [uuid::Uuid::new_v4().to_string(), "no-such-event".to_string()] {
        let (status, body) = get(app, &format!("/events/{missing}")).await;
        assert_eq!(status, 404);
        assert_eq!(body["error"]["code"], "not_found");
        let (status, _) = get(app, &format!("/events/{missing}/seats")).await;
        assert_eq!(status, 404);
    }
}

async fn pages_render_on_the_server(app: &TestApp) {
    seeded(app).await;
    let html = app.client.get(app.url("/")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("Upcoming events"), "home lists events without JavaScript");
    assert!(html.contains("Featured events"));
    let res = app.client.get(app.url("/events?category=comedy")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let csp = res.headers().get("content-security-policy").unwrap().to_str().unwrap().to_owned();
    assert!(csp.contains("'nonce-") && csp.contains("frame-ancestors 'none'"), "{csp}");
    let html = res.text().await.unwrap();
    assert!(html.contains("Stand-up: Noche de Risas"));
    assert!(!html.contains("Swan Lake"), "other categories are filtered out");
    let res = app.client.get(app.url("/events/swan-lake")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert!(html.contains("Seat map") && html.contains("row A, seat 1"));
    let res = app.client.get(app.url("/no/such/page")).send().await.unwrap();
    assert_eq!(res.status(), 404);
}

on_both_backends!(lists_and_filters_events, refuses_bad_filters, shows_event_and_seat_map, pages_render_on_the_server);
