//! The support desk through the API: support tickets given to agents by skill, load and
//! availability; the conversation with internal notes no customer ever reads; statuses
//! moved only as allowed; personal data sealed at rest; another customer's support
//! ticket not found anywhere.

use std::collections::HashMap;

use serde_json::{json, Value};

use app::users::service::{insert_user, NewUser};
use app::users::Role;

use crate::helpers::{Backend, TestApp};
use crate::on_both_backends;

const PASSWORD: &str = "violet-tram-orbit-42";

/// An agent with `skills`, signed in: (their id, a bearer token).
async fn agent(app: &TestApp, email: &str, skills: &[&str]) -> (String, String) {
    let hash = app.state.accounts.hasher.hash(PASSWORD).await.unwrap();
    let new = NewUser { email: email.into(), display_name: format!("Agent {email}"), password: PASSWORD.into(), role: Role::Agent, skills: skills.iter().map(|s| s.to_string()).collect() };
    let id = insert_user(&app.state.db, &new, &hash).await.unwrap().id.to_string();
    app.state.db.wake_relay();
    (id, app.login(email, PASSWORD).await)
}

async fn send(app: &TestApp, method: reqwest::Method, token: &str, path: &str, body: Value) -> (u16, Value) {
    let res = reqwest::Client::new().request(method, app.api(path)).bearer_auth(token).json(&body).send().await.unwrap();
    (res.status().as_u16(), res.json().await.unwrap_or(Value::Null))
}

async fn open_ticket(app: &TestApp, token: &str, category: &str, title: &str) -> Value {
    let (status, ticket) = send(app, reqwest::Method::POST, token, "/support/tickets", json!({ "title": title, "description": "Something is not right, please help.", "category": category })).await;
    assert_eq!(status, 201, "{ticket}");
    ticket
}

/// The agent the support ticket `id` is given to, once it is (within 10 s).
async fn assignee_of(app: &TestApp, token: &str, id: &str) -> String {
    let mut last = Value::Null;
    for _ in 0..200 {
        let (_, t) = app.get(token, &format!("/support/tickets/{id}")).await;
        if let Some(agent) = t["assignee"]["id"].as_str() {
            return agent.to_owned();
        }
        last = t;
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("never assigned: {last}");
}

/// Open support tickets by agent, as the desk's agent list says.
async fn loads(app: &TestApp, token: &str) -> HashMap<String, i64> {
    let (status, agents) = app.get(token, "/support/agents").await;
    assert_eq!(status, 200, "{agents}");
    agents.as_array().unwrap().iter().map(|a| (a["id"].as_str().unwrap().to_owned(), a["open_tickets"].as_i64().unwrap())).collect()
}

/// Waits until the assigner has handled everything (no support ticket that someone can
/// take is left waiting), for at most 10 s.
async fn settled(app: &TestApp) {
    let done = app
        .eventually(10, || async {
            let pending: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM domain_events e WHERE e.event_type IN ('support_ticket.created', 'agent.availability_changed', 'user.deactivated', 'user.created') \
                 AND NOT EXISTS (SELECT 1 FROM event_receipts r WHERE r.event_id = e.id AND r.consumer = 'assigner' AND r.state = 'PROCESSED')",
            )
            .fetch_one(&app.state.db.pool)
            .await
            .unwrap();
            pending == 0
        })
        .await;
    assert!(done, "the assigner did not finish");
}

/// Waits until the notifier has handled every event it takes, for at most 10 s.
async fn settled_notifier(app: &TestApp) {
    let done = app
        .eventually(10, || async {
            let pending: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM domain_events e WHERE e.event_type IN ('support_ticket.replied', 'support_ticket.status_changed', 'assignment.created') \
                 AND NOT EXISTS (SELECT 1 FROM event_receipts r WHERE r.event_id = e.id AND r.consumer = 'notifier' AND r.state = 'PROCESSED')",
            )
            .fetch_one(&app.state.db.pool)
            .await
            .unwrap();
            pending == 0
        })
        .await;
    assert!(done, "the notifier did not finish");
}

