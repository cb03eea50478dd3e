//! The event page's seat map: drawn once per event and language and put in the page as it
//! is sent (already compressed for clients that take gzip), always with every seat's
//! status as of a moment ago and the log's cursor it was read at; the compact statuses
//! beside it; both catch up with a change at once.

use std::io::Read;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::helpers::{Backend, TestApp};
use crate::on_both_backends;

fn gunzip(body: &[u8]) -> String {
    let mut out = String::new();
    flate2::read::GzDecoder::new(body).read_to_string(&mut out).expect("a valid gzip body");
    out
}

/// The page of `event`, as a browser without and with gzip gets it.
async fn page(app: &TestApp, event: &str) -> (String, String) {
    let plain = app.client.get(app.url(&format!("/events/{event}"))).header("accept-language", "en").send().await.unwrap();
    assert_eq!(plain.status(), 200);
    assert!(plain.headers().get("content-encoding").is_none());
    let plain = plain.text().await.unwrap();
    let zipped = app
        .client
        .get(app.url(&format!("/events/{event}")))
        .header("accept-language", "en")
        .header("accept-encoding", "br;q=1, gzip;q=0.8")
        .send()
        .await
        .unwrap();
    assert_eq!(zipped.headers()["content-encoding"], "gzip");
    assert!(zipped.headers()["vary"].to_str().unwrap().to_ascii_lowercase().contains("accept-encoding"));
    (plain, gunzip(&zipped.bytes().await.unwrap()))
}

/// The map of a page: the SVG, whole.
fn map_of(page: &str) -> &str {
    let start = page.find("<svg class=\"seat-map\"").expect("the page has the seat map");
    let end = start + page[start..].find("</svg>").unwrap() + "</svg>".len();
    &page[start..end]
}

/// The `aria-disabled` of the seat `id` on a page.
fn disabled(page: &str, id: &str) -> bool {
    let at = page.find(&format!("data-seat-id=\"{id}\"")).expect("the seat is on the map");
    let circle = &page[page[..at].rfind("<circle").unwrap()..at];
    circle.contains("aria-disabled=\"true\"")
}

