//! The assigner: gives each support ticket to an active, available agent whose skills
//! include its category, with the fewest open support tickets (ties: the one given one
//! least recently, see [`rules::choose_agent`]).
//!
//! Two choices made at the same moment must not both count an agent's load before the
//! other is written. On PostgreSQL a choice locks the rows of every candidate agent, in
//! the order of their ids (so two choices never wait for each other in a circle), before
//! it counts their loads: choices that could pick the same agent, of one skill or of
//! overlapping ones, are made one after the other, by any number of processes; choices
//! for agents apart go on side by side. On SQLite a write transaction holds the whole
//! database. A support ticket nobody can take waits, and is given out when an agent
//! becomes available ([`assign_waiting`]).

use serde_json::json;
use sqlx::Row;

use crate::audit::{event_types, outbox, EventEnvelope};
use crate::db::{new_id, now_ms, Backend, Db, Tx};
use crate::error::AppError;
use crate::support::model::{Category, SupportStatus};
use crate::support::rules::{self, Candidate};

/// Why a support ticket went to an agent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    /// Just opened.
    New,
    /// It waited for an agent to become available.
    Waited,
    /// The agent who had it left (deactivated, off for the day).
    Reassigned,
    /// An administrator chose the agent.
    Manual,
    /// An agent took it from the unassigned queue.
    Taken,
}

impl Reason {
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::New => "NEW",
            Reason::Waited => "WAITED",
            Reason::Reassigned => "REASSIGNED",
            Reason::Manual => "MANUAL",
            Reason::Taken => "TAKEN",
        }
    }
}

/// What the assigner consumes.
pub const EVENT_TYPES: &[&str] =
    &[event_types::SUPPORT_TICKET_CREATED, event_types::AGENT_AVAILABILITY_CHANGED, event_types::USER_DEACTIVATED, event_types::USER_CREATED];

/// Handles one event of [`EVENT_TYPES`]. Each step checks what it finds, so handling an
/// event again changes nothing.
pub async fn handle(db: &Db, event: &EventEnvelope) -> Result<(), AppError> {
    let field = |name: &str| event.payload[name].as_str().map(str::to_owned).ok_or_else(|| AppError::BadRequest(crate::i18n::Text::raw(format!("{} without {name}", event.event_type))));
    match event.event_type.as_str() {
        event_types::SUPPORT_TICKET_CREATED => assign_new(db, &field("ticket_id")?).await?,
        event_types::AGENT_AVAILABILITY_CHANGED => {
            let agent = field("agent_id")?;
            match field("availability")?.as_str() {
                "AVAILABLE" => assign_waiting(db).await?,
                "OFF" => reassign_from(db, &agent).await?,
                _ => {}
            }
        }
        event_types::USER_DEACTIVATED => reassign_from(db, &field("user_id")?).await?,
        // A new agent may take what waits.
        event_types::USER_CREATED if event.payload["role"] == "agent" => assign_waiting(db).await?,
        _ => {}
    }
    Ok(())
}

/// Gives the support ticket `ticket_id` to the best agent, if it is open and nobody has it;
/// answers the agent chosen.
pub async fn assign(db: &Db, ticket_id: &str, reason: Reason) -> Result<Option<String>, AppError> {
    let mut tx = db.begin_write().await?;
    let chosen = assign_in(&mut tx, db.backend, ticket_id, reason, None).await?;
    tx.commit().await?;
    if chosen.is_some() {
        db.wake_relay();
    }
    Ok(chosen)
}

/// New support tickets given out in one transaction, at most.
const BATCH: i64 = 100;

