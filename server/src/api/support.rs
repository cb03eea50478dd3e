//! `/support/…` and `/assignments`: support tickets, their conversation, the agents and
//! who has what. Another customer's support ticket answers 404 everywhere, and no answer
//! to a customer holds an internal note (the service decides both).

use axum::extract::{Path, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
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

/// The content of a file of a support ticket, under the type read from it when it was
/// sent. It opens in the browser (images, PDF) and saves under its own name.
pub async fn attachment(State(state): State<AppState>, AuthUser(user): AuthUser, Path((id, file_id)): Path<(String, String)>) -> ApiResult<Response> {
    let (id, file_id) = (parse_id(&id)?, parse_id(&file_id)?);
    let (file, content) = service::attachment(&state.db, &state.data_keys, &user, &id, &file_id).await?;
    let headers = [
        (header::CONTENT_TYPE, HeaderValue::from_str(&file.content_type).map_err(|_| AppError::Internal)?),
        (header::CONTENT_DISPOSITION, HeaderValue::from_str(&content_disposition(&file.name)).map_err(|_| AppError::Internal)?),
        (header::CACHE_CONTROL, HeaderValue::from_static("private, no-store")),
        // What a file holds never runs as the site.
        (header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'; sandbox")),
    ];
    Ok((headers, content).into_response())
}

/// `inline`, with the file's name: in ASCII for old clients, and exactly in UTF-8
/// (RFC 6266 / RFC 8187).
fn content_disposition(name: &str) -> String {
    let ascii: String = name.chars().map(|c| if c.is_ascii_alphanumeric() || " .-_()".contains(c) { c } else { '_' }).collect();
    let exact: String = name
        .bytes()
        .map(|b| if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) { char::from(b).to_string() } else { format!("%{b:02X}") })
        .collect();
    format!("inline; filename=\"{ascii}\"; filename*=UTF-8''{exact}")
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

#[cfg(test)]
mod tests {
    #[test]
    fn a_file_keeps_its_name_when_saved() {
        assert_eq!(super::content_disposition("scan.pdf"), "inline; filename=\"scan.pdf\"; filename*=UTF-8''scan.pdf");
        assert_eq!(
            super::content_disposition("entrada \"año\".png"),
            "inline; filename=\"entrada _a_o_.png\"; filename*=UTF-8''entrada%20%22a%C3%B1o%22.png"
        );
    }
}