/// Skills decide who may take a support ticket, load who does, and ties go to the agent
/// given one least recently. One nobody can take waits for a skilled agent.
async fn assignment_follows_skills_load_and_ties(app: &TestApp) {
    let (ana, _) = agent(app, "ana@desk.test", &["payments"]).await;
    let (ben, ben_token) = agent(app, "ben@desk.test", &["payments", "tickets"]).await;
    let (carla, _) = agent(app, "carla@desk.test", &["tickets"]).await;
    let customer = app.customer("maria@example.com").await;

    let first = open_ticket(app, &customer, "PAYMENTS", "Charged twice").await;
    let first_agent = assignee_of(app, &customer, first["id"].as_str().unwrap()).await;
    assert!(first_agent == ana || first_agent == ben);
    let second = open_ticket(app, &customer, "PAYMENTS", "Refund please").await;
    let second_agent = assignee_of(app, &customer, second["id"].as_str().unwrap()).await;
    assert_ne!(first_agent, second_agent, "the agent with fewer open support tickets takes the next one");

    // Ben and Carla both know tickets; whoever has fewer takes it.
    let third = open_ticket(app, &customer, "TICKETS", "My QR code does not scan").await;
    let third_agent = assignee_of(app, &customer, third["id"].as_str().unwrap()).await;
    let expected = if second_agent == ben || first_agent == ben { &carla } else { &ben };
    assert_eq!(&third_agent, expected);

    // Loads 1, 1, 1: a tie between Ben and Carla on tickets goes to the one given one
    // least recently.
    let earlier = if third_agent == carla { &ben } else { &carla };
    let fourth = open_ticket(app, &customer, "TICKETS", "Name on the ticket").await;
    assert_eq!(&assignee_of(app, &customer, fourth["id"].as_str().unwrap()).await, earlier);

    // Nobody knows accessibility: the support ticket waits, until an agent who does arrives.
    let waiting = open_ticket(app, &customer, "ACCESSIBILITY", "Wheelchair space").await;
    let waiting_id = waiting["id"].as_str().unwrap();
    settled(app).await;
    let (_, unassigned) = app.get(&ben_token, "/support/tickets?queue=UNASSIGNED").await;
    assert_eq!(unassigned["total"], 0, "Ben cannot see a support ticket outside his skills: {unassigned}");
    let (_, t) = app.get(&customer, &format!("/support/tickets/{waiting_id}")).await;
    assert!(t["assignee"].is_null(), "{t}");
    let (dora, _) = agent(app, "dora@desk.test", &["accessibility"]).await;
    assert_eq!(assignee_of(app, &customer, waiting_id).await, dora);

    let (_, assignments) = app.get(&ben_token, &format!("/assignments?agent_id={dora}")).await;
    assert_eq!(assignments["total"], 1, "{assignments}");
    assert_eq!(assignments["items"][0]["reason"], "WAITED");
    assert_eq!(assignments["items"][0]["ticket_id"], waiting["id"]);
    let all = loads(app, &ben_token).await;
    assert_eq!((all[&ana] + all[&ben] + all[&carla] + all[&dora]), 5);
}

