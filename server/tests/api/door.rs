//! Door check-in: who may work an event's door, the bundle a device takes offline, and
//! scans synced by several devices (the first admission by scan time wins; a replay
//! records nothing twice; a late, earlier scan takes the admission over).

use serde_json::{json, Value};
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use app::users::Role;

use crate::helpers::{Backend, TestApp};
use crate::on_both_backends;

const PASSWORD: &str = "violet-tram-orbit-42";

/// The demo's Mahler event, run by a new organizer: (event id, organizer's token, seats).
async fn organizer_event(app: &TestApp, seats: usize) -> (String, String, Vec<String>) {
    let (event, seats) = app.event_with_seats(seats).await;
    let olga = app.create_user("olga@example.com", PASSWORD, Role::Organizer).await;
    sqlx::query("UPDATE events SET organizer_id = $1 WHERE id = $2").bind(&olga).bind(&event).execute(&app.state.db.pool).await.unwrap();
    (event, app.login("olga@example.com", PASSWORD).await, seats)
}

/// A customer's paid order of `seats`: (order id, its tickets' signed codes by ticket id).
async fn tickets_of(app: &TestApp, token: &str, event: &str, seats: &[String], key: &str) -> (String, Vec<(String, String)>) {
    let order = app.paid_order(token, event, seats, key).await;
    let mut tickets = Vec::new();
    for id in order["ticket_ids"].as_array().unwrap() {
        let (_, t) = app.get(token, &format!("/tickets/{}", id.as_str().unwrap())).await;
        tickets.push((t["id"].as_str().unwrap().to_owned(), t["code"].as_str().unwrap().to_owned()));
    }
    (order["id"].as_str().unwrap().to_owned(), tickets)
}

async fn send(app: &TestApp, token: &str, method: reqwest::Method, path: &str, body: Option<Value>) -> (u16, Value) {
    let mut req = reqwest::Client::new().request(method, app.api(path)).bearer_auth(token);
    if let Some(body) = body {
        req = req.json(&body);
    }
    let res = req.send().await.unwrap();
    (res.status().as_u16(), res.json().await.unwrap_or(Value::Null))
}

fn at(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap()
}

/// One scan as a device sends it.
fn scan(client_id: &str, code: &str, scanned_at: OffsetDateTime) -> Value {
    json!({ "client_id": client_id, "code": code, "scanned_at": at(scanned_at) })
}

async fn sync(app: &TestApp, token: &str, event: &str, device: &str, scans: Vec<Value>) -> (u16, Value) {
    send(app, token, reqwest::Method::POST, "/checkins", Some(json!({ "event_id": event, "device_id": device, "scans": scans }))).await
}

