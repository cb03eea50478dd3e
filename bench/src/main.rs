//! The on-sale rush: many buyers from many addresses try to buy seats of one event at
//! once. Reports throughput and latencies, then checks the inventory directly in the
//! database: no seat sold twice, held + sold + available = seats.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::bail;
use clap::Parser;
use rand::seq::SliceRandom;
use rand::Rng;
use serde_json::{json, Value};
use tokio::sync::Mutex;

mod common;
mod report;
// The watchers' timing and seat naming by id serve the live tool.
#[allow(dead_code)]
mod watch;

use common::{address, login, on_sale_event, Server};

use report::{cpu_between, cpu_by_process, sample, summary, timeline, write_samples, Sample};

#[derive(Parser, Debug)]
struct Args {
    #[command(flatten)]
    server: Server,
    #[arg(long, default_value_t = 200)]
    buyers: usize,
    #[arg(long, default_value_t = 5000)]
    attempts: usize,
    /// Rows × seats per row of the event's single section (default 20 × 50 = 1,000).
    #[arg(long, default_value_t = 20)]
    rows: u32,
    #[arg(long, default_value_t = 50)]
    seats_per_row: u32,
    /// A buyer's pause before each hold (looking at the map) and before paying (typing
    /// the card), in milliseconds: uniformly random between half and one and a half
    /// times this. 0 makes every buyer fire its next request at once.
    #[arg(long, default_value_t = 0)]
    think_ms: u64,
    /// Rows of a smaller on-sale the same buyers go through first, unmeasured, so that the
    /// measured one meets a warm server (0: none).
    #[arg(long, default_value_t = 4)]
    warmup_rows: u32,
    /// Browsers watching the measured event's seat map through the live stream during the
    /// rush, 50 from each loopback address (0: none).
    #[arg(long, default_value_t = 0)]
    streams: usize,
    /// Writes every measured request as a CSV line (kind, started ms after the doors
    /// opened, latency ms, status) to this file.
    #[arg(long)]
    samples: Option<std::path::PathBuf>,
}

/// A buyer's pause of about `ms` milliseconds (see `--think-ms`).
async fn think(ms: u64) {
    if ms > 0 {
        let pause = rand::thread_rng().gen_range(ms / 2..=ms + ms / 2);
        tokio::time::sleep(Duration::from_millis(pause)).await;
    }
}

/// What the buyers saw during one on-sale.
struct Rush {
    holds: Vec<Sample>,
    orders: Vec<Sample>,
    placed: usize,
    refused: usize,
    /// Holds refused by the rate limiter (429), among `refused`.
    limited: usize,
}