/// Gives out the new support ticket `ticket_id` and, in the same transaction, the others
/// of its category that nobody has yet (at most [`BATCH`] in all): the candidates are
/// locked and counted once, and the same rule picks an agent for each in turn, counting
/// each load as it grows. Under a rush the assigner so writes many choices with one
/// commit; a support ticket already given out when its own event comes changes nothing.
async fn assign_new(db: &Db, ticket_id: &str) -> Result<(), AppError> {
    let mut tx = db.begin_write().await?;
    let category: Option<String> = sqlx::query_scalar("SELECT category FROM support_tickets WHERE id = $1").bind(ticket_id).fetch_optional(&mut *tx).await?;
    let Some(category) = category.as_deref().and_then(Category::parse) else { return Ok(()) };
    let mut candidates = candidates(&mut tx, db.backend, category).await?;
    if candidates.is_empty() {
        // It waits for an agent (see `assign_waiting`).
        return Ok(());
    }
    let lock = if db.backend == Backend::Postgres { " FOR UPDATE" } else { "" };
    let waiting = sqlx::query(&format!(
        "SELECT id, requester_id FROM support_tickets WHERE category = $1 AND assignee_id IS NULL AND status IN ('OPEN', 'IN_PROGRESS', 'WAITING') \
         ORDER BY CASE WHEN id = $2 THEN 0 ELSE 1 END, created_at, id LIMIT $3{lock}"
    ))
    .bind(category.as_str())
    .bind(ticket_id)
    .bind(BATCH)
    .fetch_all(&mut *tx)
    .await?;
    let now = now_ms();
    for row in &waiting {
        let Some(agent) = rules::choose_agent(&candidates).map(|c| c.agent_id.clone()) else { break };
        give(&mut tx, &row.try_get::<String, _>("id")?, &agent, &row.try_get::<String, _>("requester_id")?, Reason::New, None, None, now).await?;
        if let Some(chosen) = candidates.iter_mut().find(|c| c.agent_id == agent) {
            chosen.open += 1;
            chosen.last_assigned_at = Some(now);
        }
    }
    tx.commit().await?;
    if !waiting.is_empty() {
        db.wake_relay();
    }
    Ok(())
}

/// Locks, in `tx`, the candidates for a support ticket of `category` (see the module's
/// doc), then counts what each has.
async fn candidates(tx: &mut Tx, backend: Backend, category: Category) -> Result<Vec<Candidate>, AppError> {
    let skill = format!("%,{},%", category.skill());
    let fit = "u.role = 'agent' AND u.active = $1 AND u.availability = 'AVAILABLE' AND ',' || u.skills || ',' LIKE $2";
    if backend == Backend::Postgres {
        sqlx::query(&format!("SELECT u.id FROM users u WHERE {fit} ORDER BY u.id FOR UPDATE")).bind(true).bind(&skill).fetch_all(&mut **tx).await?;
    }
    let rows = sqlx::query(&format!(
        "SELECT u.id, u.last_assigned_at, (SELECT COUNT(*) FROM support_tickets t WHERE t.assignee_id = u.id \
         AND t.status IN ('OPEN', 'IN_PROGRESS', 'WAITING')) AS open FROM users u WHERE {fit}"
    ))
    .bind(true)
    .bind(&skill)
    .fetch_all(&mut **tx)
    .await?;
    rows.iter()
        .map(|r| Ok(Candidate { agent_id: r.try_get("id")?, open: r.try_get("open")?, last_assigned_at: r.try_get("last_assigned_at")? }))
        .collect()
}

/// [`assign`] in `tx`. With `leaving`, the support ticket is first taken from that agent
/// (if they still have it), who is then no candidate.
async fn assign_in(tx: &mut Tx, backend: Backend, ticket_id: &str, reason: Reason, leaving: Option<&str>) -> Result<Option<String>, AppError> {
    let category: Option<String> = sqlx::query_scalar("SELECT category FROM support_tickets WHERE id = $1").bind(ticket_id).fetch_optional(&mut **tx).await?;
    let Some(category) = category.as_deref().and_then(Category::parse) else { return Ok(None) };
    let mut candidates = candidates(tx, backend, category).await?;
    let lock = if backend == Backend::Postgres { " FOR UPDATE" } else { "" };
    let row = sqlx::query(&format!("SELECT status, assignee_id, requester_id FROM support_tickets WHERE id = $1{lock}")).bind(ticket_id).fetch_one(&mut **tx).await?;
    let status = SupportStatus::parse(&row.try_get::<String, _>("status")?).ok_or(AppError::Internal)?;
    let assignee: Option<String> = row.try_get("assignee_id")?;
    let now = now_ms();
    match (&assignee, leaving) {
        (Some(current), Some(leaving)) if current == leaving => release(tx, ticket_id, now).await?,
        (Some(_), _) => return Ok(None),
        (None, _) => {}
    }
    if !status.is_open() {
        return Ok(None);
    }
    candidates.retain(|c| Some(c.agent_id.as_str()) != leaving);
    let Some(agent) = rules::choose_agent(&candidates).map(|c| c.agent_id.clone()) else { return Ok(None) };
    let requester: String = row.try_get("requester_id")?;
    give(tx, ticket_id, &agent, &requester, reason, None, assignee.as_deref(), now).await?;
    Ok(Some(agent))
}