async fn door_staff_are_named_by_the_organizer_and_get_the_bundle(app: &TestApp) {
    let (event, olga, seats) = organizer_event(app, 3).await;
    let ana = app.customer("ana@example.com").await;
    let (_, kept) = tickets_of(app, &ana, &event, &seats[..2], "keep").await;
    let (cancelled, _) = tickets_of(app, &ana, &event, &seats[2..], "cancel").await;
    let res = reqwest::Client::new().post(app.api(&format!("/orders/{cancelled}/cancel"))).bearer_auth(&ana).send().await.unwrap();
    assert_eq!(res.status(), 200);

    let (status, bundle) = app.get(&olga, &format!("/events/{event}/checkin-bundle")).await;
    assert_eq!(status, 200, "{bundle}");
    assert_eq!(bundle["rules"]["event_id"], event);
    assert_eq!(bundle["rules"]["single_entry"], true);
    let (_, key) = app.get(&olga, "/tickets/signing-key").await;
    assert_eq!(bundle["public_key"], key["public_key"]);
    let tickets = bundle["tickets"].as_array().unwrap();
    assert_eq!(tickets.len(), 3);
    assert_eq!(tickets.iter().filter(|t| t["status"] == "VALID").count(), 2);
    assert!(tickets.iter().all(|t| t["seat"].as_str().unwrap().contains(" · ")), "{tickets:?}");
    assert!(tickets.iter().all(|t| t.get("code").is_none()), "the bundle carries no codes");
    assert_eq!(bundle["revocations"].as_array().unwrap().len(), 1);
    assert!(!bundle["revocations"].as_array().unwrap().iter().any(|r| kept.iter().any(|(id, _)| r == id)));

    // A customer is not door staff until the organizer says so, and only for this event.
    app.create_user("gate@example.com", PASSWORD, Role::Customer).await;
    let gate = app.login("gate@example.com", PASSWORD).await;
    assert_eq!(app.get(&gate, &format!("/events/{event}/checkin-bundle")).await.0, 404);
    assert_eq!(app.get(&gate, "/door/events").await.1, json!([]));
    assert_eq!(app.get(&ana, &format!("/events/{event}/door-staff")).await.0, 404, "customers do not see the staff");
    let staff_path = format!("/events/{event}/door-staff");
    let grant = |email: &str| send(app, &olga, reqwest::Method::POST, &staff_path, Some(json!({ "email": email })));
    let (status, staff) = grant("GATE@example.com").await;
    assert_eq!(status, 201, "{staff}");
    assert_eq!(grant("gate@example.com").await.0, 200, "granting again changes nothing");
    let (status, body) = grant("nobody@example.com").await;
    assert_eq!((status, body["error"]["code"].as_str()), (422, Some("validation_failed")));
    assert!(body["error"]["details"]["email"].is_string(), "{body}");
    assert_eq!(app.get(&olga, &format!("/events/{event}/door-staff")).await.1.as_array().unwrap().len(), 1);
    let (status, events) = app.get(&gate, "/door/events").await;
    assert_eq!(status, 200);
    assert_eq!(events.as_array().unwrap().iter().map(|e| e["id"].clone()).collect::<Vec<_>>(), vec![json!(event)]);
    assert_eq!(app.get(&gate, &format!("/events/{event}/checkin-bundle")).await.0, 200);
    assert_eq!(app.get(&gate, &format!("/events/{event}/door")).await.0, 404, "door staff scan; the organizer sees the door");
    assert_eq!(app.get(&olga, "/door/events").await.1.as_array().unwrap().len(), 1, "an organizer's own events");

    // Another organizer sees none of it.
    app.create_user("otto@example.com", PASSWORD, Role::Organizer).await;
    let otto = app.login("otto@example.com", PASSWORD).await;
    assert_eq!(app.get(&otto, &format!("/events/{event}/checkin-bundle")).await.0, 404);
    assert_eq!(app.get(&otto, &format!("/events/{event}/door-staff")).await.0, 404);
    let (status, _) = send(app, &otto, reqwest::Method::POST, &format!("/events/{event}/door-staff"), Some(json!({ "email": "otto@example.com" }))).await;
    assert_eq!(status, 404);

    // Revoked: no bundle, no syncing; revoking twice is 404.
    let staff_id = staff["user_id"].as_str().unwrap();
    let revoke_path = format!("/events/{event}/door-staff/{staff_id}");
    let revoke = || send(app, &olga, reqwest::Method::DELETE, &revoke_path, None);
    assert_eq!(revoke().await.0, 204);
    assert_eq!(revoke().await.0, 404);
    assert_eq!(app.get(&gate, &format!("/events/{event}/checkin-bundle")).await.0, 404);
    let now = OffsetDateTime::now_utc();
    assert_eq!(sync(app, &gate, &event, "gate-1", vec![scan("a1", &kept[0].1, now)]).await.0, 404);
    assert_eq!(app.get(&olga, &format!("/events/{event}/door-staff")).await.1, json!([]));
}