async fn statuses(app: &TestApp, event: &str) -> Value {
    let res = app.client.get(app.api(&format!("/events/{event}/seat-statuses"))).send().await.unwrap();
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

async fn the_page_has_the_map_and_catches_up(app: &TestApp) {
    let (event, seats) = app.event_with_seats(2).await;
    let (plain, unzipped) = page(app, &event).await;
    let map = map_of(&plain);
    assert_eq!(map, map_of(&unzipped), "the same map, compressed or not");
    assert!(!plain.contains("<!--seat-map:"), "the placeholder is gone");
    let all: Value = app.client.get(app.api(&format!("/events/{event}/seats"))).send().await.unwrap().json().await.unwrap();
    let all = all["items"].as_array().unwrap().clone();
    assert_eq!(map.matches("<circle ").count(), all.len());
    assert!(map.contains("data-cursor=\""));
    assert!(!disabled(&plain, &seats[0]));

    let board = statuses(app, &event).await;
    let letters = board["statuses"].as_str().unwrap();
    assert_eq!(letters.len(), all.len());
    assert!(letters.bytes().all(|b| b"AHS".contains(&b)), "{letters}");
    for seat in &seats {
        let at = all.iter().position(|s| s["id"] == seat.as_str()).unwrap();
        assert_eq!(&letters[at..=at], "A");
    }
    assert!(board["cursor"].as_i64().unwrap() >= 0);

    // A hold: the next pages and statuses show it at once, or within a moment.
    let buyer = app.customer("map@example.com").await;
    assert_eq!(app.hold(&buyer, &event, &seats).await.status(), 201);
    let held = Instant::now();
    loop {
        let (plain, _) = page(app, &event).await;
        let board = statuses(app, &event).await;
        let letters = board["statuses"].as_str().unwrap().as_bytes().to_vec();
        let shown = seats.iter().all(|s| disabled(&plain, s));
        let position = |id: &str| all.iter().position(|s| s["id"] == id).unwrap();
        let told = seats.iter().all(|s| letters[position(s.as_str())] == b'H');
        if shown && told {
            break;
        }
        assert!(held.elapsed() < Duration::from_millis(1500), "the map still shows the seats free {:?} after the hold", held.elapsed());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let (plain, _) = page(app, &event).await;
    let cursor: i64 = {
        let at = plain.find("data-cursor=\"").unwrap() + "data-cursor=\"".len();
        plain[at..at + plain[at..].find('"').unwrap()].parse().unwrap()
    };
    assert!(cursor > board["cursor"].as_i64().unwrap(), "a map drawn after the hold names a later cursor");

    // In Spanish, another drawing.
    let res = app.client.get(app.url(&format!("/events/{event}"))).header("accept-language", "es").send().await.unwrap();
    let es = res.text().await.unwrap();
    assert!(map_of(&es).contains("fila"), "{}", &map_of(&es)[..400]);

    let missing = uuid::Uuid::new_v4();
    let res = app.client.get(app.api(&format!("/events/{missing}/seat-statuses"))).send().await.unwrap();
    assert_eq!(res.status(), 404);
    let body: Value = res.json().await.unwrap();
    assert!(body["error"]["code"].is_string());
}

on_both_backends!(the_page_has_the_map_and_catches_up);

/// The CSP nonce of a response, and the page with it put back as `NONCE`.
fn nonce_of(res: &reqwest::header::HeaderMap, page: &str) -> (String, String) {
    let csp = res["content-security-policy"].to_str().unwrap();
    let nonce = csp.split("'nonce-").nth(1).and_then(|rest| rest.split('\'').next()).expect("a nonce in the CSP").to_owned();
    assert!(nonce.len() >= 16, "{nonce}");
    (page.replace(&nonce, "NONCE"), nonce)
}

async fn a_visitor_s_page_is_kept_with_a_nonce_of_its_own(app: &TestApp) {
    let (event, _) = app.event_with_seats(1).await;
    let url = app.url(&format!("/events/{event}"));
    let mut seen = Vec::new();
    for gzip in [false, true, true, false] {
        let mut req = app.client.get(&url).header("accept-language", "en");
        if gzip {
            req = req.header("accept-encoding", "gzip");
        }
        let res = req.send().await.unwrap();
        assert_eq!(res.status(), 200);
        let headers = res.headers().clone();
        assert_eq!(headers.get("content-encoding").is_some(), gzip);
        let body = res.bytes().await.unwrap();
        let text = if gzip { gunzip(&body) } else { String::from_utf8(body.to_vec()).unwrap() };
        let (page, nonce) = nonce_of(&headers, &text);
        assert!(text.contains(&format!("nonce=\"{nonce}\"")), "the page's scripts carry the response's nonce");
        assert!(!page.contains("<!--seat-map:"));
        seen.push((page, nonce));
    }
    let nonces: std::collections::HashSet<_> = seen.iter().map(|(_, n)| n.clone()).collect();
    assert_eq!(nonces.len(), seen.len(), "every response has a nonce of its own");
    assert!(seen.iter().all(|(page, _)| *page == seen[0].0), "the same page for every visitor");

    // A signed-in visitor's page is their own, never a visitor's kept one, and theirs is
    // not kept for the next visitor.
    let (client, _) = crate::helpers::signed_in(app, "kept@example.com", "Kept Kahlo", "violet-tram-orbit-42", app::users::Role::Customer).await;
    let own = client.get(&url).header("accept-language", "en").send().await.unwrap().text().await.unwrap();
    assert!(own.contains("Kept Kahlo"), "the header names the signed-in visitor");
    let next = app.client.get(&url).header("accept-language", "en").send().await.unwrap().text().await.unwrap();
    assert!(!next.contains("Kept Kahlo"));

    // Another language, another page; a page that is not found is not kept as found.
    let es = app.client.get(&url).header("accept-language", "es").send().await.unwrap().text().await.unwrap();
    assert!(map_of(&es).contains("fila"));
    for _ in 0..2 {
        let res = app.client.get(app.url("/events/no-such-event")).header("accept-language", "en").send().await.unwrap();
        assert_eq!(res.status(), 404);
    }
}

on_both_backends!(a_visitor_s_page_is_kept_with_a_nonce_of_its_own);

/// The status of a GET of `path` (from the site's root).
async fn status_of(app: &TestApp, path: &str) -> u16 {
    app.client.get(app.url(path)).header("accept-language", "en").send().await.unwrap().status().as_u16()
}

/// Events not (or no longer) on sale, made-up ones by the hundred, and a HEAD: the
/// statuses say what the seats say, nothing kept outlives a cancellation, and the real
/// page is still whole afterwards.
async fn pages_and_statuses_of_unfinished_cancelled_and_made_up_events(app: &TestApp) {
    // The demo catalog first (it is seeded only into an empty one).
    let (demo, _) = app.event_with_seats(1).await;
    app.create_user("olga@example.com", "violet-tram-orbit-42", app::users::Role::Organizer).await;
    let olga = app.login("olga@example.com", "violet-tram-orbit-42").await;
    let http = reqwest::Client::new();
    let venue = serde_json::json!({ "name": "Sala Corta", "city": "Vigo", "address": "Rúa 2", "sections": [{ "name": "Pista", "rows": 1, "seats_per_row": 4 }] });
    let event = serde_json::json!({ "title": "Noche Corta", "description": "Una noche", "category": "concerts" });
    let made = crate::helpers::event_on_sale(&http, &app.api(""), &olga, venue.clone(), event.clone(), 1500).await;
    let on_sale = made["id"].as_str().unwrap().to_owned();

    // A draft: no page, no seats, no statuses, for anyone.
    let res = http.post(app.api("/venues")).bearer_auth(&olga).json(&venue).send().await.unwrap();
    let made: Value = res.json().await.unwrap();
    let mut draft = event.clone();
    let starts = time::OffsetDateTime::now_utc() + time::Duration::days(20);
    let rfc = |t: time::OffsetDateTime| t.format(&time::format_description::well_known::Rfc3339).unwrap();
    draft["venue_id"] = made["id"].clone();
    draft["starts_at"] = serde_json::json!(rfc(starts));
    draft["ends_at"] = serde_json::json!(rfc(starts + time::Duration::hours(2)));
    draft["prices"] = serde_json::json!([{ "section_id": made["sections"][0]["id"], "price_cents": 1500 }]);
    let res = http.post(app.api("/events")).bearer_auth(&olga).json(&draft).send().await.unwrap();
    assert_eq!(res.status(), 201);
    let draft = res.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
    for path in [format!("/api/v1/events/{draft}/seat-statuses"), format!("/api/v1/events/{draft}/seats"), format!("/events/{draft}")] {
        assert_eq!(status_of(app, &path).await, 404, "{path} of a draft");
    }

    // On sale, then cancelled: the statuses (kept between changes) follow the seats at once.
    assert_eq!(status_of(app, &format!("/api/v1/events/{on_sale}/seat-statuses")).await, 200);
    assert_eq!(status_of(app, &format!("/events/{on_sale}")).await, 200);
    let res = http.patch(app.api(&format!("/events/{on_sale}"))).bearer_auth(&olga).json(&serde_json::json!({ "status": "CANCELLED" })).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let seats = status_of(app, &format!("/api/v1/events/{on_sale}/seats")).await;
    assert!(
        app.eventually(2, || async { status_of(app, &format!("/api/v1/events/{on_sale}/seat-statuses")).await == seats }).await,
        "the statuses of a cancelled event answer as its seats do ({seats})"
    );
    let cancelled = app.client.get(app.url(&format!("/events/{on_sale}"))).header("accept-language", "en").send().await.unwrap();
    assert!(cancelled.status().is_success() || cancelled.status() == 404, "{}", cancelled.status());

    // Hundreds of made-up event pages (each not found, none kept) leave the real one whole.
    let made_up: Vec<String> = (0..600).map(|i| if i % 2 == 0 { format!("/events/{}", uuid::Uuid::new_v4()) } else { format!("/events/{demo}x{i}") }).collect();
    for paths in made_up.chunks(20) {
        let statuses = futures_util::future::join_all(paths.iter().map(|p| status_of(app, p))).await;
        assert!(statuses.iter().all(|s| *s == 404), "{statuses:?}");
    }
    let res = app.client.get(app.url(&format!("/events/{demo}"))).header("accept-language", "en").send().await.unwrap();
    assert_eq!(res.status(), 200);
    let headers = res.headers().clone();
    let text = res.text().await.unwrap();
    let (_, nonce) = nonce_of(&headers, &text);
    assert!(text.contains(&format!("nonce=\"{nonce}\"")));
    assert_eq!(map_of(&text).matches("<circle ").count(), map_of(&page(app, &demo).await.0).matches("<circle ").count());

    // A HEAD: the headers of the page, no body, and the page after it is still whole.
    let head = app.client.head(app.url(&format!("/events/{demo}"))).header("accept-language", "en").send().await.unwrap();
    assert_eq!(head.status(), 200);
    assert!(head.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    assert!(head.bytes().await.unwrap().is_empty());
    let after = app.client.get(app.url(&format!("/events/{demo}"))).header("accept-language", "en").send().await.unwrap().text().await.unwrap();
    assert!(map_of(&after).contains("<circle "));
}

on_both_backends!(pages_and_statuses_of_unfinished_cancelled_and_made_up_events);
