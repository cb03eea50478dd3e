//! Reliability of the event backbone: an unreachable database is waited out, not
//! counted as a failure; the reconciler drives again what fell through; relays in
//! several processes take turns and keep the order; a restart replays unfinished
//! deliveries at the consumers' concurrency; a broker that hangs holds nothing for long.

use std::time::Duration;

use app::audit::{outbox, EventEnvelope, ReceiptState};
use app::db::{now_ms, Db};
use app::orders::payments::Gateway;
use app::state::AppState;
use serde_json::{json, Value};
use server::bus::{Bus, InProcessBus, RabbitBus, RabbitOptions};
use server::workers::reconciler::reconcile;
use server::workers::{consumers, deliver, Outcome};

use crate::helpers::{Backend, TestApp, APPROVED};
use crate::on_both_backends;
use crate::proxy::StallingProxy;

/// The same state with another gateway delay.
fn with_payment_delay(state: &AppState, delay: Duration) -> AppState {
    AppState { gateway: Gateway { delay }, ..state.clone() }
}

/// An order placed and paid; returns its id and its `order.paid` event's id.
async fn paid_order(app: &TestApp, key: &str) -> (String, String) {
    let (event, seats) = app.event_with_seats(2).await;
    let buyer = app.customer(&format!("{key}@example.com")).await;
    let order_id = app.paid_order(&buyer, &event, &seats, key).await["id"].as_str().unwrap().to_owned();
    let paid = event_of(app, "order.paid", &order_id).await;
    (order_id, paid)
}

async fn event_of(app: &TestApp, event_type: &str, aggregate: &str) -> String {
    sqlx::query_scalar("SELECT id FROM domain_events WHERE event_type = $1 AND aggregate_id = $2")
        .bind(event_type)
        .bind(aggregate)
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap()
}

async fn tickets_of(app: &TestApp, order_id: &str) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM tickets WHERE order_id = $1").bind(order_id).fetch_one(&app.state.db.pool).await.unwrap()
}

/// Makes a paid order lose its tickets, as if their issue fell through.
async fn lose_tickets(app: &TestApp, order_id: &str) {
    sqlx::query("DELETE FROM tickets WHERE order_id = $1").bind(order_id).execute(&app.state.db.pool).await.unwrap();
    assert_eq!(tickets_of(app, order_id).await, 0);
}