async fn the_first_admission_by_scan_time_wins_across_devices(app: &TestApp) {
    let (event, olga, seats) = organizer_event(app, 3).await;
    let ana = app.customer("ana@example.com").await;
    let (_, tickets) = tickets_of(app, &ana, &event, &seats[..2], "keep").await;
    let (cancelled, void) = tickets_of(app, &ana, &event, &seats[2..], "cancel").await;
    reqwest::Client::new().post(app.api(&format!("/orders/{cancelled}/cancel"))).bearer_auth(&ana).send().await.unwrap();
    let (ticket, code) = &tickets[0];
    // Whole seconds: the server keeps milliseconds.
    let t0 = OffsetDateTime::now_utc().replace_nanosecond(0).unwrap() - Duration::minutes(5);

    // Device A syncs first, with a scan at t0 + 2 s: the admission.
    let (status, a) = sync(app, &olga, &event, "gate-a", vec![scan("a-1", code, t0 + Duration::seconds(2))]).await;
    assert_eq!(status, 200, "{a}");
    let first = &a["results"][0];
    assert_eq!((first["result"].as_str(), first["ticket_id"].as_str()), (Some("ADMITTED"), Some(ticket.as_str())));
    assert!(first["seat"].is_string());
    // Device B was offline and scanned it earlier, at t0 + 1 s: it takes the admission over.
    let (_, b) = sync(app, &olga, &event, "gate-b", vec![scan("b-1", code, t0 + Duration::seconds(1))]).await;
    assert_eq!(b["results"][0]["result"], "ADMITTED", "{b}");
    // Device C scanned it last: a duplicate, naming B's admission.
    let (_, c) = sync(app, &olga, &event, "gate-c", vec![scan("c-1", code, t0 + Duration::seconds(3))]).await;
    let dup = &c["results"][0];
    assert_eq!(dup["result"], "DUPLICATE", "{c}");
    assert_eq!(dup["admission"]["device_id"], "gate-b");
    assert_eq!(dup["admission"]["scanned_at"], at(t0 + Duration::seconds(1)));

    // A learns on its next fetch that its admission became a duplicate.
    let since = at(t0 - Duration::minutes(1)).replace('+', "%2B");
    let (status, feed) = app.get(&olga, &format!("/events/{event}/checkins?since={since}")).await;
    assert_eq!(status, 200, "{feed}");
    let a_now = feed["items"].as_array().unwrap().iter().find(|c| c["client_id"] == "a-1").unwrap();
    assert_eq!(a_now["result"], "DUPLICATE");
    assert_eq!(a_now["admission"]["device_id"], "gate-b");

    // A replay of A's sync records nothing and answers what is on record.
    let (_, again) = sync(app, &olga, &event, "gate-a", vec![scan("a-1", code, t0 + Duration::seconds(2))]).await;
    assert_eq!(again["results"][0]["id"], first["id"]);
    assert_eq!(again["results"][0]["result"], "DUPLICATE");

    // The rest of a batch, in one go: a void ticket, a forged code, another event's code,
    // a scan dated in the future, and the same client id twice.
    let future = OffsetDateTime::now_utc() + Duration::hours(3);
    let foreign = app.state.signer.sign(Uuid::new_v4(), Uuid::new_v4());
    let forged = app::tickets::signing::TicketSigner::random().sign(ticket.parse().unwrap(), event.parse().unwrap());
    let (status, batch) = sync(
        app,
        &olga,
        &event,
        "gate-c",
        vec![
            scan("c-2", &void[0].1, t0),
            scan("c-3", &forged, t0),
            scan("c-4", &foreign, t0),
            scan("c-5", &tickets[1].1, future),
            scan("c-5", &tickets[1].1, future),
            scan("c-6", "not a code at all", t0),
        ],
    )
    .await;
    assert_eq!(status, 200, "{batch}");
    let results = batch["results"].as_array().unwrap();
    let summary: Vec<(&str, Option<&str>)> = results.iter().map(|r| (r["result"].as_str().unwrap(), r["reason"].as_str())).collect();
    assert_eq!(
        summary,
        vec![
            ("REJECTED", Some("void")),
            ("REJECTED", Some("not_genuine")),
            ("REJECTED", Some("other_event")),
            ("ADMITTED", None),
            ("ADMITTED", None),
            ("REJECTED", Some("not_genuine")),
        ]
    );
    assert_eq!(results[3]["id"], results[4]["id"], "one client id, one scan");
    let scanned = OffsetDateTime::parse(results[3]["scanned_at"].as_str().unwrap(), &Rfc3339).unwrap();
    assert!(scanned <= OffsetDateTime::now_utc(), "a scan from the future is taken as now");

    // On record: one admission per ticket, one `ticket.checked_in` per admitted ticket.
    let db = &app.state.db.pool;
    let admitted: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM checkins WHERE ticket_id = $1 AND result = 'ADMITTED'").bind(ticket).fetch_one(db).await.unwrap();
    let duplicates: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM checkins WHERE ticket_id = $1 AND result = 'DUPLICATE'").bind(ticket).fetch_one(db).await.unwrap();
    assert_eq!((admitted, duplicates), (1, 2));
    let events: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM domain_events WHERE event_type = 'ticket.checked_in'").fetch_one(db).await.unwrap();
    assert_eq!(events, 2);

    // The organizer's view of the door.
    let (status, door) = app.get(&olga, &format!("/events/{event}/door")).await;
    assert_eq!(status, 200, "{door}");
    assert_eq!((door["tickets"].as_i64(), door["admitted"].as_i64(), door["duplicates"].as_i64(), door["rejected"].as_i64()), (Some(2), Some(2), Some(2), Some(4)));
    let devices: Vec<&str> = door["devices"].as_array().unwrap().iter().map(|d| d["device_id"].as_str().unwrap()).collect();
    assert_eq!(devices, vec!["gate-a", "gate-b", "gate-c"]);
    assert_eq!(door["latest_duplicates"].as_array().unwrap().len(), 2);
}

