//! What both benchmarks do: sign in, put an event on sale, give each simulated client an
//! address of its own.

use anyhow::{bail, Context};
use serde_json::{json, Value};

/// The server under test: where it answers, its database (read directly, to check what
/// the API says), and an administrator to sign in as.
#[derive(clap::Args, Debug)]
pub struct Server {
    /// Base URL of a running Taquilla server.
    #[arg(long, default_value = "http://127.0.0.1:3200")]
    pub url: String,
    /// The server's database.
    #[arg(long)]
    pub database_url: String,
    /// An administrator's email and password (the events' organizer).
    #[arg(long)]
    pub admin_email: String,
    #[arg(long)]
    pub admin_password: String,
}

impl Server {
    /// The base URL without a trailing slash.
    pub fn base(&self) -> String {
        self.url.trim_end_matches('/').to_owned()
    }

    /// The administrator's bearer token.
    pub async fn admin(&self, http: &reqwest::Client) -> anyhow::Result<String> {
        login(http, &self.base(), &self.admin_email, &self.admin_password, "10.255.255.254").await
    }

    /// A small pool on the server's database (the page benchmark reads none).
    #[allow(dead_code)]
    pub async fn database(&self) -> anyhow::Result<sqlx::AnyPool> {
        sqlx::any::install_default_drivers();
        Ok(sqlx::any::AnyPoolOptions::new().max_connections(2).connect(&self.database_url).await?)
    }
}

/// A distinct client address for buyer `i` (the server trusts X-Forwarded-For from
/// 127.0.0.1 in this benchmark, so each buyer is rate-limited as its own client).
pub fn address(i: usize) -> String {
    format!("10.{}.{}.{}", (i >> 16) & 255, (i >> 8) & 255, i & 255)
}

pub async fn login(http: &reqwest::Client, url: &str, email: &str, password: &str, ip: &str) -> anyhow::Result<String> {
    let res = http.post(format!("{url}/api/v1/auth/login")).header("x-forwarded-for", ip).json(&json!({ "email": email, "password": password })).send().await?;
    if !res.status().is_success() {
        bail!("login of {email} failed: {}", res.status());
    }
    let body: Value = res.json().await?;
    Ok(body["token"].as_str().context("token")?.to_owned())
}

/// A venue with one section of `rows` × `seats_per_row`, and an event on it put on sale;
/// returns the event's id and its seat ids.
pub async fn on_sale_event(http: &reqwest::Client, url: &str, admin: &str, rows: u32, seats_per_row: u32) -> anyhow::Result<(String, Vec<String>)> {
    let venue: Value = http
        .post(format!("{url}/api/v1/venues"))
        .bearer_auth(admin)
        .json(&json!({ "name": format!("Rush Arena {}", uuid::Uuid::new_v4().simple()), "city": "Benchmark",
                       "sections": [{ "name": "Floor", "rows": rows, "seats_per_row": seats_per_row }] }))
        .send()
        .await?
        .json()
        .await?;
    let section = venue["sections"][0]["id"].as_str().context("venue")?.to_owned();
    let starts = time::OffsetDateTime::now_utc() + time::Duration::days(7);
    let fmt = &time::format_description::well_known::Rfc3339;
    let event: Value = http
        .post(format!("{url}/api/v1/events"))
        .bearer_auth(admin)
        .json(&json!({ "title": format!("Rush {}", uuid::Uuid::new_v4().simple()), "category": "benchmark", "venue_id": venue["id"],
                       "starts_at": starts.format(fmt)?, "ends_at": (starts + time::Duration::hours(2)).format(fmt)?,
                       "prices": [{ "section_id": section, "price_cents": 2500 }],
                       // Each simulated buyer stands for a queue of people who buy again and
                       // again without waiting for their payments; the limit is still checked
                       // on every hold, at the same cost.
                       "max_seats_per_buyer": 50 }))
        .send()
        .await?
        .json()
        .await?;
    let event_id = event["id"].as_str().context("event")?.to_owned();
    http.patch(format!("{url}/api/v1/events/{event_id}")).bearer_auth(admin).json(&json!({ "status": "ON_SALE" })).send().await?.error_for_status()?;
    let seats: Value = http.get(format!("{url}/api/v1/events/{event_id}/seats")).send().await?.json().await?;
    let seat_ids = seats["items"].as_array().context("seats")?.iter().map(|s| s["id"].as_str().map(str::to_owned)).collect::<Option<_>>();
    Ok((event_id, seat_ids.context("a seat without an id")?))
}

