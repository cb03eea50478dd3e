//! The door under load. An event of 10,000 seats is sold out through the API; then:
//! - the size of its check-in bundle, as sent (Brotli, as browsers ask for it) and raw;
//! - three door devices, each with the same 1,000 tickets scanned offline (at its own
//!   times), reconnect at once: the time until every scan is on the server and every
//!   device, having read the door's changes, agrees with the others (one admission per
//!   ticket, two duplicates). The database is checked at the end.

mod common;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use anyhow::{bail, ensure, Context};
use clap::Parser;
use serde_json::{json, Value};

use common::{address, login, Server};

#[derive(Parser, Debug)]
#[command(about = "The door's benchmark: a 10,000-ticket bundle, three devices syncing offline scans")]
struct Args {
    #[command(flatten)]
    server: Server,
    /// Sections of 50 rows × 50 seats (4: 10,000 seats).
    #[arg(long, default_value_t = 4)]
    sections: u32,
    /// Tickets each device scanned while offline.
    #[arg(long, default_value_t = 1000)]
    scans: usize,
    #[arg(long, default_value_t = 3)]
    devices: usize,
    /// Ignored (the server's pid, which run.sh passes to every tool).
    #[arg(long)]
    server_pid: Option<u32>,
}

const FMT: &time::format_description::well_known::Rfc3339 = &time::format_description::well_known::Rfc3339;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let _ = args.server_pid;
    let http = reqwest::Client::builder().pool_max_idle_per_host(64).build()?;
    let url = args.server.base();
    let admin = args.server.admin(&http).await?;
    let (event, seats) = sold_event(&http, &url, &admin, args.sections).await?;
    let pool = args.server.database().await?;
    let started = Instant::now();
    loop {
        let issued: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM tickets WHERE event_id = $1").bind(&event).fetch_one(&pool).await?;
        if issued as usize == seats {
            break;
        }
        ensure!(started.elapsed().as_secs() < 300, "only {issued} of {seats} tickets issued after 5 minutes");
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    println!("event                {event}");
    println!("tickets              {seats}");

    // The bundle, as a browser gets it.
    let t = Instant::now();
    let res = http.get(format!("{url}/api/v1/events/{event}/checkin-bundle")).bearer_auth(&admin).header("accept-encoding", "br").send().await?;
    ensure!(res.status() == 200, "bundle: {}", res.status());
    let encoding = res.headers().get("content-encoding").and_then(|v| v.to_str().ok()).unwrap_or("identity").to_owned();
    let wire = res.bytes().await?.len();
    let took = t.elapsed();
    let raw = http.get(format!("{url}/api/v1/events/{event}/checkin-bundle")).bearer_auth(&admin).send().await?.bytes().await?;
    let bundle: Value = serde_json::from_slice(&raw)?;
    ensure!(bundle["tickets"].as_array().map(Vec::len) == Some(seats), "the bundle lists every ticket");
    println!("bundle on the wire   {:.1} KB ({encoding}), {:.1} KB raw, answered in {} ms", wire as f64 / 1000.0, raw.len() as f64 / 1000.0, took.as_millis());

    // Three devices scanned the same tickets offline; device d scanned ticket i first when
    // i % devices == d.
    let codes: Vec<(String, String)> = sqlx::query_as("SELECT id, code FROM tickets WHERE event_id = $1 AND status = 'VALID' ORDER BY id LIMIT $2")
        .bind(&event)
        .bind(args.scans as i64)
        .fetch_all(&pool)
        .await?;
    ensure!(codes.len() == args.scans, "{} codes", codes.len());
    let t0 = time::OffsetDateTime::now_utc().replace_nanosecond(0)? - time::Duration::minutes(10);
    let codes = Arc::new(codes);
    let start = Instant::now();
    let mut devices = Vec::new();
    for d in 0..args.devices {
        let (http, url, admin, event, codes) = (http.clone(), url.clone(), admin.clone(), event.clone(), codes.clone());
        let n = args.devices;
        devices.push(tokio::spawn(async move {
            let scans: Vec<Value> = codes
                .iter()
                .enumerate()
                .map(|(i, (_, code))| {
                    let offset = (d + n - i % n) % n;
                    json!({ "client_id": format!("bench-{d}-{i}"), "code": code, "scanned_at": (t0 + time::Duration::seconds(offset as i64)).format(FMT).unwrap() })
                })
                .collect();
            for batch in scans.chunks(500) {
                let res = http.post(format!("{url}/api/v1/checkins")).bearer_auth(&admin).json(&json!({ "event_id": event, "device_id": format!("bench-gate-{d}"), "scans": batch })).send().await?;
                if res.status() != 200 {
                    bail!("sync: {} {}", res.status(), res.text().await.unwrap_or_default());
                }
            }
            Ok::<_, anyhow::Error>(Instant::now())
        }));
    }
    let mut pushed = Vec::new();
    for device in devices {
        pushed.push(device.await??);
    }
    let all_sent = start.elapsed();
    // Each device reads the door's changes until its view agrees: every ticket it
    // scanned has one admission, by the device that scanned it first, and two duplicates.
    let mut readers = Vec::new();
    for _ in 0..args.devices {
        let (http, url, admin, event, codes) = (http.clone(), url.clone(), admin.clone(), event.clone(), codes.clone());
        let n = args.devices;
        readers.push(tokio::spawn(async move {
            let since = (t0 - time::Duration::hours(1)).format(FMT)?.replace('+', "%2B");
            let mut seen: HashMap<String, (String, String)> = HashMap::new();
            for page in 1..=100 {
                let got: Value = http.get(format!("{url}/api/v1/events/{event}/checkins?since={since}&page={page}")).bearer_auth(&admin).send().await?.json().await?;
                let items = got["items"].as_array().context("items")?;
                for c in items {
                    seen.insert(c["id"].as_str().unwrap_or_default().to_owned(), (c["ticket_id"].as_str().unwrap_or_default().to_owned(), format!("{}:{}", c["result"].as_str().unwrap_or(""), c["device_id"].as_str().unwrap_or(""))));
                }
                if items.len() < got["per_page"].as_u64().unwrap_or(1000) as usize {
                    break;
                }
            }
            let mut admitted: HashMap<&str, Vec<&str>> = HashMap::new();
            for (ticket, what) in seen.values() {
                if let Some(device) = what.strip_prefix("ADMITTED:") {
                    admitted.entry(ticket.as_str()).or_default().push(device);
                }
            }
            for (i, (ticket, _)) in codes.iter().enumerate() {
                let want = format!("bench-gate-{}", i % n);
                ensure!(admitted.get(ticket.as_str()).map(Vec::as_slice) == Some(&[want.as_str()][..]), "ticket {i}: {:?}", admitted.get(ticket.as_str()));
            }
            ensure!(seen.len() == codes.len() * n, "{} scans seen", seen.len());
            Ok::<_, anyhow::Error>(Instant::now())
        }));
    }
    for reader in readers {
        reader.await??;
    }
    let agreed = start.elapsed();
    let (admissions, duplicates): (i64, i64) = (
        sqlx::query_scalar("SELECT COUNT(*) FROM checkins WHERE event_id = $1 AND result = 'ADMITTED'").bind(&event).fetch_one(&pool).await?,
        sqlx::query_scalar("SELECT COUNT(*) FROM checkins WHERE event_id = $1 AND result = 'DUPLICATE'").bind(&event).fetch_one(&pool).await?,
    );
    ensure!(admissions as usize == args.scans && duplicates as usize == args.scans * (args.devices - 1), "{admissions} admissions, {duplicates} duplicates");
    println!("devices              {} × {} offline scans", args.devices, args.scans);
    println!("all scans sent       {} ms", all_sent.as_millis());
    println!("devices agree        {} ms (goal: under 7,000 ms)", agreed.as_millis());
    println!("on the server        {admissions} admissions, {duplicates} duplicates");
    Ok(())
}