async fn bad_syncs_are_refused_with_reasons(app: &TestApp) {
    let (event, olga, _) = organizer_event(app, 1).await;
    let now = OffsetDateTime::now_utc();
    let cases = [
        json!({ "event_id": event, "device_id": "gate 1", "scans": [scan("x", "TQ1.a.b", now)] }),
        json!({ "event_id": event, "device_id": "gate-1", "scans": [] }),
        json!({ "event_id": event, "device_id": "gate-1", "scans": (0..501).map(|i| scan(&format!("s{i}"), "TQ1", now)).collect::<Vec<_>>() }),
        json!({ "event_id": event, "device_id": "gate-1", "scans": [scan("", "TQ1", now)] }),
        json!({ "event_id": event, "device_id": "gate-1", "scans": [{ "client_id": "x", "code": "TQ1", "scanned_at": "yesterday" }] }),
        json!({ "event_id": event, "device_id": "gate-1", "scans": [scan("x", "TQ1", now)], "extra": 1 }),
        json!({ "device_id": "gate-1", "scans": [scan("x", "TQ1", now)] }),
    ];
    for case in cases {
        let (status, body) = send(app, &olga, reqwest::Method::POST, "/checkins", Some(case.clone())).await;
        assert!(matches!(status, 400 | 422), "{case} answered {status}");
        assert!(body["error"]["code"].is_string(), "{body}");
    }
    let ana = app.customer("ana@example.com").await;
    assert_eq!(sync(app, &ana, &event, "gate-1", vec![scan("x", "TQ1", now)]).await.0, 404, "a customer is not door staff");
    assert_eq!(sync(app, &olga, "no-such-event", "gate-1", vec![scan("x", "TQ1", now)]).await.0, 404);
    let res = reqwest::Client::new().post(app.api("/checkins")).json(&json!({ "event_id": event, "device_id": "g", "scans": [] })).send().await.unwrap();
    assert_eq!(res.status(), 401);
    assert_eq!(app.get(&olga, &format!("/events/{event}/checkins?since=yesterday")).await.0, 400);
    assert_eq!(app.get(&olga, &format!("/events/{event}/checkins?page=0")).await.0, 422);
    let nothing: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM checkins").fetch_one(&app.state.db.pool).await.unwrap();
    assert_eq!(nothing, 0);
}

/// Three devices sync the same tickets at once, each scan at its own time: every ticket
/// ends with exactly one admission, the earliest scan's, and two duplicates.
async fn devices_syncing_at_once_agree(app: &TestApp) {
    let (event, olga, seats) = organizer_event(app, 16).await;
    let mut tickets = Vec::new();
    for (i, chunk) in seats.chunks(8).enumerate() {
        let buyer = app.customer(&format!("buyer{i}@example.com")).await;
        tickets.extend(tickets_of(app, &buyer, &event, chunk, &format!("k{i}")).await.1);
    }
    let t0 = OffsetDateTime::now_utc() - Duration::minutes(10);
    let mut devices = Vec::new();
    for d in 0..3i64 {
        let scans: Vec<Value> = tickets
            .iter()
            .enumerate()
            // Device (i % 3) scanned ticket i first.
            .map(|(i, (_, code))| scan(&format!("d{d}-{i}"), code, t0 + Duration::seconds((d - i as i64 % 3).rem_euclid(3))))
            .collect();
        let (url, olga, body) = (app.api("/checkins"), olga.clone(), json!({ "event_id": event, "device_id": format!("gate-{d}"), "scans": scans }));
        devices.push(tokio::spawn(async move {
            let res = reqwest::Client::new().post(url).bearer_auth(olga).json(&body).send().await.unwrap();
            (res.status().as_u16(), res.json::<Value>().await.unwrap_or(Value::Null))
        }));
    }
    for device in devices {
        let (status, body) = device.await.unwrap();
        assert_eq!(status, 200, "{body}");
    }
    let db = &app.state.db.pool;
    for (i, (ticket, _)) in tickets.iter().enumerate() {
        let rows: Vec<(String, String)> = sqlx::query_as("SELECT device_id, result FROM checkins WHERE ticket_id = $1 ORDER BY device_id").bind(ticket).fetch_all(db).await.unwrap();
        let admitted: Vec<&str> = rows.iter().filter(|(_, r)| r == "ADMITTED").map(|(d, _)| d.as_str()).collect();
        assert_eq!(admitted, vec![format!("gate-{}", i % 3).as_str()], "ticket {i}: {rows:?}");
        assert_eq!(rows.len(), 3);
    }
    let events: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM domain_events WHERE event_type = 'ticket.checked_in'").fetch_one(db).await.unwrap();
    assert_eq!(events as usize, tickets.len(), "one checked-in event per ticket");
}

on_both_backends!(
    door_staff_are_named_by_the_organizer_and_get_the_bundle,
    the_first_admission_by_scan_time_wins_across_devices,
    bad_syncs_are_refused_with_reasons,
    devices_syncing_at_once_agree,
);