/// An agent who is away gets nothing new; one who goes off for the day, or is
/// deactivated, hands their open support tickets to the others.
async fn availability_and_deactivation_hand_tickets_on(app: &TestApp) {
    let (ana, ana_token) = agent(app, "ana@desk.test", &["events"]).await;
    let (ben, ben_token) = agent(app, "ben@desk.test", &["events"]).await;
    app.create_user("admin@desk.test", PASSWORD, Role::Admin).await;
    let admin = app.login("admin@desk.test", PASSWORD).await;
    let customer = app.customer("jon@example.com").await;

    let (status, me) = send(app, reqwest::Method::PATCH, &ana_token, &format!("/support/agents/{ana}"), json!({ "availability": "AWAY" })).await;
    assert_eq!((status, me["availability"].as_str()), (200, Some("AWAY")), "{me}");
    let (status, _) = send(app, reqwest::Method::PATCH, &ana_token, &format!("/support/agents/{ben}"), json!({ "availability": "AWAY" })).await;
    assert_eq!(status, 403, "an agent sets their own availability only");
    let (status, _) = send(app, reqwest::Method::PATCH, &customer, &format!("/support/agents/{ben}"), json!({ "availability": "AWAY" })).await;
    assert_eq!(status, 404);

    let mut ids = Vec::new();
    for i in 0..3 {
        let t = open_ticket(app, &customer, "EVENTS", &format!("Doors at what time? {i}")).await;
        let id = t["id"].as_str().unwrap().to_owned();
        assert_eq!(assignee_of(app, &customer, &id).await, ben, "Ana is away");
        ids.push(id);
    }
    // Back, Ana takes the next ones until the loads are even.
    send(app, reqwest::Method::PATCH, &ana_token, &format!("/support/agents/{ana}"), json!({ "availability": "AVAILABLE" })).await;
    settled(app).await;
    let t = open_ticket(app, &customer, "EVENTS", "Parking near the venue").await;
    assert_eq!(assignee_of(app, &customer, t["id"].as_str().unwrap()).await, ana);

    // Ben goes off for the day: his three go to Ana.
    let (status, _) = send(app, reqwest::Method::PATCH, &ben_token, &format!("/support/agents/{ben}"), json!({ "availability": "OFF" })).await;
    assert_eq!(status, 200);
    settled(app).await;
    for id in &ids {
        assert_eq!(assignee_of(app, &customer, id).await, ana);
    }
    let l = loads(app, &admin).await;
    assert_eq!((l[&ana], l[&ben]), (4, 0));
    let (_, history) = app.get(&admin, &format!("/assignments?agent_id={ben}&history=true")).await;
    assert_eq!(history["total"], 3);
    assert!(history["items"].as_array().unwrap().iter().all(|a| !a["ended_at"].is_null()), "{history}");

    // Ana is deactivated while Ben is off: her support tickets wait, and go to Ben when he
    // is back.
    let (status, body) = send(app, reqwest::Method::PATCH, &admin, &format!("/users/{ana}"), json!({ "active": false })).await;
    assert_eq!(status, 200, "{body}");
    settled(app).await;
    let (_, waiting) = app.get(&admin, "/support/tickets?queue=UNASSIGNED").await;
    assert_eq!(waiting["total"], 4, "{waiting}");
    send(app, reqwest::Method::PATCH, &ben_token, &format!("/support/agents/{ben}"), json!({ "availability": "AVAILABLE" })).await;
    settled(app).await;
    let l = loads(app, &admin).await;
    assert_eq!((l[&ana], l[&ben]), (0, 4));
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

/// Support tickets opened all at once over equally skilled agents end evenly spread:
/// no agent has two more than another.
async fn simultaneous_tickets_are_spread_evenly(app: &TestApp) {
    let mut agents = Vec::new();
    for i in 0..4 {
        agents.push(agent(app, &format!("agent{i}@desk.test"), &["payments"]).await);
    }
    let customer = app.customer("rush@example.com").await;
    let opened = futures_util::future::join_all((0..30).map(|i| {
        let customer = customer.clone();
        async move { open_ticket(app, &customer, "PAYMENTS", &format!("Charged twice #{i}")).await }
    }))
    .await;
    assert_eq!(opened.len(), 30);
    settled(app).await;
    let l = loads(app, &agents[0].1).await;
    let counts: Vec<i64> = agents.iter().map(|(id, _)| l[id]).collect();
    assert_eq!(counts.iter().sum::<i64>(), 30);
    assert!(counts.iter().max().unwrap() - counts.iter().min().unwrap() <= 1, "{counts:?}");
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

/// Two worker processes (the test's, and a `taquilla worker` beside it) take support
/// tickets from one RabbitMQ queue at the same time: still no agent ends with two more
/// than another of the same skill.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_worker_processes_spread_evenly() {
    let Some(app) = TestApp::spawn_or_skip(Backend::Postgres, true, "support::two_worker_processes_spread_evenly").await else { return };
    let config = &app.config;
    let log_path = config.data_dir.join("worker.log");
    let log = std::fs::File::create(&log_path).unwrap();
    let mut worker = tokio::process::Command::new(env!("CARGO_BIN_EXE_taquilla"))
        .arg("worker")
        .env("DATABASE_URL", &app.db_url)
        .env("AMQP_URL", config.amqp_url.as_deref().unwrap())
        .env("TAQUILLA_AMQP_PREFIX", &config.amqp_prefix)
        .env("TAQUILLA_AMQP_QUEUE_EXPIRES_MS", "60000")
        .env("TAQUILLA_SIGNING_KEY", config.signing_key.as_deref().unwrap())
        .env("TAQUILLA_DATA_KEY", config.data_key.as_deref().unwrap())
        .env("TAQUILLA_DATA_DIR", config.data_dir.join("worker"))
        .env("RUST_LOG", "info")
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let running = app.eventually(60, || async { std::fs::read_to_string(&log_path).unwrap_or_default().contains("worker running") }).await;
    assert!(running, "the worker process did not start: {}", std::fs::read_to_string(&log_path).unwrap_or_default());

    let mut agents = Vec::new();
    for i in 0..5 {
        agents.push(agent(&app, &format!("agent{i}@desk.test"), &["tickets"]).await);
    }
    let customers = futures_util::future::join_all((0..4).map(|i| {
        let app = &app;
        async move { app.customer(&format!("buyer{i}@example.com")).await }
    }))
    .await;
    futures_util::future::join_all((0..60).map(|i| {
        let (app, token) = (&app, customers[i % customers.len()].clone());
        async move { open_ticket(app, &token, "TICKETS", &format!("Entry question #{i}")).await }
    }))
    .await;
    settled(&app).await;
    let l = loads(&app, &agents[0].1).await;
    let counts: Vec<i64> = agents.iter().map(|(id, _)| l[id]).collect();
    assert_eq!(counts.iter().sum::<i64>(), 60);
    assert!(counts.iter().max().unwrap() - counts.iter().min().unwrap() <= 1, "{counts:?}");
    let _ = worker.kill().await;
    app.cleanup().await;
}

on_both_backends!(
    assignment_follows_skills_load_and_ties,
    availability_and_deactivation_hand_tickets_on,
    internal_notes_never_reach_the_customer,
    statuses_move_as_allowed_and_replies_reopen,
    other_peoples_tickets_are_not_found,
    personal_data_is_sealed_and_retries_are_idempotent,
    simultaneous_tickets_are_spread_evenly,
    a_key_rotation_seals_everything_again,
    the_desk_refunds_and_resends_from_the_order_panel,
);
