//! The event page when the doors open: many browsers load one event's page, and its
//! seats, again and again, as buyers do while they wait for an on-sale. Reports requests
//! a second, latencies, bytes on the wire (compressed as a browser asks) and the server's
//! CPU time a request.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Parser;
use serde_json::json;

mod common;
// The rush's reporting; this benchmark uses a part of it.
#[allow(dead_code)]
mod report;

use common::{address, on_sale_event, Server};
use report::{cpu_by_process, percentile};

#[derive(Parser, Debug)]
struct Args {
    #[command(flatten)]
    server: Server,
    /// Browsers loading at once, each from its own address.
    #[arg(long, default_value_t = 200)]
    clients: usize,
    /// Seconds each target is measured (after a warm-up of a fifth of that).
    #[arg(long, default_value_t = 15)]
    seconds: u64,
    /// Rows × seats per row of the event's single section (default 20 × 50 = 1,000).
    #[arg(long, default_value_t = 20)]
    rows: u32,
    #[arg(long, default_value_t = 50)]
    seats_per_row: u32,
    /// The server's process, whose CPU time is measured.
    #[arg(long)]
    server_pid: Option<u32>,
}

/// What one target's measurement gave.
struct Measured {
    requests: usize,
    errors: usize,
    bytes: u64,
    ms: Vec<f64>,
    seconds: f64,
    cpu_seconds: Option<f64>,
}

/// `clients` loops fetching `url` with `headers` for `seconds`.
async fn hammer(http: &reqwest::Client, url: &str, headers: &[(&str, &str)], clients: usize, seconds: Duration, pid: Option<u32>) -> Measured {
    let stop = Arc::new(AtomicBool::new(false));
    let cpu_before = pid.and_then(|p| cpu_by_process().get(&p).map(|(_, t)| *t));
    let started = Instant::now();
    let tasks: Vec<_> = (0..clients)
        .map(|i| {
            let (http, url, stop) = (http.clone(), url.to_owned(), stop.clone());
            let headers: Vec<(String, String)> = headers.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
            tokio::spawn(async move {
                let (mut ms, mut errors, mut bytes) = (Vec::new(), 0usize, 0u64);
                while !stop.load(Ordering::Relaxed) {
                    let sent = Instant::now();
                    let mut req = http.get(&url).header("x-forwarded-for", address(i));
                    for (k, v) in &headers {
                        req = req.header(k, v);
                    }
                    match req.send().await {
                        Ok(res) if res.status().is_success() => match res.bytes().await {
                            Ok(body) => {
                                bytes += body.len() as u64;
                                ms.push(sent.elapsed().as_secs_f64() * 1000.0);
                            }
                            Err(_) => errors += 1,
                        },
                        _ => errors += 1,
                    }
                }
                (ms, errors, bytes)
            })
        })
        .collect();
    tokio::time::sleep(seconds).await;
    stop.store(true, Ordering::Relaxed);
    let mut measured = Measured { requests: 0, errors: 0, bytes: 0, ms: Vec::new(), seconds: 0.0, cpu_seconds: None };
    for t in tasks {
        let (ms, errors, bytes) = t.await.unwrap_or_default();
        measured.requests += ms.len();
        measured.errors += errors;
        measured.bytes += bytes;
        measured.ms.extend(ms);
    }
    measured.seconds = started.elapsed().as_secs_f64();
    let cpu_after = pid.and_then(|p| cpu_by_process().get(&p).map(|(_, t)| *t));
    measured.cpu_seconds = cpu_before.zip(cpu_after).map(|(a, b)| b - a);
    measured.ms.sort_by(|a, b| a.total_cmp(b));
    measured
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let http = reqwest::Client::builder().pool_max_idle_per_host(args.clients * 2).timeout(Duration::from_secs(60)).build()?;
    let url = args.server.base();
    let admin = args.server.admin(&http).await?;
    let (event_id, _) = on_sale_event(&http, &url, &admin, args.rows, args.seats_per_row).await?;
    let browser = [("accept", "text/html,application/xhtml+xml"), ("accept-encoding", "br, gzip"), ("accept-language", "en")];
    let json = [("accept", "application/json"), ("accept-encoding", "br, gzip")];
    let targets: [(&str, String, &[(&str, &str)]); 3] = [
        ("event page", format!("{url}/events/{event_id}"), &browser),
        ("statuses", format!("{url}/api/v1/events/{event_id}/seat-statuses"), &json),
        ("all seats", format!("{url}/api/v1/events/{event_id}/seats"), &json),
    ];
    let mut results = Vec::new();
    for (name, target, headers) in targets {
        hammer(&http, &target, headers, args.clients, Duration::from_secs(args.seconds.div_ceil(5)), None).await;
        let m = hammer(&http, &target, headers, args.clients, Duration::from_secs(args.seconds), args.server_pid).await;
        let rate = m.requests as f64 / m.seconds;
        let (p50, p99) = (percentile(&m.ms, 50.0), percentile(&m.ms, 99.0));
        let size = m.bytes as f64 / m.requests.max(1) as f64 / 1024.0;
        let cpu_ms = m.cpu_seconds.map(|s| s * 1000.0 / m.requests.max(1) as f64);
        println!(
            "{name:<12} {rate:>8.0} req/s  p50 {p50:>6.1} ms  p99 {p99:>6.1} ms  {size:>6.1} KiB a response  {} errors{}",
            m.errors,
            cpu_ms.map(|c| format!("  {c:.2} ms server CPU a request")).unwrap_or_default()
        );
        results.push(json!({ "target": name, "url": target, "clients": args.clients, "seconds": m.seconds, "requests": m.requests,
            "errors": m.errors, "req_per_s": rate.round(), "p50_ms": p50, "p99_ms": p99, "kib_per_response": size, "server_cpu_ms_per_request": cpu_ms }));
    }
    println!("{}", json!({ "event_id": event_id, "results": results }));
    Ok(())
}
