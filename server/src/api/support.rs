//! `/support/…` and `/assignments`: support tickets, their conversation, the agents and
//! who has what. Another customer's support ticket answers 404 everywhere, and no answer
//! to a customer holds an internal note (the service decides both).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;

use app::paging::Page;
use app::state::AppState;
use app::support::service::{self, TicketQuery};
use app::support::{conversation, desk, panel, OrderPanel, Agent, Assignment, Availability, NewMessage, NewSupportTicket, SupportMessage, SupportStatus, SupportTicket};
use app::AppError;

use crate::api::error::ApiResult;
use crate::api::extract::{parse_id, ApiJson, ApiQuery, AuthUser};

/// The page asked for, from 1 to the last page any list goes to.
fn page_of(page: Option<i64>) -> Result<i64, AppError> {
    match page.unwrap_or(1) {
        p if (1..=app::paging::MAX_PAGE).contains(&p) => Ok(p),
        _ => Err(AppError::field("page", app::i18n::msg::errors::PAGE_START)),
    }
}

/// Opens a support ticket: 201 with it; 200 with the one made before when its
/// `client_id` was sent already.
pub async fn create(State(state): State<AppState>, AuthUser(user): AuthUser, ApiJson(body): ApiJson<NewSupportTicket>) -> ApiResult<(StatusCode, Json<SupportTicket>)> {
    let (ticket, created) = service::create(&state.db, &state.data_keys, &user, &body).await?;
    Ok((if created { StatusCode::CREATED } else { StatusCode::OK }, Json(ticket)))
}

pub async fn list(State(state): State<AppState>, AuthUser(user): AuthUser, ApiQuery(query): ApiQuery<TicketQuery>) -> ApiResult<Json<Page<SupportTicket>>> {
    page_of(query.page)?;
    Ok(Json(service::list(&state.db, &state.data_keys, &user, &query).await?))
}

pub async fn get(State(state): State<AppState>, AuthUser(user): AuthUser, Path(id): Path<String>) -> ApiResult<Json<SupportTicket>> {
    Ok(Json(service::get(&state.db, &state.data_keys, &user, &parse_id(&id)?).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PatchBody {
    #[serde(default)]
    status: Option<SupportStatus>,
    /// The agent who takes it (an administrator's choice, or an agent taking it).
    #[serde(default)]
    assignee_id: Option<String>,
}

/// Moves a support ticket on, and/or gives it to an agent.
pub async fn update(State(state): State<AppState>, AuthUser(user): AuthUser, Path(id): Path<String>, ApiJson(body): ApiJson<PatchBody>) -> ApiResult<Json<SupportTicket>> {
    let id = parse_id(&id)?;
    let keys = &state.data_keys;
    let mut ticket = None;
    if let Some(agent) = body.assignee_id {
        let agent = agent.parse::<uuid::Uuid>().map_err(|_| AppError::field("assignee_id", app::i18n::msg::errors_support::NOT_AN_AGENT))?;
        ticket = Some(desk::assign_to(&state.db, keys, &user, &id, &agent.to_string()).await?);
    }
    if let Some(status) = body.status {
        ticket = Some(conversation::change_status(&state.db, keys, &user, &id, status).await?);
    }
    match ticket {
        Some(ticket) => Ok(Json(ticket)),
        None => Ok(Json(service::get(&state.db, keys, &user, &id).await?)),
    }
}

/// A public reply or an internal note: 201 with it (200 with the one made before when its
/// `client_id` was sent already).
pub async fn reply(State(state): State<AppState>, AuthUser(user): AuthUser, Path(id): Path<String>, ApiJson(body): ApiJson<NewMessage>) -> ApiResult<(StatusCode, Json<SupportMessage>)> {
    let id = parse_id(&id)?;
    let (message, created) = conversation::reply(&state.db, &state.data_keys, &user, &id, &body).await?;
    Ok((if created { StatusCode::CREATED } else { StatusCode::OK }, Json(message)))
}

pub async fn agents(State(state): State<AppState>, AuthUser(user): AuthUser) -> ApiResult<Json<Vec<Agent>>> {
    Ok(Json(desk::agents(&state.db, &user).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgentPatch {
    availability: Availability,
}

/// Sets an agent's availability: the agent themself, or an administrator.
pub async fn update_agent(State(state): State<AppState>, AuthUser(user): AuthUser, Path(id): Path<String>, ApiJson(body): ApiJson<AgentPatch>) -> ApiResult<Json<Agent>> {
    Ok(Json(desk::set_availability(&state.db, &user, &parse_id(&id)?, body.availability).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssignmentsQuery {
    #[serde(default)]
    agent_id: Option<String>,
    /// Ended assignments too.
    #[serde(default)]
    history: Option<bool>,
    #[serde(default)]
    page: Option<i64>,
}

/// Who has which support ticket, and since when.
pub async fn assignments(State(state): State<AppState>, AuthUser(user): AuthUser, ApiQuery(q): ApiQuery<AssignmentsQuery>) -> ApiResult<Json<Page<Assignment>>> {
    let page = page_of(q.page)?;
    let agent = match q.agent_id.as_deref() {
        Some(raw) => Some(parse_id(raw)?),
        None => None,
    };
    Ok(Json(desk::assignments(&state.db, &user, agent.as_deref(), q.history.unwrap_or(false), page).await?))
}

/// The order a support ticket names, for the desk: 404 when it names none.
pub async fn order(State(state): State<AppState>, AuthUser(user): AuthUser, Path(id): Path<String>) -> ApiResult<Json<OrderPanel>> {
    let panel = panel::panel(&state.db, &state.data_keys, &user, &parse_id(&id)?).await?;
    Ok(Json(panel.ok_or(AppError::NotFound)?))
}

/// Refunds the support ticket's order (administrators, and agents who handle payments).
pub async fn refund(State(state): State<AppState>, AuthUser(user): AuthUser, Path(id): Path<String>) -> ApiResult<Json<OrderPanel>> {
    Ok(Json(panel::refund(&state.db, &state.data_keys, &user, &parse_id(&id)?).await?))
}

/// Sends the support ticket's order's tickets to their buyer again.
pub async fn resend(State(state): State<AppState>, AuthUser(user): AuthUser, Path(id): Path<String>) -> ApiResult<Json<OrderPanel>> {
    Ok(Json(panel::resend(&state.db, &state.data_keys, &user, &parse_id(&id)?).await?))
}