/// A venue of `sections` × 50 × 50 seats and an event on it, sold out through the API by
/// 200 buyers (holds of 8, the approved card); returns the event and its seat count.
async fn sold_event(http: &reqwest::Client, url: &str, admin: &str, sections: u32) -> anyhow::Result<(String, usize)> {
    let names: Vec<Value> = (0..sections).map(|s| json!({ "name": format!("Block {}", s + 1), "rows": 50, "seats_per_row": 50 })).collect();
    let venue: Value = http.post(format!("{url}/api/v1/venues")).bearer_auth(admin).json(&json!({ "name": format!("Door Arena {}", uuid::Uuid::new_v4().simple()), "city": "Benchmark", "sections": names })).send().await?.json().await?;
    let section_ids: Vec<&str> = venue["sections"].as_array().context("venue")?.iter().filter_map(|s| s["id"].as_str()).collect();
    let starts = time::OffsetDateTime::now_utc() + time::Duration::days(2);
    let event: Value = http
        .post(format!("{url}/api/v1/events"))
        .bearer_auth(admin)
        .json(&json!({ "title": format!("Door {}", uuid::Uuid::new_v4().simple()), "category": "benchmark", "venue_id": venue["id"],
                       "starts_at": starts.format(FMT)?, "ends_at": (starts + time::Duration::hours(2)).format(FMT)?,
                       "prices": section_ids.iter().map(|s| json!({ "section_id": s, "price_cents": 2500 })).collect::<Vec<_>>(),
                       "max_seats_per_buyer": 50 }))
        .send()
        .await?
        .json()
        .await?;
    let event_id = event["id"].as_str().with_context(|| format!("event: {event}"))?.to_owned();
    http.patch(format!("{url}/api/v1/events/{event_id}")).bearer_auth(admin).json(&json!({ "status": "ON_SALE" })).send().await?.error_for_status()?;
    let seats: Value = http.get(format!("{url}/api/v1/events/{event_id}/seats")).send().await?.json().await?;
    let seat_ids: Vec<String> = seats["items"].as_array().context("seats")?.iter().filter_map(|s| s["id"].as_str().map(str::to_owned)).collect();
    let run = uuid::Uuid::new_v4().simple().to_string();
    let password = format!("bench-door-{run}");
    let mut buyers = Vec::new();
    for (b, chunk) in seat_ids.chunks(50).enumerate() {
        let email = format!("door-buyer-{b}-{run}@bench.test");
        let res = http.post(format!("{url}/api/v1/users")).bearer_auth(admin).json(&json!({ "email": email, "display_name": format!("Buyer {b}"), "password": password })).send().await?;
        ensure!(res.status() == 201, "creating a buyer: {}", res.status());
        let token = login(http, url, &email, &password, &address(b + 1)).await?;
        let (http, url, event_id, chunk, ip) = (http.clone(), url.to_owned(), event_id.clone(), chunk.to_vec(), address(b + 1));
        buyers.push(tokio::spawn(async move {
            for (k, hold) in chunk.chunks(8).enumerate() {
                let h: Value = http.post(format!("{url}/api/v1/events/{event_id}/holds")).bearer_auth(&token).header("x-forwarded-for", &ip).json(&json!({ "seat_ids": hold })).send().await?.json().await?;
                let hold_id = h["id"].as_str().with_context(|| format!("hold: {h}"))?;
                let res = http
                    .post(format!("{url}/api/v1/orders"))
                    .bearer_auth(&token)
                    .header("x-forwarded-for", &ip)
                    .header("idempotency-key", format!("door-{k}"))
                    .json(&json!({ "hold_id": hold_id, "payment": { "card_number": "4242 4242 4242 4242", "exp_month": 12, "exp_year": 2031, "cvc": "123", "name": "Bench" } }))
                    .send()
                    .await?;
                ensure!(res.status() == 202, "order: {}", res.status());
            }
            Ok::<_, anyhow::Error>(())
        }));
    }
    for buyer in buyers {
        buyer.await??;
    }
    Ok((event_id, seat_ids.len()))
}
