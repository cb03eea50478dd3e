//! The live stream under a crowd: many browsers watch one event's seat map while a burst
//! of seat changes happens. Reports how long each change took from its commit (the event
//! log's `occurred_at`, written in the changing transaction) to each browser, whether
//! every browser got every change, and the server's memory per open stream.

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use clap::Parser;
use serde_json::json;

mod common;
mod watch;

use common::{address, login, on_sale_event, Server};
use watch::{now_ms, rss_kib, SeatIndex, SeatNames, Watchers};

/// One-seat holds each buyer makes in the burst.
const PER_BUYER: usize = 10;

#[derive(Parser, Debug)]
struct Args {
    #[command(flatten)]
    server: Server,
    /// The server's process, whose memory is measured.
    #[arg(long)]
    server_pid: u32,
    /// Browsers watching the event.
    #[arg(long, default_value_t = 10_000)]
    clients: usize,
    /// Streams per loopback address (the server allows 100 by default).
    #[arg(long, default_value_t = 50)]
    per_address: usize,
    /// Seat changes in the burst: one-seat holds, by buyers holding up to [`PER_BUYER`] each.
    #[arg(long, default_value_t = 1000)]
    changes: usize,
    /// Every seat's arrival is timed on one stream of this many (the others count the
    /// seats they are told): the generator shares the server's cores, and timing ten
    /// million arrivals costs it more than counting them.
    #[arg(long, default_value_t = 1)]
    sample_every: usize,
    /// How the browsers ask for seats to be named: `index` (their place in the event's
    /// map, as the pages ask) or `ids` (the stream's default).
    #[arg(long, default_value = "index", value_parser = ["index", "ids"])]
    seats: String,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let http = reqwest::Client::builder().pool_max_idle_per_host(256).timeout(Duration::from_secs(60)).build()?;
    let url = args.server.base();
    let admin = args.server.admin(&http).await?;
    let db = args.server.database().await?;
    let rows = args.changes.div_ceil(50).max(1) as u32;
    let (event_id, seat_ids) = on_sale_event(&http, &url, &admin, rows, 50).await?;
    let seat_ids: Vec<String> = seat_ids.into_iter().take(args.changes).collect();

    // Buyers, each from its own address, a few one-seat holds each (the server limits
    // how fast one user holds).
    let buyers = seat_ids.len().div_ceil(PER_BUYER);
    let run = uuid::Uuid::new_v4().simple().to_string();
    let mut tokens = Vec::new();
    for i in 0..buyers {
        let email = format!("live-{run}-{i}@example.com");
        let ip = address(i);
        http.post(format!("{url}/api/v1/auth/register"))
            .header("x-forwarded-for", &ip)
            .json(&json!({ "email": email, "display_name": format!("Buyer {i}"), "password": "violet-tram-orbit-42" }))
            .send()
            .await?
            .error_for_status()?;
        tokens.push(login(&http, &url, &email, "violet-tram-orbit-42", &ip).await?);
    }

    let idle = rss_kib(args.server_pid)?;
    let opening = Instant::now();
    let index = std::sync::Arc::new(SeatIndex::new(&seat_ids));
    let names = if args.seats == "ids" { SeatNames::Ids(index.clone()) } else { SeatNames::Index };
    let watchers = Watchers::open(&url, &event_id, args.clients, args.per_address, 500, names, true, args.sample_every).await?;
    println!("streams open        {} in {:.1} s", watchers.open.load(Ordering::Relaxed), opening.elapsed().as_secs_f64());
    tokio::time::sleep(Duration::from_secs(2)).await;
    let with_streams = rss_kib(args.server_pid)?;
    let per_stream = (with_streams.saturating_sub(idle)) as f64 * 1024.0 / args.clients as f64;
    println!("server memory       {} MiB idle, {} MiB with the streams: {:.1} KiB a stream", idle / 1024, with_streams / 1024, per_stream / 1024.0);

    // The burst: every buyer holds its seats one at a time, all buyers at once.
    let burst = Instant::now();
    let mut holders = Vec::new();
    for (i, chunk) in seat_ids.chunks(PER_BUYER).enumerate() {
        let (http, url, event_id, token, seats) = (http.clone(), url.clone(), event_id.clone(), tokens[i].clone(), chunk.to_vec());
        holders.push(tokio::spawn(async move {
            let mut held = 0;
            for seat in seats {
                let res = http
                    .post(format!("{url}/api/v1/events/{event_id}/holds"))
                    .bearer_auth(&token)
                    .header("x-forwarded-for", address(i))
                    .json(&json!({ "seat_ids": [seat] }))
                    .send()
                    .await;
                if res.is_ok_and(|r| r.status().as_u16() == 201) {
                    held += 1;
                }
            }
            held
        }));
    }
    let mut held = 0;
    for h in holders {
        held += h.await?;
    }
    let burst_s = burst.elapsed().as_secs_f64();
    println!("seat changes        {held} one-seat holds in {burst_s:.2} s ({:.0} a second)", held as f64 / burst_s);
    if held != seat_ids.len() {
        bail!("only {held} of {} holds succeeded", seat_ids.len());
    }
    let expected = held * args.clients;
    let complete = watchers.await_changes(expected, Duration::from_secs(120)).await;
    let delivered = watchers.changes.load(Ordering::Relaxed);
    let peak = rss_kib(args.server_pid)?;

    // When each seat was held, from the log (each one is held once).
    let held_at: Vec<(String, i64)> = sqlx::query_as::<_, (String, i64)>("SELECT payload, occurred_at FROM domain_events WHERE event_type = 'seats.held' AND aggregate_id = $1")
        .bind(&event_id)
        .fetch_all(&db)
        .await?;
    let mut committed = vec![None; seat_ids.len()];
    for (payload, at) in held_at {
        let payload: serde_json::Value = serde_json::from_str(&payload)?;
        for seat in payload["seat_ids"].as_array().context("a hold names its seats")? {
            if let Some(i) = seat.as_str().and_then(|id| index.get(id.as_bytes())) {
                committed[i as usize] = Some(at);
            }
        }
    }
    let mut latencies: Vec<i64> = Vec::with_capacity(delivered);
    for received in &watchers.received {
        for (seat, at) in received.lock().unwrap().iter() {
            let t = committed[*seat as usize].context("a seat told held that the log does not say was held")?;
            latencies.push(at - t);
        }
    }
    latencies.sort_unstable();
    let pct = |p: f64| latencies.get(((latencies.len() as f64 * p) as usize).min(latencies.len().saturating_sub(1))).copied().unwrap_or(0);
    let ended = watchers.ended.load(Ordering::Relaxed);
    println!("delivered           {delivered} of {expected} seat changes ({} streams dropped)", ended);
    println!("commit → browser    p50 {} ms, p90 {} ms, p99 {} ms, max {} ms", pct(0.5), pct(0.9), pct(0.99), latencies.last().copied().unwrap_or(0));
    println!("server peak memory  {} MiB during the burst", peak / 1024);
    let report = json!({ "event_id": event_id, "clients": args.clients, "seats": args.seats, "changes": held, "burst_s": burst_s,
        "delivered": delivered, "expected": expected, "dropped_streams": ended,
        "latency_ms": { "p50": pct(0.5), "p90": pct(0.9), "p99": pct(0.99), "max": latencies.last() },
        "memory": { "idle_kib": idle, "with_streams_kib": with_streams, "per_stream_bytes": per_stream.round(), "peak_kib": peak },
        "measured_at_ms": now_ms() });
    println!("{report}");
    watchers.close();
    if !complete {
        bail!("not every browser got every change within 2 minutes");
    }
    Ok(())
}