/// Runs reconciler passes with `state` (another process may hold the turn for a moment)
/// until `done`, for at most 5 s.
async fn reconcile_until<F, Fut>(state: &AppState, scan: bool, mut done: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..50 {
        reconcile(state, scan, true).await.unwrap();
        if done().await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    false
}

async fn receipt(app: &TestApp, event_id: &str, consumer: &str) -> Option<(ReceiptState, i64, Option<String>)> {
    app::audit::receipts::find(&app.state.db, event_id, consumer).await.unwrap()
}

/// With the database out of reach, a delivery is `Unavailable`: nothing is recorded as
/// failed, so no attempt is used up, for consumers that admit their deliveries first and
/// for those whose statement does.
async fn an_unreachable_database_is_not_a_failure(app: &TestApp) {
    let unreachable = Db::connect(&app.db_url, 1).await.unwrap();
    unreachable.pool.close().await;
    let cut_off = app.workers.with_db(unreachable);
    let db = &app.state.db.pool;
    for (consumer, event_type, payload) in [
        ("payment-processor", "order.placed", json!({ "order_id": "no-such-order" })),
        ("notifier", "user.created", json!({ "user_id": "no-such-user", "email": "x@example.com", "display_name": "X" })),
    ] {
        let event = EventEnvelope {
            id: uuid::Uuid::new_v4(),
            seq: None,
            event_type: event_type.into(),
            aggregate_id: "nothing".into(),
            payload: payload.clone(),
            occurred_at: time::OffsetDateTime::now_utc(),
            request_id: None,
        };
        sqlx::query("INSERT INTO domain_events (id, event_type, aggregate_id, payload, occurred_at, published_at) VALUES ($1, $2, 'nothing', $3, 0, 0)")
            .bind(event.id.to_string())
            .bind(event_type)
            .bind(payload.to_string())
            .execute(db)
            .await
            .unwrap();
        let worker = consumers().into_iter().find(|c| c.name == consumer).unwrap();
        let outcome = deliver(&with_payment_delay(&cut_off, Duration::ZERO), &worker, &event).await;
        assert!(matches!(outcome, Outcome::Unavailable(_)), "{consumer}: {outcome:?}");
        assert_eq!(receipt(app, &event.id.to_string(), consumer).await, None, "{consumer}: nothing recorded");
    }
}

/// The API answers 503 `unavailable` with a Retry-After while the database cannot be
/// reached, never a 500.
async fn the_api_answers_503_while_the_database_is_away(app: &TestApp) {
    app.state.db.pool.close().await;
    let res = app.client.get(app.api("/events")).send().await.unwrap();
    assert_eq!(res.status(), 503);
    assert_eq!(res.headers().get("retry-after").and_then(|v| v.to_str().ok()), Some("2"));
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"]["code"], "unavailable");
    let ready = app.client.get(app.url("/health/ready")).send().await.unwrap();
    assert_eq!(ready.status(), 503);
}

/// A FAILED receipt is driven again after its wait, and its work gets done; one that
/// failed [`app::audit::fallen::MAX_REDRIVES`] times is left for a person to look at.
async fn the_reconciler_drives_failed_receipts_again(app: &TestApp) {
    let (order_id, paid) = paid_order(app, "failed").await;
    lose_tickets(app, &order_id).await;
    let set_failed = |attempts: i64| {
        sqlx::query("UPDATE event_receipts SET state = 'FAILED', attempts = $1, last_error = 'boom', updated_at = 0 WHERE event_id = $2 AND consumer = 'ticket-issuer'")
            .bind(attempts)
            .bind(paid.clone())
            .execute(&app.state.db.pool)
    };
    set_failed(app::audit::fallen::MAX_REDRIVES).await.unwrap();
    reconcile(&app.workers, false, true).await.unwrap();
    assert_eq!(tickets_of(app, &order_id).await, 0, "given up after the last attempt");
    set_failed(3).await.unwrap();
    assert!(reconcile_until(&app.workers, false, || async { tickets_of(app, &order_id).await == 2 }).await, "the failed ticket issue was driven again");
    assert!(matches!(receipt(app, &paid, "ticket-issuer").await, Some((ReceiptState::Processed, _, None))));
}

/// A paid order whose `order.paid` never reached the ticket issuer (no receipt at all)
/// gets its tickets.
async fn the_reconciler_issues_the_tickets_of_paid_orders_without_them(app: &TestApp) {
    let (order_id, paid) = paid_order(app, "lost").await;
    lose_tickets(app, &order_id).await;
    sqlx::query("DELETE FROM event_receipts WHERE event_id = $1 AND consumer = 'ticket-issuer'").bind(&paid).execute(&app.state.db.pool).await.unwrap();
    sqlx::query("UPDATE orders SET paid_at = $1 WHERE id = $2").bind(now_ms() - 60_000).bind(&order_id).execute(&app.state.db.pool).await.unwrap();
    assert!(reconcile_until(&app.workers, true, || async { tickets_of(app, &order_id).await == 2 }).await, "the lost ticket issue was driven again");
}

/// The scan for messages that never arrived finds a published event a consumer has no
/// receipt for (its order paid a moment ago, so only this scan can find it).
async fn the_reconciler_delivers_what_never_arrived(app: &TestApp) {
    let (order_id, paid) = paid_order(app, "never").await;
    lose_tickets(app, &order_id).await;
    sqlx::query("DELETE FROM event_receipts WHERE event_id = $1 AND consumer = 'ticket-issuer'").bind(&paid).execute(&app.state.db.pool).await.unwrap();
    sqlx::query("UPDATE domain_events SET published_at = $1 WHERE id = $2").bind(now_ms() - 5 * 60_000).bind(&paid).execute(&app.state.db.pool).await.unwrap();
    assert!(reconcile_until(&app.workers, true, || async { tickets_of(app, &order_id).await == 2 }).await, "the undelivered order.paid was delivered");
}

/// A payment whose answer never got recorded is asked again, and the order resolves
/// instead of expiring.
async fn the_reconciler_asks_again_for_unanswered_payments(app: &TestApp) {
    let (event, seats) = app.event_with_seats(2).await;
    let buyer = app.customer("unanswered@example.com").await;
    let h: Value = app.hold(&buyer, &event, &seats).await.json().await.unwrap();
    let o: Value = app.order(&buyer, h["id"].as_str().unwrap(), APPROVED, "unanswered").await.json().await.unwrap();
    let order_id = o["id"].as_str().unwrap().to_owned();
    // Placed ten minutes ago, as far as the reconciler can tell; the live delivery (this
    // app's gateway answers in an hour) is still waiting.
    sqlx::query("UPDATE orders SET created_at = $1 WHERE id = $2").bind(now_ms() - 10 * 60_000).bind(&order_id).execute(&app.state.db.pool).await.unwrap();
    let quick = with_payment_delay(&app.workers, Duration::from_millis(20));
    let paid = || async {
        let status: String = sqlx::query_scalar("SELECT status FROM orders WHERE id = $1").bind(&order_id).fetch_one(&app.state.db.pool).await.unwrap();
        status == "PAID"
    };
    assert!(reconcile_until(&quick, false, paid).await, "the unanswered payment was asked again");
    app.wait_for_status(&buyer, &order_id, "PAID").await;
}

/// After a restart of the embedded mode, many unfinished payments are replayed at once,
/// through the consumer's concurrency: 30 payments of one second each resolve in a few
/// seconds, not one after another (where the last ones would wait half a minute).
async fn a_restart_replays_unfinished_payments_at_once(app: &TestApp) {
    let (event, seats) = app.event_with_seats(30).await;
    let mut orders = Vec::new();
    for (i, chunk) in seats.chunks(3).enumerate() {
        let buyer = app.customer(&format!("replay-{i}@example.com")).await;
        let h: Value = app.hold(&buyer, &event, chunk).await.json().await.unwrap();
        let o = app.order(&buyer, h["id"].as_str().unwrap(), APPROVED, &format!("replay-{i}")).await;
        assert_eq!(o.status(), 202);
        orders.push(o.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned());
    }
    let published = || async {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM domain_events WHERE event_type = 'order.placed' AND published_at IS NOT NULL")
            .fetch_one(&app.state.db.pool)
            .await
            .unwrap();
        n == orders.len() as i64
    };
    assert!(app.eventually(5, published).await);
    // The first process's payments wait an hour; the "restarted" one replays them with a
    // gateway that answers in a second.
    let restarted = with_payment_delay(&app.workers, Duration::from_secs(1));
    server::workers::spawn_all(&restarted, &Bus::InProcess(InProcessBus::default()), server::workers::MAX_ATTEMPTS, &tokio::runtime::Handle::current()).await.unwrap();
    let all_paid = || async {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM orders WHERE event_id = $1 AND status = 'PAID'").bind(&event).fetch_one(&app.state.db.pool).await.unwrap();
        n == orders.len() as i64
    };
    assert!(app.eventually(10, all_paid).await, "every replayed payment resolved together");
}

async fn spawn_slow_gateway(backend: Backend) -> Option<TestApp> {
    TestApp::spawn_configured(backend, false, |c| c.payment_delay_ms = Some(3_600_000)).await
}

macro_rules! with_slow_gateway {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                use super::*;

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    let app = spawn_slow_gateway(Backend::Sqlite).await.unwrap();
                    super::$name(&app).await;
                    app.cleanup().await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    let Some(app) = spawn_slow_gateway(Backend::Postgres).await else {
                        crate::helpers::not_run(module_path!(), "TEST_DATABASE_URL is not set");
                        return;
                    };
                    super::$name(&app).await;
                    app.cleanup().await;
                }
            }
        )*
    };
}