/// Ends the current assignment of `ticket_id`, in `tx`.
async fn release(tx: &mut Tx, ticket_id: &str, now: i64) -> Result<(), AppError> {
    sqlx::query("UPDATE support_assignments SET ended_at = $1 WHERE ticket_id = $2 AND ended_at IS NULL").bind(now).bind(ticket_id).execute(&mut **tx).await?;
    sqlx::query("UPDATE support_tickets SET assignee_id = NULL, assigned_at = NULL, updated_at = $1 WHERE id = $2").bind(now).bind(ticket_id).execute(&mut **tx).await?;
    Ok(())
}

/// Writes that `agent` has `ticket_id` from now on, and its event, in `tx`.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn give(tx: &mut Tx, ticket_id: &str, agent: &str, requester: &str, reason: Reason, by: Option<&str>, previous: Option<&str>, now: i64) -> Result<(), AppError> {
    sqlx::query("UPDATE support_tickets SET assignee_id = $1, assigned_at = $2, updated_at = $2 WHERE id = $3").bind(agent).bind(now).bind(ticket_id).execute(&mut **tx).await?;
    sqlx::query("UPDATE users SET last_assigned_at = $1 WHERE id = $2").bind(now).bind(agent).execute(&mut **tx).await?;
    sqlx::query("INSERT INTO support_assignments (id, ticket_id, agent_id, reason, assigned_by, assigned_at) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(new_id())
        .bind(ticket_id)
        .bind(agent)
        .bind(reason.as_str())
        .bind(by)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    outbox::record(
        tx,
        event_types::ASSIGNMENT_CREATED,
        ticket_id,
        &json!({ "ticket_id": ticket_id, "agent_id": agent, "requester_id": requester, "reason": reason.as_str(), "previous_agent_id": previous, "by": by }),
    )
    .await?;
    Ok(())
}

/// Gives out the support tickets that wait for an agent, oldest first, as long as someone
/// can take them.
pub async fn assign_waiting(db: &Db) -> Result<(), AppError> {
    let waiting: Vec<String> = sqlx::query_scalar(
        "SELECT id FROM support_tickets WHERE assignee_id IS NULL AND status IN ('OPEN', 'IN_PROGRESS', 'WAITING') ORDER BY created_at, id LIMIT 1000",
    )
    .fetch_all(&db.pool)
    .await?;
    for id in waiting {
        assign(db, &id, Reason::Waited).await?;
    }
    Ok(())
}

/// Hands the open support tickets of `agent` (deactivated, or off for the day) to others
/// by the same rule; those nobody can take wait.
pub async fn reassign_from(db: &Db, agent: &str) -> Result<(), AppError> {
    let theirs: Vec<String> = sqlx::query_scalar("SELECT id FROM support_tickets WHERE assignee_id = $1 AND status IN ('OPEN', 'IN_PROGRESS', 'WAITING') ORDER BY created_at, id")
        .bind(agent)
        .fetch_all(&db.pool)
        .await?;
    for id in theirs {
        let mut tx = db.begin_write().await?;
        let chosen = assign_in(&mut tx, db.backend, &id, Reason::Reassigned, Some(agent)).await?;
        tx.commit().await?;
        if chosen.is_some() {
            db.wake_relay();
        }
    }
    Ok(())
}
