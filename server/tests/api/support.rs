//! The support desk through the API: support tickets given to agents by skill, load and
//! availability, evenly when many come at once and across worker processes. The
//! conversation, statuses, privacy and the order panel are in `support_conversation`.

use std::collections::HashMap;

use serde_json::{json, Value};

use app::users::service::{insert_user, NewUser};
use app::users::Role;

use crate::helpers::{Backend, TestApp};
use crate::on_both_backends;

pub(crate) const PASSWORD: &str = "violet-tram-orbit-42";

/// An agent with `skills`, signed in: (their id, a bearer token).
pub(crate) async fn agent(app: &TestApp, email: &str, skills: &[&str]) -> (String, String) {
    let hash = app.state.accounts.hasher.hash(PASSWORD).await.unwrap();
    let new = NewUser { email: email.into(), display_name: format!("Agent {email}"), password: PASSWORD.into(), role: Role::Agent, skills: skills.iter().map(|s| s.to_string()).collect() };
    let id = insert_user(&app.state.db, &new, &hash).await.unwrap().id.to_string();
    app.state.db.wake_relay();
    (id, app.login(email, PASSWORD).await)
}

pub(crate) async fn send(app: &TestApp, method: reqwest::Method, token: &str, path: &str, body: Value) -> (u16, Value) {
    let res = reqwest::Client::new().request(method, app.api(path)).bearer_auth(token).json(&body).send().await.unwrap();
    (res.status().as_u16(), res.json().await.unwrap_or(Value::Null))
}

pub(crate) async fn open_ticket(app: &TestApp, token: &str, category: &str, title: &str) -> Value {
    let (status, ticket) = send(app, reqwest::Method::POST, token, "/support/tickets", json!({ "title": title, "description": "Something is not right, please help.", "category": category })).await;
    assert_eq!(status, 201, "{ticket}");
    ticket
}

/// The agent the support ticket `id` is given to, once it is (within 10 s).
pub(crate) async fn assignee_of(app: &TestApp, token: &str, id: &str) -> String {
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

/// Waits until `consumer` has processed every event of `types`, for at most 10 s.
pub(crate) async fn settled_consumer(app: &TestApp, consumer: &str, types: &[&str]) {
    let types = types.iter().map(|t| format!("'{t}'")).collect::<Vec<_>>().join(", ");
    let sql = format!(
        "SELECT COUNT(*) FROM domain_events e WHERE e.event_type IN ({types}) \
         AND NOT EXISTS (SELECT 1 FROM event_receipts r WHERE r.event_id = e.id AND r.consumer = $1 AND r.state = 'PROCESSED')"
    );
    let done = app
        .eventually(10, || async {
            let pending: i64 = sqlx::query_scalar(&sql).bind(consumer).fetch_one(&app.state.db.pool).await.unwrap();
            pending == 0
        })
        .await;
    assert!(done, "{consumer} did not finish");
}

/// Waits until the assigner has handled everything (no support ticket that someone can
/// take is left waiting), for at most 10 s.
async fn settled(app: &TestApp) {
    settled_consumer(app, "assigner", &["support_ticket.created", "agent.availability_changed", "user.deactivated", "user.created"]).await;
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
    simultaneous_tickets_are_spread_evenly,
);