/// Every buyer tries to buy seats of `event_id` until the attempts run out or no seat is left.
async fn rush(http: &reqwest::Client, url: &str, event_id: &str, seat_ids: Vec<String>, tokens: &[String], attempts: usize, think_ms: u64) -> anyhow::Result<Rush> {
    let remaining = Arc::new(AtomicUsize::new(attempts));
    let available = Arc::new(Mutex::new(seat_ids));
    let opened = Instant::now();
    let hold_ms: Arc<Mutex<Vec<Sample>>> = Arc::new(Mutex::new(Vec::new()));
    let order_ms: Arc<Mutex<Vec<Sample>>> = Arc::new(Mutex::new(Vec::new()));
    let placed = Arc::new(AtomicUsize::new(0));
    let refused = Arc::new(AtomicUsize::new(0));
    let limited = Arc::new(AtomicUsize::new(0));
    let mut buyers = Vec::new();
    for (i, token) in tokens.iter().cloned().enumerate() {
        let (http, url, event_id) = (http.clone(), url.to_owned(), event_id.to_owned());
        let (remaining, available, hold_ms, order_ms, placed, refused, limited) =
            (remaining.clone(), available.clone(), hold_ms.clone(), order_ms.clone(), placed.clone(), refused.clone(), limited.clone());
        buyers.push(tokio::spawn(async move {
            let ip = address(i);
            while remaining.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1)).is_ok() {
                // Looking at the map, then clicking seats it shows free at that moment.
                think(think_ms).await;
                let want: Vec<String> = {
                    let seats = available.lock().await;
                    if seats.is_empty() {
                        break;
                    }
                    let n = rand::thread_rng().gen_range(1..=4).min(seats.len());
                    seats.choose_multiple(&mut rand::thread_rng(), n).cloned().collect()
                };
                let t = Instant::now();
                let res = http.post(format!("{url}/api/v1/events/{event_id}/holds")).bearer_auth(&token).header("x-forwarded-for", &ip)
                    .json(&json!({ "seat_ids": want })).send().await;
                let Ok(res) = res else { continue };
                let status = res.status().as_u16();
                hold_ms.lock().await.push(sample(opened, t, status));
                let body: Value = res.json().await.unwrap_or(Value::Null);
                if status != 201 {
                    refused.fetch_add(1, Ordering::Relaxed);
                    if status == 429 {
                        limited.fetch_add(1, Ordering::Relaxed);
                    }
                    if status == 409 {
                        let taken: Vec<String> = serde_json::from_value(body["error"]["details"]["seat_ids"].clone()).unwrap_or_default();
                        available.lock().await.retain(|s| !taken.contains(s));
                    }
                    continue;
                }
                available.lock().await.retain(|s| !want.contains(s));
                think(think_ms).await;
                let t = Instant::now();
                let res = http.post(format!("{url}/api/v1/orders")).bearer_auth(&token).header("x-forwarded-for", &ip)
                    .header("idempotency-key", uuid::Uuid::new_v4().to_string())
                    .json(&json!({ "hold_id": body["id"], "payment": { "card_number": "4242424242424242", "exp_month": 12, "exp_year": 2035, "cvc": "123", "name": "Rush Buyer" } }))
                    .send().await;
                if let Ok(res) = res {
                    order_ms.lock().await.push(sample(opened, t, res.status().as_u16()));
                    if res.status().as_u16() == 202 {
                        placed.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
        }));
    }
    for b in buyers {
        b.await?;
    }
    let holds = hold_ms.lock().await.clone();
    let orders = order_ms.lock().await.clone();
    Ok(Rush { holds, orders, placed: placed.load(Ordering::Relaxed), refused: refused.load(Ordering::Relaxed), limited: limited.load(Ordering::Relaxed) })
}

/// Waits until every order of `event_id` is paid or refused and every paid one has all
/// its tickets, asking the database directly; gives up 10 minutes after `since`. Returns
/// the number of paid orders.
async fn settle(db: &sqlx::AnyPool, event_id: &str, placed: usize, since: Instant) -> anyhow::Result<i64> {
    let with_tickets_sql = "SELECT COUNT(*) FROM orders o WHERE o.event_id = $1 AND o.status = 'PAID' AND \
        (SELECT COUNT(*) FROM tickets t WHERE t.order_id = o.id) = (SELECT COUNT(*) FROM order_items i WHERE i.order_id = o.id)";
    loop {
        let done: i64 = sqlx::query_scalar(with_tickets_sql).bind(event_id).fetch_one(db).await?;
        let pending: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM orders WHERE event_id = $1 AND status = 'PENDING'").bind(event_id).fetch_one(db).await?;
        let paid: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM orders WHERE event_id = $1 AND status = 'PAID'").bind(event_id).fetch_one(db).await?;
        if pending == 0 && done == paid {
            return Ok(paid);
        }
        if since.elapsed() > Duration::from_secs(600) {
            bail!("orders did not settle within 10 minutes ({placed} placed)");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Waits (up to two minutes) until PostgreSQL's autovacuum has analysed the tables the
/// warm-up wrote to, as it has on any database that served an on-sale before; runs the
/// `ANALYZE` itself where autovacuum is off. Without statistics the planner joins
/// `hold_seats` to `seats` by scanning every seat.
async fn await_statistics(db: &sqlx::AnyPool) -> anyhow::Result<()> {
    let tables = ["seats", "event_seats", "hold_seats", "order_items"];
    let sql = format!(
        "SELECT COUNT(*) FROM pg_stat_user_tables WHERE relname IN ('{}') AND COALESCE(last_autoanalyze, last_analyze) IS NOT NULL",
        tables.join("', '")
    );
    let autovacuum: String = sqlx::query_scalar("SELECT setting FROM pg_settings WHERE name = 'autovacuum'").fetch_one(db).await?;
    if autovacuum != "on" {
        // Some servers run with autovacuum off (this workplace's does): do its job once.
        sqlx::query(&format!("ANALYZE {}", tables.join(", "))).execute(db).await?;
        println!("statistics          autovacuum is off on this server: ANALYZE run by the benchmark after the warm-up");
        return Ok(());
    }
    let since = Instant::now();
    while since.elapsed() < Duration::from_secs(120) {
        let analysed: i64 = sqlx::query_scalar(&sql).fetch_one(db).await?;
        if analysed == tables.len() as i64 {
            println!("statistics          analysed by autovacuum after {:.0} s", since.elapsed().as_secs_f64());
            return Ok(());
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    println!("statistics          autovacuum had not analysed {} within 2 minutes; measuring anyway", tables.join(", "));
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let http = reqwest::Client::builder().pool_max_idle_per_host(512).timeout(Duration::from_secs(60)).build()?;
    let url = args.server.base();
    let admin = args.server.admin(&http).await?;
    let db = args.server.database().await?;

    let (event_id, seat_ids) = on_sale_event(&http, &url, &admin, args.rows, args.seats_per_row).await?;
    let total_seats = seat_ids.len();
    println!("event {event_id} with {total_seats} seats; {} buyers, {} attempts, think time {} ms", args.buyers, args.attempts, args.think_ms);

    // Buyers register (each from its own address) before the doors open.
    let mut tokens = Vec::with_capacity(args.buyers);
    let run = uuid::Uuid::new_v4().simple().to_string();
    let mut signups = Vec::new();
    for i in 0..args.buyers {
        let http = http.clone();
        let url = url.clone();
        let email = format!("rush-{run}-{i}@example.com");
        signups.push(tokio::spawn(async move {
            let ip = address(i);
            http.post(format!("{url}/api/v1/auth/register")).header("x-forwarded-for", &ip)
                .json(&json!({ "email": email, "display_name": format!("Buyer {i}"), "password": "violet-tram-orbit-42" }))
                .send().await?.error_for_status()?;
            login(&http, &url, &email, "violet-tram-orbit-42", &ip).await
        }));
    }
    for s in signups {
        tokens.push(s.await??);
    }

    // A smaller on-sale first, not measured: a server that has been up for a while has
    // its database connections, prepared statements and plans warm, which a freshly
    // started one does not.
    if args.warmup_rows > 0 {
        let (warm_id, warm_seats) = on_sale_event(&http, &url, &admin, args.warmup_rows, args.seats_per_row).await?;
        let warm_started = Instant::now();
        let warm = rush(&http, &url, &warm_id, warm_seats, &tokens, args.attempts, args.think_ms).await?;
        settle(&db, &warm_id, warm.placed, warm_started).await?;
        println!("warm-up             {} orders on {} seats (not measured)", warm.placed, args.warmup_rows * args.seats_per_row);
        // The buyers' hold allowance refills (one a second) as it would between on-sales.
        tokio::time::sleep(Duration::from_secs(5)).await;
        if args.server.database_url.starts_with("postgres") {
            await_statistics(&db).await?;
        }
    }

    let watchers = match args.streams {
        0 => None,
        n => {
            let watchers = watch::Watchers::open(&url, &event_id, n, 50, 500, watch::SeatNames::Index, false, 1).await?;
            println!("live streams        {n} watching the event's seats (by place, as the pages ask)");
            Some(watchers)
        }
    };
    let cpu_before = cpu_by_process();
    let started = Instant::now();
    let Rush { holds: hold_samples, orders: order_samples, placed: placed_count, refused, limited } = rush(&http, &url, &event_id, seat_ids, &tokens, args.attempts, args.think_ms).await?;
    let placing = started.elapsed();
    let paid = settle(&db, &event_id, placed_count, started).await?;
    let settled = started.elapsed();
    let cpu = cpu_between(&cpu_before, &cpu_by_process());
    if let Some(watchers) = watchers {
        // The last changes reach the streams within moments of the last ticket.
        tokio::time::sleep(Duration::from_secs(2)).await;
        let (changes, dropped) = (watchers.changes.load(Ordering::Relaxed), watchers.ended.load(Ordering::Relaxed));
        println!("live streams        {changes} seat changes received by {} streams ({dropped} dropped)", args.streams);
        watchers.close();
    }

    // The inventory, checked in the database.
    let count = |status: &'static str| {
        let db = db.clone();
        let event_id = event_id.clone();
        async move { sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM event_seats WHERE event_id = $1 AND status = $2").bind(event_id).bind(status).fetch_one(&db).await }
    };
    let (avail, held, sold) = (count("AVAILABLE").await?, count("HELD").await?, count("SOLD").await?);
    let oversold: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM (SELECT t.seat_id FROM tickets t WHERE t.event_id = $1 AND t.status = 'VALID' GROUP BY t.seat_id HAVING COUNT(*) > 1) x",
    )
    .bind(&event_id)
    .fetch_one(&db)
    .await?;
    let tickets: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM tickets WHERE event_id = $1").bind(&event_id).fetch_one(&db).await?;

    println!("attempts answered   {} (refused holds: {refused}, of them by the rate limiter: {limited})", hold_samples.len());
    let holds = summary("hold latency", hold_samples.iter().map(|s| s.ms).collect());
    let orders = summary("order latency", order_samples.iter().map(|s| s.ms).collect());
    println!("holds over time     {}", timeline(&hold_samples));
    if let Some(path) = &args.samples {
        write_samples(path, &hold_samples, &order_samples)?;
    }
    println!("paid orders         {paid} in {:.2} s placing, {:.2} s until every ticket was issued", placing.as_secs_f64(), settled.as_secs_f64());
    println!("paid orders / s     {:.1} (end to end, tickets issued)", paid as f64 / settled.as_secs_f64());
    println!("seats               sold {sold} + held {held} + available {avail} = {} of {total_seats}; tickets {tickets}", sold + held + avail);
    println!("oversold seats      {oversold}");
    let shown: Vec<String> = cpu.iter().take(8).map(|(c, d)| format!("{c} {d:.2}")).collect();
    println!("CPU s during rush   {} (machine: {} cores × {:.2} s)", shown.join(", "), std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1), settled.as_secs_f64());
    let report = json!({ "event_id": event_id, "seats": total_seats, "buyers": args.buyers, "attempts": args.attempts, "think_ms": args.think_ms, "streams": args.streams,
        "paid_orders": paid, "tickets": tickets, "placing_s": placing.as_secs_f64(), "settled_s": settled.as_secs_f64(),
        "paid_orders_per_s": paid as f64 / settled.as_secs_f64(), "hold": holds, "order": orders,
        "refused_holds": refused, "rate_limited_holds": limited, "sold": sold, "held": held, "available": avail, "oversold": oversold,
        "cpu_s_during_rush": cpu.iter().map(|(c, d)| (c.clone(), json!(d))).collect::<serde_json::Map<_, _>>() });
    println!("{report}");
    if oversold != 0 || sold + held + avail != total_seats as i64 || tickets != sold {
        bail!("inventory check failed");
    }
    Ok(())
}
