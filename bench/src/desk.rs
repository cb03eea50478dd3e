//! The support desk under load: 100 customers open 10,000 support tickets at once over 50
//! agents in 5 skills. Reports support tickets created a second (answered 201), assigned
//! a second (from the first request until the assigner has given out the last one), the
//! latency of a creation, and, per skill, the spread of open support tickets per agent
//! at the end (goal: max − min ≤ 1).

mod common;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use clap::Parser;
use serde_json::json;
use sqlx::Row;

use common::{address, login, Server};

const SKILLS: [(&str, &str); 5] = [("payments", "PAYMENTS"), ("tickets", "TICKETS"), ("events", "EVENTS"), ("account", "ACCOUNT"), ("other", "OTHER")];

#[derive(Parser, Debug)]
#[command(about = "The support desk's benchmark: many customers open support tickets at once")]
struct Args {
    #[command(flatten)]
    server: Server,
    /// Customers opening support tickets at once.
    #[arg(long, default_value_t = 100)]
    clients: usize,
    /// Support tickets in all.
    #[arg(long, default_value_t = 10_000)]
    tickets: usize,
    /// Agents per skill (5 skills).
    #[arg(long, default_value_t = 10)]
    agents_per_skill: usize,
    /// Ignored (the server's pid, which run.sh passes to every tool).
    #[arg(long)]
    server_pid: Option<u32>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    // The server's pid is for tools that read its CPU; run.sh reads it itself.
    let _ = args.server_pid;
    let http = reqwest::Client::builder().pool_max_idle_per_host(args.clients).build()?;
    let url = args.server.base();
    let admin = args.server.admin(&http).await?;
    let run = uuid::Uuid::new_v4().simple().to_string();
    let password = format!("bench-desk-{run}");

    for (skill, _) in SKILLS {
        for i in 0..args.agents_per_skill {
            let res = http
                .post(format!("{url}/api/v1/users"))
                .bearer_auth(&admin)
                .json(&json!({ "email": format!("agent-{skill}-{i}-{run}@bench.test"), "display_name": format!("Agent {skill} {i}"),
                               "password": password, "role": "agent", "skills": [skill] }))
                .send()
                .await?;
            if res.status() != 201 {
                bail!("creating an agent: {} {}", res.status(), res.text().await.unwrap_or_default());
            }
        }
    }
    let mut tokens = Vec::with_capacity(args.clients);
    for i in 0..args.clients {
        let email = format!("customer-{i}-{run}@bench.test");
        let res = http
            .post(format!("{url}/api/v1/users"))
            .bearer_auth(&admin)
            .json(&json!({ "email": email, "display_name": format!("Customer {i}"), "password": password }))
            .send()
            .await?;
        if res.status() != 201 {
            bail!("creating a customer: {}", res.status());
        }
        tokens.push(login(&http, &url, &email, &password, &address(i + 1)).await?);
    }
    let pool = args.server.database().await?;
    // The demo data, if any, may hold support tickets already: count only ours.
    let before: i64 = sqlx::query("SELECT COUNT(*) AS n FROM support_tickets").fetch_one(&pool).await?.try_get("n")?;
    println!("desk benchmark: {} customers open {} support tickets over {} agents in {} skills", args.clients, args.tickets, args.agents_per_skill * SKILLS.len(), SKILLS.len());

    let started = Instant::now();
    let per_client = args.tickets / args.clients;
    let latencies = Arc::new(std::sync::Mutex::new(Vec::with_capacity(args.tickets)));
    let mut tasks = Vec::new();
    for (c, token) in tokens.into_iter().enumerate() {
        let (http, url, latencies) = (http.clone(), url.clone(), latencies.clone());
        tasks.push(tokio::spawn(async move {
            let ip = address(c + 1);
            for n in 0..per_client {
                let (_, category) = SKILLS[(c * per_client + n) % SKILLS.len()];
                let sent = Instant::now();
                let res = http
                    .post(format!("{url}/api/v1/support/tickets"))
                    .bearer_auth(&token)
                    .header("x-forwarded-for", &ip)
                    .json(&json!({ "title": format!("Question {c}-{n}"), "description": "Something is not right with my order, please help.",
                                   "category": category, "client_id": format!("c{c}-n{n}") }))
                    .send()
                    .await?;
                let status = res.status();
                if status != 201 {
                    bail!("creating a support ticket: {status} {}", res.text().await.unwrap_or_default());
                }
                latencies.lock().map_err(|_| anyhow::anyhow!("poisoned"))?.push(sent.elapsed());
            }
            anyhow::Ok(())
        }));
    }
    for task in tasks {
        task.await??;
    }
    let created_in = started.elapsed();
    let total = (per_client * args.clients) as i64;
    // Until the assigner has given out every one.
    let deadline = Instant::now() + Duration::from_secs(600);
    loop {
        let waiting: i64 = sqlx::query("SELECT COUNT(*) AS n FROM support_tickets WHERE assignee_id IS NULL").fetch_one(&pool).await?.try_get("n")?;
        let all: i64 = sqlx::query("SELECT COUNT(*) AS n FROM support_tickets").fetch_one(&pool).await?.try_get("n")?;
        if waiting == 0 && all - before == total {
            break;
        }
        if Instant::now() > deadline {
            bail!("{waiting} support tickets still wait for an agent after 10 minutes");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let assigned_in = started.elapsed();

    let mut latencies = latencies.lock().map_err(|_| anyhow::anyhow!("poisoned"))?.clone();
    latencies.sort();
    let at = |q: f64| latencies[((latencies.len() as f64 - 1.0) * q) as usize].as_secs_f64() * 1000.0;
    println!("support tickets      {total}");
    println!("created              {:.1} s  {:.0}/s", created_in.as_secs_f64(), total as f64 / created_in.as_secs_f64());
    println!("created and assigned {:.1} s  {:.0}/s", assigned_in.as_secs_f64(), total as f64 / assigned_in.as_secs_f64());
    println!("creation latency     p50 {:.1} ms  p99 {:.1} ms  max {:.1} ms", at(0.5), at(0.99), at(1.0));

    let rows = sqlx::query(
        "SELECT u.skills, u.id, (SELECT COUNT(*) FROM support_tickets t WHERE t.assignee_id = u.id AND t.status IN ('OPEN', 'IN_PROGRESS', 'WAITING')) AS open \
         FROM users u WHERE u.role = 'agent' AND u.email LIKE $1",
    )
    .bind(format!("%-{run}@bench.test"))
    .fetch_all(&pool)
    .await?;
    let mut by_skill: BTreeMap<String, Vec<i64>> = BTreeMap::new();
    for row in &rows {
        by_skill.entry(row.try_get("skills")?).or_default().push(row.try_get("open")?);
    }
    let mut worst = 0;
    for (skill, loads) in &by_skill {
        let (min, max) = (loads.iter().min().context("no agents")?, loads.iter().max().context("no agents")?);
        worst = worst.max(max - min);
        println!("open per agent       {skill:<9} min {min}  max {max}  (max − min {})", max - min);
    }
    println!("spread within a skill, worst: {worst} (goal ≤ 1)");
    Ok(())
}
