//! The desk's people: the agents with their skills, availability and load, who has which
//! support ticket since when, and an administrator's choice of agent.

use serde_json::json;
use sqlx::any::AnyRow;
use sqlx::Row;

use crate::audit::{event_types, outbox};
use crate::db::{from_ms, now_ms, Arg, Backend, Db, Filters};
use crate::error::AppError;
use crate::i18n::msg;
use crate::paging::{clamp_page, Page};
use crate::sealing::DataKeys;
use crate::support::assigner::{give, Reason};
use crate::support::model::{Agent, Assignment, Availability, Person, SupportTicket};
use crate::support::service::{get, is_desk, locked};
use crate::users::{Role, User};

const AGENT_COLUMNS: &str = "u.id, u.display_name, u.email, u.active, u.skills, u.availability, u.last_assigned_at, \
    (SELECT COUNT(*) FROM support_tickets t WHERE t.assignee_id = u.id AND t.status IN ('OPEN', 'IN_PROGRESS', 'WAITING')) AS open_tickets";

fn agent_from_row(row: &AnyRow) -> Result<Agent, AppError> {
    let skills: String = row.try_get("skills")?;
    Ok(Agent {
        id: row.try_get::<String, _>("id")?.parse().map_err(|_| AppError::Internal)?,
        display_name: row.try_get("display_name")?,
        email: row.try_get("email")?,
        active: crate::db::flag(row, "active")?,
        skills: skills.split(',').filter(|s| !s.is_empty()).map(str::to_owned).collect(),
        availability: Availability::parse(&row.try_get::<String, _>("availability")?).ok_or(AppError::Internal)?,
        open_tickets: row.try_get("open_tickets")?,
        last_assigned_at: row.try_get::<Option<i64>, _>("last_assigned_at")?.map(from_ms),
    })
}

/// Every agent, active ones first, for the desk (agents and administrators).
pub async fn agents(db: &Db, viewer: &User) -> Result<Vec<Agent>, AppError> {
    if !is_desk(viewer) {
        return Err(AppError::Forbidden);
    }
    let rows = sqlx::query(&format!("SELECT {AGENT_COLUMNS} FROM users u WHERE u.role = 'agent' ORDER BY u.active DESC, u.display_name, u.id")).fetch_all(&db.pool).await?;
    rows.iter().map(agent_from_row).collect()
}

async fn agent(db: &Db, id: &str) -> Result<Agent, AppError> {
    let row = sqlx::query(&format!("SELECT {AGENT_COLUMNS} FROM users u WHERE u.id = $1 AND u.role = 'agent'")).bind(id).fetch_optional(&db.pool).await?.ok_or(AppError::NotFound)?;
    agent_from_row(&row)
}

/// Sets whether the agent `agent_id` takes new support tickets: the agent themself, or an
/// administrator. Going off for the day hands their open ones to others; becoming
/// available takes what waits (the assigner does both).
pub async fn set_availability(db: &Db, actor: &User, agent_id: &str, availability: Availability) -> Result<Agent, AppError> {
    let own = actor.id.to_string() == agent_id;
    if !(own && actor.role == Role::Agent && actor.active) && !(actor.role == Role::Admin && actor.active) {
        // Someone else's availability is not theirs to know of.
        return Err(if is_desk(actor) { AppError::Forbidden } else { AppError::NotFound });
    }
    let current = agent(db, agent_id).await.map_err(|e| match e {
        AppError::NotFound if own => AppError::field("availability", msg::errors_support::AVAILABILITY_AGENTS_ONLY),
        e => e,
    })?;
    if current.availability == availability {
        return Ok(current);
    }
    let mut tx = db.begin_write().await?;
    sqlx::query("UPDATE users SET availability = $1, updated_at = $2 WHERE id = $3").bind(availability.as_str()).bind(now_ms()).bind(agent_id).execute(&mut *tx).await?;
    outbox::record(
        &mut tx,
        event_types::AGENT_AVAILABILITY_CHANGED,
        agent_id,
        &json!({ "agent_id": agent_id, "availability": availability.as_str(), "from": current.availability.as_str(), "by": actor.id }),
    )
    .await?;
    tx.commit().await?;
    db.wake_relay();
    agent(db, agent_id).await
}

