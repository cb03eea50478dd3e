//! The support desk's conversation through the API: internal notes no customer ever
//! reads; statuses moved only as allowed, replies reopening; another customer's support
//! ticket not found anywhere; personal data sealed at rest, and sealed again under a new
//! key; the desk's refunds and resends from the order panel.

use serde_json::{json, Value};

use crate::helpers::{Backend, TestApp};
use crate::on_both_backends;
use crate::support::{agent, assignee_of, open_ticket, send, settled_consumer};

/// Waits until the notifier has handled every event it takes, for at most 10 s.
async fn settled_notifier(app: &TestApp) {
    settled_consumer(app, "notifier", &["support_ticket.replied", "support_ticket.status_changed", "assignment.created"]).await;
}

/// Internal notes are the desk's: the customer never reads one, in their support ticket,
/// its list or a search, and cannot write one.
async fn internal_notes_never_reach_the_customer(app: &TestApp) {
    let (_, agent_token) = agent(app, "ana@desk.test", &["payments"]).await;
    let customer = app.customer("maria@example.com").await;
    let t = open_ticket(app, &customer, "PAYMENTS", "Charged twice").await;
    let id = t["id"].as_str().unwrap();
    assignee_of(app, &customer, id).await;

    let (status, note) = send(app, reqwest::Method::POST, &agent_token, &format!("/support/tickets/{id}/messages"), json!({ "body": "Customer seems upset; zebracorn", "internal": true })).await;
    assert_eq!(status, 201, "{note}");
    assert_eq!(note["internal"], true);
    let (status, reply) = send(app, reqwest::Method::POST, &agent_token, &format!("/support/tickets/{id}/messages"), json!({ "body": "We are looking into it." })).await;
    assert_eq!(status, 201);
    assert_eq!(reply["from_staff"], true);

    let (_, seen) = app.get(&customer, &format!("/support/tickets/{id}")).await;
    let messages = seen["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 1, "{seen}");
    assert_eq!(messages[0]["body"], "We are looking into it.");
    assert!(!seen.to_string().contains("zebracorn"));
    assert_eq!(seen["status"], "IN_PROGRESS", "the desk's first public reply starts the work");
    assert!(!seen["first_response_at"].is_null());
    let (_, found) = app.get(&customer, "/support/tickets?q=zebracorn").await;
    assert_eq!(found["total"], 0);
    let (_, desk) = app.get(&agent_token, &format!("/support/tickets/{id}")).await;
    assert_eq!(desk["messages"].as_array().unwrap().len(), 2);

    // Told of the reply, not of the note; the agent was told the support ticket is theirs.
    let told = app
        .eventually(10, || async {
            let (_, n) = app.get(&customer, "/notifications").await;
            n["items"].as_array().unwrap().iter().any(|n| n["kind"] == "SUPPORT_REPLY")
        })
        .await;
    assert!(told, "the customer is told of the reply");
    settled_notifier(app).await;
    let (_, notices) = app.get(&customer, "/notifications").await;
    let support: Vec<&Value> = notices["items"].as_array().unwrap().iter().filter(|n| n["kind"].as_str().unwrap().starts_with("SUPPORT")).collect();
    assert_eq!(support.len(), 1, "{notices}");
    assert_eq!(support[0]["link"], format!("/support/{id}"));
    assert!(!notices.to_string().contains("zebracorn"));
    let (_, agent_notices) = app.get(&agent_token, "/notifications").await;
    assert!(agent_notices["items"].as_array().unwrap().iter().any(|n| n["kind"] == "SUPPORT_ASSIGNED" && n["link"] == format!("/desk/{id}")), "{agent_notices}");

    let (status, body) = send(app, reqwest::Method::POST, &customer, &format!("/support/tickets/{id}/messages"), json!({ "body": "psst", "internal": true })).await;
    assert_eq!(status, 422, "{body}");
    assert!(body["error"]["details"]["internal"].is_string());
    // No event carries a message's text.
    let payloads: Vec<String> = sqlx::query_scalar("SELECT payload FROM domain_events WHERE event_type = 'support_ticket.replied'").fetch_all(&app.state.db.pool).await.unwrap();
    assert_eq!(payloads.len(), 2);
    assert!(payloads.iter().all(|p| !p.contains("zebracorn") && !p.contains("looking into")));
}

/// Statuses move only as the rules allow; a customer's reply reopens a WAITING or
/// RESOLVED support ticket; a closed one takes nothing more.
async fn statuses_move_as_allowed_and_replies_reopen(app: &TestApp) {
    let (_, agent_token) = agent(app, "ben@desk.test", &["tickets"]).await;
    let customer = app.customer("jon@example.com").await;
    let t = open_ticket(app, &customer, "TICKETS", "Lost my tickets").await;
    let id = t["id"].as_str().unwrap();
    assert_eq!(t["status"], "OPEN");
    assignee_of(app, &customer, id).await;
    let path = format!("/support/tickets/{id}");
    let patch = |token: &str, status: &str| {
        let (token, status, path) = (token.to_owned(), status.to_owned(), path.clone());
        async move { send(app, reqwest::Method::PATCH, &token, &path, json!({ "status": status })).await }
    };

    let (status, body) = patch(&agent_token, "RESOLVED").await;
    assert_eq!(status, 409, "work starts before it is resolved: {body}");
    assert_eq!(body["error"]["code"], "status_change_refused");
    let (status, _) = patch(&customer, "IN_PROGRESS").await;
    assert_eq!(status, 409, "the customer does not move the desk's work");
    assert_eq!(patch(&agent_token, "IN_PROGRESS").await.0, 200);
    assert_eq!(patch(&agent_token, "IN_PROGRESS").await.0, 200, "the same status again changes nothing");
    assert_eq!(patch(&agent_token, "WAITING").await.1["status"], "WAITING");

    let messages = format!("{path}/messages");
    let (status, _) = send(app, reqwest::Method::POST, &customer, &messages, json!({ "body": "Here is my order number." })).await;
    assert_eq!(status, 201);
    assert_eq!(app.get(&customer, &path).await.1["status"], "OPEN", "the customer's reply reopens it");

    assert_eq!(patch(&agent_token, "IN_PROGRESS").await.0, 200);
    let (_, resolved) = patch(&agent_token, "RESOLVED").await;
    assert_eq!(resolved["status"], "RESOLVED");
    assert!(!resolved["resolved_at"].is_null());
    assert_eq!(patch(&customer, "CLOSED").await.1["status"], "CLOSED", "a customer closes their own");
    let (status, body) = send(app, reqwest::Method::POST, &customer, &messages, json!({ "body": "One more thing" })).await;
    assert_eq!((status, body["error"]["code"].as_str()), (409, Some("support_ticket_closed")));
    assert_eq!(patch(&agent_token, "OPEN").await.0, 409, "closed stays closed");
    let (status, _) = send(app, reqwest::Method::PATCH, &customer, &path, json!({ "status": "SOMETHING" })).await;
    assert_eq!(status, 422);

    let events: Vec<String> = sqlx::query_scalar("SELECT payload FROM domain_events WHERE event_type = 'support_ticket.status_changed' ORDER BY seq").fetch_all(&app.state.db.pool).await.unwrap();
    let moves: Vec<(String, String)> = events.iter().map(|p| serde_json::from_str::<Value>(p).unwrap()).map(|p| (p["from"].as_str().unwrap().into(), p["to"].as_str().unwrap().into())).collect();
    let expected = [("OPEN", "IN_PROGRESS"), ("IN_PROGRESS", "WAITING"), ("WAITING", "OPEN"), ("OPEN", "IN_PROGRESS"), ("IN_PROGRESS", "RESOLVED"), ("RESOLVED", "CLOSED")];
    assert_eq!(moves, expected.map(|(a, b)| (a.to_owned(), b.to_owned())));
}

/// Another customer's support ticket answers 404 on every route; an agent outside its
/// skills does not see it either; the desk's lists are the desk's.
async fn other_peoples_tickets_are_not_found(app: &TestApp) {
    let owner = app.customer("owner@example.com").await;
    let other = app.customer("other@example.com").await;
    let (_, outsider) = agent(app, "outsider@desk.test", &["events"]).await;
    let t = open_ticket(app, &owner, "ACCOUNT", "Cannot change my email").await;
    let id = t["id"].as_str().unwrap();
    for token in [&other, &outsider] {
        assert_eq!(app.get(token, &format!("/support/tickets/{id}")).await.0, 404);
        assert_eq!(send(app, reqwest::Method::PATCH, token, &format!("/support/tickets/{id}"), json!({ "status": "CLOSED" })).await.0, 404);
        assert_eq!(send(app, reqwest::Method::POST, token, &format!("/support/tickets/{id}/messages"), json!({ "body": "hello" })).await.0, 404);
    }
    assert_eq!(app.get(&other, "/support/tickets").await.1["total"], 0);
    assert_eq!(app.get(&other, "/support/tickets?queue=ALL").await.0, 403);
    assert_eq!(app.get(&other, "/assignments").await.0, 403);
    assert_eq!(app.get(&other, "/support/agents").await.0, 403);
    assert_eq!(app.get(&other, "/support/tickets/not-a-uuid").await.0, 404);
    assert_eq!(app.get(&owner, "/support/tickets?queue=NOPE").await.0, 400);
    assert_eq!(app.get(&owner, "/support/tickets?q=%00email").await.1["total"], 1, "a NUL in a search is no error");
    assert_eq!(app.get(&owner, &format!("/support/tickets?q={}", "x".repeat(201))).await.0, 422);
    assert_eq!(app.get(&owner, "/support/tickets?page=0").await.0, 422);
    // Someone else's order cannot be named.
    let (status, body) = send(
        app,
        reqwest::Method::POST,
        &other,
        "/support/tickets",
        json!({ "title": "About an order", "description": "It is not mine at all.", "category": "TICKETS", "order_id": uuid::Uuid::new_v4() }),
    )
    .await;
    assert_eq!(status, 422);
    assert!(body["error"]["details"]["order_id"].is_string(), "{body}");
}

/// The phone number and an accessibility need are sealed in the database and read back
/// in clear by those who may; the same client id twice makes one support ticket and one
/// reply.
async fn personal_data_is_sealed_and_retries_are_idempotent(app: &TestApp) {
    let customer = app.customer("lucia@example.com").await;
    let new = json!({
        "title": "Wheelchair access", "description": "I use a wheelchair and need a space with a companion seat.",
        "category": "ACCESSIBILITY", "phone": "+34 600 12 34 56", "client_id": "device-1:ticket-1",
    });
    let (status, t) = send(app, reqwest::Method::POST, &customer, "/support/tickets", new.clone()).await;
    assert_eq!(status, 201, "{t}");
    assert_eq!(t["phone"], "+34600123456");
    assert_eq!(t["description"], new["description"]);
    let (status, again) = send(app, reqwest::Method::POST, &customer, "/support/tickets", new).await;
    assert_eq!((status, &again["id"]), (200, &t["id"]), "the same client id answers the same support ticket");

    let id = t["id"].as_str().unwrap();
    let row: (Option<String>, Option<String>, Option<String>) = sqlx::query_as("SELECT description, description_sealed, phone_sealed FROM support_tickets WHERE id = $1").bind(id).fetch_one(&app.state.db.pool).await.unwrap();
    assert_eq!(row.0, None, "no clear copy");
    let (sealed_description, sealed_phone) = (row.1.unwrap(), row.2.unwrap());
    assert!(sealed_description.starts_with("test.") && sealed_phone.starts_with("test."), "each names its key");
    assert!(!sealed_description.contains("wheelchair") && !sealed_phone.contains("600"));

    let messages = format!("/support/tickets/{id}/messages");
    let reply = json!({ "body": "Also a parking space, please.", "client_id": "device-1:reply-1" });
    let (first, m1) = send(app, reqwest::Method::POST, &customer, &messages, reply.clone()).await;
    let (second, m2) = send(app, reqwest::Method::POST, &customer, &messages, reply).await;
    assert_eq!((first, second), (201, 200));
    assert_eq!(m1["id"], m2["id"]);
    assert_eq!(app.get(&customer, &format!("/support/tickets/{id}")).await.1["messages"].as_array().unwrap().len(), 1);

    for (field, body) in [
        ("title", json!({ "title": "", "description": "Long enough description.", "category": "OTHER" })),
        ("phone", json!({ "title": "Call me", "description": "Long enough description.", "category": "OTHER", "phone": "call me maybe" })),
        ("description", json!({ "title": "Hello", "description": "x".repeat(6000), "category": "OTHER" })),
    ] {
        let (status, body) = send(app, reqwest::Method::POST, &customer, "/support/tickets", body).await;
        assert_eq!(status, 422, "{body}");
        assert!(body["error"]["details"][field].is_string(), "{field}: {body}");
    }
    let (status, _) = send(app, reqwest::Method::POST, &customer, "/support/tickets", json!({ "title": "Hi there", "description": "Long enough description.", "category": "NOPE" })).await;
    assert_eq!(status, 422);
}

/// A rotation seals everything again under the new key: afterwards the old key can go.
async fn a_key_rotation_seals_everything_again(app: &TestApp) {
    let customer = app.customer("rotate@example.com").await;
    for i in 0..3 {
        let body = json!({ "title": format!("Ramp {i}"), "description": "Is there a ramp at the side door?", "category": "ACCESSIBILITY", "phone": "600123456" });
        assert_eq!(send(app, reqwest::Method::POST, &customer, "/support/tickets", body).await.0, 201);
    }
    let old = app.config.data_key.clone().unwrap();
    let new = app::sealing::DataKeys::new_key_spec("next").unwrap();
    let both = app::sealing::DataKeys::parse(&format!("{new},{old}")).unwrap();
    assert_eq!(app::support::service::reseal_all(&app.state.db, &both).await.unwrap(), 6);
    assert_eq!(app::support::service::reseal_all(&app.state.db, &both).await.unwrap(), 0, "nothing left under the old key");
    let only_new = app::sealing::DataKeys::parse(&new).unwrap();
    let rows: Vec<(String, String, String)> = sqlx::query_as("SELECT id, description_sealed, phone_sealed FROM support_tickets").fetch_all(&app.state.db.pool).await.unwrap();
    for (id, description, phone) in rows {
        assert!(description.starts_with("next.") && phone.starts_with("next."));
        assert_eq!(only_new.open_text(&description, &format!("support_tickets.description:{id}")).unwrap(), "Is there a ramp at the side door?");
        assert_eq!(only_new.open_text(&phone, &format!("support_tickets.phone:{id}")).unwrap(), "600123456");
    }
}

/// The order panel: the desk sees the order a support ticket names; an agent who handles
/// payments refunds it before the event (REFUNDED, tickets void, seats on sale again,
/// the customer told); anyone at the desk sends the tickets again; the customer and an
/// agent without the payments skill may not refund.
async fn the_desk_refunds_and_resends_from_the_order_panel(app: &TestApp) {
    let (event, seats) = app.event_with_seats(2).await;
    let (_, cashier) = agent(app, "cashier@desk.test", &["payments", "tickets"]).await;
    let (_, helper) = agent(app, "helper@desk.test", &["tickets"]).await;
    let customer = app.customer("buyer@example.com").await;
    let order = app.paid_order(&customer, &event, &seats, "panel-1").await;
    let order_id = order["id"].as_str().unwrap();
    let body = json!({ "title": "Cannot go any more", "description": "Something came up, can I get my money back?", "category": "TICKETS", "order_id": order_id });
    let (status, t) = send(app, reqwest::Method::POST, &customer, "/support/tickets", body).await;
    assert_eq!(status, 201, "{t}");
    assert_eq!(t["order_id"], order["id"]);
    let id = t["id"].as_str().unwrap();
    let panel_path = format!("/support/tickets/{id}/order");

    assert_eq!(app.get(&customer, &panel_path).await.0, 403, "the customer has their own order page");
    let (status, panel) = app.get(&helper, &panel_path).await;
    assert_eq!(status, 200, "{panel}");
    assert_eq!(panel["order"]["status"], "PAID");
    assert_eq!((panel["can_refund"].as_bool(), panel["can_resend"].as_bool()), (Some(false), Some(true)));
    assert_eq!(send(app, reqwest::Method::POST, &helper, &format!("{panel_path}/refund"), json!({})).await.0, 403);
    let (status, panel) = app.get(&cashier, &panel_path).await;
    assert_eq!((status, panel["can_refund"].as_bool()), (200, Some(true)));

    // Sent again: the buyer gets their tickets once more.
    let (status, _) = send(app, reqwest::Method::POST, &helper, &format!("{panel_path}/resend"), json!({})).await;
    assert_eq!(status, 200);
    let told = app
        .eventually(10, || async {
            let (_, n) = app.get(&customer, "/notifications").await;
            n["items"].as_array().unwrap().iter().filter(|n| n["kind"] == "ORDER_PAID").count() == 2
        })
        .await;
    assert!(told, "the tickets were sent again");

    let (status, refunded) = send(app, reqwest::Method::POST, &cashier, &format!("{panel_path}/refund"), json!({})).await;
    assert_eq!(status, 200, "{refunded}");
    assert_eq!(refunded["order"]["status"], "REFUNDED");
    assert_eq!((refunded["can_refund"].as_bool(), refunded["can_resend"].as_bool()), (Some(false), Some(false)));
    let (status, again) = send(app, reqwest::Method::POST, &cashier, &format!("{panel_path}/refund"), json!({})).await;
    assert_eq!((status, &again["order"]["status"]), (200, &json!("REFUNDED")), "refunding again changes nothing");
    let statuses = app.seat_statuses(&event).await;
    assert!(seats.iter().all(|s| statuses[s] == "AVAILABLE"), "the seats are on sale again");
    let (_, o) = app.get(&customer, &format!("/orders/{order_id}")).await;
    assert_eq!(o["status"], "REFUNDED");
    for ticket in o["ticket_ids"].as_array().unwrap() {
        assert_eq!(app.get(&customer, &format!("/tickets/{}", ticket.as_str().unwrap())).await.1["status"], "VOID");
    }
    let refunds: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM domain_events WHERE event_type = 'order.refunded' AND aggregate_id = $1").bind(order_id).fetch_one(&app.state.db.pool).await.unwrap();
    assert_eq!(refunds, 1);
    let told = app
        .eventually(10, || async {
            let (_, n) = app.get(&customer, "/notifications").await;
            n["items"].as_array().unwrap().iter().any(|n| n["kind"] == "ORDER_CANCELLED" && n["body"].as_str().unwrap_or_default().contains("support"))
        })
        .await;
    assert!(told, "the customer is told of the refund, and why");
    assert_eq!(send(app, reqwest::Method::POST, &helper, &format!("{panel_path}/resend"), json!({})).await.0, 409, "a refunded order has no tickets to send");

    // A support ticket that names no order has no panel.
    let plain = open_ticket(app, &customer, "TICKETS", "General question").await;
    assert_eq!(app.get(&helper, &format!("/support/tickets/{}/order", plain["id"].as_str().unwrap())).await.0, 404);
}

on_both_backends!(
    internal_notes_never_reach_the_customer,
    statuses_move_as_allowed_and_replies_reopen,
    other_peoples_tickets_are_not_found,
    personal_data_is_sealed_and_retries_are_idempotent,
    a_key_rotation_seals_everything_again,
    the_desk_refunds_and_resends_from_the_order_panel,
);