with_slow_gateway!(the_reconciler_asks_again_for_unanswered_payments, a_restart_replays_unfinished_payments_at_once);

on_both_backends!(
    an_unreachable_database_is_not_a_failure,
    the_api_answers_503_while_the_database_is_away,
    the_reconciler_drives_failed_receipts_again,
    the_reconciler_issues_the_tickets_of_paid_orders_without_them,
    the_reconciler_delivers_what_never_arrived,
);

/// Relays in several processes take turns: while one holds the turn (its batch claimed,
/// not yet accepted by the bus), another publishes nothing after it, and the events go
/// out in sequence order once the first is done (PostgreSQL; SQLite has one process).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn relays_take_turns_and_keep_the_order() {
    let Some(app) = TestApp::spawn_or_skip(Backend::Postgres, false, module_path!()).await else {
        return;
    };
    let Bus::InProcess(bus) = &app.bus else { unreachable!() };
    let mut seen = bus.subscribe(&["test.relay_order"]);
    // Another process's relay, holding the turn.
    let mut turn = app.state.db.pool.begin().await.unwrap();
    let mut mine = false;
    for _ in 0..100 {
        if app::audit::store::postgres::take_relay_turn(&mut turn).await.unwrap() {
            mine = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(mine, "the test took the relay's turn");
    let mut tx = app.state.db.begin_write().await.unwrap();
    let events: Vec<(&str, &str, Value)> = (1..=3).map(|n| ("test.relay_order", "relay", json!({ "n": n }))).collect();
    outbox::record_all(&mut tx, &events).await.unwrap();
    tx.commit().await.unwrap();
    app.state.db.wake_relay();
    let first: Vec<EventEnvelope> = app::audit::store::postgres::claim_for_publishing(&mut turn, 1).await.unwrap().into_iter().map(|(_, e)| e).collect();
    assert_eq!(first.len(), 1);
    tokio::time::sleep(Duration::from_millis(1200)).await;
    assert!(seen.try_recv().is_err(), "nothing was published past the batch of the relay holding the turn");
    app.bus.publish(&first).await.unwrap();
    turn.commit().await.unwrap();
    let mut order = Vec::new();
    while order.len() < 3 {
        let event = tokio::time::timeout(Duration::from_secs(5), seen.recv()).await.expect("the other events were published").unwrap();
        order.push(event.payload["n"].as_i64().unwrap());
    }
    assert_eq!(order, vec![1, 2, 3]);
    app.cleanup().await;
}

/// A broker that stops answering without closing its connections: a publication gives
/// up within its time limit instead of hanging, the health check answers "not ready" in
/// a couple of seconds, and both work again once the broker answers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hanging_broker_holds_nothing_for_long() {
    let Some((proxy, url)) = StallingProxy::in_front_of_broker(module_path!()).await else { return };
    let options = RabbitOptions {
        url,
        prefix: format!("taquilla-test-{}", uuid::Uuid::new_v4().simple()),
        queue_expires_ms: Some(60_000),
    };
    let bus = RabbitBus::connect(options).await.expect("connecting through the proxy");
    let event = EventEnvelope {
        id: uuid::Uuid::new_v4(),
        seq: None,
        event_type: "test.hanging".into(),
        aggregate_id: "hanging".into(),
        payload: json!({}),
        occurred_at: time::OffsetDateTime::now_utc(),
        request_id: None,
    };
    bus.publish(std::slice::from_ref(&event)).await.expect("published while the broker answers");

    proxy.stall();
    let publication = tokio::time::timeout(Duration::from_secs(30), bus.publish(std::slice::from_ref(&event))).await;
    assert!(matches!(publication, Ok(Err(_))), "the publication gave up on its own");
    let health = tokio::time::timeout(Duration::from_secs(6), bus.healthy()).await;
    assert_eq!(health, Ok(false), "the health check answered, not ready");

    proxy.resume();
    let mut healthy = false;
    for _ in 0..60 {
        if bus.healthy().await {
            healthy = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert!(healthy, "ready again once the broker answers");
    bus.publish(std::slice::from_ref(&event)).await.expect("published again");
}