/// Gives the support ticket `ticket_id` to `agent_id`: an administrator's choice (an
/// active agent, available or not), or an agent taking one that nobody has.
pub async fn assign_to(db: &Db, keys: &DataKeys, actor: &User, ticket_id: &str, agent_id: &str) -> Result<SupportTicket, AppError> {
    let admin = actor.role == Role::Admin && actor.active;
    let taking = actor.role == Role::Agent && actor.active && actor.id.to_string() == agent_id;
    if !admin && !taking {
        return Err(if is_desk(actor) { AppError::Forbidden } else { AppError::NotFound });
    }
    let mut tx = db.begin_write().await?;
    let lock = if db.backend == Backend::Postgres { " FOR UPDATE" } else { "" };
    let fit: Option<String> = sqlx::query_scalar(&format!("SELECT id FROM users WHERE id = $1 AND role = 'agent' AND active = $2{lock}"))
        .bind(agent_id)
        .bind(true)
        .fetch_optional(&mut *tx)
        .await?;
    if fit.is_none() {
        return Err(AppError::field("assignee_id", msg::errors_support::NOT_AN_AGENT));
    }
    let ticket = locked(&mut tx, db.backend, keys, actor, ticket_id).await?;
    let previous = ticket.assignee.as_ref().map(|a| a.id.to_string());
    if previous.as_deref() == Some(agent_id) {
        tx.rollback().await?;
        return get(db, keys, actor, ticket_id).await;
    }
    if !admin && previous.is_some() {
        return Err(AppError::conflict("support_ticket_taken", msg::errors_support::TAKEN));
    }
    let now = now_ms();
    sqlx::query("UPDATE support_assignments SET ended_at = $1 WHERE ticket_id = $2 AND ended_at IS NULL").bind(now).bind(ticket_id).execute(&mut *tx).await?;
    let by = actor.id.to_string();
    give(&mut tx, ticket_id, agent_id, &ticket.requester.id.to_string(), if admin { Reason::Manual } else { Reason::Taken }, Some(&by), previous.as_deref(), now).await?;
    tx.commit().await?;
    db.wake_relay();
    get(db, keys, actor, ticket_id).await
}

/// Who has (or had) which support ticket, newest first: the current ones only unless
/// `history`; one agent's if named. Agents and administrators.
pub async fn assignments(db: &Db, viewer: &User, agent_id: Option<&str>, history: bool, page: i64) -> Result<Page<Assignment>, AppError> {
    if !is_desk(viewer) {
        return Err(AppError::Forbidden);
    }
    let page = clamp_page(page);
    let mut filters = Filters::new();
    if !history {
        filters.add("s.ended_at IS NULL", vec![]);
    }
    if let Some(agent) = agent_id {
        filters.add("s.agent_id = ?", vec![Arg::Text(agent.to_owned())]);
    }
    let where_sql = filters.sql();
    let total: i64 = filters.bind(sqlx::query(&format!("SELECT COUNT(*) AS n FROM support_assignments s WHERE {where_sql}"))).fetch_one(&db.pool).await?.try_get("n")?;
    let n = filters.bound();
    let sql = format!(
        "SELECT s.id, s.ticket_id, t.title, s.agent_id, u.display_name, s.reason, s.assigned_at, s.ended_at FROM support_assignments s \
         JOIN support_tickets t ON t.id = s.ticket_id JOIN users u ON u.id = s.agent_id WHERE {where_sql} \
         ORDER BY s.assigned_at DESC, s.id LIMIT ${} OFFSET ${}",
        n + 1,
        n + 2
    );
    const PER_PAGE: i64 = 50;
    let rows = filters.bind(sqlx::query(&sql)).bind(PER_PAGE).bind((page - 1) * PER_PAGE).fetch_all(&db.pool).await?;
    let items = rows
        .iter()
        .map(|r| {
            let id = |c: &str| r.try_get::<String, _>(c).map_err(AppError::from).and_then(|s| s.parse::<uuid::Uuid>().map_err(|_| AppError::Internal));
            Ok(Assignment {
                id: id("id")?,
                ticket_id: id("ticket_id")?,
                ticket_title: r.try_get("title")?,
                agent: Person { id: id("agent_id")?, display_name: r.try_get("display_name")? },
                reason: r.try_get("reason")?,
                assigned_at: from_ms(r.try_get("assigned_at")?),
                ended_at: r.try_get::<Option<i64>, _>("ended_at")?.map(from_ms),
            })
        })
        .collect::<Result<_, AppError>>()?;
    Ok(Page { items, total, page, per_page: PER_PAGE })
}
