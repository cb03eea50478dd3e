//! Hold creation is rate-limited per buyer and per client address, with a JSON error
//! that says when to try again.

use serde_json::Value;

use crate::helpers::{Backend, TestApp};
use crate::on_both_backends;

async fn holds_are_rate_limited_per_buyer_and_per_address(app: &TestApp) {
    let (event, seats) = app.event_with_seats(1).await;
    let ana = app.customer("ana@example.com").await;
    // One buyer: 20 attempts at once, then one a second.
    let mut statuses = Vec::new();
    let mut refusal = None;
    for _ in 0..25 {
        let res = app.hold(&ana, &event, &seats).await;
        let status = res.status().as_u16();
        if status == 429 && refusal.is_none() {
            let retry_after = res.headers().get("retry-after").and_then(|v| v.to_str().ok()).map(str::to_owned);
            refusal = Some((retry_after, res.json::<Value>().await.unwrap()));
        }
        statuses.push(status);
    }
    assert_eq!(statuses[0], 201, "{statuses:?}");
    assert!(statuses[1..20].iter().all(|s| *s == 409), "taken seat, not limited yet: {statuses:?}");
    assert!(statuses[20..].iter().all(|s| *s == 429), "the 21st attempt is limited: {statuses:?}");
    let (retry_after, body) = refusal.unwrap();
    assert_eq!(body["error"]["code"], "rate_limited", "{body}");
    assert!(body["error"]["details"]["retry_after_secs"].as_u64().unwrap_or(0) >= 1, "{body}");
    assert_eq!(retry_after, body["error"]["details"]["retry_after_secs"].as_u64().map(|s| s.to_string()), "Retry-After header");

    // One address: buyers that each stay under their own limit are stopped together.
    let mut limited = 0;
    for i in 0..7 {
        let token = app.customer(&format!("buyer{i}@example.com")).await;
        for _ in 0..19 {
            if app.hold(&token, &event, &seats).await.status() == 429 {
                limited += 1;
            }
        }
    }
    assert!(limited > 0, "133 attempts from one address within a few seconds hit the address's limit");
}

/// The event page's hold (a server function) counts against the same limits as the API.
async fn page_holds_are_rate_limited_per_address(app: &TestApp) {
    let (event, seats) = app.event_with_seats(1).await;
    let body = format!("event_id={event}&seat_ids[0]={}", seats[0]);
    let mut limited = 0;
    for i in 0..7 {
        let token = app.customer(&format!("buyer{i}@example.com")).await;
        for _ in 0..19 {
            let res = reqwest::Client::new()
                .post(app.url("/api/hold_seats"))
                .bearer_auth(&token)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(body.clone())
                .send()
                .await
                .unwrap();
            if res.status() == 429 {
                limited += 1;
            }
        }
    }
    assert!(limited > 0, "133 page holds from one address within a few seconds hit the address's limit");
}

on_both_backends!(holds_are_rate_limited_per_buyer_and_per_address, page_holds_are_rate_limited_per_address);
